"""Serialize query results: SELECT/ASK as SPARQL JSON/XML/CSV/TSV, graphs as RDF formats.

SELECT rows are written here (rather than by pyoxigraph's native writer) so they stream piece by
piece (the executor has already capped them); graphs and booleans use pyoxigraph's writers.
Formats come from the one table in service/formats.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from service.formats import Format
from service.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    Row,
    SelectResult,
    Term,
    to_quads,
)
from service.vocab import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_BATCH = 10_000  # triples per piece of a streamed graph


def result_kind(result: QueryResult) -> str:
    """'rdf' for a graph, 'results' for SELECT/ASK (the two tables negotiation offers)."""
    return "rdf" if isinstance(result, GraphResult) else "results"


def serialize(result: QueryResult, fmt: Format) -> bytes:
    """Serialize a whole result."""
    return b"".join(serialize_chunks(result, fmt))


def serialize_chunks(result: QueryResult, fmt: Format) -> Iterator[bytes]:
    """The serialization as consecutive pieces, produced while the result is read. SELECT rows
    and line-based RDF (N-Triples, N-Quads) come piece by piece; other RDF syntaxes need the
    whole graph and come in one piece."""
    if isinstance(result, AskResult):
        raw = ox.Store().query("ASK {}" if result.value else "ASK { FILTER(false) }")
        assert isinstance(raw, ox.QueryBoolean) and fmt.results is not None
        yield raw.serialize(format=fmt.results) or b""
        return
    if isinstance(result, SelectResult):
        yield from _SELECT_WRITERS[fmt.media_type](result.variables, result.rows)
        return
    triples = iter(result.triples)
    if fmt.is_lines:
        while batch := list(islice(triples, _BATCH)):
            yield serialize_triples(batch, fmt)
        return
    yield serialize_triples(list(triples), fmt)


def serialize_triples(
    triples: Iterable[Triple], fmt: Format, graph: NamedNode | None = None
) -> bytes:
    """Serialize triples (e.g. a Graph Store GET) to an RDF format, with project prefixes."""
    assert fmt.rdf is not None
    data: Iterable[Triple] | Iterable[ox.Quad] = (
        to_quads(triples, graph) if fmt.is_quads else triples
    )
    return ox.serialize(data, format=fmt.rdf, prefixes=prefixes_for(fmt)) or b""


def prefixes_for(fmt: Format) -> dict[str, str] | None:
    """The project prefixes, for the syntaxes that can declare them."""
    declares = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
    return PREFIXES if fmt.rdf in declares else None


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
