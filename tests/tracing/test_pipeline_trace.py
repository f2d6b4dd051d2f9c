"""One real question (pgvector, MiniLM, SmolLM2) -> one trace, read back from PostgreSQL, MLflow and the CLI."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import mlflow
import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from ragops.cli import app
from ragops.rag.pipeline import QueryPipeline
from ragops.runtime import Runtime
from ragops.store.traces import find_trace, recent_traces
from ragops.tracing.sinks.mlflow import RAGOPS_TRACE_TAG
from ragops.tracing.sinks.postgres import finished_trace
from ragops.tracing.spans import FinishedTrace
from ragops.types import Answer
from tests.conftest import ask

QUESTION = "What is retrieval-augmented generation?"
RETRIEVAL = ["embed_query", "dense", "keyword", "fuse"]
TOP_LEVEL = ["guard_input", "retrieve", "guard_chunks", "assemble", "generate", "attribute", "guard_output"]
STAGES = ["answer", "guard_input", "retrieve", *RETRIEVAL, *TOP_LEVEL[2:]]


@dataclass(frozen=True)
class Traced:
    answer: Answer
    trace: FinishedTrace
    tokens_before: float


def _tokens(model: str) -> float:
    return REGISTRY.get_sample_value("ragops_llm_tokens_total", {"model": model, "direction": "output"}) or 0.0


def _generated_tokens(traced: Traced) -> int:
    generate = next(s for s in traced.trace.spans if s.name == "generate")
    return int(generate.attributes["gen_ai.usage.output_tokens"])


@pytest.fixture(scope="module")
def traced(runtime: Runtime, sequential_pipeline: QueryPipeline, sample_collection: str) -> Traced:
    assert runtime.llm is not None
    before = _tokens(runtime.llm.model_id)
    answer = sequential_pipeline.answer(ask(QUESTION, collection=sample_collection))
    assert runtime.tracer.flush(timeout_s=120.0), "the trace was not exported in time"
    with runtime.db.connection() as conn:
        (row,) = find_trace(conn, answer.trace_id)
    return Traced(answer, finished_trace(row), before)


def test_one_trace_holds_every_stage_in_order_with_token_counts(traced: Traced) -> None:
    trace = traced.trace
    assert trace.trace_id == traced.answer.trace_id
    assert [s.name for s in trace.spans] == STAGES
    by_name = {s.name: s for s in trace.spans}
    assert [s.name for s in trace.children(trace.root)] == TOP_LEVEL
    assert [s.name for s in trace.children(by_name["retrieve"])] == RETRIEVAL

    generate = by_name["generate"].attributes
    assert generate["gen_ai.request.model"] == traced.answer.models["llm"]
    assert generate["gen_ai.provider.name"] == "llama_cpp"
    assert generate["gen_ai.usage.input_tokens"] > 100  # system prompt + passages + question
    assert 0 < generate["gen_ai.usage.output_tokens"] <= 256
    assert generate["ragops.cost_usd"] == 0.0  # dev.yaml prices the local model at zero
    assert QUESTION in generate["gen_ai.prompt"]
    assert generate["gen_ai.completion"]

    retrieved = by_name["retrieve"].attributes["ragops.retrieval.chunk_ids"]
    assert {c.chunk_id for c in traced.answer.citations} <= set(retrieved)
    root = trace.root.attributes
    assert root["ragops.question"] == QUESTION
    assert root["ragops.citations"] == len(traced.answer.citations)
    assert set(traced.answer.timings_ms) == set(STAGES[1:])  # each timed stage is a span
    spans = {s.span_id: s for s in trace.spans}
    for child in trace.spans[1:]:  # each span lies within its parent
        parent = spans[child.parent_id or ""]
        assert parent.start_ns <= child.start_ns <= (child.end_ns or 0) <= (parent.end_ns or 0)


def test_output_tokens_are_counted_by_model_for_prometheus(traced: Traced) -> None:
    assert _tokens(traced.answer.models["llm"]) == traced.tokens_before + _generated_tokens(traced)


def test_the_same_trace_is_in_mlflow_with_its_spans(runtime: Runtime, traced: Traced) -> None:
    experiment = mlflow.MlflowClient(runtime.settings.mlflow_tracking_uri).get_experiment_by_name("ragops")
    assert experiment is not None
    assert experiment.artifact_location == (runtime.settings.home / "mlflow-artifacts").as_uri()  # not ./mlruns
    mlflow.set_tracking_uri(runtime.settings.mlflow_tracking_uri)
    found = mlflow.search_traces(
        locations=[experiment.experiment_id],
        filter_string=f"tag.`{RAGOPS_TRACE_TAG}` = '{traced.answer.trace_id}'",
        return_type="list",
        flush=True,  # MLflow writes from its own asynchronous queue
    )
    assert len(found) == 1
    stored = mlflow.get_trace(found[0].info.trace_id)
    assert stored is not None
    assert [s.name for s in stored.data.spans] == STAGES
    llm = next(s for s in stored.data.spans if s.name == "generate")
    assert llm.span_type == "LLM"
    assert llm.attributes["gen_ai.usage.output_tokens"] == _generated_tokens(traced)
    assert stored.data.spans[0].inputs == QUESTION


def test_ingestion_runs_are_traced_with_a_span_per_batch(runtime: Runtime, sample_collection: str) -> None:
    runtime.tracer.flush(timeout_s=60.0)
    with runtime.db.connection() as conn:
        rows = recent_traces(conn, datetime.now(UTC) - timedelta(days=1), 100, name="ingest")
    # the session's first ingest of the sample (later re-ingests in other tests add nothing)
    (row,) = [
        r
        for r in rows
        if r.attributes["ragops.collection"] == sample_collection and r.attributes.get("ragops.ingest.documents_added")
    ]
    trace = finished_trace(row)
    batches = [s for s in trace.spans if s.name == "ingest_batch"]
    assert (
        sum(b.attributes["ragops.ingest.documents"] for b in batches) == row.attributes["ragops.ingest.documents_added"]
    )
    assert sum(b.attributes["ragops.ingest.chunks"] for b in batches) > 0
    for batch in batches:
        assert [c.name for c in trace.children(batch)] == ["embed"]


def test_cli_shows_the_span_tree_and_lists_the_trace(runtime: Runtime, traced: Traced) -> None:
    env = {"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"}
    shown = CliRunner().invoke(app, ["traces", "show", traced.answer.trace_id[:10]], env=env)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"trace {traced.answer.trace_id}  answer")
    positions = [
        next(i for i, line in enumerate(lines) if line.strip("│├└─ ").startswith(f"{stage}  ")) for stage in STAGES[1:]
    ]
    assert positions == sorted(positions)
    assert "gen_ai.usage.output_tokens=" in shown.stdout

    listed = CliRunner().invoke(app, ["traces", "list", "--since", "1h", "--limit", "100"], env=env)
    assert listed.exit_code == 0, listed.output
    assert traced.answer.trace_id in listed.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["traces", "show", "abc"], "at least 6 characters"),
        (["traces", "show", "ffffffffffff"], "traces list --since 7d"),
        (["traces", "list", "--since", "yesterday"], "like 30m, 1h, 7d or 2w"),
    ],
)
def test_cli_trace_commands_explain_bad_input(runtime: Runtime, arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(app, arguments, env={"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"})
    assert result.exit_code == 1
    assert message in result.stderr


def test_a_streamed_answer_is_one_trace_with_time_to_first_token(
    runtime: Runtime, sequential_pipeline: QueryPipeline, sample_collection: str
) -> None:
    short = replace(
        sequential_pipeline, generation=sequential_pipeline.generation.model_copy(update={"max_tokens": 16})
    )
    *_, answer = short.stream_answer(ask(QUESTION, collection=sample_collection, top_k=2))
    assert isinstance(answer, Answer) and len(answer.trace_id) == 32
    assert runtime.tracer.flush(timeout_s=120.0)
    with runtime.db.connection() as conn:
        (row,) = find_trace(conn, answer.trace_id)
    trace = finished_trace(row)
    # 16 tokens of a 135M model may be nothing but prompt format: then the passages answer (an `extract` span).
    attributed = "attribute" if answer.answered_by == "generative" else "extract"
    assert [s.name for s in trace.children(trace.root)] == [*TOP_LEVEL[:5], attributed, "guard_output"]
    generate = next(s for s in trace.spans if s.name == "generate")
    assert 0 < generate.attributes["ragops.time_to_first_token_ms"] <= generate.duration_ms
    assert generate.attributes["gen_ai.usage.output_tokens"] > 0
