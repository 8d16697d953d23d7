"""SPARQL 1.1 Graph Store HTTP Protocol at ``/data?graph=IRI`` or ``/data?default``.

GET/HEAD are reads (limited like queries; a private graph is a 404 to all but its owner and
the admin); PUT/POST/DELETE need a token exactly like SPARQL updates: the admin's for any graph,
a user's for that user's private graphs (service/query/access.py). ``?default`` is the store's own
default graph (not the union that queries see).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from service.errors import ParseError
from service.protocol import ProtocolError, negotiate
from service.protocol.serializers import serialize_triples
from service.query.executor import guarded
from service.store.base import GraphName, ResultTooLarge
from service.store.embedded import rdf_format, syntax_error
from service.web.context import get_settings, get_store
from service.web.sparql import authorize_update

bp = Blueprint("data", __name__)


def _target() -> GraphName:
    has_default, graph = "default" in request.args, request.args.getlist("graph")
    if has_default == bool(graph) or len(graph) > 1:
        raise ProtocolError("name exactly one graph: /data?graph=<absolute IRI> or /data?default")
    if has_default:
        return None
    iri = graph[0]
    if ":" not in iri or any(c in iri for c in ' <>"{}|\\^`'):
        raise ProtocolError(f"graph={iri!r} is not an absolute IRI")
    return ox.NamedNode(iri)


def _body_triples() -> list[ox.Triple]:
    ctype = request.mimetype
    if not ctype:
        raise ProtocolError("send a Content-Type naming the RDF format (e.g. text/turtle)", 415)
    try:
        fmt = rdf_format(ctype)
    except ParseError as exc:
        raise ProtocolError(str(exc), 415) from None
    data = request.get_data()
    try:
        items = list(ox.parse(data, format=fmt))
    except SyntaxError as exc:
        raise syntax_error(exc, f"{fmt.name} body") from None
    triples = []
    for q in items:
        if not isinstance(q.graph_name, ox.DefaultGraph):
            raise ProtocolError(
                "the body names graphs; send a triple format (Turtle, N-Triples, "
                "RDF/XML, JSON-LD) to a Graph Store URL"
            )
        triples.append(ox.Triple(q.subject, q.predicate, q.object))
    return triples


@bp.route("/data", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    store, settings = get_store(), get_settings()
    graph = _target()
    if request.method in ("GET", "HEAD"):
        fmt = negotiate("rdf", request.headers.get("Accept"), request.args.get("format"))
        if not store.graph_exists(graph):
            return Response(
                f"404 Not Found: no graph <{graph.value if graph else ''}>\n",
                404,
                content_type="text/plain; charset=utf-8",
            )
        limit = settings.max_results

        def read() -> bytes:
            triples = store.get_graph(graph)
            if 0 < limit < len(triples):
                raise ResultTooLarge(
                    f"the graph has more than {limit} triples, the limit of "
                    "this endpoint; use a SPARQL query with LIMIT/OFFSET"
                )
            return serialize_triples(triples, fmt.media_type, graph)

        body = guarded(store, settings, read)
        return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})
    authorize_update(settings)
    if request.method == "DELETE":
        if not store.delete_graph(graph) and graph is not None:
            return Response(
                f"404 Not Found: no graph <{graph.value}>\n",
                404,
                content_type="text/plain; charset=utf-8",
            )
        return Response(status=204)
    triples = _body_triples()
    if request.method == "PUT":
        existed = store.replace_graph(graph, triples)
    else:
        existed = store.add_to_graph(graph, triples)
    return Response(status=204 if existed else 201)
