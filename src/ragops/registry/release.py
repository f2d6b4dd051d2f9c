"""`ragops release`: register -> validate -> evaluate -> compare with the champion -> promote.

No version reaches `production` unless it passes validation and beats the champion (gates.py: every gated
metric improves by its minimum, one significantly), or there is no champion yet. The outcome is recorded on
the version as tags either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ragops.config import Settings, with_pipeline_config
from ragops.evaluation.runner import EvalResult, ItemResult, evaluate_runtime
from ragops.evaluation.testset import TestItem, read_items
from ragops.evaluation.tracking import log_evaluation
from ragops.prompts import PromptLibrary
from ragops.rag.query import resolve_query
from ragops.registry.gates import Gate, beats, gates
from ragops.registry.models import (
    RegisteredVersion,
    client,
    download_version,
    find_version,
    register_version,
    set_aliases,
    set_version_tags,
)
from ragops.registry.validation import Check, check_signature, validate_pipeline
from ragops.registry.version import VersionManifest, version_settings
from ragops.runtime import Runtime, open_runtime
from ragops.store.collections import require_collection
from ragops.store.sampling import corpus_fingerprint

PROMOTED_ALIASES = ("champion", "production")


@dataclass
class ReleaseOutcome:
    version: RegisteredVersion
    checks: list[Check]
    evaluation: EvalResult | None = None  # the challenger's, when it passed validation
    eval_run_id: str | None = None
    champion: RegisteredVersion | None = None
    champion_evaluation: EvalResult | None = None
    gates: list[Gate] = field(default_factory=list)

    @property
    def passed_tests(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def beats_threshold(self) -> bool:
        """Nothing to beat counts as beating it; a version that failed validation beats nothing."""
        return self.passed_tests and (self.champion is None or beats(self.gates))

    @property
    def promoted(self) -> bool:
        return self.passed_tests and self.beats_threshold


@dataclass(frozen=True)
class ReleaseHooks:
    """Progress for a caller to show: each step as it starts, each evaluated item."""

    on_step: Callable[[str], None] = lambda step: None
    on_item: Callable[[ItemResult], None] | None = None


def release(
    profile: Settings, pipeline_config: Path, testset: Path, hooks: ReleaseHooks = ReleaseHooks()
) -> ReleaseOutcome:
    """Release policy (registry section) comes from the profile: a pipeline config cannot lower its own bar."""
    items = read_items(testset)
    challenger = with_pipeline_config(profile, pipeline_config)
    with open_runtime(challenger, with_llm=True) as runtime:
        hooks.on_step("register")
        version = register_version(profile, challenger, _manifest(runtime, challenger))
        hooks.on_step("validate")
        ask = partial(resolve_query, challenger)
        checks = validate_pipeline(runtime.pipeline(), ask, profile.registry)
        outcome = ReleaseOutcome(version, [_signature_check(profile, version), *checks])
        if outcome.passed_tests:
            hooks.on_step(f"evaluate v{version.version}")
            outcome.evaluation = _evaluate(runtime, challenger, items, hooks)
            outcome.eval_run_id = _log(challenger, outcome.evaluation, testset, version)
    if outcome.evaluation is not None:
        outcome.champion = find_version(profile, "champion")
    if outcome.evaluation is not None and outcome.champion is not None:
        # Scored again now rather than taken from its own release: same items, same machine, same model noise.
        hooks.on_step(f"evaluate champion v{outcome.champion.version}")
        champion = version_settings(profile, download_version(profile, outcome.champion))
        with open_runtime(champion, with_llm=True) as runtime:
            outcome.champion_evaluation = _evaluate(runtime, champion, items, hooks)
        _log(champion, outcome.champion_evaluation, testset, outcome.champion)
        outcome.gates = gates(outcome.evaluation, outcome.champion_evaluation, profile.registry.min_improvement)
    _record(profile, outcome)
    return outcome


def _record(profile: Settings, outcome: ReleaseOutcome) -> None:
    """The outcome as tags on the version, whatever it was; the aliases move only for a winner."""
    tags = {"passed_tests": _flag(outcome.passed_tests), "beats_threshold": _flag(outcome.beats_threshold)}
    if outcome.eval_run_id is not None:
        tags["eval_run_id"] = outcome.eval_run_id
    set_version_tags(profile, outcome.version, tags)
    if outcome.promoted:
        set_aliases(profile, outcome.version, PROMOTED_ALIASES)


def _manifest(runtime: Runtime, settings: Settings) -> VersionManifest:
    with runtime.db.connection() as conn:
        corpus = corpus_fingerprint(conn, require_collection(conn, settings.collection))
    assert runtime.llm is not None  # release opens its runtimes with the LLM
    return VersionManifest(
        collection=settings.collection,
        index_fingerprint=f"{runtime.embedder.model_id}:{corpus.sha256[:16]}",  # the same chunks, the same vectors
        embedder_id=runtime.embedder.model_id,
        llm_id=runtime.llm.model_id,
        prompt_versions=PromptLibrary(settings.prompts.dir).versions(),
    )


def _signature_check(settings: Settings, version: RegisteredVersion) -> Check:
    import mlflow.models

    client(settings)  # get_model_info reads MLflow's global tracking URI, which client() sets
    signature = mlflow.models.get_model_info(version.uri).signature
    if signature is None:
        return Check("signature", False, "the logged model has no signature")
    return check_signature(signature.inputs.input_names(), signature.outputs.input_names())


def _evaluate(runtime: Runtime, settings: Settings, items: list[TestItem], hooks: ReleaseHooks) -> EvalResult:
    return evaluate_runtime(runtime, settings, items, collection=settings.collection, on_item=hooks.on_item)


def _log(settings: Settings, result: EvalResult, testset: Path, version: RegisteredVersion) -> str:
    tags = {"model_version": version.version}
    return log_evaluation(settings, result, testset=testset, run_name=version.label, tags=tags)


def _flag(value: bool) -> str:
    return "true" if value else "false"
