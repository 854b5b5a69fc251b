"""Residents' opinions (群众意见): the form, tracking, the board, and staff handling."""
