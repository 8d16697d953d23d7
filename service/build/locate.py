"""Where a triple is written: the line of an assertion in its Turtle file, so that every problem a
check reports (the support audit, SHACL, quotes, TODO markers) says where to look.

Turtle files in this project describe one subject per block: the block starts with the subject's
prefixed name at the start of a line and runs to the next line that starts with something else
(comment lines at the left margin stay inside it). A triple whose subject is a blank node (an
evidence node, a selector) is looked up inside the block of the named resource it hangs from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from service.build.loading import LoadedFile
from service.vocab import iri_text

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CONTINUES = ("", " ", "\t", "#")


def turtle_text(text: str) -> str:
    """``text`` as it is written inside a Turtle "..." string (the escapes a writer must use)."""
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def value_token(value: Term | None) -> str | None:
    """What to look for on a line to find ``value``: its prefixed name, or the start of a string."""
    if isinstance(value, ox.NamedNode):
        return iri_text(value.value)
    if isinstance(value, ox.Literal):
        return turtle_text(value.value)[:40] or None
    return None


def block_span(lines: Sequence[str], token: str) -> tuple[int, int] | None:
    """(first, last + 1) line indexes of the block describing the subject written ``token``."""
    start = next(
        (
            n
            for n, text in enumerate(lines)
            if text.startswith(token) and text[len(token) : len(token) + 1] in ("", " ", "\t")
        ),
        None,
    )
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and lines[end][:1] in _CONTINUES:
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


class SourceLines:
    """Finds the line of a triple in the file that holds it (files read once, lazily)."""

    def __init__(self, files: Iterable[LoadedFile]) -> None:
        self._paths: dict[str, Path] = {}
        self._parents: dict[tuple[str, ox.BlankNode], ox.NamedNode | ox.BlankNode] = {}
        for f in files:
            self._paths[f.label] = f.path
            for q in f.quads:
                if isinstance(q.object, ox.BlankNode) and isinstance(
                    q.subject, ox.NamedNode | ox.BlankNode
                ):
                    self._parents.setdefault((f.label, q.object), q.subject)
        self._lines: dict[str, list[str]] = {}
        self._taken: set[tuple[str, int]] = set()

    def lines(self, file: str) -> list[str]:
        """The file's lines (empty if it cannot be read)."""
        if file not in self._lines:
            path = self._paths.get(file)
            try:
                text = path.read_text(encoding="utf-8") if path else ""
            except OSError:
                text = ""
            self._lines[file] = text.splitlines()
        return self._lines[file]

    def anchor(self, file: str, subject: Term) -> ox.NamedNode | None:
        """The named resource whose block holds ``subject``: itself, or what a blank node hangs
        from."""
        seen: set[ox.BlankNode] = set()
        while isinstance(subject, ox.BlankNode) and subject not in seen:
            seen.add(subject)
            subject = self._parents.get((file, subject))  # type: ignore[assignment]
        return subject if isinstance(subject, ox.NamedNode) else None

    def line(
        self, file: str, subject: Term, predicate: str | None, value: Term | None = None
    ) -> int | None:
        """The 1-based line of ``predicate`` (with ``value``, when given) in the block describing
        ``subject``; the block's first line when the triple cannot be pinned down; None when
        the subject's block is not in the file."""
        named = self.anchor(file, subject)
        if named is None:
            return None
        lines = self.lines(file)
        span = block_span(lines, iri_text(named.value))
        if span is None:
            return None
        start, end = span
        if predicate is None or predicate == RDF_TYPE:
            return start + 1
        wanted = iri_text(predicate) + " "
        found = self._first(file, lines, range(start, end), wanted, value_token(value))
        if found is None and named != subject:  # a blank node's triple: find it by its value
            found = self._first(file, lines, range(start, end), None, value_token(value))
        if found is None:
            found = self._first(file, lines, range(start, end), wanted, None)
        return (found if found is not None else start) + 1

    def _first(
        self, file: str, lines: list[str], numbers: range, wanted: str | None, token: str | None
    ) -> int | None:
        """The first line holding both texts (an untaken one, if any: a marker written on several
        lines of one block is reported once per line)."""
        if wanted is None and token is None:
            return None
        hits = [
            n
            for n in numbers
            if (wanted is None or wanted in lines[n]) and (token is None or token in lines[n])
        ]
        if not hits:
            return None
        fresh = [n for n in hits if (file, n) not in self._taken]
        chosen = (fresh or hits)[0]
        if token is not None:
            self._taken.add((file, chosen))
        return chosen
