"""A pipeline version as files: its config, the full set of prompt templates, and what it was built against.

The folder is what a registered model carries (its MLflow artifact) and what serving reads back.
Secrets never enter it: a version that needs an API key takes it from the serving machine's profile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, SecretStr
from pydantic_core import to_jsonable_python

from ragops.config import (
    PIPELINE_SECTIONS,
    OpenAIChatSettings,
    OpenAIEmbedderSettings,
    Settings,
    with_pipeline_config,
)
from ragops.errors import ConfigError
from ragops.prompts import PromptLibrary

_Provider = TypeVar("_Provider", bound=BaseModel)
VERSION_ARTIFACT = "pipeline"  # the version folder's name among the registered model's artifacts
CONFIG_FILE = "pipeline.yaml"
PROMPTS_DIR = "prompts"
MANIFEST_FILE = "version.json"


@dataclass(frozen=True)
class VersionManifest:
    collection: str
    index_fingerprint: str
    embedder_id: str
    llm_id: str  # a fallback chain's id names every provider in order ("a -> b")
    prompt_versions: dict[str, str]

    def tags(self) -> dict[str, str]:
        """The manifest as registry tags (searchable in the MLflow UI)."""
        return {
            "collection": self.collection,
            "index_fingerprint": self.index_fingerprint,
            "embedder": self.embedder_id,
            "llm": self.llm_id,
        }


def pipeline_config(settings: Settings) -> dict[str, Any]:
    """The pipeline sections as plain data, secrets and the prompt folder left out (templates travel as files)."""
    config = settings.model_dump(include=set(PIPELINE_SECTIONS), exclude={"prompts"})
    return to_jsonable_python(_without_secrets(config))  # type: ignore[no-any-return]


def write_version(settings: Settings, manifest: VersionManifest, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_FILE).write_text(yaml.safe_dump(pipeline_config(settings), sort_keys=False), encoding="utf-8")
    PromptLibrary(settings.prompts.dir).export(folder / PROMPTS_DIR)
    (folder / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")


def read_manifest(folder: Path) -> VersionManifest:
    try:
        raw = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        return VersionManifest(**raw)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{folder} is not a ragops pipeline version ({exc}); register one: `ragops release`") from exc


def version_settings(profile: Settings, folder: Path) -> Settings:
    """The profile (database, server, secrets) running the version's pipeline, prompts and collection."""
    manifest = read_manifest(folder)
    settings = with_pipeline_config(profile, folder / CONFIG_FILE)
    prompts = settings.prompts.model_copy(update={"dir": folder / PROMPTS_DIR})
    providers = tuple(_with_profile_key(p, profile.llm.providers) for p in settings.llm.providers)
    return settings.model_copy(
        update={
            "prompts": prompts,
            "collection": manifest.collection,
            "llm": settings.llm.model_copy(update={"providers": providers}),
            "embedder": _with_profile_key(settings.embedder, (profile.embedder,)),
        }
    )


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if not isinstance(v, SecretStr)}
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    return value


def _with_profile_key(provider: _Provider, profile_providers: Sequence[BaseModel]) -> _Provider:
    """An OpenAI-compatible provider of the version gets the API key of the profile's provider for the same
    server (same kind, same base URL): the version names the server, the serving machine holds its key."""
    if not isinstance(provider, OpenAIChatSettings | OpenAIEmbedderSettings) or provider.api_key is not None:
        return provider
    for candidate in profile_providers:
        if isinstance(candidate, type(provider)) and candidate.base_url == provider.base_url and candidate.api_key:
            return cast(_Provider, provider.model_copy(update={"api_key": candidate.api_key}))
    return provider
