"""Describe one resource for its page and its RDF, a page at a time.

Per property and direction (outgoing, incoming, incoming through a blank node such as an
evidence passage) the description holds at most ``per_page`` values, with the total count, so
a resource with a million links costs what any other costs: one grouped count, one query for
the values of the page (with the blank nodes they lead to: evidence, quote selectors), one for
labels. Page ``n`` holds values ``(n-1)*per_page`` to ``n*per_page - 1`` of every property that
has that many. A read task (service/query/executor.py): it returns plain data, and the web layer
turns it into HTML (with links) or RDF (with paging links).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.query.labels import labels, local_name
from service.store.base import AskResult, SelectResult, Store
from service.vocab import compact

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA = "http://www.w3.org/ns/oa#"
CPKG = "https://w3id.org/cpkg/def#"
PER_PAGE = 100
MAX_PER_PAGE = 1000
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_DIRECTIONS = ("out", "in", "via")
Node = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Group:
    """The links of one property in one direction: ``total`` of them in the whole dataset."""

    direction: str  # out | in | via
    predicate: str
    total: int


@dataclass
class Value:
    """One object (or subject, for incoming links) as shown on a page."""

    kind: str  # iri | literal | bnode
    text: str  # the IRI, the literal's lexical form, or _:label
    label: str | None = None
    compact: str | None = None
    lang: str | None = None
    datatype: str | None = None  # the datatype IRI, unless xsd:string / rdf:langString
    rows: list[PropertyRow] = field(default_factory=list)  # blank node content
    quote: str | None = None  # evidence: the verbatim quote
    prefix: str = ""  # evidence: the text before the quote in its source (its sentence and one)
    suffix: str = ""  # evidence: the text after it
    source: Value | None = None  # evidence: the source document
    supports: list[Value] = field(default_factory=list)  # evidence: supported properties
    via: str | None = None  # incoming through a blank node: the property that reaches it


@dataclass
class PropertyRow:
    predicate: str
    compact: str
    label: str | None
    values: list[Value]
    total: int = 0  # links of this property in this direction (all pages)
    first: int = 0  # index of the first value shown


@dataclass
class Description:
    """Everything one page about ``iri`` shows; ``triples`` is the same page as RDF."""

    iri: str
    label: str
    page: int
    per_page: int
    pages: int  # the last page number
    types: list[Value]
    rows: list[PropertyRow]
    incoming: list[PropertyRow]
    graphs: list[Value]
    chainable: bool
    triples: list[ox.Triple]
    total_links: int  # every link of the resource, types included, on all pages

    @property
    def exists(self) -> bool:
        return bool(self.rows or self.incoming or self.types)


def describe(view: Store, iri: str, page: int = 1, per_page: int = PER_PAGE) -> Description:
    """The ``page``-th page of the description of ``iri`` (a read task)."""
    groups = _groups(view, iri)
    offset = (page - 1) * per_page
    shown = [g for g in groups if g.total > offset]
    rows = _values(view, iri, shown, offset, per_page) if shown else []
    closure: dict[str, dict[str, list[Node]]] = {}
    links: dict[tuple[str, str], list[tuple[Node, str | None]]] = {}
    for d, p, o, via, below in rows:
        if below is not None:
            s, p2, o2 = below
            objs = closure.setdefault(s, {}).setdefault(p2, [])
            if o2 not in objs:
                objs.append(o2)
            continue
        bucket = links.setdefault((d, p), [])
        if (o, via) not in bucket:
            bucket.append((o, via))
    names = labels(view, _iris(iri, links, closure))
    build = _Builder(iri, names, closure)
    pages = max((math.ceil(g.total / per_page) for g in groups), default=1)
    own = {p: [o for o, _ in vs] for (d, p), vs in links.items() if d == "out"}
    types = [build.iri_value(t.value) for t in own.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)]
    by_group = {(g.direction, g.predicate): g for g in shown}
    out_rows = build.rows(
        {p: v for p, v in own.items() if p != RDF_TYPE}, 1, by_group, offset, "out"
    )
    return Description(
        iri=iri,
        label=names.get(iri) or local_name(iri),
        page=page,
        per_page=per_page,
        pages=max(pages, 1),
        types=types,
        rows=out_rows,
        incoming=build.incoming(links, by_group, offset),
        graphs=[build.iri_value(g) for g in _graphs(view, iri)],
        chainable=_chainable(view, iri),
        triples=_triples(iri, links, closure),
        total_links=sum(g.total for g in groups),
    )


def _groups(view: Store, iri: str) -> list[Group]:
    """How many links each (direction, property) has: one grouped count."""
    result = view.query(
        "SELECT ?d ?p (COUNT(*) AS ?n) WHERE { "
        f'{{ VALUES ?d {{ "out" }} <{iri}> ?p ?o }} UNION '
        f'{{ VALUES ?d {{ "in" }} ?s ?p <{iri}> FILTER(isIRI(?s)) }} UNION '
        f'{{ VALUES ?d {{ "via" }} ?b ?p <{iri}> FILTER(isBlank(?b)) }} '
        "} GROUP BY ?d ?p"
    )
    assert isinstance(result, SelectResult)
    groups = [
        Group(d.value, p.value, int(n.value))
        for d, p, n in result
        if isinstance(d, ox.Literal) and isinstance(p, ox.NamedNode) and isinstance(n, ox.Literal)
    ]
    return sorted(groups, key=lambda g: (_DIRECTIONS.index(g.direction), g.predicate))


def _window(iri: str, g: Group, var: str, offset: int, per_page: int) -> str:
    """A subselect binding ``var`` to the values of one group on this page (and, for incoming
    links through a blank node, ``?via``)."""
    p = f"<{g.predicate}>"
    if g.direction == "out":
        pattern, projected = f"<{iri}> {p} {var}", var
    elif g.direction == "in":
        pattern, projected = f"{var} {p} <{iri}> FILTER(isIRI({var}))", var
    else:  # the IRI subjects that reach the resource through a blank node (one or two hops)
        pattern = (
            f"?b {p} <{iri}> FILTER(isBlank(?b)) "
            f"{{ {var} ?via ?b FILTER(isIRI({var})) }} UNION "
            f"{{ ?b2 ?q ?b FILTER(isBlank(?b2)) {var} ?via ?b2 FILTER(isIRI({var})) }}"
        )
        projected = f"{var} ?via"
    window = f"LIMIT {per_page}" + (f" OFFSET {offset}" if offset else "")
    return f"{{ SELECT {projected} WHERE {{ {pattern} }} {window} }}"


def _branches(iri: str, g: Group, offset: int, per_page: int) -> list[str]:
    """UNION branches for one group: its values (?d ?p ?o ?via) and, below outgoing blank-node
    values (evidence, its quote selector), their triples three levels deep (?s ?p2 ?o2).

    Each level starts again from the page's window of values, so nothing outside the page is
    ever read (an OPTIONAL would expand every value's triples before filtering out IRIs). The
    filters follow the patterns and there is no BIND: Virtuoso's compiler fails otherwise."""
    tag = f'VALUES (?p ?d) {{ (<{g.predicate}> "{g.direction}") }}'
    out = [f"{{ {_window(iri, g, '?o', offset, per_page)} {tag} }}"]
    if g.direction != "out":
        return out
    hops = ["?s"]
    for _depth in range(3):
        chain = " ".join(
            f"{a} ?h{i} {b} FILTER(isBlank({b}))"
            for i, (a, b) in enumerate(zip(hops, hops[1:], strict=False))
        )
        out.append(
            f"{{ {_window(iri, g, hops[0], offset, per_page)} FILTER(isBlank({hops[0]})) "
            f'{chain} {hops[-1]} ?p2 ?o2 VALUES ?d {{ "blank" }} }}'
        )
        hops = [f"?w{len(hops)}", *hops]
    return out


Row5 = tuple[str, str, Node, str | None, tuple[str, str, Node] | None]


def _values(view: Store, iri: str, groups: list[Group], offset: int, per_page: int) -> list[Row5]:
    """(direction, property, value, via, None) for each value on the page, and
    ("blank", "", "", None, (blank node, property, object)) for the triples below them."""
    branches = " UNION ".join(b for g in groups for b in _branches(iri, g, offset, per_page))
    result = view.query(f"SELECT ?d ?p ?o ?via ?s ?p2 ?o2 WHERE {{ {branches} }}")
    assert isinstance(result, SelectResult)
    rows: list[Row5] = []
    nodes = (ox.NamedNode, ox.BlankNode, ox.Literal)
    for d, p, o, via, s, p2, o2 in result:
        if not isinstance(d, ox.Literal):
            continue
        if d.value == "blank":
            if (
                isinstance(s, ox.BlankNode)
                and isinstance(p2, ox.NamedNode)
                and isinstance(o2, nodes)
            ):
                rows.append(("blank", "", s, None, (s.value, p2.value, o2)))
        elif isinstance(p, ox.NamedNode) and isinstance(o, nodes):
            via_iri = via.value if isinstance(via, ox.NamedNode) else None
            rows.append((d.value, p.value, o, via_iri, None))
    return rows


def _iris(
    iri: str,
    links: dict[tuple[str, str], list[tuple[Node, str | None]]],
    closure: dict[str, dict[str, list[Node]]],
) -> set[str]:
    found = {iri}
    for (_, p), values in links.items():
        found.add(p)
        found.update(o.value for o, _ in values if isinstance(o, ox.NamedNode))
        found.update(via for _, via in values if via)
    for props in closure.values():
        found.update(props)
        found.update(
            o.value for objs in props.values() for o in objs if isinstance(o, ox.NamedNode)
        )
    return found


def _graphs(view: Store, iri: str) -> list[str]:
    """The named graphs that state something about ``iri`` (each found by its first triple)."""
    names = view.graph_names()
    if not names:
        return []
    values = " ".join(f"<{g}>" for g in names)
    exists = f"FILTER EXISTS {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
    result = view.query(f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} {exists} }}")
    assert isinstance(result, SelectResult)
    return sorted(g.value for (g,) in result if isinstance(g, ox.NamedNode))


