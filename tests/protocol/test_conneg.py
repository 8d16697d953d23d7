"""Content negotiation: q-values, wildcards, aliases, the format override, 406."""

from __future__ import annotations

import pytest

from service.errors import NotAcceptable, ProtocolError
from service.protocol import negotiate, parse_accept

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TTL = "text/turtle"


@pytest.mark.parametrize(
    ("kind", "accept", "expected"),
    [
        ("results", None, JSON),
        ("results", "", JSON),
        ("rdf", None, TTL),
        ("results", "*/*", JSON),
        ("rdf", "*/*", TTL),
        ("results", "text/*", CSV),
        ("results", "application/*", JSON),
        ("rdf", "application/*", "application/n-triples"),
        ("results", "text/csv;q=0.5, text/tab-separated-values", TSV),
        ("results", "text/csv, text/tab-separated-values", CSV),  # tie: client order
        ("results", "text/tab-separated-values, text/csv", TSV),
        ("results", "application/json", JSON),
        ("rdf", "application/json", "application/ld+json"),
        ("rdf", "text/plain", "application/n-triples"),
        ("results", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", XML),
        (
            "rdf",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/rdf+xml",
        ),
        ("results", "*/*;q=0.1, text/csv;q=0.2", CSV),
        ("results", "application/sparql-results+json;q=0, */*", XML),
        ("rdf", "application/n-quads; q=0.9, application/trig", "application/trig"),
        ("results", "garbage, text/csv", CSV),
        ("results", "text/csv;q=abc", CSV),
    ],
)
def test_accept(kind: str, accept: str | None, expected: str) -> None:
    assert negotiate(kind, accept).media_type == expected


@pytest.mark.parametrize(
    ("kind", "fmt", "expected"),
    [
        ("results", "json", JSON),
        ("results", "xml", XML),
        ("results", "csv", CSV),
        ("results", "tsv", TSV),
        ("rdf", "ttl", TTL),
        ("rdf", "nt", "application/n-triples"),
        ("rdf", "jsonld", "application/ld+json"),
        ("rdf", "rdfxml", "application/rdf+xml"),
        ("rdf", "trig", "application/trig"),
        ("rdf", "nq", "application/n-quads"),
        ("rdf", "json", "application/ld+json"),
        ("rdf", "xml", "application/rdf+xml"),
        ("rdf", "text/turtle", TTL),
        ("results", "application/sparql-results+xml", XML),
        ("results", "TSV", TSV),
    ],
)
def test_format_parameter_overrides_accept(kind: str, fmt: str, expected: str) -> None:
    assert negotiate(kind, "application/n-quads, text/csv", fmt).media_type == expected


def test_nothing_acceptable_lists_offered_types() -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate("results", "image/png, text/turtle")
    assert info.value.status == 406
    assert JSON in info.value.offered and JSON in str(info.value)
    with pytest.raises(NotAcceptable):
        negotiate("results", "*/*;q=0")
    with pytest.raises(NotAcceptable, match="cannot express"):
        negotiate("rdf", None, "csv")


def test_unknown_format_name_is_a_400() -> None:
    with pytest.raises(ProtocolError, match="unknown format 'yaml'") as info:
        negotiate("results", None, "yaml")
    assert info.value.status == 400


def test_parse_accept_is_lenient() -> None:
    ranges = parse_accept("text/csv;q=0.3;charset=utf-8, *, bad, a/b;q=7")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "csv", 0.3),
        ("*", "*", 1.0),
        ("a", "b", 1.0),
    ]


def test_repeated_negotiation_gives_the_same_answers_and_refusals() -> None:
    """Choices are remembered per header; a refusal is raised again every time (never
    remembered as an answer)."""
    for _ in range(3):
        assert (
            negotiate("results", "text/csv;q=0.5, application/sparql-results+xml").media_type == XML
        )
        with pytest.raises(NotAcceptable):
            negotiate("results", "image/png")
        with pytest.raises(ProtocolError, match="unknown format"):
            negotiate("results", None, "yaml")
