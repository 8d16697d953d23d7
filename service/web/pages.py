"""What every page and data document shares: the host mapping, links, negotiation, responses.

The canonical namespace ``https://w3id.org/cpkg/`` is served by whatever host runs the service:
``CPKG_PUBLIC_BASE`` when set, else the request's host URL. HTML always links to that host; RDF
keeps canonical IRIs unless ``CPKG_REWRITE_RDF_IRIS`` asks for rewriting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response, g, render_template, request

from service.config import Settings
from service.formats import Format
from service.protocol.conneg import Offers
from service.protocol.serializers import serialize_triples
from service.query.labels import is_safe_iri
from service.vocab import BASE, compact, rewrite_iris
from service.web.assets import asset
from service.web.context import get_settings
from service.web.urls import url_for_page

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
        base = g.cpkg_site_base = site_base_for(get_settings(), request.host_url)
    return base


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


def template_helpers() -> dict[str, object]:
    """Functions every template may call to link and name IRIs (Jinja globals)."""
    return {
        "href": href,
        "compact": compact,
        "site_base": site_base,
        "asset": asset,
        "url_for": url_for_page,
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
