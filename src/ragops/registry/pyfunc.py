"""The registered artifact: an MLflow pyfunc model that answers questions with one pipeline version.

Loading it opens a runtime on the loading machine's profile (database, secrets) with the version's
pipeline config and prompt templates, so `mlflow.pyfunc.load_model("models:/ragops-pipeline@production")`
answers like `ragops serve --model production` does.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema

from ragops.config import load_settings
from ragops.rag.pipeline import QueryPipeline
from ragops.registry.version import VERSION_ARTIFACT, version_settings
from ragops.runtime import open_runtime

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "question")]),
    outputs=Schema(
        [
            ColSpec("string", "answer"),
            ColSpec("string", "sources"),  # JSON list of the cited passages
            ColSpec("boolean", "blocked"),
            ColSpec("string", "trace_id"),
        ]
    ),
)


class PipelineModel(PythonModel):
    """Answers a `question` column; the runtime opens once per loaded model."""

    def load_context(self, context: Any) -> None:
        self._resources = ExitStack()
        settings = version_settings(load_settings(), Path(context.artifacts[VERSION_ARTIFACT]))
        runtime = self._resources.enter_context(open_runtime(settings, with_llm=True))
        self._pipeline: QueryPipeline = runtime.pipeline()
        self._collection = settings.collection

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = []
        for question in _questions(model_input):
            answer = self._pipeline.answer(question, collection=self._collection)
            sources = [
                {"number": c.number, "source_id": c.source_id, "title": c.title, "uri": c.uri} for c in answer.citations
            ]
            rows.append(
                {
                    "answer": answer.text,
                    "sources": json.dumps(sources),
                    "blocked": answer.blocked,
                    "trace_id": answer.trace_id,
                }
            )
        return rows

    def close(self) -> None:
        """Close the runtime (database pool, tracer: traces go back to whoever traced before the model loaded)."""
        self._resources.close()


def _questions(model_input: Any) -> list[str]:
    """A DataFrame or dict with a `question` column, a list of strings, or one string."""
    if isinstance(model_input, str):
        return [model_input]
    if hasattr(model_input, "columns") or isinstance(model_input, dict):
        return [str(q) for q in model_input["question"]]
    return [str(q) for q in model_input]
