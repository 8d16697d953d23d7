"""Describe one resource for its page and its RDF: outgoing links (with the blank nodes they
lead to, e.g. evidence and quote selectors), incoming links, and labels, all by SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.store.base import GraphResult, SelectResult, Store
from service.web.pages import compact, href, labels, local_name

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA = "http://www.w3.org/ns/oa#"
CPKG = "https://w3id.org/cpkg/def#"
MAX_INCOMING = 500
_BNODE_DEPTH = 3


def _closure_pattern(iri: str) -> str:
    """Triples of ``iri`` and of blank nodes reachable from it (evidence, selectors).

    The last blank node of each branch is ``?s`` itself rather than BIND-ed to it: Virtuoso's
    SPARQL compiler fails ("sparp_gp_deprecate") on BIND of a variable under an isBlank filter.
    """
    branches = [f"{{ VALUES ?s {{ <{iri}> }} ?s ?p ?o }}"]
    for depth in range(1, _BNODE_DEPTH + 1):
        nodes = [f"<{iri}>", *(f"?b{d}" for d in range(1, depth)), "?s"]
        hops = " ".join(
            f"{nodes[d]} ?q{d + 1} {nodes[d + 1]} . FILTER(isBlank({nodes[d + 1]}))"
            for d in range(depth)
        )
        branches.append(f"{{ {hops} ?s ?p ?o }}")
    return " UNION ".join(branches)


def rdf_description(store: Store, iri: str) -> list[ox.Triple]:
    """The resource's RDF: its triples, its blank-node closure and incoming IRI links."""
    result = store.query(
        "CONSTRUCT { ?s ?p ?o . ?in ?ip ?me } WHERE { "
        f"{{ {_closure_pattern(iri)} }} UNION "
        f"{{ BIND(<{iri}> AS ?me) ?in ?ip <{iri}> FILTER(isIRI(?in)) }} }}"
    )
    assert isinstance(result, GraphResult)
    seen: dict[ox.Triple, None] = {}
    for t in result:
        seen.setdefault(t, None)
    return list(seen)


@dataclass
class Value:
    """One object (or subject, for incoming links) as shown on a page."""

    kind: str  # iri | literal | bnode
    text: str
    href: str | None = None
    label: str | None = None
    compact: str | None = None
    lang: str | None = None
    datatype: str | None = None
    datatype_href: str | None = None
    rows: list[PropertyRow] = field(default_factory=list)  # blank node content
    quote: str | None = None  # evidence: the verbatim quote
    source: Value | None = None  # evidence: the source document
    supports: list[Value] = field(default_factory=list)  # evidence: supported properties
    via: str | None = None  # incoming through a blank node: the property chain


@dataclass
class PropertyRow:
    predicate: str
    compact: str
    label: str | None
    href: str | None
    values: list[Value]


