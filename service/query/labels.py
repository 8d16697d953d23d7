"""Display names of IRIs, read from the store: the one place that decides which label wins."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox

from service.store.base import Store

LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    "https://w3id.org/cpkg/def#shortTitle",
    "https://w3id.org/cpkg/def#nameText",
)
_PROPERTY_RANK = {p: 3 * n for n, p in enumerate(LABEL_PROPERTIES)}
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]*$")


#: IRIs up to this long have their check remembered (pages check the same few hundred classes,
#: properties and resources again and again); longer ones, rare and possibly hostile, are not.
_REMEMBERED_LENGTH = 512


def is_safe_iri(iri: str) -> bool:
    """True if ``iri`` is absolute and can be written as ``<iri>`` in SPARQL/Turtle (and is
    an IRI pyoxigraph accepts: RFC 3987 allows fewer code points than any pattern here says)."""
    return _remembered_check(iri) if len(iri) <= _REMEMBERED_LENGTH else _check(iri)


def _check(iri: str) -> bool:
    if not iri or _IRI_OK.match(iri) is None:
        return False
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


_remembered_check = lru_cache(maxsize=8192)(_check)


def local_name(iri: str) -> str:
    """The last path or fragment segment: a readable fallback when an IRI has no label."""
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Best display label of each IRI: by LABEL_PROPERTIES order, English or untagged first."""
    todo = sorted(set(filter(is_safe_iri, iris)))
    out: dict[str, tuple[int, str]] = {}
    # The first label property a resource has wins (see the ranking below): a store may stop
    # looking there.
    for x, p, lit in store.objects(todo, LABEL_PROPERTIES, first=True):
        if not isinstance(lit, ox.Literal):
            continue
        lang = lit.language
        rank = _PROPERTY_RANK[p] + (1 if not lang else 0 if lang.lower() in ("en", "en-gb") else 2)
        if x not in out or rank < out[x][0]:
            out[x] = (rank, lit.value)
    return {k: v for k, (_, v) in out.items()}
