"""Pipeline probes consumed by the summaries/reports worker."""
