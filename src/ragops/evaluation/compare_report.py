"""The comparison as one self-contained HTML file: metric and config tables, plots embedded as base64 PNGs."""

from __future__ import annotations

import base64
import html
import io
import string
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragops.evaluation.compare import (
    TESTSET_WARNING,
    EvalRun,
    MetricDelta,
    changed_params,
    compare_metrics,
    same_testset,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLORS = ("#64748b", "#2563eb")  # A grey, B blue
_SCORE_COLUMNS_EXCLUDED = frozenset({"refusal", "citation_validity", "input_tokens", "output_tokens", "cost_usd"})


def write_compare_report(a: EvalRun, b: EvalRun, out: Path) -> Path:
    """Write the report to `out` (folders created); returns `out`."""
    template = string.Template((resources.files("ragops.evaluation") / "templates" / "compare.html").read_text("utf-8"))
    deltas = compare_metrics(a, b)
    page = template.substitute(
        name_a=html.escape(a.name),
        name_b=html.escape(b.name),
        run_a=a.run_id,
        run_b=b.run_id,
        testset_note="" if same_testset(a, b) else f"<p class='worse'>{html.escape(TESTSET_WARNING)}</p>",
        metric_rows="\n".join(_metric_row(d, a, b) for d in deltas),
        param_rows="\n".join(_param_row(*change) for change in changed_params(a, b))
        or '<tr><td colspan="3">identical pipeline params</td></tr>',
        plots="\n".join(
            f'<img alt="{html.escape(title)}" src="data:image/png;base64,{png}">' for title, png in _plots(a, b)
        ),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _metric_row(delta: MetricDelta, a: EvalRun, b: EvalRun) -> str:
    css = {True: "better", False: "worse", None: ""}[delta.b_is_better]
    change = "" if delta.delta is None else f"{delta.delta:+.4g}"
    return (
        f"<tr><td>{html.escape(delta.name)}</td><td>{_value(delta.a, a.coverage.get(delta.name))}</td>"
        f"<td>{_value(delta.b, b.coverage.get(delta.name))}</td><td class='{css}'>{change}</td></tr>"
    )


def _value(value: float | None, covered: int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" + (f" ({covered})" if covered is not None else "")


def _param_row(name: str, value_a: str | None, value_b: str | None) -> str:
    cells = (html.escape(v if v is not None else "-") for v in (name, value_a, value_b))
    return "<tr>" + "".join(f"<td><code>{cell}</code></td>" for cell in cells) + "</tr>"


def _plots(a: EvalRun, b: EvalRun) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    plots = []
    scores = [d for d in compare_metrics(a, b) if _is_unit_score(d)]
    if scores:
        figure, axes = plt.subplots(figsize=(9, 0.35 * len(scores) + 1.2))
        positions = range(len(scores))
        for offset, (label, values) in enumerate((("A", [d.a for d in scores]), ("B", [d.b for d in scores]))):
            axes.barh(
                [p + 0.4 * offset for p in positions],
                [v or 0.0 for v in values],
                0.4,
                label=label,
                color=COLORS[offset],
            )
        axes.set_yticks([p + 0.2 for p in positions], [d.name for d in scores])
        axes.invert_yaxis()
        axes.set_xlim(0, 1)
        axes.set_title("metrics in 0-1 (mean over covered items)")
        axes.legend()
        plots.append(("metrics", _png(figure, plt)))
    latencies = [_column(run, "latency_ms", skip_zero=True) for run in (a, b)]
    if any(latencies):
        figure, axes = plt.subplots(figsize=(9, 2.8))
        axes.hist(latencies, bins=20, label=["A", "B"], color=COLORS)
        axes.set_xlabel("answer latency per item (ms)")
        axes.set_ylabel("items")
        axes.legend()
        plots.append(("latency", _png(figure, plt)))
    series = [
        (f"{name}\n{label}", column, COLORS[index])
        for name in _score_columns(a, b)
        for index, (label, run) in enumerate((("A", a), ("B", b)))
        if (column := _column(run, name))
    ]
    if series:
        figure, axes = plt.subplots(figsize=(9, 3.2))
        boxes = axes.boxplot(
            [column for _, column, _ in series], tick_labels=[label for label, _, _ in series], patch_artist=True
        )
        for box, (_, _, color) in zip(boxes["boxes"], series, strict=True):
            box.set_facecolor(color)
        axes.set_ylim(-0.05, 1.05)
        axes.set_title("per-item score distributions")
        axes.tick_params(axis="x", labelsize=7)
        plots.append(("per-item scores", _png(figure, plt)))
    return plots


def _is_unit_score(delta: MetricDelta) -> bool:
    values = [v for v in (delta.a, delta.b) if v is not None]
    return bool(values) and all(0.0 <= v <= 1.0 for v in values) and delta.name != "items"


def _score_columns(a: EvalRun, b: EvalRun) -> list[str]:
    """Per-item metric columns with 0-1 values worth a distribution (token F1 and the judge's grades)."""
    names = sorted((a.items.keys() & a.metrics.keys()) | (b.items.keys() & b.metrics.keys()))
    return [n for n in names if n not in _SCORE_COLUMNS_EXCLUDED and "_at_" not in n and "latency" not in n]


def _column(run: EvalRun, name: str, *, skip_zero: bool = False) -> list[float]:
    values: Sequence[Any] = run.items.get(name, [])
    return [float(v) for v in values if isinstance(v, int | float) and not (skip_zero and v == 0)]


def _png(figure: Figure, plt: Any) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
