"""Static assets: compressed, validated and cached for good.

Pages link assets with ``asset(name)``: the URL carries a hash of the file's content
(``?v=…``), so a changed file has a new URL and an answer for the current hash can be cached
forever (``Cache-Control: immutable``). Every answer has an ``ETag`` (the content hash) and
honours ``If-None-Match``; text assets are sent gzip-compressed to clients that accept it.
Files are read once per process and kept with their compressed form (they are small and few).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.security import safe_join

from service.errors import NotFound
from service.web.urls import url_for_page

STATIC = Path(__file__).with_name("static")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_lock = threading.Lock()


@dataclass
class Asset:
    data: bytes
    gzipped: bytes | None
    digest: str
    media_type: str
    mtime: float
    checked: float  # when the file was last looked at (time.monotonic)


RECHECK_SECONDS = 1.0


_cache: dict[str, Asset] = {}


def _load(name: str) -> Asset:
    """The asset ``name`` under static/ (NotFound outside it or when missing); a file read in
    the last second is not looked at again (pages name their assets on every render)."""
    with _lock:
        found = _cache.get(name)
    if found is not None and time.monotonic() - found.checked < RECHECK_SECONDS:
        return found
    joined = safe_join(str(STATIC), name)
    path = Path(joined) if joined else None
    if path is None or not path.is_file():
        raise NotFound(f"no static file {name!r}")
    mtime = path.stat().st_mtime
    if found is not None and found.mtime == mtime:
        found.checked = time.monotonic()
        return found
    data = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media_type = "application/javascript"
    packed = gzip.compress(data, 6, mtime=0) if media_type.startswith(_COMPRESSIBLE) else None
    digest = hashlib.sha256(data).hexdigest()[:16]
    asset = Asset(data, packed, digest, media_type, mtime, time.monotonic())
    with _lock:
        _cache[name] = asset
    return asset


def version(name: str) -> str:
    """The content hash that names a static file in its URLs (``asset``)."""
    return _load(name).digest


def asset(name: str) -> str:
    """The URL of a static file, named by its content (for templates)."""
    return url_for_page("static", filename=name, v=version(name))


def serve(filename: str) -> Response:
    """One static file, compressed when the client accepts it, with its validators."""
    found = _load(filename)
    return _answer(found, request.args.get("v") == found.digest)


def _answer(found: Asset, immutable: bool) -> Response:
    etag = f'"{found.digest}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE if immutable else REVALIDATE}
    if found.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    body = found.data
    if found.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    text = found.media_type.startswith("text/") or found.media_type.endswith(("script", "+xml"))
    content_type = f"{found.media_type}; charset=utf-8" if text else found.media_type
    return Response(body, content_type=content_type, headers=headers)


def favicon() -> Response:
    """``/favicon.ico``: the site's icon (an SVG), for clients that ask at the old place."""
    return _answer(_load("favicon.svg"), False)


def register(app: Flask) -> None:
    """Serve static/ at /static/ (endpoint ``static``) and the icon at /favicon.ico."""
    app.add_url_rule("/static/<path:filename>", "static", serve, methods=["GET", "HEAD"])
    app.add_url_rule("/favicon.ico", "favicon", favicon, methods=["GET", "HEAD"])
