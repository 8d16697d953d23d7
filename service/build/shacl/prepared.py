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

    prologue: str  # pySHACL's PREFIX lines (sh:prefixes) and the query's own PREFIX/BASE
    text: str  # the SELECT, $PATH substituted, $this projected, correlated EXISTS rewritten
    binds_this: bool  # pySHACL pre-binds $this (the query mentions it)
    current_shape: Node | None
    projection: tuple[str, ...]  # what pySHACL's rows hold: the query's own projection
    features: Features  # what in it could see stored forms of literals (sensitivity.py)


_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


@dataclass(frozen=True)
class _Select:
    prologue: str  # PREFIX / BASE declarations before SELECT
    body: str  # from SELECT on
    names: tuple[str, ...] | None  # projected variables; None for SELECT *
    grouped: bool  # GROUP BY or an aggregate in the projection
    insert_at: int  # character offset in body where a projected variable can be added


def _select(text: str) -> _Select:
    tokens = tokenize(text)
    if not tokens:
        raise Unsupported("SPARQL constraint query cannot be read")
    start = next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.upper == "SELECT"), None
    )
    if start is None:
        raise Unsupported("SPARQL constraint without SELECT")
    offset = tokens[start].start
    after = start + 1
    while after < len(tokens) and tokens[after].upper in ("DISTINCT", "REDUCED"):
        after += 1
    names: list[str] | None = []
    aggregate = False
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
            names = None
        elif (
            token.kind == "var"
            and names is not None
            and (depth == 0 or tokens[i - 1].upper == "AS")
        ):
            names.append(token.text[1:])
        aggregate = aggregate or token.upper in _AGGREGATES
    grouped = aggregate or any(
        t.upper == "GROUP" and tokens[i + 1].upper == "BY" for i, t in enumerate(tokens[:-1])
    )
    return _Select(
        prologue=text[:offset],
        body=text[offset:],
        names=None if names is None else tuple(dict.fromkeys(names)),
        grouped=grouped,
        insert_at=tokens[after].start - offset if after < len(tokens) else len(text) - offset,
    )


def prepare(helper: Any) -> Prepared:
    """Check a constraint the way pySHACL does and prepare its query (cached per helper).

    The query runs nested under LATERAL, so its own PREFIX/BASE move to the outer query and
    $this joins its projection (pySHACL's rows still hold only the query's own variables).
    """
    found: Prepared | None = getattr(helper, "_cpkg_prepared", None)
    if found is not None:
        return found
    try:
        bindings, text = helper.pre_bind_variables(_PROBE_FOCUS)
    except Exception as exc:  # noqa: BLE001 - pySHACL rejects the query: let it say why
        raise Unsupported(f"pySHACL rejects SPARQL constraint {helper.node} ({exc})") from None
    select = _select(text)
    if select.names is None:
        raise Unsupported(f"SPARQL constraint {helper.node} uses SELECT *")
    binds_this = "this" in bindings
    body = select.body
    if binds_this and "this" not in select.names:
        if select.grouped:
            raise Unsupported(f"SPARQL constraint {helper.node} groups without projecting $this")
        body = f"{body[: select.insert_at]}?this {body[select.insert_at :]}"
    found = Prepared(
        prologue=helper.apply_prefixes("") + select.prologue,
        text=rewrite_exists(body),
        binds_this=binds_this,
        current_shape=bindings.get("currentShape"),
        projection=select.names,
        features=features(text, {p: str(n) for p, n in helper.prefixes.items()}),
    )
    helper._cpkg_prepared = found
    return found
