"""The store interface: one API over the embedded pyoxigraph store and remote SPARQL stores.

Every consumer (the SPARQL endpoint, linked-data pages, the chain API, the CLI) talks to a
``Store`` and receives the small result dataclasses below, whose terms are pyoxigraph terms
(``NamedNode``, ``BlankNode``, ``Literal``, ``Triple``). A remote store can build the same
terms with ``pyoxigraph.parse_query_results`` / ``pyoxigraph.parse``, so serializers and pages
never need to know which store answered.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from service.errors import CpkgError, StoreError


class QueryError(StoreError):
    """A well-formed query or update that cannot be evaluated (the user can fix it).

    E.g. ``CREATE GRAPH`` on an existing graph, or a function error that aborts evaluation.
    """


class ResultTooLarge(CpkgError):
    """A result has more rows/triples than ``Settings.max_results`` allows."""


Term = NamedNode | BlankNode | Literal | Triple
"""An RDF term as it appears in a query solution."""

Row = tuple[Term | None, ...]
"""One SELECT solution: a term per variable (in ``SelectResult.variables`` order) or None."""


@dataclass
class SelectResult:
    """A SELECT answer: variable names (without '?') and a lazy stream of rows."""

    variables: list[str]
    rows: Iterable[Row]
    native: Any = field(default=None, repr=False)  # pyoxigraph QuerySolutions, if embedded

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

GraphName = NamedNode | None
"""A graph in Graph-Store operations: a named graph IRI, or None for the default graph."""

#: Stands for the store's own (unnamed) default graph in ``default_graphs``/``named_graphs``
#: lists, so a restricted dataset can include it (the remote store uses the same IRI).
DEFAULT_GRAPH_IRI = "urn:x-cpkg:default-graph"
#: A graph that never exists: a dataset list holding only it is an empty dataset.
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

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query.

        Without ``default_graphs``/``named_graphs`` the default graph is the union of all
        graphs (what users of a multi-graph dataset expect); with them, the SPARQL protocol's
        ``default-graph-uri``/``named-graph-uri`` semantics apply.
        """

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Execute a SPARQL 1.1 Update atomically: all operations apply, or none do."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs visible to queries."""

    @abstractmethod
    def get_graph(self, graph: GraphName) -> list[Triple]:
        """All triples of one graph (None = the store's own default graph)."""

    @abstractmethod
    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        """Replace a graph's content; return True if the graph existed before."""

    @abstractmethod
    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        """Merge triples into a graph; return True if the graph existed before."""

    @abstractmethod
    def delete_graph(self, graph: GraphName) -> bool:
        """Remove a graph; return False if there was nothing to remove."""

    @abstractmethod
    def graph_exists(self, graph: GraphName) -> bool:
        """Whether the graph is known (the default graph always exists)."""

    @abstractmethod
    def load(self, data: bytes, format: str, graph: str | None = None) -> int:
        """Parse RDF ``data`` (a media type or file extension) into the store; return count.

        Triples go to ``graph`` (or the default graph); quad formats keep their own graphs.
        """

    @abstractmethod
    def triple_count(self) -> int:
        """Number of quads in the store (all graphs)."""

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


# Strings, IRIs and comments are removed before looking for keywords in query text, so both
# stores decide alike whether a query names its own dataset (FROM / FROM NAMED).
SPARQL_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
)
_FROM = re.compile(r"(?<![\w:?$-])FROM(?![\w:-])", re.IGNORECASE)


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query names its own dataset with FROM / FROM NAMED."""
    return _FROM.search(SPARQL_NOISE.sub(" ", sparql)) is not None
