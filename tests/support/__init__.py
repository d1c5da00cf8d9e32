"""Real servers on free loopback ports for tests and benchmarks: Redis, FerretDB, SMTP, our processes."""
