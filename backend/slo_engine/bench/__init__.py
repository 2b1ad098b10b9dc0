"""Benchmarks: commands that print one JSON object (never timed tests)."""
