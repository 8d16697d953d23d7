"""RDF terms between pyoxigraph (where the data lives) and rdflib (what pySHACL reports in).

Every term the engine holds is a pair: the rdflib term pySHACL's own code compares and reports,
and the pyoxigraph term the store knows. Literals are never converted back from rdflib (rdflib
normalises lexical forms), so the store term of a value is always the one the store returned.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from service.build.loading import XSD_STRING, rdflib_term

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Term = URIRef | BNode | Literal  # a data node, as pySHACL holds it

# One node set: rdflib term -> the store's term for it, in a stable order.
Nodes = dict[Term, OxTerm]


class Unsupported(Exception):
    """A shape feature the fast path does not evaluate; the shape goes to pySHACL instead."""


def to_rdflib(term: object) -> Term:
    """The rdflib term pySHACL would hold for a store term (same conversion as the build's)."""
    return rdflib_term(term)


def to_ox(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A store term for an rdflib term from the shapes graph (sh:targetNode, sh:class, ...)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = str(node.datatype) if node.datatype is not None else XSD_STRING
        return ox.Literal(str(node), datatype=ox.NamedNode(datatype))
    raise Unsupported(f"unsupported RDF term {node!r}")


def iri(node: Node) -> str:
    """An IRI in SPARQL syntax; blank nodes and literals cannot be written into a query."""
    if not isinstance(node, URIRef):
        raise Unsupported(f"{node!r} cannot be written into a SPARQL query")
    text = str(node)
    if any(c in text for c in '<>"{}|^`\\ \n'):
        raise Unsupported(f"IRI {text!r} cannot be written into a SPARQL query")
    return f"<{text}>"
