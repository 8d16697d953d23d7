"""Schemathesis against the OpenAPI description of the non-SPARQL routes (/openapi.json),
in-process over WSGI with the real dataset: no input makes any route answer 5xx (503 at the
query time limit aside) or hang. ``CPKG_FUZZ_EXAMPLES`` scales it (``make soak``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from query_library import shared_store

from service.config import Settings
from service.web import create_app

EXAMPLES = int(os.environ.get("CPKG_FUZZ_EXAMPLES", "200")) // 4  # per operation (15 of them)
APP = create_app(Settings(query_timeout=5), shared_store())
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)
RUN: dict[str, int] = {}


@schema.parametrize()
@settings(
    max_examples=max(EXAMPLES, 5),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("CPKG_FUZZ_RANDOM") is None,
    database=None,
)
def test_routes_never_fail(case: schemathesis.Case) -> None:
    RUN[case.path] = RUN.get(case.path, 0) + 1
    t0 = time.monotonic()
    response = case.call()  # schemathesis' not_a_server_error, except 503 (the time limit)
    assert response.status_code < 500 or response.status_code == 503, (
        case.path,
        case.query,
        response.status_code,
        response.text[:500],
    )
    assert time.monotonic() - t0 < 20, f"slow: {case.path} {case.query}"


def test_openapi_document_is_served() -> None:
    r = APP.test_client().get("/openapi.json")
    assert r.status_code == 200 and r.json["openapi"].startswith("3.")
    assert "/chain" in r.json["paths"] and "/sparql" not in r.json["paths"]


@pytest.fixture(scope="module", autouse=True)
def _count_cases(report: Callable[[str], None]) -> Iterator[None]:
    yield
    report(f"\nschemathesis: {sum(RUN.values())} cases over {len(RUN)} routes")
