"""The value nodes of a set of focus nodes, listed only as far as a constraint needs them.

For a node shape every focus node is its own single value node, so the set of values is the
focus set itself and stays unlisted (a pattern in the store) unless a constraint must look at
each node in Python. For a property shape the (focus, value) pairs come from one path query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.build.shacl.terms import Nodes, Term
from service.build.shacl.workspace import NodeSet

if TYPE_CHECKING:
    from service.build.shacl.engine import Engine


class Values:
    """Focus nodes and their value nodes; `pairs` is None for node shapes (value = focus)."""

    def __init__(self, engine: Engine, focus: NodeSet, pairs: dict[Term, Nodes] | None) -> None:
        self.engine = engine
        self.focus = focus
        self._pairs = pairs
        self._owners: dict[Term, list[Term]] | None = None

    @property
    def node_shape(self) -> bool:
        return self._pairs is None

    def pairs(self) -> dict[Term, Nodes]:
        """Every focus node with its value nodes (lists a node shape's focus nodes)."""
        if self._pairs is None:
            return {f: {f: t} for f, t in self.focus.nodes.items()}
        return self._pairs

    def of(self, focus: Term) -> Nodes:
        if self._pairs is None:
            return {focus: self.engine.ws.store_term(focus)}
        return self._pairs.get(focus, {})

    def any(self) -> bool:
        """True if some focus node has a value node."""
        if self._pairs is None:
            return not self.focus.known_empty()
        return any(self._pairs.values())

    def value_set(self) -> NodeSet:
        """All value nodes, as one set to evaluate nested shapes on."""
        if self._pairs is None:
            return self.focus
        merged: Nodes = {}
        for vs in self._pairs.values():
            merged.update(vs)
        return NodeSet(merged)

    def owners(self, value: Term) -> list[Term]:
        """The focus nodes that have this value node."""
        if self._pairs is None:
            return [value]
        if self._owners is None:
            self._owners = {}
            for f, vs in self._pairs.items():
                for v in vs:
                    self._owners.setdefault(v, []).append(f)
        return self._owners.get(value, [])
