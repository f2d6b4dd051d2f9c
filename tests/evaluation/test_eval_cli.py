"""`ragops eval run` and `ragops eval compare` on a hand-written golden set: the real pipeline, the real SmolLM2
judge, MLflow on the sqlite file under the test home.

Config A is the profile answering with the LLM on a short context (to keep the test quick); config B demands a
cosine of 0.99 before answering, so it refuses every question: clearly worse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest
from typer.testing import CliRunner

from ragops.cli import app
from ragops.evaluation.testset import items_sha256, load_testset, save_testset
from ragops.evaluation.tracking import ITEMS_TABLE
from ragops.runtime import Runtime
from tests.conftest import DATA

GOLDEN_ITEMS = 2  # of the hand-written golden set: two answers and their judging keep the test quick


@dataclass(frozen=True)
class EvalRuns:
    good: str
    strict: str
    home: Path
    output: str
    golden: Path


def _eval_run(env: dict[str, str], config: Path, golden: Path, collection: str, *extra: str) -> tuple[str, str]:
    args = ["eval", "run", "--pipeline", str(config), "--testset", str(golden), "--collection", collection, *extra]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    found = re.search(r"MLflow run (\w{32})", result.stdout)
    assert found, result.stdout
    return found[1], result.stdout


@pytest.fixture(scope="module")
def eval_runs(runtime: Runtime, sample_collection: str, tmp_path_factory: pytest.TempPathFactory) -> EvalRuns:
    configs = tmp_path_factory.mktemp("configs")
    golden = configs / "golden.jsonl"
    save_testset(load_testset(DATA / "golden_arxiv_sample.jsonl")[:GOLDEN_ITEMS], golden)
    good, strict = configs / "short-context.yaml", configs / "strict.yaml"
    good.write_text("retrieval:\n  top_k: 2\nllm:\n  max_tokens: 48\nanswer:\n  mode: generative\n", encoding="utf-8")
    strict.write_text("retrieval:\n  min_similarity: 0.99\n", encoding="utf-8")
    home = runtime.settings.home
    # One judge call per answered item: a small model's retries would only repeat its reply.
    env = {"RAGOPS_HOME": str(home), "COLUMNS": "200", "RAGOPS_EVALUATION__JUDGE_MAX_RETRIES": "0"}
    good_run, output = _eval_run(env, good, golden, sample_collection)
    strict_run, _ = _eval_run(env, strict, golden, sample_collection, "--run-name", "strict")
    return EvalRuns(good_run, strict_run, home, output, golden)


def _client(home: Path) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(f"sqlite:///{home / 'mlflow.db'}")


def test_the_worse_config_scores_worse(eval_runs: EvalRuns) -> None:
    client = _client(eval_runs.home)
    good, strict = (client.get_run(run).data.metrics for run in (eval_runs.good, eval_runs.strict))
    # then: the strict config refuses everything, the other answers everything
    assert strict["refusal"] == 1.0 and good["refusal"] == 0.0
    assert good["token_f1"] > strict["token_f1"]
    assert strict["answer_correctness"] == 0.0  # a refusal states nothing of the reference
    # retrieval is gated after search: both retrieve the same passages
    assert good["document_hit_at_10"] == strict["document_hit_at_10"] == 1.0
    # the judge graded what it could read; what it could not is counted, never averaged in as NaN or 0
    judged = good.get("coverage.faithfulness", 0.0)
    assert judged + good.get("judge_failures", 0.0) == good["items"] == 2.0
    assert "faithfulness" not in strict and "coverage.faithfulness" not in strict
    assert good["input_tokens"] > 0 and strict["input_tokens"] == 0.0
    assert good["latency_p95_ms"] >= good["latency_p50_ms"] > 0
    assert "answer_correctness" in eval_runs.output and eval_runs.good in eval_runs.output


def test_the_run_logs_the_pipeline_config_the_test_set_and_a_table(eval_runs: EvalRuns, tmp_path: Path) -> None:
    client = _client(eval_runs.home)
    run = client.get_run(eval_runs.strict)
    params, tags = run.data.params, run.data.tags
    # the effective config, flattened: the overlay and the profile beneath it
    assert params["retrieval.min_similarity"] == "0.99" and params["retrieval.mode"] == "hybrid"
    assert params["guardrails.input.0.kind"] == "pii"
    assert re.fullmatch(r"[0-9a-f]{12}", params["prompt.answer_system"])
    assert params["testset.sha256"] == items_sha256(load_testset(eval_runs.golden)) and params["testset.items"] == "2"
    assert tags["ragops.kind"] == "evaluation" and run.info.run_name == "strict"
    assert client.get_experiment(run.info.experiment_id).name == "ragops-eval"
    # the per-item table
    table = json.loads(Path(client.download_artifacts(eval_runs.strict, ITEMS_TABLE, str(tmp_path))).read_text())
    rows = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    assert [row["id"] for row in rows] == ["g1", "g2"]
    assert all(row["is_refusal"] and row["refusal"] == 1.0 for row in rows)


def test_compare_prints_deltas_and_writes_an_html_report(eval_runs: EvalRuns, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["eval", "compare", eval_runs.good, eval_runs.strict, "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"RAGOPS_HOME": str(eval_runs.home), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "refusal" in result.stdout and "+1" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert eval_runs.good in page and eval_runs.strict in page
    assert page.count("data:image/png;base64,") >= 2
    assert "retrieval.min_similarity" in page  # what changed between the two


def test_compare_an_unknown_run_says_what_to_do(runtime: Runtime) -> None:
    args = ["eval", "compare", "0" * 32, "1" * 32]
    result = CliRunner().invoke(app, args, env={"RAGOPS_HOME": str(runtime.settings.home), "COLUMNS": "200"})
    assert result.exit_code == 1
    assert "ragops eval run" in result.stderr


def test_eval_run_without_a_test_set_says_where_to_give_one(runtime: Runtime, tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"  # a profile that names no standard test set
    bare.write_text("collection: anything\n", encoding="utf-8")
    env = {"RAGOPS_HOME": str(runtime.settings.home), "RAGOPS_CONFIG": str(bare), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["eval", "run"], env=env)
    assert result.exit_code == 1
    assert "--testset" in result.stderr and "evaluation.testset" in result.stderr
