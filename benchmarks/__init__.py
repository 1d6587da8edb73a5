"""Benchmarks of the kit: `make bench` (python -m benchmarks.bench); see bench.py."""
