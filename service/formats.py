"""The one table of formats: every media type the service reads or writes, with the names a
``?format=`` parameter accepts, the file extensions a loader accepts, and the pyoxigraph format
behind it. Content negotiation (service/protocol/conneg.py) offers subsets of this table; the
loaders (build, ``cpkg serve --data``, the Graph Store) look formats up here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.errors import ParseError


@dataclass(frozen=True)
class Format:
    """One representation: ``names`` for ``?format=``, ``aliases`` are other media types that
    select it when named exactly (e.g. ``application/json`` for JSON-LD)."""

    media_type: str
    label: str
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    extensions: tuple[str, ...] = ()
    charset: bool = True
    min_row_bytes: int = 1  # results formats: the fewest bytes one row can take

    def __reduce__(self) -> tuple[object, tuple[str]]:
        """Formats are singletons of this module; pickled (to an evaluator) by media type."""
        return by_media_type, (self.media_type,)

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def iri(self) -> str | None:
        """The format's IRI in the W3C registry (http://www.w3.org/ns/formats/), if it has one."""
        if self.rdf is ox.RdfFormat.JSON_LD:  # pyoxigraph names the draft data/ IRI
            return "http://www.w3.org/ns/formats/JSON-LD"
        kind = self.rdf or self.results
        return kind.iri if kind is not None else None

    @property
    def is_quads(self) -> bool:
        """Whether the syntax carries graph names (TriG, N-Quads)."""
        return self.rdf in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)

    @property
    def is_lines(self) -> bool:
        """Whether pieces serialized separately can simply be concatenated."""
        return self.rdf in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


R = ox.QueryResultsFormat
JSON_RESULTS = Format(
    "application/sparql-results+json", "SPARQL JSON", ("json", "srj"), ("application/json",),
    results=R.JSON, min_row_bytes=2,
)  # fmt: skip
XML_RESULTS = Format(
    "application/sparql-results+xml", "SPARQL XML", ("xml", "srx"),
    ("application/xml", "text/xml"), results=R.XML, min_row_bytes=17,
)  # fmt: skip
CSV = Format("text/csv", "CSV", ("csv",), results=R.CSV, min_row_bytes=2)
TSV = Format("text/tab-separated-values", "TSV", ("tsv",), results=R.TSV)

F = ox.RdfFormat
TURTLE = Format(
    "text/turtle", "Turtle", ("ttl", "turtle"), ("application/x-turtle",), F.TURTLE,
    extensions=("ttl", "turtle"),
)  # fmt: skip
NTRIPLES = Format(
    "application/n-triples", "N-Triples", ("nt", "ntriples", "n-triples"), ("text/plain",),
    F.N_TRIPLES, extensions=("nt",),
)  # fmt: skip
JSONLD = Format(
    "application/ld+json", "JSON-LD", ("jsonld", "json-ld", "json"), ("application/json",),
    F.JSON_LD, extensions=("jsonld", "json"),
)  # fmt: skip
RDFXML = Format(
    "application/rdf+xml", "RDF/XML", ("rdfxml", "rdf", "xml", "owl"),
    ("application/xml", "text/xml"), F.RDF_XML, extensions=("rdf", "owl", "xml"),
)  # fmt: skip
TRIG = Format("application/trig", "TriG", ("trig",), rdf=F.TRIG, extensions=("trig",))
NQUADS = Format(
    "application/n-quads", "N-Quads", ("nq", "nquads", "n-quads"), rdf=F.N_QUADS,
    extensions=("nq",),
)  # fmt: skip
N3 = Format("text/n3", "N3", ("n3",), rdf=F.N3, extensions=("n3",))

HTML = Format("text/html", "HTML", ("html", "htm"), ("application/xhtml+xml",))
TEXT = Format("text/plain", "plain text", ("text", "txt"))
JSON = Format("application/json", "JSON", ("json",))

RESULT_FORMATS: tuple[Format, ...] = (JSON_RESULTS, XML_RESULTS, CSV, TSV)
RDF_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS)
ALL: tuple[Format, ...] = (*RESULT_FORMATS, *RDF_FORMATS, N3, HTML, TEXT, JSON)
_READABLE = (*RDF_FORMATS, N3)


def rdf_format(name: str) -> Format:
    """The RDF syntax for a media type, a ``format`` name or a file extension (``.ttl``);
    ParseError naming what is accepted otherwise."""
    key = name.split(";")[0].strip().lower()
    ext = key.lstrip(".")
    for f in _READABLE:
        if key in (f.media_type, *f.aliases) or ext in f.extensions or ext in f.names:
            return f
    accepted = ", ".join(f"{f.label} (.{f.extensions[0]})" for f in _READABLE)
    raise ParseError(f"unsupported RDF format {name!r}; use one of {accepted}")


_BY_MEDIA_TYPE = {f.media_type: f for f in ALL}


def by_media_type(media_type: str) -> Format:
    """The table's format for a media type (KeyError if it has none); every task that
    answers in a format looks one up in its evaluator."""
    return _BY_MEDIA_TYPE[media_type]
