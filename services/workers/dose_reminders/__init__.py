"""Dose reminders: at each of the plan's dose times, in the person's time zone, one reminder record
created exactly once and handed to the notifier, which pushes it or emails it."""
