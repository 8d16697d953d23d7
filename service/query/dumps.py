"""Dumps of the dataset, written from the store as it is now, a stream at a time.

``dump`` is a read task (service/query/executor.py): it walks the caller's quads graph by graph
and writes them straight into a spool (memory, then a temporary file) with pyoxigraph's
serializers. The worker process receives the finished dump in chunks and passes them on, so it
never holds the dataset whole, and every request sees the store's current generation (the web
layer derives ``ETag`` from it).
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from service.formats import JSONLD, NQUADS, TRIG, TURTLE, Format
from service.query.executor import Spool, Streamed
from service.store.base import Store
from service.vocab import PREFIXES

#: Fixed dump names -> (format, description). Nothing else is ever served under /dumps/.
DUMPS: dict[str, tuple[Format, str]] = {
    "dataset.trig": (TRIG, "TriG: every named graph"),
    "dataset.nq": (NQUADS, "N-Quads: every named graph"),
    "dataset.ttl": (TURTLE, "Turtle: the union of all graphs (graph names dropped)"),
    "dataset.jsonld": (JSONLD, "JSON-LD: every named graph (absolute IRIs; /context.jsonld)"),
}


def context_document() -> dict[str, object]:
    """The published JSON-LD context: every project prefix."""
    return {"@context": dict(PREFIXES)}


def dump(view: Store, name: str, context_url: str) -> Streamed:
    """One dump (``name`` is a key of DUMPS) as a stream of known length (a read task)."""
    fmt, _ = DUMPS[name]
    spool = Spool()
    try:
        if fmt is JSONLD:  # pyoxigraph's JSON-LD (absolute IRIs), under the published context
            spool.write(b'{"@context": ' + json.dumps(context_url).encode() + b', "@graph": ')
            ox.serialize(view.quads(), spool.sink, format=ox.RdfFormat.JSON_LD)
            spool.write(b"}\n")
        elif fmt is TURTLE:  # a graph is a set: a triple stated in two graphs may appear twice
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in view.quads())
            ox.serialize(triples, spool.sink, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
        else:
            prefixes = dict(PREFIXES) if fmt is TRIG else None
            ox.serialize(view.quads(), spool.sink, format=fmt.rdf, prefixes=prefixes)
    except BaseException:
        spool.discard()
        raise
    return spool.finish(fmt.content_type)
