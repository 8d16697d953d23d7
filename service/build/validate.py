"""SHACL validation, readable: for the build, and for a contributor checking their own files.

A contribution is validated together with the project's ontology and graph, so it can refer to
resources that already exist; each result names the contribution file that defines its focus node.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from service.build.audit import AuditReport, audit_support
from service.build.fixes import explain
from service.build.loading import (
    XSD_STRING,
    LoadedFile,
    display_path,
    load_project,
    parse_file,
    to_rdflib,
    to_store,
)
from service.build.shacl.api import Checked, check_files
from service.build.shacl.paths import path_text
from service.build.shacl.project import Parent, check_contribution
from service.build.sources import QuoteReport, load_sources, verify_quotes
from service.config import Settings
from service.errors import ConfigError
from service.vocab import iri_text

PROJECT_GRAPH = "project graph"


@dataclass(frozen=True)
class ShaclResult:
    """One sh:ValidationResult, with terms compacted for people to read."""

    severity: str
    focus_node: str
    path: str | None
    message: str
    value: str | None
    component: str
    source_shape: str
    file: str
    line: int | None = None  # where the focus node is described (contributions only)
    fix: str | None = None  # what to change (service/build/fixes.py)

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        lines = [f"{self.severity}: {self.focus_node}  [{where}]"]
        if self.path:
            lines.append(f"  path:       {self.path}")
        lines.append(f"  message:    {self.message}")
        if self.value is not None:
            lines.append(f"  value:      {self.value}")
        lines.append(f"  constraint: {self.component}")
        lines.append(f"  shape:      {self.source_shape}")
        if self.fix:
            lines.append(f"  fix:        {self.fix}")
        return "\n".join(lines)


@dataclass
class ValidationReport:
    """Outcome of validating data: SHACL results, quote verification and the support audit."""

    shacl_conforms: bool
    results: list[ShaclResult]
    quotes: QuoteReport
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    audit: AuditReport = field(default_factory=AuditReport)
    mode: str = "full"  # SHACL: "incremental" (against the built graph) or "full (why)"

    @property
    def conforms(self) -> bool:
        return self.shacl_conforms and self.quotes.ok and self.audit.ok

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def to_text(self) -> str:
        head = "Conforms" if self.conforms else "Does not conform"
        lines = [
            f"{head}: {len(self.violations)} violation(s), "
            f"{len(self.results) - len(self.violations)} warning/info result(s), "
            f"quotes verified {self.quotes.verified}/{self.quotes.total}, "
            f"{self.audit.summary()} ({', '.join(self.files) or 'no files'})"
        ]
        lines.extend(r.format() for r in self.results)
        lines.extend(f.message() for f in self.quotes.failures)
        lines.extend(p.message() for p in self.audit.problems)
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "shacl_conforms": self.shacl_conforms,
            "files": self.files,
            "results": [asdict(r) for r in self.results],
            "quotes": {
                "total": self.quotes.total,
                "verified": self.quotes.verified,
                "failures": [asdict(f) for f in self.quotes.failures],
            },
            "assertions": self.audit.as_dict(),
            "audit_problems": [asdict(p) for p in self.audit.problems],
            "seconds": round(self.seconds, 3),
            "shacl_mode": self.mode,
        }


def shapes_path(settings: Settings) -> Path:
    """The SHACL shapes file: ontology/shapes.ttl."""
    return settings.ontology_dir / "shapes.ttl"


def split_shapes(
    files: Sequence[LoadedFile], settings: Settings
) -> tuple[LoadedFile, list[LoadedFile]]:
    """Separate the shapes file from the data (shapes are not validated as data)."""
    target = shapes_path(settings).resolve()
    shapes = [f for f in files if f.path.resolve() == target]
    if not shapes:
        raise ConfigError(
            f"SHACL shapes not found: {display_path(target)}; the build needs ontology/shapes.ttl"
        )
    return shapes[0], [f for f in files if f.path.resolve() != target]


def run_shacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """Plain pySHACL with SPARQL-based constraints on: the reference the fast path
    (check_shapes) is tested against. The data graph already holds the ontology.

    No RDFS/OWL inference: sh:targetClass and sh:class follow rdfs:subClassOf in the data graph
    by themselves.
    """
    conforms, results_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        abort_on_first=False,
        inplace=True,
    )
    assert isinstance(results_graph, Graph)
    return bool(conforms), results_graph


def _term(node: Node | None, parent: Parent | None = None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return iri_text(str(node))
    if isinstance(node, Literal):
        text = str(node)
        shown = repr(text) if len(text) <= 200 else repr(text[:197] + "...")
        if node.datatype is not None and str(node.datatype) != XSD_STRING:
            return f"{text if len(text) <= 200 else shown} ({iri_text(str(node.datatype))})"
        return shown
    if isinstance(node, BNode) and parent is not None:
        found = parent(node)
        if found is not None:
            return f"_:{node} (object of {_term(found[0], parent)} {_term(found[1])})"
    return f"_:{node}"


def shacl_results(results: Graph, parent: Parent, origin: Mapping[str, str]) -> list[ShaclResult]:
    """Turn a sh:ValidationReport into readable records, violations first."""
    out: list[ShaclResult] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = results.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        out.append(
            ShaclResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=_term(focus, parent),
                path=path_text(results, results.value(result, SH.resultPath)),
                message="; ".join(messages) or "(no message)",
                value=_term(v) if (v := results.value(result, SH.value)) is not None else None,
                component=_term(results.value(result, SH.sourceConstraintComponent)),
                source_shape=_term(results.value(result, SH.sourceShape)),
                file=origin.get(str(focus), PROJECT_GRAPH),
            )
        )
    rank = {"Violation": 0, "Warning": 1, "Info": 2}
    out.sort(key=lambda r: (rank.get(r.severity, 3), r.file, r.focus_node, r.path or "", r.message))
    return out


def check_shapes(data: Sequence[LoadedFile], shapes: LoadedFile) -> Checked:
    """SHACL validation of the files' triples (service/build/shacl: pySHACL's results, fast)."""
    return check_files(data, to_rdflib([shapes]))


def subject_origins(files: Sequence[LoadedFile]) -> dict[str, str]:
    """Subject value -> label of the first file (in order given) that describes it."""
    origin: dict[str, str] = {}
    for f in files:
        for q in f.quads:
            origin.setdefault(str(getattr(q.subject, "value", q.subject)), f.label)
    return origin


def validate(data_files: Sequence[Path], settings: Settings) -> ValidationReport:
    """Validate contribution files against the shapes, together with the project's data.

    Results whose focus node is defined in a contribution name that file; the rest say
    "project graph". Quotes are verified, and assertions audited, for the contribution only.
    """
    started = time.perf_counter()
    if not data_files:
        raise ConfigError("no files to validate; give one or more RDF files")
    contribution = [
        parse_file(
            Path(p), Path(p).resolve().as_uri(), label=str(p), bnode_prefix=f"c{i}_{Path(p).stem}"
        )
        for i, p in enumerate(data_files)
    ]
    shapes, project = split_shapes(load_project(settings), settings)
    given = {f.path.resolve() for f in contribution}  # a project file is read as contributed
    project = [f for f in project if f.path.resolve() not in given]
    # an edited project file changes the index's fingerprint, so it is validated in full
    checked = check_contribution(settings, project, contribution, shapes)
    results = shacl_results(checked.report, checked.parent, subject_origins(contribution))

    store = to_store([*project, *contribution])
    sources = load_sources(store, settings)
    graphs = {str(f.graph.value) for f in contribution}
    quotes = verify_quotes(
        store, sources, {str(f.graph.value): f.label for f in contribution}, only_graphs=graphs
    )
    report = ValidationReport(
        shacl_conforms=checked.conforms,
        results=results,
        quotes=quotes,
        files=[f.label for f in contribution],
        audit=audit_support(store, [*project, *contribution], graphs),
        mode=checked.mode,
    )
    report = explain(report, contribution, shapes, [*project, *contribution])
    report.seconds = time.perf_counter() - started
    return report
