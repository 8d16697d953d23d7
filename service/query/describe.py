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
from service.store.base import SelectResult, Store
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
    """The links of one property in one direction: ``total`` of them in the whole dataset,
    ``blanks`` of which lead to blank nodes (whose content the page shows)."""

    direction: str  # out | in | via
    predicate: str
    total: int
    blanks: int = 0


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
    counted = _groups(view, iri)
    groups = [g for g in counted if g.direction in _DIRECTIONS]
    graphs = sorted(g.predicate for g in counted if g.direction == "graph")
    offset = (page - 1) * per_page
    shown = [g for g in groups if g.total > offset]
    rows = _values(view, iri, shown, offset, per_page) if shown else []
    chainable = any(d == "finding" for d, *_ in rows) or any(
        g.direction == "out" and g.predicate == CPKG + "answersFinding" for g in groups
    )
    closure: dict[str, dict[str, list[Node]]] = {}
    links: dict[tuple[str, str], list[tuple[Node, str | None]]] = {}
    for d, p, o, via, below in rows:
        if d == "finding":
            continue
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
        graphs=[build.iri_value(g) for g in graphs],
        chainable=chainable,
        triples=_triples(iri, links, closure),
        total_links=sum(g.total for g in groups),
    )


def _groups(view: Store, iri: str) -> list[Group]:
    """How many links each (direction, property) has, and in which named graphs the resource
    is described (direction "graph", the graph as ``predicate``): one grouped count."""
    result = view.query(
        "SELECT ?d ?p (COUNT(*) AS ?n) (SUM(IF(isBlank(?o), 1, 0)) AS ?b) WHERE { "
        f'{{ VALUES ?d {{ "out" }} <{iri}> ?p ?o }} UNION '
        f'{{ VALUES ?d {{ "in" }} ?o ?p <{iri}> FILTER(isIRI(?o)) }} UNION '
        f'{{ VALUES ?d {{ "via" }} ?o ?p <{iri}> FILTER(isBlank(?o)) }} UNION '
        f'{{ VALUES ?d {{ "graph" }} GRAPH ?p {{ <{iri}> ?x ?o }} }} '
        "} GROUP BY ?d ?p"
    )
    assert isinstance(result, SelectResult)
    groups = []
    for d, p, n, b in result:
        if isinstance(d, ox.Literal) and isinstance(p, ox.NamedNode) and isinstance(n, ox.Literal):
            blanks = int(b.value) if isinstance(b, ox.Literal) and d.value == "out" else 0
            groups.append(Group(d.value, p.value, int(n.value), blanks))
    order = (*_DIRECTIONS, "graph")
    return sorted(groups, key=lambda g: (order.index(g.direction), g.predicate))


def _source(
    iri: str, direction: str, groups: list[Group], var: str, offset: int, per_page: int
) -> str:
    """A pattern binding ``?p`` and ``var`` to the values of ``groups`` on this page.

    Properties whose values all fit on the first page share one pattern anchored at the
    resource (the store walks from it); a property with more values gets a window (a subselect
    with LIMIT/OFFSET), and so does each property of incoming links through a blank node."""
    props = " ".join(f"<{g.predicate}>" for g in groups)
    if len(groups) > 1 or (groups[0].total <= per_page and not offset and direction != "via"):
        if direction == "out":
            return f"VALUES ?p {{ {props} }} <{iri}> ?p {var}"
        return f"VALUES ?p {{ {props} }} {var} ?p <{iri}> FILTER(isIRI({var}))"
    p = f"<{groups[0].predicate}>"
    if direction == "out":
        pattern, projected = f"<{iri}> {p} {var}", var
    elif direction == "in":
        pattern, projected = f"{var} {p} <{iri}> FILTER(isIRI({var}))", var
    else:  # the IRI subjects that reach the resource through a blank node (one or two hops)
        pattern = (
            f"?b {p} <{iri}> FILTER(isBlank(?b)) "
            f"{{ {var} ?via ?b FILTER(isIRI({var})) }} UNION "
            f"{{ ?b2 ?q ?b FILTER(isBlank(?b2)) {var} ?via ?b2 FILTER(isIRI({var})) }}"
        )
        projected = f"{var} ?via"
    window = f"LIMIT {per_page}" + (f" OFFSET {offset}" if offset else "")
    return f"{{ SELECT {projected} WHERE {{ {pattern} }} {window} }} VALUES ?p {{ {p} }}"


def _batches(groups: list[Group], offset: int, per_page: int) -> list[tuple[str, list[Group]]]:
    """(direction, groups) queried together: all small groups of a direction at once, each
    larger one (and each incoming-through-a-blank-node one) alone."""
    out: list[tuple[str, list[Group]]] = []
    for direction in _DIRECTIONS:
        mine = [g for g in groups if g.direction == direction]
        small = [g for g in mine if g.total <= per_page and not offset and direction != "via"]
        if small:
            out.append((direction, small))
        out.extend((direction, [g]) for g in mine if g not in small)
    return out


def _branches(
    iri: str, direction: str, groups: list[Group], offset: int, per_page: int
) -> list[str]:
    """UNION branches for a batch: its values (?d ?p ?o ?via) and, below outgoing blank-node
    values (evidence, its quote selector), their triples three levels deep (?s ?p2 ?o2).

    The blank-node levels are asked only for properties that have blank values, and start from
    the same values as the page, so nothing outside the page is read. The filters follow the
    patterns and there is no BIND: Virtuoso's compiler fails otherwise."""
    values = _source(iri, direction, groups, "?o", offset, per_page)
    out = [f'{{ {values} VALUES ?d {{ "{direction}" }} }}']
    with_blanks = [g for g in groups if g.blanks]
    if direction != "out" or not with_blanks:
        return out
    hops = ["?s"]
    for _depth in range(3):
        chain = " ".join(
            f"{a} ?h{i} {b} FILTER(isBlank({b}))"
            for i, (a, b) in enumerate(zip(hops, hops[1:], strict=False))
        )
        source = _source(iri, direction, with_blanks, hops[0], offset, per_page)
        out.append(
            f"{{ {source} FILTER(isBlank({hops[0]})) {chain} {hops[-1]} ?p2 ?o2 "
            'VALUES ?d { "blank" } }'
        )
        hops = [f"?w{len(hops)}", *hops]
    return out


Row5 = tuple[str, str, Node, str | None, tuple[str, str, Node] | None]


def _values(view: Store, iri: str, groups: list[Group], offset: int, per_page: int) -> list[Row5]:
    """(direction, property, value, via, None) for each value on the page, and
    ("blank", "", "", None, (blank node, property, object)) for the triples below them."""
    branches = " UNION ".join(
        b
        for d, gs in _batches(groups, offset, per_page)
        for b in _branches(iri, d, gs, offset, per_page)
    )
    finding = (  # whether the resource is a finding (its page links its chain)
        f"{{ <{iri}> a ?t . ?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* "
        f'<{CPKG}Finding> VALUES ?d {{ "finding" }} }}'
    )
    result = view.query(f"SELECT ?d ?p ?o ?via ?s ?p2 ?o2 WHERE {{ {branches} UNION {finding} }}")
    assert isinstance(result, SelectResult)
    rows: list[Row5] = []
    nodes = (ox.NamedNode, ox.BlankNode, ox.Literal)
    for d, p, o, via, s, p2, o2 in result:
        if not isinstance(d, ox.Literal):
            continue
        if d.value == "finding":
            rows.append(("finding", "", d, None, None))
        elif d.value == "blank":
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
