"""SHACL benchmarks: full validation at every size, pySHACL as reference, incremental checks.

Every measurement runs in a child process of its own, which reports its peak RSS:

- `fast`: service/build/shacl on the synthetic graph plus bench/violations.py (so the reports
  have results of every kind), load and validation timed separately;
- `pyshacl`: plain pySHACL (service.build.validate.run_shacl) on the same data, up to
  BENCH_PYSHACL_MAX (default 100k: 1M takes 828 s and 2.1 GiB), then the fast path in the same
  child to check that the two reports are the same graph;
- `incremental`: at the largest size, the index `cpkg build` keeps is built (timed), then the
  100-triple contribution of bench/contribution.py is validated against it, and its report is
  compared with a full validation of graph + contribution.

    python -m bench.run --only shacl          # just this section (BENCH_SIZES applies)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import contribution, generate, violations  # noqa: E402

if TYPE_CHECKING:
    from bench.run import Results

TIMEOUT = float(os.environ.get("BENCH_SHACL_TIMEOUT", "1800"))


def peak_rss_mib() -> float:
    """Peak RSS of this process: VmHWM, which (unlike ru_maxrss) starts afresh at exec, so
    the harness's own memory at fork time does not count."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _files(path: Path) -> list[Any]:
    import pyoxigraph as ox

    from service.build.loading import LoadedFile

    quads = list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))
    return [LoadedFile(path=path, label=path.name, graph=ox.NamedNode("urn:bench"), quads=quads)]


def _shapes() -> Any:
    from service.build.loading import parse_file, to_rdflib

    return to_rdflib([parse_file(ROOT / "ontology" / "shapes.ttl", generate.GRAPH + "shapes")])


def _results(report: Any) -> int:
    from rdflib import SH

    return len(set(report.objects(None, SH.result)))


def child_fast(path: Path) -> dict[str, Any]:
    """Load into the store (streaming from the file) and validate."""
    import pyoxigraph as ox

    from service.build.shacl.api import namespaces
    from service.build.shacl.data import load
    from service.build.shacl.validator import validate_store

    started = time.perf_counter()
    store, literals = load(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))
    loaded = time.perf_counter() - started
    shapes = _shapes()
    started = time.perf_counter()
    result = validate_store(store, shapes, namespaces(), literals)
    return {
        "load_s": loaded,
        "validate_s": time.perf_counter() - started,
        "conforms": result.conforms,
        "results": _results(result.graph),
        "fallback": len(result.fallback),
        "rss_mib": peak_rss_mib(),
    }


def child_pyshacl(path: Path) -> dict[str, Any]:
    """Plain pySHACL, then the fast path on the same files: are the results the same?"""
    from service.build.loading import to_rdflib
    from service.build.shacl.api import check_files
    from service.build.shacl.compare import differences
    from service.build.validate import run_shacl

    files = _files(path)
    started = time.perf_counter()
    data = to_rdflib(files)
    prepared = time.perf_counter() - started
    started = time.perf_counter()
    conforms, report = run_shacl(data, _shapes())
    seconds = time.perf_counter() - started
    rss = peak_rss_mib()
    del data
    fast = check_files(files, _shapes())
    return {
        "prepare_s": prepared,
        "validate_s": seconds,
        "conforms": conforms,
        "results": _results(report),
        "identical": not differences(report, fast.report, isomorphism=False),
        "rss_mib": rss,
    }


def child_index(path: Path, directory: Path) -> dict[str, Any]:
    """What `cpkg build` does after writing the dataset: validate and keep the index."""
    from service.build.shacl.api import check_files
    from service.build.shacl.index import write_index

    started = time.perf_counter()
    checked = check_files(_files(path), _shapes())
    write_index(directory, checked, fingerprint="bench", shapes_sha256="bench")
    return {"seconds": time.perf_counter() - started, "rss_mib": peak_rss_mib()}


def child_incremental(directory: Path, path: Path, added: Path) -> dict[str, Any]:
    """Validate the contribution against the index; then compare with a full validation."""
    import pyoxigraph as ox

    from service.build.loading import LoadedFile
    from service.build.shacl.api import check_files, namespaces
    from service.build.shacl.compare import differences
    from service.build.shacl.incremental import validate_incremental
    from service.build.shacl.index import open_index

    graph = ox.NamedNode("urn:bench:contribution")
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(path=added, format=ox.RdfFormat.N_TRIPLES)
    ]
    shapes = _shapes()
    started = time.perf_counter()
    index = open_index(directory, fingerprint="bench", shapes_sha256="bench")
    result, _ = validate_incremental(index, quads, shapes, namespaces(), lambda s, r: None)
    seconds = time.perf_counter() - started
    rss = peak_rss_mib()
    checked = [s.focus_nodes for s in result.shapes if s.focus_nodes is not None]
    both = [*_files(path), LoadedFile(added, added.name, graph, quads)]
    full = check_files(both, _shapes())
    return {
        "seconds": seconds,
        "rss_mib": rss,
        "triples": len(quads),
        "rechecked": sum(checked),
        "results": _results(result.graph),
        "identical": not differences(full.report, result.graph, isomorphism=False),
    }


