"""The data the fast path reads: a pyoxigraph store whose default graph is the data graph.

Term sets the engine works on (focus nodes, value nodes) are either described by the pattern
that finds them (plain class and property targets) or written into scratch named graphs of the
same store, so one SPARQL query can join them with the data; queries never look at named graphs
except through GRAPH, so the scratch graphs never leak into results. Blank nodes cannot be
written into query text, which is why sets travel through the store and not through VALUES.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping

import pyoxigraph as ox

from service.build.shacl.data import Literals
from service.build.shacl.sensitivity import Features, conflict
from service.build.shacl.terms import Nodes, OxTerm, Term, to_ox, to_rdflib

SCRATCH = "urn:cpkg:shacl:set:"
MEMBER = ox.NamedNode("urn:cpkg:shacl:member")
VAR = "?cpkgVar"  # placeholder for the variable a defining pattern binds
_ids = itertools.count(1)


def add(store: ox.Store, quads: list[ox.Quad]) -> None:
    """Insert quads: small sets in a transaction (the bulk loader writes files to disk)."""
    if len(quads) < 10_000:
        store.extend(quads)
    else:
        store.bulk_extend(quads)


class NodeSet:
    """A set of nodes: listed, or defined by a pattern and listed only if something asks.

    Most focus nodes of a valid graph never fail, so a set found by target queries keeps the
    pattern that defines it (binding VAR) and reads its members only when a constraint has to
    look at each of them in Python.
    """

    def __init__(
        self,
        nodes: Nodes | None = None,
        defining: str | None = None,
        loader: Callable[[], Nodes] | None = None,
    ) -> None:
        if nodes is None and loader is None:
            raise ValueError("a node set needs its nodes or a loader")
        self._nodes = nodes
        self._loader = loader
        self.defining = defining
        self.graph: ox.NamedNode | None = None

    @property
    def nodes(self) -> Nodes:
        if self._nodes is None:
            assert self._loader is not None
            self._nodes = self._loader()
        return self._nodes

    def size(self) -> int | None:
        """The number of nodes, if listed."""
        return None if self._nodes is None else len(self._nodes)

    def known_empty(self) -> bool:
        """True only if the set is listed and empty (a defined set may be empty too)."""
        return self._nodes is not None and not self._nodes


class Workspace:
    """Runs the fast path's queries; owns the scratch graphs and the term conversion cache."""

    def __init__(
        self, store: ox.Store, prefixes: Mapping[str, str], literals: Literals | None = None
    ) -> None:
        self.store = store
        self.prefixes = dict(prefixes)
        self.literals = literals if literals is not None else Literals()
        self._scratch: list[ox.NamedNode] = []
        self._terms: dict[OxTerm, Term] = {}
        self._back: dict[Term, OxTerm] = {}

    def term(self, term: OxTerm) -> Term:
        """The data's own rdflib term for a store term (cached: the same IRIs recur)."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = to_rdflib(self.literals.restore(term))
            self._back.setdefault(found, term)
        return found

    def store_term(self, node: Term) -> OxTerm:
        """The store term of a node the engine has seen (or of a shapes-graph constant)."""
        found = self._back.get(node)
        return found if found is not None else to_ox(node)

    def nodes(self, terms: object) -> Nodes:
        """A node set's members from store terms."""
        out: Nodes = {}
        for term in terms:  # type: ignore[attr-defined]
            out.setdefault(self.term(term), term)
        return out

    def conflict(self, found: Features) -> str | None:
        """Why a query could see the stored form of some literal of the data, or None."""
        if not self.literals.originals:
            return None
        return conflict(found, self.literals.lexical_changed, self.literals.datatypes)

    def pattern(self, nodes: NodeSet, var: str) -> str:
        """A graph pattern binding ?var to each member of the set (once each)."""
        if nodes.defining is not None:
            return nodes.defining.replace(VAR, f"?{var}")
        if nodes.graph is None:
            graph = ox.NamedNode(f"{SCRATCH}{next(_ids)}")
            add(self.store, [ox.Quad(graph, MEMBER, t, graph) for t in nodes.nodes.values()])
            self._scratch.append(graph)
            nodes.graph = graph
        g = nodes.graph.value
        return f"GRAPH <{g}> {{ <{g}> <{MEMBER.value}> ?{var} }}"

    def select(
        self, query: str, substitutions: Mapping[str, OxTerm] | None = None
    ) -> Iterator[ox.QuerySolution]:
        """A SELECT over the data (the store's default graph)."""
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        result = self.store.query(query, prefixes=self.prefixes, substitutions=subs or None)
        if isinstance(result, ox.QueryBoolean | ox.QueryTriples):
            raise ValueError("the fast path only runs SELECT queries")
        return iter(result)

    def close(self) -> None:
        """Drop every scratch graph, leaving the store as it was given."""
        for graph in self._scratch:
            self.store.remove_graph(graph)
        self._scratch.clear()
        self._terms.clear()
        self._back.clear()
