"""The monitoring job: score recent traces with an LLM judge and heuristics, report, log to MLflow."""
