"""Anonymous reads of ``/sparql`` without Flask (WSGI middleware in front of it).

Most traffic is anonymous queries: the same ones repeated (example queries, dashboards) or a
new one each time (people and programs looking things up). Flask's routing, request parsing,
negotiation and hooks cost several times the evaluation of a point lookup, so this layer
answers both kinds itself:

- a **repeated** query is *replayed*: the raw request (method, query string, content type,
  body, Accept) is keyed at the store generation, and the exact status, headers and body sent
  the first time are sent again;
- a **new** simple query (``query`` and at most ``format``, by GET or POST) is answered here:
  the same checks as the route (``sparql.prepare_query``: not an update, a format the client
  accepts, no SERVICE outside the allowlist), then the same read through the executor, with
  its time limit, result cap, access control and cache.

- an anonymous **resource** read (``GET``/``HEAD /id/…``, with at most ``page``, ``per_page``
  and ``format``) is answered by the route's own function (``resources.answer_resource``) with
  the route's headers; an error it raises is handed to Flask, which explains it without
  evaluating again (``FAST_PATH_ERROR``).

Everything else (credentials, errors found before evaluating, protocol datasets, browsers who
want an HTML error page, updates, the service description) falls through to Flask, which
explains it. Rate limiting and metrics apply exactly as on the Flask path, once per request.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, NamedTuple

from flask import Flask, request

import service.web.metrics as metrics
from service.errors import CpkgError, QueryTimeout
from service.formats import HTML
from service.protocol.conneg import ERROR, RESOURCE
from service.protocol.request import check_nesting, decode_form, prepare_query
from service.query.access import ANONYMOUS
from service.query.answers import answer
from service.query.cache import QueryCache
from service.query.executor import Executor, Streamed
from service.store.base import UNION
from service.web.context import APP_KEY, get_executor, get_settings
from service.web.pages import site_base_for
from service.web.ratelimit import RateLimiter, is_loopback
from service.web.resources import ResourceRequest, answer_resource, link_header

log = logging.getLogger(__name__)

REPLAYABLE = "cpkg.replayable"  # environ flag set by the /sparql route for a cacheable answer
RATE_WAIT = "cpkg.rate-wait"  # environ: this layer took the caller's rate-limit token
FAST_PATH_ERROR = "cpkg.fast-path-error"  # environ: (error, offers) for Flask to explain
RESOURCE_ROUTE = "/id/<path:local>"
RESOURCE_ARGS = frozenset({"page", "per_page", "format"})
# What the fast path answers itself: a plain path and host (anything else, Flask reads exactly)
_PLAIN_PATH = re.compile(r"/id/[A-Za-z0-9._~!$&'()*+,;=:@/-]+")
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
CORS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Content-Type, X-Offered-Types, Link"),
)

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


@functools.lru_cache(maxsize=256)
def _wants_html_errors(accept: str) -> bool:
    """Browsers get error pages from Flask; everyone else can be answered here."""
    try:
        return ERROR.choose(accept, None) is HTML
    except CpkgError:
        return False


def _simple_query(key: RequestKey) -> tuple[str, str | None] | None:
    """(query text, format) of a plain query request, or None for anything else."""
    try:
        if key.content_type == QUERY_BODY:
            params = decode_form(key.query_string)
            body: str | None = key.body.decode("utf-8")
        else:
            raw = key.body.decode("ascii") if key.method == "POST" else key.query_string
            params = decode_form(raw)
            body = None
    except (UnicodeDecodeError, ValueError):
        return None
    names = [name for name, _ in params]
    allowed = {"format"} if body is not None else {"query", "format"}
    if len(names) != len(set(names)) or not set(names) <= allowed:
        return None
    values = dict(params)
    text = body if body is not None else values.get("query")
    if not text or not text.strip():
        return None
    return text, values.get("format")


class FastPath:
    """Wraps ``app.wsgi_app``; falls through to it for anything it does not answer."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.limiter = limiter
        self.settings = get_settings(app)
        self.max_bytes = self.settings.max_request_bytes
        self.credentials_matter = bool(self.settings.update_token or self.settings.users)
        self._cache: QueryCache[RequestKey] | None = None

    @property
    def executor(self) -> Executor:
        return get_executor(self.app)

    def cache(self) -> QueryCache[RequestKey]:
        """Created on first use in each process (after the server forked its workers)."""
        if self._cache is None:
            executor = self.executor  # the same budget, at the same store generation
            answers = executor.cache
            self._cache = QueryCache[RequestKey](
                answers.max_bytes if answers.enabled else 0,
                version_source=lambda: executor.generation or 0,
            )
        return self._cache

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        if environ.get("PATH_INFO", "").startswith("/id/"):
            return self._resource(environ, start_response, started)
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        hit = self.cache().get(key) if self.cache().enabled else None
        if not self._allowed(environ):
            return self.wsgi_app(environ, start_response)  # Flask answers the 429
        if hit is not None:
            return self._send(
                start_response, key.method, "200 OK", list(hit.headers), [hit.body], started
            )
        simple = None if _wants_html_errors(key.accept) else _simple_query(key)
        if simple is not None:
            answered = self._answer(key, *simple)
            if answered is not None:
                status, headers, body = answered
                return self._send(start_response, key.method, status, headers, body, started)
        return self._record(environ, start_response, key)

    def _answer(
        self, key: RequestKey, text: str, format_param: str | None
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]] | None:
        """Answer a plain query, or None when Flask should (an error found before evaluating)."""
        try:
            check_nesting(text)
            fmt = prepare_query(text, key.accept or None, format_param, self.settings)
        except CpkgError:
            return None
        stream_after = self.settings.stream_after_bytes
        try:
            # Kept once, here, as the response (below): a second copy in the executor's answer
            # cache cost a fifth of the throughput of distinct queries (bench/README.md).
            got = self.executor.read(ANONYMOUS, answer, text, UNION, fmt, stream_after, cache=False)
        except CpkgError as exc:
            return _error(exc, key)
        if isinstance(got, Streamed):
            (content_type, length), chunks = got.head, got.chunks
            return "200 OK", _headers(content_type, length), chunks
        content_type, body = got
        headers = _headers(content_type, len(body))
        if self.cache().enabled:
            self.cache().put(key, body, tuple(headers))
        return "200 OK", headers, [body]

    def _send(
        self,
        start_response: StartResponse,
        method: str,
        status: str,
        headers: list[tuple[str, str]],
        body: Iterable[bytes],
        started: float,
        route: str = "/sparql",
    ) -> Iterable[bytes]:
        start_response(status, headers)
        metrics.count_request(route, method, status[:3], time.perf_counter() - started)
        return body

    def _resource(
        self, environ: dict[str, Any], start_response: StartResponse, started: float
    ) -> Iterable[bytes]:
        """``GET /id/…`` for an anonymous caller: the route's answer, without Flask."""
        req = self._resource_request(environ)
        if req is None or not self._allowed(environ):
            return self.wsgi_app(environ, start_response)
        try:
            found = answer_resource(req, functools.partial(self.executor.read, ANONYMOUS))
        except CpkgError as exc:  # Flask answers it (negotiated, logged, counted) as the route
            environ[FAST_PATH_ERROR] = (exc, RESOURCE)
            return self.wsgi_app(environ, start_response)
        headers = _headers(found.content_type, len(found.body))
        if found.links:
            headers.append(("Link", link_header(found.links)))
        method = environ["REQUEST_METHOD"]
        body = [] if method == "HEAD" else [found.body]
        return self._send(start_response, method, "200 OK", headers, body, started, RESOURCE_ROUTE)

    def _resource_request(self, environ: dict[str, Any]) -> ResourceRequest | None:
        """The request as the route would read it, when it is plain enough to read here."""
        method = environ.get("REQUEST_METHOD")
        path, host = environ.get("PATH_INFO", ""), environ.get("HTTP_HOST", "")
        if (
            method not in ("GET", "HEAD")
            or (self.credentials_matter and environ.get("HTTP_AUTHORIZATION"))
            or environ.get("SCRIPT_NAME")
            or not _PLAIN_PATH.fullmatch(path)
            or not _PLAIN_HOST.fullmatch(host)
        ):
            return None
        query = environ.get("QUERY_STRING", "")
        try:
            args = decode_form(query)
        except (UnicodeDecodeError, ValueError):
            return None
        names = [name for name, _ in args]
        if len(query) > self.max_bytes or len(set(names)) != len(names):
            return None
        if not set(names) <= RESOURCE_ARGS:
            return None
        scheme = environ.get("wsgi.url_scheme", "http")
        base_url = f"{scheme}://{host}{path}"
        site = site_base_for(self.settings, f"{scheme}://{host}/")
        return ResourceRequest(
            local=path[len("/id/") :],
            accept=environ.get("HTTP_ACCEPT"),
            args=dict(args),
            base_url=base_url,
            url=f"{base_url}?{query}" if query else base_url,
            app_key=self.app.extensions[APP_KEY],
            rewrite_to=site if self.settings.rewrite_rdf_iris else None,
        )

    def _record(
        self, environ: dict[str, Any], start_response: StartResponse, key: RequestKey
    ) -> Iterable[bytes]:
        """Let Flask answer, and keep its answer when the route marked it replayable."""
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
        if self.cache().enabled:
            self.cache().put(key, data, tuple((k, v) for k, v in sent[1]))
        return [data]

    def _key(self, environ: dict[str, Any]) -> RequestKey | None:
        """The raw request, when it is an anonymous GET or POST of ``/sparql`` (else None)."""
        if environ.get("PATH_INFO") != "/sparql":
            return None
        method = environ.get("REQUEST_METHOD", "")
        if method not in ("GET", "POST"):
            return None
        if self.credentials_matter and environ.get("HTTP_AUTHORIZATION"):
            return None
        query_string = environ.get("QUERY_STRING", "")
        if len(query_string) > self.max_bytes:
            return None
        content_type, body = "", b""
        if method == "POST":
            content_type, _, params = environ.get("CONTENT_TYPE", "").lower().partition(";")
            content_type = content_type.strip()
            length = environ.get("CONTENT_LENGTH", "")
            if not length.isdigit() or int(length) > self.max_bytes:
                return None  # chunked or too big: Flask explains
            charset = params.partition("charset=")[2].split(";")[0].strip().strip('"')
            if content_type not in (FORM, QUERY_BODY) or charset not in ("", "utf-8"):
                return None
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if it answers
            environ["CONTENT_LENGTH"] = str(len(body))
        elif not query_string:
            return None
        version = self.cache().version
        return RequestKey(
            version, method, query_string, content_type, body, environ.get("HTTP_ACCEPT", "")
        )

    def _allowed(self, environ: dict[str, Any]) -> bool:
        """Take the caller's rate-limit token once; if refused, Flask answers the 429 (and
        takes no second token: ``RATE_WAIT``)."""
        environ[RATE_WAIT] = -1.0  # taken here (or not limited): Flask must not take another
        if not self.limiter.enabled:
            return True
        addr = environ.get("REMOTE_ADDR")
        if not self.settings.rate_limit_loopback and is_loopback(addr):
            return True
        wait = self.limiter.take(f"ip:{addr}")
        if wait > 0:
            environ[RATE_WAIT] = wait
            return False
        return True


def _headers(content_type: str, length: int) -> list[tuple[str, str]]:
    """The headers Flask sends with a query answer (tests compare the two paths)."""
    return [
        ("Content-Type", content_type),
        ("Content-Length", str(length)),
        ("Vary", "Accept"),
        *CORS,
    ]


def _error(exc: CpkgError, key: RequestKey) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
    """An error found while evaluating: the same text answer as service/web/errors.py."""
    metrics.ERRORS.labels(kind=type(exc).__name__).inc()
    if isinstance(exc, QueryTimeout):
        metrics.TIMEOUTS.inc()
    if exc.status >= 500:
        log.warning("%s /sparql -> %d: %s", key.method, exc.status, exc)
    phrase = HTTPStatus(exc.status).phrase
    body = f"{exc.status} {phrase}: {exc}\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *exc.headers().items(),
        ("Vary", "Accept"),
        *CORS,
    ]
    return f"{exc.status} {phrase}", headers, [body]
