"""Evaluation: retrieval metrics, benchmark datasets and runs."""
