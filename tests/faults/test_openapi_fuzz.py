"""schemathesis over the whole OpenAPI document, against a real server on the faults database: no 5xx, no
status code or content type the document does not declare, every body as its schema says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ragops.api.app import create_app
from ragops.config import load_settings
from ragops.runtime import Runtime
from tests.api.conftest import serving
from tests.conftest import CONFS

EXAMPLES_PER_OPERATION = 25  # x 2 (valid and invalid data): ~1 minute over every operation on 2 cores
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def base_url(own_runtime: Runtime) -> Iterator[str]:
    with serving(own_runtime.settings, own_runtime) as (_, _, url):
        yield url


# The document is the app's own, built without a runtime; from_fixture would be lazier but breaks on pytest 9.
schema = schemathesis.openapi.from_dict(create_app(load_settings(confs_dir=CONFS)).openapi())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,  # the embedder's first calls are slow; latency is the load tests' business
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)
