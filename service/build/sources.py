"""Source documents and verbatim quotes: the guarantee that every claim is backed by its source.

Source texts live outside the project (never copied in); the graph records each file's name and
SHA-256, and every evidence quote must occur character for character in its source's text.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from service.config import Settings
from service.errors import SourceError
from service.vocab import iri_text, sparql_prologue

SOURCES_QUERY = (
    sparql_prologue()
    + """
SELECT ?src ?file ?sha WHERE {
  ?src a cpkg:SourceDocument .
  OPTIONAL { ?src cpkg:fileName ?file }
  OPTIONAL { ?src cpkg:sha256 ?sha }
} ORDER BY ?src
"""
)

# One row per quote; ?g is the file (named graph) of the citing triple, or of the selector.
QUOTES_QUERY = (
    sparql_prologue()
    + """
SELECT ?r ?g ?e ?src ?q ?prefix ?suffix ?start ?end WHERE {
  ?e oa:hasSource ?src ; oa:hasSelector ?sel .
  ?sel a oa:TextQuoteSelector ; oa:exact ?q .
  OPTIONAL { ?sel oa:prefix ?prefix }
  OPTIONAL { ?sel oa:suffix ?suffix }
  OPTIONAL { ?sel oa:start ?start ; oa:end ?end }
  OPTIONAL { GRAPH ?gr { ?r cpkg:evidence ?e } }
  OPTIONAL { GRAPH ?gs { ?e oa:hasSelector ?sel } }
  BIND (COALESCE(?gr, ?gs) AS ?g)
} ORDER BY ?g ?r ?q
"""
)


@dataclass(frozen=True)
class Source:
    """A source document as recorded in the graph, with its verified text."""

    iri: str
    file_name: str
    sha256: str
    path: Path
    text: str


@dataclass(frozen=True)
class QuoteFailure:
    """One quote that is not in its source, with everything needed to find and fix it."""

    claim: str  # the resource citing the evidence (subject of cpkg:evidence), compacted
    file: str  # the Turtle file holding the citation
    source_iri: str
    source_file: str
    quote: str
    problem: str
    nearest: str | None = None
    line: int | None = None  # of the quote in the Turtle file, where known

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        lines = [
            f"{where}: {self.claim}: {self.problem}",
            f"  source: {self.source_iri} ({self.source_file})",
            f"  quote:  {self.quote!r}",
        ]
        if self.nearest is not None:
            lines.append(f"  nearest passage in the source: {self.nearest!r}")
            typed = self.quote if len(self.quote) <= 80 else self.quote[:77].rsplit(" ", 1)[0]
            lines.append(
                "  fix: copy the passage character for character from the source file; "
                f"`cpkg quote {self.source_iri} {json.dumps(typed, ensure_ascii=False)}` shows "
                "the passages closest to it, or the one it matches with its evidence block"
            )
        return "\n".join(lines)


@dataclass
class QuoteReport:
    """How many quotes were checked, how many matched, and every failure."""

    total: int = 0
    verified: int = 0
    failures: list[QuoteFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resolve_sources_dir(settings: Settings) -> Path:
    """The directory holding the source texts, or a SourceError telling how to point at it."""
    directory = settings.sources_dir
    if not directory.is_dir():
        raise SourceError(
            f"source documents directory not found: {directory.resolve()} "
            "(looked at Settings.sources_dir: $CPKG_SOURCES_DIR, default ../shared/sources beside "
            "the project). Point at it with CPKG_SOURCES_DIR=/path/to/sources or --sources DIR"
        )
    return directory


def _term_value(term: object) -> str:
    return str(getattr(term, "value", term))


def recorded_sources(store: ox.Store) -> list[tuple[str, str | None, str | None]]:
    """(IRI, cpkg:fileName, cpkg:sha256 in lower case) of every cpkg:SourceDocument, as the
    graph records them (the files are not read)."""
    rows = store.query(SOURCES_QUERY, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    return [
        (
            _term_value(row["src"]),
            _term_value(row["file"]) if row["file"] is not None else None,
            _term_value(row["sha"]).strip().lower() if row["sha"] is not None else None,
        )
        for row in rows
    ]


def load_sources(store: ox.Store, settings: Settings) -> dict[str, Source]:
    """Read every cpkg:SourceDocument; check each file exists and matches its SHA-256.

    All problems are collected and raised as one SourceError, so one run shows them all.
    """
    directory = resolve_sources_dir(settings)
    sources: dict[str, Source] = {}
    problems: list[str] = []
    for iri, name, expected in recorded_sources(store):
        if iri in sources:
            continue
        if name is None or expected is None:
            problems.append(
                f"{iri_text(iri)}: a cpkg:SourceDocument needs cpkg:fileName and cpkg:sha256"
            )
            continue
        path = directory / name
        if not path.is_file():
            problems.append(
                f"{iri_text(iri)}: source file {name!r} not found in {directory.resolve()}; "
                "check cpkg:fileName or CPKG_SOURCES_DIR"
            )
            continue
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            problems.append(
                f"{iri_text(iri)}: {path} has SHA-256 {actual} but the graph records {expected}; "
                "the file changed or cpkg:sha256 is wrong (run sha256sum on the file)"
            )
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{iri_text(iri)}: {path} is not valid UTF-8 ({exc})")
            continue
        sources[iri] = Source(iri=iri, file_name=name, sha256=actual, path=path, text=text)
    if problems:
        raise SourceError("source documents failed their checks:\n  " + "\n  ".join(problems))
    return sources


def nearest_passages(text: str, quote: str, count: int = 1) -> list[tuple[float, int, int]]:
    """The ``count`` passages of ``text`` most similar to ``quote`` (difflib), best first, as
    (similarity 0-1, start, end); they do not overlap, and each ends at the end of a word."""
    if not text or not quote:
        return []
    size = len(quote)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch.isspace()]
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    scored: list[tuple[float, int]] = []
    for start in starts:
        matcher.set_seq1(text[start : start + size])
        scored.append((matcher.quick_ratio(), start))
    scored.sort(reverse=True)
    ranked: list[tuple[float, int]] = []
    for _, start in scored[: max(25, 10 * count)]:
        matcher.set_seq1(text[start : start + size])
        ranked.append((matcher.ratio(), start))
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    chosen: list[tuple[float, int, int]] = []
    for ratio, start in ranked:
        end = min(start + size, len(text))
        while end < len(text) and not text[end].isspace():  # finish the last word
            end += 1
        if all(end <= s or start >= e for _, s, e in chosen):
            chosen.append((ratio, start, end))
        if len(chosen) == count:
            break
    return chosen


def nearest_passage(text: str, quote: str) -> str:
    """The passage of `text` most similar to `quote` (difflib), to show what was probably meant."""
    found = nearest_passages(text, quote)
    return text[found[0][1] : found[0][2]] if found else ""


def occurrence(text: str, quote: str, prefix: str | None, suffix: str | None) -> int:
    """Where the quote is: its first occurrence with the given prefix/suffix around it, or -1."""
    start = text.find(quote)
    while start != -1:
        end = start + len(quote)
        if (prefix is None or text[:start].endswith(prefix)) and (
            suffix is None or text[end:].startswith(suffix)
        ):
            return start
        start = text.find(quote, start + 1)
    return -1


def verify_quotes(
    store: ox.Store,
    sources: Mapping[str, Source],
    files: Mapping[str, str],
    *,
    only_graphs: Collection[str] | None = None,
) -> QuoteReport:
    """Check every oa:TextQuoteSelector against its source's text; collect all failures.

    `files` maps named-graph IRI -> file label, so failures name the Turtle file; `only_graphs`
    restricts the check to quotes cited from those graphs (a contribution, not the project).
    """
    report = QuoteReport()
    rows = store.query(QUOTES_QUERY, use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        graph = _term_value(row["g"]) if row["g"] is not None else ""
        if only_graphs is not None and graph not in only_graphs:
            continue
        evidence = row["e"]
        claim = iri_text(_term_value(row["r"])) if row["r"] is not None else "(uncited evidence)"
        if row["r"] is not None and isinstance(row["r"], ox.BlankNode):
            claim = f"_:{row['r'].value}"
        src = _term_value(row["src"])
        quote = _term_value(row["q"])
        key = (claim, _term_value(evidence), src, quote)
        if key in seen:
            continue
        seen.add(key)
        prefix, suffix, start, end = (
            _term_value(row[k]) if row[k] is not None else None
            for k in ("prefix", "suffix", "start", "end")
        )
        report.total += 1
        file = files.get(graph, graph or "(unknown file)")
        source = sources.get(src)
        if source is None:
            report.failures.append(
                QuoteFailure(
                    claim, file, iri_text(src), "(none)", quote,
                    "oa:hasSource is not a cpkg:SourceDocument with cpkg:fileName and cpkg:sha256",
                )
            )  # fmt: skip
            continue
        found = _problem(source.text, quote, prefix, suffix, (start, end))
        if found is None:
            report.verified += 1
            continue
        problem, nearest = found
        report.failures.append(
            QuoteFailure(claim, file, iri_text(src), source.file_name, quote, problem, nearest)
        )
    return report


def _problem(
    text: str,
    quote: str,
    prefix: str | None,
    suffix: str | None,
    position: tuple[str | None, str | None],
) -> tuple[str, str | None] | None:
    """Why the selector does not pick out a passage of ``text``: (problem, nearest passage), or
    None when it does (the quote occurs with its prefix/suffix, at its oa:start/oa:end if given)."""
    at = occurrence(text, quote, prefix, suffix)
    if at >= 0:
        return _position_problem(text, quote, at, *position)
    if quote in text:
        parts = [n for n, v in (("oa:prefix", prefix), ("oa:suffix", suffix)) if v is not None]
        problem = (
            f"quote found, but its {' / '.join(parts)} does not match the text around any "
            "occurrence"
        )
        return problem, _context(text, quote, prefix, suffix)
    return "quote not found verbatim in the source", nearest_passage(text, quote)


def _position_problem(
    text: str, quote: str, at: int, start: str | None, end: str | None
) -> tuple[str, str | None] | None:
    """oa:start/oa:end (a oa:TextPositionSelector, code points from 0) must frame the quote,
    which the prefix/suffix place at ``at``."""
    if start is None or end is None:
        return None
    right = f"oa:start {at} ; oa:end {at + len(quote)}"
    try:
        first, last = int(start), int(end)
    except ValueError:
        return f"oa:start/oa:end must be integers; the quote is at {right}", None
    if text[first:last] == quote:
        return None
    there = text[first:last] if 0 <= first < last else ""
    shown = repr(there if len(there) <= 60 else there[:57] + "...")
    return (
        f"oa:start {first} / oa:end {last} do not frame the quote (the text there is {shown}); "
        f"the quote is at {right} (run `cpkg quote` for a fresh evidence block)",
        None,
    )


def _context(text: str, quote: str, prefix: str | None, suffix: str | None) -> str:
    """The first occurrence of the quote with as much surrounding text as prefix/suffix claimed."""
    start = text.find(quote)
    before = len(prefix or "")
    after = len(suffix or "")
    return text[max(0, start - before) : start + len(quote) + after]
