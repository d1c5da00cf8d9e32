"""Export archives built for large accounts, and their purge after 7 days."""
