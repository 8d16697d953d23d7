"""What to change: each problem `cpkg validate` finds in a contribution, with its file and line and,
for a SHACL result, the change the shape asks for (its parameters, with the concepts or existing
resources that would satisfy it).

A SHACL result about a TODO marker (on the marker, or on a property whose value is one) is left
out: the support audit already reports the marker, with its line and the hint written beside it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox

from service.build.contribute.markers import is_marker, shows_marker
from service.build.loading import LoadedFile
from service.build.locate import SourceLines
from service.build.shapeinfo import Constraint, Shapes, readable
from service.vocab import PREFIXES, iri_text

if TYPE_CHECKING:  # validate.py calls explain(): no import back at run time
    from service.build.validate import ShaclResult, ValidationReport

OA_EXACT = PREFIXES["oa"] + "exact"


def explain(
    report: ValidationReport,
    contribution: Sequence[LoadedFile],
    shapes: LoadedFile,
    data: Sequence[LoadedFile],
) -> ValidationReport:
    """The report with a line and a fix on every SHACL result and a line on every quote failure
    of the contribution (``data``: the project and the contribution, for examples)."""
    lines = SourceLines(contribution)
    terms: dict[str, ox.NamedNode | ox.BlankNode] = {}
    marked: set[tuple[str, str]] = set()
    for f in contribution:
        for q in f.quads:
            if not isinstance(q.subject, ox.NamedNode | ox.BlankNode):
                continue
            terms.setdefault(_shown(q.subject), q.subject)
            terms.setdefault(iri_text(q.predicate.value), q.predicate)
            if is_marker(q.object):
                marked.add((_shown(q.subject), iri_text(q.predicate.value)))
    info = Shapes(shapes, data)
    contributed = {f.label for f in contribution}
    results = []
    for r in report.results:
        focus = r.focus_node.split(" ", 1)[0]
        if shows_marker(focus) or shows_marker(r.value) or (focus, r.path or "") in marked:
            continue
        line = None
        subject, path = terms.get(focus), terms.get(r.path or "")
        if r.file in contributed and subject is not None:
            line = lines.line(r.file, subject, path.value if path else None)
        results.append(dataclasses.replace(r, line=line, fix=_fix(info, r)))
    report.results = results
    report.quotes.failures = [
        dataclasses.replace(f, line=_quote_line(lines, contribution, f.file, f.quote))
        for f in report.quotes.failures
    ]
    return report


def _shown(term: ox.NamedNode | ox.BlankNode) -> str:
    return iri_text(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _quote_line(
    lines: SourceLines, files: Sequence[LoadedFile], file: str, quote: str
) -> int | None:
    for f in files:
        if f.label == file:
            for q in f.quads:
                if q.predicate.value == OA_EXACT and q.object == ox.Literal(quote):
                    return lines.line(file, q.subject, OA_EXACT, q.object)
    return None


def _fix(info: Shapes, r: ShaclResult) -> str:
    """What to change for one SHACL result, from its constraint component and shape."""
    shape = _expand(info, r.source_shape)
    c = info.constraint(shape) if shape else Constraint(r.source_shape, None)
    path, focus = r.path or "the property", r.focus_node.split(" ", 1)[0]
    expected = info.expected(c)
    also = f": {expected}" if expected else ""
    component = r.component.rsplit(":", 1)[-1].removesuffix("ConstraintComponent")
    fixes = {
        "MinCount": f"add {path} to {focus}"
        + (f" ({c.min_count} values at least)" if c.min_count > 1 else "")
        + also,
        "MaxCount": f"keep at most {c.max_count} {path}; where sources disagree, make each "
        "value a Stated cpkg:Claim and link them with a cpkg:Conflict (docs/modelling.md)",
        "Class": f"make {path} point to {expected or 'a resource of the required class'}",
        "Or": f"make {path} {expected or 'satisfy one of the alternatives'}",
        "Datatype": f"write {path} as {expected}",
        "Node": f"make {path} {expected}" if expected else readable(r.message),
        "In": f"make {path} {expected}",
        "LanguageIn": f'write {path} as {expected}, e.g. "…"@{(c.languages or ["en"])[0]}',
        "UniqueLang": f"keep one {path} per language",
        "Pattern": f"make {path} match the pattern {c.pattern}",
        "NodeKind": f"make {path} an IRI (a prefixed name such as cpr:…), not a literal",
    }
    return fixes.get(component) or f"change the data so that: {readable(r.message)}"


def _expand(info: Shapes, shape: str) -> str | None:
    """A shape as reports show it (cpsh:X, _:id) as the shapes file names it."""
    if shape.startswith("_:"):
        return shape
    prefix, _, local = shape.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES and local else None
