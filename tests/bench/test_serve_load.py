"""`ragops bench serve` drives real HTTP against a running server and prints the table."""

from __future__ import annotations

from typer.testing import CliRunner

from ragops.bench.serve_load import BenchPlan, run_serve_bench
from ragops.cli import app
from tests.api.conftest import LiveServer


def test_each_level_reports_throughput_and_ordered_percentiles(live_server: LiveServer) -> None:
    plan = BenchPlan(concurrency=(1, 4), requests={"/v1/retrieve": 12}, collection=live_server.collection)

    results = run_serve_bench(plan, url=live_server.base_url, profile=None)

    assert [(r.route, r.concurrency, r.requests, r.errors) for r in results] == [
        ("/v1/retrieve", 1, 12, 0),
        ("/v1/retrieve", 4, 12, 0),
    ]
    for result in results:
        assert len(result.latencies_ms) == 12
        assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
        assert result.requests_per_s > 0


def test_errors_are_counted_and_the_command_fails(live_server: LiveServer) -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "serve", "--url", live_server.base_url, "--collection", "no-such-collection",
         "--concurrency", "2", "--retrieve-requests", "4", "--query-requests", "0"],
        env={"COLUMNS": "200"},
    )  # fmt: skip

    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr
    assert "/v1/retrieve" in result.stdout and "│ 4 " in result.stdout
