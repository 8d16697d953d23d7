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

from service.config import Settings
from service.protocol.errors import ProtocolError
from service.protocol.serializers import serialize_triples
from service.query import ontology_doc, void
from service.query.chain import InvalidIri, get_chain
from service.query.describe import describe, rdf_description
from service.query.examples import load_queries
from service.store.base import SelectResult, Store
from service.vocab import BASE, GRAPH, PREFIXES, sparql_prologue
from service.web.context import get_settings, get_store
from service.web.pages import (
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
    import re

    from service.web.pages import labels

    nodes = [
        n for s in chain.steps if s.key != "evidence" for n in (*s.nodes, *s.reasons, *s.context)
    ]
    names = {n.iri: n.label for n in nodes if n.iri}  # labels of the nodes, for "for …" links
    sources = {e.source for n in nodes for e in n.evidence}
    names.update(labels(get_store(), sources))  # one query: the titles of the quoted sources
    finding = chain.step("finding").nodes
    years = [
        m.group(0)
        for n in chain.step("inspection").nodes
        if (m := re.search(r"\b(1[89]|20)\d\d\b", f"{n.note} {n.label}"))
    ]
    return _html(
        "chain.html",
        chain=chain,
        steps=[s for s in chain.steps if s.key != "evidence"],  # the finding step has its quotes
        names=names,
        finding_quotes=[e.quote for e in finding[0].evidence] if finding else [],
        year=years[0] if years else "",
    )


def _chain_picker() -> Response:
    """Findings grouped by inspection, each with which chain links the graph states.

    One query: the flags mirror the branches of service/query/chain.rq (every link after the finding
    needs cpkg:inspection); tests check them against get_chain on the fixture.
    """
    from service.query.chain import STEPS

    keys = [k for k, _, _ in STEPS if k not in ("finding", "evidence")]
    result = get_store().query(_PICKER_QUERY)
    assert isinstance(result, SelectResult)
    col = {name: i for i, name in enumerate(result.variables)}
    groups: dict[str, dict[str, object]] = {}
    for row in result:
        f, label, insp = row[col["f"]], row[col["label"]], row[col["insp"]]
        if not isinstance(f, ox.NamedNode):
            continue
        flags = [("finding", True)] + [
            (k, getattr(row[col[k]], "value", "") == "true") for k in keys
        ]
        insp_iri = insp.value if isinstance(insp, ox.NamedNode) else ""
        group = groups.setdefault(
            insp_iri,
            {
                "iri": insp_iri or None,
                "label": getattr(row[col["inspLabel"]], "value", "")
                or (insp_iri.rsplit("/", 1)[-1] if insp_iri else "No inspection recorded"),
                "year": str(getattr(row[col["inspDate"]], "value", ""))[:4],
                "findings": [],
            },
        )
        group["findings"].append(  # type: ignore[attr-defined]
            {
                "iri": f.value,
                "label": label.value if isinstance(label, ox.Literal) else f.value.rsplit("/")[-1],
                "flags": flags,
                "stated": sum(ok for _, ok in flags),
            }
        )
    titles = {k: t for k, t, _ in STEPS}
    ordered = sorted(groups.values(), key=lambda g: (not g["iri"], str(g["year"]), str(g["label"])))
    return _html("chain_index.html", groups=ordered, titles=titles, total=len(keys) + 1)


_PICKER_QUERY = """
PREFIX cpkg: <https://w3id.org/cpkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?f (SAMPLE(?fl) AS ?label) ?insp (SAMPLE(?il) AS ?inspLabel) (MIN(?d) AS ?inspDate)
       ?inspection ?inspectorate ?force ?post ?holder ?duty ?law ?remedy ?recommendation
       ?deadline ?status
WHERE {
  { SELECT DISTINCT ?f WHERE { ?f a/rdfs:subClassOf* cpkg:Finding } LIMIT 1000 }
  OPTIONAL { ?f rdfs:label ?fl FILTER(lang(?fl) = "en" || lang(?fl) = "") }
  OPTIONAL {
    ?f cpkg:inspection ?insp
    OPTIONAL { ?insp rdfs:label ?il FILTER(lang(?il) = "en" || lang(?il) = "") }
    OPTIONAL { { ?r prov:wasGeneratedBy ?insp ; dcterms:issued ?d }
               UNION { ?insp dcterms:date ?d } }
  }
  BIND(EXISTS { ?f cpkg:inspection ?x FILTER(!isBlank(?x)) } AS ?inspection)
  BIND(BOUND(?insp) AS ?i)
  BIND(?i && EXISTS { ?f cpkg:inspection/cpkg:conductedBy ?x FILTER(!isBlank(?x)) }
       AS ?inspectorate)
  BIND(?i && EXISTS { { ?f cpkg:inspection/cpkg:inspected ?x } UNION { ?f cpkg:concerns ?x }
                      FILTER(!isBlank(?x)) } AS ?force)
  BIND(?i && EXISTS { ?f cpkg:responsiblePost ?x FILTER(!isBlank(?x)) } AS ?post)
  BIND(?i && EXISTS { ?f cpkg:responsiblePost ?p . ?h cpkg:post ?p ; org:member ?x
                      FILTER(!isBlank(?x)) } AS ?holder)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty ?x FILTER(!isBlank(?x)) } AS ?duty)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty/cpkg:createdBy ?x FILTER(!isBlank(?x)) } AS ?law)
  BIND(?i && EXISTS { ?f cpkg:engagesDuty ?dt .
                      { ?x cpkg:enforces ?dt } UNION { ?rm cpkg:enforces ?dt . ?x cpkg:limits ?rm }
                      FILTER(!isBlank(?x)) } AS ?remedy)
  BIND(?i && EXISTS { { ?x cpkg:answersFinding ?f }
                      UNION { ?rc cpkg:answersFinding ?f ; cpkg:requiresAction ?x }
                      FILTER(!isBlank(?x)) } AS ?recommendation)
  BIND(?i && EXISTS { ?rc cpkg:answersFinding ?f ; cpkg:requiresAction? ?o .
                      ?o cpkg:deadline/time:inXSDDate ?x } AS ?deadline)
  BIND(?i && EXISTS { ?rc cpkg:answersFinding ?f .
                      { ?rc (dcterms:hasPart|^dcterms:isPartOf)* ?a }
                      UNION { ?rc cpkg:requiresAction ?a }
                      ?x cpkg:assesses ?a ; cpkg:implementationStatus ?s
                      FILTER(!isBlank(?x)) } AS ?status)
}
GROUP BY ?f ?insp ?inspection ?inspectorate ?force ?post ?holder ?duty ?law ?remedy
         ?recommendation ?deadline ?status
ORDER BY ?inspDate ?insp ?label
"""
