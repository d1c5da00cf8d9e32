"""Flask plumbing both HTTP services share: problem+json errors, health checks, request ids."""
