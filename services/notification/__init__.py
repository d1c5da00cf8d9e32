"""The notification service: every email the platform sends, and the waitlist with its admin."""
