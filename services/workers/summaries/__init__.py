"""Rolling summaries: per-day summaries, rolling trends, windows and waves, taper progress, red flags."""
