"""How two resources are connected: the shortest paths between them, found with SPARQL.

Iterative deepening: one SELECT per path length (1, 2, ... max), each hop a UNION of both
directions, so the store does the search and the shortest paths come first. rdf:type and the
structural evidence hops (cpkg:evidence, oa:hasSource, oa:hasSelector, cpkg:supports) and
ontology bookkeeping (skos:inScheme, rdfs:domain, ...) are not followed, unless an endpoint is a
class or a source document, when those hops are what connects it. The search is bounded by a
result limit, and, as a read task of the executor (service/query/executor.py), by the time limit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pyoxigraph import Literal, NamedNode

from service.errors import CpkgError, NotFound
from service.query.chain import Evidence, check_iri, evidence_rows, resource_exists
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


#: Generic hubs: a path through a concept (a theme, "police forces in England and Wales"), a
#: concept scheme or a class links everything to everything and reads as a causal chain it is
#: not; so does a property reached through a claim's rdf:predicate. Inner nodes of these types
#: are skipped unless ``hubs`` is asked for.
HUB_TYPES = (
    _P["skos"] + "Concept",
    _P["skos"] + "ConceptScheme",
    _P["owl"] + "Class",
    _P["rdfs"] + "Class",
    _P["rdf"] + "Property",
    _P["owl"] + "ObjectProperty",
    _P["owl"] + "DatatypeProperty",
    _P["owl"] + "AnnotationProperty",
    _P["cpkg"] + "EditorialProperty",
)
#: Most quotes shown for one hop that no quote marks specifically.
WEAK_QUOTES = 2


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
    status: str = "stated"  # or a claim's epistemic status ("inferred", "background knowledge")
    reasoning: str = ""
    evidence: tuple[Evidence, ...] = ()  # "link": marked for the predicate; "claim"; "resource"

    @property
    def triple(self) -> tuple[str, str, str]:
        """(subject, predicate, object) of the edge walked."""
        if self.direction == "out":
            return (self.source, self.predicate, self.target)
        return (self.target, self.predicate, self.source)


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
    hubs: bool = False  # whether paths may pass through generic hubs (HUB_TYPES)


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


def path_query(
    source: str, target: str, length: int, excluded: list[str], limit: int, hubs: bool = True
) -> str:
    """The SELECT for paths of exactly ``length`` hops (simple paths, IRIs as inner nodes;
    without ``hubs``, no inner node is a generic hub)."""
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
        if not hubs:
            types = ", ".join(f"<{t}>" for t in HUB_TYPES)
            filters.append(f"  FILTER NOT EXISTS {{ {n} a ?hub{i} FILTER(?hub{i} IN ({types})) }}")
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


def _search(
    store: Store, source: str, target: str, max_length: int, limit: int, hubs: bool
) -> PathsResult:
    excluded = _excluded(store, source, target)
    raw: list[list[tuple[str, str, str, str]]] = []  # per path: (from, predicate, dir, to)
    complete = True
    for length in range(1, max_length + 1):
        want = limit - len(raw)
        if want <= 0:
            complete = False
            break
        result = store.query(path_query(source, target, length, excluded, want + 1, hubs))
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
    return PathsResult(
        source, target, max_length, limit, _with_evidence(store, paths), complete, hubs
    )


def _with_evidence(store: Store, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """The paths with each hop's evidence: the quotes its subject cites for its predicate, a
    claim stating the triple (its status, reasoning and quotes), else a few quotes the subject
    cites at all (marked as not for this link)."""
    triples = {h.triple for p in paths for h in p.hops}
    iri_triples = {t for t in triples if not t[0].startswith("_:") and not t[2].startswith("_:")}
    claims = _claims(store, iri_triples)
    pairs = sorted({(s, p) for s, p, _ in triples if not s.startswith("_:")})
    rows = evidence_rows(store, pairs, sorted({c for c, _, _ in claims.values()})) if pairs else []
    own: dict[tuple[str, str], dict[tuple[str, str], Evidence]] = {}
    other: dict[str, dict[tuple[str, str], Evidence]] = {}
    of_claim: dict[str, dict[tuple[str, str], Evidence]] = {}
    for r in rows:
        owner, pred = _term(r.get("owner")), _term(r.get("pred"))
        ev = (_term(r.get("evSource")), _term(r.get("evFile")), _term(r.get("evQuote")))
        key = (ev[0], ev[2])
        if _term(r.get("evOf")) == "claim":
            of_claim.setdefault(owner, {})[key] = Evidence(*ev, "claim")
        elif _term(r.get("specific")) in ("true", "1"):
            own.setdefault((owner, pred), {})[key] = Evidence(*ev, "link")
        else:
            other.setdefault(owner, {})[key] = Evidence(*ev, "resource")

    def hop(h: Hop) -> Hop:
        s, p, _ = h.triple
        claim, status, reasoning = claims.get(h.triple, ("", "stated", ""))
        found = list(own.get((s, p), {}).values()) + list(of_claim.get(claim, {}).values())
        if not found:
            found = list(other.get(s, {}).values())[:WEAK_QUOTES]
        return replace(h, status=status, reasoning=reasoning, evidence=tuple(found))

    return tuple(Path(tuple(hop(h) for h in p.hops)) for p in paths)


Claims = dict[tuple[str, ...], tuple[str, str, str]]


def _claims(store: Store, triples: set[tuple[str, str, str]]) -> Claims:
    """(s, p, o) -> (claim, status, reasoning) for claims (not merely Stated) about the triples."""
    if not triples:
        return {}
    values = " ".join(f"(<{s}> <{p}> <{o}>)" for s, p, o in sorted(triples))
    result = store.query(
        f"PREFIX cpkg: <{_P['cpkg']}> PREFIX rdf: <{_P['rdf']}> "
        "SELECT ?s ?p ?o ?c ?status ?reasoning WHERE { "
        f"VALUES (?s ?p ?o) {{ {values} }} "
        "?c a cpkg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; "
        "cpkg:epistemicStatus ?status FILTER(?status != cpkg:Stated) "
        "OPTIONAL { ?c cpkg:reasoning ?reasoning } }"
    )
    assert isinstance(result, SelectResult)
    found: Claims = {}
    for s, p, o, c, status, reasoning in result:
        local = _term(status).rsplit("#", 1)[-1]
        label = "background knowledge" if local == "BackgroundKnowledge" else local.lower()
        found[(_term(s), _term(p), _term(o))] = (_term(c), label, _term(reasoning))
    return found


def _term(term: object) -> str:
    if term is None:
        return ""
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
    hubs: bool = False,
) -> PathsResult:
    """Paths from ``source`` to ``target`` of at most ``max_length`` hops, shortest first;
    through generic hubs (HUB_TYPES) only when ``hubs``.

    A read task (service/query/executor.py): the executor bounds its time."""
    source, target = check_iri(source), check_iri(target)
    return _search(store, source, target, check_max(max_length), limit, hubs)


def paths_between(
    store: Store,
    source: str,
    target: str,
    max_length: int,
    limit: int = DEFAULT_LIMIT,
    hubs: bool = False,
) -> PathsResult:
    """``find_paths``, after checking both ends exist (NotFound naming the one that does not)."""
    for iri in (source, target):
        if not resource_exists(store, iri):
            raise NotFound(f"nothing in the dataset is called <{iri}>")
    return find_paths(store, source, target, max_length, limit, hubs)
