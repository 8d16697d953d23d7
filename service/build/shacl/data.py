"""Load data into the store the fast path validates, keeping literals exactly as written.

pyoxigraph stores numbers, booleans, dates and durations by value, so "50.0"^^xsd:decimal comes
back as "50" and every integer subtype as xsd:integer; pySHACL, reading the same triples through
rdflib, sees the written form, reports it and compares terms by it. Loading records every
literal the store rewrites, so the engine turns store terms back into the terms of the data.

Two literals can also become one term: in the store ("1.0" and "1.00") or in rdflib, whose own
normalisation makes "TRUE"^^xsd:boolean and "1"^^xsd:boolean the same term. Either way the
graph pySHACL validates and the store no longer hold the same triples, so such data is refused
(Unfaithful) and validated by plain pySHACL. rdflib-level merges are found through `irregular`:
the literals whose rdflib term has another lexical form than written, or is ill-typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Literal

from service.build.loading import rdflib_term

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_PROBE = ox.NamedNode("urn:cpkg:shacl:literal")
_PLAIN = (XSD_STRING, RDF_LANGSTRING)


class Unfaithful(Exception):
    """The store or rdflib would merge literals that are different terms in the data."""


@dataclass
class Literals:
    """What loading learnt about the data's literals (kept with a stored graph)."""

    originals: dict[ox.Literal, ox.Literal] = field(default_factory=dict)  # stored -> written
    irregular: dict[Literal, ox.Literal] = field(default_factory=dict)  # rdflib term -> written

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


def stored_forms(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Store form -> written form for the literals whose form the store changes."""
    probe = ox.Store()
    written = list(literals)
    probe.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:cpkg:shacl:l{i}"), _PROBE, lit) for i, lit in enumerate(written)
    )
    out: dict[ox.Literal, ox.Literal] = {}
    for quad in probe.quads_for_pattern(None, _PROBE, None, ox.DefaultGraph()):
        assert isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal)
        original = written[int(quad.subject.value[len("urn:cpkg:shacl:l") :])]
        if quad.object != original and out.setdefault(quad.object, original) != original:
            raise Unfaithful(f"{original} and {out[quad.object]} are one literal in the store")
    return out


def _occurs(store: ox.Store, literal: ox.Literal) -> bool:
    found = store.quads_for_pattern(None, None, literal, ox.DefaultGraph())
    return next(iter(found), None) is not None


def _merged(first: object, second: object) -> Unfaithful:
    return Unfaithful(f"{first} and {second} would be one term")


def _check_store(
    store: ox.Store, typed: set[ox.Literal], known: Literals, stored_before: bool
) -> None:
    """Record the store's rewrites of new literals; refuse those that merge two literals."""
    changed = stored_forms(typed)
    for stored, original in changed.items():
        earlier = known.originals.get(stored)
        if earlier is not None and earlier != original:
            raise _merged(original, earlier)
        if stored in typed or (stored_before and earlier is None and _occurs(store, stored)):
            raise _merged(original, stored)
    for literal in typed - set(changed.values()):
        earlier = known.originals.get(literal)
        if earlier is not None:
            raise _merged(earlier, literal)
    known.originals.update(changed)


def _check_rdflib(
    store: ox.Store, typed: set[ox.Literal], known: Literals, stored_before: bool
) -> None:
    """Refuse literals rdflib would turn into the same term ("TRUE" and "1" booleans)."""
    for literal in typed:
        term = rdflib_term(literal)
        assert isinstance(term, Literal)
        if str(term) == literal.value and not term.ill_typed:
            continue  # regular: rdflib keeps it as written
        earlier = known.irregular.setdefault(term, literal)
        if earlier != literal:
            raise _merged(literal, earlier)
        regular = ox.Literal(str(term), datatype=literal.datatype)
        if regular in typed or (stored_before and _occurs(store, regular)):
            raise _merged(literal, regular)


def load(
    triples: Iterable[ox.Quad | ox.Triple],
    store: ox.Store | None = None,
    literals: Literals | None = None,
) -> tuple[ox.Store, Literals]:
    """Add the triples to a store's default graph and learn about their literals.

    With `store` and `literals` from an earlier load (a contribution added to a built graph)
    the new triples are checked against what is stored. Raises Unfaithful.
    """
    typed: set[ox.Literal] = set()

    def quads(source: Iterable[ox.Quad | ox.Triple]) -> Iterator[ox.Quad]:
        for t in source:
            obj = t.object
            if isinstance(obj, ox.Literal) and obj.datatype.value not in _PLAIN:
                typed.add(obj)
            yield ox.Quad(t.subject, t.predicate, obj)

    known = literals if literals is not None else Literals()
    if store is None:  # a new store: fill it as the triples stream in, then check
        target = ox.Store()
        target.bulk_extend(quads(triples))
        _check_store(target, typed, known, stored_before=False)
        _check_rdflib(target, typed, known, stored_before=False)
        return target, known
    pending = list(quads(triples))
    _check_store(store, typed, known, stored_before=True)
    _check_rdflib(store, typed, known, stored_before=True)
    if len(pending) < 10_000:  # the bulk loader writes whole files to an on-disk store
        store.extend(pending)
    else:
        store.bulk_extend(pending)
    return store, known
