"""`ragops eval compare`: two evaluation runs read back from MLflow, metric by metric."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from typing import Any

from ragops.config import Settings
from ragops.errors import ConfigError
from ragops.evaluation.metrics import lower_is_better
from ragops.evaluation.tracking import COVERAGE_PREFIX, ITEMS_TABLE

UNRANKED = frozenset({"items"})
TESTSET_WARNING = "the two runs were evaluated on different test sets: their metrics are not comparable"


@dataclass(frozen=True)
class EvalRun:
    run_id: str
    name: str
    metrics: dict[str, float]
    coverage: dict[str, int]  # metric -> items it averages over
    params: dict[str, str]
    items: dict[str, list[Any]]  # the per-item table: column -> values


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def b_is_better(self) -> bool | None:
        """Whether B improves on A (None: equal, incomparable, or not a quality metric)."""
        if self.delta is None or self.delta == 0 or self.name in UNRANKED:
            return None
        return (self.delta < 0) == lower_is_better(self.name)


def load_eval_run(settings: Settings, run_id: str) -> EvalRun:
    """Metrics, params and the per-item table of an evaluation run; ConfigError when there is no such run."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(settings.mlflow_tracking_uri)
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        raise ConfigError(
            f"no MLflow run {run_id!r} in {settings.mlflow_tracking_uri}; `ragops eval run` prints run ids, "
            "`ragops mlflow ui` lists them"
        ) from exc
    metrics = {k: v for k, v in run.data.metrics.items() if not k.startswith(COVERAGE_PREFIX)}
    coverage = {k.removeprefix(COVERAGE_PREFIX): int(v) for k, v in run.data.metrics.items() if k not in metrics}
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = client.download_artifacts(run_id, ITEMS_TABLE, folder)
        except (MlflowException, OSError) as exc:
            raise ConfigError(
                f"run {run_id} has no {ITEMS_TABLE}: is it an evaluation run (`ragops eval run`)?"
            ) from exc
        with open(path, encoding="utf-8") as table:
            split = json.load(table)  # pandas "split" orientation: columns + rows
    items = {column: [row[i] for row in split["data"]] for i, column in enumerate(split["columns"])}
    return EvalRun(run_id, run.info.run_name or run_id, metrics, coverage, dict(run.data.params), items)


def compare_metrics(a: EvalRun, b: EvalRun) -> list[MetricDelta]:
    """Every metric of either run, by name; a metric only one run has shows None for the other."""
    names = sorted(a.metrics.keys() | b.metrics.keys())
    return [MetricDelta(name, a.metrics.get(name), b.metrics.get(name)) for name in names]


def changed_params(a: EvalRun, b: EvalRun) -> list[tuple[str, str | None, str | None]]:
    """(param, value in A, value in B) for each param that differs: what changed between the two pipelines."""
    names = sorted(a.params.keys() | b.params.keys())
    return [(n, a.params.get(n), b.params.get(n)) for n in names if a.params.get(n) != b.params.get(n)]


def same_testset(a: EvalRun, b: EvalRun) -> bool:
    """Whether both runs scored exactly the same items (by the content hash logged with each)."""
    return a.params.get("testset.sha256") == b.params.get("testset.sha256")
