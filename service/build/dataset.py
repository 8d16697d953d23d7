"""Build the published dataset: parse, validate, verify quotes, then write it all-or-nothing.

Each Turtle file becomes one named graph, so every triple's origin is known (and shown in errors).
Nothing is written unless the shapes conform and every quote is found in its source; the output
directory is replaced by a rename, so readers never see a half-written dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from service.build.audit import audit_support
from service.build.loading import LoadedFile, display_path, load_project, to_store
from service.build.quote_context import quote_context
from service.build.search_index import SEARCH_FILE, write_search_index
from service.build.shacl.project import parent_in, write_validation_index
from service.build.sources import Source, load_sources, verify_quotes
from service.build.statistics import compute_statistics
from service.build.validate import (
    ValidationReport,
    check_shapes,
    shacl_results,
    split_shapes,
    subject_origins,
)
from service.config import Settings
from service.errors import ConfigError, ValidationFailed
from service.vocab import PREFIXES, iri_text

DATASET_FILES = (
    "dataset.trig",
    "dataset.nq",
    "dataset.ttl",
    "stats.json",
    SEARCH_FILE,
    "shacl-index",
)


@dataclass
class BuildReport:
    """What was built, where, and how long it took."""

    output_dir: Path
    files: list[str]
    stats: dict[str, Any]
    validation: ValidationReport
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Build + validate time (parse, sources, SHACL, quotes, statistics, write)."""
        return self.timings.get("total", 0.0)

    def summary(self) -> str:
        s = self.stats
        claims = s["claims"]
        classes = sorted(s["instances_per_class"].items(), key=lambda kv: (-kv[1], kv[0]))
        lines = [
            f"Built {display_path(self.output_dir)} from {len(self.files)} files: "
            f"{s['total_triples']} triples in {len(s['triples_per_graph'])} named graphs",
            "  instances: " + (", ".join(f"{iri_text(c)} {n}" for c, n in classes) or "(none)"),
            f"  claims: {claims['total']} ({claims['supported_pairs']} supported "
            f"(resource, property) pairs + {claims['reified']} cpkg:Claim)",
            f"  evidence nodes: {s['evidence_nodes']}; quotes verified "
            f"{s['verified_quotes']}/{s['quotes_checked']}",
            f"  conflicts: {s['conflicts']}; inferred claims: {s['inferred_claims']}; "
            f"name mentions: {s['name_mentions']}",
            f"  {self.validation.audit.summary()}",
        ]
        warnings = len(self.validation.results) - len(self.validation.violations)
        if warnings:
            lines.append(f"  SHACL warnings/infos: {warnings} (run `cpkg validate` for details)")
        t = self.timings
        lines.append(
            f"  time: {t['total']:.2f} s (parse {t['parse']:.2f}, SHACL {t['shacl']:.2f}, "
            f"quotes {t['quotes']:.2f}, audit {t['audit']:.2f}, write {t['write']:.2f})"
        )
        return "\n".join(lines)


