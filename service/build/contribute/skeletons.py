"""`cpkg new KIND LABEL`: start a new resource from what its class's shapes require.

The skeleton has a minted IRI (``cpr:<kind>-<slug>``), the label given, and every property the
shapes require (shapeinfo.Shapes.required), each with a TODO marker in the form its value must
take (a resource, a concept of a scheme, a string) and, beside it, the shape's message and
examples of suitable values; the properties the shapes constrain but do not require follow as
comments. Evidence is the block `cpkg quote` writes: given --source and --quote, the passages are
anchored at once; otherwise a marker says how to get it. It is added to the class's file in
graph/ (or --file) under the banner of its source, and the support audit reports each marker, with
its line, until it is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.build.contribute.lookup import find_source, in_graph_dir, registered_sources
from service.build.contribute.markers import marker_iri, marker_text
from service.build.contribute.quoting import evidence_block, pick
from service.build.contribute.turtle import Added, add_block, literal, shown_path
from service.build.loading import LoadedFile, load_project
from service.build.shapeinfo import Constraint, Shapes, readable
from service.build.sources import Source
from service.build.validate import run_shacl, split_shapes
from service.config import Settings
from service.errors import ConfigError
from service.vocab import CPKG, iri_text, mint

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
EVIDENCE = str(CPKG.evidence)
TITLES = (LABEL, "http://purl.org/dc/terms/title")


@dataclass(frozen=True)
class Kind:
    """A kind of resource `cpkg new` starts: its class, its file in graph/, its IRI prefix."""

    cls: str
    file: str
    prefix: str


KINDS: dict[str, Kind] = {
    "finding": Kind(str(CPKG.Finding), "findings.ttl", "finding"),
    "statement": Kind(str(CPKG.Statement), "statements.ttl", "statement"),
    "recommendation": Kind(str(CPKG.Recommendation), "recommendations.ttl", "recommendation"),
    "event": Kind(str(CPKG.Event), "events.ttl", "event"),
    "mention": Kind(str(CPKG.NameMention), "people.ttl", "mention"),
    "claim": Kind(str(CPKG.Claim), "claims.ttl", "claim"),
    "conflict": Kind(str(CPKG.Conflict), "claims.ttl", "conflict"),
}


@dataclass(frozen=True)
class Created:
    """A skeleton written: the resource, where it went, what it requires, and its markers."""

    iri: str
    cls: str
    added: Added
    required: list[str]
    markers: int
    block: str

    def summary(self) -> str:
        where = f"{shown_path(self.added.path)}:{self.added.line}"
        lines = [
            f"Wrote {iri_text(self.iri)} ({iri_text(self.cls)}) at {where}",
            f"  its shapes require: {', '.join(self.required)}",
        ]
        if self.markers:
            lines.append(
                f"  TODO markers to replace: {self.markers} "
                f"(`cpkg validate {shown_path(self.added.path)}` lists them with their lines)"
            )
        return "\n".join([*lines, "", self.block])


@dataclass(frozen=True)
class Request:
    """What `cpkg new` was asked for."""

    kind: str
    label: str
    local: str | None = None  # the IRI's local part after "<kind>-" (default: from the label)
    source: str | None = None  # the source the quotes come from
    quotes: Sequence[str] = ()
    file: Path | None = None


def new(settings: Settings, request: Request) -> Created:
    """Write the skeleton (module doc); ConfigError, writing nothing, on a bad request."""
    kind = KINDS.get(request.kind)
    if kind is None:
        raise ConfigError(f"cannot make a {request.kind!r}; kinds: {', '.join(KINDS)}")
    if request.quotes and not request.source:
        raise ConfigError("--quote needs --source: the source the passage is quoted from")
    files = load_project(settings)
    try:
        iri = mint(kind.prefix, request.local or request.label)
    except ValueError as exc:
        raise ConfigError(f"cannot mint an IRI: {exc}; give one with --id") from None
    _refuse_existing(iri, files)
    shapes_file, data = split_shapes(files, settings)
    shapes = Shapes(shapes_file, data)
    source = None
    if request.source:
        source = find_source(registered_sources(settings, files), request.source)
    required = shapes.required(kind.cls, run_shacl)
    lines, markers = _properties(shapes, kind.cls, request.label, required, source, request.quotes)
    block = "\n".join([f"{iri_text(iri)} a {iri_text(kind.cls)} ;", *lines]) + "\n"
    path = request.file or settings.graph_dir / kind.file
    section = _section(source, files, settings) if request.file is None or source else None
    added = add_block(path, block, section=section, header=f"{kind.prefix}s added with cpkg new")
    names = [iri_text(c.path or "") for c in sorted(required, key=_order)]
    return Created(iri, kind.cls, added, names, markers, block)


def _order(c: Constraint) -> tuple[bool, bool]:
    """The label first, the evidence last, the rest as the shapes report them."""
    return c.path != LABEL, c.path == EVIDENCE


def _refuse_existing(iri: str, files: list[LoadedFile]) -> None:
    for f in files:
        if any(getattr(q.subject, "value", None) == iri for q in f.quads):
            raise ConfigError(
                f"{iri_text(iri)} already exists in {f.label}; choose another name with --id"
            )


def _section(source: Source | None, files: list[LoadedFile], settings: Settings) -> str:
    """The banner a skeleton goes under: its source's (as in graph/sources.ttl)."""
    if source is None:
        return "Added with cpkg new"
    number = source.iri.rsplit("-", 1)[-1]
    titles = sorted(
        (TITLES.index(q.predicate.value), q.object.value)
        for f in in_graph_dir(files, settings)
        for q in f.quads
        if getattr(q.subject, "value", None) == source.iri
        and q.predicate.value in TITLES
        and isinstance(q.object, ox.Literal)
    )
    return f"{number} — {titles[0][1]}" if titles else f"Source {number}"


