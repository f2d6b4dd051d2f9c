"""`ragops monitor`: sample recent answer traces, judge them, add heuristics, write a report, log to MLflow."""

from __future__ import annotations

import logging
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ragops.errors import ProviderError, UnreadableReplyError
from ragops.monitoring.heuristics import AnswerSample, answer_sample, heuristic_metrics, negative_feedback_rate
from ragops.providers.base import ChatModel
from ragops.providers.judge import JudgeScores, judge_answer
from ragops.store.database import Database
from ragops.store.feedback import rating_counts
from ragops.store.traces import recent_traces
from ragops.tracing.sinks.mlflow import experiment_id

log = logging.getLogger(__name__)

MAX_TRACES = 5000  # heuristics read this many of the newest traces in the window


@dataclass
class MonitoringResult:
    since: datetime
    until: datetime
    metrics: dict[str, float | None]
    judged: dict[str, JudgeScores] = field(default_factory=dict)  # trace id -> scores
    judge_failures: dict[str, str] = field(default_factory=dict)  # trace id -> why it was left out
    latencies_ms: list[float] = field(default_factory=list)


def run_monitoring(
    db: Database,
    judge: ChatModel,
    *,
    window: timedelta,
    judge_sample: int,
    seed: int | None = None,
    until: datetime | None = None,
) -> MonitoringResult:
    """Heuristics over every answer trace in (until - window, until]; the judge over a sample of the answered ones."""
    until = until or datetime.now(UTC)
    since = until - window
    with db.connection() as conn:
        rows = recent_traces(conn, since, MAX_TRACES, name="answer", until=until)
        samples = [answer_sample(row) for row in rows]
        feedback = negative_feedback_rate(rating_counts(conn, since=since, until=until))
    result = MonitoringResult(since, until, heuristic_metrics(samples))
    result.metrics["negative_feedback_rate"] = feedback
    result.latencies_ms = [s.duration_ms for s in samples if not s.failed]
    judgeable = [s for s in samples if not s.failed and not s.is_refusal]
    picked = random.Random(seed).sample(judgeable, min(judge_sample, len(judgeable)))
    for sample in picked:
        _judge_one(judge, sample, result)
    result.metrics |= _judge_metrics(result)
    return result


def _judge_one(judge: ChatModel, sample: AnswerSample, result: MonitoringResult) -> None:
    if sample.question is None or sample.answer is None or sample.prompt is None:
        result.judge_failures[sample.trace_id] = "payloads redacted"
        return
    try:
        result.judged[sample.trace_id] = judge_answer(
            judge, question=sample.question, context=sample.prompt, answer=sample.answer
        )
    except (UnreadableReplyError, ProviderError) as exc:  # one bad item is left out, never averaged in
        result.judge_failures[sample.trace_id] = str(exc)
        log.info("judge left out trace %s: %s", sample.trace_id, exc)


def _judge_metrics(result: MonitoringResult) -> dict[str, float | None]:
    scores = list(result.judged.values())
    return {
        "judged": float(len(scores)),
        "judge_failures": float(len(result.judge_failures)),
        "groundedness": statistics.fmean(s.groundedness for s in scores) if scores else None,
        "answer_relevance": statistics.fmean(s.relevance for s in scores) if scores else None,
    }


def log_to_mlflow(
    result: MonitoringResult,
    report: Path,
    *,
    tracking_uri: str,
    experiment: str,
    artifact_location: str | None = None,
) -> str:
    """One MLflow run per monitoring job: its metrics (n/a ones left out) and the report folder; returns the run id."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    run = client.create_run(
        experiment_id(client, experiment, artifact_location),
        run_name=f"monitor-{result.until:%Y-%m-%d}",
        tags={"ragops.window_start": result.since.isoformat(), "ragops.window_end": result.until.isoformat()},
    )
    for name, value in result.metrics.items():
        if value is not None:
            client.log_metric(run.info.run_id, name, value)
    client.log_artifacts(run.info.run_id, str(report.parent))
    client.set_terminated(run.info.run_id)
    return str(run.info.run_id)
