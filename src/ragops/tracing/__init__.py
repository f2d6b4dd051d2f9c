"""Traces of every request and ingestion run: spans, exporters, metrics."""
