"""The district: its profile (district.yaml), congress sessions and term."""
