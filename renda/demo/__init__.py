"""The fictional demo district: its vocabulary (data) and the generator that writes it as a content folder."""