def _properties(
    shapes: Shapes,
    cls: str,
    label: str,
    required: list[Constraint],
    source: Source | None,
    quotes: Sequence[str],
) -> tuple[list[str], int]:
    """The skeleton's property lines (label, required values, optional ones as comments,
    evidence last) and how many TODO markers they hold."""
    known = {c.path: c for c in shapes.property_shapes(cls) if c.path}
    body: list[tuple[str, str]] = [(f"rdfs:label {literal(label, lang='en')}", "")]
    markers = 0
    for c in required:
        if c.path in (LABEL, EVIDENCE) or c.path is None:
            continue
        value, hint = _placeholder(shapes, _merged(c, known.get(c.path)))
        body.append((f"{iri_text(c.path)} {value}", hint))
        markers += max(1, c.min_count)
    wants_evidence = any(c.path == EVIDENCE for c in required) or bool(quotes)
    ends = [";"] * (len(body) - 1) + [";" if wants_evidence else "."]
    lines = [
        f"    {text} {end}" + (f"  # {hint}" if hint else "")
        for (text, hint), end in zip(body, ends, strict=True)
    ]
    names = {c.path for c in required}
    optional = [c for path, c in known.items() if path not in names]
    if optional:
        lines.append(f"    # optional ({iri_text(cls)} shapes): " + _optional(optional))
    if wants_evidence:
        evidence, count = _evidence(source, quotes)
        lines += evidence
        markers += count
    return lines, markers


def _optional(constraints: list[Constraint]) -> str:
    return ", ".join(dict.fromkeys(iri_text(c.path or "") for c in constraints))


def _evidence(source: Source | None, quotes: Sequence[str]) -> tuple[list[str], int]:
    """The evidence lines: the quoted passages' blocks, or a marker saying how to get them."""
    if source is None or not quotes:
        where = iri_text(source.iri) if source else "SOURCE"
        hint = f'run `cpkg quote {where} "a passage"` and put the block it prints here'
        return [f"    cpkg:evidence {iri_text(marker_iri('evidence'))} .  # {hint}"], 1
    anchors = [pick(source, q) for q in quotes]
    blocks = [evidence_block(a, last=n == len(anchors) - 1) for n, a in enumerate(anchors)]
    return blocks, len(blocks)


def _merged(required: Constraint, shape: Constraint | None) -> Constraint:
    """A requirement with the value constraints of the property shape for the same path."""
    if shape is None:
        return required
    return Constraint(
        shape=required.shape,
        path=required.path,
        message=required.message or shape.message,
        min_count=required.min_count,
        classes=required.classes or shape.classes,
        datatypes=required.datatypes or shape.datatypes,
        scheme=required.scheme or shape.scheme,
        allowed=required.allowed or shape.allowed,
        languages=required.languages or shape.languages,
    )


def _placeholder(shapes: Shapes, c: Constraint) -> tuple[str, str]:
    """The TODO marker(s) in the form the value takes, and the hint written beside them."""
    assert c.path is not None
    name = c.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    count = max(1, c.min_count)
    expected = shapes.expected(c)
    hint = readable(c.message) + (f" Expected: {expected}." if expected else "")
    if bool(c.languages or c.datatypes) or shapes.literal_valued(c.path):
        tag = "en" if "en" in c.languages else None
        values = [literal(marker_text(iri_text(c.path)), lang=tag)] * count
    else:
        numbered = [f"{name}-{n}" for n in range(1, count + 1)] if count > 1 else [name]
        values = [iri_text(marker_iri(n)) for n in numbered]
    return ", ".join(values), hint.strip()
