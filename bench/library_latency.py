"""Latency of every example query on the embedded store and on Virtuoso, side by side.

Run: .venv/bin/python -m bench.library_latency  (needs Debian's virtuoso-opensource). Builds the
dataset, pushes it into a Virtuoso started on loopback by the test harness, then times each query
of graph/queries/ through the Store interface (median of BENCH_REPEAT runs, default 5) and writes
bench/results/library-latency.md.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "store"), str(ROOT / "tests"), str(ROOT)]

from query_library import library  # noqa: E402
from virtuoso import get_virtuoso, load_project_dataset  # noqa: E402

from service.build.dataset import build_dataset  # noqa: E402
from service.config import Settings  # noqa: E402
from service.store.base import AskResult, Store  # noqa: E402
from service.store.embedded import EmbeddedStore  # noqa: E402


def median_ms(store: Store, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = store.query(text)
        if not isinstance(result, AskResult):
            for _ in result:  # rows and triples are produced lazily: consume them
                pass
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    import os

    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dataset"
        build_dataset(dataclasses.replace(Settings.from_env(), output_dir=out))
        embedded = EmbeddedStore()
        embedded.load((out / "dataset.nq").read_bytes(), "application/n-quads")
    remote, push_s = load_project_dataset(get_virtuoso())
    triples, graphs = embedded.triple_count(), len(embedded.graph_names())
    rows = []
    for q in library():
        rows.append(
            (q.name, median_ms(embedded, q.text, repeat), median_ms(remote, q.text, repeat))
        )
    lines = [
        "# Example query library: embedded pyoxigraph vs Virtuoso 7.2",
        "",
        f"Dataset: {triples} triples in {graphs} graphs; `cpkg push` into "
        f"Virtuoso took {push_s:.2f} s. Median of {repeat} runs per query, through the Store "
        "interface (client-side, loopback HTTP for Virtuoso).",
        "",
        "| query | embedded ms | Virtuoso ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, e, v in rows:
        lines.append(f"| {name} | {e:.2f} | {v:.2f} | {v / e if e else 0:.1f}x |")
    emb = statistics.median(r[1] for r in rows)
    vir = statistics.median(r[2] for r in rows)
    lines += ["", f"Median over the library: embedded {emb:.2f} ms, Virtuoso {vir:.2f} ms."]
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "library-latency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
