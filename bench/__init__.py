"""Benchmarks (not a package users import)."""
