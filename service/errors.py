"""The project's exception hierarchy: every failure a user can cause maps to one of these.

Each error carries a message that says what went wrong, where, and how to fix it, and the HTTP
status it is answered with (``status``) plus any headers that status needs (``headers()``): the
web layer has one handler that turns any of them into a response, so no route builds an error
response by hand. The CLI turns them into exit code 2 (or 1 for non-conformance).
"""

from __future__ import annotations

import math
import re

_POSITION = re.compile(r"(\d+):(\d+)")


class CpkgError(Exception):
    """Base class: anything the user (or operator) can act on."""

    status = 400

    def headers(self) -> dict[str, str]:
        """Headers the HTTP answer for this error must carry."""
        return {}


class ConfigError(CpkgError):
    """A setting is missing or invalid (environment variable, path, option)."""

    status = 500


class SourceError(CpkgError):
    """A source document is missing, unreadable, or does not match its recorded SHA-256."""


class ParseError(CpkgError):
    """An RDF file or query could not be parsed; the message names the file and line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column

    @classmethod
    def from_syntax_error(
        cls, exc: Exception, what: str, path: str | None = None, text: str | None = None
    ) -> ParseError:
        """pyoxigraph's SyntaxError ('error at 3:14: expected ...') as a ParseError, in words a
        reader can act on: an undeclared prefix is named (when ``text``, the source, is given),
        and a long list of expected characters is cut short."""
        msg = str(exc.args[0]) if exc.args else str(exc)
        line: int | None = getattr(exc, "lineno", None)
        column: int | None = getattr(exc, "offset", None)
        if line is None:
            m = _POSITION.search(msg)
            line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        where = f" at line {line}, column {column}" if line is not None else ""
        detail = msg.split(": ", 1)[1] if ("error at" in msg[:20] and ": " in msg) else msg
        if "Prefix not found" in detail:
            detail = _undeclared_prefix(text, line, column)
        elif len(detail) > MAX_DETAIL:
            detail = (
                detail[:MAX_DETAIL].rsplit(",", 1)[0] + ", … (the character there is not allowed)"
            )
        return cls(f"{what} syntax error{where}: {detail}", path=path, line=line, column=column)


MAX_DETAIL = 200
_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*$")


def _undeclared_prefix(text: str | None, line: int | None, column: int | None) -> str:
    """'the prefix foo: is not declared ...', naming the prefix when the text shows it."""
    name = None
    if text is not None and line is not None and column is not None:
        lines = text.splitlines()
        if 0 < line <= len(lines):
            m = _PREFIXED.search(lines[line - 1][: max(column, 0)].rstrip())
            name = (m.group(1) or "") if m else None
    which = f"the prefix {name}: is" if name is not None else "a prefix used here is"
    example = f"PREFIX {name}: <namespace IRI>" if name is not None else "PREFIX name: <IRI>"
    return f"{which} not declared; add a line such as {example} before the query"


class QuoteError(CpkgError):
    """A verbatim quote was not found in the source document it cites."""


class ValidationFailed(CpkgError):
    """Data does not conform to the SHACL shapes (a result, not a crash: exit code 1)."""


class NotFound(CpkgError):
    """The request names something the dataset (or the server) does not have."""

    status = 404


class ResultTooLarge(CpkgError):
    """A result has more rows/triples than ``Settings.max_results`` allows."""


# -- the request itself ------------------------------------------------------------------------


class ProtocolError(CpkgError):
    """A protocol violation the client can fix; ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class NotAcceptable(ProtocolError):
    """No offered format satisfies the Accept header / ``format`` parameter."""

    status = 406

    def __init__(self, message: str, offered: list[str]) -> None:
        super().__init__(message)
        self.offered = offered

    def headers(self) -> dict[str, str]:
        return {"X-Offered-Types": ", ".join(self.offered)}


class Unauthorized(ProtocolError):
    """The request carries credentials that are not valid (or none where they are needed)."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(ProtocolError):
    """The caller is known but may not do this."""

    status = 403


class RequestTooLarge(ProtocolError):
    """The request body or query string is over ``CPKG_MAX_REQUEST_BYTES``."""

    status = 413

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class RateLimited(ProtocolError):
    """The client sent more requests than ``CPKG_RATE_LIMIT`` allows."""

    status = 429

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, math.ceil(self.wait)))}


# -- the store ---------------------------------------------------------------------------------


class StoreError(CpkgError):
    """The store (embedded or remote) failed to answer."""

    status = 500


class QueryError(StoreError):
    """A well-formed query or update that cannot be evaluated (the user can fix it).

    E.g. ``CREATE GRAPH`` on an existing graph, or a function error that aborts evaluation.
    """

    status = 400


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped."""

    status = 503

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class RemoteStoreError(StoreError):
    """A remote SPARQL store was unreachable, refused us, or answered with something invalid."""

    status = 502


class RemoteTimeout(RemoteStoreError, QueryTimeout):
    """A remote SPARQL store did not answer within the client timeout: a gateway timeout."""

    status = 504


class RemoteAuthError(RemoteStoreError):
    """A remote SPARQL store refused our credentials (HTTP 401/403)."""


class OutsideExecutor(StoreError):
    """Code read the store without the executor (service/query/executor.py): a bug, never
    the client's fault, and refused so that no read escapes the time limit or access control."""
