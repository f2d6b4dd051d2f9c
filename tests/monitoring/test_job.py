"""The monitoring job over a seeded set of answer traces: heuristics, the real SmolLM2 judge, report, MLflow run."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mlflow
import pytest

from ragops.monitoring.job import log_to_mlflow, run_monitoring
from ragops.monitoring.report import write_report
from ragops.runtime import Runtime
from ragops.tracing.sinks.postgres import PostgresTraceSink
from ragops.tracing.spans import FinishedTrace, Span

# Seeded in a window of their own, far in the past, so traces of other tests do not count.
UNTIL = datetime(2020, 1, 2, tzinfo=UTC)
PROMPT = (
    "[user]\nPassages:\n\n[1] Retrieval-augmented generation (RAG) retrieves passages and conditions an LLM on them."
)
QUESTION = "What is retrieval-augmented generation?"
GOOD = "RAG conditions a language model on retrieved passages [1]."


def _answer_trace(
    n: int,
    *,
    duration_ms: float,
    answer: str | None = GOOD,
    cited: int = 1,
    refused: bool = False,
    failed: bool = False,
) -> FinishedTrace:
    start = int((UNTIL - timedelta(hours=1)).timestamp() * 1e9) + n * 10**9
    trace_id = f"{n:032x}"
    root = Span("answer", trace_id, f"{n:016x}", None, start, start + int(duration_ms * 1e6))
    root.attributes = {"ragops.is_refusal": refused, "ragops.citations.cited": cited}
    root.attributes["ragops.answer.chars"] = 40 if answer is None else len(answer)
    if answer is not None:  # None: a redacted trace, sizes only
        root.attributes |= {"ragops.question": QUESTION, "ragops.answer": answer}
    spans = [root]
    if not refused:
        generate = Span("generate", trace_id, f"{n + 100:016x}", root.span_id, start, root.end_ns)
        if answer is not None:
            generate.attributes = {"gen_ai.prompt": PROMPT, "gen_ai.completion": answer}
        spans.append(generate)
    if failed:
        root.status = "error"
    return FinishedTrace(trace_id, spans)


SEEDED = [
    _answer_trace(1, duration_ms=1000),
    _answer_trace(2, duration_ms=1200),
    _answer_trace(3, duration_ms=1100, answer="RAG uses retrieval.", cited=0),
    _answer_trace(4, duration_ms=100, answer="I could not find anything relevant.", cited=0, refused=True),
    _answer_trace(5, duration_ms=900, answer="", cited=0),
    _answer_trace(6, duration_ms=50, failed=True),
    _answer_trace(7, duration_ms=10_000),  # a stall: more than 3x the median
    _answer_trace(8, duration_ms=1000, answer=None),
]


@pytest.fixture(scope="module")
def seeded(runtime: Runtime) -> Runtime:
    sink = PostgresTraceSink(runtime.db)
    for trace in SEEDED:
        sink.export(trace)
    return runtime


def test_heuristics_judge_report_and_mlflow_run_on_seeded_traces(seeded: Runtime, tmp_path: Path) -> None:
    assert seeded.llm is not None
    result = run_monitoring(seeded.db, seeded.llm, window=timedelta(days=1), judge_sample=10, seed=0, until=UNTIL)

    metrics = result.metrics
    assert metrics["traces"] == 8
    assert metrics["failure_rate"] == pytest.approx(1 / 8)
    assert metrics["refusal_rate"] == pytest.approx(1 / 7)  # of the 7 that completed
    assert metrics["empty_answer_rate"] == pytest.approx(1 / 6)  # of the 6 answered
    assert metrics["uncited_answer_rate"] == pytest.approx(2 / 6)
    assert metrics["latency_p50_ms"] == pytest.approx(1000)
    assert metrics["latency_p95_ms"] == pytest.approx(10_000)
    assert metrics["latency_outliers"] == 1
    assert metrics["negative_feedback_rate"] is None  # no ratings in the window: n/a, not 0
    # Every answered trace went to the judge; the redacted one cannot be judged and is left out.
    assert set(result.judged) | set(result.judge_failures) == {f"{n:032x}" for n in (1, 2, 3, 5, 7, 8)}
    assert result.judge_failures[f"{8:032x}"] == "payloads redacted"
    assert metrics["judged"] == len(result.judged) and metrics["judge_failures"] == len(result.judge_failures)
    assert result.judged, result.judge_failures  # the worked examples make even SmolLM2 reply in the format
    for name in ("groundedness", "answer_relevance"):
        value = metrics[name]
        assert value is not None and 0.0 <= value <= 1.0 and not math.isnan(value)
    print(f"\njudge: {len(result.judged)} judged, {len(result.judge_failures)} left out: {result.judge_failures}")

    report = write_report(result, tmp_path)
    text = report.read_text()
    assert report.parent.name == "monitor-2020-01-02-000000"
    assert "| refusals (nothing relevant found) | 14.3% |" in text
    assert "| latency outliers (> 3x median) | 1 |" in text
    assert "| negative feedback | n/a |" in text
    assert (report.parent / "latency.png").stat().st_size > 1000
    assert "![latency](latency.png)" in text

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    artifacts = (tmp_path / "artifacts").as_uri()
    run_id = log_to_mlflow(
        result, report, tracking_uri=uri, experiment="ragops-monitoring", artifact_location=artifacts
    )
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.data.metrics["refusal_rate"] == pytest.approx(1 / 7)
    assert "negative_feedback_rate" not in run.data.metrics  # n/a is not logged as a number
    assert {a.path for a in mlflow.MlflowClient(uri).list_artifacts(run_id)} >= {"report.md", "latency.png"}
    assert (tmp_path / "artifacts" / run_id / "artifacts" / "report.md").is_file()  # not ./mlruns
