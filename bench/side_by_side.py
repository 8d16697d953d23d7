"""Distinct-mode ratios measured side by side: every server up at once, short runs in turn.

``make bench`` measures one server after another, so the cpkg and Oxigraph figures of one query
are minutes apart; on a shared machine the speed moves by ±25% from one minute to the next
(wrk's own CPU per request, the same work each time, ranged from 53 to 98 µs in one afternoon),
and a ratio of two such figures carries both moves. Here each round runs every server for a few
seconds in turn, so a slow minute slows them all, and a ratio is of the requests summed over the
rounds. This is how the issue-15 ratios are judged (``bench/README.md``).

    python -m bench.side_by_side                     # point, join, construct: 4 rounds of 5 s
    python -m bench.side_by_side point --rounds 6    # some queries, more rounds

The ``/id`` pages are judged against cpkg's own point lookup (issue 15: within 2x of its time),
so each cpkg server also runs a point lookup and the pages in turn, round after round
(``page_times``). It prints the tables and writes them to ``bench/results/side-by-side.md``.

Needs wrk and the Oxigraph CLI (``make bench`` installs both) and the 100k data of a bench run
(made here if missing).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, peers  # noqa: E402
from bench.httpload import run_distinct  # noqa: E402
from bench.queries import distinct_mix, write_pools  # noqa: E402

SERVERS = ("cpkg", "cpkg-nocache", "oxigraph")
QUERIES = ("point", "join", "construct")  # what every server answers (pages are cpkg's own)
PAGES = ("id-turtle", "id-html")  # timed against a point lookup on the same server
PAGE_SERVERS = ("cpkg", "cpkg-nocache")
ROUNDS = 4
ROUND_SECONDS = 5.0


def alternate(
    run: Callable[[str], float], names: Sequence[str], rounds: int
) -> dict[str, list[float]]:
    """``run(name)`` (a rate) for every name in turn, ``rounds`` times over."""
    rates: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            rates[name].append(run(name))
    return rates


def ratio(rates: dict[str, list[float]], of: str, to: str) -> float | None:
    """``of``'s requests over ``to``'s, summed over the rounds (equal run lengths)."""
    theirs = sum(rates.get(to, []))
    return sum(rates.get(of, [])) / theirs if theirs else None


def _rate(data: Path, work: Path | None, connections: int) -> Callable[[str, str, float], float]:
    """``rate(endpoint, query, seconds)``: req/s of a distinct-mode run of one query of
    ``distinct_mix`` against one endpoint, IRIs drawn from ``data``."""
    pools = write_pools(data, (work or data.parent) / f"pools-{data.stem}")
    mix = {d.name: d for d in distinct_mix()}

    def rate(endpoint: str, query: str, seconds: float) -> float:
        got = run_distinct(endpoint, mix[query], pools, connections=connections, duration=seconds)
        return got.req_s

    return rate


def measure(
    data: Path,
    queries: Sequence[str] = QUERIES,
    servers: Sequence[str] = SERVERS,
    *,
    rounds: int = ROUNDS,
    seconds: float = ROUND_SECONDS,
    connections: int = 8,
    work: Path | None = None,
) -> dict[str, dict[str, list[float]]]:
    """req/s of each round, per query and server, every server started once and kept up."""
    rate = _rate(data, work, connections)
    found: dict[str, dict[str, list[float]]] = {}
    with contextlib.ExitStack() as stack:
        up = {name: stack.enter_context(peers.make(name, data)) for name in servers}
        for q in queries:

            def run(name: str, duration: float = seconds, q: str = q) -> float:
                return rate(up[name].endpoint, q, duration)

            for name in servers:  # warm-up: forks the evaluators, opens connections
                run(name, 1.0)
            found[q] = alternate(run, servers, rounds)
    return found


def page_times(
    data: Path,
    servers: Sequence[str] = PAGE_SERVERS,
    *,
    rounds: int = ROUNDS,
    seconds: float = ROUND_SECONDS,
    connections: int = 8,
    work: Path | None = None,
) -> dict[str, dict[str, list[float]]]:
    """req/s of each round, per server and query: a distinct point lookup and the ``/id`` pages
    on one server in turn, so that a page's time is compared with a point lookup's of the same
    minutes."""
    rate = _rate(data, work, connections)
    found: dict[str, dict[str, list[float]]] = {}
    for name in servers:
        with peers.make(name, data) as up:

            def run(q: str, duration: float = seconds) -> float:
                return rate(up.endpoint, q, duration)

            for q in ("point", *PAGES):
                run(q, 1.0)
            found[name] = alternate(run, ("point", *PAGES), rounds)
    return found


def page_report(found: dict[str, dict[str, list[float]]]) -> str:
    """Each page's time per request over a point lookup's, per server, as a Markdown table."""
    servers = list(found)
    lines = [
        "| page | " + " | ".join(f"{s}: req/s by round" for s in servers) + " | "
        + " | ".join(f"{s}: time / point lookup's" for s in servers) + " |",
        "|---|" + "---:|" * (2 * len(servers)),
    ]  # fmt: skip
    for q in ("point", *PAGES):
        rounds = [", ".join(f"{r:,.0f}" for r in found[s].get(q, [])) for s in servers]
        times = [ratio(found[s], "point", q) for s in servers]
        cells = [f"{x:.2f}x" if x is not None else "" for x in times]
        lines.append(f"| {q} | " + " | ".join(rounds + cells) + " |")
    return "\n".join(lines)


def report(found: dict[str, dict[str, list[float]]], reference: str = "oxigraph") -> str:
    """The rounds and the ratios to ``reference``, as a Markdown table."""
    servers = list(next(iter(found.values()), {}))
    lines = [
        "| query | " + " | ".join(f"{s} req/s by round" for s in servers) + " | "
        + " | ".join(f"{s} / {reference}" for s in servers if s != reference) + " |",
        "|---|" + "---:|" * (2 * len(servers) - 1),
    ]  # fmt: skip
    for q, rates in found.items():
        rounds = [", ".join(f"{r:,.0f}" for r in rates[s]) for s in servers]
        shares = [ratio(rates, s, reference) for s in servers if s != reference]
        cells = [f"{x:.2f}x" if x is not None else "" for x in shares]
        lines.append(f"| {q} | " + " | ".join(rounds + cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.side_by_side", description=__doc__)
    parser.add_argument("queries", nargs="*", choices=[*QUERIES, []], metavar="QUERY")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--seconds", type=float, default=ROUND_SECONDS)
    args = parser.parse_args(argv)
    work = Path(os.environ.get("BENCH_WORK", str(ROOT / "bench" / "scratch")))
    data = generate.scratch_data(work)
    found = measure(
        data, args.queries or QUERIES, rounds=args.rounds, seconds=args.seconds, work=work
    )
    table = report(found)
    pages = page_report(page_times(data, rounds=args.rounds, seconds=args.seconds, work=work))
    out = ROOT / "bench" / "results" / "side-by-side.md"
    stamp = time.strftime("%Y-%m-%d %H:%M")
    out.write_text(
        f"# Distinct queries side by side ({stamp}, 100k, {args.rounds} rounds of "
        f"{args.seconds:g} s, 8 connections)\n\n{table}\n\n"
        f"## Resource pages against a point lookup, on the same server\n\n{pages}\n",
        encoding="utf-8",
    )
    print(table)
    print(pages)
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
