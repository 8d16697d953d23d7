"""What every page and data document shares: the host mapping, links, negotiation, responses.

The canonical namespace ``https://w3id.org/cpkg/`` is served by whatever host runs the service:
``CPKG_PUBLIC_BASE`` when set, else the request's host URL. HTML always links to that host; RDF
keeps canonical IRIs unless ``CPKG_REWRITE_RDF_IRIS`` asks for rewriting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, current_app, g, render_template, request

from service.config import Settings
from service.formats import Format
from service.protocol.conneg import Offers
from service.protocol.serializers import serialize_triples
from service.query.labels import is_safe_iri
from service.vocab import BASE, compact, rewrite_iris
from service.web.assets import asset
from service.web.context import get_settings
from service.web.urls import url_for_page, url_with_args

_LINKABLE = re.compile(r"^(https?|mailto|urn|doi):", re.IGNORECASE)


def site_base_for(settings: Settings, host_url: str) -> str:
    """The URL (ending in '/') that stands for ``https://w3id.org/cpkg/`` on the host at
    ``host_url``: CPKG_PUBLIC_BASE when set."""
    base = settings.public_base or host_url
    return base if base.endswith("/") else base + "/"


def site_base() -> str:
    """``site_base_for`` this request (worked out once per request: a page links hundreds of
    IRIs)."""
    base: str | None = g.get("cpkg_site_base")
    if base is None:
        base = g.cpkg_site_base = _host_base()
    return base


SITE_BASES_KEY = "cpkg.site-bases"
#: Most hosts remembered per app (the Host header is the client's to choose: beyond that the
#: memory starts again).
MOST_HOSTS = 256


def _host_base() -> str:
    """``site_base_for`` this request's host, remembered per app by the WSGI fields that
    werkzeug's ``host_url`` reads (working it out costs ~20 us, a tenth of a small page)."""
    env = request.environ
    key = tuple(env.get(k) for k in ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT"))
    bases: dict[tuple[object, ...], str] = current_app.extensions.setdefault(SITE_BASES_KEY, {})
    found = bases.get(key)
    if found is None:
        if len(bases) >= MOST_HOSTS:
            bases.clear()
        found = bases[key] = site_base_for(get_settings(), request.host_url)
    return found


def href(iri: str | None) -> str | None:
    """Where a link to ``iri`` should point: this host for canonical IRIs; None if unsafe."""
    return href_at(site_base(), iri) if iri else None


def href_at(base: str, iri: str | None) -> str | None:
    """``href`` for a page whose site base (``site_base()``) is ``base``: code that links many
    IRIs reads the base once instead of through the request proxies for each."""
    if not iri:
        return None
    if iri.startswith(BASE):
        return base + iri[len(BASE) :]
    return iri if _LINKABLE.match(iri) and is_safe_iri(iri) else None


@dataclass(frozen=True)
class SiteLinks:
    """The URLs of the frame around every page (base.html): its icon and style sheet, the
    search form and the navigation."""

    icon: str
    css: str
    query: str
    search: str
    chains: str
    paths: str
    timeline: str
    ontology: str
    dataset: str
    sparql: str


SITE_LINKS_KEY = "cpkg.site-links"
#: The static files the frame links (its icon and style sheet), named by their content.
FRAME_ASSETS = ("favicon.svg", "cpkg.css")


def site_links() -> SiteLinks:
    """The frame's URLs for this request, worked out once per script root and asset versions:
    they are the same on every page (a dozen template calls were a fifth of a page's frame)."""
    icon, css = (asset(name) for name in FRAME_ASSETS)
    key = (request.script_root, icon, css)
    known: dict[tuple[str, ...], SiteLinks] = current_app.extensions.setdefault(SITE_LINKS_KEY, {})
    found = known.get(key)
    if found is None:
        if len(known) >= MOST_HOSTS:
            known.clear()
        found = known[key] = SiteLinks(
            icon,
            css,
            url_for_page("query_ui.query_ui"),
            url_for_page("search.search_page"),
            url_for_page("chains.chain_view"),
            url_for_page("chains.paths"),
            url_for_page("timeline.timeline_page"),
            url_for_page("resources.ontology"),
            url_for_page("dataset.void_description", format="html"),
            url_for_page("sparql.sparql"),
        )
    return found


def template_helpers() -> dict[str, object]:
    """Functions every template may call to link and name IRIs (Jinja globals)."""
    return {
        "href": href,
        "compact": compact,
        "site_base": site_base,
        "site_links": site_links,
        "asset": asset,
        "url_for": url_for_page,
        "url_with_args": url_with_args,
    }


def negotiate(offers: Offers) -> Format:
    """The format this request gets from ``offers`` (``?format=``/``_mediatype`` override
    Accept); remembered so that every answer, errors included, says ``Vary: Accept``."""
    g.cpkg_offers = offers
    override = request.args.get("format") or request.args.get("_mediatype")
    return offers.choose(request.headers.get("Accept"), override)


def html(template: str, status: int = 200, **context: object) -> Response:
    """A rendered page."""
    return Response(
        render_template(template, **context),
        status=status,
        content_type="text/html; charset=utf-8",
    )


def rdf_response(
    triples: Iterable[ox.Triple], fmt: Format, filename: str | None = None
) -> Response:
    """RDF in the negotiated format, with canonical IRIs (or this host's, if so configured)."""
    resp = Response(serialize_triples(maybe_rewrite(triples), fmt), content_type=fmt.content_type)
    if filename:
        resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


def rewrite_base() -> str | None:
    """Where canonical IRIs move in served RDF: this host with CPKG_REWRITE_RDF_IRIS, else
    nowhere (None)."""
    return site_base() if get_settings().rewrite_rdf_iris else None


def maybe_rewrite(triples: Iterable[ox.Triple]) -> Iterable[ox.Triple]:
    """Map canonical IRIs to this host in served RDF when CPKG_REWRITE_RDF_IRIS is on."""
    base = rewrite_base()
    return triples if base is None else rewrite_iris(triples, base)
