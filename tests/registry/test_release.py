"""The release loop on the real database, models and MLflow registry: every branch of `release`."""

from __future__ import annotations

import uuid
from pathlib import Path

import mlflow.pyfunc
import pytest
from fastapi.testclient import TestClient

from ragops.api.app import create_app
from ragops.config import Settings
from ragops.evaluation.testset import load_testset, save_testset
from ragops.registry.models import find_version, list_versions
from ragops.registry.release import release
from ragops.registry.serving import served_settings
from tests.conftest import DATA

GOLDEN = DATA / "golden_arxiv_sample.jsonl"
ITEMS = 4  # enough for a paired bootstrap to tell a useless version from a working one


@pytest.fixture
def profile(settings: Settings, sample_collection: str) -> Settings:
    """The test profile over the sample collection, with a registered model of its own; cheap metrics only
    (the judge is tested with `eval run`, and SmolLM2's grades carry no signal to gate on)."""
    registry = settings.registry.model_copy(update={"model_name": f"test-{uuid.uuid4().hex[:8]}"})
    evaluation = settings.evaluation.model_copy(update={"judge": False})
    return settings.model_copy(update={"collection": sample_collection, "registry": registry, "evaluation": evaluation})


@pytest.fixture
def testset(tmp_path: Path) -> Path:
    path = tmp_path / "golden.jsonl"
    save_testset(load_testset(GOLDEN)[:ITEMS], path)
    return path


def write_config(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def configs(tmp_path: Path) -> dict[str, Path]:
    # The useless version's templates show the model neither passages nor question: it still answers
    # (and passes validation), just never to the point. Its templates must travel with it into the registry.
    prompts = tmp_path / "useless-prompts"
    prompts.mkdir()
    (prompts / "answer_system.md").write_text("You are a friendly greeter.\n", encoding="utf-8")
    (prompts / "answer_user.md").write_text("Say hello and ask how my day was.\n", encoding="utf-8")
    return {
        "useless": write_config(tmp_path, "useless", "llm:\n  max_tokens: 24\nprompts:\n  dir: useless-prompts\n"),
        "working": write_config(tmp_path, "working", "llm:\n  max_tokens: 48\n"),
        "unguarded": write_config(tmp_path, "unguarded", "llm:\n  max_tokens: 16\nguardrails:\n  input: []\n"),
    }


def test_the_better_version_is_promoted_served_and_defended(
    profile: Settings, testset: Path, configs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No champion yet: a version that passes validation is promoted.
    first = release(profile, configs["useless"], testset)
    assert first.passed_tests and first.champion is None and first.promoted
    assert _aliases(profile, "1") == {"champion", "production"}
    assert first.evaluation is not None and first.evaluation.metrics["items"] == ITEMS

    # The working version beats it significantly on answer overlap and takes both aliases.
    second = release(profile, configs["working"], testset)
    assert second.champion is not None and second.champion.version == "1"
    token_f1 = next(gate for gate in second.gates if gate.metric == "token_f1")
    assert token_f1.significant and token_f1.improvement is not None and token_f1.improvement > 0
    assert second.promoted and _aliases(profile, "2") == {"champion", "production"}
    assert _aliases(profile, "1") == set()

    # Serving loads the production version: its config, its collection, its own templates.
    served, version = served_settings(profile)
    assert version is not None and version.version == "2" and served.llm.max_tokens == 48
    assert served.prompts.dir is not None and (served.prompts.dir / "answer_user.md").is_file()
    app = create_app(served, pipeline_label=version.label)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"]["pipeline"] == version.label

    # ...as does MLflow's own loader, with the version's pipeline behind a `question` column.
    monkeypatch.setenv("RAGOPS_HOME", str(profile.home))
    model = mlflow.pyfunc.load_model(f"models:/{profile.registry.model_name}@production")
    try:
        rows = model.predict({"question": ["How does RAGuard detect poisoned texts?"]})
    finally:  # its runtime routes this process's traces while open: hand them back to the session's
        model.unwrap_python_model().close()
    assert rows[0]["answer"].strip() and rows[0]["citations"] and rows[0]["citations"][0]["number"] == 1

    # The useless version again: it loses to the champion and nothing moves.
    third = release(profile, configs["useless"], testset)
    assert third.passed_tests and not third.beats_threshold and not third.promoted
    assert _aliases(profile, "2") == {"champion", "production"}
    assert _tags(profile, "3")["beats_threshold"] == "false"


def test_a_version_failing_validation_is_never_evaluated_or_promoted(
    profile: Settings, testset: Path, configs: dict[str, Path]
) -> None:
    outcome = release(profile, configs["unguarded"], testset)
    failed = [check.name for check in outcome.checks if not check.passed]
    # Without input guards the injection probe is answered and the email reaches the model.
    assert {name.split(":")[0] for name in failed} == {"blocks", "redacts"}
    assert outcome.evaluation is None and not outcome.promoted
    tags = _tags(profile, outcome.version.version)
    assert tags["passed_tests"] == "false" and tags["beats_threshold"] == "false"
    assert find_version(profile, "production") is None


def test_serving_without_a_registered_version_falls_back_to_the_profile(profile: Settings) -> None:
    served, version = served_settings(profile)
    assert version is None and served == profile
    assert list_versions(profile) == []


def _aliases(profile: Settings, number: str) -> set[str]:
    found = find_version(profile, number)
    assert found is not None
    return set(found.aliases)


def _tags(profile: Settings, number: str) -> dict[str, str]:
    found = find_version(profile, number)
    assert found is not None
    return found.tags
