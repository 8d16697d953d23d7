"""Content negotiation: one negotiator over explicit tables of offers.

A route declares what it offers as an ``Offers`` table (first = the default, when the client
states no preference); ``choose`` picks from the ``format`` override (a name or media type) or
the Accept header. The same table gives the ``Vary`` header, the alternate links a page shows
and the body and ``X-Offered-Types`` of a 406, so they always agree with what is served.

Ranking: the highest q; at equal q the most specific match (the media type itself, then an
alias named exactly, then ``type/*``, then ``*/*``); then the client's order; then ours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from service.errors import NotAcceptable, ProtocolError
from service.formats import ALL as ALL_FORMATS
from service.formats import (
    CSV,
    HTML,
    JSON,
    JSON_RESULTS,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDFXML,
    TEXT,
    TRIG,
    TSV,
    TURTLE,
    XML_RESULTS,
    Format,
)


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    order: int

    def specificity(self, media_type: str) -> int:
        """-1 if this range does not match; else 2 exact, 1 type/*, 0 */*."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header leniently: malformed entries are skipped, bad q means 1."""
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if "/" not in mt:
            if mt != "*":
                continue
            mt = "*/*"
        t, _, s = mt.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(t, s, q, order))
    return ranges


class Offers:
    """An ordered table of the representations one route can give."""

    vary = "Accept"

    def __init__(self, *formats: Format) -> None:
        self.formats = formats

    @property
    def media_types(self) -> list[str]:
        return [f.media_type for f in self.formats]

    @property
    def default(self) -> Format:
        return self.formats[0]

    def choose(self, accept: str | None, override: str | None = None) -> Format:
        """The format to answer with; ProtocolError (400) for an unknown ``format`` name,
        NotAcceptable (406) when nothing offered fits. Remembered per (table, Accept,
        override): clients send the same few headers over and over."""
        return _choose(self, accept, override)

    def _rank(self, accept: str | None, override: str | None) -> Format:
        if override and override.strip():
            return self._by_name(override)
        ranges = parse_accept(accept or "")
        if not ranges:
            return self.default
        scored = []
        for pos, fmt in enumerate(self.formats):
            match = _best_range(fmt, ranges)
            if match is not None and match[1] > 0:
                spec, q, order = match
                scored.append(((q, spec, -order, -pos), fmt))
        if not scored:
            raise self.not_acceptable(f"none of the accepted types ({accept}) is offered here")
        return max(scored, key=lambda s: s[0])[1]

    def _by_name(self, override: str) -> Format:
        key = override.strip().lower()
        media = key.split(";")[0].strip()
        for primary in (True, False):  # a format's own first name wins over secondary names
            for f in self.formats:
                names = f.names[:1] if primary else f.names
                if key in names or media == f.media_type or (not primary and media in f.aliases):
                    return f
        if any(key in f.names or media == f.media_type for f in ALL_FORMATS):
            raise self.not_acceptable(f"format {override!r} cannot express this answer")
        raise ProtocolError(
            f"unknown format {override!r}: not offered here; use one of "
            f"{', '.join(self.names())} or a media type"
        )

    def names(self) -> list[str]:
        return [f.names[0] for f in self.formats if f.names]

    def not_acceptable(self, why: str) -> NotAcceptable:
        """The 406: what was wrong and everything that is offered (types and names)."""
        return NotAcceptable(
            f"{why}; offered: {', '.join(self.media_types)} "
            f"(or use ?format={'|'.join(self.names())})",
            self.media_types,
        )

    def alternates(self, path: str, chosen: Format | None = None) -> list[tuple[str, str, str]]:
        """(label, media type, URL) of every other representation, for links on a page."""
        return [(label, mt, path + query) for label, mt, query in _alternates(self, chosen)]


@functools.lru_cache(maxsize=1024)
def _choose(offers: Offers, accept: str | None, override: str | None) -> Format:
    """``offers._rank`` remembered (a refusal is raised afresh each time, never kept)."""
    return offers._rank(accept, override)


@functools.lru_cache(maxsize=64)
def _alternates(offers: Offers, chosen: Format | None) -> tuple[tuple[str, str, str], ...]:
    """(label, media type, query) of the representations other than ``chosen``: the same for
    every page of a table (encoding them costs more than the rest of a page's links)."""
    return tuple(
        (f.label, f.media_type, "?" + urlencode({"format": f.names[0]}))
        for f in offers.formats
        if f != chosen and f.names
    )


def _best_range(fmt: Format, ranges: list[MediaRange]) -> tuple[int, float, int] | None:
    """(specificity, q, client order) of the most specific range matching the format:
    3 its media type, 2 an alias named exactly, 1 ``type/*``, 0 ``*/*``."""
    best: tuple[int, float, int] | None = None
    for r in ranges:
        spec = r.specificity(fmt.media_type)
        if spec == 2:
            spec = 3
        elif spec < 0 and any(r.specificity(a) == 2 for a in fmt.aliases):
            spec = 2
        if spec >= 0 and (best is None or spec > best[0]):
            best = (spec, r.q, r.order)
    return best


#: SELECT and ASK answers.
SPARQL_RESULTS = Offers(JSON_RESULTS, XML_RESULTS, CSV, TSV)
#: CONSTRUCT/DESCRIBE answers, Graph Store reads, the service description.
RDF = Offers(TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)
#: A page about a resource (or the ontology): HTML for browsers, RDF for machines.
RESOURCE = Offers(HTML, TURTLE, JSONLD, RDFXML, NTRIPLES)
#: A data document (VoID): RDF by default, HTML when asked for.
DATA_DOCUMENT = Offers(TURTLE, HTML, JSONLD, RDFXML, NTRIPLES)
#: Accountability chains.
CHAIN = Offers(JSONLD, JSON, TURTLE, HTML, TEXT)
#: Connecting paths and search results.
PATHS = Offers(JSON, HTML, TEXT)
#: Search results: a page, or JSON for programs.
SEARCH = Offers(HTML, JSON)
#: The chronology: a page, JSON, or CSV to paste into a spreadsheet or a brief.
TIMELINE = Offers(HTML, JSON, CSV)
#: The SPARQL endpoint without a query: its service description, or a page for browsers.
SERVICE_DESCRIPTION = Offers(TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS, HTML)
#: Error answers: text for programs, a page for browsers.
ERROR = Offers(TEXT, HTML)


def negotiate(kind: str, accept: str | None, format_param: str | None = None) -> Format:
    """The format for a SPARQL answer of ``kind`` ('results' or 'rdf')."""
    return (RDF if kind == "rdf" else SPARQL_RESULTS).choose(accept, format_param)
