"""Towns, communities and electoral districts; find my deputy."""
