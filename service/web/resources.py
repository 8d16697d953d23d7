"""Dereferenceable IRIs: resources (``/id/…``), the ontology (``/def``), the shapes and the
named graphs. Every IRI the graph mints resolves here, as HTML for browsers and RDF for machines.

IRIs are served hash-less and directly (``GET /id/x`` answers 200 with the description, no 303):
the page is about the resource. A resource's links come a page at a time (``?page=``), at most
``PER_PAGE`` per property, with ``Link: rel="next"`` and Hydra paging triples in RDF, so a
resource with a million links answers as fast as any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from service.errors import NotFound, ProtocolError
from service.formats import HTML, TURTLE, Format
from service.protocol.conneg import RESOURCE
from service.query import ontology_doc
from service.query.answers import graph_exists
from service.query.describe import MAX_PER_PAGE, PER_PAGE, Paging, describe, describe_rdf
from service.query.executor import bounded_in_steps
from service.query.labels import is_safe_iri
from service.query.source_page import source_summary
from service.store.base import Store
from service.store.steps import PAGE_STEPS
from service.vocab import BASE, GRAPH
from service.web.context import app_key, read, task_path, task_request
from service.web.frame import page_site
from service.web.pages import html, negotiate, rdf_response, rewrite_base
from service.web.resource_html import resource_html

bp = Blueprint("resources", __name__)

ONTOLOGY_GRAPHS = tuple(str(GRAPH[n]) for n in ("ontology-cpkg", "ontology-concepts"))
SHAPES_GRAPH = str(GRAPH["ontology-shapes"])
SOURCE_DOCUMENT = BASE + "def#SourceDocument"


def _int_arg(args: Mapping[str, str], name: str, default: int, most: int) -> int:
    raw = args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise ProtocolError(f"{name}={raw!r} is not valid; use a whole number from 1 to {most}")
    return int(raw)


@dataclass(frozen=True)
class ResourceRequest:
    """What answering ``GET /id/…`` depends on, whoever parsed the request (the route, or the
    fast path in front of Flask: service/web/fastpath.py)."""

    local: str  # the path after /id/
    accept: str | None
    args: Mapping[str, str]  # the query arguments (the first value of each)
    base_url: str  # this resource's URL on this host, without the query
    url: str  # the URL asked for
    app_key: str  # the app that renders HTML pages (service/web/context.py)
    rewrite_to: str | None  # where canonical IRIs move in RDF (pages.rewrite_base)


@dataclass(frozen=True)
class ResourceAnswer:
    body: bytes
    content_type: str
    links: list[tuple[str, str]]  # (rel, URL) paging links, for the Link header


def answer_resource(req: ResourceRequest, read: Callable[..., Any]) -> ResourceAnswer:
    """The page or RDF of a resource; NotFound, ProtocolError or NotAcceptable otherwise."""
    iri = BASE + "id/" + req.local
    fmt = RESOURCE.choose(req.accept, req.args.get("format") or req.args.get("_mediatype"))
    if not is_safe_iri(iri):
        raise NotFound(f"{iri!r} is not an IRI this dataset mints")
    page = _int_arg(req.args, "page", 1, 10**9)
    per_page = _int_arg(req.args, "per_page", PER_PAGE, MAX_PER_PAGE)
    kept = tuple((k, v) for k, v in req.args.items() if k != "page")
    paging = Paging(req.base_url, kept)
    if fmt is HTML:  # rendered where it is read: only the page's bytes cross the pipe
        body, exists, pages = read(resource_page, iri, page, per_page, req.app_key, req.url, kept)
    else:
        rdf = read(describe_rdf, iri, page, per_page, fmt, paging, req.rewrite_to)
        body, exists, pages = rdf.body, rdf.exists, rdf.pages
    if not exists and page == 1:
        raise NotFound(
            f"nothing in the dataset is called <{iri}>; search for it with the "
            "query editor, or check the spelling of the IRI"
        )
    if page > pages:
        raise NotFound(f"<{iri}> has {pages} page(s) of links; page {page} does not exist")
    return ResourceAnswer(body, fmt.content_type, paging.links(page, pages))


def link_header(links: list[tuple[str, str]]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links)


@bp.route("/id/<path:local>", methods=["GET", "HEAD"])
def resource(local: str) -> Response:
    """A minted resource: HTML page or RDF by content negotiation, a page of links at a time."""
    g.cpkg_offers = RESOURCE  # every answer, errors included, varies by Accept
    req = ResourceRequest(
        local,
        request.headers.get("Accept"),
        request.args,
        request.base_url,
        request.url,
        app_key(),
        rewrite_base(),
    )
    found = answer_resource(req, read)
    resp = Response(found.body, content_type=found.content_type)
    if found.links:
        resp.headers["Link"] = link_header(found.links)
    return resp


@bounded_in_steps(PAGE_STEPS)
def resource_page(
    view: Store,
    iri: str,
    page: int,
    per_page: int,
    app: str,
    url: str,
    kept: tuple[tuple[str, str], ...],
) -> tuple[bytes, bool, int]:
    """A read task that also renders: the HTML page of ``iri`` as the request at ``url`` would
    show it, whether the resource exists, and its number of pages. Rendered where it is read,
    so that only a page's bytes cross from an evaluator (several times cheaper than its
    model)."""
    desc = describe(view, iri, page, per_page)
    about = None
    if page == 1 and any(t.text == SOURCE_DOCUMENT for t in desc.types):
        summary = source_summary(view, iri)
        with task_request(app, url):
            about = render_template("source_summary.html", source=summary)
    site = page_site(app, url)
    body = resource_html(desc, site, task_path(url), kept, about)
    return body.encode(), desc.exists, desc.pages


# -- ontology and shapes -----------------------------------------------------------------------


def ontology_triples(view: Store) -> list[ox.Triple]:
    """The ontology's triples (the ontology and concept graphs), a read task."""
    triples: list[ox.Triple] = []
    for name in ONTOLOGY_GRAPHS:
        triples.extend(view.get_graph(ox.NamedNode(name)))
    return list(dict.fromkeys(triples))


