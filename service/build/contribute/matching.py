"""Finding a passage the way a person types it: quotes, apostrophes, dashes, spacing and case are
not what the source has, but the words are.

Both the source text and the typed fragment are folded: letters and digits kept (lower case),
quote marks and apostrophes dropped (so "hasnt", "hasn't" and "hasn’t" agree), and every run of
anything else (spaces, line breaks, dashes, other punctuation) made one space. A fragment matches
where its folded form occurs in the folded text on word boundaries; the match is then mapped back
to the source's own characters, which are what a quote must copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.build.figures import MONTHS as FIGURE_MONTHS
from service.build.sources import nearest_passages

# Quote marks and apostrophes (straight, curly, low, angle, primes): ignored when matching.
IGNORED = frozenset("'\"`´‘’‚‛“”„‟«»‹›′″ʼ")


@dataclass(frozen=True)
class Folded:
    """A text folded for matching, with the offset in the original of each folded character."""

    text: str
    origin: list[int]


def fold(text: str) -> Folded:
    """Lower-case letters and digits, single spaces for everything else, quote marks dropped."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in IGNORED:
            continue
        if ch.isalnum():
            low = ch.lower()
            out.append(low if len(low) == 1 else ch)
            origin.append(i)
        elif out and out[-1] != " ":
            out.append(" ")
            origin.append(i)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return Folded("".join(out), origin)


def find_passages(text: str, fragment: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``text`` the typed ``fragment`` matches, in order (module doc).

    Quote marks or punctuation the fragment starts or ends with are kept in the passage where
    the source has such characters there too ("“We had…" takes the source's opening quote)."""
    needle = fold(fragment).text
    if not needle:
        return []
    folded = fold(text)
    found: list[tuple[int, int]] = []
    at = folded.text.find(needle)
    while at != -1:
        after = at + len(needle)
        if (at == 0 or folded.text[at - 1] == " ") and (
            after == len(folded.text) or folded.text[after] == " "
        ):
            start, end = folded.origin[at], folded.origin[after - 1] + 1
            found.append(_widen(text, fragment, start, end))
        at = folded.text.find(needle, at + 1)
    return found


def _is_mark(ch: str) -> bool:
    return not (ch.isalnum() or ch.isspace())


def _edge_marks(fragment: str) -> tuple[int, int]:
    """How many marks (quotes, punctuation) the fragment has before its first and after its last
    word."""
    text = fragment.strip()
    lead = next((i for i, ch in enumerate(text) if not _is_mark(ch)), len(text))
    trail = next((i for i, ch in enumerate(reversed(text)) if not _is_mark(ch)), len(text))
    return lead, trail


def _widen(text: str, fragment: str, start: int, end: int) -> tuple[int, int]:
    lead, trail = _edge_marks(fragment)
    while lead and start > 0 and _is_mark(text[start - 1]):
        start, lead = start - 1, lead - 1
    while trail and end < len(text) and _is_mark(text[end]):
        end, trail = end + 1, trail - 1
    return start, end


def closest_passages(text: str, fragment: str, count: int = 3) -> list[tuple[float, int, int]]:
    """The passages most like the fragment, compared folded: (similarity 0-1, start, end)."""
    folded, needle = fold(text), fold(fragment).text
    if not folded.text or not needle:
        return []
    spans = []
    for ratio, start, end in nearest_passages(folded.text, needle, count):
        spans.append((ratio, folded.origin[start], folded.origin[max(start, end - 1)] + 1))
    return spans


_MONTH = "(" + "|".join(f"{name[:3]}(?:{name[3:]})?" for name in FIGURE_MONTHS) + r")\.?"
_TH = "(?:st|nd|rd|th)?"
#: How dates are written, with the meaning of each group: d(ay), m(onth number), y(ear), name.
DATE_PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(rf"\b(\d{{1,2}}){_TH}\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I),
        ("d", "name", "y"),
    ),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}){_TH},?\s+(\d{{4}})\b", re.I), ("name", "d", "y")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), ("d", "m", "y")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.I), ("name", "y")),
)
_MONTH_NUMBERS = {name[:3]: number for name, number in FIGURE_MONTHS.items()}


def find_dates(
    text: str, year: int, month: int | None = None, day: int | None = None
) -> list[tuple[int, int]]:
    """Where the text writes the date (a day: "2 May 2024", "May 2nd, 2024", "2024-05-02",
    "02/05/2024"; a month: "May 2024"), as (start, end), in order. A year alone is not looked
    for: it is written everywhere without being the date of anything."""
    found: set[tuple[int, int]] = set()
    for pattern, meaning in DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(meaning, match.groups(), strict=True))
            name = parts.get("name")
            number = _MONTH_NUMBERS[name.lower()[:3]] if name else int(parts.get("m") or 0)
            written = (int(parts["y"]), number, int(parts["d"]) if "d" in parts else None)
            if written == (year, month, day):
                found.add(match.span())
    return sorted(found)
