"""What a page about one resource needs from a store: its links, a page at a time.

Per property and direction (outgoing, incoming, incoming through a blank node such as an
evidence passage): the total count, and the values of the page (``offset``, ``per_page``),
with the blank nodes below outgoing values (evidence, quote selectors) three levels deep.
``sparql_links`` finds them with two queries on any store; an embedded store walks its indexes
instead (``native_links``: no SPARQL to parse or plan, a tenth of the time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox

from service.store.base import SelectResult, Store

CPKG = "https://w3id.org/cpkg/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
DIRECTIONS = ("out", "in", "via")
Node = ox.NamedNode | ox.BlankNode | ox.Literal


class Group(NamedTuple):
    """The links of one property in one direction: ``total`` of them in the whole dataset,
    ``blanks`` of which lead to blank nodes (whose content the page shows). A named tuple: a
    page makes a dozen, and a frozen dataclass costs ~1 us each to make."""

    direction: str  # out | in | via
    predicate: str
    total: int
    blanks: int = 0


@dataclass
class Links:
    """The links of one resource on one page, as a store found them."""

    groups: list[Group] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)  # named graphs that describe it
    values: list[tuple[str, str, Node, str | None]] = field(default_factory=list)
    below: list[tuple[str, str, Node]] = field(default_factory=list)  # (blank, p, o)
    finding: bool = False  # a cpkg:Finding (or a subclass): its page links its chain


def sparql_links(view: Store, iri: str, offset: int, per_page: int) -> Links:
    """The links by SPARQL (two queries), for any store and any view of one."""
    counted = _groups(view, iri)
    found = Links(
        groups=[g for g in counted if g.direction in DIRECTIONS],
        graphs=sorted(g.predicate for g in counted if g.direction == "graph"),
    )
    shown = [g for g in found.groups if g.total > offset]
    for d, p, o, via, below in _values(view, iri, shown, offset, per_page) if shown else []:
        if d == "finding":
            found.finding = True
        elif below is not None:
            found.below.append(below)
        else:
            found.values.append((d, p, o, via))
    return found


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
    order = (*DIRECTIONS, "graph")
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
    for direction in DIRECTIONS:
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


# -- walking an embedded store's indexes ------------------------------------------------------


class _Page:
    """Counts every link and keeps the ones on the page."""

    def __init__(self, offset: int, per_page: int) -> None:
        self.offset, self.end = offset, offset + per_page
        self.counts: dict[tuple[str, str], list[int]] = {}
        self.window: dict[tuple[str, str], list[Node]] = {}

    def add(self, direction: str, predicate: str, value: Node) -> None:
        count = self.counts.setdefault((direction, predicate), [0, 0])
        if self.offset <= count[0] < self.end:
            self.window.setdefault((direction, predicate), []).append(value)
        count[0] += 1
        if direction == "out" and isinstance(value, ox.BlankNode):
            count[1] += 1

    def groups(self) -> list[Group]:
        found = [Group(d, p, n, blanks) for (d, p), (n, blanks) in self.counts.items()]
        return sorted(found, key=lambda g: (DIRECTIONS.index(g.direction), g.predicate))


def native_links(store: ox.Store, iri: str, offset: int, per_page: int) -> Links:
    """The links by direct index lookups (the same answer as ``sparql_links``)."""
    node = ox.NamedNode(iri)
    page = _Page(offset, per_page)
    graphs: set[str] = set()
    for q in store.quads_for_pattern(node, None, None, None):
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode):
            graphs.add(graph.value)
        page.add("out", q.predicate.value, q.object)  # type: ignore[arg-type]
    for q in store.quads_for_pattern(None, None, node, None):
        direction = "in" if isinstance(q.subject, ox.NamedNode) else "via"
        page.add(direction, q.predicate.value, q.subject)  # type: ignore[arg-type]
    found = Links(groups=page.groups(), graphs=sorted(graphs))
    for (d, p), values in page.window.items():
        if d == "via":
            found.values.extend(
                ("via", p, s, via) for b in values for s, via in _reaching(store, b)
            )
        else:
            found.values.extend((d, p, v, None) for v in values)
    blanks = [v for (d, _), vs in page.window.items() if d == "out" for v in vs]
    found.below = _below(store, [b for b in blanks if isinstance(b, ox.BlankNode)])
    types = page.window.get(("out", RDF_TYPE), [])
    found.finding = _is_finding(store, [t for t in types if isinstance(t, ox.NamedNode)])
    return found


def _reaching(store: ox.Store, blank: Node) -> list[tuple[Node, str]]:
    """(IRI, property) of the resources that reach a blank node in one or two hops."""
    found: list[tuple[Node, str]] = []
    for q in store.quads_for_pattern(None, None, blank, None):
        if isinstance(q.subject, ox.NamedNode):
            found.append((q.subject, q.predicate.value))
        elif isinstance(q.subject, ox.BlankNode):
            for q2 in store.quads_for_pattern(None, None, q.subject, None):
                if isinstance(q2.subject, ox.NamedNode):
                    found.append((q2.subject, q2.predicate.value))
    return found


def _below(store: ox.Store, blanks: list[ox.BlankNode]) -> list[tuple[str, str, Node]]:
    """The triples of blank nodes and of the blank nodes below them, three levels deep."""
    found: list[tuple[str, str, Node]] = []
    level = blanks
    for _depth in range(3):
        deeper = []
        for b in level:
            name = b.value
            for q in store.quads_for_pattern(b, None, None, None):
                o = q.object  # (each read of a quad's term makes a new Python object)
                found.append((name, q.predicate.value, o))  # type: ignore[arg-type]
                if isinstance(o, ox.BlankNode):
                    deeper.append(o)
        level = deeper
    return found


def _is_finding(store: ox.Store, types: list[ox.NamedNode]) -> bool:
    """Whether one of ``types`` is cpkg:Finding or a subclass of it (rdfs:subClassOf*)."""
    target, subclass = ox.NamedNode(CPKG + "Finding"), ox.NamedNode(SUBCLASS)
    seen: set[ox.NamedNode] = set()
    todo = list(types)
    while todo:
        t = todo.pop()
        if t == target:
            return True
        if t in seen or len(seen) > 1000:
            continue
        seen.add(t)
        todo.extend(
            q.object
            for q in store.quads_for_pattern(t, subclass, None, None)
            if isinstance(q.object, ox.NamedNode)
        )
    return False
