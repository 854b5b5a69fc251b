"""Stations (代表联络站) and their receptions: schedule rules, feeds, pages."""