class BuildFailed(ValidationFailed):
    """The data does not conform or a quote is not in its source; nothing was written."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("build failed, dataset not written:\n" + report.to_text())
        self.report = report


def build_dataset(settings: Settings) -> BuildReport:
    """Parse, validate and write the dataset; raise instead of writing anything invalid.

    Raises ParseError (malformed RDF), SourceError (sources missing or changed), ConfigError
    (missing directories, unwritable output) and BuildFailed (non-conformance, bad quotes, an
    assertion of graph/ that is neither evidenced, editorial nor a claim, or over-claimed).
    """
    timings: dict[str, float] = {}
    started = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = round(now - mark, 4)
        mark = now

    files = load_project(settings)
    shapes, data_files = split_shapes(files, settings)
    store = to_store(files)
    lap("parse")

    sources = load_sources(store, settings)  # fail fast: before the slowest step
    lap("sources")

    checked = check_shapes(data_files, shapes)
    shacl_conforms = checked.conforms
    results = shacl_results(checked.report, parent_in(checked.store), subject_origins(files))
    lap("shacl")

    quotes = verify_quotes(store, sources, {str(f.graph.value): f.label for f in files})
    lap("quotes")

    audit = audit_support(store, files, graph_files(files, settings))
    lap("audit")

    validation = ValidationReport(
        shacl_conforms=shacl_conforms,
        results=results,
        quotes=quotes,
        files=[f.label for f in files],
        audit=audit,
    )
    if not validation.conforms:
        raise BuildFailed(validation)
    files = [*files, _generated(quote_context(store, sources), store)]

    stats = _statistics(store, files, sources, validation)
    lap("statistics")

    index = lambda d: write_search_index(store, d / SEARCH_FILE, stats["dataset_sha256"])  # noqa: E731
    _write_atomically(settings.output_dir, files, stats, timings, started, index)
    write_validation_index(settings, checked, shapes)  # for incremental `cpkg validate`
    timings["total"] = round(time.perf_counter() - started, 4)
    validation.seconds = timings["total"]
    return BuildReport(
        output_dir=settings.output_dir,
        files=[f.label for f in files],
        stats=stats,
        validation=validation,
        timings=timings,
    )


def _statistics(
    store: ox.Store,
    files: list[LoadedFile],
    sources: dict[str, Source],
    validation: ValidationReport,
) -> dict[str, Any]:
    """stats.json: the counts of the graph, and what was checked to accept it."""
    stats = compute_statistics(store)
    quotes, audit = validation.quotes, validation.audit
    stats.update(
        {
            "quotes_checked": quotes.total,
            "verified_quotes": quotes.verified,
            "graph_files": {str(f.graph.value): f.label for f in files},
            "sources": {
                iri: {"file": s.file_name, "sha256": s.sha256} for iri, s in sorted(sources.items())
            },
            "shacl": {
                "conforms": validation.shacl_conforms,
                "warnings": len(validation.results) - len(validation.violations),
            },
            "assertions": audit.as_dict(),
        }
    )
    return stats


def _generated(file: LoadedFile, store: ox.Store) -> LoadedFile:
    """A graph the build computes (not hand-written): into the store, and the dataset."""
    store.extend(file.quads)
    return file


def graph_files(files: list[LoadedFile], settings: Settings) -> set[str]:
    """Named graphs of the data files in graph/: what the support audit checks (the ontology's
    own triples are declarations, not assertions about the sources' subject)."""
    directory = settings.graph_dir.resolve()
    return {f.graph.value for f in files if f.path.resolve().parent == directory}


def _serialise(directory: Path, files: list[LoadedFile]) -> dict[str, str]:
    """Write TriG, N-Quads and merged Turtle; return {file name: sha256}."""
    quads = [q for f in files for q in f.quads]
    seen: set[ox.Triple] = set()
    triples: list[ox.Triple] = []
    for q in quads:
        if q.triple not in seen:
            seen.add(q.triple)
            triples.append(q.triple)
    outputs = [
        ("dataset.trig", ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)),
        ("dataset.nq", ox.serialize(quads, format=ox.RdfFormat.N_QUADS)),
        ("dataset.ttl", ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)),
    ]
    hashes: dict[str, str] = {}
    for name, data in outputs:
        assert data is not None  # serialize() returns bytes when given no output
        _write_file(directory / name, data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    return hashes


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_atomically(
    output: Path,
    files: list[LoadedFile],
    stats: dict[str, Any],
    timings: dict[str, float],
    started: float,
    extra: Callable[[Path], object] | None = None,
) -> None:
    """Write into a temporary sibling directory, then swap it in with renames.

    If anything fails, the temporary directory is removed and the previous dataset is untouched.
    ``extra`` writes more files (the search index) into the new directory.
    """
    old: Path | None = None
    tmp: Path | None = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
        hashes = _serialise(tmp, files)
        stats["dataset_sha256"] = hashes["dataset.nq"]
        if extra is not None:
            extra(tmp)
        stats["file_sha256"] = hashes
        stats["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        timings["write"] = round(time.perf_counter() - started - sum(timings.values()), 4)
        timings["total"] = round(time.perf_counter() - started, 4)
        stats["timings_seconds"] = dict(timings)
        stats["build_validate_seconds"] = timings["total"]
        body = json.dumps(stats, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        _write_file(tmp / "stats.json", body.encode("utf-8"))
        if output.exists():
            old = output.with_name(f".{output.name}.old-{uuid.uuid4().hex[:8]}")
            output.rename(old)
        tmp.rename(output)
        tmp = None
    except OSError as exc:
        raise ConfigError(
            f"cannot write the dataset to {output}: {exc.strerror or exc}; "
            "choose another directory with --output DIR or CPKG_OUTPUT_DIR"
        ) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            if output.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:  # the swap did not happen: put the previous dataset back
                with contextlib.suppress(OSError):
                    old.rename(output)
