"""Serialize query results: SELECT/ASK as SPARQL JSON/XML/CSV/TSV, graphs as RDF formats.

SELECT rows are written here (rather than by pyoxigraph's native writer) so rows can be
counted against ``max_results`` as they stream; graphs and booleans use pyoxigraph's writers.
``FORMATS`` is the single table of what the endpoint offers, used by content negotiation.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal as Kind
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from service.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    ResultTooLarge,
    Row,
    SelectResult,
    Term,
    to_quads,
)
from service.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
T_co = TypeVar("T_co")


@dataclass(frozen=True)
class Format:
    """One offered output format."""

    kind: Kind["results", "rdf"]  # results: SELECT/ASK; rdf: CONSTRUCT/DESCRIBE/graphs
    media_type: str
    names: tuple[str, ...]  # short names accepted by the ``format`` parameter
    aliases: tuple[str, ...] = ()  # other media types that select this format
    charset: bool = True

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


FORMATS: tuple[Format, ...] = (
    Format("results", "application/sparql-results+json", ("json", "srj"), ("application/json",)),
    Format(
        "results", "application/sparql-results+xml", ("xml", "srx"), ("application/xml", "text/xml")
    ),
    Format("results", "text/csv", ("csv",)),
    Format("results", "text/tab-separated-values", ("tsv",)),
    Format("rdf", "text/turtle", ("ttl", "turtle"), ("application/x-turtle",)),
    Format("rdf", "application/n-triples", ("nt", "ntriples", "n-triples"), ("text/plain",)),
    Format("rdf", "application/ld+json", ("jsonld", "json-ld", "json"), ("application/json",)),
    Format(
        "rdf",
        "application/rdf+xml",
        ("rdfxml", "rdf", "xml", "owl"),
        ("application/xml", "text/xml"),
    ),
    Format("rdf", "application/trig", ("trig",)),
    Format("rdf", "application/n-quads", ("nq", "nquads", "n-quads")),
)

_RDF_FORMAT: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_QUAD_FORMATS = {"application/trig", "application/n-quads"}
_LINE_FORMATS = {"application/n-triples", "application/n-quads"}  # concatenable batches
_BATCH = 10_000  # triples per piece of a streamed graph
_BOOL_FORMAT: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def formats_for(kind: str) -> list[Format]:
    """The formats offered for a result kind ('results' or 'rdf'), preferred first."""
    return [f for f in FORMATS if f.kind == kind]


def result_kind(result: QueryResult) -> str:
    return "rdf" if isinstance(result, GraphResult) else "results"


def serialize(result: QueryResult, media_type: str, *, max_results: int | None = None) -> bytes:
    """Serialize a result to ``media_type``; raise ResultTooLarge past ``max_results``."""
    return b"".join(serialize_chunks(result, media_type, max_results=max_results))


def serialize_chunks(
    result: QueryResult, media_type: str, *, max_results: int | None = None
) -> Iterator[bytes]:
    """The serialization as consecutive pieces, produced while the result is read, so a large
    answer can be sent before it is complete. SELECT rows and line-based RDF (N-Triples,
    N-Quads) come piece by piece; other RDF syntaxes need the whole graph and come in one piece.
    ResultTooLarge is raised when ``max_results`` is passed, possibly after earlier pieces."""
    if isinstance(result, AskResult):
        raw = ox.Store().query("ASK {}" if result.value else "ASK { FILTER(false) }")
        assert isinstance(raw, ox.QueryBoolean)
        yield raw.serialize(format=_BOOL_FORMAT[media_type]) or b""
        return
    if isinstance(result, SelectResult):
        rows = _bounded(result.rows, max_results, "rows")
        yield from _SELECT_WRITERS[media_type](result.variables, rows)
        return
    triples = _bounded(result.triples, max_results, "triples")
    if media_type in _LINE_FORMATS:
        while batch := list(islice(triples, _BATCH)):
            yield serialize_triples(batch, media_type)
        return
    yield serialize_triples(list(triples), media_type)


def serialize_triples(
    triples: Iterable[Triple], media_type: str, graph: NamedNode | None = None
) -> bytes:
    """Serialize triples (e.g. a Graph Store GET) to an RDF media type, with project prefixes."""
    fmt = _RDF_FORMAT[media_type]
    data: Iterable[Triple] | Iterable[ox.Quad] = triples
    if media_type in _QUAD_FORMATS:
        data = to_quads(triples, graph)
    prefixes = (
        PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    )
    return ox.serialize(data, format=fmt, prefixes=prefixes) or b""


def _bounded(items: Iterable[T_co], limit: int | None, what: str) -> Iterator[T_co]:
    if limit is None:
        yield from items
        return
    it = iter(items)
    yield from islice(it, limit)
    if next(it, None) is not None:
        raise ResultTooLarge(
            f"the result has more than {limit} {what}, the limit of this endpoint; "
            "add LIMIT/OFFSET to page through it"
        )


# -- SELECT writers ---------------------------------------------------------------------------


def _json_term(t: Term) -> dict[str, object]:
    if isinstance(t, NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, Literal):
        out: dict[str, object] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(t.subject),
            "predicate": _json_term(t.predicate),
            "object": _json_term(t.object),
        },
    }


def _write_json(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    yield b'{"head":{"vars":' + json.dumps(variables).encode() + b'},"results":{"bindings":['
    sep = b""
    for row in rows:
        binding = {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        yield sep + json.dumps(binding, ensure_ascii=False, separators=(",", ":")).encode()
        sep = b",\n"
    yield b"]}}\n"


def _xml_term(t: Term) -> str:
    if isinstance(t, NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>"
        f"{_xml_term(t.predicate)}</predicate><object>{_xml_term(t.object)}</object></triple>"
    )


def _write_xml(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        f"<head>{head}</head><results>\n"
    ).encode()
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        )
        yield f"<result>{cells}</result>\n".encode()
    yield b"</results></sparql>\n"


def _csv_value(t: Term | None) -> str:
    if t is None:
        return ""
    if isinstance(t, NamedNode | Literal):
        return t.value
    if isinstance(t, BlankNode):
        return f"_:{t.value}"
    return str(t)


def _write_csv(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(variables)
    for row in rows:
        w.writerow([_csv_value(t) for t in row])
        if buf.tell() > 65536:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()


def _tsv_value(t: Term | None) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t")


def _write_tsv(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    yield ("\t".join("?" + v for v in variables) + "\n").encode()
    for row in rows:
        yield ("\t".join(_tsv_value(t) for t in row) + "\n").encode()


_SELECT_WRITERS = {
    "application/sparql-results+json": _write_json,
    "application/sparql-results+xml": _write_xml,
    "text/csv": _write_csv,
    "text/tab-separated-values": _write_tsv,
}
