"""Guardrails: input guards before retrieval, chunk guards on passages, output guards after generation."""
