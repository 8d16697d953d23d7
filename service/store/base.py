"""The store interface: one API over the embedded pyoxigraph store and remote SPARQL stores.

Every consumer (the SPARQL endpoint, linked-data pages, the chain API, the CLI) talks to a
``Store`` and receives the small result dataclasses below, whose terms are pyoxigraph terms
(``NamedNode``, ``BlankNode``, ``Literal``, ``Triple``). A remote store can build the same
terms with ``pyoxigraph.parse_query_results`` / ``pyoxigraph.parse``, so serializers and pages
never need to know which store answered.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Triple

if TYPE_CHECKING:
    from service.store.links import Links

from service.errors import StoreError


class ReadOnlyStore(StoreError):
    """A write reached a view of the store that only reads (a bug, not the client's fault)."""


Term = NamedNode | BlankNode | Literal | Triple
"""An RDF term as it appears in a query solution."""

Row = tuple[Term | None, ...]
"""One SELECT solution: a term per variable (in ``SelectResult.variables`` order) or None."""


@dataclass
class SelectResult:
    """A SELECT answer: variable names (without '?') and a lazy stream of rows.

    ``write``, when the store offers it, writes the whole answer in a SPARQL results format
    with the store's own serializer (pyoxigraph's: no Python per row), instead of ``rows``;
    ``cap`` is the most rows whoever serializes it may send (set by the executor)."""

    variables: list[str]
    rows: Iterable[Row]
    native: Any = field(default=None, repr=False)  # pyoxigraph QuerySolutions, if embedded
    write: Callable[[IO[bytes], ox.QueryResultsFormat], None] | None = field(
        default=None, repr=False
    )
    cap: int | None = None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


@dataclass
class AskResult:
    """An ASK answer."""

    value: bool


@dataclass
class GraphResult:
    """A CONSTRUCT/DESCRIBE answer: a lazy stream of triples."""

    triples: Iterable[Triple]
    native: Any = field(default=None, repr=False)  # pyoxigraph QueryTriples, if embedded

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.triples)


QueryResult = SelectResult | AskResult | GraphResult


