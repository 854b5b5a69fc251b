"""The content folder (CONTRACT.md): readers with path:line errors, and the loader."""
