"""The web application: ``create_app`` wires settings, the store and the blueprints.

To add pages, append a blueprint to ``BLUEPRINTS``; handlers reach the store with
``service.web.context.get_store()`` and the settings with ``get_settings()``.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, g, request

from service.config import Settings
from service.errors import ConfigError
from service.store.base import Store
from service.web import chain, data, errors, linkeddata, metrics, ops, sparql
from service.web.context import SETTINGS_KEY, STORE_KEY, get_settings, get_store

BLUEPRINTS: list[Blueprint] = [sparql.bp, data.bp, ops.bp, linkeddata.bp, chain.bp]

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
    errors.register(app)
    app.before_request(_before)
    app.after_request(_after)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    return app


def _before() -> Response | None:
    g.cpkg_start = time.perf_counter()
    settings = get_settings()
    if len(request.query_string) > settings.max_request_bytes:
        return errors.error_response(
            413,
            f"the query string is longer than {settings.max_request_bytes} bytes; "
            "send long queries with POST",
        )
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
