"""Email delivery: the outbox, templates, SMTP sending, suppression and one-click unsubscribe."""
