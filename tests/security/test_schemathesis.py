"""Schemathesis against the OpenAPI description of every route (/openapi.json, generated from
the app's routes), in-process over WSGI with the real dataset: no input makes any route answer
5xx (503 at the query time limit aside) or hang, authenticated writes included (they carry the
admin token and run on a copy of the dataset). ``CPKG_FUZZ_EXAMPLES`` scales it (``make soak``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from query_library import shared_store

from service.config import Settings
from service.store.embedded import EmbeddedStore
from service.web import create_app
from service.web.openapi import routes, undocumented

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("CPKG_FUZZ_EXAMPLES", "200")) // 4  # per operation
TOKEN = "schemathesis-admin-token-0123456789"


def _copy_of_the_dataset() -> EmbeddedStore:
    """Writes are fuzzed too: on a copy, never on the store other tests share."""
    store = EmbeddedStore()
    store.load(ox.serialize(shared_store()._store, format=ox.RdfFormat.N_QUADS) or b"", "nq")
    return store


@schemathesis.serializer(
    "application/sparql-query",
    "application/sparql-update",
    "application/n-triples",
    "application/rdf+xml",
)
def _as_text(ctx: object, value: object) -> bytes:
    """Bodies in these text formats: whatever was generated, as UTF-8 text."""
    return (value if isinstance(value, str) else str(value)).encode()


APP = create_app(Settings(query_timeout=5, update_token=TOKEN), _copy_of_the_dataset())
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
    op = f"{case.operation.method.upper()} {case.operation.path}"
    RUN[op] = RUN.get(op, 0) + 1
    t0 = time.monotonic()
    secured = "security" in case.operation.definition.raw
    headers = {"Authorization": f"Bearer {TOKEN}"} if secured else None
    response = case.call(headers=headers)  # not_a_server_error, except 503 (the time limit)
    assert response.status_code < 500 or response.status_code == 503, (
        case.path,
        case.query,
        response.status_code,
        response.text[:500],
    )
    assert time.monotonic() - t0 < 20, f"slow: {case.path} {case.query}"


def test_openapi_describes_every_route() -> None:
    """The description is generated from the routes; each must also say what it takes."""
    r = APP.test_client().get("/openapi.json")
    assert r.status_code == 200 and r.json["openapi"].startswith("3.")
    served = {(path, method) for path, method in routes(APP)}
    described = {(p, m) for p, ops in r.json["paths"].items() for m in ops}
    assert served == described and ("/data", "put") in served and ("/sparql", "post") in served
    assert undocumented(APP) == []
    assert r.json["paths"]["/data"]["delete"]["security"] == [{"bearer": []}]


@pytest.fixture(scope="module", autouse=True)
def _count_cases(report: Callable[[str], None]) -> Iterator[None]:
    yield
    report(f"\nschemathesis: {sum(RUN.values())} cases over {len(RUN)} operations")
    exercised = {(k.split(" ", 1)[1], k.split(" ", 1)[0].lower()) for k in RUN}
    # Schemathesis never calls the document it reads the schema from; the test above does.
    missed = sorted(set(routes(APP)) - exercised - {("/openapi.json", "get")})
    assert not missed, f"schemathesis did not exercise {missed}"
