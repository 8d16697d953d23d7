"""The OpenAPI 3 description of every HTTP route, generated from the app's own routes.

The paths and methods come from the URL map, so the description cannot drift from what is
served; what each operation takes and answers comes from ``OPERATIONS`` below, and a test fails
when a route has no entry there. Schemathesis fuzzes the whole description, authenticated
writes included (tests/security/test_schemathesis.py).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

bp = Blueprint("openapi", __name__)

_ANY: dict[str, Any] = {"*/*": {"schema": {}}}
_STATUS = {
    200: "OK",
    201: "Created (the graph did not exist)",
    204: "Done, nothing to return",
    303: "See Other",
    304: "Not modified since the ETag given",
    400: "Bad request (the message says how to fix it)",
    401: "Missing or invalid bearer token",
    403: "The token may not do this",
    404: "Not found",
    406: "None of the accepted media types is offered",
    413: "Request too large",
    415: "Unsupported Content-Type",
    429: "Rate limited (see Retry-After)",
    503: "Query time limit reached (see Retry-After)",
}
_COMMON = (400, 401, 429)


def _param(
    name: str, where: str = "query", description: str = "", required: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if where == "path":
        schema["minLength"] = 1
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema,
    }


FORMAT = _param(
    "format", description="overrides Accept: a format name (ttl, jsonld, html...) or a media type"
)
ACCEPT = _param("Accept", "header")
AUTH = _param("Authorization", "header", "Bearer <token> (CPKG_UPDATE_TOKEN or a CPKG_USERS token)")
GRAPH = _param("graph", description="absolute IRI of a named graph")
DEFAULT = _param("default", description="the store's own default graph (any value)")
QUERY = _param("query", description="a SPARQL 1.1 query")
RDF_BODY = {
    "required": True,
    "content": {
        t: {"schema": {"type": "string"}}
        for t in (
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
        )
    },
}
SPARQL_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "update": {"type": "string"}},
            }
        },
        "application/sparql-query": {"schema": {"type": "string"}},
        "application/sparql-update": {"schema": {"type": "string"}},
    },
}


def _op(
    summary: str,
    params: list[dict[str, Any]],
    codes: tuple[int, ...] = (),
    *,
    body: dict[str, Any] | None = None,
    secured: bool = False,
) -> dict[str, Any]:
    ok = tuple(c for c in codes if c < 300) or (200,)
    responses = {
        str(c): {"description": _STATUS[c], "content": _ANY}
        for c in (*ok, *codes, *_COMMON)
        if c >= 200
    }
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": [*params, ACCEPT],
        "responses": responses,
    }
    if body is not None:
        op["requestBody"] = body
    if secured:
        op["security"] = [{"bearer": []}]
        op["parameters"].append(AUTH)
    return op


#: (OpenAPI path, method) -> operation. Every route of the app must have its entries.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/sparql", "get"): _op(
        "SPARQL query (or, without one, the service description)",
        [QUERY, FORMAT, _param("default-graph-uri"), _param("named-graph-uri")],
        (406, 503),
    ),
    ("/sparql", "post"): _op(
        "SPARQL query, or SPARQL Update with a token",
        [FORMAT],
        (204, 403, 406, 413, 415, 503),
        body=SPARQL_BODY,
        secured=True,
    ),
    ("/data", "get"): _op(
        "Graph Store read (graph or default)", [GRAPH, DEFAULT, FORMAT], (404, 406, 503)
    ),
    ("/data", "put"): _op(
        "Graph Store: replace a graph",
        [GRAPH, DEFAULT],
        (201, 204, 403, 413, 415),
        body=RDF_BODY,
        secured=True,
    ),
    ("/data", "post"): _op(
        "Graph Store: add to a graph",
        [GRAPH, DEFAULT],
        (201, 204, 403, 413, 415),
        body=RDF_BODY,
        secured=True,
    ),
    ("/data", "delete"): _op(
        "Graph Store: drop a graph", [GRAPH, DEFAULT], (204, 403, 404), secured=True
    ),
    ("/healthz", "get"): _op("Liveness and the visible triple count", []),
    ("/metrics", "get"): _op("Prometheus metrics", []),
    ("/openapi.json", "get"): _op("This description", []),
    ("/id/{local}", "get"): _op(
        "A minted resource (HTML page or RDF), a page of links at a time",
        [
            _param("local", "path"),
            FORMAT,
            _param("page", description="page of links, from 1"),
            _param("per_page", description="links per property, 1-1000"),
        ],
        (404, 406, 503),
    ),
    ("/def", "get"): _op("The ontology (documentation or RDF)", [FORMAT], (406,)),
    ("/def/", "get"): _op("The ontology (documentation or RDF)", [FORMAT], (406,)),
    ("/ontology.ttl", "get"): _op("The ontology as Turtle", []),
    ("/shapes", "get"): _op("The SHACL shapes", [FORMAT], (303, 406)),
    ("/graph/{name}", "get"): _op(
        "A named graph (redirects to the Graph Store)", [_param("name", "path"), FORMAT], (303, 404)
    ),
    ("/.well-known/void", "get"): _op("VoID + DCAT description", [FORMAT], (406, 503)),
    ("/dumps/", "get"): _op("The list of dumps (redirects to the dataset page)", [], (303,)),
    ("/dumps/{name}", "get"): _op(
        "A dump of the dataset (ETag, Last-Modified)",
        [_param("name", "path"), _param("If-None-Match", "header")],
        (304, 404, 503),
    ),
    ("/context.jsonld", "get"): _op("The JSON-LD context", []),
    ("/", "get"): _op("The query editor", []),
    ("/query", "get"): _op("The query editor", []),
    ("/chain", "get"): _op(
        "Accountability chains of a finding, force, duty...",
        [_param("focus", description="IRI or CURIE", required=True), FORMAT],
        (303, 404, 406, 503),
    ),
    ("/chain/view", "get"): _op(
        "The chain diagram (without focus: the index)",
        [_param("focus", description="IRI or CURIE of a finding")],
        (404, 503),
    ),
    ("/search", "get"): _op(
        "Full-text search over names (as written too), descriptions and evidence quotes",
        [
            _param("q", description="words to find"),
            _param("limit", description="most results, 1-100"),
            FORMAT,
        ],
        (406, 503),
    ),
    ("/timeline", "get"): _op(
        "Every dated event, report, statement, deadline and status, oldest first",
        [
            _param("force", description="IRI or CURIE of a force"),
            _param("person", description="IRI or CURIE of a person"),
            _param("theme", description="IRI or CURIE of a theme concept"),
            FORMAT,
        ],
        (406, 503),
    ),
    ("/favicon.ico", "get"): _op("The site's icon (SVG)", []),
    ("/paths", "get"): _op(
        "Paths between two resources",
        [
            _param("from", required=True),
            _param("to", required=True),
            _param("max", description="most hops, 1-6"),
            FORMAT,
        ],
        (404, 406, 503),
    ),
}


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/id/<path:local>`` -> ``/id/{local}``."""
    return re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def routes(app: Flask) -> list[tuple[str, str]]:
    """(OpenAPI path, method) of every route the app serves (static files aside)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((openapi_path(rule.rule), method.lower()))
    return found


def undocumented(app: Flask) -> list[tuple[str, str]]:
    """Routes with no entry in OPERATIONS (a test keeps this empty)."""
    return [r for r in routes(app) if r not in OPERATIONS]


def build_spec(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in routes(app):
        op = OPERATIONS.get((path, method)) or _op("(not yet described)", [])
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "cpkg SPARQL endpoint, linked data and API",
            "version": "1.0",
            "description": "Every route of the service. Private graphs are visible only with "
            "their owner's bearer token; writes need a token (SECURITY.md).",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(build_spec(current_app))
