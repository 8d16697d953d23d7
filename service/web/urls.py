"""Paths of the site's own pages, for templates: one place that remembers them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import has_request_context, url_for
from flask.globals import request_ctx

URLS_KEY = "cpkg.urls"
#: Most paths remembered per app; beyond that (unbounded values, say a page's own IRI) the
#: memory starts again.
MOST_URLS = 4096


def url_for_page(endpoint: str, **values: Any) -> str:
    """Flask's ``url_for`` for templates, remembered: a path on this site depends only on the
    app's routes and the script root, and every page links the same few (the navigation, the
    assets). External URLs and anchors are worked out each time."""
    if not has_request_context() or (values and any(k.startswith("_") for k in values)):
        return url_for(endpoint, **values)
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    # (one proxy lookup, not one each for the app and the request: a page asks a dozen times)
    urls: dict[tuple[Any, ...], str] = ctx.app.extensions.setdefault(URLS_KEY, {})
    key = (ctx.request.script_root, endpoint, tuple(sorted(values.items())) if values else ())
    found = urls.get(key)
    if found is None:
        if len(urls) >= MOST_URLS:
            urls.clear()
        found = urls[key] = url_for(endpoint, **values)
    return found


#: What werkzeug's URL builder leaves unescaped in query arguments (werkzeug.urls._urlencode;
#: tests/web/test_linkeddata.py compares url_with_args with url_for).
_QUERY_SAFE = "!$'()*,/:;?@"


def url_with_args(endpoint: str, **args: str) -> str:
    """``url_for(endpoint, **args)`` where every argument goes in the query string and its value
    differs from page to page (a page's own IRI): the path is remembered, the arguments
    encoded as werkzeug encodes them (~4 us; url_for costs ~16, and remembering such URLs
    only misses on random pages)."""
    return with_args(url_for_page(endpoint), **args)


def with_args(path: str, **args: str) -> str:
    """``path`` with ``args`` in its query string, encoded as werkzeug's URL builder does."""
    return f"{path}?{urlencode(args, safe=_QUERY_SAFE)}"
