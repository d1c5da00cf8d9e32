"""Summaries as the apps read them: chart-ready series computed by the workers, for the signed-in person."""
