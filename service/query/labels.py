"""Display names of IRIs, read from the store: the one place that decides which label wins."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from service.store.base import SelectResult, Store

LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    "https://w3id.org/cpkg/def#shortTitle",
    "https://w3id.org/cpkg/def#nameText",
)
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
BATCH = 200


def is_safe_iri(iri: str) -> bool:
    """True if ``iri`` is absolute and can be written as ``<iri>`` in SPARQL/Turtle."""
    return bool(iri) and _IRI_OK.match(iri) is not None


def local_name(iri: str) -> str:
    """The last path or fragment segment: a readable fallback when an IRI has no label."""
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Best display label of each IRI: by LABEL_PROPERTIES order, English or untagged first."""
    todo = sorted({i for i in iris if is_safe_iri(i)})
    out: dict[str, tuple[int, str]] = {}
    for start in range(0, len(todo), BATCH):
        # (subject, property) pairs: with two VALUES blocks a store may read every triple of
        # each subject first, which for a resource with a million links is a million rows.
        pairs = " ".join(
            f"(<{i}> <{p}>)" for i in todo[start : start + BATCH] for p in LABEL_PROPERTIES
        )
        where = f"VALUES (?x ?p) {{ {pairs} }} ?x ?p ?l FILTER(isLiteral(?l))"
        result = store.query(f"SELECT ?x ?p ?l WHERE {{ {where} }}")
        assert isinstance(result, SelectResult)
        for x, p, lit in result:
            if not isinstance(x, ox.NamedNode) or not isinstance(lit, ox.Literal):
                continue
            assert isinstance(p, ox.NamedNode)
            lang = (lit.language or "").lower()
            rank = LABEL_PROPERTIES.index(p.value) * 3 + (
                0 if lang in ("en", "en-gb") else 1 if not lang else 2
            )
            if x.value not in out or rank < out[x.value][0]:
                out[x.value] = (rank, lit.value)
    return {k: v for k, (_, v) in out.items()}
