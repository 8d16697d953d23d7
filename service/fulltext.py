"""The full-text index: SQLite FTS5 (standard library), its schema, writer and lookup.

``cpkg build`` writes ``search.sqlite`` beside the dataset (service/build/search_index.py says
what goes in); the search pages (service/query/search.py) and the ``cpkg:search`` SPARQL
function of the embedded store (service/store/embedded.py) read it through ``lookup``. It depends
on nothing else in the project so that every layer may use it.

One row per searchable text of a resource: a label, another name (an alternative label, a name
as a source writes it, misspelling included), a description, or a verbatim evidence quote. FTS5
ranks rows with BM25 over Porter-stemmed words ("Michaels" finds "Michael"); a resource scores
the weighted best of its rows, so a name outranks a passing mention in a quote.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The index's file name beside the built dataset.
SEARCH_FILE = "search.sqlite"
SCHEMA_VERSION = "1"
TOKENIZER = "porter unicode61 remove_diacritics 2"
#: How much a match in each kind of text counts (multiplies FTS5's BM25 score).
WEIGHTS = {"label": 4.0, "name": 3.0, "text": 1.2, "quote": 1.0}
#: Markers FTS5 puts around matched words (control characters never found in the data).
OPEN, CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
MAX_ROWS = 2000


@dataclass(frozen=True)
class Document:
    """One searchable text of a resource.

    ``field`` is one of WEIGHTS; ``source`` and ``quote`` are the source document and verbatim
    quote behind the text (for a quote, the quote itself; for a name as written, the passage
    that writes it)."""

    iri: str
    field: str
    text: str
    source: str = ""
    quote: str = ""


@dataclass(frozen=True)
class Match:
    """The best rows of one resource for one query: its score and what matched."""

    iri: str
    score: float
    field: str
    text: str  # the matching text, matched words between OPEN and CLOSE
    source: str
    quote: str
    quote_match: str  # the best matching quote of the resource (marked), if a quote matched
    quote_source: str  # the source document of that quote


#: Every searchable text of every resource named by an IRI: one SELECT, ?field says which kind.
DOCUMENT_QUERY = """
PREFIX cpkg: <https://w3id.org/cpkg/def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?iri ?field ?text ?source ?quote WHERE {
  {
    VALUES ?p { <http://www.w3.org/2004/02/skos/core#prefLabel>
                <http://www.w3.org/2000/01/rdf-schema#label> <http://purl.org/dc/terms/title>
                <http://xmlns.com/foaf/0.1/name> <https://schema.org/name> cpkg:shortTitle }
    ?iri ?p ?text BIND("label" AS ?field)
  } UNION {
    VALUES ?p { <http://www.w3.org/2004/02/skos/core#altLabel> cpkg:mentionedAs
                cpkg:neutralCitation <http://purl.org/dc/terms/bibliographicCitation> }
    ?iri ?p ?text BIND("name" AS ?field)
  } UNION {
    ?iri cpkg:hasDatedName ?dn .
    { ?dn cpkg:nameText ?text } UNION { ?dn cpkg:abbreviation ?text }
    BIND("name" AS ?field)
  } UNION {
    ?mention cpkg:refersTo ?iri ; cpkg:writtenAs ?text .
    OPTIONAL { ?mention cpkg:evidence/oa:hasSource ?source ;
                        cpkg:evidence/oa:hasSelector/oa:exact ?quote }
    BIND("name" AS ?field)
  } UNION {
    VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#comment>
                <http://purl.org/dc/terms/description> <https://schema.org/description>
                cpkg:words cpkg:reasoning }
    ?iri ?p ?text BIND("text" AS ?field)
  } UNION {
    ?iri cpkg:evidence ?ev . ?ev oa:hasSource ?source ; oa:hasSelector/oa:exact ?text .
    BIND(?text AS ?quote) BIND("quote" AS ?field)
  }
  FILTER(isIRI(?iri) && isLiteral(?text))
}
"""


def documents(rows: Iterable[tuple[object, ...]]) -> list[Document]:
    """Documents from DOCUMENT_QUERY's rows (terms with a ``value``, or None)."""

    def value(term: object) -> str:
        return str(getattr(term, "value", "")) if term is not None else ""

    found = []
    for iri, field, text, source, quote in rows:
        if value(iri) and value(text):
            found.append(
                Document(value(iri), value(field), value(text), value(source), value(quote))
            )
    return found


