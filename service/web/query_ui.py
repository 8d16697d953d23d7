"""The query editor (YASGUI, served locally) with the project's example queries."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response

from service.formats import HTML
from service.protocol.conneg import SERVICE_DESCRIPTION, SPARQL_RESULTS
from service.query.examples import load_queries
from service.vocab import BASE, PREFIXES, sparql_prologue
from service.web.context import get_settings
from service.web.pages import html, site_base

bp = Blueprint("query_ui", __name__)

_VENDOR = Path(__file__).with_name("static") / "vendor"


@bp.route("/", methods=["GET", "HEAD"])
@bp.route("/query", methods=["GET", "HEAD"])
def query_ui() -> Response:
    """The SPARQL editor; the examples are read from files, never evaluated here."""
    examples = load_queries(get_settings().graph_dir / "queries")
    default = sparql_prologue() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 25\n"
    return html(
        "query.html",
        examples=[e.__dict__ for e in examples],
        prefixes=PREFIXES,
        default_query=default,
        endpoint=site_base() + "sparql",
        canonical_base=BASE,
        has_yasgui=(_VENDOR / "yasgui.min.js").is_file(),
    )


def endpoint_page() -> Response:
    """``/sparql`` in a browser: what the endpoint is, how to call it, where the editor is."""
    return html(
        "sparql.html",
        endpoint=site_base() + "sparql",
        formats=[f for f in SERVICE_DESCRIPTION.formats if f is not HTML],
        results=SPARQL_RESULTS.formats,
        prologue=sparql_prologue(),
    )
