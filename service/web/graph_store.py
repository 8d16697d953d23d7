"""SPARQL 1.1 Graph Store HTTP Protocol at ``/data?graph=IRI`` or ``/data?default``.

GET/HEAD are reads through the executor (limited like queries; a private graph is a 404 to all
but its owner and the admin); PUT/POST/DELETE need a token exactly like SPARQL updates: the
admin's for any graph, a user's for that user's private graphs (service/query/access.py).
``?default`` is the store's own default graph (not the union that queries see).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from service.errors import NotFound, ParseError, ProtocolError
from service.formats import rdf_format
from service.protocol.conneg import RDF
from service.query.answers import graph
from service.query.executor import Streamed
from service.store.base import GraphName
from service.web.context import get_executor, get_principal, get_settings, read
from service.web.pages import negotiate
from service.web.sparql import authorize_update

bp = Blueprint("data", __name__)


def _target() -> GraphName:
    has_default, names = "default" in request.args, request.args.getlist("graph")
    if has_default == bool(names) or len(names) > 1:
        raise ProtocolError("name exactly one graph: /data?graph=<absolute IRI> or /data?default")
    if has_default:
        return None
    iri = names[0]
    if ":" not in iri or any(c in iri for c in ' <>"{}|\\^`'):
        raise ProtocolError(f"graph={iri!r} is not an absolute IRI")
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:  # e.g. ':' (no scheme)
        raise ProtocolError(f"graph={iri!r} is not an absolute IRI ({exc})") from None


def _body_triples() -> list[ox.Triple]:
    ctype = request.mimetype
    if not ctype:
        raise ProtocolError("send a Content-Type naming the RDF format (e.g. text/turtle)", 415)
    try:
        fmt = rdf_format(ctype)
    except ParseError as exc:
        raise ProtocolError(str(exc), 415) from None
    try:
        items = list(ox.parse(request.get_data(), format=fmt.rdf))
    except SyntaxError as exc:
        raise ParseError.from_syntax_error(exc, f"{fmt.label} body") from None
    if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in items):
        raise ProtocolError(
            "the body names graphs; send a triple format (Turtle, N-Triples, "
            "RDF/XML, JSON-LD) to a Graph Store URL"
        )
    return [ox.Triple(q.subject, q.predicate, q.object) for q in items]


@bp.route("/data", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    name = _target()
    if request.method in ("GET", "HEAD"):
        fmt = negotiate(RDF)
        got = read(graph, name, fmt)
        assert not isinstance(got, Streamed)  # a graph is capped at max_results: sent whole
        return Response(got[1], content_type=got[0])
    authorize_update(get_settings())
    triples = _body_triples() if request.method != "DELETE" else []
    existed = get_executor().write_graph(get_principal(), request.method, name, triples)
    if request.method == "DELETE":
        if not existed and name is not None:
            raise NotFound(f"no graph <{name.value}>")
        return Response(status=204)
    return Response(status=204 if existed else 201)
