"""Shared helpers of the linked-data pages: host mapping, links, labels, conneg, term rewriting.

The canonical namespace ``https://w3id.org/cpkg/`` is served by whatever host runs the service:
``CPKG_PUBLIC_BASE`` when set, else the request's host URL. HTML always links to that host; RDF
keeps canonical IRIs unless ``CPKG_REWRITE_RDF_IRIS`` asks for rewriting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from flask import request

from service.protocol.conneg import parse_accept
from service.protocol.errors import NotAcceptable, ProtocolError
from service.protocol.serializers import FORMATS, Format
from service.store.base import SelectResult, Store
from service.vocab import BASE, PREFIXES
from service.web.context import get_settings

HTML = "text/html"
#: The RDF formats offered for single resources, the ontology and VoID, in preference order.
RDF_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")
_HTML_NAMES = ("html", "htm", "text/html", "application/xhtml+xml")
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_LINKABLE = re.compile(r"^(https?|mailto|urn|doi):", re.IGNORECASE)

LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    "https://w3id.org/cpkg/def#shortTitle",
    "https://w3id.org/cpkg/def#nameText",
)


def site_base() -> str:
    """The URL (ending in '/') that stands for ``https://w3id.org/cpkg/`` on this host."""
    base = get_settings().public_base or request.host_url
    return base if base.endswith("/") else base + "/"


def is_safe_iri(iri: str) -> bool:
    """True if ``iri`` is absolute and can be written as ``<iri>`` in SPARQL/Turtle."""
    return bool(iri) and _IRI_OK.match(iri) is not None


def href(iri: str) -> str | None:
    """Where a link to ``iri`` should point: this host for canonical IRIs; None if unsafe."""
    if iri.startswith(BASE):
        return site_base() + iri[len(BASE) :]
    return iri if _LINKABLE.match(iri) and is_safe_iri(iri) else None


def compact(iri: str) -> str:
    """``prefix:local`` for IRIs in a project namespace, else the IRI itself."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = iri[len(best) :]
        if re.fullmatch(r"[A-Za-z0-9_.\-]*", local) and not local.endswith("."):
            return f"{name}:{local}"
    return iri


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Best display label of each IRI (English or untagged first), from the store."""
    todo = sorted({i for i in iris if is_safe_iri(i)})
    out: dict[str, tuple[int, str]] = {}
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    for start in range(0, len(todo), 200):
        values = " ".join(f"<{i}>" for i in todo[start : start + 200])
        result = store.query(
            f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {props} }} "
            "?x ?p ?l FILTER(isLiteral(?l)) }"
        )
        assert isinstance(result, SelectResult)
        for x, p, lit in result:
            if not isinstance(x, ox.NamedNode) or not isinstance(lit, ox.Literal):
                continue
            assert isinstance(p, ox.NamedNode)
            lang = (lit.language or "").lower()
            rank = LABEL_PROPERTIES.index(p.value) * 3 + (
                0 if lang in ("en", "en-gb") else 1 if not lang else 2
            )
            if x.value not in out or rank < out[x.value][0]:
                out[x.value] = (rank, lit.value)
    return {k: v for k, (_, v) in out.items()}


@dataclass(frozen=True)
class Choice:
    """The negotiated representation: HTML, or an RDF ``Format``."""

    media_type: str
    rdf: Format | None

    @property
    def is_html(self) -> bool:
        return self.rdf is None


def rdf_formats() -> list[Format]:
    by_type = {f.media_type: f for f in FORMATS if f.kind == "rdf"}
    return [by_type[t] for t in RDF_TYPES]


def negotiate_ld(default_html: bool = True) -> Choice:
    """HTML or RDF for this request: ``format``/``_mediatype`` override Accept.

    With no Accept (or ``*/*`` only) the default is HTML for pages and Turtle for data
    documents. Unknown overrides are a 400; unacceptable Accept headers a 406.
    """
    offered = rdf_formats()
    names = ", ".join(["html", *(f.names[0] for f in offered)])
    override = request.args.get("format") or request.args.get("_mediatype")
    if override:
        key = override.strip().lower().split(";")[0].strip()
        if key in _HTML_NAMES:
            return Choice(HTML, None)
        for f in offered:
            if key in f.names or key == f.media_type or key in f.aliases:
                return Choice(f.media_type, f)
        raise ProtocolError(f"unknown format {override!r}; use one of {names} or a media type")
    accept = request.headers.get("Accept", "").strip()
    default = Choice(HTML, None) if default_html else Choice(offered[0].media_type, offered[0])
    if not accept:
        return default
    ranges = parse_accept(accept)
    if not ranges:
        return default
    candidates: list[tuple[str, Format | None, tuple[str, ...]]] = [
        (HTML, None, ("application/xhtml+xml",))
    ]
    candidates += [(f.media_type, f, f.aliases) for f in offered]
    scored: list[tuple[float, int, int, int, Choice]] = []
    for pos, (mt, fmt, aliases) in enumerate(candidates):
        best: tuple[int, float, int] | None = None
        for i, candidate in enumerate((mt, *aliases)):
            for r in ranges:
                spec = r.specificity(candidate)
                if i > 0 and spec < 2:
                    continue
                if spec >= 0 and (best is None or spec > best[0]):
                    best = (spec, r.q, r.order)
        if best is not None and best[1] > 0:
            # q first; a specific match beats a wildcard; then the default; then our order.
            is_default = int((fmt is None) == default_html and (fmt is None or pos == 1))
            scored.append((best[1], best[0], is_default, -pos, Choice(mt, fmt)))
    if not scored:
        raise NotAcceptable(
            f"none of the accepted types ({accept}) is offered here; offered: text/html, "
            f"{', '.join(RDF_TYPES)} (or use ?format={names.replace(', ', '|')})",
            [HTML, *RDF_TYPES],
        )
    return max(scored, key=lambda s: s[:4])[4]


def rewrite_term(term: ox.NamedNode, base: str) -> ox.NamedNode:
    if term.value.startswith(BASE):
        return ox.NamedNode(base + term.value[len(BASE) :])
    return term


def maybe_rewrite(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """Map canonical IRIs to this host in served RDF when CPKG_REWRITE_RDF_IRIS is on."""
    if not get_settings().rewrite_rdf_iris:
        yield from triples
        return
    base = site_base()
    for t in triples:
        s, o = t.subject, t.object
        yield ox.Triple(
            rewrite_term(s, base) if isinstance(s, ox.NamedNode) else s,
            rewrite_term(t.predicate, base),
            rewrite_term(o, base) if isinstance(o, ox.NamedNode) else o,
        )
