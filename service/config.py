"""Settings from environment variables, with defaults that work from a fresh clone.

Every variable is documented in the README's Configuration table; add new ones there too.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from service.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
N = TypeVar("N", int, float)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_number(name: str, default: N) -> N:
    """A numeric setting of the default's type (int or float), or a ConfigError saying so."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    kind = type(default)
    try:
        return kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not {what}; set it to e.g. {default}") from None


def _env_float(name: str, default: float) -> float:
    return _env_number(name, float(default))


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default)


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = (os.environ.get(name) or default).strip().lower()
    if raw not in allowed:
        raise ConfigError(f"{name}={raw!r} is not valid; use one of {', '.join(allowed)}")
    return raw


_PERIODS = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}


def parse_rate(raw: str) -> tuple[int, float]:
    """``CPKG_RATE_LIMIT``: ``N/second|minute|hour`` -> (N, period s); ``off`` -> (0, 1)."""
    text = raw.strip().lower()
    if text in ("", "0", "off", "none"):
        return 0, 1.0
    count, _, unit = text.partition("/")
    unit = unit.strip() or "minute"
    try:
        n = int(count.strip())
    except ValueError:
        n = -1
    if n < 0 or unit.rstrip("s") not in _PERIODS and unit not in _PERIODS:
        raise ConfigError(
            f"CPKG_RATE_LIMIT={raw!r} is not valid; use e.g. 60/minute, 5/second or off"
        )
    return n, _PERIODS.get(unit, _PERIODS.get(unit.rstrip("s"), 60.0))


USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MIN_TOKEN_LENGTH = 16


