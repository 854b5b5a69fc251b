"""Site-wide search: an index of the public rows of every kind, kept by the database's own full-text search."""
