"""The project's example SPARQL queries (``graph/queries/*.rq``), for the query UI and docs.

Each file starts with comment lines ``# title: ...`` and ``# description: ...``; the rest is the
query. Files are listed, never evaluated here, so a broken example cannot break a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_HEADER_KEYS = ("title", "description")


@dataclass(frozen=True)
class ExampleQuery:
    """One example query: ``name`` is the file stem, ``text`` the whole file (headers included)."""

    name: str
    title: str
    description: str
    text: str


def parse_query(name: str, text: str) -> ExampleQuery:
    """Read the ``# title:``/``# description:`` header of one query file's text."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header ends at the first non-comment line
        key, sep, value = stripped.lstrip("#").strip().partition(":")
        if sep and key.strip().lower() in _HEADER_KEYS:
            found.setdefault(key.strip().lower(), value.strip())
    title = found.get("title") or name.replace("-", " ").replace("_", " ").capitalize()
    return ExampleQuery(name, title, found.get("description", ""), text)


def load_queries(directory: Path) -> list[ExampleQuery]:
    """Every ``*.rq`` directly in ``directory``, sorted by file name; [] if it doesn't exist."""
    if not directory.is_dir():
        return []
    return [
        parse_query(p.stem, p.read_text(encoding="utf-8"))
        for p in sorted(directory.glob("*.rq"))
        if p.is_file()
    ]
