"""Search: the read tasks behind ``/search``, the chain box and the ``/paths`` form.

The full-text engine is SQLite FTS5 (``service/fulltext.py``), an index written by ``cpkg build``
(or, for data served without a build, at start-up from ``search_documents``). A search is a read
task like any other: the executor bounds its time and caches it per store generation. The index
finds candidate resources; the task then keeps only those the caller can see in the store (so a
resource deleted since the build, or in a graph the caller may not read, is never shown) and
names them and their types from the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.errors import ProtocolError
from service.fulltext import DOCUMENT_QUERY, Document, Match, documents, lookup, segments
from service.query.labels import is_safe_iri, labels, local_name
from service.store.base import SelectResult, Store
from service.vocab import PREFIXES

CPKG = PREFIXES["cpkg"]
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_CHARS = 200
#: Resources of the support record (claims, name mentions, conflicts, evidence) rank below the
#: things they are about: a search for a name finds the person before the claim about the name.
RECORD_TYPES = frozenset(CPKG + t for t in ("Claim", "NameMention", "Conflict", "Evidence"))
RECORD_WEIGHT = 0.6
#: Classes whose members have accountability chains (service/query/chain.rq's foci).
CHAIN_CLASSES = tuple(
    CPKG + t
    for t in (
        "Finding",
        "PoliceForce",
        "Inspection",
        "LegalDuty",
        "LegalInstrument",
        "LegalLimit",
        "Remedy",
        "Recommendation",
        "CauseOfConcern",
        "Action",
    )
)
_FIELD_NAMES = {
    "label": "name",
    "name": "other name or name as written",
    "text": "description",
    "quote": "evidence quote",
}


@dataclass(frozen=True)
class Hit:
    """One resource found: what it is, why it matched, and the quote that matched."""

    iri: str
    label: str
    types: tuple[tuple[str, str], ...]  # (class IRI, class label)
    score: float
    matched: str  # which kind of text matched best (a _FIELD_NAMES value)
    text: tuple[tuple[str, bool], ...]  # the matching text, (piece, matched?) pieces
    quote: tuple[tuple[str, bool], ...]  # the matching evidence quote, if any
    source: str  # the source document of that quote
    source_label: str
    chainable: bool


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[Hit, ...]
    total: int  # resources found before the limit
    limit: int
    only_chainable: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def check_query(text: str | None) -> str:
    """The search text, trimmed; ProtocolError (400) when it is too long."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise ProtocolError(f"the search text is longer than {MAX_QUERY_CHARS} characters")
    return text


def check_limit(raw: str | None) -> int:
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ProtocolError(f"limit={raw!r} is not valid; use a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def search_documents(view: Store, page_size: int = 10_000) -> list[Document]:
    """Every searchable text the caller can see (a read task: indexes data served unbuilt),
    read ``page_size`` rows at a time so that no query passes the result cap."""
    found: list[Document] = []
    offset = 0
    while True:
        result = view.query(f"{DOCUMENT_QUERY} LIMIT {page_size} OFFSET {offset}")
        assert isinstance(result, SelectResult)
        rows = list(result)
        found.extend(documents(rows))
        if len(rows) < page_size:
            return found
        offset += page_size


def search(
    view: Store, index: str, text: str, limit: int = DEFAULT_LIMIT, only_chainable: bool = False
) -> SearchResults:
    """Resources matching ``text``, best first (a read task). ``only_chainable`` keeps those
    with accountability chains (the chain box)."""
    matches = [m for m in lookup(Path(index), text) if is_safe_iri(m.iri)][:500]
    if not matches:
        return SearchResults(text, (), 0, limit, only_chainable)
    types = _types(view, [m.iri for m in matches])
    chainable = _chainable(view, [m.iri for m in matches])
    visible = [m for m in matches if m.iri in types]
    if only_chainable:
        visible = [m for m in visible if m.iri in chainable]
    scored = sorted(
        visible,
        key=lambda m: (-m.score * (RECORD_WEIGHT if types[m.iri] & RECORD_TYPES else 1), m.iri),
    )
    shown = scored[:limit]
    names = labels(
        view,
        {m.iri for m in shown}
        | {t for m in shown for t in types[m.iri]}
        | {s for m in shown for s in (m.source, m.quote_source) if s},
    )
    hits = tuple(_hit(m, types[m.iri], names, m.iri in chainable) for m in shown)
    return SearchResults(text, hits, len(scored), limit, only_chainable)


def _hit(m: Match, types: frozenset[str], names: dict[str, str], chainable: bool) -> Hit:
    quote = m.quote_match or (m.quote if m.field != "quote" else m.text)
    source = m.quote_source if m.quote_match else m.source
    return Hit(
        iri=m.iri,
        label=names.get(m.iri) or local_name(m.iri),
        types=tuple(sorted((t, names.get(t) or local_name(t)) for t in types)),
        score=round(m.score, 3),
        matched=_FIELD_NAMES.get(m.field, m.field),
        text=tuple(segments(m.text)),
        quote=tuple(segments(quote)) if quote else (),
        source=source,
        source_label=names.get(source, "") if source else "",
        chainable=chainable,
    )


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _types(view: Store, iris: list[str]) -> dict[str, frozenset[str]]:
    """The types of the resources the caller can see; a resource it cannot see is absent."""
    result = view.query(
        f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {_values(iris)} }} "
        "{ ?x a ?t } UNION { ?x ?p ?o FILTER NOT EXISTS { ?x a ?any } } }"
    )
    assert isinstance(result, SelectResult)
    found: dict[str, set[str]] = {}
    for x, t in result:
        if isinstance(x, ox.NamedNode):
            kinds = found.setdefault(x.value, set())
            if isinstance(t, ox.NamedNode):
                kinds.add(t.value)
    return {k: frozenset(v) for k, v in found.items()}


def _chainable(view: Store, iris: list[str]) -> set[str]:
    classes = " ".join(f"<{c}>" for c in CHAIN_CLASSES)
    result = view.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {_values(iris)} }} VALUES ?c {{ {classes} }} "
        "?x a/rdfs:subClassOf* ?c }"
    )
    assert isinstance(result, SelectResult)
    return {x.value for (x,) in result if isinstance(x, ox.NamedNode)}
