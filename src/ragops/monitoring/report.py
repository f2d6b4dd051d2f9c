"""The monitoring report: a dated Markdown file with a latency histogram and the judge's score distribution."""

from __future__ import annotations

from pathlib import Path

from ragops.monitoring.job import MonitoringResult

_LABELS = {
    "traces": "answer traces in the window",
    "failure_rate": "failed requests",
    "refusal_rate": "refusals (nothing relevant found)",
    "empty_answer_rate": "empty answers",
    "uncited_answer_rate": "answers citing no passage",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
    "latency_outliers": "latency outliers (> 3x median)",
    "negative_feedback_rate": "negative feedback",
    "judged": "answers judged",
    "judge_failures": "judge items left out",
    "groundedness": "groundedness (judge, 0-1)",
    "answer_relevance": "answer relevance (judge, 0-1)",
}
_COUNTS = {"traces", "judged", "judge_failures", "latency_outliers"}


def write_report(result: MonitoringResult, out_dir: Path) -> Path:
    """Write `<out_dir>/monitor-<date>/report.md` and its plots; returns the report's path."""
    folder = out_dir / f"monitor-{result.until:%Y-%m-%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=True)
    plots = _plot(result, folder)
    lines = [
        f"# Monitoring report, {result.until:%Y-%m-%d %H:%M} UTC",
        "",
        f"Window: {result.since:%Y-%m-%d %H:%M} to {result.until:%Y-%m-%d %H:%M} UTC.",
        "",
        "| metric | value |",
        "| --- | --- |",
        *(f"| {_LABELS.get(name, name)} | {_format(name, value)} |" for name, value in result.metrics.items()),
        "",
        *(f"![{name}]({name}.png)" for name in plots),
    ]
    if result.judge_failures:
        lines += ["", "## Left out by the judge", ""]
        lines += [f"- `{trace_id}`: {why[:160]}" for trace_id, why in sorted(result.judge_failures.items())]
    report = folder / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _format(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name in _COUNTS or name.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.1%}" if name.endswith("_rate") else f"{value:.2f}"


def _plot(result: MonitoringResult, folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    written = []
    if result.latencies_ms:
        figure, axes = plt.subplots(figsize=(6, 3))
        axes.hist(result.latencies_ms, bins=20)
        axes.set_xlabel("answer latency (ms)")
        axes.set_ylabel("traces")
        figure.tight_layout()
        figure.savefig(folder / "latency.png", dpi=100)
        plt.close(figure)
        written.append("latency")
    if result.judged:
        figure, axes = plt.subplots(figsize=(6, 3))
        scores = list(result.judged.values())
        axes.hist([[s.groundedness for s in scores], [s.relevance for s in scores]], bins=5, range=(0, 1))
        axes.legend(["groundedness", "relevance"])
        axes.set_xlabel("judge score")
        figure.tight_layout()
        figure.savefig(folder / "judge.png", dpi=100)
        plt.close(figure)
        written.append("judge")
    return written
