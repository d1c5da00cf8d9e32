"""Doctor reports: the one-page weekly summary for a clinician, built as HTML and PDF."""
