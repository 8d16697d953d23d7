"""The frame of a page written in Python (a resource page): base.html rendered once per host,
with slots for what each page puts in it.

base.html stays the frame's one home. A resource page used to be a template extending it, and
rendering it meant a Flask request context and Jinja's machinery for every page: together more
than half of the page's rendering (bench/README.md, "Distinct queries"). The frame only changes
with the host (the site base), the app's settings and the versions of the assets it links, so it
is rendered once for those, split at its slots, and a page is the pieces joined around its own
title, head links and content.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, render_template

from service.web.assets import version
from service.web.context import app_for, task_request
from service.web.pages import FRAME_ASSETS, MOST_HOSTS, site_base
from service.web.urls import url_for_page

SLOTS = ("title", "head", "content")
_MARK = "\x00"  # no page text holds it: XML 1.0 and HTML forbid it
_SOURCE = '{% extends "base.html" %}' + "".join(
    f"{{% block {slot} %}}{_MARK}{{% endblock %}}" for slot in SLOTS
)
FRAMES_KEY = "cpkg.frames"
TEMPLATE_KEY = "cpkg.frame-template"


def prepare(app: Flask) -> None:
    """Compile the frame's template once, before evaluators are forked (as the app's own
    templates are: ``service.web._ready_to_fork``)."""
    app.extensions[TEMPLATE_KEY] = app.jinja_env.from_string(_SOURCE)


@dataclass(frozen=True)
class PageSite:
    """What a page on one host sits in and links to."""

    base: str  # where canonical IRIs are served on this host (``site_base()``)
    chain_view: str  # the path of the accountability chain view
    pieces: tuple[str, ...]  # base.html cut at its slots (len(SLOTS) + 1 pieces)

    def page(self, title: str, head: str, content: str) -> str:
        """The whole page: the frame around ``title``, ``head`` and ``content`` (already
        HTML: escaped by the caller)."""
        a, b, c, d = self.pieces
        return f"{a}{title}{b}{head}{c}{content}{d}"


def page_site(key: str, url: str) -> PageSite:
    """The frame and links of a page at ``url`` of the app ``key``, rendered under a request
    context the first time a host asks (and again when an asset of the frame changes)."""
    app: Flask = app_for(key)
    parts = urlsplit(url)
    cache_key = (parts.scheme, parts.netloc, *(version(name) for name in FRAME_ASSETS))
    known: dict[tuple[str, ...], PageSite] = app.extensions.setdefault(FRAMES_KEY, {})
    found = known.get(cache_key)
    if found is None:
        with task_request(key, url):
            pieces = tuple(render_template(app.extensions[TEMPLATE_KEY]).split(_MARK))
            if len(pieces) != len(SLOTS) + 1:
                raise RuntimeError(f"base.html must show each of its blocks {SLOTS} once")
            found = PageSite(site_base(), url_for_page("chains.chain_view"), pieces)
        if len(known) >= MOST_HOSTS:
            known.clear()
        known[cache_key] = found
    return found
