"""A pipeline version's folder: written, read back over a profile, with no secret in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ragops.config import PIPELINE_SECTIONS, OpenAIChatSettings, Settings, load_settings, with_pipeline_config
from ragops.errors import ConfigError
from ragops.prompts import PromptLibrary, builtin_prompt_names
from ragops.registry.version import CONFIG_FILE, PROMPTS_DIR, VersionManifest, version_settings, write_version

CONFS = Path(__file__).parents[2] / "confs"
MANIFEST = VersionManifest("papers", "model:abc", "model", "llm", {"answer_user": "0123"})


@pytest.fixture
def profile(tmp_path: Path) -> Settings:
    return load_settings(confs_dir=CONFS).model_copy(update={"home": tmp_path / "home"})


def test_a_pipeline_config_overlays_only_what_it_sets(profile: Settings, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("retrieval:\n  top_k: 7\n", encoding="utf-8")
    merged = with_pipeline_config(profile, config)
    assert merged.retrieval.top_k == 7
    assert merged.retrieval.fusion == profile.retrieval.fusion and merged.guardrails == profile.guardrails


def test_a_pipeline_config_may_not_touch_the_server_or_the_registry(profile: Settings, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("server:\n  host: 0.0.0.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not pipeline settings"):
        with_pipeline_config(profile, config)


def test_a_version_round_trips_without_its_secrets(profile: Settings, tmp_path: Path) -> None:
    remote = OpenAIChatSettings(kind="openai", model="gpt-x", api_key="sk-very-secret")  # type: ignore[arg-type]
    pipeline = profile.model_copy(update={"llm": profile.llm.model_copy(update={"providers": (remote,)})})
    folder = tmp_path / "version"
    write_version(pipeline, MANIFEST, folder)

    assert "sk-very-secret" not in (folder / CONFIG_FILE).read_text(encoding="utf-8")
    assert sorted(p.stem for p in (folder / PROMPTS_DIR).glob("*.md")) == builtin_prompt_names()
    served = version_settings(profile, folder)
    assert served.collection == "papers" and served.llm.providers[0].kind == "openai"
    assert served.llm.providers[0].api_key is None  # the profile holds no key for that server

    # A serving profile that holds the server's key lends it to the version.
    served = version_settings(pipeline, folder)
    key = getattr(served.llm.providers[0], "api_key", None)
    assert key is not None and key.get_secret_value() == "sk-very-secret"
    assert served.prompts.dir == folder / PROMPTS_DIR
    written = yaml.safe_load((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    assert written.keys() == set(PIPELINE_SECTIONS) - {"prompts"}  # templates travel as files


def test_a_prompt_folder_replaces_built_in_templates_by_name(tmp_path: Path) -> None:
    (tmp_path / "answer_system.md").write_text("Answer in French.\n", encoding="utf-8")
    library = PromptLibrary(tmp_path)
    assert library.get("answer_system").text == "Answer in French."
    assert library.get("answer_user").text == PromptLibrary().get("answer_user").text
    assert library.versions()["answer_system"] != PromptLibrary().versions()["answer_system"]


def test_a_config_names_its_prompt_folder_relative_to_itself(profile: Settings, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("prompts:\n  dir: my-prompts\n", encoding="utf-8")
    assert with_pipeline_config(profile, config).prompts.dir == tmp_path / "my-prompts"


def test_a_folder_that_is_no_version_is_refused(profile: Settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a ragops pipeline version"):
        version_settings(profile, tmp_path)
