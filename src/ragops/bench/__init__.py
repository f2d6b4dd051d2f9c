"""Benchmarks run from the CLI (`ragops bench ...`)."""
