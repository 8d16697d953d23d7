"""Operations endpoints: ``/healthz`` for load balancers, ``/metrics`` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

import service.web.metrics as metrics
from service.query.answers import summary
from service.web.context import read

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Alive and answering: the count goes through the executor like every read (cached until
    the next write, so a busy server still answers at once)."""
    quads, graphs = read(summary)
    return jsonify(ok=True, triples=quads, graphs=len(graphs))


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
