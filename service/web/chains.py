"""Accountability chains and connecting paths over HTTP: ``/chain``, ``/chain/view``, ``/paths``.

Routes parse and check input, run the read tasks of service/query/chain.py, chain_index.py and
paths.py through the executor, and hand the result to service/query/chain_formats.py or a page.
Content negotiation: Accept, overridden by ``?format=``; HTML for ``/chain`` is ``/chain/view``.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, redirect, request, url_for

from service.errors import NotFound
from service.formats import HTML, JSON, TEXT, TURTLE
from service.protocol.conneg import CHAIN, PATHS
from service.query.chain import STEPS, Chain, InvalidIri, chain_choice, chains_of, expand_iri
from service.query.chain_formats import (
    chains_jsonld,
    chains_text,
    chains_turtle,
    paths_json,
    paths_text,
)
from service.query.chain_index import FLAG_STEPS, chain_index
from service.query.paths import (
    DEFAULT_LIMIT,
    DEFAULT_MAX,
    MAX_ALLOWED,
    PathsResult,
    check_max,
    paths_between,
)
from service.query.search import SearchResults
from service.vocab import BASE
from service.web.context import read
from service.web.pages import href, html, negotiate, site_base
from service.web.search import find

CHOICES = 20  # most candidates a name offers


class Choose(Exception):
    """A name matched several resources (or none): the reader must pick one."""

    def __init__(self, param: str, results: SearchResults) -> None:
        super().__init__(param)
        self.param = param
        self.results = results


bp = Blueprint("chains", __name__)


def _iri_arg(name: str) -> str:
    """A full IRI from ``?name=``: an IRI, a project CURIE, or a link to a page of this host."""
    value = request.args.get(name, "").strip()
    if not value:
        raise InvalidIri(f"{name} is missing; give ?{name}=IRI (a full IRI or a cpr: CURIE)")
    if value.startswith(site_base()):
        value = BASE + value[len(site_base()) :]
    try:
        return expand_iri(value)
    except InvalidIri as exc:
        raise InvalidIri(f"{name}: {exc}; e.g. ?{name}=cpr:finding-2016-custody") from None


def _iri_or_name(name: str, only_chainable: bool) -> str:
    """``?name=`` as an IRI or CURIE, or else a name looked up with the search: the one
    resource it finds, or ``Choose`` to let the reader pick among those it finds."""
    value = request.args.get(name, "").strip()
    if ":" in value or not value:
        return _iri_arg(name)
    results = find(value, CHOICES, only_chainable)
    if len(results.hits) == 1:
        return results.hits[0].iri
    raise Choose(name, results)


def _choose(choice: Choose, endpoint: str, what: str) -> Response:
    """A page listing what a name matched, each a link that puts it in the parameter."""
    args = {k: v for k, v in request.args.items() if k != choice.param}
    return html("choose.html", choice=choice, endpoint=endpoint, args=args, what=what)


@bp.route("/chain", methods=["GET", "HEAD"])
def chain() -> Response:
    """The accountability chain(s) of ``?focus=`` (finding, force, duty, recommendation...)."""
    fmt = negotiate(CHAIN)
    focus = _iri_arg("focus")
    if fmt is HTML:
        return redirect(url_for("chains.chain_view", focus=focus), 303)  # type: ignore[return-value]
    chains, known = read(chains_of, focus)
    if not chains:
        if not known:
            raise NotFound(f"nothing in the dataset is called <{focus}>")
        raise NotFound(
            f"<{focus}> leads to no finding: give a finding, force, inspection, legal duty, "
            "statute or case, remedy, recommendation, cause of concern or action"
        )
    doc = chains_jsonld(focus, chains)
    if fmt is TURTLE:
        body = chains_turtle(doc)
    elif fmt is TEXT:
        body = chains_text(chains)
    else:
        body = json.dumps(doc, ensure_ascii=False, indent=1)
    return Response(body, content_type=fmt.content_type)


@bp.route("/chain/view", methods=["GET", "HEAD"])
def chain_view() -> Response:
    """The accountability chain of a finding, or of one of the findings a force, inspection,
    duty... leads to (``?finding=`` picks which; all are listed); without a focus, the index.
    The focus may be a name: it is looked up with the search."""
    if not request.args.get("focus", "").strip():
        titles = {k: t for k, t, _ in STEPS}
        groups = read(chain_index)
        return html("chain_index.html", groups=groups, titles=titles, total=len(FLAG_STEPS) + 1)
    try:
        focus = _iri_or_name("focus", only_chainable=True)
    except Choose as ambiguous:
        return _choose(ambiguous, "chains.chain_view", "an accountability chain")
    finding = request.args.get("finding", "").strip() or None
    choice = read(chain_choice, focus, expand_iri(finding) if finding else None)
    the_chain = choice.chain
    if the_chain.finding is None:
        raise NotFound(
            f"<{focus}> leads to no finding in the dataset, so it has no accountability chain; "
            "give a finding, force, inspection, legal duty, statute or case, remedy, "
            "recommendation, cause of concern or action"
        )
    finding_nodes = the_chain.step("finding").nodes
    years = [
        m.group(0)
        for n in the_chain.step("inspection").nodes
        if (m := re.search(r"\b(1[89]|20)\d\d\b", f"{n.note} {n.label}"))
    ]
    return html(
        "chain.html",
        chain=the_chain,
        choice=choice,
        steps=[s for s in the_chain.steps if s.key != "evidence"],
        names=choice.names,
        finding_quotes=[e.quote for e in finding_nodes[0].evidence] if finding_nodes else [],
        year=years[0] if years else "",
        diagram=diagram(the_chain),
    )


def diagram(chain: Chain) -> dict[str, list[dict[str, str]]]:
    """The chain as graph elements for the picture (static/chain-graph.js, Cytoscape.js): a node
    per stated link and per missing step, an edge from what each hangs from (its ``via``, else
    the step before)."""
    nodes: list[dict[str, str]] = []
    edges: list[dict[str, str]] = []
    by_iri: dict[str, str] = {}
    previous = ""

    def add(
        level: int, node_id: str, label: str, step: str, kind: str, status: str, link: str
    ) -> None:
        nodes.append(
            {
                "id": node_id,
                "label": label,
                "step": step,
                "kind": kind,
                "status": status,
                "href": link,
                "level": str(level),
            }
        )

    def edge(source: str, target: str, label: str) -> None:
        if source:
            edges.append(
                {"id": f"e{len(edges)}", "source": source, "target": target, "label": label}
            )

    for level, step in enumerate(s for s in chain.steps if s.key != "evidence"):
        first = ""
        for i, n in enumerate(step.nodes):
            node_id = f"n{len(nodes)}"
            add(level, node_id, n.label, step.title, step.key, n.status, href(n.iri) or "")
            edge(by_iri.get(n.via or "", previous), node_id, step.title)
            by_iri.setdefault(n.iri or f"{step.key}{i}", node_id)
            first = first or node_id
        if step.missing:
            node_id = f"n{len(nodes)}"
            add(
                level,
                node_id,
                f"missing: {step.missing_reason}",
                step.title,
                "missing",
                "missing",
                "",
            )
            edge(previous, node_id, step.title)
            first = first or node_id
        previous = first or previous
    return {"nodes": nodes, "edges": edges}


@bp.route("/paths", methods=["GET", "HEAD"])
def paths() -> Response:
    """How ``?from=`` and ``?to=`` are connected: paths of at most ``?max=`` hops, each hop with
    its evidence; not through generic hubs unless ``?hubs=1``. Names are looked up with the
    search; without both ends, browsers get the form."""
    fmt = negotiate(PATHS)
    hubs = request.args.get("hubs", "") in ("1", "true", "yes", "on")
    asked = {k: request.args.get(k, "").strip() for k in ("from", "to", "max")}
    if fmt is HTML and not (asked["from"] and asked["to"]):
        return _paths_page(None, asked, hubs)
    try:
        source = _iri_or_name("from", only_chainable=False)
        target = _iri_or_name("to", only_chainable=False)
    except Choose as choice:
        if fmt is not HTML:
            raise InvalidIri(
                f"{choice.param}={request.args.get(choice.param)!r} is not an absolute IRI or a "
                f"CURIE, and as a name it matches {choice.results.total} resources; give an IRI "
                "or CURIE (find it with /search)"
            ) from None
        return _choose(choice, "chains.paths", "the path search")
    max_length = check_max(request.args.get("max"))
    result = read(paths_between, source, target, max_length, DEFAULT_LIMIT, hubs)
    if fmt is HTML:
        return _paths_page(result, asked, hubs)
    if fmt is TEXT:
        return Response(paths_text(result), content_type=TEXT.content_type)
    body = json.dumps(paths_json(result), ensure_ascii=False, indent=1)
    return Response(body, content_type=JSON.media_type)


def _paths_page(result: PathsResult | None, asked: dict[str, str], hubs: bool) -> Response:
    """The paths form, with the paths found when there are some."""
    return html(
        "paths.html",
        result=result,
        asked=asked,
        hubs=hubs,
        most=MAX_ALLOWED,
        default_max=DEFAULT_MAX,
    )
