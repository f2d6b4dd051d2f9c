"""Which pipeline `ragops serve` runs: a registered version (by alias or number) or the profile's own."""

from __future__ import annotations

import logging

from ragops.config import Settings
from ragops.registry.models import RegisteredVersion, download_version, find_version, require_version
from ragops.registry.version import version_settings

log = logging.getLogger(__name__)


def served_settings(profile: Settings, ref: str | None = None) -> tuple[Settings, RegisteredVersion | None]:
    """An explicit `ref` must exist; the profile's default (registry.serve) falls back to the profile's pipeline."""
    wanted = ref or profile.registry.serve
    if wanted is None:
        return profile, None
    found = require_version(profile, ref) if ref else find_version(profile, wanted)
    if found is None:
        log.info("no %r version of %s registered: serving the profile's pipeline", wanted, profile.registry.model_name)
        return profile, None
    return version_settings(profile, download_version(profile, found)), found
