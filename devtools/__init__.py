"""Developer tools for the local stack (not deployed): mail sink, stack runner, readiness wait."""
