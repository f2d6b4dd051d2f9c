"""A test set's manifest: `<name>.manifest.json` beside `<name>.jsonl`, saying how and from what it was made."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ragops.errors import ConfigError

MANIFEST_FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class TestsetManifest:
    __test__ = False  # not a pytest class

    collection: str
    corpus_fingerprint: str  # sha256 of the collection's sorted chunk content hashes
    corpus_chunks: int
    generator_model: str
    embedder_model: str  # the near-duplicate check's
    seed: int
    created_at: str  # ISO 8601, UTC
    content_sha256: str  # of the JSONL file
    requested: int
    tried: int  # chunks a question was asked for
    kept: int
    dropped: dict[str, int]  # reason -> count
    prompt_versions: dict[str, str]
    settings: dict[str, Any]  # the generation settings used
    format: int = MANIFEST_FORMAT


def manifest_path(testset: Path) -> Path:
    return testset.with_name(testset.stem + MANIFEST_SUFFIX)


def write_manifest(manifest: TestsetManifest, testset: Path) -> Path:
    path = manifest_path(testset)
    path.write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(testset: Path) -> dict[str, Any] | None:
    """The manifest beside `testset` as plain data, or None for hand-written and BEIR sets that have none."""
    path = manifest_path(testset)
    if not path.is_file():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); regenerate it or remove it") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a JSON object; regenerate it or remove it")
    return loaded