@dataclass(frozen=True)
class Dataset:
    """The SPARQL protocol's ``default-graph-uri``/``named-graph-uri``: the graphs a query runs
    over. Empty (the default) means the store's own default dataset: the union of all graphs."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    def __reduce__(self) -> tuple[type[Dataset], tuple[tuple[str, ...], tuple[str, ...]]]:
        """Every read's task carries one to its evaluator: rebuilt from its two tuples, not
        through the generic (Python-level) dataclass state protocol."""
        return Dataset, (self.default_graphs, self.named_graphs)


UNION = Dataset()

GraphName = NamedNode | None
"""A graph in Graph-Store operations: a named graph IRI, or None for the default graph."""

#: Stands for the store's own (unnamed) default graph in a ``Dataset``, so a restricted dataset
#: can include it. A remote store keeps that graph under this name (Virtuoso has no separate
#: default graph: Graph Store ``?default`` and triples loaded without a graph go here).
DEFAULT_GRAPH_IRI = "urn:x-cpkg:default-graph"
#: A graph that never exists: a dataset list holding only it is an empty dataset (a store would
#: fall back to all its graphs, system graphs included, for an empty list).
EMPTY_GRAPH_IRI = "urn:x-cpkg:no-data"


class Store(ABC):
    """A SPARQL dataset: query, update, Graph Store operations and bulk loading.

    Implementations raise ``service.errors.ParseError`` for malformed queries/data (with line
    and column when known), ``QueryTimeout`` when ``timeout`` elapses, and ``StoreError`` (or
    ``RemoteStoreError``) when the store itself fails.
    """

    #: True when queries may be evaluated in a forked child process that shares the store's
    #: memory (embedded stores); the web layer then kills runaway queries by killing the child.
    forkable: bool = False

    #: Bumped by every write; None when writes elsewhere cannot be seen (a remote store), so
    #: nothing may be cached across requests.
    generation: int | None = None
    #: When the data last changed (seconds since the epoch), if known.
    modified: float | None = None
    #: The full-text index of the data (service/fulltext.py), once one is known: the built
    #: dataset's ``search.sqlite``, or one the web app writes at start-up.
    search_index: Path | None = None

    @abstractmethod
    def query(
        self, sparql: str, dataset: Dataset = UNION, timeout: float | None = None
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query over ``dataset`` (protocol semantics; the union of all
        graphs when empty, unless the query names its own with FROM)."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs visible to queries."""

    @abstractmethod
    def get_graph(self, graph: GraphName) -> list[Triple]:
        """All triples of one graph (None = the store's own default graph)."""

    @abstractmethod
    def graph_exists(self, graph: GraphName) -> bool:
        """Whether the graph is known (the default graph always exists)."""

    def objects(
        self, subjects: Sequence[str], predicates: Sequence[str], *, first: bool = False
    ) -> Iterator[tuple[str, str, Term]]:
        """(subject, predicate, object) for every object of each (subject, predicate) pair, in
        the union of the graphs: a batch of direct lookups (labels, for instance). With
        ``first``, a store may stop, for each subject, after the first predicate (in the given
        order) that has objects. Stores that can look up without SPARQL do it faster."""
        for start in range(0, len(subjects), 200):
            batch = subjects[start : start + 200]
            pairs = " ".join(f"(<{s}> <{p}>)" for s in batch for p in predicates)
            if not pairs:
                return
            where = f"VALUES (?s ?p) {{ {pairs} }} ?s ?p ?o"
            result = self.query(f"SELECT DISTINCT ?s ?p ?o WHERE {{ {where} }}")
            assert isinstance(result, SelectResult)
            for s, p, o in result:
                if isinstance(s, NamedNode) and isinstance(p, NamedNode) and o is not None:
                    yield s.value, p.value, o

    @abstractmethod
    def links(self, iri: str, offset: int, per_page: int) -> Links:
        """The links of one resource on one page (service/store/links.py: ``sparql_links``
        works on any store; an embedded store walks its indexes)."""

    def quads(self) -> Iterator[Quad]:
        """Every quad, graph by graph (the store's own default graph first), as a stream."""
        for graph in (None, *(NamedNode(g) for g in sorted(self.graph_names()))):
            name = DefaultGraph() if graph is None else graph
            for t in self.get_graph(graph):
                yield Quad(t.subject, t.predicate, t.object, name)

    @abstractmethod
    def triple_count(self) -> int:
        """Number of quads in the store (all graphs)."""

    # -- writes: a store that accepts them overrides these (read-only views do not) ------------

    def update(self, sparql: str) -> None:
        """Execute a SPARQL 1.1 Update atomically: all operations apply, or none do."""
        raise ReadOnlyStore("this view of the store is read-only")

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        """Replace a graph's content; return True if the graph existed before."""
        raise ReadOnlyStore("this view of the store is read-only")

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        """Merge triples into a graph; return True if the graph existed before."""
        raise ReadOnlyStore("this view of the store is read-only")

    def delete_graph(self, graph: GraphName) -> bool:
        """Remove a graph; return False if there was nothing to remove."""
        raise ReadOnlyStore("this view of the store is read-only")

    def load(self, data: bytes, format: str, graph: str | None = None) -> int:
        """Parse RDF ``data`` (a media type or file extension) into the store; return count.

        Triples go to ``graph`` (or the default graph); quad formats keep their own graphs.
        """
        raise ReadOnlyStore("this view of the store is read-only")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (flush to disk, close connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def to_quads(triples: Iterable[Triple], graph: GraphName) -> Iterator[Quad]:
    """Put triples into a graph (None = default graph), e.g. to serialize TriG/N-Quads."""
    for t in triples:
        yield Quad(t.subject, t.predicate, t.object, graph)
