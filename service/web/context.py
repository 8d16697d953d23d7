"""Accessors for what the app factory put on the Flask app (store, settings), and the caller.

``get_store()`` inside a request is the choke point of access control: it returns the store as
the request's principal may see it (``service.query.access.ScopedStore``), so every route, and the
chain/paths/VoID/dump code they call, queries only the caller's visible graphs.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context

from service.config import Settings
from service.query.access import ANONYMOUS, Principal, ScopedStore
from service.store.base import Store

STORE_KEY = "cpkg.store"
SETTINGS_KEY = "cpkg.settings"


def get_base_store(app: Flask | None = None) -> Store:
    """The unrestricted store: only for process plumbing (evaluator pools, locks), never for
    answering a request."""
    return (app or current_app).extensions[STORE_KEY]


def get_principal() -> Principal:
    """Who is asking (set by the app's before-request hook; anonymous by default)."""
    principal = g.get("cpkg_principal") if has_request_context() else None
    return principal if isinstance(principal, Principal) else ANONYMOUS


def get_store(app: Flask | None = None) -> Store:
    """Inside a request: the request principal's view of the store. Given an app outside a
    request: the unrestricted store (start-up and plumbing)."""
    if app is not None or not has_request_context():
        return get_base_store(app)
    view = g.get("cpkg_view")
    principal = get_principal()
    if not isinstance(view, ScopedStore) or view.principal != principal:
        settings = get_settings()
        timeout = settings.query_timeout if settings.query_timeout > 0 else None
        view = ScopedStore(get_base_store(), principal, timeout)
        g.cpkg_view = view
    return view


def get_settings(app: Flask | None = None) -> Settings:
    """The app's Settings."""
    return (app or current_app).extensions[SETTINGS_KEY]
