"""The benchmark harness: one run, progress on stdout, results in bench/results/.

Measures, for each size in BENCH_SIZES (default ``10k,100k,1M``):
  1. build/load rate and peak RSS (child process) of the embedded pyoxigraph store, in memory
     and on disk, loaded through the project's ``open_store``;
  2. SHACL validation of ontology/shapes.ttl (bench/shacl.py): the fast path at every size,
     pySHACL up to BENCH_PYSHACL_MAX as reference, and an incremental check of a 100-triple
     contribution at the largest size (time and peak RSS, each in a child process);
  3. in-process query time of the query mix (bench/queries.py): pyoxigraph directly, and
     through the project's Store interface (``EmbeddedStore.query``) plus serialization;
and at BENCH_HTTP_SIZE (default 100k) the HTTP throughput and p50/p99 latency of the mix under
wrk (BENCH_CONNECTIONS=8 connections, BENCH_DURATION=10 s per query per server) against the
servers in BENCH_SERVERS (default ``cpkg,cpkg-nocache,oxigraph,virtuoso,rdflib-endpoint``), in
two modes (repeated and distinct texts), then the distinct queries once more with cpkg and
Oxigraph up together in alternating rounds (bench/side_by_side.py).

    python -m bench.run                      # everything (what `make bench` runs)
    python -m bench.run --only shacl         # one section (load, shacl, query, http)
    BENCH_SIZES=10k BENCH_HTTP_SIZE=10k BENCH_DURATION=3 python -m bench.run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, peers, report, shacl, side_by_side  # noqa: E402
from bench.httpload import LoadResult, accept_for, run_distinct, run_wrk  # noqa: E402

if TYPE_CHECKING:
    from service.store.base import Store
from bench.queries import FOCUS_FINDING, Query, distinct_mix, mix, write_pools  # noqa: E402

COLUMNS = ["section", "size", "triples", "target", "query", "metric", "value", "unit", "note"]
SECTIONS = ("load", "shacl", "query", "http")
DEFAULT_SERVERS = "cpkg,cpkg-nocache,oxigraph,virtuoso,rdflib-endpoint"


def parse_size(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


@dataclass
class Config:
    sizes: list[int]
    http_sizes: list[int]  # sizes for the HTTP comparison (each must be in ``sizes``)
    duration: float
    connections: int
    servers: list[str]
    pyshacl_max: int  # largest size pySHACL (the reference) is run at
    query_budget: float
    results: Path
    work: Path
    seed: int = 7
    sections: tuple[str, ...] = SECTIONS

    @classmethod
    def from_env(cls) -> Config:
        sizes = [parse_size(s) for s in os.environ.get("BENCH_SIZES", "10k,100k,1M").split(",")]
        raw_http = os.environ.get("BENCH_HTTP_SIZE", "100k").strip().lower()
        http: list[int] = []
        if raw_http not in ("", "0", "none", "off"):
            for item in raw_http.split(","):
                wanted = parse_size(item)
                fitting = [s for s in sizes if s <= wanted] or sorted(sizes)[:1]
                http.append(wanted if wanted in sizes else max(fitting))
        return cls(
            sizes=sorted(set(sizes)),
            http_sizes=sorted(set(http)),
            duration=float(os.environ.get("BENCH_DURATION", "10")),
            connections=int(os.environ.get("BENCH_CONNECTIONS", "8")),
            servers=[
                s.strip()
                for s in os.environ.get("BENCH_SERVERS", DEFAULT_SERVERS).split(",")
                if s.strip()
            ],
            pyshacl_max=parse_size(os.environ.get("BENCH_PYSHACL_MAX", "100k")),
            query_budget=float(os.environ.get("BENCH_QUERY_BUDGET", "1.0")),
            results=Path(os.environ.get("BENCH_RESULTS", str(ROOT / "bench" / "results"))),
            work=Path(os.environ.get("BENCH_WORK", str(ROOT / "bench" / "scratch"))),
        )


@dataclass
class Results:
    rows: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        section: str,
        size: int,
        triples: int,
        target: str,
        query: str,
        metric: str,
        value: float,
        unit: str,
        note: str = "",
    ) -> None:
        self.rows.append(
            {
                "section": section,
                "size": generate.size_label(size),
                "triples": str(triples),
                "target": target,
                "query": query,
                "metric": metric,
                "value": f"{value:.6g}",
                "unit": unit,
                "note": note,
            }
        )

    def note(self, text: str) -> None:
        print(f"  NOTE: {text}", flush=True)
        self.notes.append(text)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# -- 1. load rate and peak memory (in a child process) ------------------------------------------


def child_load(path: Path, mode: str) -> None:
    """Child: load ``path`` through the project's open_store; print JSON with the timing."""
    from dataclasses import replace

    from service.config import Settings
    from service.store.embedded import open_store

    settings = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="cpkg-bench-disk-") as tmp:
        if mode == "disk":
            settings = replace(settings, store_path=Path(tmp) / "store")
        started = time.perf_counter()
        store = open_store(settings, [path])
        quads = store.triple_count()
        seconds = time.perf_counter() - started
        store.close()
    print(json.dumps({"seconds": seconds, "quads": quads}))


