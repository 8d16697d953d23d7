"""Answer a repeated query from memory before Flask sees it (WSGI middleware).

Public endpoints and the example library see the same query many times. The answer cache
(service/query/executor.py) saves evaluation, but the request still costs
~0.25 ms of Flask routing, form parsing, content negotiation and access control: most of a
cached answer's time. This layer keys the *raw request* (method, query string, content type,
body, Accept) at the dataset version and replays the exact status, headers and body Flask sent
the first time, in ~0.02 ms.

Only what cannot depend on anything else is replayed: anonymous ``GET``/``POST /sparql``
queries whose answer Flask marked as a cacheable query result (``mark_replayable``), never
updates, errors, the service description (it names the Host) or callers with credentials
(their dataset differs). Rate limiting and metrics apply exactly as on the Flask path.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from flask import Flask, request

import service.web.metrics as metrics
from service.query.cache import QueryCache
from service.web.context import get_executor, get_settings
from service.web.ratelimit import RateLimiter, is_loopback

REPLAYABLE = "cpkg.replayable"  # environ flag set by the /sparql route for a cacheable answer
RATE_WAIT = "cpkg.rate-wait"  # environ: this layer already took the caller's rate-limit token
FORM_TYPES = ("application/x-www-form-urlencoded", "application/sparql-query")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RequestKey(NamedTuple):
    """The raw request, at the dataset version its answer was computed for."""

    version: int
    method: str
    query_string: str
    content_type: str
    body: bytes
    accept: str

    @property
    def nbytes(self) -> int:
        return len(self.query_string) + len(self.content_type) + len(self.body) + len(self.accept)


def mark_replayable() -> None:
    """Called by the /sparql route: this response is a query answer that may be replayed."""
    request.environ[REPLAYABLE] = True


class RepeatedQueries:
    """Wraps ``app.wsgi_app``; falls through to it for anything it cannot replay."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.limiter = limiter
        settings = get_settings(app)
        self.max_bytes = settings.max_request_bytes
        self.credentials_matter = bool(settings.update_token or settings.users)
        self.limit_loopback = settings.rate_limit_loopback
        self._cache: QueryCache[RequestKey] | None = None

    def cache(self) -> QueryCache[RequestKey]:
        """Created on first use in each process (after the server forked its workers)."""
        if self._cache is None:
            answers = get_executor(self.app).cache  # same budget and the same store generation
            self._cache = QueryCache[RequestKey](
                answers.max_bytes if answers.enabled else 0,
                version_source=lambda: answers.version,
            )
        return self._cache

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        cache = self.cache()
        hit = cache.get(key)
        if hit is not None and self._allowed(environ):
            start_response("200 OK", list(hit.headers))  # only 200 answers are recorded
            metrics.REQUESTS.labels(route="/sparql", method=key.method, status="200").inc()
            metrics.LATENCY.labels(route="/sparql").observe(time.perf_counter() - started)
            return [hit.body]
        return self._record(environ, start_response, cache, key)

    def _record(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        cache: QueryCache[RequestKey],
        key: RequestKey,
    ) -> Iterable[bytes]:
        sent: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        if not (environ.get(REPLAYABLE) and sent and sent[0].startswith("200 ")):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = tuple((k, v) for k, v in sent[1])
        cache.put(key, data, headers)
        return [data]

    def _key(self, environ: dict[str, Any]) -> RequestKey | None:
        if environ.get("PATH_INFO") != "/sparql":
            return None
        method = environ.get("REQUEST_METHOD", "")
        if method not in ("GET", "POST"):
            return None
        if self.credentials_matter and environ.get("HTTP_AUTHORIZATION"):
            return None
        if not self.cache().enabled:
            return None
        query_string = environ.get("QUERY_STRING", "")
        if len(query_string) > self.max_bytes:
            return None
        content_type, body = "", b""
        if method == "POST":
            content_type = environ.get("CONTENT_TYPE", "")
            length = environ.get("CONTENT_LENGTH", "")
            if not length.isdigit() or int(length) > self.max_bytes:
                return None  # chunked or too big: Flask explains
            if content_type.split(";", 1)[0].strip().lower() not in FORM_TYPES:
                return None
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again on a miss
            environ["CONTENT_LENGTH"] = str(len(body))
        elif not query_string:
            return None
        return RequestKey(
            self.cache().version,
            method,
            query_string,
            content_type,
            body,
            environ.get("HTTP_ACCEPT", ""),
        )

    def _allowed(self, environ: dict[str, Any]) -> bool:
        """Take the caller's rate-limit token; if refused, Flask answers the 429 (and must
        not take a second token: ``RATE_WAIT``)."""
        if not self.limiter.enabled:
            return True
        addr = environ.get("REMOTE_ADDR")
        if not self.limit_loopback and is_loopback(addr):
            return True
        wait = self.limiter.take(f"ip:{addr}")
        if wait > 0:
            environ[RATE_WAIT] = wait
            return False
        return True