def shapes_triples(view: Store) -> list[ox.Triple]:
    """The SHACL shapes graph, a read task."""
    return view.get_graph(ox.NamedNode(SHAPES_GRAPH))


@bp.route("/def", methods=["GET", "HEAD"])
@bp.route("/def/", methods=["GET", "HEAD"])
def ontology() -> Response:
    """The ontology: documentation for browsers, Turtle/JSON-LD/RDF-XML/N-Triples for tools."""
    fmt = negotiate(RESOURCE)
    if fmt is HTML:
        doc = read(ontology_doc.build, ONTOLOGY_GRAPHS, SHAPES_GRAPH)
        return html("ontology.html", doc=doc, alternates=RESOURCE.alternates("/def", HTML))
    return rdf_response(read(ontology_triples), fmt, "cpkg-ontology")


@bp.route("/ontology.ttl", methods=["GET", "HEAD"])
def ontology_ttl() -> Response:
    return rdf_response(read(ontology_triples), TURTLE, "cpkg-ontology.ttl")


@bp.route("/shapes", methods=["GET", "HEAD"])
def shapes() -> Response:
    """SHACL shapes (``https://w3id.org/cpkg/shapes#…``): RDF, or the docs' shapes section."""
    fmt: Format = negotiate(RESOURCE)
    if fmt is HTML:
        return redirect(url_for("resources.ontology") + "#shapes", 303)  # type: ignore[return-value]
    return rdf_response(read(shapes_triples), fmt)


@bp.route("/graph/<name>", methods=["GET", "HEAD"])
def named_graph(name: str) -> Response:
    """A named graph IRI: see its content through the Graph Store protocol."""
    iri = str(GRAPH[name])
    if not is_safe_iri(iri) or not read(graph_exists, iri):
        raise NotFound(f"no named graph <{iri}> in the dataset")
    target = url_for("data.graph_store", graph=iri)
    fmt = request.args.get("format")
    if fmt:
        target += "&format=" + fmt
    return redirect(target, 303)  # type: ignore[return-value]
