"""The project's exception hierarchy: every failure a user can cause maps to one of these.

Each error carries a message that says what went wrong, where, and how to fix it; the CLI
turns them into exit code 2 (or 1 for non-conformance) and the web layer into HTTP statuses.
"""

from __future__ import annotations


class CpkgError(Exception):
    """Base class: anything the user can act on."""


class ConfigError(CpkgError):
    """A setting is missing or invalid (environment variable, path, option)."""


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


class QuoteError(CpkgError):
    """A verbatim quote was not found in the source document it cites."""


class ValidationFailed(CpkgError):
    """Data does not conform to the SHACL shapes (a result, not a crash: exit code 1)."""


class StoreError(CpkgError):
    """The store (embedded or remote) failed to answer."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped."""


class RemoteStoreError(StoreError):
    """A remote SPARQL store was unreachable, refused us, or answered with something invalid."""


class RemoteTimeout(RemoteStoreError, QueryTimeout):
    """A remote SPARQL store did not answer within the client timeout (HTTP 504 upstream)."""


class RemoteAuthError(RemoteStoreError):
    """A remote SPARQL store refused our credentials (HTTP 401/403)."""
