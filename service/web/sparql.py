"""The SPARQL 1.1 Protocol endpoint ``/sparql``: queries, updates and the service description.

Flow: parse the request (protocol) -> negotiate the format -> check policy (read-only,
federation) -> evaluate in the store under the time limit -> serialize.
Updates are accepted on the same URL (POST ``update=`` or ``application/sparql-update``)
only with ``Authorization: Bearer <token>``: the admin token (CPKG_UPDATE_TOKEN) writes anything,
a user token (CPKG_USERS) only that user's private graphs (service/query/access.py, SECURITY.md).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from service.config import Settings
from service.protocol import (
    ProtocolError,
    check_federation,
    negotiate,
    parse_request,
)
from service.protocol.serializers import FORMATS, serialize_triples
from service.query.executor import QueryJob, resolve, run_query
from service.store.base import Store
from service.vocab import PREFIXES
from service.web.context import get_principal, get_settings, get_store
from service.web.replay import mark_replayable

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST", "HEAD"])
def sparql() -> Response:
    store, settings = get_store(), get_settings()
    req = parse_request(request)
    accept = request.headers.get("Accept")
    if req.operation == "description":
        fmt = negotiate("rdf", accept, req.format)
        description = serialize_triples(service_description(store, settings), fmt.media_type)
        return Response(description, content_type=fmt.content_type)
    if req.operation == "update":
        authorize_update(settings)
        check_federation(req.text, settings.federation_allowlist, update=True)
        store.update(req.text)
        return Response(status=204)
    form = req.form
    if form == "update":
        raise ProtocolError(
            "this is a SPARQL update, but the query endpoint is read-only; send updates with "
            "POST (form field 'update' or an application/sparql-update body) and an "
            "update token"
        )
    if form is not None:  # fail fast with 406 before evaluating
        negotiate("rdf" if form in ("construct", "describe") else "results", accept, req.format)
    check_federation(req.text, settings.federation_allowlist)
    job = QueryJob(req.text, tuple(req.default_graphs), tuple(req.named_graphs), accept, req.format)
    job = resolve(store, job)  # the dataset this caller may see (private graphs: SECURITY.md)
    answer = run_query(job)
    if isinstance(answer.body, bytes):
        mark_replayable()  # a streamed answer (an iterator) is never replayed
    resp = Response(answer.body, content_type=answer.content_type)
    resp.content_length = answer.length  # also for a streamed answer: a cut-off shows
    resp.headers["Vary"] = "Accept"
    return resp


def authorize_update(settings: Settings) -> None:
    """Refuse writes unless writes are enabled and the caller has a valid token.

    The token itself was checked (constant time) when the request arrived; which graphs the
    caller may change is decided by the store view (``service.query.access``).
    """
    if not settings.update_token and not settings.users:
        raise ProtocolError(
            "updates are disabled on this endpoint (read-only); the operator can enable them "
            "by setting CPKG_UPDATE_TOKEN (admin) or CPKG_USERS (private graphs)",
            403,
        )
    if not get_principal().can_write:
        raise UpdateUnauthorized(
            "updates need an 'Authorization: Bearer <token>' header with a user or admin token"
        )


class UpdateUnauthorized(ProtocolError):
    status = 401


SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/trig": "TriG",
    "application/n-quads": "N-Quads",
}


def service_description(store: Store, settings: Settings) -> list[ox.Triple]:
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
            lit(str(store.triple_count()), datatype=n(PREFIXES["xsd"] + "integer")),
        ),
    ]
    if settings.update_token or settings.users:
        t.append(ox.Triple(svc, n(SD + "supportedLanguage"), n(SD + "SPARQL11Update")))
    for f in FORMATS:
        t.append(
            ox.Triple(
                svc,
                n(SD + "resultFormat"),
                n("http://www.w3.org/ns/formats/" + _FORMAT_IRIS[f.media_type]),
            )
        )
    for i, g in enumerate(store.graph_names()):
        node = ox.BlankNode(f"ng{i}")
        t += [
            ox.Triple(dataset, n(SD + "namedGraph"), node),
            ox.Triple(node, rdf_type, n(SD + "NamedGraph")),
            ox.Triple(node, n(SD + "name"), n(g)),
        ]
    return t
