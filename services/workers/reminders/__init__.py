"""Daily check-in reminders: when they are due, when they are skipped, and sending one."""
