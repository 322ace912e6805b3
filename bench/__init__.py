"""Benchmarks for teampulse (`make bench`): ratios to baselines measured in the same run."""
