"""The registered artifact: an MLflow pyfunc model that answers questions with one pipeline version.

Loading it opens a runtime on the loading machine's profile (database, secrets) with the version's
pipeline config and prompt templates, so `mlflow.pyfunc.load_model("models:/ragops-pipeline@production")`
answers like `ragops serve --model production` does.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, get_origin

from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema
from mlflow.types.schema import AnyType
from pydantic.fields import FieldInfo

from ragops.config import load_settings
from ragops.rag.pipeline import QueryPipeline
from ragops.rag.query import resolve_query
from ragops.rag.response import AnswerResponse, answer_response
from ragops.registry.version import VERSION_ARTIFACT, version_settings
from ragops.runtime import open_runtime


def _output_column(name: str, field: FieldInfo) -> ColSpec:
    """A column of the answer's one serialisation (AnswerResponse): scalars typed, nested values as Any."""
    scalar = {str: "string", bool: "boolean", int: "long", float: "double"}
    annotation = field.annotation
    if annotation in scalar:
        return ColSpec(scalar[annotation], name)
    if get_origin(annotation) is Literal:
        return ColSpec("string", name)
    if annotation == str | None:
        return ColSpec("string", name, required=False)
    nested = AnyType()  # type: ignore[no-untyped-call]
    return ColSpec(nested, name, required=field.is_required())


SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "question")]),
    outputs=Schema([_output_column(name, field) for name, field in AnswerResponse.model_fields.items()]),
)


class PipelineModel(PythonModel):
    """Answers a `question` column; the runtime opens once per loaded model."""

    def load_context(self, context: Any) -> None:
        self._resources = ExitStack()
        settings = version_settings(load_settings(), Path(context.artifacts[VERSION_ARTIFACT]))
        runtime = self._resources.enter_context(open_runtime(settings, with_llm=True))
        self._pipeline: QueryPipeline = runtime.pipeline()
        self._settings = settings

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = []
        for question in _questions(model_input):
            answer = self._pipeline.answer(resolve_query(self._settings, question))
            rows.append(answer_response(answer).model_dump(mode="json"))
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
