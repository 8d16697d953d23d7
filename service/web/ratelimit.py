"""Per-client rate limiting: a token bucket per principal (token) or, for anonymous callers, IP.

In-process: each worker process keeps its own buckets, so with N workers a client may
get up to N times the configured rate (updates and on-disk stores run one worker). Clients on
loopback are not limited unless CPKG_RATE_LIMIT_LOOPBACK=1 (development, health checks; behind
a reverse proxy on the same host set it, or every client looks like 127.0.0.1).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import threading
import time
from collections import OrderedDict

MAX_CLIENTS = 10_000  # buckets kept (least recently seen are dropped first)


@functools.lru_cache(maxsize=4096)
def is_loopback(addr: str | None) -> bool:
    """Whether ``addr`` (REMOTE_ADDR) is a loopback address."""
    if not addr:
        return False
    try:
        return ipaddress.ip_address(addr.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """Token buckets: ``rate`` tokens per ``period`` seconds, at most ``burst`` saved up."""

    def __init__(self, rate: int, period: float, burst: int = 0) -> None:
        self.rate = rate
        self.per_second = rate / period if period > 0 else float(rate)
        self.burst = float(burst or rate)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token of ``client``: 0 if allowed, else seconds until one is available."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.per_second
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """The ``Retry-After`` value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
