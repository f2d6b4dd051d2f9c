"""The MLflow model registry, as ragops uses it: one registered model, versions with tags, aliases for stages."""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from ragops.config import Settings
from ragops.errors import ConfigError
from ragops.registry.version import VERSION_ARTIFACT, VersionManifest, write_version
from ragops.tracing.sinks.mlflow import experiment_id

# A registry lookup must not draw a download bar over the CLI's own output.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str
    run_id: str
    tags: dict[str, str]
    aliases: tuple[str, ...]

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    @property
    def label(self) -> str:
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.name} v{self.version}{aliases}"


def client(settings: Settings) -> Any:
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)  # log_model writes through the fluent API
    return mlflow.MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)


def register_version(settings: Settings, pipeline: Settings, manifest: VersionManifest) -> RegisteredVersion:
    """Log `pipeline` as a pyfunc model in the release experiment and register it as a new version."""
    import mlflow

    from ragops.registry import model_code
    from ragops.registry.pyfunc import SIGNATURE

    registry = client(settings)
    experiment = experiment_id(registry, settings.registry.experiment, settings.mlflow_artifact_location)
    with tempfile.TemporaryDirectory() as scratch, mlflow.start_run(experiment_id=experiment, run_name="register"):
        folder = Path(scratch) / VERSION_ARTIFACT
        write_version(pipeline, manifest, folder)
        mlflow.log_dict(manifest.prompt_versions, "prompt_versions.json")
        # No input example on purpose: MLflow would validate it by loading the whole runtime.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"mlflow\.")
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=str(Path(model_code.__file__)),
                artifacts={VERSION_ARTIFACT: str(folder)},
                signature=SIGNATURE,
                pip_requirements=[f"ragops=={package_version('ragops')}"],  # explicit: inference imports the world
                registered_model_name=settings.registry.model_name,
            )
    number = str(info.registered_model_version)
    for key, value in manifest.tags().items():
        registry.set_model_version_tag(settings.registry.model_name, number, key, value)
    found = find_version(settings, number)
    assert found is not None  # just registered
    return found


def find_version(settings: Settings, ref: str) -> RegisteredVersion | None:
    """The version an alias (`production`, `champion`) or a number names; None when there is none."""
    from mlflow.exceptions import MlflowException

    registry, name = client(settings), settings.registry.model_name
    try:
        found = (
            registry.get_model_version(name, ref) if ref.isdigit() else registry.get_model_version_by_alias(name, ref)
        )
    except MlflowException:  # no such model, version or alias: MLflow raises, with varying codes
        return None
    return _registered(name, found)


def _registered(name: str, found: Any) -> RegisteredVersion:
    return RegisteredVersion(name, str(found.version), found.run_id, dict(found.tags), tuple(found.aliases))


def list_versions(settings: Settings) -> list[RegisteredVersion]:
    """Newest first; empty when nothing is registered yet."""
    registry, name = client(settings), settings.registry.model_name
    found = registry.search_model_versions(f"name = '{name}'")  # MLflow's filter syntax, not SQL
    # Fetched again by number: search results leave the aliases out.
    versions = [_registered(name, registry.get_model_version(name, v.version)) for v in found]
    return sorted(versions, key=lambda v: int(v.version), reverse=True)


def require_version(settings: Settings, ref: str) -> RegisteredVersion:
    found = find_version(settings, ref)
    if found is None:
        raise ConfigError(
            f"no version {ref!r} of {settings.registry.model_name} in the registry at {settings.mlflow_tracking_uri}; "
            "register and promote one with `ragops release --pipeline CONF`"
        )
    return found


def set_version_tags(settings: Settings, version: RegisteredVersion, tags: dict[str, str]) -> None:
    registry = client(settings)
    for key, value in tags.items():
        registry.set_model_version_tag(version.name, version.version, key, value)


def set_aliases(settings: Settings, version: RegisteredVersion, aliases: tuple[str, ...]) -> None:
    registry = client(settings)
    for alias in aliases:
        registry.set_registered_model_alias(version.name, alias, version.version)


def download_version(settings: Settings, version: RegisteredVersion) -> Path:
    """The version's folder (config, prompts, manifest), cached under home/models/<name>/<version>."""
    import mlflow.artifacts

    target = settings.home / "models" / version.name / version.version
    folder = target / "artifacts" / VERSION_ARTIFACT
    if not folder.is_dir():  # a registered version's files never change: download once
        client(settings)
        mlflow.artifacts.download_artifacts(artifact_uri=version.uri, dst_path=str(target))
    return folder
