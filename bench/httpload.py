"""Bounded loopback load with wrk: one query, POSTed form-encoded, N connections, D seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

LUA = """\
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "{accept}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "mean_us": %f, "errors": %d, "non2xx": %d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    req_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: int
    non2xx: int


def accept_for(kind: str) -> str:
    return "application/n-triples" if kind == "construct" else "application/sparql-results+json"


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install wrk (make bench does this)")
    return found


def run_wrk(
    endpoint: str,
    query: str,
    kind: str,
    *,
    connections: int = 8,
    threads: int = 2,
    duration: float = 10.0,
    timeout: float = 30.0,
) -> LoadResult:
    """Run wrk against ``endpoint`` and return throughput and latency percentiles."""
    body = urllib.parse.urlencode({"query": query})
    script = LUA.format(
        body=body.replace("\\", "\\\\").replace('"', '\\"'), accept=accept_for(kind)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        lua = Path(f.name)
    try:
        cmd = [
            wrk_binary(),
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            f"--timeout={max(1, round(timeout))}s",
            "-s",
            str(lua),
            endpoint,
        ]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=duration + timeout + 30, check=False
        )
    finally:
        lua.unlink(missing_ok=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    d = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = d["duration_us"] / 1e6
    ok = max(0, d["requests"] - d["non2xx"])
    return LoadResult(
        requests=d["requests"],
        seconds=seconds,
        req_s=ok / seconds if seconds > 0 else 0.0,
        p50_ms=d["p50_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        mean_ms=d["mean_us"] / 1000,
        errors=d["errors"],
        non2xx=d["non2xx"],
    )
