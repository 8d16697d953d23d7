"""What the SHACL shapes ask of a class and of a value, read from ontology/shapes.ttl.

`cpkg new` writes a skeleton from it (the properties a class must have, and the form of each
value), and `cpkg validate` says what to change for each result (the constraint's parameters,
existing resources of the right class, the concepts of the right scheme).

Which properties a class requires is asked of the shapes themselves: a bare instance of the class
is validated with the ontology, and every result about it that names a property (a minimum
count, a SPARQL constraint, the first branch of an sh:or) is a property it must have. This covers
requirements no sh:minCount states (a finding's one inspection and its evidence are checked by
SPARQL constraints).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, SH, BNode, Graph, URIRef
from rdflib.term import Node

from service.build.loading import LoadedFile, to_rdflib, to_store
from service.vocab import CPR, GRAPH, PREFIXES, compact, iri_text, sparql_prologue

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Validator = Callable[[Graph, Graph], tuple[bool, Graph]]  # (data, shapes) -> (conforms, report)
SH_NS, RDF_NS = PREFIXES["sh"], PREFIXES["rdf"]
PROBE = f"{CPR}TODO-probe"
_IRI = re.compile(r"https?://[^\s,;()<>\"']+[^\s,;()<>\"'.]")

SUPERCLASSES = sparql_prologue() + "SELECT ?c WHERE { <CLASS> rdfs:subClassOf* ?c }"
EXAMPLES = sparql_prologue() + (
    "SELECT DISTINCT ?c WHERE { ?t rdfs:subClassOf* <CLASS> . ?c a ?t FILTER (isIRI(?c)) } "
    "ORDER BY ?c LIMIT 3"
)
USED = sparql_prologue() + (
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s <CLASS> ?c FILTER (isIRI(?c)) } "
    "GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 3"
)
CONCEPTS = sparql_prologue() + "SELECT ?c WHERE { ?c skos:inScheme <CLASS> } ORDER BY ?c"
DATATYPE_PROPERTY = sparql_prologue() + (
    "ASK { { <CLASS> a owl:DatatypeProperty } UNION { ?s <CLASS> ?o FILTER (isLiteral(?o)) } }"
)
RANGE = sparql_prologue() + "SELECT ?c WHERE { <CLASS> rdfs:range ?c }"


@dataclass(frozen=True)
class Constraint:
    """What one property shape (or one SPARQL constraint) asks of a property's values."""

    shape: str  # the shape's IRI, or _:id for a blank node
    path: str | None  # the property, when the path is a single IRI
    message: str = ""
    min_count: int = 0
    max_count: int | None = None
    classes: list[str] = field(default_factory=list)  # sh:class, or those of sh:or members
    datatypes: list[str] = field(default_factory=list)  # sh:datatype, or those of sh:or members
    scheme: str | None = None  # the concept scheme a sh:node shape requires (sh:hasValue)
    allowed: list[str] = field(default_factory=list)  # sh:in
    languages: list[str] = field(default_factory=list)  # sh:languageIn
    pattern: str | None = None


def readable(text: str) -> str:
    """A message with the project's full IRIs written as prefixed names."""
    return _IRI.sub(lambda m: compact(m.group()), text)


def node_of(shape: str) -> ox.NamedNode | ox.BlankNode:
    """A shape named as reports show it (an IRI, or _:id) as a term of the shapes file."""
    return ox.BlankNode(shape[2:]) if shape.startswith("_:") else ox.NamedNode(shape)


def shown(node: ox.NamedNode | ox.BlankNode | Node) -> str:
    if isinstance(node, ox.BlankNode | BNode):
        return f"_:{node.value if isinstance(node, ox.BlankNode) else node}"
    return node.value if isinstance(node, ox.NamedNode) else str(node)


