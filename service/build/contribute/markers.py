"""TODO markers: the placeholders `cpkg new` and `cpkg quote` write where only a person can say
what belongs (a value, the properties a quote states).

A marker is an IRI ``cpr:TODO-…`` or a string that starts with ``TODO``. Both parse, so a
skeleton can be validated while it is being filled in, and both are refused by the support audit
(`cpkg validate` and `cpkg build`) with the file and line of each, until they are replaced.
"""

from __future__ import annotations

import pyoxigraph as ox

from service.vocab import CPR, slug

WORD = "TODO"
_IRI = f"{CPR}{WORD}"


def marker_iri(what: str) -> str:
    """The marker IRI standing for an unknown resource, e.g. cpr:TODO-inspection."""
    return f"{_IRI}-{slug(what)}"


def marker_text(what: str) -> str:
    """The marker string standing for unknown text, e.g. "TODO: the words as written"."""
    return f"{WORD}: {what}"


def is_marker(term: object) -> bool:
    """Whether an RDF term (subject or object) is a TODO marker."""
    if isinstance(term, ox.NamedNode):
        return term.value.startswith(_IRI)
    if isinstance(term, ox.Literal):
        return term.value.lstrip().startswith(WORD)
    return False


def shows_marker(shown: str | None) -> bool:
    """Whether a term as reports show it ('cpr:TODO-x', "'TODO: …'") is a TODO marker."""
    text = (shown or "").lstrip("'\"")
    return text.startswith((WORD, "cpr:" + WORD, _IRI, "<" + _IRI))
