"""Real peers (Postfix, swaks, …) run privately on loopback for integration tests and benchmarks."""
