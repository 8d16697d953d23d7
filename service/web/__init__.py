"""The web application: ``create_app`` wires settings, the executor and the blueprints.

Every request passes the same hooks (who is asking, the rate limit, the size limit; then CORS,
``Vary`` and metrics on the way out) and every store read passes the executor
(``service.web.context.read``). To add pages, append a blueprint to ``BLUEPRINTS``.
"""

from __future__ import annotations

import io
import time

from flask import Blueprint, Flask, Response, current_app, g, request

from service.config import Settings
from service.errors import ConfigError, RateLimited, RequestTooLarge, Unauthorized
from service.query.access import authenticate
from service.query.executor import Executor
from service.store.base import Store
from service.web import (
    assets,
    chains,
    dataset,
    errors,
    fragments,
    frame,
    graph_store,
    metrics,
    openapi,
    ops,
    pages,
    query_ui,
    resources,
    search,
    sparql,
    timeline,
)
from service.web.context import (
    EXECUTOR_KEY,
    SETTINGS_KEY,
    get_executor,
    get_settings,
    remember_app,
)
from service.web.fastpath import FAST_PATH_ERROR, RATE_WAIT, FastPath
from service.web.ratelimit import RateLimiter, is_loopback

BLUEPRINTS: list[Blueprint] = [
    sparql.bp,
    graph_store.bp,
    ops.bp,
    resources.bp,
    dataset.bp,
    query_ui.bp,
    chains.bp,
    search.bp,
    timeline.bp,
    openapi.bp,
]
LIMITER_KEY = "cpkg.ratelimit"

__all__ = ["BLUEPRINTS", "create_app", "get_executor", "get_settings"]


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the Flask app. Without ``store``, open the configured one and load the dataset."""
    settings = settings or Settings.from_env()
    if store is None:
        from service.store.configured import open_configured_store

        store = open_configured_store(settings)
    if settings.max_request_bytes <= 0:
        raise ConfigError("CPKG_MAX_REQUEST_BYTES must be positive")
    app = Flask(__name__, static_folder=None)
    assets.register(app)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXECUTOR_KEY] = Executor(store, settings)
    app.extensions[SETTINGS_KEY] = settings
    remember_app(app)
    limiter = RateLimiter(settings.rate_limit, settings.rate_period, settings.rate_burst)
    app.extensions[LIMITER_KEY] = limiter
    errors.register(app)
    app.jinja_env.globals.update(pages.template_helpers(), **fragments.template_helpers())
    app.before_request(_before)
    app.after_request(_after)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.wsgi_app = FastPath(app, app.wsgi_app, limiter)  # type: ignore[method-assign]
    _ready_to_fork(app)
    # last: indexing reads through the executor, whose evaluators are forked from the app as it
    # is then (an app still being set up would render pages without its template helpers)
    search.prepare_search(app, store)
    return app


def _ready_to_fork(app: Flask) -> None:
    """Do now, while the worker has one thread, what pages do lazily the first time: templates,
    the URL map, the IDNA codec. Pages render in forked evaluators, and a child forked while
    another thread is midway through one of these inherits its lock held forever: its first
    page hung until the time limit (a 503 under load, found by tests/security/test_load.py).
    Done once here, the children inherit the finished work instead (and skip ~0.2 s of CPU
    each compiling templates)."""
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    frame.prepare(app)
    app.url_map.update()
    "localhost".encode("idna")  # imports encodings.idna, as binding the URL map to a host does


def _before() -> None:
    """Who is asking, whether they may ask now, and whether the request is too large."""
    g.cpkg_start = time.perf_counter()
    settings = get_settings()
    failure: Unauthorized | None = None
    try:
        g.cpkg_principal = authenticate(
            request.headers.get("Authorization"), dict(settings.users), settings.update_token
        )
    except Unauthorized as exc:
        failure = exc
    _rate_limit(settings)
    if failure is not None:
        raise failure
    _buffer_chunked_body(settings.max_request_bytes)
    answered = request.environ.pop(FAST_PATH_ERROR, None)
    if answered is not None:  # the fast path's error: explained here, not evaluated again
        error, g.cpkg_offers = answered
        raise error
    if len(request.query_string) > settings.max_request_bytes:
        raise RequestTooLarge(
            f"the query string is longer than {settings.max_request_bytes} bytes; "
            "send long queries with POST"
        )


def _rate_limit(settings: Settings) -> None:
    limiter: RateLimiter = current_app.extensions[LIMITER_KEY]
    exempt = request.path == "/healthz" or (
        not settings.rate_limit_loopback and is_loopback(request.remote_addr)
    )
    if not limiter.enabled or exempt:
        return
    principal = g.get("cpkg_principal")
    client = principal.key if principal and principal.name else f"ip:{request.remote_addr}"
    # The fast path (service/web/fastpath.py) may have taken this request's token already
    # (RATE_WAIT -1) or been refused one (RATE_WAIT: the wait).
    wait = request.environ.get(RATE_WAIT) or limiter.take(client)
    if wait > 0:
        raise RateLimited(
            f"too many requests from this client (limit: {settings.rate_limit} per "
            f"{settings.rate_period:g} s); retry after the Retry-After delay",
            wait,
        )


def _buffer_chunked_body(limit: int) -> None:
    """A body without Content-Length (chunked) is read here, up to ``limit`` bytes: larger is a
    413. (Werkzeug would silently truncate it at the limit, which then fails to parse.)"""
    env = request.environ
    if env.get("CONTENT_LENGTH") or not env.get("wsgi.input_terminated"):
        return
    data = env["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestTooLarge(
            f"the request is larger than this endpoint's limit of {limit} bytes "
            "(CPKG_MAX_REQUEST_BYTES); send a smaller request"
        )
    env["wsgi.input"] = io.BytesIO(data)
    env["CONTENT_LENGTH"] = str(len(data))


def _after(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = resp.headers.get(
            "Allow", "GET, POST, HEAD, OPTIONS"
        )
        resp.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
    else:
        resp.headers["Access-Control-Expose-Headers"] = "Content-Type, X-Offered-Types, Link"
    if g.get("cpkg_offers") is not None:
        resp.vary.add("Accept")
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    start = getattr(g, "cpkg_start", None)
    seconds = None if start is None else time.perf_counter() - start
    metrics.count_request(route, request.method, str(resp.status_code), seconds)
    return resp
