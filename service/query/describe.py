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
from urllib.parse import urlencode

import pyoxigraph as ox

from service.formats import Format
from service.protocol.serializers import serialize_triples
from service.query.executor import bounded_in_steps
from service.query.labels import labels, local_name
from service.store.base import Store
from service.store.links import Group, Links
from service.store.steps import PAGE_STEPS
from service.vocab import compact, rewrite_iris

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA = "http://www.w3.org/ns/oa#"
CPKG = "https://w3id.org/cpkg/def#"
PER_PAGE = 100
MAX_PER_PAGE = 1000
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Node = ox.NamedNode | ox.BlankNode | ox.Literal
HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_LinksByProperty = dict[tuple[str, str], list[tuple[Node, "str | None"]]]
_Closure = dict[str, dict[str, list[Node]]]


@dataclass
class Value:
    """One object (or subject, for incoming links) as shown on a page."""

    kind: str  # iri | literal | bnode
    text: str  # the IRI, the literal's lexical form, or _:label
    label: str | None = None
    compact: str | None = None
    lang: str | None = None
    datatype: str | None = None  # the datatype IRI, unless xsd:string / rdf:langString
    rows: list[PropertyRow] = field(default_factory=list)  # blank node content (not evidence)
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
    """Everything one HTML page about ``iri`` shows (``describe_rdf`` gives the same page as
    RDF)."""

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
    total_links: int  # every link of the resource, types included, on all pages

    @property
    def exists(self) -> bool:
        return bool(self.rows or self.incoming or self.types)


def _collect(found: Links) -> tuple[_LinksByProperty, _Closure]:
    """The page's values per (direction, property), and the blank-node triples below them."""
    closure: _Closure = {}
    for s, p2, o2 in found.below:
        objs = closure.setdefault(s, {}).setdefault(p2, [])
        if o2 not in objs:
            objs.append(o2)
    links: _LinksByProperty = {}
    for d, p, o, via in found.values:
        bucket = links.setdefault((d, p), [])
        if (o, via) not in bucket:
            bucket.append((o, via))
    return links, closure


def _pages(found: Links, per_page: int) -> int:
    return max([1, *(math.ceil(g.total / per_page) for g in found.groups)])


def describe(view: Store, iri: str, page: int = 1, per_page: int = PER_PAGE) -> Description:
    """The ``page``-th page of the description of ``iri``, for its HTML page (a read task)."""
    offset = (page - 1) * per_page
    found = view.links(iri, offset, per_page)
    links, closure = _collect(found)
    groups = found.groups
    chainable = found.finding or any(
        g.direction == "out" and g.predicate == CPKG + "answersFinding" for g in groups
    )
    names = labels(view, _iris(iri, links, closure))
    build = _Builder(iri, names, closure)
    own = {p: [o for o, _ in vs] for (d, p), vs in links.items() if d == "out"}
    types = [build.iri_value(t.value) for t in own.get(RDF_TYPE, []) if isinstance(t, ox.NamedNode)]
    by_group = {(g.direction, g.predicate): g for g in groups if g.total > offset}
    out_rows = build.rows(
        {p: v for p, v in own.items() if p != RDF_TYPE}, 1, by_group, offset, "out"
    )
    return Description(
        iri=iri,
        label=names.get(iri) or local_name(iri),
        page=page,
        per_page=per_page,
        pages=_pages(found, per_page),
        types=types,
        rows=out_rows,
        incoming=build.incoming(links, by_group, offset),
        graphs=[build.iri_value(g) for g in found.graphs],
        chainable=chainable,
        total_links=sum(g.total for g in groups),
    )


@dataclass(frozen=True)
class Paging:
    """How the pages of a resource are addressed: its URL, the other query arguments kept on
    every page (format, per_page), page ``n`` adding ``page=n``."""

    url: str
    args: tuple[tuple[str, str], ...] = ()

    def page(self, n: int) -> str:
        args = [*self.args, *((("page", str(n)),) if n > 1 else ())]
        return self.url + (f"?{urlencode(args)}" if args else "")

    def links(self, page: int, pages: int) -> list[tuple[str, str]]:
        """(rel, URL) paging links, present when there is more than one page."""
        if pages <= 1:
            return []
        found = [("first", self.page(1)), ("last", self.page(pages))]
        if page > 1:
            found.append(("prev", self.page(page - 1)))
        if page < pages:
            found.append(("next", self.page(page + 1)))
        return found


@dataclass(frozen=True)
class RdfPage:
    """One page of a resource as RDF, serialized where it was read (a few bytes to return)."""

    body: bytes
    page: int
    pages: int
    exists: bool


@bounded_in_steps(PAGE_STEPS)
def describe_rdf(
    view: Store,
    iri: str,
    page: int,
    per_page: int,
    fmt: Format,
    paging: Paging,
    rewrite_to: str | None = None,
) -> RdfPage:
    """The ``page``-th page of ``iri`` as RDF in ``fmt``, with Hydra paging triples when it has
    several pages (a read task: no labels, no page model, just the triples)."""
    found = view.links(iri, (page - 1) * per_page, per_page)
    links, closure = _collect(found)
    pages = _pages(found, per_page)
    triples = _triples(iri, links, closure)
    triples += _hydra(paging, page, pages, sum(g.total for g in found.groups))
    body = serialize_triples(rewrite_iris(triples, rewrite_to) if rewrite_to else triples, fmt)
    return RdfPage(body, page, pages, bool(found.groups))


def _hydra(paging: Paging, page: int, pages: int, total: int) -> list[ox.Triple]:
    """Hydra paging triples about this page (when there are several)."""
    if pages <= 1:
        return []
    n = ox.NamedNode
    view = n(paging.page(page))
    triples = [
        ox.Triple(view, n(RDF_TYPE), n(HYDRA + "PartialCollectionView")),
        ox.Triple(view, n(HYDRA + "totalItems"), ox.Literal(str(total), datatype=n(XSD_INTEGER))),
    ]
    for rel, url in paging.links(page, pages):
        triples.append(ox.Triple(view, n(HYDRA + {"prev": "previous"}.get(rel, rel)), n(url)))
    return triples


def _iris(
    iri: str,
    links: dict[tuple[str, str], list[tuple[Node, str | None]]],
    closure: dict[str, dict[str, list[Node]]],
) -> set[str]:
    """Every IRI the page names (to label them): plain loops, not a generator per property."""
    found = {iri}
    add = found.add
    for (_, p), values in links.items():
        add(p)
        for o, via in values:
            if isinstance(o, ox.NamedNode):
                add(o.value)
            if via:
                add(via)
    for props in closure.values():
        for p, objs in props.items():
            add(p)
            for o in objs:
                if isinstance(o, ox.NamedNode):
                    add(o.value)
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
        exact = self._path_literal(props, OA + "hasSelector", OA + "exact")
        if exact is None:
            if depth <= 3:
                node.rows = self.rows(props, depth + 1)
        else:  # an evidence passage: shown as its quote, source and supports, not as rows
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
        out, names, groups = [], self.names, groups or {}
        for p in sorted(props, key=lambda p: (p != RDF_TYPE, names.get(p) or compact(p))):
            values = [self.term(o, depth) for o in props[p]]
            if len(values) > 1:  # (most properties have one value: no key to work out)
                values.sort(key=lambda v: (v.kind, (v.label or v.text).lower()))
            group = groups.get((direction, p))
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
