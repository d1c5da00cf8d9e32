"""Pipeline probes consumed by the notification worker."""
