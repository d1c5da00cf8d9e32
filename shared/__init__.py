"""What the services share: settings, clients, logging, Celery factory, task contracts and web plumbing."""
