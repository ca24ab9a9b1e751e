"""The standing benchmark suite: what `make bench` runs and docs/benchmarks.md reports."""
