"""In-process vs HTTP timings for four typical queries (not a test; run it by hand).

    .venv/bin/python tests/web/bench_endpoint.py [N_FORCES]

Generates a synthetic dataset (N forces x 20 inspections x 5 findings), then times each query
directly on pyoxigraph (in-process, full iteration) and through the real server (granian) over
HTTP (forked evaluation + serialization + HTTP, keep-alive), median of 50 runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from live_server import start_server, stop_process  # noqa: E402

P = "PREFIX cpkg: <https://w3id.org/cpkg/def#> PREFIX cpr: <https://w3id.org/cpkg/id/>\n"
QUERIES = {
    "point lookup": P + "SELECT ?p ?o WHERE { cpr:find-7-3-2 ?p ?o }",
    "3-hop join": P + "SELECT ?f ?l WHERE { ?i cpkg:inspected cpr:force-7 ; cpkg:finding ?f . "
    "?f cpkg:severity 5 ; cpkg:label ?l }",
    "aggregate": P + "SELECT ?force (AVG(?s) AS ?avg) (COUNT(?f) AS ?n) WHERE { ?i cpkg:inspected "
    "?force ; cpkg:finding ?f . ?f cpkg:severity ?s } GROUP BY ?force ORDER BY DESC(?avg)",
    "CONSTRUCT": P + "CONSTRUCT { ?i cpkg:inspected ?force ; cpkg:finding ?f } WHERE { ?i "
    "cpkg:inspected ?force ; cpkg:finding ?f . FILTER(?force = cpr:force-3) }",
}


def generate(n_forces: int) -> list[ox.Quad]:
    cpkg, cpr = "https://w3id.org/cpkg/def#", "https://w3id.org/cpkg/id/"
    g = ox.NamedNode("https://w3id.org/cpkg/graph/bench")
    quads = []
    for f in range(n_forces):
        force = ox.NamedNode(f"{cpr}force-{f}")
        for i in range(20):
            insp = ox.NamedNode(f"{cpr}insp-{f}-{i}")
            quads.append(ox.Quad(insp, ox.NamedNode(cpkg + "inspected"), force, g))
            for k in range(5):
                find = ox.NamedNode(f"{cpr}find-{f}-{i}-{k}")
                quads += [
                    ox.Quad(insp, ox.NamedNode(cpkg + "finding"), find, g),
                    ox.Quad(
                        find,
                        ox.NamedNode(cpkg + "severity"),
                        ox.Literal(
                            str((f + i + k) % 5 + 1),
                            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
                        ),
                        g,
                    ),  # noqa: E501
                    ox.Quad(
                        find, ox.NamedNode(cpkg + "label"), ox.Literal(f"finding {f}/{i}/{k}"), g
                    ),  # noqa: E501
                ]
    return quads


def median_ms(fn: object, runs: int = 50) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    quads = generate(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.nq"
        ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        url, proc = start_server([path], workers=1)
        session = requests.Session()  # keep-alive, like a real client
        try:
            print(f"{len(quads)} quads")
            print(f"{'query':<14}{'rows':>7}{'in-process ms':>16}{'HTTP ms':>10}")
            for name, q in QUERIES.items():
                count = len(list(store.query(q, use_default_graph_as_union=True)))  # type: ignore[arg-type]

                def local(q: str = q) -> None:
                    list(store.query(q, use_default_graph_as_union=True))  # type: ignore[arg-type]

                def http(q: str = q) -> None:
                    r = session.get(url + "/sparql", params={"query": q}, timeout=30)
                    r.raise_for_status()

                print(f"{name:<14}{count:>7}{median_ms(local):>16.2f}{median_ms(http):>10.2f}")
        finally:
            stop_process(proc)


if __name__ == "__main__":
    main()
