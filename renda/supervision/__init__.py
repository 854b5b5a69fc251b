"""Supervision follow-ups: inquiries, evaluations, reviews and inspections, with their lists of commitments."""
