"""A deputy's record of duties (履职档案): derived items, reported entries confirmed by staff, and the score."""
