"""Pages of the site as a whole: home, privacy notice, health check."""