@dataclass
class Description:
    iri: str
    label: str
    types: list[Value]
    rows: list[PropertyRow]
    incoming: list[PropertyRow]
    incoming_truncated: bool
    graphs: list[Value]

    @property
    def exists(self) -> bool:
        return bool(self.rows or self.incoming or self.types)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def describe(store: Store, iri: str) -> Description:
    """Everything a page about ``iri`` shows; ``exists`` is False if the store never names it."""
    out = store.query(f"SELECT ?s ?p ?o WHERE {{ {_closure_pattern(iri)} }}")
    assert isinstance(out, SelectResult)
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
    for s, p, o in out:
        if not isinstance(s, ox.NamedNode | ox.BlankNode) or not isinstance(p, ox.NamedNode):
            continue
        if o is None or isinstance(o, ox.Triple):
            continue
        key = s.value if isinstance(s, ox.NamedNode) else "_:" + s.value
        values = by_subject.setdefault(key, {}).setdefault(p.value, [])
        if o not in values:
            values.append(o)

    inc = store.query(
        "SELECT ?s ?p ?via WHERE { "
        f"{{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} UNION "
        f"{{ ?b ?p <{iri}> . FILTER(isBlank(?b)) ?s ?via ?b . FILTER(isIRI(?s)) }} UNION "
        f"{{ ?b ?p <{iri}> . FILTER(isBlank(?b)) ?b2 ?q ?b . FILTER(isBlank(?b2)) "
        "?s ?via ?b2 . FILTER(isIRI(?s)) } "
        f"}} LIMIT {MAX_INCOMING + 1}"
    )
    assert isinstance(inc, SelectResult)
    incoming_raw: list[tuple[str, str, str | None]] = []
    for s, p, via in inc:
        if isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode):
            item = (p.value, s.value, via.value if isinstance(via, ox.NamedNode) else None)
            if item not in incoming_raw:
                incoming_raw.append(item)
    truncated = len(incoming_raw) > MAX_INCOMING
    incoming_raw = incoming_raw[:MAX_INCOMING]

    graphs_result = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
    assert isinstance(graphs_result, SelectResult)
    graph_iris = sorted(g.value for (g,) in graphs_result if isinstance(g, ox.NamedNode))

    iris: set[str] = {iri, *graph_iris}
    for props in by_subject.values():
        for prop_iri, objs in props.items():
            iris.add(prop_iri)
            iris.update(obj.value for obj in objs if isinstance(obj, ox.NamedNode))
    for prop_iri, subject_iri, via_iri in incoming_raw:
        iris.update(x for x in (prop_iri, subject_iri, via_iri) if x)
    names = labels(store, iris)

    def iri_value(v: str) -> Value:
        return Value("iri", v, href(v), names.get(v), compact(v))

    def term_value(o: ox.NamedNode | ox.BlankNode | ox.Literal, depth: int) -> Value:
        if isinstance(o, ox.NamedNode):
            return iri_value(o.value)
        if isinstance(o, ox.Literal):
            dt = o.datatype.value
            show_dt = None if dt in (_XSD_STRING, _LANG_STRING) else dt
            return Value(
                "literal",
                o.value,
                lang=o.language,
                datatype=compact(show_dt) if show_dt else None,
                datatype_href=href(show_dt) if show_dt else None,
            )
        node = Value("bnode", "_:" + o.value)
        props = by_subject.get("_:" + o.value, {})
        if depth < _BNODE_DEPTH + 1:
            node.rows = rows_for(props, depth + 1)
        exact = _path_literal(props, OA + "hasSelector", OA + "exact")
        if exact is not None:
            node.quote = exact
            src = [s for s in props.get(OA + "hasSource", []) if isinstance(s, ox.NamedNode)]
            node.source = iri_value(src[0].value) if src else None
            node.supports = [
                iri_value(s.value)
                for s in props.get(CPKG + "supports", [])
                if isinstance(s, ox.NamedNode)
            ]
        return node

    def _path_literal(
        props: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]], first: str, second: str
    ) -> str | None:
        for b in props.get(first, []):
            if isinstance(b, ox.BlankNode):
                for lit in by_subject.get("_:" + b.value, {}).get(second, []):
                    if isinstance(lit, ox.Literal):
                        return lit.value
        return None

    def rows_for(
        props: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]], depth: int
    ) -> list[PropertyRow]:
        rows = []
        for p in sorted(props, key=lambda p: (p != RDF_TYPE, names.get(p) or compact(p))):
            values = [term_value(o, depth) for o in props[p]]
            values.sort(key=lambda v: (v.kind, (v.label or v.text).lower()))
            rows.append(PropertyRow(p, compact(p), names.get(p), href(p), values))
        return rows

    own = by_subject.get(iri, {})
    types = [iri_value(t.value) for t in own.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)]
    rows = rows_for({p: v for p, v in own.items() if p != RDF_TYPE}, 1)

    grouped: dict[str, list[Value]] = {}
    for prop_iri, subject_iri, via_iri in incoming_raw:
        v = iri_value(subject_iri)
        if via_iri:
            v.via = names.get(via_iri) or compact(via_iri)
        grouped.setdefault(prop_iri, []).append(v)
    incoming = [
        PropertyRow(
            p,
            compact(p),
            names.get(p),
            href(p),
            sorted(vs, key=lambda v: (v.label or v.text).lower()),
        )
        for p, vs in sorted(grouped.items(), key=lambda kv: names.get(kv[0]) or compact(kv[0]))
    ]
    return Description(
        iri=iri,
        label=names.get(iri) or local_name(iri),
        types=types,
        rows=rows,
        incoming=incoming,
        incoming_truncated=truncated,
        graphs=[iri_value(g) for g in graph_iris],
    )
