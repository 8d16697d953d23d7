"""Load data into the store the fast path validates, keeping literals exactly as written.

pyoxigraph stores numbers, booleans, dates and durations by value, so "50.0"^^xsd:decimal comes
back as "50" and "1"^^xsd:boolean as "true"; pySHACL, reading the same file through rdflib, sees
the original lexical form, reports it and compares terms by it. Loading records every literal
the store rewrites, so the engine can turn store terms back into the terms of the data. Two
different literals that the store would merge into one ("1.0" and "1.00") cannot be told apart
once stored: such data is not loaded, and validation falls back to pySHACL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_PROBE = ox.NamedNode("urn:cpkg:shacl:literal")


class Unfaithful(Exception):
    """The store would merge literals that are different terms in the data."""


@dataclass
class Literals:
    """Store form -> original form of every literal the store rewrote."""

    originals: dict[ox.Literal, ox.Literal] = field(default_factory=dict)

    def restore(self, term: object) -> object:
        if isinstance(term, ox.Literal):
            return self.originals.get(term, term)
        return term

    @property
    def lexical_changed(self) -> bool:
        """Some literal is stored with another lexical form ("50.0" -> "50")."""
        return any(s.value != o.value for s, o in self.originals.items())

    @property
    def datatypes(self) -> set[str]:
        """Datatypes involved in datatype rewrites (xsd:nonNegativeInteger -> xsd:integer)."""
        out: set[str] = set()
        for stored, original in self.originals.items():
            if stored.datatype != original.datatype:
                out |= {stored.datatype.value, original.datatype.value}
        return out

    def merge(self, other: Mapping[ox.Literal, ox.Literal]) -> None:
        for stored, original in other.items():
            if self.originals.setdefault(stored, original) != original:
                raise Unfaithful(
                    f"{original} and {self.originals[stored]} are one literal in the store"
                )


def stored_forms(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Store form -> original for the literals whose form the store changes."""
    probe = ox.Store()
    originals = list(literals)
    probe.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:cpkg:shacl:l{i}"), _PROBE, lit)
        for i, lit in enumerate(originals)
    )
    out: dict[ox.Literal, ox.Literal] = {}
    for quad in probe.quads_for_pattern(None, _PROBE, None, ox.DefaultGraph()):
        assert isinstance(quad.subject, ox.NamedNode)
        original = originals[int(quad.subject.value[len("urn:cpkg:shacl:l") :])]
        stored = quad.object
        assert isinstance(stored, ox.Literal)
        if stored != original and out.setdefault(stored, original) != original:
            raise Unfaithful(f"{original} and {out[stored]} are one literal in the store")
    return out


def load(
    triples: Iterable[ox.Quad | ox.Triple],
    store: ox.Store | None = None,
    literals: Literals | None = None,
) -> tuple[ox.Store, Literals]:
    """Add the triples to a store's default graph; record the literals the store rewrote.

    With `store` and `literals` from an earlier load (a contribution added to a built graph)
    the new triples are checked against what is stored; raises Unfaithful if the store would
    merge two different literals. A new store is filled as the triples stream in.
    """
    typed: set[ox.Literal] = set()

    def quads(source: Iterable[ox.Quad | ox.Triple]) -> Iterator[ox.Quad]:
        for t in source:
            obj = t.object
            if isinstance(obj, ox.Literal) and obj.datatype.value not in (
                XSD_STRING,
                RDF_LANGSTRING,
            ):
                typed.add(obj)
            yield ox.Quad(t.subject, t.predicate, obj)

    known = literals if literals is not None else Literals()
    if store is None:
        target = ox.Store()
        target.bulk_extend(quads(triples))
        _check(target, typed, stored_forms(typed), known, stored_before=False)
        return target, known
    pending = list(quads(triples))
    _check(store, typed, stored_forms(typed), known, stored_before=True)
    store.bulk_extend(pending)
    return store, known


def _check(
    store: ox.Store,
    typed: set[ox.Literal],
    changed: dict[ox.Literal, ox.Literal],
    known: Literals,
    *,
    stored_before: bool,
) -> None:
    """Raise Unfaithful if a rewritten literal meets another literal of the same store form."""
    for stored, original in changed.items():
        earlier = known.originals.get(stored)
        if stored in typed or (stored_before and earlier is None and _occurs(store, stored)):
            raise Unfaithful(f"{original} and {stored} would be one literal in the store")
    for literal in typed - set(changed.values()):
        earlier = known.originals.get(literal)
        if earlier is not None:
            raise Unfaithful(f"{earlier} and {literal} would be one literal in the store")
    known.merge(changed)


def _occurs(store: ox.Store, literal: ox.Literal) -> bool:
    found = store.quads_for_pattern(None, None, literal, ox.DefaultGraph())
    return next(iter(found), None) is not None
