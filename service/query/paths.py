"""How two resources are connected: the shortest paths between them, found with SPARQL.

Iterative deepening: one SELECT per path length (1, 2, ... max), each hop a UNION of both
directions, so the store does the search and the shortest paths come first. rdf:type and the
structural evidence hops (cpkg:evidence, oa:hasSource, oa:hasSelector, cpkg:supports) and
ontology bookkeeping (skos:inScheme, rdfs:domain, ...) are not followed, unless an endpoint is a
class or a source document, when those hops are what connects it. The search is bounded by a
result limit, and, as a read task of the executor (service/query/executor.py), by the time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from service.errors import CpkgError, NotFound
from service.query.chain import check_iri, resource_exists
from service.query.labels import labels
from service.store.base import AskResult, SelectResult, Store
from service.vocab import PREFIXES, compact

DEFAULT_MAX = 4
MAX_ALLOWED = 6
DEFAULT_LIMIT = 20

_P = PREFIXES
TYPE = _P["rdf"] + "type"
EVIDENCE_PREDICATES = (
    _P["cpkg"] + "evidence",
    _P["oa"] + "hasSource",
    _P["oa"] + "hasSelector",
    _P["cpkg"] + "supports",
)
STRUCTURAL_PREDICATES = (
    _P["rdfs"] + "domain",
    _P["rdfs"] + "range",
    _P["rdfs"] + "subClassOf",
    _P["rdfs"] + "subPropertyOf",
    _P["rdfs"] + "isDefinedBy",
    _P["skos"] + "inScheme",
    _P["skos"] + "topConceptOf",
    _P["skos"] + "hasTopConcept",
    _P["owl"] + "imports",
)


class PathRangeError(CpkgError, ValueError):
    """``max`` is outside 1..MAX_ALLOWED (HTTP 400)."""


@dataclass(frozen=True)
class Hop:
    """One edge walked: ``source`` --predicate--> ``target`` (``direction`` "out"), or reversed."""

    source: str
    source_label: str
    predicate: str
    predicate_label: str
    direction: str  # "out": source is the subject; "in": source is the object
    target: str
    target_label: str


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)


@dataclass(frozen=True)
class PathsResult:
    source: str
    target: str
    max_length: int
    limit: int
    paths: tuple[Path, ...]
    complete: bool  # False when the limit or the time budget cut the search short


def check_max(value: int | str | None) -> int:
    """The path-length bound, defaulting to DEFAULT_MAX; PathRangeError outside 1..MAX_ALLOWED."""
    if value is None or value == "":
        return DEFAULT_MAX
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise PathRangeError(
            f"max={value!r} is not a whole number; use 1 to {MAX_ALLOWED}"
        ) from None
    if not 1 <= n <= MAX_ALLOWED:
        raise PathRangeError(f"max={n} is out of range; use 1 to {MAX_ALLOWED}")
    return n


def _ask(store: Store, query: str) -> bool:
    result = store.query(query)
    return isinstance(result, AskResult) and result.value


def _excluded(store: Store, source: str, target: str) -> list[str]:
    """Predicates not to walk: type/structural hops, unless an endpoint needs them."""
    excluded = list(STRUCTURAL_PREDICATES)
    ends = f"VALUES ?end {{ <{source}> <{target}> }}"
    if not _ask(store, f"ASK {{ {ends} ?x a ?end }}"):
        excluded.append(TYPE)
    sources = f"<{_P['cpkg']}SourceDocument>"
    evidence = f"<{_P['cpkg']}Evidence>"
    if not _ask(store, f"ASK {{ {ends} ?end a ?c FILTER(?c IN ({sources}, {evidence})) }}"):
        excluded.extend(EVIDENCE_PREDICATES)
    return excluded


def path_query(source: str, target: str, length: int, excluded: list[str], limit: int) -> str:
    """The SELECT for paths of exactly ``length`` hops (simple paths, IRIs as inner nodes)."""
    nodes = [f"<{source}>"] + [f"?n{i}" for i in range(1, length)] + [f"<{target}>"]
    lines = []
    for i in range(length):
        a, b, p, d = nodes[i], nodes[i + 1], f"?p{i + 1}", f"?d{i + 1}"
        lines.append(
            f'  {{ {a} {p} {b} BIND("out" AS {d}) }} UNION {{ {b} {p} {a} BIND("in" AS {d}) }}'
        )
    not_in = ", ".join(f"<{p}>" for p in excluded)
    filters = (
        [f"  FILTER({f'?p{i + 1}'} NOT IN ({not_in}))" for i in range(length)] if excluded else []
    )
    inner = nodes[1:-1]
    for i, n in enumerate(inner):
        allowed_bnode = f"<{_P['oa']}hasSource>" not in not_in
        kind = f"(isIRI({n}) || isBlank({n}))" if allowed_bnode else f"isIRI({n})"
        distinct = ", ".join([f"<{source}>", f"<{target}>", *inner[:i]])
        filters.append(f"  FILTER({kind} && {n} NOT IN ({distinct}))")
    variables = " ".join(
        [f"?p{i + 1} ?d{i + 1}" for i in range(length)] + [f"?n{i}" for i in range(1, length)]
    )
    order = " ".join(
        [*(f"?n{i}" for i in range(1, length)), *(f"?p{i + 1}" for i in range(length))]
    )
    return (
        f"SELECT DISTINCT {variables} WHERE {{\n"
        + "\n".join(lines + filters)
        + f"\n}}\nORDER BY {order}\nLIMIT {limit}\n"
    )


def _search(store: Store, source: str, target: str, max_length: int, limit: int) -> PathsResult:
    excluded = _excluded(store, source, target)
    raw: list[list[tuple[str, str, str, str]]] = []  # per path: (from, predicate, dir, to)
    complete = True
    for length in range(1, max_length + 1):
        want = limit - len(raw)
        if want <= 0:
            complete = False
            break
        result = store.query(path_query(source, target, length, excluded, want + 1))
        if not isinstance(result, SelectResult):  # pragma: no cover - path_query is a SELECT
            raise TypeError("path query must be a SELECT")
        col = {v: i for i, v in enumerate(result.variables)}
        for row in result:
            if len(raw) >= limit:
                complete = False
                break
            names = [source] + [_term(row[col[f"n{i}"]]) for i in range(1, length)] + [target]
            raw.append(
                [
                    (
                        names[i],
                        _term(row[col[f"p{i + 1}"]]),
                        _term(row[col[f"d{i + 1}"]]),
                        names[i + 1],
                    )
                    for i in range(length)
                ]
            )
    iris = {x for path in raw for hop in path for x in (hop[0], hop[1], hop[3])}
    titles = labels(store, (i for i in iris if not i.startswith("_:")))

    def label(iri: str) -> str:
        if iri.startswith("_:"):
            return "(unnamed node, e.g. an evidence passage)"
        return titles.get(iri) or compact(iri)

    paths = tuple(
        Path(tuple(Hop(a, label(a), p, compact(p), d, b, label(b)) for a, p, d, b in path))
        for path in raw
    )
    return PathsResult(source, target, max_length, limit, paths, complete)


def _term(term: object) -> str:
    if isinstance(term, NamedNode):
        return term.value
    value = getattr(term, "value", "")
    return f"_:{value}" if term is not None and not isinstance(term, Literal) else str(value)


def find_paths(
    store: Store,
    source: str,
    target: str,
    max_length: int = DEFAULT_MAX,
    limit: int = DEFAULT_LIMIT,
) -> PathsResult:
    """Paths from ``source`` to ``target`` of at most ``max_length`` hops, shortest first.

    A read task (service/query/executor.py): the executor bounds its time."""
    source, target = check_iri(source), check_iri(target)
    return _search(store, source, target, check_max(max_length), limit)


def paths_between(
    store: Store, source: str, target: str, max_length: int, limit: int = DEFAULT_LIMIT
) -> PathsResult:
    """``find_paths``, after checking both ends exist (NotFound naming the one that does not)."""
    for iri in (source, target):
        if not resource_exists(store, iri):
            raise NotFound(f"nothing in the dataset is called <{iri}>")
    return find_paths(store, source, target, max_length, limit)
