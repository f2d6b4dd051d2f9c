from pathlib import Path

import pytest

from ragops.config import load_settings, masked_config
from ragops.errors import ConfigError

CONFS = Path(__file__).parents[1] / "confs"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAGOPS_PROFILE", "RAGOPS_CONFIG", "RAGOPS_HOME", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("profile", sorted(p.stem for p in CONFS.glob("*.yaml")))
def test_every_shipped_profile_loads(profile: str) -> None:
    settings = load_settings(profile, confs_dir=CONFS)
    assert settings.profile == profile


def test_environment_overrides_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a profile that sets top_k
    (tmp_path / "dev.yaml").write_text("retrieval:\n  top_k: 3\n  mode: dense\n")
    # when an environment variable sets it too
    monkeypatch.setenv("RAGOPS_RETRIEVAL__TOP_K", "7")
    settings = load_settings(confs_dir=tmp_path)
    # then the environment wins and the rest of the profile stays
    assert settings.retrieval.top_k == 7
    assert settings.retrieval.mode == "dense"


def test_database_url_is_taken_from_the_environment_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://app:s3cret@db.example:5432/rag"
    monkeypatch.setenv("DATABASE_URL", url)
    settings = load_settings(confs_dir=CONFS)
    assert settings.database.url is not None
    assert settings.database.url.get_secret_value() == url
    shown = str(masked_config(settings))
    assert "s3cret" not in shown
    assert "**********" in shown


def test_home_is_resolved_to_an_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGOPS_HOME", "relative/home")
    settings = load_settings(confs_dir=tmp_path)
    assert settings.home.is_absolute()
    assert settings.pgdata == settings.home / "pgdata"


def test_a_typo_in_the_profile_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").write_text("retrieval:\n  top_kk: 3\n")
    with pytest.raises(ConfigError, match="top_kk"):
        load_settings(confs_dir=tmp_path)


def test_an_out_of_range_value_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGOPS_RETRIEVAL__TOP_K", "0")
    with pytest.raises(ConfigError, match="top_k"):
        load_settings(confs_dir=tmp_path)


def test_a_missing_named_profile_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"staging\.yaml not found"):
        load_settings("staging", confs_dir=tmp_path)


def test_a_profile_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(confs_dir=tmp_path)