def _chainable(view: Store, iri: str) -> bool:
    """Whether the resource has an accountability chain page (a finding, or what answers one)."""
    result = view.query(
        f"PREFIX cpkg: <{CPKG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"ASK {{ {{ <{iri}> a/rdfs:subClassOf* cpkg:Finding }} UNION "
        f"{{ <{iri}> cpkg:answersFinding ?f }} }}"
    )
    return isinstance(result, AskResult) and result.value


def _triples(
    iri: str,
    links: dict[tuple[str, str], list[tuple[Node, str | None]]],
    closure: dict[str, dict[str, list[Node]]],
) -> list[ox.Triple]:
    """The page as RDF: its outgoing and direct incoming links and the blank nodes below."""
    me = ox.NamedNode(iri)
    out: dict[ox.Triple, None] = {}
    for (d, p), values in links.items():
        for o, _ in values:
            if d == "out":
                out[ox.Triple(me, ox.NamedNode(p), o)] = None
            elif d == "in" and isinstance(o, ox.NamedNode):
                out[ox.Triple(o, ox.NamedNode(p), me)] = None
    for s, props in closure.items():
        for p, objs in props.items():
            for o in objs:
                out[ox.Triple(ox.BlankNode(s), ox.NamedNode(p), o)] = None
    return list(out)


class _Builder:
    """Turns terms into page values: labels, compact names, evidence quotes, nested blank nodes."""

    def __init__(self, iri: str, names: dict[str, str], closure: dict[str, dict[str, list[Node]]]):
        self.iri = iri
        self.names = names
        self.closure = closure

    def iri_value(self, v: str) -> Value:
        return Value("iri", v, self.names.get(v), compact(v))

    def term(self, o: Node, depth: int) -> Value:
        if isinstance(o, ox.NamedNode):
            return self.iri_value(o.value)
        if isinstance(o, ox.Literal):
            dt = o.datatype.value
            shown = None if dt in (_XSD_STRING, _LANG_STRING) else dt
            return Value("literal", o.value, lang=o.language, datatype=shown)
        props = self.closure.get(o.value, {})
        node = Value("bnode", "_:" + o.value)
        if depth <= 3:
            node.rows = self.rows(props, depth + 1)
        exact = self._path_literal(props, OA + "hasSelector", OA + "exact")
        if exact is not None:
            node.quote = exact
            node.prefix = self._path_literal(props, OA + "hasSelector", OA + "prefix") or ""
            node.suffix = self._path_literal(props, OA + "hasSelector", OA + "suffix") or ""
            src = [s for s in props.get(OA + "hasSource", []) if isinstance(s, ox.NamedNode)]
            node.source = self.iri_value(src[0].value) if src else None
            node.supports = [
                self.iri_value(s.value)
                for s in props.get(CPKG + "supports", [])
                if isinstance(s, ox.NamedNode)
            ]
        return node

    def _path_literal(self, props: dict[str, list[Node]], first: str, second: str) -> str | None:
        for b in props.get(first, []):
            if isinstance(b, ox.BlankNode):
                for lit in self.closure.get(b.value, {}).get(second, []):
                    if isinstance(lit, ox.Literal):
                        return lit.value
        return None

    def rows(
        self,
        props: dict[str, list[Node]],
        depth: int,
        groups: dict[tuple[str, str], Group] | None = None,
        offset: int = 0,
        direction: str = "out",
    ) -> list[PropertyRow]:
        out = []
        for p in sorted(props, key=lambda p: (p != RDF_TYPE, self.names.get(p) or compact(p))):
            values = [self.term(o, depth) for o in props[p]]
            values.sort(key=lambda v: (v.kind, (v.label or v.text).lower()))
            group = (groups or {}).get((direction, p))
            total = group.total if group else len(values)
            out.append(
                PropertyRow(p, compact(p), self.names.get(p), values, total, offset if group else 0)
            )
        return out

    def incoming(
        self,
        links: dict[tuple[str, str], list[tuple[Node, str | None]]],
        groups: dict[tuple[str, str], Group],
        offset: int,
    ) -> list[PropertyRow]:
        """Incoming links, direct and through blank nodes, one row per (direction, property)."""
        rows = []
        for (d, p), values in links.items():
            if d == "out":
                continue
            shown = []
            for o, via in values:
                if isinstance(o, ox.NamedNode):
                    v = self.iri_value(o.value)
                    v.via = (self.names.get(via) or compact(via)) if via else None
                    shown.append(v)
            shown.sort(key=lambda v: (v.label or v.text).lower())
            g = groups[(d, p)]
            rows.append(PropertyRow(p, compact(p), self.names.get(p), shown, g.total, offset))
        return sorted(
            rows,
            key=lambda r: (
                r.label or r.compact,
                r.values[0].via is not None if r.values else False,
            ),
        )
