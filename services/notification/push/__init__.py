"""Dose reminders, sent: a Web Push to each of the person's browsers, or an email when none takes it."""
