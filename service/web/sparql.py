"""The SPARQL 1.1 Protocol endpoint ``/sparql``: queries, updates and the service description.

Flow: parse the request (protocol) -> negotiate the format from the query form -> check policy
(read-only, federation) -> the executor evaluates under the time limit, result cap and access
control, and serializes (service/query/answers.py).
Updates are accepted on the same URL (POST ``update=`` or ``application/sparql-update``)
only with ``Authorization: Bearer <token>``: the admin token (CPKG_UPDATE_TOKEN) writes anything,
a user token (CPKG_USERS) only that user's private graphs (service/query/access.py, SECURITY.md).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, g, request, url_for

from service.config import Settings
from service.errors import ProtocolError, Unauthorized
from service.formats import HTML, RESULT_FORMATS
from service.protocol import check_federation, parse_request
from service.protocol.conneg import RDF, SERVICE_DESCRIPTION, SPARQL_RESULTS
from service.protocol.request import prepare_query
from service.protocol.serializers import serialize_triples
from service.query.answers import answer, summary
from service.query.executor import Streamed
from service.store.base import Dataset
from service.vocab import PREFIXES
from service.web.context import get_executor, get_principal, get_settings, read
from service.web.fastpath import mark_replayable
from service.web.query_ui import endpoint_page

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST", "HEAD"])
def sparql() -> Response:
    settings = get_settings()
    req = parse_request(request)
    accept = request.headers.get("Accept")
    if req.operation == "description":
        g.cpkg_offers = SERVICE_DESCRIPTION
        fmt = SERVICE_DESCRIPTION.choose(accept, req.format)
        if fmt is HTML:  # a browser: a page about the endpoint (RDF clients get RDF first)
            return endpoint_page()
        quads, graphs = read(summary)
        body = serialize_triples(service_description(quads, graphs, settings), fmt)
        return Response(body, content_type=fmt.content_type)
    if req.operation == "update":
        authorize_update(settings)
        check_federation(req.text, settings.federation_allowlist, update=True)
        get_executor().update(get_principal(), req.text)
        return Response(status=204)
    g.cpkg_offers = SPARQL_RESULTS
    fmt = prepare_query(req.text, accept, req.format, settings)
    dataset = Dataset(tuple(req.default_graphs), tuple(req.named_graphs))
    got = read(answer, req.text, dataset, fmt, settings.stream_after_bytes)
    if isinstance(got, Streamed):  # a large answer: never replayed
        (content_type, length), chunks = got.head, got.chunks
        resp = Response(chunks, content_type=content_type)
        resp.content_length = length  # a cut-off transfer shows
        return resp
    mark_replayable()
    content_type, data = got
    return Response(data, content_type=content_type)


def authorize_update(settings: Settings) -> None:
    """Refuse writes unless writes are enabled and the caller has a valid token.

    The token itself was checked (constant time) when the request arrived; which graphs the
    caller may change is decided by the executor (service/query/access.py).
    """
    if not settings.update_token and not settings.users:
        raise ProtocolError(
            "updates are disabled on this endpoint (read-only); the operator can enable them "
            "by setting CPKG_UPDATE_TOKEN (admin) or CPKG_USERS (private graphs)",
            403,
        )
    if not get_principal().can_write:
        raise Unauthorized(
            "updates need an 'Authorization: Bearer <token>' header with a user or admin token"
        )


SD = "http://www.w3.org/ns/sparql-service-description#"


def service_description(quads: int, graphs: list[str], settings: Settings) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description of this endpoint and its dataset."""
    n, lit = ox.NamedNode, ox.Literal
    rdf_type = n(PREFIXES["rdf"] + "type")
    endpoint = n(url_for("sparql.sparql", _external=True))
    svc, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("dg")
    t = [
        ox.Triple(svc, rdf_type, n(SD + "Service")),
        ox.Triple(svc, n(SD + "endpoint"), endpoint),
        ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(svc, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        ox.Triple(svc, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, rdf_type, n(SD + "Graph")),
        ox.Triple(
            default,
            n(PREFIXES["void"] + "triples"),
            lit(str(quads), datatype=n(PREFIXES["xsd"] + "integer")),
        ),
    ]
    if settings.update_token or settings.users:
        t.append(ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Update")))
    for f in (*RESULT_FORMATS, *RDF.formats):
        if f.iri:
            t.append(ox.Triple(svc, n(SD + "resultFormat"), n(f.iri)))
    for i, name in enumerate(graphs):
        node = ox.BlankNode(f"ng{i}")
        t += [
            ox.Triple(dataset, n(SD + "namedGraph"), node),
            ox.Triple(node, rdf_type, n(SD + "NamedGraph")),
            ox.Triple(node, n(SD + "name"), n(name)),
        ]
    return t
