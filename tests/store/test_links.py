"""A resource's links (service/store/links.py): the embedded store's index walk gives the same
answer as the SPARQL queries every store understands, on real resources and on a hub."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from fixture_files import DATA_FILES

from service.store.embedded import EmbeddedStore
from service.store.links import Links, native_links, sparql_links
from service.vocab import GRAPH

CPR = "https://w3id.org/cpkg/id/"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    s = EmbeddedStore()
    for name, path in DATA_FILES.items():
        s.load(path.read_bytes(), "text/turtle", graph=str(GRAPH[name]))
    hub = [f"<{CPR}hub> <{CPR}p> <{CPR}leaf-{i}> ." for i in range(250)]
    hub += [f"<{CPR}spoke-{i}> <{CPR}q> <{CPR}hub> ." for i in range(130)]
    hub.append(f'<{CPR}hub> <{CPR}note> [ <{CPR}says> "under a blank node" ] .')
    s.load("\n".join(hub).encode(), "text/turtle", graph=str(GRAPH["hub"]))
    return s


def _blank_free(found: Links) -> tuple[object, ...]:
    """What must agree, blank node labels aside (each query may name them differently)."""

    def term(t: object) -> str:
        return "_:b" if isinstance(t, ox.BlankNode) else str(t)

    values = Counter((d, p, term(v), via) for d, p, v, via in found.values)
    below = Counter((p, term(o)) for _, p, o in found.below)
    return found.groups, found.graphs, values, below, found.finding


@pytest.mark.parametrize(
    "local",
    [
        "finding-test-full",
        "finding-test-gaps",
        "source-test-001",
        "duty-test-safeguard",
        "org-test-force",
        "no-such-resource",
    ],
)
def test_the_index_walk_and_the_queries_agree(store: EmbeddedStore, local: str) -> None:
    native = native_links(store._store, CPR + local, 0, 100)
    queried = sparql_links(store, CPR + local, 0, 100)
    assert _blank_free(native) == _blank_free(queried)


def test_a_hub_is_counted_whole_and_shown_a_page_at_a_time(store: EmbeddedStore) -> None:
    for page in range(3):
        native = native_links(store._store, CPR + "hub", page * 100, 100)
        queried = sparql_links(store, CPR + "hub", page * 100, 100)
        assert native.groups == queried.groups
        counts = {(g.direction, g.predicate): g.total for g in native.groups}
        assert counts[("out", CPR + "p")] == 250 and counts[("in", CPR + "q")] == 130
        for found in (native, queried):
            shown = Counter((d, p) for d, p, _, _ in found.values)
            assert shown[("out", CPR + "p")] == min(100, 250 - page * 100)
            assert shown[("in", CPR + "q")] == max(0, min(100, 130 - page * 100))
    first = native_links(store._store, CPR + "hub", 0, 100)
    assert [(p, str(o)) for _, p, o in first.below] == [(CPR + "says", '"under a blank node"')]
