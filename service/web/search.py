"""Search over HTTP: ``/search?q=`` (a page, or JSON), and the index it reads.

The index is the built dataset's ``search.sqlite``; data served without a build (``cpkg serve
--data``, tests) is indexed at start-up, through the executor, into a temporary file. Either
way the store knows its index before any evaluator is forked, so the ``cpkg:search`` SPARQL
function (service/store/embedded.py) reads the same index as this page.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from service.errors import CpkgError
from service.formats import JSON
from service.fulltext import write_index
from service.protocol.conneg import SEARCH
from service.query.access import ANONYMOUS
from service.query.search import (
    SearchResults,
    check_limit,
    check_query,
    search,
    search_documents,
)
from service.store.base import Store
from service.web.context import get_executor, get_settings, read
from service.web.pages import href, html, negotiate

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)
SEARCH_KEY = "cpkg.search_index"


def prepare_search(app: Flask, store: Store) -> None:
    """Make sure ``store`` has a search index, writing one from its data if it has none."""
    if store.search_index is None:
        fd, name = tempfile.mkstemp(prefix="cpkg-search-", suffix=".sqlite")
        os.close(fd)
        path = Path(name)
        store.search_index = path  # before the first read forks an evaluator
        owner = os.getpid()
        atexit.register(_remove, path, owner)
        page = max(1, min(10_000, get_settings(app).max_results))
        try:
            docs = get_executor(app).read(ANONYMOUS, search_documents, page, cache=False)
        except CpkgError as exc:  # e.g. a remote store that cannot answer the query
            log.warning("search index not built from the store (%s); search finds nothing", exc)
            docs = []
        write_index(path, docs, {"built_from": "the data loaded at start-up"})
    app.extensions[SEARCH_KEY] = str(store.search_index)


def _remove(path: Path, owner: int) -> None:
    """Delete the temporary index, in the process that wrote it (not in forked workers)."""
    if os.getpid() == owner:
        with contextlib.suppress(OSError):
            path.unlink()


def find(text: str, limit: int, only_chainable: bool = False) -> SearchResults:
    """The search task for this request's caller."""
    index = current_app.extensions[SEARCH_KEY]
    return read(search, index, text, limit, only_chainable)


@bp.route("/search", methods=["GET", "HEAD"])
def search_page() -> Response:
    """Resources whose names, other names, descriptions or evidence quotes match ``?q=``."""
    fmt = negotiate(SEARCH)
    text = check_query(request.args.get("q"))
    limit = check_limit(request.args.get("limit"))
    results = find(text, limit) if text else SearchResults(text, (), 0, limit)
    if fmt is JSON:
        return jsonify(results_json(results))
    return html("search.html", results=results)


def results_json(results: SearchResults) -> dict[str, object]:
    """The results as JSON, each with the URL of its page on this host."""
    hits = []
    for hit in results.hits:
        item = asdict(hit)
        item["page"] = href(hit.iri)
        item["types"] = [{"iri": t, "label": label} for t, label in hit.types]
        item["text"] = "".join(piece for piece, _ in hit.text)
        item["quote"] = "".join(piece for piece, _ in hit.quote)
        hits.append(item)
    return {"query": results.query, "total": results.total, "limit": results.limit, "hits": hits}
