"""Prometheus metrics. With several worker processes ``service.server`` sets
PROMETHEUS_MULTIPROC_DIR before this module is imported, so every worker's counts are summed."""

from __future__ import annotations

import functools
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "cpkg_http_requests",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "cpkg_http_request_duration_seconds",
    "HTTP request latency by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
ERRORS = Counter("cpkg_errors", "Errors answered, by kind", ["kind"], registry=REGISTRY)
TIMEOUTS = Counter("cpkg_query_timeouts", "Queries stopped at the time limit", registry=REGISTRY)


def count_request(route: str, method: str, status: str, seconds: float | None) -> None:
    """One answered request: counted by route, method and status, timed by route (when its
    start is known). Every path (Flask's and the fast path) counts here."""
    _requests(route, method, status).inc()
    if seconds is not None:
        _latency(route).observe(seconds)


# The labelled series, looked up once each (``labels()`` validates and locks on every call).
@functools.lru_cache(maxsize=4096)
def _requests(route: str, method: str, status: str) -> Counter:
    return REQUESTS.labels(route=route, method=method, status=status)


@functools.lru_cache(maxsize=1024)
def _latency(route: str) -> Histogram:
    return LATENCY.labels(route=route)


def exposition() -> tuple[bytes, str]:
    """The metrics text: summed over all worker processes in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
