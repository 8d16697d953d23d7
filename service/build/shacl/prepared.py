"""A sh:sparql constraint's query, checked and prepared the way pySHACL would run it.

pySHACL's SPARQLQueryHelper checks the query (no MINUS, VALUES, SERVICE, $shapesGraph ...),
substitutes $PATH and knows the sh:prefixes; the fast path reuses all of that, then rewrites
correlated EXISTS (service/build/shacl/rewrite.py) and notes whether the query can be nested
under LATERAL (it projects $this and has no PREFIX/BASE of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from service.build.shacl.rewrite import rewrite_exists, tokenize
from service.build.shacl.sensitivity import Features, features
from service.build.shacl.terms import Unsupported

Row = dict[str, Node]
_PROBE_FOCUS = URIRef("urn:cpkg:shacl:probe")


@dataclass(frozen=True)
class Prepared:
    """A constraint's query as pySHACL would run it, and how the fast path runs it."""

    prologue: str  # pySHACL's PREFIX lines (rdf, rdfs, owl and the sh:prefixes)
    text: str  # the SELECT with $PATH substituted and correlated EXISTS rewritten
    binds_this: bool  # pySHACL pre-binds $this (the query mentions it)
    current_shape: Node | None
    projection: tuple[str, ...]
    lateral: bool  # can be nested under LATERAL
    features: Features  # what in it could see stored forms of literals (sensitivity.py)


def projection(text: str) -> tuple[tuple[str, ...] | None, bool]:
    """(projected variable names or None for SELECT *, whether a prologue precedes SELECT)."""
    tokens = tokenize(text)
    if tokens is None or not tokens:
        raise Unsupported("SPARQL constraint query cannot be read")
    prologue = tokens[0].kind == "word" and tokens[0].upper in ("PREFIX", "BASE")
    start = next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.upper == "SELECT"), None
    )
    if start is None:
        raise Unsupported("SPARQL constraint without SELECT")
    names: list[str] = []
    depth = 0
    for i in range(start + 1, len(tokens)):
        token = tokens[i]
        if depth == 0 and (token.kind == "lbrace" or token.upper == "WHERE"):
            break
        if token.kind == "lparen":
            depth += 1
        elif token.kind == "rparen":
            depth -= 1
        elif token.kind == "other" and token.text == "*" and depth == 0:
            return None, prologue
        elif token.kind == "var" and (depth == 0 or tokens[i - 1].upper == "AS"):
            names.append(token.text[1:])
    return tuple(dict.fromkeys(names)), prologue


def prepare(helper: Any) -> Prepared:
    """Check a constraint the way pySHACL does and prepare its query (cached per helper)."""
    found: Prepared | None = getattr(helper, "_cpkg_prepared", None)
    if found is not None:
        return found
    try:
        bindings, text = helper.pre_bind_variables(_PROBE_FOCUS)
    except Exception as exc:  # noqa: BLE001 - pySHACL rejects the query: let it say why
        raise Unsupported(f"pySHACL rejects SPARQL constraint {helper.node} ({exc})") from None
    names, has_prologue = projection(text)
    if names is None:
        raise Unsupported(f"SPARQL constraint {helper.node} uses SELECT *")
    binds_this = "this" in bindings
    found = Prepared(
        prologue=helper.apply_prefixes(""),
        text=rewrite_exists(text),
        binds_this=binds_this,
        current_shape=bindings.get("currentShape"),
        projection=names,
        lateral=binds_this and "this" in names and not has_prologue,
        features=features(text, {p: str(n) for p, n in helper.prefixes.items()}),
    )
    helper._cpkg_prepared = found
    return found
