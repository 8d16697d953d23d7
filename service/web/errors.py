"""Every failure becomes one clear answer: never a stack trace, never a bare 500.

Errors are exceptions (service/errors.py) that carry their HTTP status and headers; this is the
one place that turns them into responses: a page for browsers (who ask for HTML), plain text
for everyone else, always saying what went wrong and how to fix it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

import service.web.metrics as metrics
from service.errors import CpkgError, NotAcceptable, QueryTimeout, RequestTooLarge
from service.formats import HTML
from service.protocol.conneg import ERROR

log = logging.getLogger(__name__)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as a page for browsers, as ``<status> <phrase>: <message>`` text otherwise."""
    try:
        wants_html = ERROR.choose(request.headers.get("Accept"), None) is HTML
    except NotAcceptable:
        wants_html = False
    if wants_html or request.args.get("format") == "html":
        from flask import render_template

        body = render_template("error.html", status=status, title=phrase(status), message=message)
        resp = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        body = f"{status} {phrase(status)}: {message}\n"
        resp = Response(body, status=status, content_type="text/plain; charset=utf-8")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def handle_cpkg_error(exc: CpkgError) -> Response:
    metrics.ERRORS.labels(kind=type(exc).__name__).inc()
    if isinstance(exc, QueryTimeout):
        metrics.TIMEOUTS.inc()
    if exc.status >= 500:
        log.warning("%s %s -> %d: %s", request.method, request.path, exc.status, exc)
    return error_response(exc.status, str(exc), exc.headers())


def handle_http_error(exc: HTTPException) -> Response:
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return handle_cpkg_error(
            RequestTooLarge(
                f"the request is larger than this endpoint's limit of {limit} bytes "
                "(CPKG_MAX_REQUEST_BYTES); send a smaller request"
            )
        )
    headers = dict(exc.get_headers())
    headers.pop("Content-Type", None)
    return error_response(exc.code or 500, exc.description or exc.name, headers)


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