def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.shacl", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"SHACL child {args[0]} failed: {proc.stderr.decode()[-2000:]}")
    found: dict[str, Any] = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return found


@dataclass
class Sizes:
    """What to measure at which size."""

    sizes: list[int]
    pyshacl_max: int


def measure(sizes: Sizes, work: Path, res: Results, say: Any) -> None:
    """The SHACL section: fast path at every size, pySHACL up to its limit, incremental."""
    files: dict[int, tuple[Path, int]] = {}
    for size in sizes.sizes:
        path = work / f"shacl-{generate.size_label(size)}.nq"
        files[size] = (path, violations.write(size, path))
    for size, (path, quads) in files.items():
        label = generate.size_label(size)
        fast = _child("fast", str(path))
        note = (
            f"load {fast['load_s']:.1f} s; conforms={fast['conforms']}; {fast['results']} results"
        )
        res.add("shacl", size, quads, "fast path", "-", "seconds", fast["validate_s"], "s", note)
        res.add("shacl", size, quads, "fast path", "-", "load_seconds", fast["load_s"], "s")
        res.add("shacl", size, quads, "fast path", "-", "peak_rss", fast["rss_mib"], "MiB")
        say(f"SHACL {label}: fast path {fast['validate_s']:.2f} s + load {fast['load_s']:.2f} s, "
            f"peak RSS {fast['rss_mib']:.0f} MiB, {fast['results']} results")  # fmt: skip
        if size > sizes.pyshacl_max:
            res.note(f"SHACL: pySHACL not run at {label} (above BENCH_PYSHACL_MAX)")
            continue
        ref = _child("pyshacl", str(path))
        note = f"rdflib graph built in {ref['prepare_s']:.1f} s; {ref['results']} results"
        res.add("shacl", size, quads, "pySHACL", "-", "seconds", ref["validate_s"], "s", note)
        res.add("shacl", size, quads, "pySHACL", "-", "peak_rss", ref["rss_mib"], "MiB")
        res.add("shacl", size, quads, "pySHACL", "-", "identical", float(ref["identical"]), "")
        say(f"SHACL {label}: pySHACL {ref['validate_s']:.1f} s, peak RSS {ref['rss_mib']:.0f} MiB"
            f"; same report as the fast path: {ref['identical']}")  # fmt: skip
    largest = max(files)
    path, quads = files[largest]
    _incremental(largest, path, quads, work, res, say)


def _incremental(size: int, path: Path, quads: int, work: Path, res: Results, say: Any) -> None:
    added = work / "contribution.nt"
    contribution.write(added)
    with tempfile.TemporaryDirectory(dir=work, prefix="shacl-index-") as tmp:
        directory = Path(tmp) / "index"
        built = _child("index", str(path), str(directory))
        inc = _child("incremental", str(directory), str(path), str(added))
    target = "incremental"
    note = f"{inc['triples']} new triples; {inc['rechecked']} focus nodes re-checked"
    res.add("shacl", size, quads, target, "-", "seconds", inc["seconds"], "s", note)
    res.add("shacl", size, quads, target, "-", "peak_rss", inc["rss_mib"], "MiB")
    res.add("shacl", size, quads, target, "-", "identical", float(inc["identical"]), "")
    res.add("shacl", size, quads, target, "-", "index_seconds", built["seconds"], "s")
    say(f"SHACL incremental at {generate.size_label(size)}: {inc['seconds']:.2f} s, peak RSS "
        f"{inc['rss_mib']:.0f} MiB ({note}); index built in {built['seconds']:.1f} s; "
        f"same report as full validation: {inc['identical']}")  # fmt: skip


def main(argv: list[str]) -> int:
    kind, *args = argv
    if kind == "fast":
        out = child_fast(Path(args[0]))
    elif kind == "pyshacl":
        out = child_pyshacl(Path(args[0]))
    elif kind == "index":
        out = child_index(Path(args[0]), Path(args[1]))
    elif kind == "incremental":
        out = child_incremental(Path(args[0]), Path(args[1]), Path(args[2]))
    else:
        raise SystemExit(f"unknown SHACL measurement {kind!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
