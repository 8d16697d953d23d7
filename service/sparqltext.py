"""Reading SPARQL text without parsing it: noise removal, query form, FROM clauses, escapes.

Several decisions must be made before (or without) a full parse: which Accept header to send a
remote store, whether a query names its own dataset, whether a word is a keyword or sits in a
string. They are made here, once, so the embedded store, the remote store, access control and
the protocol layer always agree.
"""

from __future__ import annotations

import contextlib
import re
from typing import NamedTuple

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


# -- one triple pattern -----------------------------------------------------------------------

# The narrow query shape ``single_pattern_select`` accepts, as one expression (evaluated in C).
# Tokens are atomic and repetitions possessive, so no input makes it backtrack far. Terms must
# be followed by a space, a comment, ``{`` ``}`` ``.`` or the end: in ``ex:p?o`` a path
# modifier could be read.
_SP = r"(?:\s|\#[^\r\n]*)*+"
_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = (
    r"(?>(?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?:"
    r"(?:[A-Za-z0-9_:%](?:[A-Za-z0-9_:%.-]*[A-Za-z0-9_:%-])?)?)"
)
_VAR = r"(?>[?$][A-Za-z0-9_]++)"
_STRING = r"(?>\"(?:[^\"\\\r\n]|\\[tbnrf\"'\\])*+\"|'(?:[^'\\\r\n]|\\[tbnrf\"'\\])*+')"
_NUMBER = (
    r"(?>[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+))"
)
_LITERAL = (
    rf"(?>{_STRING}(?:@[A-Za-z]++(?:-[A-Za-z0-9]++)*+|\^\^(?:{_IRI}|{_PNAME}))?"
    rf"|{_NUMBER}|true|false)"
)
_END = r"(?=[\s#{}.]|\Z)"
_NODE = rf"{_IRI}|{_PNAME}|{_VAR}"  # what a subject, or a predicate but ``a``, may be


def _kw(word: str) -> str:
    return rf"(?i:{word})(?![A-Za-z0-9_:-])"


_SINGLE_PATTERN = re.compile(
    rf"{_SP}(?:(?:{_kw('prefix')}{_SP}{_PNAME}{_SP}|{_kw('base')}{_SP}){_IRI}{_SP})*+"
    rf"{_kw('select')}{_SP}(?:\*|(?:{_VAR}{_END}{_SP})++)"
    rf"{_SP}(?:{_kw('where')}{_SP})?\{{{_SP}"
    rf"(?P<s>{_NODE}){_END}{_SP}"
    rf"(?P<p>{_NODE}|a){_END}{_SP}"
    rf"(?P<o>{_NODE}|{_LITERAL}){_END}{_SP}"
    rf"\.?{_SP}\}}{_SP}(?:{_kw('limit')}{_SP}(?P<limit>[0-9]++){_SP})?"
)


class SinglePattern(NamedTuple):
    """A SELECT over one triple pattern: ``limit`` is its own LIMIT, if it has one."""

    limit: int | None


def single_pattern_select(text: str) -> SinglePattern | None:
    """Whether ``text`` is ``[PREFIX/BASE ...] SELECT (* | ?v ...) [WHERE] { s p o [.] }
    [LIMIT n]`` with distinct variables and a plain predicate, and nothing else.

    Such a query is one index scan that yields a solution at every step, so its work is bounded
    by the rows it is asked for (the executor answers it without an evaluator). The test is
    deliberately narrow and errs towards None: ``\\u`` escapes (which SPARQL expands before
    parsing), paths, blank nodes, filters, modifiers other than LIMIT, and terms written
    without a space between them are all refused."""
    if "\\u" in text or "\\U" in text:
        return None
    m = _SINGLE_PATTERN.fullmatch(text)
    if m is None:
        return None
    names = [t[1:] for t in m.group("s", "p", "o") if t[0] in "?$"]
    if len(names) != len(set(names)):
        return None
    limit = m.group("limit")
    return SinglePattern(int(limit) if limit is not None else None)
