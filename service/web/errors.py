"""Turn every failure into a clear plain-text HTTP answer: never a stack trace, never a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from service.errors import (
    ConfigError,
    CpkgError,
    ParseError,
    QueryTimeout,
    RemoteStoreError,
    RemoteTimeout,
    StoreError,
)
from service.protocol.errors import NotAcceptable, ProtocolError
from service.store.base import QueryError, ResultTooLarge
from service.web import metrics

log = logging.getLogger(__name__)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text error body: the status line, then what went wrong and how to fix it."""
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = f"{status} {phrase}: {message}\n"
    resp = Response(body, status=status, content_type="text/plain; charset=utf-8")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def status_for(exc: CpkgError) -> int:
    """The HTTP status for a project exception."""
    if isinstance(exc, ProtocolError):
        return exc.status
    if isinstance(exc, ParseError | QueryError | ResultTooLarge):
        return 400
    if isinstance(exc, RemoteTimeout):
        return 504  # the upstream store timed out: a gateway timeout, not our own limit
    if isinstance(exc, QueryTimeout):
        return 503
    if isinstance(exc, RemoteStoreError):
        return 502
    if isinstance(exc, StoreError | ConfigError):
        return 500
    return 400


def handle_cpkg_error(exc: CpkgError) -> Response:
    status = status_for(exc)
    metrics.ERRORS.labels(kind=type(exc).__name__).inc()
    if isinstance(exc, QueryTimeout):
        metrics.TIMEOUTS.inc()
    if status >= 500:
        log.warning("%s %s -> %d: %s", request.method, request.path, status, exc)
    headers = {}
    if isinstance(exc, NotAcceptable):
        headers["X-Offered-Types"] = ", ".join(exc.offered)
    if isinstance(exc, QueryTimeout):
        headers["Retry-After"] = "1"
    return error_response(status, str(exc), headers)


def handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if isinstance(exc, RequestEntityTooLarge):
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        msg = f"the request is larger than this endpoint's limit of {limit} bytes"
        metrics.ERRORS.labels(kind="RequestTooLarge").inc()
        return error_response(413, msg + " (CPKG_MAX_REQUEST_BYTES); send a smaller request")
    headers = dict(exc.get_headers())
    headers.pop("Content-Type", None)
    return error_response(status, exc.description or exc.name, headers)


def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception("unexpected error on %s %s", request.method, request.path)
    metrics.ERRORS.labels(kind="internal").inc()
    return error_response(500, "internal error; the problem has been logged")


def register(app: Flask) -> None:
    app.register_error_handler(CpkgError, handle_cpkg_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
