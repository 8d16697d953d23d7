"""Rate limiting per client (token, else IP): 429 with Retry-After, refill, loopback exemption."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from sec_helpers import ALICE, USERS, Server, bearer

from service.config import parse_rate
from service.errors import ConfigError
from service.web.ratelimit import RateLimiter, is_loopback

T = 30
ASK = {"query": "ASK { ?s ?p ?o }"}


def test_token_bucket_refills_at_the_configured_rate() -> None:
    limiter = RateLimiter(60, 60.0, burst=3)  # one per second, three saved up
    assert [limiter.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=100.0) == pytest.approx(1.0)
    assert limiter.take("b", now=100.0) == 0.0  # another client has its own bucket
    assert limiter.take("a", now=101.5) == 0.0
    assert RateLimiter.retry_after(0.2) == "1" and RateLimiter.retry_after(2.1) == "3"
    assert not RateLimiter(0, 60.0).enabled and RateLimiter(0, 60.0).take("a") == 0.0


def test_rate_setting_parsing() -> None:
    assert parse_rate("60/minute") == (60, 60.0)
    assert parse_rate("5/second") == (5, 1.0)
    assert parse_rate("1000/hour") == (1000, 3600.0)
    assert parse_rate("off") == (0, 1.0)
    for bad in ("many", "5/fortnight", "-1/s"):
        with pytest.raises(ConfigError, match="CPKG_RATE_LIMIT"):
            parse_rate(bad)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("10.0.0.1")


@pytest.mark.server
def test_clients_over_the_limit_get_429_with_retry_after(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "fixtures" / "dataset.nq"
    env = {
        "CPKG_RATE_LIMIT": "60/minute",
        "CPKG_RATE_BURST": "5",
        "CPKG_RATE_LIMIT_LOOPBACK": "1",
        "CPKG_USERS": USERS,
    }
    server = Server([data], env).wait()
    try:
        url = server.url + "/sparql"
        codes = [requests.get(url, params=ASK, timeout=T).status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3, codes
        r = requests.get(url, params=ASK, timeout=T)
        assert r.status_code == 429 and "too many requests" in r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 2
        # a token holder has their own bucket; /healthz is never limited
        assert requests.get(url, params=ASK, headers=bearer(ALICE), timeout=T).status_code == 200
        assert requests.get(server.url + "/healthz", timeout=T).status_code == 200
        time.sleep(float(r.headers["Retry-After"]) + 0.1)
        assert requests.get(url, params=ASK, timeout=T).status_code == 200
    finally:
        server.stop()


@pytest.mark.server
def test_loopback_is_not_limited_by_default() -> None:
    data = Path(__file__).resolve().parents[1] / "fixtures" / "dataset.nq"
    server = Server([data], {"CPKG_RATE_LIMIT": "2/minute"}).wait()
    try:
        codes = {requests.get(server.url + "/sparql", params=ASK).status_code for _ in range(10)}
        assert codes == {200}
    finally:
        server.stop()
