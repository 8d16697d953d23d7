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
from service.query.chain import STEPS, InvalidIri, chain_page, chains_of, expand_iri
from service.query.chain_formats import (
    chains_jsonld,
    chains_text,
    chains_turtle,
    paths_json,
    paths_text,
)
from service.query.chain_index import FLAG_STEPS, chain_index
from service.query.paths import check_max, paths_between
from service.vocab import BASE
from service.web.context import read
from service.web.pages import html, negotiate, site_base

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
    """A finding's accountability chain drawn as a layered diagram; without a focus, the index."""
    if not request.args.get("focus", "").strip():
        titles = {k: t for k, t, _ in STEPS}
        groups = read(chain_index)
        return html("chain_index.html", groups=groups, titles=titles, total=len(FLAG_STEPS) + 1)
    focus = _iri_arg("focus")
    the_chain, names = read(chain_page, focus)
    if the_chain.finding is None:
        raise NotFound(
            f"<{focus}> is not a finding or a recommendation in the dataset, so it has no "
            "accountability chain"
        )
    finding = the_chain.step("finding").nodes
    years = [
        m.group(0)
        for n in the_chain.step("inspection").nodes
        if (m := re.search(r"\b(1[89]|20)\d\d\b", f"{n.note} {n.label}"))
    ]
    return html(
        "chain.html",
        chain=the_chain,
        steps=[s for s in the_chain.steps if s.key != "evidence"],
        names=names,
        finding_quotes=[e.quote for e in finding[0].evidence] if finding else [],
        year=years[0] if years else "",
    )


@bp.route("/paths", methods=["GET", "HEAD"])
def paths() -> Response:
    """How ``?from=`` and ``?to=`` are connected: paths of at most ``?max=`` hops."""
    fmt = negotiate(PATHS)
    source, target = _iri_arg("from"), _iri_arg("to")
    max_length = check_max(request.args.get("max"))
    result = read(paths_between, source, target, max_length)
    if fmt is HTML:
        return html("paths.html", result=result)
    if fmt is TEXT:
        return Response(paths_text(result), content_type=TEXT.content_type)
    body = json.dumps(paths_json(result), ensure_ascii=False, indent=1)
    return Response(body, content_type=JSON.media_type)
