"""Dumps of the dataset, written from the store as it is now, a stream at a time.

``dump`` is a read task (service/query/executor.py): it walks the caller's quads graph by graph
and writes them straight into a spool (memory, then a temporary file) with pyoxigraph's
serializers, or, for JSON-LD, node object by node object. The worker process receives the
finished dump in chunks and passes them on, so it never holds the dataset whole, and every
request sees the store's current generation (the web layer derives ``ETag`` from it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from service.formats import JSONLD, NQUADS, TRIG, TURTLE, Format
from service.query.executor import Spool, Streamed
from service.store.base import Store
from service.vocab import PREFIXES, compact

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Fixed dump names -> (format, description). Nothing else is ever served under /dumps/.
DUMPS: dict[str, tuple[Format, str]] = {
    "dataset.trig": (TRIG, "TriG: every named graph"),
    "dataset.nq": (NQUADS, "N-Quads: every named graph"),
    "dataset.ttl": (TURTLE, "Turtle: the union of all graphs (graph names dropped)"),
    "dataset.jsonld": (JSONLD, "JSON-LD: every named graph, compacted with /context.jsonld"),
}


def context_document() -> dict[str, object]:
    """The published JSON-LD context: every project prefix."""
    return {"@context": dict(PREFIXES)}


def dump(view: Store, name: str, context_url: str) -> Streamed:
    """One dump (``name`` is a key of DUMPS) as a stream of known length (a read task)."""
    fmt, _ = DUMPS[name]
    spool = Spool()
    try:
        if fmt is JSONLD:
            for piece in jsonld_pieces(view.quads(), context_url):
                spool.write(piece)
        elif fmt is TURTLE:  # a graph is a set: a triple stated in two graphs may appear twice
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in view.quads())
            ox.serialize(triples, spool.file, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
        else:
            prefixes = dict(PREFIXES) if fmt is TRIG else None
            ox.serialize(view.quads(), spool.file, format=fmt.rdf, prefixes=prefixes)
    except BaseException:
        spool.discard()
        raise
    return spool.finish(fmt.content_type)


# -- JSON-LD, compacted against the published context -------------------------------------------


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else "_:" + term.value


def _json_value(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return {"@id": _node_id(term)}
    assert isinstance(term, ox.Literal)
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": compact(term.datatype.value)}


def _node(subject: ox.NamedNode | ox.BlankNode, quads: list[ox.Quad]) -> dict[str, object]:
    """One node object: a subject's consecutive quads."""
    node: dict[str, object] = {"@id": _node_id(subject)}
    for q in quads:
        if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact(q.object.value))  # type: ignore[attr-defined]
        else:
            values = node.setdefault(compact(q.predicate.value), [])
            values.append(_json_value(q.object))  # type: ignore[attr-defined]
    return node


def _runs(
    quads: Iterable[ox.Quad],
) -> Iterator[tuple[str, ox.NamedNode | ox.BlankNode, list[ox.Quad]]]:
    """Consecutive quads with the same graph and subject: (graph IRI or "", subject, quads)."""
    key: tuple[str, object] | None = None
    run: list[ox.Quad] = []
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        if (graph, q.subject) != key:
            if run and key is not None:
                yield key[0], run[0].subject, run  # type: ignore[misc]
            key, run = (graph, q.subject), []
        run.append(q)
    if run and key is not None:
        yield key[0], run[0].subject, run  # type: ignore[misc]


def jsonld_pieces(quads: Iterable[ox.Quad], context_url: str) -> Iterator[bytes]:
    """Compacted JSON-LD: the default graph's nodes at the top level, each named graph as an
    object with its own ``@graph``. A subject whose quads are not consecutive becomes two node
    objects with the same ``@id``, which JSON-LD processors merge."""
    yield b'{"@context": ' + json.dumps(context_url).encode() + b', "@graph": ['
    outer_first = inner_first = True
    open_graph = ""  # the named graph whose object is open, if any
    for graph, subject, run in _runs(quads):
        if graph != open_graph:
            if open_graph:
                yield b"]}"
            if graph:
                head = b'{"@id": ' + json.dumps(compact(graph)).encode() + b', "@graph": ['
                yield (b"\n" if outer_first else b",\n") + head
                outer_first, inner_first = False, True
            open_graph = graph
        node = json.dumps(_node(subject, run), ensure_ascii=False).encode()
        if graph:
            yield (b"\n" if inner_first else b",\n") + node
            inner_first = False
        else:
            yield (b"\n" if outer_first else b",\n") + node
            outer_first = False
    if open_graph:
        yield b"]}"
    yield b"\n]}\n"
