"""Bounded loopback load with wrk, N connections, D seconds, in two modes.

- **repeated**: one query, POSTed form-encoded, the same text every time (what caches serve);
- **distinct**: every request a new text: a query template whose ``@NAME@`` markers are filled
  with random IRIs from the data (pools, one IRI per line) plus a comment unique to the request
  (a random number of the run, wrk's thread number and that thread's request count: each wrk
  thread runs its own copy of the script, so a per-thread count alone would send every text
  once per thread, and each run starts counting afresh), so no query can
  be answered from a cache of earlier answers; or a GET of a random resource page (pages come
  from a pool of the data's resources, so they can repeat).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.queries import Distinct

DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "mean_us": %f, "errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

REPEATED = """\
wrk.method = "POST"
wrk.body = "%(body)s"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "%(accept)s"
"""

DISTINCT = """\
local pools = {}
%(loads)s
local template = "%(template)s"
local counter = 0
local threads = 0
setup = function(thread)  -- in wrk's main state, once per thread
  threads = threads + 1
  thread:set("bench_thread", threads)
end
init = function(args)  -- in each thread's own state: its own random IRIs
  math.randomseed(%(run)d + (bench_thread or 0) * 7919)
end
local function enc(s)
  local function hex(c) return string.format("%%%%%%02X", string.byte(c)) end
  return (s:gsub("[^%%w%%-_%%.~]", hex))
end
local function fill(text)
  return (text:gsub("@(%%u+)@", function(k) local p = pools[k]; return p[math.random(#p)] end))
end
request = function()
  counter = counter + 1
  if "%(method)s" == "GET" then
    return wrk.format("GET", fill(template), {["Accept"] = "%(accept)s"})
  end
  local q = fill(template) .. "\\n# %(run)d-" .. (bench_thread or 0) .. "-" .. counter
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
                                  ["Accept"] = "%(accept)s"}, "query=" .. enc(q))
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


def _lua_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


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
    """Repeated mode: the same query, POSTed to ``endpoint`` for ``duration`` seconds."""
    body = urllib.parse.urlencode({"query": query})
    script = REPEATED % {"body": _lua_string(body), "accept": accept_for(kind)} + DONE
    return _wrk(endpoint, script, connections, threads, duration, timeout)


def run_wrk_distinct(
    endpoint: str,
    template: str,
    pools: dict[str, Path],
    *,
    accept: str,
    method: str = "POST",
    connections: int = 8,
    threads: int = 2,
    duration: float = 10.0,
    timeout: float = 30.0,
) -> LoadResult:
    """Distinct mode: ``template`` (a query, or for GET a path) with every ``@NAME@`` filled
    by a random line of ``pools[NAME]``, a new text for every request."""
    loads = "\n".join(
        f'pools["{name}"] = {{}}\nfor line in io.lines("{_lua_string(str(path))}") do '
        f'pools["{name}"][#pools["{name}"] + 1] = line end'
        for name, path in pools.items()
    )
    # A number of this run's own: its texts differ from those of any earlier run (the warm-up's
    # included), which a server may still have cached.
    run = secrets.randbelow(1 << 30)
    values = {"loads": loads, "template": _lua_string(template), "method": method, "run": run}
    script = DISTINCT % {**values, "accept": accept} + DONE
    return _wrk(endpoint, script, connections, threads, duration, timeout)


def run_distinct(
    endpoint: str,
    dq: Distinct,
    pools: dict[str, Path],
    *,
    connections: int = 8,
    duration: float = 10.0,
    timeout: float = 30.0,
) -> LoadResult:
    """One query of the distinct mix against a SPARQL ``endpoint``: queries POSTed to it,
    resource pages fetched with GET from the same server."""
    page = dq.kind == "page"
    return run_wrk_distinct(
        endpoint.rsplit("/", 1)[0] if page else endpoint,
        dq.template,
        pools,
        accept=dq.accept or accept_for(dq.kind),
        method="GET" if page else "POST",
        connections=connections,
        duration=duration,
        timeout=timeout,
    )


def _wrk(
    endpoint: str, script: str, connections: int, threads: int, duration: float, timeout: float
) -> LoadResult:
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
