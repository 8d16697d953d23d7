"""Linked data and the web interface: dereferenceable IRIs, ontology docs, VoID/DCAT, dumps,
the query UI and the accountability-chain view.

Every page gets its data from the Store by SPARQL. IRIs are served hash-less and directly
(``GET /id/x`` answers 200 with the description, no 303): the page is about the resource and
says so (``foaf:primaryTopic`` is implied by the URL mapping ``https://w3id.org/cpkg/`` ->
this host). Ontology terms ``…/def#Term`` resolve to ``/def`` with an anchor per term.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for

from service.chain import InvalidIri, get_chain
from service.config import Settings
from service.protocol.errors import ProtocolError
from service.queries import load_queries
from service.serializers import serialize_triples
from service.store.base import SelectResult, Store
from service.vocab import BASE, GRAPH, PREFIXES, sparql_prologue
from service.web import ontology_doc, void
from service.web.context import get_settings, get_store
from service.web.describe import describe, rdf_description
from service.web.ldutil import (
    Choice,
    compact,
    href,
    is_safe_iri,
    maybe_rewrite,
    negotiate_ld,
    rdf_formats,
    site_base,
)

bp = Blueprint("linkeddata", __name__, template_folder="templates")

ONTOLOGY_GRAPHS = [str(GRAPH[n]) for n in ("ontology-cpkg", "ontology-concepts")]
SHAPES_GRAPH = str(GRAPH["ontology-shapes"])
_VENDOR = Path(__file__).with_name("static") / "vendor"


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    """Functions templates use to link and name IRIs."""
    return {"href": href, "compact": compact, "site_base": site_base}


def _rdf_response(
    triples: list[ox.Triple], choice: Choice, filename: str | None = None
) -> Response:
    assert choice.rdf is not None
    body = serialize_triples(list(maybe_rewrite(triples)), choice.rdf.media_type)
    resp = Response(body, content_type=choice.rdf.content_type)
    resp.headers["Vary"] = "Accept"
    if filename:
        resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


def _html(template: str, http_status: int = 200, **context: object) -> Response:
    resp = Response(
        render_template(template, **context),
        status=http_status,
        content_type="text/html; charset=utf-8",
    )
    resp.headers["Vary"] = "Accept"
    return resp


def page_error(status: int, title: str, message: str) -> Response:
    """An error as a page for browsers, as plain text for everyone else."""
    accept = request.headers.get("Accept", "")
    if "text/html" in accept or request.args.get("format") == "html":
        return _html("error.html", status, title=title, message=message, status=status)
    return Response(
        f"{status} {title}: {message}\n",
        status=status,
        content_type="text/plain; charset=utf-8",
        headers={"Vary": "Accept"},
    )


def _choice_or_error(default_html: bool = True) -> Choice | Response:
    try:
        return negotiate_ld(default_html)
    except ProtocolError as exc:
        title = "Not Acceptable" if exc.status == 406 else "Bad Request"
        resp = page_error(exc.status, title, str(exc))
        resp.headers["X-Offered-Types"] = (
            "text/html, text/turtle, application/ld+json, "
            "application/rdf+xml, application/n-triples"
        )
        return resp


def _alternates(path: str) -> list[tuple[str, str, str]]:
    return [
        ("Turtle", "text/turtle", f"{path}?format=ttl"),
        ("JSON-LD", "application/ld+json", f"{path}?format=jsonld"),
        ("RDF/XML", "application/rdf+xml", f"{path}?format=rdfxml"),
        ("N-Triples", "application/n-triples", f"{path}?format=nt"),
    ]


# -- resources -----------------------------------------------------------------------------


@bp.route("/id/<path:local>", methods=["GET", "HEAD"])
def resource(local: str) -> Response:
    """A minted resource: HTML page or RDF by content negotiation."""
    iri = BASE + "id/" + local
    choice = _choice_or_error()
    if isinstance(choice, Response):
        return choice
    if not is_safe_iri(iri):
        return page_error(404, "Not Found", f"{iri!r} is not an IRI this dataset mints")
    store = get_store()
    if choice.is_html:
        desc = describe(store, iri)
        if not desc.exists:
            return _not_found(iri)
        return _html(
            "resource.html",
            desc=desc,
            alternates=_alternates(request.path),
            is_finding=_is_chainable(store, iri),
        )
    triples = rdf_description(store, iri)
    if not triples:
        return _not_found(iri)
    return _rdf_response(triples, choice)


def _not_found(iri: str) -> Response:
    return page_error(
        404,
        "Not Found",
        f"nothing in the dataset is called <{iri}>; search for it with the "
        "query editor, or check the spelling of the IRI",
    )


def _is_chainable(store: Store, iri: str) -> bool:
    result = store.query(
        "PREFIX cpkg: <https://w3id.org/cpkg/def#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"ASK {{ {{ <{iri}> a/rdfs:subClassOf* cpkg:Finding }} UNION "
        f"{{ <{iri}> cpkg:answersFinding ?f }} }}"
    )
    return bool(getattr(result, "value", False))


# -- ontology ------------------------------------------------------------------------------


@bp.route("/def", methods=["GET", "HEAD"])
@bp.route("/def/", methods=["GET", "HEAD"])
def ontology() -> Response:
    """The ontology: documentation for browsers, Turtle/JSON-LD/RDF-XML/N-Triples for tools."""
    choice = _choice_or_error()
    if isinstance(choice, Response):
        return choice
    store = get_store()
    if choice.is_html:
        doc = ontology_doc.build(store, ONTOLOGY_GRAPHS, SHAPES_GRAPH)
        return _html("ontology.html", doc=doc, alternates=_alternates("/def"))
    return _rdf_response(_ontology_triples(store), choice, "cpkg-ontology")


@bp.route("/ontology.ttl", methods=["GET", "HEAD"])
def ontology_ttl() -> Response:
    choice = Choice("text/turtle", rdf_formats()[0])
    return _rdf_response(_ontology_triples(get_store()), choice, "cpkg-ontology.ttl")


def _ontology_triples(store: Store) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for g in ONTOLOGY_GRAPHS:
        triples.extend(store.get_graph(ox.NamedNode(g)))
    return list(dict.fromkeys(triples))


@bp.route("/shapes", methods=["GET", "HEAD"])
def shapes() -> Response:
    """SHACL shapes (``https://w3id.org/cpkg/shapes#…``): RDF, or the docs' shapes section."""
    choice = _choice_or_error()
    if isinstance(choice, Response):
        return choice
    if choice.is_html:
        return redirect(url_for("linkeddata.ontology") + "#shapes", 303)  # type: ignore[return-value]
    return _rdf_response(get_store().get_graph(ox.NamedNode(SHAPES_GRAPH)), choice)


@bp.route("/graph/<name>", methods=["GET", "HEAD"])
def named_graph(name: str) -> Response:
    """A named graph IRI: see its content through the Graph Store protocol."""
    iri = str(GRAPH[name])
    if not is_safe_iri(iri) or iri not in get_store().graph_names():
        return page_error(404, "Not Found", f"no named graph <{iri}> in the dataset")
    target = url_for("data.graph_store", graph=iri)
    fmt = request.args.get("format")
    if fmt:
        target += "&format=" + fmt
    return redirect(target, 303)  # type: ignore[return-value]


# -- dataset description and dumps ---------------------------------------------------------


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void_description() -> Response:
    """VoID + DCAT, Turtle unless the client asks for another RDF format (or HTML)."""
    choice = _choice_or_error(default_html=False)
    if isinstance(choice, Response):
        return choice
    store = get_store()
    stats = void.cached(store, "stats", lambda: void.compute_stats(store))
    if choice.is_html:
        return _html(
            "void.html", stats=stats, dumps=void.DUMPS, alternates=_alternates("/.well-known/void")
        )
    return _rdf_response(void.void_triples(stats, site_base()), choice)


@bp.route("/dumps/", methods=["GET", "HEAD"])
def dumps_index() -> Response:
    return redirect(url_for("linkeddata.void_description", format="html"), 303)  # type: ignore[return-value]


@bp.route("/dumps/<name>", methods=["GET", "HEAD"])
def dump(name: str) -> Response:
    """One of the fixed dump files; any other name (or path) is a 404."""
    if name not in void.DUMPS:
        return page_error(
            404, "Not Found", f"no dump called {name!r}; available: {', '.join(void.DUMPS)}"
        )
    media, _ = void.DUMPS[name]
    store = get_store()
    context_url = site_base() + "context.jsonld"
    body = void.cached(
        store, f"dump:{name}:{context_url}", lambda: void.dump_bytes(store, name, context_url)
    )
    resp = Response(body, content_type=f"{media}; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    body = json.dumps(void.context_document(), indent=2)
    return Response(body, content_type="application/ld+json; charset=utf-8")


# -- query UI ------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "HEAD"])
@bp.route("/query", methods=["GET", "HEAD"])
def query_ui() -> Response:
    """The SPARQL editor (YASGUI, served locally) with the project's example queries."""
    settings: Settings = get_settings()
    examples = load_queries(settings.graph_dir / "queries")
    default = sparql_prologue() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 25\n"
    return _html(
        "query.html",
        examples=[e.__dict__ for e in examples],
        prefixes=PREFIXES,
        default_query=default,
        endpoint=site_base() + "sparql",
        has_yasgui=(_VENDOR / "yasgui.min.js").is_file(),
    )


# -- accountability chain -------------------------------------------------------------------


@bp.route("/chain/view", methods=["GET", "HEAD"])
def chain_view() -> Response:
    """A finding's accountability chain drawn as a layered diagram."""
    focus = request.args.get("focus", "").strip()
    if not focus:
        return _chain_picker()
    if focus.startswith(site_base()):
        focus = BASE + focus[len(site_base()) :]
    elif ":" in focus and not focus.startswith(("http:", "https:", "urn:")):
        prefix, _, rest = focus.partition(":")  # allow cpr:finding-x
        if prefix in PREFIXES:
            focus = PREFIXES[prefix] + rest
    try:
        chain = get_chain(get_store(), focus)
    except InvalidIri as exc:
        return page_error(
            400,
            "Bad Request",
            f"focus={exc}; give the IRI of a finding, "
            "e.g. ?focus=https://w3id.org/cpkg/id/finding-…",
        )
    if chain.finding is None:
        return page_error(
            404,
            "Not Found",
            f"<{focus}> is not a finding or a recommendation "
            "in the dataset, so it has no accountability chain",
        )
    return _html("chain.html", chain=chain)


def _chain_picker() -> Response:
    store = get_store()
    result = store.query(
        "PREFIX cpkg: <https://w3id.org/cpkg/def#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?f (SAMPLE(?l) AS ?label) WHERE { ?f a ?t . "
        "?t rdfs:subClassOf* cpkg:Finding OPTIONAL { ?f rdfs:label ?l } } GROUP BY ?f "
        "ORDER BY ?f LIMIT 1000"
    )
    assert isinstance(result, SelectResult)
    findings = [
        (f.value, lab.value if isinstance(lab, ox.Literal) else f.value.rsplit("/", 1)[-1])
        for f, lab in result
        if isinstance(f, ox.NamedNode)
    ]
    return _html("chain_index.html", findings=findings)
