"""Operations endpoints: ``/healthz`` for load balancers, ``/metrics`` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.web import metrics
from service.web.context import get_store

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    store = get_store()
    return jsonify(ok=True, triples=store.triple_count(), graphs=len(store.graph_names()))


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
