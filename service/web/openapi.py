"""An OpenAPI 3 description of the non-SPARQL HTTP routes, served at ``/openapi.json``.

Written as data here (no YAML dependency at run time). It documents the routes for clients and
drives the Schemathesis fuzz tests (tests/security/test_schemathesis.py), which check that no
input makes any of them answer 5xx. The SPARQL protocol itself is fuzzed separately.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)

_ANY: dict[str, Any] = {"*/*": {"schema": {}}}


def _ok(description: str) -> dict[str, Any]:
    return {"description": description, "content": _ANY}


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        303: "See Other",
        400: "Bad request (message says how to fix it)",
        401: "Invalid bearer token",
        404: "Not found",
        406: "None of the accepted media types is offered",
        413: "Request too large",
        429: "Rate limited (see Retry-After)",
        503: "Query time limit reached",
    }
    out: dict[str, Any] = {}
    for c in (*codes, 401, 429):
        out[str(c)] = {"description": names[c], "content": _ANY}
    return out


def _query(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


_FORMAT = _query("format", "overrides Accept: html, ttl, jsonld, rdfxml, nt or a media type")
_ACCEPT = {"name": "Accept", "in": "header", "required": False, "schema": {"type": "string"}}


def _get(summary: str, params: list[dict[str, Any]], *codes: int) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [*params, _ACCEPT],
            "responses": {"200": _ok(summary), **_errors(*codes)},
        }
    }


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "cpkg linked data and API routes",
        "version": "1.0",
        "description": "Everything except the SPARQL 1.1 protocol at /sparql. Private graphs "
        "are visible only with their owner's bearer token (SECURITY.md).",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "paths": {
        "/healthz": _get("Liveness and visible triple count", []),
        "/openapi.json": _get("This description", []),
        "/id/{local}": _get(
            "A minted resource (HTML page or RDF)",
            [
                {
                    "name": "local",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                },
                _FORMAT,
            ],
            400,
            404,
            406,
        ),
        "/def": _get("The ontology (documentation or RDF)", [_FORMAT], 400, 406),
        "/ontology.ttl": _get("The ontology as Turtle", []),
        "/shapes": _get("The SHACL shapes", [_FORMAT], 303, 400, 406),
        "/graph/{name}": _get(
            "A named graph (redirects to the Graph Store)",
            [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                },
                _FORMAT,
            ],
            303,
            404,
        ),
        "/.well-known/void": _get("VoID + DCAT description", [_FORMAT], 400, 406),
        "/dumps/{name}": _get(
            "A dump of the dataset",
            [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            404,
        ),
        "/context.jsonld": _get("The JSON-LD context", []),
        "/query": _get("The query editor", []),
        "/chain": _get(
            "Accountability chains of a finding, force, duty...",
            [_query("focus", "IRI or CURIE", True), _FORMAT],
            303,
            400,
            404,
            406,
            503,
        ),
        "/chain/view": _get(
            "The chain diagram", [_query("focus", "IRI or CURIE of a finding")], 400, 404
        ),
        "/paths": _get(
            "Paths between two resources",
            [
                _query("from", "IRI or CURIE", True),
                _query("to", "IRI or CURIE", True),
                _query("max", "most hops, 1-6"),
                _FORMAT,
            ],
            400,
            404,
            406,
            503,
        ),
        "/data": _get(
            "Graph Store Protocol read (one of graph or default)",
            [
                _query("graph", "absolute IRI of a named graph"),
                _query("default", "any value"),
                _FORMAT,
            ],
            400,
            404,
            406,
            503,
        ),
    },
}


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(SPEC)