def measure_load(path: Path, mode: str, timeout: float = 600.0) -> tuple[float, int, float]:
    """(seconds, quads, peak RSS in MiB) of loading ``path`` in a fresh child process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.run", "_load", str(path), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    # The child reports its own peak RSS (getrusage(RUSAGE_SELF) at exit): exact per child,
    # whereas RUSAGE_CHILDREN in the parent is only a maximum over all children.
    if proc.returncode != 0:
        raise RuntimeError(f"load child failed: {err.decode(errors='replace')[-2000:]}")
    d = json.loads(out.decode().strip().splitlines()[-1])
    return float(d["seconds"]), int(d["quads"]), float(d.get("rss_mib", 0.0))


def child_main(path: Path, mode: str) -> None:
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        child_load(path, mode)
    d = json.loads(buf.getvalue().strip().splitlines()[-1])
    d["rss_mib"] = shacl.peak_rss_mib()  # not ru_maxrss: it keeps the harness's peak over exec
    print(json.dumps(d))


# -- 2. SHACL: bench/shacl.py ------------------------------------------------------------------


# -- 3. in-process queries ----------------------------------------------------------------------


def timed(fn: Callable[[], int], budget: float) -> tuple[float, int, int]:
    """(median ms, result size, repetitions) of ``fn`` repeated for about ``budget`` seconds."""
    t0 = time.perf_counter()
    n = fn()  # warm-up
    warm = time.perf_counter() - t0
    times: list[float] = []
    spent = 0.0
    least = 1 if warm > budget else 3  # a slow query is timed once, not three times
    while len(times) < least or (spent < budget and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
    return statistics.median(times) * 1000, n, len(times)


# Slowest in-process query (projected linearly from the previous size) that is still timed.
QUERY_MAX_SECONDS = float(os.environ.get("BENCH_QUERY_MAX", "15"))
_LAST: dict[str, tuple[int, float]] = {}


def measure_queries(path: Path, size: int, res: Results, budget: float) -> dict[str, float]:
    """Run the mix on pyoxigraph and on EmbeddedStore (+ serialize); return Store ms per query."""
    from service.formats import by_media_type
    from service.protocol.serializers import serialize
    from service.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    store.bulk_load_file(path)
    raw = store._store  # the pyoxigraph Store underneath
    triples = store.triple_count()
    out: dict[str, float] = {}
    for q in mix():
        last = _LAST.get(q.name)
        if last is not None and last[1] / 1000 * size / last[0] > QUERY_MAX_SECONDS:
            projected = last[1] / 1000 * size / last[0]
            res.note(
                f"in-process: skipped {q.name} at {generate.size_label(size)}: projected "
                f"{projected:.0f} s per run (linear from {generate.size_label(last[0])}) exceeds "
                f"BENCH_QUERY_MAX={QUERY_MAX_SECONDS:g} s"
            )
            continue

        def direct(q: Query = q) -> int:
            return len(list(raw.query(q.text, use_default_graph_as_union=True)))  # type: ignore[arg-type]

        def via_store(q: Query = q) -> int:
            result = store.query(q.text)
            body = serialize(result, by_media_type(accept_for(q.kind)))
            return len(body)

        ms, n, reps = timed(direct, budget)
        res.add("query", size, triples, "pyoxigraph", q.name, "median_ms", ms, "ms", f"{n} results")
        ms2, nbytes, reps2 = timed(via_store, budget)
        res.add(
            "query",
            size,
            triples,
            "cpkg Store+serialize",
            q.name,
            "median_ms",
            ms2,
            "ms",
            f"{nbytes} bytes",
        )
        out[q.name] = ms2
        _LAST[q.name] = (size, ms2)
        say(
            f"  {generate.size_label(size)} {q.name:10s} pyoxigraph {ms:9.2f} ms  "
            f"Store+serialize {ms2:9.2f} ms  ({n} results, {reps}/{reps2} reps)"
        )
    measure_chain_api(store, size, triples, res, budget)
    store.close()
    return out


def measure_chain_api(store: Store, size: int, triples: int, res: Results, budget: float) -> None:
    """The chain API end to end (service/query/chain.get_chain: the links query, then the evidence
    query bound to those links, then shaping), as ``/chain`` runs it."""
    from service.query.chain import get_chain

    last = _LAST.get("chain-api")
    if last is not None and last[1] / 1000 * size / last[0] > QUERY_MAX_SECONDS:
        res.note(f"in-process: skipped chain-api at {generate.size_label(size)} (projected)")
        return

    def chain() -> int:
        return len(get_chain(store, FOCUS_FINDING).steps)

    ms, n, reps = timed(chain, budget)
    res.add("query", size, triples, "cpkg Store+serialize", "chain-api", "median_ms", ms, "ms",
            f"{n} steps (links + evidence queries)")  # fmt: skip
    _LAST["chain-api"] = (size, ms)
    say(
        f"  {generate.size_label(size)} chain-api  get_chain {ms:9.2f} ms  ({n} steps, {reps} reps)"
    )


# -- 4. HTTP ----------------------------------------------------------------------------------


def measure_http(path: Path, size: int, triples: int, cfg: Config, res: Results) -> None:
    res.note("HTTP: load average at start {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    try:
        _measure_http(path, size, triples, cfg, res)
        _side_by_side(path, size, triples, cfg, res)
    finally:
        res.note("HTTP: load average at end {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def _side_by_side(path: Path, size: int, triples: int, cfg: Config, res: Results) -> None:
    """The distinct queries again with cpkg and Oxigraph up together, in alternating rounds
    (bench/side_by_side.py): the ratios the issue-15 targets are judged on."""
    servers = [s for s in side_by_side.SERVERS if s in cfg.servers]
    if "oxigraph" not in servers or len(servers) < 2 or peers.available("oxigraph"):
        return
    say(f"HTTP {generate.size_label(size)}: distinct queries side by side ({', '.join(servers)})")
    seconds = max(1.0, cfg.duration / 2)
    try:
        found = side_by_side.measure(path, servers=servers, seconds=seconds,
                                     connections=cfg.connections, work=cfg.work)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
        res.note(f"HTTP side by side: could not be measured: {str(exc)[:300]}")
        return
    for q, rates in found.items():
        for name, by_round in rates.items():
            _add_rounds(res, "http-side", size, triples, name, q, by_round, seconds)
        say(f"  {q:10s} " + side_by_side.report({q: rates}).splitlines()[-1])
    mine = [s for s in side_by_side.PAGE_SERVERS if s in servers]
    try:
        pages = side_by_side.page_times(path, mine, seconds=seconds,
                                        connections=cfg.connections, work=cfg.work)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
        res.note(f"HTTP pages side by side: could not be measured: {str(exc)[:300]}")
        return
    for name, by_query in pages.items():
        for q, by_round in by_query.items():
            _add_rounds(res, "http-pages", size, triples, name, q, by_round, seconds)
    for line in side_by_side.page_report(pages).splitlines()[2:]:
        say("  " + line)


def _add_rounds(
    res: Results,
    section: str,
    size: int,
    triples: int,
    server: str,
    query: str,
    by_round: list[float],
    seconds: float,
) -> None:
    """One row of rounds measured in turn: their mean req/s, each round in the note."""
    note = f"{len(by_round)} rounds of {seconds:g} s: " + ", ".join(f"{r:.0f}" for r in by_round)
    res.add(section, size, triples, server, query, "req_s",
            sum(by_round) / len(by_round), "req/s", note)  # fmt: skip


def _measure_http(path: Path, size: int, triples: int, cfg: Config, res: Results) -> None:
    pools = write_pools(path, cfg.work / f"pools-{generate.size_label(size)}")
    for name in cfg.servers:
        why = peers.available(name)
        if why:
            res.note(f"HTTP: skipped {name}: {why}")
            continue
        # Each mode on a server started afresh: a peer still busy with queries a timed-out
        # run left behind (rdflib-endpoint on the chain query) would stall the next mode.
        for mode, measure in (("repeated", _repeated), ("distinct", _distinct)):
            say(f"HTTP {generate.size_label(size)}: starting {name} ({mode} mode)")
            try:
                with peers.make(name, path) as server:
                    if mode == "repeated":
                        res.add("http", size, triples, name, "-", "startup_s",
                                server.load_seconds, "s")  # fmt: skip
                    say(f"  {name} ready in {server.load_seconds:.1f} s at {server.endpoint}")
                    measure(server, name, size, triples, cfg, res, pools)
            except Exception as exc:  # noqa: BLE001 - one peer failing must not lose the others
                res.note(f"HTTP: {name} could not be measured ({mode}): {str(exc)[:300]}")


def _record(
    res: Results,
    section: str,
    size: int,
    triples: int,
    name: str,
    query: str,
    r: LoadResult,
    note: str,
) -> None:
    if r.errors or r.non2xx:
        note += f", {r.errors} socket errors, {r.non2xx} non-2xx"
    for metric, value, unit in (
        ("req_s", r.req_s, "req/s"),
        ("p50_ms", r.p50_ms, "ms"),
        ("p99_ms", r.p99_ms, "ms"),
    ):
        res.add(section, size, triples, name, query, metric, value, unit, note)
    say(
        f"  {name:16s} {query:10s} {r.req_s:9.1f} req/s  p50 {r.p50_ms:8.2f} ms"
        f"  p99 {r.p99_ms:8.2f} ms  ({section}; {note})"
    )


def _repeated(
    server: peers.Server,
    name: str,
    size: int,
    triples: int,
    cfg: Config,
    res: Results,
    pools: dict[str, Path],
) -> None:
    """Each query of the mix, the same text again and again (what caches serve)."""
    for q in mix():
        try:
            body = peers.post_query(
                server.endpoint, q.text, accept_for(q.kind), max(30, cfg.duration * 3)
            )
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            res.note(f"HTTP: {name} failed {q.name}: {str(exc)[:200]}")
            continue
        # 1 s warm-up: forks the evaluator pools, fills caches, opens connections
        run_wrk(server.endpoint, q.text, q.kind, connections=cfg.connections, duration=1,
                timeout=max(10.0, cfg.duration * 2))  # fmt: skip
        r = run_wrk(server.endpoint, q.text, q.kind, connections=cfg.connections,
                    duration=cfg.duration, timeout=max(10.0, cfg.duration * 2))  # fmt: skip
        _record(res, "http", size, triples, name, q.name, r,
                f"{r.requests} requests, {len(body)} bytes/answer")  # fmt: skip


def _distinct(
    server: peers.Server,
    name: str,
    size: int,
    triples: int,
    cfg: Config,
    res: Results,
    pools: dict[str, Path],
) -> None:
    """Each distinct query, a new text every request (random IRIs of the data, a unique
    comment): no answer can come from a cache. Resource pages (cpkg only) of random IRIs."""
    for dq in distinct_mix():
        if dq.kind == "page" and not name.startswith("cpkg"):
            continue
        wait = max(10.0, cfg.duration * 2)
        try:  # 1 s warm-up, as in the repeated mode (forks the evaluator pools)
            run_distinct(server.endpoint, dq, pools, connections=cfg.connections, duration=1,
                         timeout=wait)  # fmt: skip
            r = run_distinct(server.endpoint, dq, pools, connections=cfg.connections,
                             duration=cfg.duration, timeout=wait)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            res.note(f"HTTP distinct: {name} failed {dq.name}: {str(exc)[:200]}")
            continue
        _record(res, "http-distinct", size, triples, name, dq.name, r, f"{r.requests} requests")


# -- 5. HTTP overhead: one connection, no cache, vs in-process ----------------------------------


def measure_overhead(
    path: Path, size: int, triples: int, inproc: dict[str, float], res: Results
) -> None:
    """Median latency of sequential requests to cpkg (cache off) vs in-process Store+serialize."""
    if not inproc:
        return
    say(f"HTTP overhead at {generate.size_label(size)}: cpkg-nocache, 1 connection")
    try:
        with peers.make("cpkg-nocache", path) as server:
            for q in mix():
                if q.name not in inproc:
                    continue
                times = []
                for _ in range(OVERHEAD_REPS + 1):
                    t0 = time.perf_counter()
                    peers.post_query(server.endpoint, q.text, accept_for(q.kind), 120)
                    times.append(time.perf_counter() - t0)
                ms = statistics.median(times[1:]) * 1000
                ratio = ms / inproc[q.name] if inproc[q.name] > 0 else 0.0
                res.add("overhead", size, triples, "cpkg-nocache", q.name, "http_c1_ms", ms, "ms")
                res.add("overhead", size, triples, "cpkg-nocache", q.name, "ratio", ratio, "x",
                        f"in-process {inproc[q.name]:.2f} ms")  # fmt: skip
                say(f"  {q.name:10s} HTTP {ms:8.2f} ms  in-process {inproc[q.name]:8.2f} ms  "
                    f"ratio {ratio:.2f}")  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
        res.note(f"HTTP overhead: could not be measured: {str(exc)[:300]}")


OVERHEAD_REPS = int(os.environ.get("BENCH_OVERHEAD_REPS", "5"))


# -- main ---------------------------------------------------------------------------------------


def run(cfg: Config) -> Results:
    res = Results()
    started = time.monotonic()
    cfg.work.mkdir(parents=True, exist_ok=True)
    files: dict[int, Path] = {}
    quads: dict[int, int] = {}
    for size in cfg.sizes if set(cfg.sections) & {"load", "query", "http"} else []:
        path = cfg.work / f"data-{generate.size_label(size)}.nq"
        t0 = time.perf_counter()
        n = quads[size] = generate.write(size, path, cfg.seed)
        files[size] = path
        say(
            f"generated {generate.size_label(size)}: {n} quads in {time.perf_counter() - t0:.1f} s"
            f" -> {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
        )

    for size in cfg.sizes if "load" in cfg.sections else []:
        for mode in ("memory", "disk"):
            seconds, n, rss = measure_load(files[size], mode)
            quads[size] = n
            target = f"embedded {mode}"
            res.add("load", size, n, target, "-", "seconds", seconds, "s")
            res.add("load", size, n, target, "-", "rate", n / seconds, "triples/s")
            res.add("load", size, n, target, "-", "peak_rss", rss, "MiB")
            say(
                f"load {generate.size_label(size)} {mode:6s}: {seconds:6.2f} s, "
                f"{n / seconds:,.0f} triples/s, peak RSS {rss:.0f} MiB"
            )
    if "shacl" in cfg.sections:
        shacl.measure(shacl.Sizes(cfg.sizes, cfg.pyshacl_max), cfg.work, res, say)

    inproc: dict[int, dict[str, float]] = {}
    for size in cfg.sizes if "query" in cfg.sections else []:
        say(f"in-process queries at {generate.size_label(size)}")
        inproc[size] = measure_queries(files[size], size, res, cfg.query_budget)

    http = cfg.http_sizes if "http" in cfg.sections else []
    for size in http:
        measure_http(files[size], size, quads.get(size, 0), cfg, res)
    if http and inproc and ("cpkg" in cfg.servers or "cpkg-nocache" in cfg.servers):
        big = max(cfg.sizes)
        measure_overhead(files[big], big, quads[big], inproc[big], res)
    res.note(f"total harness time {time.monotonic() - started:.0f} s")
    return res


def write_results(res: Results, cfg: Config) -> tuple[Path, Path, Path | None]:
    """latest.{csv,md,png}; a run of some sections only writes latest-<sections>.* instead,
    so it never replaces the full run's results."""
    cfg.results.mkdir(parents=True, exist_ok=True)
    stem = "latest" if set(cfg.sections) == set(SECTIONS) else "latest-" + "-".join(cfg.sections)
    csv_path = cfg.results / f"{stem}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(res.rows)
    md_path = cfg.results / f"{stem}.md"
    md_path.write_text(report.markdown(res.rows, res.notes, cfg.duration, cfg.connections))
    charted = {"query", "http"} & set(cfg.sections)
    png = report.chart(res.rows, cfg.results / f"{stem}.png") if charted else None
    return csv_path, md_path, png


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_load":
        child_main(Path(args[1]), args[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        metavar="SECTIONS",
        help=f"comma-separated sections to run ({', '.join(SECTIONS)}); default: all",
    )
    parsed = parser.parse_args(args)
    cfg = Config.from_env()
    if parsed.only:
        wanted = tuple(s.strip() for s in parsed.only.split(",") if s.strip())
        unknown = [s for s in wanted if s not in SECTIONS]
        if unknown:
            parser.error(f"unknown section {', '.join(unknown)}; use {', '.join(SECTIONS)}")
        cfg = replace(cfg, sections=wanted)
    say(
        f"bench: sizes {[generate.size_label(s) for s in cfg.sizes]}, HTTP at "
        f"{[generate.size_label(s) for s in cfg.http_sizes] or 'off'}, "
        f"{cfg.duration:g} s x {cfg.connections} connections, servers {cfg.servers}"
    )
    res = run(cfg)
    csv_path, md_path, png = write_results(res, cfg)
    say(f"wrote {csv_path}, {md_path}" + (f", {png}" if png else " (no chart: matplotlib missing)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