def write_index(path: Path, documents: Iterable[Document], meta: dict[str, str]) -> int:
    """Write a fresh index at ``path`` (replacing any); the number of rows indexed."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    try:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(text, iri UNINDEXED, field UNINDEXED, "
            f"source UNINDEXED, quote UNINDEXED, tokenize = '{TOKENIZER}')"
        )
        rows = {(d.text, d.iri, d.field, d.source, d.quote) for d in documents if d.text.strip()}
        con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", sorted(rows))
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            sorted({**meta, "schema": SCHEMA_VERSION, "rows": str(len(rows))}.items()),
        )
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)
    return len(rows)


def temporary_index(documents: Iterable[Document], meta: dict[str, str]) -> Path:
    """An index in a new temporary file (for data served without a built index)."""
    fd, name = tempfile.mkstemp(prefix="cpkg-search-", suffix=".sqlite")
    os.close(fd)
    path = Path(name)
    write_index(path, documents, meta)
    return path


def match_expression(text: str, any_word: bool = False) -> str | None:
    """An FTS5 query for what a user typed: every word (as a prefix), or any of them. Words
    are quoted, so FTS5 operators typed by the user are just words. None if no word."""
    words = _WORD.findall(text.lower())[:MAX_TERMS]
    if not words:
        return None
    return (" OR " if any_word else " AND ").join(f'"{w}"*' for w in words)


def read_meta(path: Path) -> dict[str, str]:
    """The index's meta table (dataset hash, schema version, row count)."""
    with _connect(path) as con:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())


def lookup(path: Path, text: str) -> list[Match]:
    """Resources matching ``text``, best first: every word, else any word."""
    for any_word in (False, True):
        expression = match_expression(text, any_word)
        if expression is None:
            return []
        found = _ranked(path, expression)
        if found:
            return found
    return []


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise FileNotFoundError(f"no search index at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _ranked(path: Path, expression: str) -> list[Match]:
    query = (
        f"SELECT iri, field, source, quote, highlight(docs, 0, '{OPEN}', '{CLOSE}'), "
        "bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?"
    )
    with _connect(path) as con:
        rows = con.execute(query, (expression, MAX_ROWS)).fetchall()
    best: dict[str, list[tuple[float, str, str, str, str]]] = {}
    for iri, field, source, quote, marked, bm25 in rows:
        score = -float(bm25) * WEIGHTS.get(field, 1.0)
        best.setdefault(iri, []).append((score, field, marked, source, quote))
    matches = []
    for iri, found in best.items():
        found.sort(key=lambda r: -r[0])
        top = found[0]
        quotes = [r for r in found if r[1] == "quote"]
        per_field: dict[str, float] = {}
        for r in found:
            per_field[r[1]] = max(per_field.get(r[1], 0.0), r[0])
        # the best row, plus a little for every other kind of text that matched
        score = top[0] + 0.1 * (sum(per_field.values()) - per_field[top[1]])
        matches.append(
            Match(
                iri=iri,
                score=round(score, 6),
                field=top[1],
                text=top[2],
                source=top[3],
                quote=top[4],
                quote_match=quotes[0][2] if quotes else "",
                quote_source=quotes[0][3] if quotes else "",
            )
        )
    matches.sort(key=lambda m: (-m.score, m.iri))
    return matches


class CachedLookup:
    """``lookup`` with the last answers kept, for a SPARQL function called once per row."""

    def __init__(self, path: Path, size: int = 64) -> None:
        self.path = path
        self.size = size
        self._answers: dict[str, dict[str, Match]] = {}
        self._lock = threading.Lock()

    def get(self, text: str) -> dict[str, Match]:
        with self._lock:
            found = self._answers.get(text)
        if found is None:
            found = {m.iri: m for m in lookup(self.path, text)}
            with self._lock:
                if len(self._answers) >= self.size:
                    self._answers.pop(next(iter(self._answers)))
                self._answers[text] = found
        return found


def unmark(text: str) -> str:
    """The text without match markers."""
    return text.replace(OPEN, "").replace(CLOSE, "")


def segments(text: str) -> list[tuple[str, bool]]:
    """(piece, matched?) pieces of a marked text, for templates that highlight safely."""
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{OPEN}{CLOSE}]", text)):
        if part:
            out.append((part, i % 2 == 1))
    return out
