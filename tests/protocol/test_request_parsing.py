"""Parsing SPARQL protocol requests and detecting SERVICE clauses."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from service.errors import ProtocolError
from service.protocol import check_federation, parse_request
from service.protocol.federation import service_iris
from service.sparqltext import query_form


def _req(**kw: object) -> Request:
    return Request(EnvironBuilder(path="/sparql", **kw).get_environ())  # type: ignore[arg-type]


def test_get_query_with_dataset() -> None:
    r = parse_request(
        _req(
            query_string=[
                ("query", "ASK {}"),
                ("default-graph-uri", "http://a"),
                ("default-graph-uri", "http://b"),
                ("named-graph-uri", "http://c"),
            ]
        )
    )
    assert (r.operation, r.text, r.default_graphs, r.named_graphs) == (
        "query",
        "ASK {}",
        ["http://a", "http://b"],
        ["http://c"],
    )


def test_get_without_query_is_a_description_request() -> None:
    assert parse_request(_req()).operation == "description"


def test_post_forms() -> None:
    r = parse_request(_req(method="POST", data={"query": "SELECT * {}", "format": "csv"}))
    assert (r.operation, r.format) == ("query", "csv")
    r = parse_request(_req(method="POST", data={"update": "CLEAR ALL"}))
    assert r.operation == "update"
    r = parse_request(
        _req(
            method="POST",
            data="ASK {}",
            content_type="application/sparql-query",
            query_string={"default-graph-uri": "http://g"},
        )
    )
    assert (r.operation, r.default_graphs) == ("query", ["http://g"])
    r = parse_request(
        _req(
            method="POST", data="CLEAR ALL", content_type="application/sparql-update; charset=utf-8"
        )
    )
    assert r.operation == "update"


@pytest.mark.parametrize(
    ("kw", "status", "message"),
    [
        (dict(method="POST", data="x", content_type="text/plain"), 415, "Content-Type"),
        (dict(method="POST", data={"query": "ASK {}", "update": "CLEAR ALL"}), 400, "not both"),
        (dict(method="POST", data={"other": "1"}), 400, "neither"),
        (dict(query_string=[("query", "ASK {}"), ("query", "ASK {}")]), 400, "2 times"),
        (dict(query_string={"query": "  "}), 400, "empty"),
        (dict(query_string={"update": "CLEAR ALL"}), 405, "POST"),
        (
            dict(method="POST", data=b"\xff\xfe", content_type="application/sparql-query"),
            400,
            "UTF-8",
        ),
        (
            dict(method="POST", data={"update": "CLEAR ALL", "using-graph-uri": "http://g"}),
            400,
            "not supported",
        ),
    ],
)
def test_bad_requests(kw: dict[str, object], status: int, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as info:
        parse_request(_req(**kw))
    assert info.value.status == status


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "select"),
        ("PREFIX ex: <http://ex.org/#> # comment\n BASE <http://b/> ask {}", "ask"),
        ("# SELECT\nCONSTRUCT WHERE {}", "construct"),
        ("describe <http://x>", "describe"),
        ("PREFIX : <http://x/> INSERT DATA { :a :b :c }", "update"),
        ("DELETE WHERE { ?s ?p ?o }", "update"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
        ("nonsense", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form


def test_service_detection_parses_the_query() -> None:
    q = "PREFIX ex: <http://ex.org/> SELECT * { SERVICE ex:s { ?s ?p ?o } SERVICE ?v { ?a ?b ?c } }"
    assert service_iris(q) == ["http://ex.org/s", None]
    assert service_iris('SELECT * { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://y/>') == []
    assert service_iris("SELECT * { ?s <http://ex.org/service> ?o }") == []
    assert service_iris("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }") == ["http://x/"]
    u = "INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }"
    assert service_iris(u, update=True) == ["http://x/"]


def test_federation_policy() -> None:
    q = "SELECT * { SERVICE <http://allowed/sparql> { ?s ?p ?o } }"
    check_federation(q, ["http://allowed/sparql"])
    with pytest.raises(ProtocolError, match="disabled"):
        check_federation(q, [])
    with pytest.raises(ProtocolError, match="not allowed"):
        check_federation("SELECT * { SERVICE ?x { ?s ?p ?o } }", ["http://allowed/sparql"])
    check_federation("SELECT * { ?s ?p ?o }", [])


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("SELECT * {" + " { ?s ?p ?o }" * 200 + " }", False),  # many brackets, shallow
        ("SELECT * " + "{" * 64 + " ?s ?p ?o " + "}" * 64, False),  # at the limit
        ("SELECT * " + "{" * 65 + " ?s ?p ?o " + "}" * 65, True),
        ("SELECT * { " + "(" * 70 + "1" + ")" * 70 + " }", True),
        ('SELECT * { ?s ?p "' + "(" * 100 + '" }', False),  # inside a string: not nesting
    ],
)
def test_nesting_limit(text: str, refused: bool) -> None:
    """The limit is on depth, not on how many brackets a query has; brackets in strings
    do not count."""
    from service.protocol.request import check_nesting

    if refused:
        with pytest.raises(ProtocolError, match="nests brackets more than 64"):
            check_nesting(text)
    else:
        check_nesting(text)


def test_service_found_however_the_word_is_written() -> None:
    """The shortcut (no 'service' in the text, no escape) must not hide a SERVICE."""
    assert service_iris("SELECT * { SeRvIcE <http://x/> { ?s ?p ?o } }") == ["http://x/"]
    assert service_iris("SELECT * { \\u0073ervice <http://x/> { ?s ?p ?o } }") == ["http://x/"]
    assert service_iris("SELECT * { ?s ?p ?o }") == []


def test_form_decoding_matches_urllib_on_random_input() -> None:
    """decode_form (the fast path's form reader) gives exactly what urllib's parse_qsl gives,
    pairs or error, on random text: escapes valid or not, multi-byte and broken UTF-8,
    backslashes (which its decoder must not read as escapes), plus signs, empty fields."""
    import random
    from urllib.parse import parse_qsl

    from service.protocol.request import decode_form

    pieces = [
        "%",
        "%2",
        "%41",
        "%4g",
        "%C3%A9",
        "%E2%82%AC",
        "%C3",
        "%FF",
        "%5C",
        "%5Cx41",
        "\\",
        "\\x41",
        "\\n",
        "+",
        "&",
        "=",
        "a",
        "Z",
        "0",
        "é",
        " ",
        "%25",
        "%%",
        "%0A",
    ]
    rng = random.Random(15)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            expected: object = parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            expected = UnicodeDecodeError
        try:
            got: object = decode_form(text)
        except UnicodeDecodeError:
            got = UnicodeDecodeError
        assert got == expected, text
