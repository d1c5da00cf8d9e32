"""The workers: rolling summaries and doctor reports, computed asynchronously."""
