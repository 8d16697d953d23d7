"""The web application: ``create_app`` wires settings, the store and the blueprints.

To add pages, append a blueprint to ``BLUEPRINTS``; handlers reach the store with
``service.web.context.get_store()`` and the settings with ``get_settings()``.
"""

from __future__ import annotations

import io
import time

from flask import Blueprint, Flask, Response, current_app, g, request

from service.config import Settings
from service.errors import ConfigError
from service.query.access import Unauthorized, authenticate
from service.store.base import Store
from service.web import chains, errors, graph_store, linkeddata, metrics, openapi, ops, sparql
from service.web.context import SETTINGS_KEY, STORE_KEY, get_settings, get_store
from service.web.ratelimit import RateLimiter, is_loopback
from service.web.replay import RATE_WAIT, RepeatedQueries

BLUEPRINTS: list[Blueprint] = [
    sparql.bp,
    graph_store.bp,
    ops.bp,
    linkeddata.bp,
    chains.bp,
    openapi.bp,
]
LIMITER_KEY = "cpkg.ratelimit"

__all__ = ["BLUEPRINTS", "create_app", "get_settings", "get_store"]


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the Flask app. Without ``store``, open the configured one and load the dataset."""
    settings = settings or Settings.from_env()
    if store is None:
        from service.store.configured import open_configured_store

        store = open_configured_store(settings)
    if settings.max_request_bytes <= 0:
        raise ConfigError("CPKG_MAX_REQUEST_BYTES must be positive")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[STORE_KEY] = store
    app.extensions[SETTINGS_KEY] = settings
    limiter = RateLimiter(settings.rate_limit, settings.rate_period, settings.rate_burst)
    app.extensions[LIMITER_KEY] = limiter
    errors.register(app)
    app.before_request(_before)
    app.after_request(_after)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    app.wsgi_app = RepeatedQueries(app, app.wsgi_app, limiter)  # type: ignore[method-assign]
    return app


def _before() -> Response | None:
    g.cpkg_start = time.perf_counter()
    settings = get_settings()
    try:
        g.cpkg_principal = authenticate(
            request.headers.get("Authorization"), dict(settings.users), settings.update_token
        )
        failure: Unauthorized | None = None
    except Unauthorized as exc:
        failure = exc
    limiter: RateLimiter = current_app.extensions[LIMITER_KEY]
    exempt = request.path == "/healthz" or (
        not settings.rate_limit_loopback and is_loopback(request.remote_addr)
    )
    if limiter.enabled and not exempt:
        principal = g.get("cpkg_principal")
        client = principal.key if principal and principal.name else f"ip:{request.remote_addr}"
        # A refused replay (service/web/replay.py) has already spent this request's token.
        wait = request.environ.get(RATE_WAIT) or limiter.take(client)
        if wait > 0:
            metrics.ERRORS.labels(kind="RateLimited").inc()
            return errors.error_response(
                429,
                f"too many requests from this client (limit: {settings.rate_limit} per "
                f"{settings.rate_period:g} s); retry after the Retry-After delay",
                {"Retry-After": limiter.retry_after(wait)},
            )
    if failure is not None:
        return errors.error_response(401, str(failure), {"WWW-Authenticate": "Bearer"})
    too_big = _buffer_chunked_body(settings.max_request_bytes)
    if too_big is not None:
        return too_big
    if len(request.query_string) > settings.max_request_bytes:
        return errors.error_response(
            413,
            f"the query string is longer than {settings.max_request_bytes} bytes; "
            "send long queries with POST",
        )
    return None


def _buffer_chunked_body(limit: int) -> Response | None:
    """A body without Content-Length (chunked) is read here, up to ``limit`` bytes: larger is a
    413. (Werkzeug would silently truncate it at the limit, which then fails to parse.)"""
    env = request.environ
    if env.get("CONTENT_LENGTH") or not env.get("wsgi.input_terminated"):
        return None
    data = env["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        metrics.ERRORS.labels(kind="RequestTooLarge").inc()
        return errors.error_response(
            413,
            f"the request is larger than this endpoint's limit of {limit} bytes "
            "(CPKG_MAX_REQUEST_BYTES); send a smaller request",
            {"Connection": "close"},
        )
    env["wsgi.input"] = io.BytesIO(data)
    env["CONTENT_LENGTH"] = str(len(data))
    return None


def _after(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = resp.headers.get(
            "Allow", "GET, POST, HEAD, OPTIONS"
        )
        resp.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
        resp.headers["Access-Control-Max-Age"] = "86400"
    else:
        resp.headers["Access-Control-Expose-Headers"] = "Content-Type, X-Offered-Types"
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    metrics.REQUESTS.labels(route=route, method=request.method, status=str(resp.status_code)).inc()
    start = getattr(g, "cpkg_start", None)
    if start is not None:
        metrics.LATENCY.labels(route=route).observe(time.perf_counter() - start)
    return resp
