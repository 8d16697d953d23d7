"""The dataset as a whole: its VoID/DCAT description, its dumps and the JSON-LD context.

Both are computed from the store by the executor at its current generation: the description is
cached until the next write, and a dump is streamed afresh, with an ``ETag`` made from the
generation (and who is asking: callers with private graphs get other dumps) and the time of the
last write as ``Last-Modified``, so a client revalidates with ``If-None-Match`` cheaply.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.http import http_date

from service.errors import NotFound
from service.formats import HTML
from service.protocol.conneg import DATA_DOCUMENT
from service.query import void
from service.query.dumps import DUMPS, context_document, dump
from service.web.context import get_executor, get_principal, read
from service.web.pages import html, negotiate, rdf_response, site_base

bp = Blueprint("dataset", __name__)


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void_description() -> Response:
    """VoID + DCAT, Turtle unless the client asks for another RDF format (or HTML)."""
    fmt = negotiate(DATA_DOCUMENT)
    stats = read(void.compute_stats)
    if fmt is HTML:
        alternates = DATA_DOCUMENT.alternates("/.well-known/void", HTML)
        return html("void.html", stats=stats, dumps=DUMPS, alternates=alternates)
    return rdf_response(void.void_triples(stats, site_base()), fmt)


@bp.route("/dumps/", methods=["GET", "HEAD"])
def dumps_index() -> Response:
    return redirect(url_for("dataset.void_description", format="html"), 303)  # type: ignore[return-value]


@bp.route("/dumps/<name>", methods=["GET", "HEAD"], endpoint="dump")
def dump_file(name: str) -> Response:
    """One of the fixed dump files, streamed from the store; any other name is a 404."""
    if name not in DUMPS:
        raise NotFound(f"no dump called {name!r}; available: {', '.join(DUMPS)}")
    fmt, _ = DUMPS[name]
    context_url = site_base() + "context.jsonld"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', **_validators(name)}
    etag = headers.get("ETag")
    if etag is not None and etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    if request.method == "HEAD":  # no need to write the dump to say what it is
        return Response(content_type=fmt.content_type, headers=headers)
    streamed = read(dump, name, context_url)
    (content_type, length), chunks = streamed.head, streamed.chunks
    resp = Response(chunks, content_type=content_type, headers=headers)
    resp.content_length = length
    return resp


def _validators(name: str) -> dict[str, str]:
    """ETag and Last-Modified of a dump, when the store can tell its generation."""
    executor = get_executor()
    if executor.generation is None:
        return {}
    seed = f"{executor.generation}\n{get_principal().key}\n{name}\n{site_base()}"
    tag = hashlib.sha256(seed.encode()).hexdigest()[:24]
    headers = {"ETag": f'"{tag}"'}
    if executor.modified is not None:
        headers["Last-Modified"] = http_date(executor.modified)
    return headers


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    body = json.dumps(context_document(), indent=2)
    return Response(body, content_type="application/ld+json; charset=utf-8")
