"""Ingestion: sources, cleaning, chunking, and the pipeline that stores embedded chunks."""
