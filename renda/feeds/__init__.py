"""Atom feeds (RFC 4287) of what moves: report-backs, proposals' stages, answered opinions, a station's receptions."""