class Shapes:
    """The shapes file, read with the ontology and the data (which give classes, examples and
    concept schemes)."""

    def __init__(self, shapes: LoadedFile, data: Sequence[LoadedFile]) -> None:
        self._file = shapes
        self._data = list(data)
        self._triples: dict[Term, list[tuple[str, Term]]] = defaultdict(list)
        for q in shapes.quads:
            self._triples[q.subject].append((q.predicate.value, q.object))

    @functools.cached_property
    def _store(self) -> ox.Store:
        """The ontology and data, loaded when a question needs them."""
        return to_store(self._data)

    def _values(self, node: Term, predicate: str) -> list[Term]:
        return [o for p, o in self._triples.get(node, []) if p == SH_NS + predicate]

    def _one(self, node: Term, predicate: str) -> str | None:
        found = self._values(node, predicate)
        return found[0].value if found and not isinstance(found[0], ox.Triple) else None

    def _list(self, head: Term | None) -> list[Term]:
        items: list[Term] = []
        while isinstance(head, ox.BlankNode) and len(items) < 1000:
            pairs = dict(self._triples.get(head, []))
            if RDF_NS + "first" not in pairs:
                break
            items.append(pairs[RDF_NS + "first"])
            head = pairs.get(RDF_NS + "rest")
        return items

    def _items(self, node: Term, predicate: str) -> list[str]:
        """The members of the RDF list that is the value of ``predicate``."""
        return [
            i.value
            for head in self._values(node, predicate)
            for i in self._list(head)
            if not isinstance(i, ox.Triple)
        ]

    def _ask(self, query: str, iri: str) -> list[str]:
        result = self._store.query(query.replace("CLASS", iri), use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return ["yes"] if bool(result) else []
        assert isinstance(result, ox.QuerySolutions)
        return [row["c"].value for row in result if row["c"] is not None]

    def constraint(self, shape: str) -> Constraint:
        """The parameters of a property shape (an IRI, or _:id for a blank node)."""
        node = node_of(shape)
        members = [m for head in self._values(node, "or") for m in self._list(head)]
        path = self._values(node, "path")
        scheme = [
            self._one(p, "hasValue")
            for n in self._values(node, "node")
            for p in self._values(n, "property")
        ]
        return Constraint(
            shape=shape,
            path=path[0].value if path and isinstance(path[0], ox.NamedNode) else None,
            message=self._one(node, "message") or "",
            min_count=int(self._one(node, "minCount") or 0),
            max_count=int(m) if (m := self._one(node, "maxCount")) else None,
            classes=[v for n in (node, *members) if (v := self._one(n, "class"))],
            datatypes=[v for n in (node, *members) if (v := self._one(n, "datatype"))],
            scheme=next((s for s in scheme if s), None),
            allowed=self._items(node, "in"),
            languages=self._items(node, "languageIn"),
            pattern=self._one(node, "pattern"),
        )

    def property_shapes(self, cls: str) -> list[Constraint]:
        """The property shapes of the node shapes that target ``cls`` or a superclass."""
        classes = {ox.NamedNode(c) for c in self._ask(SUPERCLASSES, cls)}
        shapes = [
            n
            for n, triples in self._triples.items()
            if any(p == SH_NS + "targetClass" and o in classes for p, o in triples)
        ]
        return [
            self.constraint(shown(p))
            for n in shapes
            for p in self._values(n, "property")
            if isinstance(p, ox.NamedNode | ox.BlankNode)
        ]

    def examples(self, cls: str) -> list[str]:
        """Up to three resources of the class (or a subclass) in the data."""
        return self._ask(EXAMPLES, cls)

    def concepts(self, scheme: str) -> list[str]:
        return self._ask(CONCEPTS, scheme)

    def literal_valued(self, prop: str) -> bool:
        """Whether the property takes text: an owl:DatatypeProperty, or one the data gives
        literal values."""
        return bool(self._ask(DATATYPE_PROPERTY, prop))

    def range_of(self, prop: str) -> str | None:
        return next(iter(self._ask(RANGE, prop)), None)

    def expected(self, c: Constraint) -> str:
        """The values a constraint accepts, in words, with the concepts or examples to use."""
        if c.allowed:
            return "one of " + ", ".join(iri_text(a) for a in c.allowed)
        if c.scheme:
            concepts = ", ".join(iri_text(x) for x in self.concepts(c.scheme))
            return f"a concept of {iri_text(c.scheme)}: {concepts}"
        if c.languages:
            return "text tagged " + " or ".join(f"@{tag}" for tag in c.languages)
        if c.datatypes:
            return "a literal of type " + " or ".join(iri_text(d) for d in c.datatypes)
        classes = c.classes
        if not classes and c.path and not self.literal_valued(c.path):
            classes = [r for r in [self.range_of(c.path)] if r]
        if not classes:
            return ""
        used = self._ask(USED, c.path) if c.path else []
        examples = [iri_text(x) for x in used or [x for k in classes for x in self.examples(k)]]
        kinds = " or ".join(iri_text(x) for x in classes)
        return f"an instance of {kinds}" + (f", e.g. {', '.join(examples[:3])}" if examples else "")

    def required(self, cls: str, check: Validator) -> list[Constraint]:
        """The properties a bare instance of ``cls`` must have (module doc), each once, in the
        order the shapes report them; ``check`` validates (validate.run_shacl)."""
        ontology = [f for f in self._data if f.graph.value.startswith(f"{GRAPH}ontology-")]
        data = to_rdflib(ontology)
        data.add((URIRef(PROBE), RDF.type, URIRef(cls)))
        _, results = check(data, to_rdflib([self._file]))
        found: dict[str, Constraint] = {}
        for result in results.subjects(RDF.type, SH.ValidationResult):
            if results.value(result, SH.focusNode) == URIRef(PROBE):
                constraint = self._requirement(result, results)
                if constraint is not None and constraint.path is not None:
                    found.setdefault(constraint.path, constraint)
        return list(found.values())

    def _requirement(self, result: Node, results: Graph) -> Constraint | None:
        shape = results.value(result, SH.sourceShape)
        path = results.value(result, SH.resultPath)
        if shape is None:
            return None
        base = self.constraint(shown(shape))
        if path is None:  # an sh:or: its first branch that requires a property
            members = [m for h in self._values(node_of(shown(shape)), "or") for m in self._list(h)]
            branches = [
                self.constraint(shown(m))
                for m in members
                if isinstance(m, ox.BlankNode | ox.NamedNode)
            ]
            return next((b for b in branches if b.path and b.min_count), None)
        if base.path == str(path):
            return base
        message = "; ".join(str(m) for m in results.objects(result, SH.resultMessage))
        return Constraint(shown(shape), str(path), message=message, min_count=1)
