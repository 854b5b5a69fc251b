"""Motions and suggestions (议案建议) and their handling: filters, stats, pages."""
