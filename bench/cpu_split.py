"""Where a distinct query's CPU goes: microseconds per request in cpkg's worker processes, its
query evaluators and wrk itself, under the distinct-mode load of ``make bench``.

Throughput on a saturated machine is set by CPU per request, so this is the profile behind the
issue-15 ratios. Evaluators are forked and retired while the load runs; every process's CPU is
therefore sampled from ``/proc`` throughout (an evaluator counts up to its last sample), not read
once at the end, which would miss the retired ones or count their life before the run.

    python -m bench.cpu_split                  # point, join, construct, id-turtle, id-html
    python -m bench.cpu_split point id-html    # some of them
    BENCH_SERVER=cpkg-nocache python -m bench.cpu_split point

Linux only (``/proc``); needs wrk (``make bench`` installs it) and the 100k data of a bench run
(made here if missing).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, peers  # noqa: E402
from bench.httpload import run_distinct  # noqa: E402
from bench.queries import distinct_mix, write_pools  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.05


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a live process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK


def _descendants(root: int) -> Iterator[tuple[int, int, float]]:
    """(pid, depth below root, CPU seconds) of root's whole process tree."""
    parents: dict[int, tuple[int, float]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (st := _stat(int(name))) is not None:
            parents[int(name)] = st
    depth = {root: 0}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in parents.items():
            if pid not in depth and ppid in depth:
                depth[pid] = depth[ppid] + 1
                changed = True
    for pid, d in depth.items():
        if pid in parents:
            yield pid, d, parents[pid][1]


class TreeCpu:
    """Samples the CPU of a process tree until stopped: per pid, the first and last value seen
    inside the window; depth 1 is the server's workers, depth 2 their evaluators."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[int, float]] = {}
        self.baseline = {pid: cpu for pid, _, cpu in _descendants(root)}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, depth, cpu in _descendants(self.root):
                self.first.setdefault(pid, self.baseline.get(pid, 0.0))
                self.last[pid] = (depth, cpu)
            time.sleep(SAMPLE_S)

    def by_depth(self) -> dict[int, float]:
        used: dict[int, float] = {}
        for pid, (depth, cpu) in self.last.items():
            used[depth] = used.get(depth, 0.0) + cpu - self.first[pid]
        return used


def measure(server_name: str, data: Path, pools: dict[str, Path], which: str) -> str:
    dq = next(d for d in distinct_mix() if d.name == which)
    with peers.make(server_name, data) as server:
        assert server.proc is not None
        run_distinct(server.endpoint, dq, pools, duration=2)  # warm-up
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with TreeCpu(server.proc.pid) as tree:
            result = run_distinct(server.endpoint, dq, pools, duration=10)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    n = max(1, result.requests)
    wrk = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    used = tree.by_depth()
    us = {k: v / n * 1e6 for k, v in used.items()}
    total = sum(us.values()) + wrk / n * 1e6
    return (
        f"{which:10s} {result.req_s:8.0f} req/s   CPU per request: workers {us.get(1, 0):5.0f} us, "
        f"evaluators {us.get(2, 0):5.0f} us, server's own process {us.get(0, 0):3.0f} us, "
        f"wrk {wrk / n * 1e6:4.0f} us; total {total:5.0f} us"
    )


def main(argv: list[str]) -> int:
    names = argv or [d.name for d in distinct_mix()]
    work = Path(os.environ.get("BENCH_WORK", str(ROOT / "bench" / "scratch")))
    data = generate.scratch_data(work)
    pools = write_pools(data, work / "pools-100k")
    server = os.environ.get("BENCH_SERVER", "cpkg")
    print(f"{server}, 100k triples, 8 connections, 10 s per query (cores: {os.cpu_count()})")
    for name in names:
        print(measure(server, data, pools, name), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
