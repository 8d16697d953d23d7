"""What the app factory put on the Flask app (the executor, the settings), and the caller.

Routes reach the store only through ``read`` (or ``get_executor()``): the executor applies the
time limit, result cap, access control and cache to every read (service/query/executor.py).
"""

from __future__ import annotations

import io
import sys
import uuid
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, current_app, g, has_request_context

from service.config import Settings
from service.query.access import ANONYMOUS, Principal
from service.query.executor import Executor

T = TypeVar("T")
EXECUTOR_KEY = "cpkg.executor"
SETTINGS_KEY = "cpkg.settings"


def get_executor(app: Flask | None = None) -> Executor:
    """The app's executor: the only way to the store."""
    return (app or current_app).extensions[EXECUTOR_KEY]


def get_settings(app: Flask | None = None) -> Settings:
    """The app's Settings."""
    return (app or current_app).extensions[SETTINGS_KEY]


def get_principal() -> Principal:
    """Who is asking (set by the app's before-request hook; anonymous by default)."""
    principal = g.get("cpkg_principal") if has_request_context() else None
    return principal if isinstance(principal, Principal) else ANONYMOUS


#: The apps of this process (and of the evaluators it forks) by key, for tasks that render.
_APPS: weakref.WeakValueDictionary[str, Flask] = weakref.WeakValueDictionary()
APP_KEY = "cpkg.app-key"


def remember_app(app: Flask) -> None:
    """Called by the app factory: tasks that render pages find their app by this key."""
    key = app.extensions[APP_KEY] = uuid.uuid4().hex
    _APPS[key] = app


def app_for(key: str) -> Flask:
    """The app remembered under ``key`` (``remember_app``)."""
    return _APPS[key]


def app_key() -> str:
    """The key of the request's app, to hand to a task that renders."""
    return str(current_app.extensions[APP_KEY])


def task_request(key: str, url: str) -> AbstractContextManager[Any]:
    """A request context for rendering a page inside a read task (an evaluator has none):
    the same app and URL, so links and ``url_for`` come out as for the request answered.
    (A bare WSGI environ: Werkzeug's test EnvironBuilder costs a quarter of a small page.)"""
    parts = urlsplit(url)
    default_port = "443" if parts.scheme == "https" else "80"
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": _path_info(parts.path),
        "QUERY_STRING": _wsgi_str(parts.query),
        "SERVER_NAME": _wsgi_str(parts.hostname or "localhost"),
        "SERVER_PORT": str(parts.port) if parts.port else default_port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": _wsgi_str(parts.netloc),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    return app_for(key).request_context(environ)


def task_path(url: str) -> str:
    """``request.path`` inside ``task_request(…, url)``, without making the context: the
    PATH_INFO below, read as Werkzeug reads it (UTF-8, invalid bytes replaced)."""
    info = _path_info(urlsplit(url).path).encode("latin-1").decode("utf-8", "replace")
    return "/" + info.lstrip("/")


def _path_info(path: str) -> str:
    """A URL's path as a WSGI server puts it in PATH_INFO: percent-decoded, one character per
    byte."""
    return unquote_to_bytes(path or "/").decode("latin-1")


def _wsgi_str(text: str) -> str:
    """``text`` as a WSGI environ holds it (PEP 3333: its UTF-8 bytes, one character per byte):
    a page URL can hold any character, e.g. in an unknown query parameter."""
    return text.encode("utf-8").decode("latin-1")


def read(fn: Callable[..., T], *args: Any, cache: bool = True) -> T:
    """``fn(view, *args)`` run by the executor for this request's caller."""
    return get_executor().read(get_principal(), fn, *args, cache=cache)
