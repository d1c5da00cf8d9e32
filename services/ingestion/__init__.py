"""The ingestion API: web and mobile apps send symptom, dose and check-in events here."""