def parse_users(raw: str) -> dict[str, str]:
    """``CPKG_USERS``: a TOML/JSON file path, or ``name:token,name2:token2``; name -> token."""
    raw = raw.strip()
    if not raw:
        return {}
    path = Path(raw)
    if raw.endswith((".toml", ".json")) or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"CPKG_USERS: cannot read the users file {path}: {exc}") from None
        try:
            data: Any = json.loads(text) if raw.endswith(".json") else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"CPKG_USERS: {path} is not valid {'JSON' if raw.endswith('.json') else 'TOML'}"
                f': {exc}; write one `name = "token"` per line (under [users] in TOML)'
            ) from None
        if isinstance(data, dict) and isinstance(data.get("users"), dict):
            data = data["users"]
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigError(f"CPKG_USERS: {path} must map user names to token strings")
        pairs = list(data.items())
    else:
        pairs = []
        for item in raw.split(","):
            name, sep, token = item.strip().partition(":")
            if not sep:
                raise ConfigError(
                    f"CPKG_USERS: {item.strip()!r} is not name:token; "
                    "use e.g. CPKG_USERS=alice:<token>,bob:<token> or a path to a TOML file"
                )
            pairs.append((name.strip(), token.strip()))
    users: dict[str, str] = {}
    for name, token in pairs:
        if not USER_NAME.match(name):
            raise ConfigError(
                f"CPKG_USERS: user name {name!r} is not valid; use 1-64 lower-case letters, "
                "digits, '-' or '_' (it becomes part of graph IRIs)"
            )
        if name in users:
            raise ConfigError(f"CPKG_USERS: user {name!r} is given twice")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"CPKG_USERS: the token of {name!r} is shorter than {MIN_TOKEN_LENGTH} "
                "characters; use a long random token (e.g. `openssl rand -hex 32`)"
            )
        if token in users.values():
            raise ConfigError(f"CPKG_USERS: {name!r} has the same token as another user")
        users[name] = token
    return users


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with Settings.from_env()."""

    sources_dir: Path = PROJECT_ROOT.parent / "shared" / "sources"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    graph_dir: Path = PROJECT_ROOT / "graph"
    output_dir: Path = PROJECT_ROOT / "var" / "dataset"
    store_path: Path | None = None  # on-disk pyoxigraph store; None = in memory
    query_timeout: float = 30.0
    max_results: int = 100_000
    max_request_bytes: int = 1_048_576
    update_token: str | None = None
    federation_allowlist: tuple[str, ...] = field(default_factory=tuple)
    public_base: str | None = (
        None  # host that serves the canonical namespace, e.g. http://127.0.0.1:8000/
    )
    rewrite_rdf_iris: bool = False  # serve RDF with IRIs mapped to public_base (default: canonical)
    cache_bytes: int = 64 * 1024 * 1024  # per-process cache of query answers; 0 disables it
    stream_after_bytes: int = 1024 * 1024  # larger answers are streamed (and not cached)
    workers: int = 2  # worker processes for `cpkg serve` (granian)
    threads: int = 4  # threads per worker process
    store: str = "embedded"  # "embedded" (pyoxigraph) or "remote" (a SPARQL 1.1 store)
    sparql_endpoint: str | None = None  # remote store: SPARQL query endpoint URL
    sparql_update_endpoint: str | None = None  # remote store: update endpoint (default: query one)
    sparql_user: str | None = None
    sparql_password: str | None = None
    sparql_auth: str = "digest"  # "digest" (Virtuoso /sparql-auth) or "basic"
    sparql_token: str | None = None  # bearer token instead of user/password
    sparql_update_timeout: float = 300.0  # seconds per update request to the remote store
    users: tuple[tuple[str, str], ...] = ()  # (name, bearer token) of users with private graphs
    rate_limit: int = 300  # requests per rate_period per client; 0 = no limit
    rate_period: float = 60.0  # seconds
    rate_burst: int = 0  # bucket size; 0 = rate_limit
    rate_limit_loopback: bool = False  # also limit clients on 127.0.0.0/8 and ::1

    @classmethod
    def from_env(cls) -> Settings:
        store = os.environ.get("CPKG_STORE_PATH") or None
        allow = tuple(u for u in _env("CPKG_FEDERATION_ALLOWLIST", "").split() if u)
        rate, period = parse_rate(_env("CPKG_RATE_LIMIT", f"{cls.rate_limit}/minute"))
        return cls(
            users=tuple(parse_users(_env("CPKG_USERS", "")).items()),
            rate_limit=rate,
            rate_period=period,
            rate_burst=_env_int("CPKG_RATE_BURST", cls.rate_burst),
            rate_limit_loopback=os.environ.get("CPKG_RATE_LIMIT_LOOPBACK", "").lower()
            in ("1", "true", "yes"),
            sources_dir=Path(_env("CPKG_SOURCES_DIR", str(cls.sources_dir))),
            ontology_dir=Path(_env("CPKG_ONTOLOGY_DIR", str(cls.ontology_dir))),
            graph_dir=Path(_env("CPKG_GRAPH_DIR", str(cls.graph_dir))),
            output_dir=Path(_env("CPKG_OUTPUT_DIR", str(cls.output_dir))),
            store_path=Path(store) if store else None,
            query_timeout=_env_float("CPKG_QUERY_TIMEOUT", cls.query_timeout),
            max_results=_env_int("CPKG_MAX_RESULTS", cls.max_results),
            max_request_bytes=_env_int("CPKG_MAX_REQUEST_BYTES", cls.max_request_bytes),
            update_token=os.environ.get("CPKG_UPDATE_TOKEN") or None,
            federation_allowlist=allow,
            public_base=os.environ.get("CPKG_PUBLIC_BASE") or None,
            rewrite_rdf_iris=os.environ.get("CPKG_REWRITE_RDF_IRIS", "").lower()
            in ("1", "true", "yes"),
            cache_bytes=_env_int("CPKG_CACHE_BYTES", cls.cache_bytes),
            stream_after_bytes=_env_int("CPKG_STREAM_AFTER_BYTES", cls.stream_after_bytes),
            workers=_env_int("CPKG_WORKERS", cls.workers),
            threads=_env_int("CPKG_THREADS", cls.threads),
            store=_choice("CPKG_STORE", cls.store, ("embedded", "remote")),
            sparql_endpoint=os.environ.get("CPKG_SPARQL_ENDPOINT") or None,
            sparql_update_endpoint=os.environ.get("CPKG_SPARQL_UPDATE_ENDPOINT") or None,
            sparql_user=os.environ.get("CPKG_SPARQL_USER") or None,
            sparql_password=os.environ.get("CPKG_SPARQL_PASSWORD") or None,
            sparql_auth=_choice("CPKG_SPARQL_AUTH", cls.sparql_auth, ("digest", "basic")),
            sparql_token=os.environ.get("CPKG_SPARQL_TOKEN") or None,
            sparql_update_timeout=_env_float(
                "CPKG_SPARQL_UPDATE_TIMEOUT", cls.sparql_update_timeout
            ),
        )
