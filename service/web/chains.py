"""``/chain`` and ``/paths``: accountability chains and connecting paths over HTTP.

Routes only parse and check input, call ``service.query.chain`` / ``service.query.paths``
(which query the store) and hand the result to ``service.query.chain_formats``. Content
negotiation: Accept, overridden by ``?format=``; HTML for ``/chain`` is ``/chain/view``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, render_template, request, url_for

from service.protocol.conneg import parse_accept
from service.query.chain import InvalidIri, expand_iri, get_chains, resource_exists
from service.query.chain_formats import (
    chains_jsonld,
    chains_text,
    chains_turtle,
    paths_json,
    paths_text,
)
from service.query.paths import PathRangeError, check_max, find_paths
from service.store.base import Store
from service.web.context import get_settings, get_store
from service.web.errors import error_response

bp = Blueprint("chain", __name__)
T = TypeVar("T")

JSONLD, JSON, TURTLE, HTML, TEXT = (
    "application/ld+json",
    "application/json",
    "text/turtle",
    "text/html",
    "text/plain",
)
#: media type -> names accepted by ?format=, in order of preference (the first is the default)
CHAIN_TYPES: dict[str, tuple[str, ...]] = {
    JSONLD: ("jsonld", "json-ld"),
    JSON: ("json",),
    TURTLE: ("ttl", "turtle"),
    HTML: ("html",),
    TEXT: ("text", "txt"),
}
PATHS_TYPES: dict[str, tuple[str, ...]] = {JSON: ("json",), HTML: ("html",), TEXT: ("text", "txt")}


class _Unacceptable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def negotiate(offered: dict[str, tuple[str, ...]]) -> str:
    """The media type to answer with: ``?format=`` first, then Accept (q, then our order)."""
    fmt = request.args.get("format", "").strip().lower()
    if fmt:
        for media_type, names in offered.items():
            if fmt in names or fmt == media_type:
                return media_type
        allowed = ", ".join(n for names in offered.values() for n in names)
        raise _Unacceptable(400, f"format={fmt!r} is not offered here; use one of {allowed}")
    ranges = parse_accept(request.headers.get("Accept", ""))
    if not ranges:
        return next(iter(offered))
    best: tuple[float, int, str] | None = None
    for order, media_type in enumerate(offered):
        matches = [
            (r.specificity(media_type), r.q) for r in ranges if r.specificity(media_type) >= 0
        ]
        if not matches:
            continue
        q = max(matches)[1]  # the most specific matching range decides
        if q > 0 and (best is None or (q, -order) > (best[0], best[1])):
            best = (q, -order, media_type)
    if best is None:
        raise _Unacceptable(
            406, f"none of the accepted types is offered; offered: {', '.join(offered)}"
        )
    return best[2]


def _bounded(store: Store, fn: Callable[[], T]) -> T:
    """Run ``fn`` (store queries) within the configured query timeout."""
    timeout = get_settings().query_timeout
    if store.forkable and timeout:
        from service.query.evaluators import run_forked

        return run_forked(fn, timeout)
    return fn()


def _iri_arg(name: str) -> str:
    value = request.args.get(name, "")
    if not value.strip():
        raise InvalidIri(f"{name} is missing; give ?{name}=IRI (a full IRI or a cpr: CURIE)")
    return expand_iri(value)


@bp.route("/chain", methods=["GET", "HEAD"])
def chain() -> Response:
    """The accountability chain(s) of ``?focus=`` (finding, force, duty, recommendation...)."""
    try:
        media_type = negotiate(CHAIN_TYPES)
        focus = _iri_arg("focus")
    except _Unacceptable as exc:
        return error_response(exc.status, str(exc))
    except InvalidIri as exc:
        return error_response(400, f"focus: {exc}")
    store = get_store()
    if media_type == HTML:
        target = url_for("linkeddata.chain_view", focus=focus)
        return Response(status=303, headers={"Location": target, "Vary": "Accept"})
    timeout = get_settings().query_timeout
    chains = _bounded(store, lambda: get_chains(store, focus, timeout=timeout))
    if not chains:
        if not resource_exists(store, focus):
            return error_response(404, f"nothing in the dataset is called <{focus}>")
        return error_response(
            404,
            f"<{focus}> leads to no finding: give a finding, force, inspection, legal duty, "
            "statute or case, remedy, recommendation, cause of concern or action",
        )
    doc = chains_jsonld(focus, chains)
    if media_type == TURTLE:
        body, ctype = chains_turtle(doc), "text/turtle; charset=utf-8"
    elif media_type == TEXT:
        body, ctype = chains_text(chains), "text/plain; charset=utf-8"
    else:
        body = json.dumps(doc, ensure_ascii=False, indent=1)
        ctype = f"{media_type}; charset=utf-8"
    return Response(body, content_type=ctype, headers={"Vary": "Accept"})


@bp.route("/paths", methods=["GET", "HEAD"])
def paths() -> Response:
    """How ``?from=`` and ``?to=`` are connected: paths of at most ``?max=`` hops."""
    try:
        media_type = negotiate(PATHS_TYPES)
        source, target = _iri_arg("from"), _iri_arg("to")
        max_length = check_max(request.args.get("max"))
    except _Unacceptable as exc:
        return error_response(exc.status, str(exc))
    except InvalidIri as exc:
        return error_response(400, str(exc))
    except PathRangeError as exc:
        return error_response(400, str(exc))
    store = get_store()
    for iri in (source, target):
        if not resource_exists(store, iri):
            return error_response(404, f"nothing in the dataset is called <{iri}>")
    timeout = get_settings().query_timeout
    result = find_paths(store, source, target, max_length=max_length, timeout=timeout)
    if media_type == HTML:
        html = render_template("paths.html", result=result)
        return Response(html, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
    if media_type == TEXT:
        return Response(paths_text(result), content_type="text/plain; charset=utf-8")
    body = json.dumps(paths_json(result), ensure_ascii=False, indent=1)
    return Response(body, content_type="application/json", headers={"Vary": "Accept"})
