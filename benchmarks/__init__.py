"""Benchmarks: each `bench_*.py` module measures side by side in one run and reports ratios."""
