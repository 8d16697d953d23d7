"""Parse a SPARQL 1.1 Protocol request (GET, POST form, POST sparql-query/sparql-update)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from service.config import Settings
from service.errors import ProtocolError
from service.formats import Format
from service.protocol.conneg import RDF, SPARQL_RESULTS
from service.protocol.federation import check_federation
from service.sparqltext import query_form, strip_noise

Operation = Literal["query", "update", "description"]


@dataclass
class SparqlRequest:
    """What the client asked for, independent of how it was sent."""

    operation: Operation
    text: str = ""
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None  # the ``format`` parameter, overriding Accept

    @property
    def form(self) -> str | None:
        """select/ask/construct/describe for queries, else None."""
        return query_form(self.text) if self.operation == "query" else None


MAX_NESTING = 64
_OPEN, _CLOSE = frozenset("({["), frozenset(")}]")


def nesting_depth(text: str) -> int:
    """Deepest nesting of (), {} and [] outside strings, IRIs and comments."""
    depth = deepest = 0
    for ch in strip_noise(text):
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


def check_nesting(text: str, operation: str = "query") -> None:
    """Refuse absurdly nested text before any parser sees it: the SPARQL parsers recurse, and
    a few thousand levels crash or stall them. Text that opens no more brackets than the limit
    cannot nest deeper (the common case, decided without a pass in Python)."""
    if sum(map(text.count, _OPEN)) <= MAX_NESTING:
        return
    if nesting_depth(text) > MAX_NESTING:
        raise ProtocolError(
            f"the {operation} nests brackets more than {MAX_NESTING} levels deep; "
            "flatten it (real queries rarely nest more than 10 levels)"
        )


# A percent sign not followed by two hex digits: urllib leaves it as it is.
_LONE_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def decode_form(text: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")``, the same
    pairs and the same errors (UnicodeDecodeError), faster: a query sent as a form is mostly
    ``%XX`` escapes, which urllib decodes one by one in Python (~25 us for a 570-byte query;
    here ~5 us). tests/protocol/test_request_parsing.py compares the two on random input."""
    pairs = []
    for field_text in text.split("&"):
        if not field_text:
            continue
        name, _, value = field_text.partition("=")
        pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def _unquote_plus(text: str) -> str:
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    raw = text.encode("ascii") if text.isascii() else b""
    if not raw or _LONE_PERCENT.search(raw):
        return unquote(text, errors="strict")
    # Every % starts an escape: as \xXX (other backslashes doubled), C decodes them all at once.
    decoded: bytes = codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    return decoded.decode("utf-8")


def _one(params: MultiDict[str, str], name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(f"the {name!r} parameter was given {len(values)} times; give it once")
    return values[0] if values else None


def _body_text(request: Request) -> str:
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return request.get_data(cache=True).decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise ProtocolError(
            f"the request body is not valid {charset} text; send it UTF-8 encoded"
        ) from None


def parse_request(request: Request) -> SparqlRequest:
    """Read a SPARQL request from query string and body; raise ProtocolError if malformed."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            raise ProtocolError(
                "SPARQL updates must be sent with POST (form field 'update' or an "
                "application/sparql-update body)",
                405,
            )
        params = args
        text = _one(params, "query")
        if text is None:
            return SparqlRequest("description", format=_one(params, "format"))
        operation: Operation = "query"
    elif request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            params = MultiDict(list(args.items(multi=True)) + list(request.form.items(multi=True)))
            query, update = _one(request.form, "query"), _one(request.form, "update")
            if query is not None and update is not None:
                raise ProtocolError("send either 'query' or 'update', not both")
            if query is None and update is None:
                raise ProtocolError(
                    "the form has neither a 'query' nor an 'update' field; "
                    "send query=SELECT... or update=INSERT..."
                )
            operation = "query" if query is not None else "update"
            text = query if query is not None else update
        elif mimetype == "application/sparql-query":
            params, operation, text = args, "query", _body_text(request)
        elif mimetype == "application/sparql-update":
            params, operation, text = args, "update", _body_text(request)
        else:
            raise ProtocolError(
                f"unsupported Content-Type {mimetype or '(none)'!r}; use "
                "application/x-www-form-urlencoded, application/sparql-query or "
                "application/sparql-update",
                415,
            )
    else:
        raise ProtocolError(f"method {request.method} is not allowed here", 405)
    if text is None or not text.strip():
        raise ProtocolError(f"the {operation} is empty")
    check_nesting(text, operation)
    if operation == "query":
        default, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    else:
        default, named = params.getlist("using-graph-uri"), params.getlist("using-named-graph-uri")
        if default or named:
            raise ProtocolError(
                "using-graph-uri/using-named-graph-uri are not supported; put USING/USING "
                "NAMED or GRAPH clauses in the update itself"
            )
    return SparqlRequest(operation, text, default, named, _one(params, "format"))


def prepare_query(
    text: str, accept: str | None, format_param: str | None, settings: Settings
) -> Format:
    """What must hold before a query is evaluated, and the format to answer in: a query (not
    an update), a format the client accepts for its form (406 before evaluating), and no
    SERVICE outside the allowlist. Shared by the /sparql route and the fast path in front of it."""
    form = query_form(text)
    if form == "update":
        raise ProtocolError(
            "this is a SPARQL update, but the query endpoint is read-only; send updates with "
            "POST (form field 'update' or an application/sparql-update body) and an "
            "update token"
        )
    offers = RDF if form in ("construct", "describe") else SPARQL_RESULTS
    fmt = offers.choose(accept, format_param)
    check_federation(text, settings.federation_allowlist)
    return fmt
