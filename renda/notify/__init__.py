"""Notifications: an outbox written with the event that causes each message, and the sender that delivers it."""
