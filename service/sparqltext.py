"""Reading SPARQL text without parsing it: noise removal, query form, FROM clauses, escapes.

Several decisions must be made before (or without) a full parse: which Accept header to send a
remote store, whether a query names its own dataset, whether a word is a keyword or sits in a
string. They are made here, once, so the embedded store, the remote store, access control and
the protocol layer always agree.
"""

from __future__ import annotations

import contextlib
import re

#: Strings, IRIs and comments: removed before looking for keywords in query text.
SPARQL_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
)
_FROM = re.compile(r"(?<![\w:?$-])FROM(?![\w:-])", re.IGNORECASE)
_PROLOGUE = re.compile(r"(?:\s+|(?i:prefix)\s*[^\s:]*:|(?i:base)\b)*")
_QUERY_FORMS = ("select", "ask", "construct", "describe")
_UPDATE_WORDS = frozenset(
    ("insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with")
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def strip_noise(text: str) -> str:
    """``text`` with strings, IRIs and comments blanked out (keywords and structure remain)."""
    return SPARQL_NOISE.sub(" ", text)


def unescape(text: str) -> str:
    """Replace ``\\uXXXX``/``\\UXXXXXXXX`` escapes, which SPARQL allows anywhere in a query, so
    that an escaped keyword cannot hide from a keyword test."""

    def sub(m: re.Match[str]) -> str:
        with contextlib.suppress(ValueError, OverflowError):
            return chr(int(m.group(1) or m.group(2), 16))
        return m.group(0)

    return _ESCAPE.sub(sub, text)


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query names its own dataset with FROM / FROM NAMED (escapes included)."""
    lowered = sparql.lower()
    if "from" not in lowered and "\\u" not in lowered:  # the common case, without regexes
        return False
    return any(_FROM.search(strip_noise(t)) for t in (sparql, unescape(sparql)))


def query_form(text: str) -> str | None:
    """``select``/``ask``/``construct``/``describe``, ``update`` for an update, else None:
    the first keyword after the prologue (PREFIX and BASE declarations)."""
    rest = strip_noise(text)
    m = _PROLOGUE.match(rest)
    word = re.match(r"[A-Za-z]+", rest[m.end() if m else 0 :])
    if not word:
        return None
    w = word.group(0).lower()
    if w in _QUERY_FORMS:
        return w
    return "update" if w in _UPDATE_WORDS else None


def has_keyword(text: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs as a word outside strings, IRIs and comments (after
    unescaping): a cheap, conservative test before a full parse."""
    return re.search(rf"(?i)\b{keyword}\b", strip_noise(unescape(text))) is not None
