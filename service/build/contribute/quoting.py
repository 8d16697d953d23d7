"""`cpkg quote SOURCE "fragment"`: find the passage a person means in a source text and write the
evidence block that cites it, character for character.

The fragment may differ from the source in quote marks, apostrophes, dashes, spacing and case
(contribute/matching.py). The block's oa:TextQuoteSelector carries the exact passage with a short
oa:prefix/oa:suffix that make it unique in the text; the same selector is an
oa:TextPositionSelector whose oa:start/oa:end are its offsets (Unicode code points from 0), which
the build checks too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.build.contribute.markers import marker_iri
from service.build.contribute.matching import closest_passages, find_passages
from service.build.contribute.turtle import literal
from service.build.sources import Source, occurrence
from service.errors import CpkgError
from service.vocab import iri_text

CONTEXT = 32  # characters of oa:prefix / oa:suffix to start from (grown until unique)
SHOWN = 60  # characters of context shown on each side of a match
SUPPORTS_HINT = "the properties of the resource this passage states (docs/modelling.md)"


class QuoteNotFound(CpkgError):
    """The fragment matches no passage of the source, or several (a user data problem)."""


@dataclass(frozen=True)
class Anchor:
    """A passage of a source: where it is and the selector that finds it again."""

    source: Source
    start: int
    end: int

    @property
    def exact(self) -> str:
        return self.source.text[self.start : self.end]

    @property
    def line(self) -> int:
        return self.source.text.count("\n", 0, self.start) + 1

    def context(self) -> tuple[str, str]:
        """(oa:prefix, oa:suffix): the text around the passage, starting and ending at word
        boundaries, long enough that no other occurrence of the passage has them."""
        text, size = self.source.text, CONTEXT
        while True:
            prefix = _from_word(text[max(0, self.start - size) : self.start], self.start > size)
            suffix = _to_word(text[self.end : self.end + size], self.end + size < len(text))
            unique = occurrence(text, self.exact, prefix, suffix) == self.start
            if unique or size > len(text):
                return prefix, suffix
            size *= 2

    def in_context(self) -> str:
        """The passage marked ⟦…⟧ in the text around it, on one line."""
        text = self.source.text
        before, after = text[max(0, self.start - SHOWN) : self.start], text[self.end :][:SHOWN]
        lead = "…" if self.start > SHOWN else ""
        tail = "…" if self.end + SHOWN < len(text) else ""
        return _one_line(f"{lead}{before}⟦{self.exact}⟧{after}{tail}")

    def where(self) -> str:
        return f"line {self.line}, characters {self.start}-{self.end}"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _from_word(piece: str, cut: bool) -> str:
    """A prefix that starts at a word: a partial first word is dropped when the text was cut."""
    first = re.search(r"\s", piece) if cut else None
    return piece[first.end() :] if first and first.end() < len(piece) else piece


def _to_word(piece: str, cut: bool) -> str:
    """A suffix that ends at a word: a partial last word is dropped when the text was cut."""
    last = None
    if cut:
        for last in re.finditer(r"\s", piece):  # noqa: B007 - the last match is wanted
            pass
    return piece[: last.start()] if last and last.start() > 0 else piece


def anchors(source: Source, fragment: str) -> list[Anchor]:
    """Every passage of the source that the typed fragment matches."""
    return [Anchor(source, start, end) for start, end in find_passages(source.text, fragment)]


def evidence_block(
    anchor: Anchor, supports: Sequence[str] = (), indent: str = "    ", last: bool = True
) -> str:
    """The cpkg:evidence property citing the passage, ready to paste as the ``last`` property of
    a resource (else ending in ';'); ``supports`` (prefixed names) or a TODO marker."""
    prefix, suffix = anchor.context()
    selector = [f"oa:exact {literal(anchor.exact)}"]
    selector += [f"oa:prefix {literal(prefix)}"] if prefix else []
    selector += [f"oa:suffix {literal(suffix)}"] if suffix else []
    selector += [f"oa:start {anchor.start}", f"oa:end {anchor.end}"]
    states = ", ".join(supports) if supports else iri_text(marker_iri("supports"))
    inner = indent + "    "
    lines = [
        f"{indent}cpkg:evidence [ a cpkg:Evidence ;",
        f"{inner}oa:hasSource {iri_text(anchor.source.iri)} ;",
        f"{inner}oa:hasSelector [ a oa:TextQuoteSelector, oa:TextPositionSelector ;",
        *(f"{inner}    {part} ;" for part in selector[:-1]),
        f"{inner}    {selector[-1]} ] ;",
        f"{inner}cpkg:supports {states} ] {'.' if last else ';'}"
        + ("" if supports else f"  # {SUPPORTS_HINT}"),
    ]
    return "\n".join(lines)


def pick(source: Source, fragment: str, choice: int | None = None) -> Anchor:
    """The one passage the fragment means (the ``choice``-th of several, counting from 1), or a
    QuoteNotFound that lists the matches, or the closest passages when nothing matches."""
    found = anchors(source, fragment)
    head = f"{iri_text(source.iri)} ({source.file_name})"
    if choice is not None:
        if 1 <= choice <= len(found):
            return found[choice - 1]
        raise QuoteNotFound(f"{head}: --match {choice}, but the fragment matches {len(found)}")
    if len(found) == 1:
        return found[0]
    if found:
        listed = "\n".join(f"  {n}. {a.where()}: {a.in_context()}" for n, a in enumerate(found, 1))
        raise QuoteNotFound(
            f"{head}: {len(found)} passages match {fragment!r}; type more of the one you mean, "
            f"or choose one with --match N:\n{listed}"
        )
    raise QuoteNotFound(f"{head}: {no_match(source, fragment)}")


def no_match(source: Source, fragment: str) -> str:
    """What to say when nothing matches: the closest passages, to copy from."""
    lines = [
        f"no passage matches {fragment!r}, even ignoring case, quote marks, dashes and spacing",
        "closest passages:",
    ]
    for n, (ratio, start, end) in enumerate(closest_passages(source.text, fragment), 1):
        near = Anchor(source, start, end)
        lines.append(f"  {n}. {near.where()} (similarity {ratio:.2f}): {near.in_context()}")
    lines.append("copy the words of the passage you mean (any quotes, dashes, case) and try again")
    return "\n".join(lines)


def report(anchor: Anchor, fragment: str, supports: Sequence[str] = ()) -> str:
    """What `cpkg quote` prints for a found passage: where it is, in context, and the block."""
    source = anchor.source
    return "\n".join(
        [
            f"{iri_text(source.iri)} ({source.file_name}), {anchor.where()}:",
            f"  {anchor.in_context()}",
            "",
            "Evidence block (paste it as the last property of the resource the passage supports):",
            "",
            evidence_block(anchor, supports),
        ]
    )
