"""The embedded store: pyoxigraph in memory, or on disk at ``Settings.store_path``.

Queries are evaluated in forked children (service/query/evaluators.py, driven by the
executor). RocksDB, behind an on-disk store, is not fork-safe (a child can inherit a mutex held
by a background thread and hang: we saw it), so an on-disk store is the durable primary and
queries read an in-memory snapshot of it, rebuilt before the next fork after each write
(``fork_guard``).

Queries see the union of all graphs as their default graph unless the SPARQL protocol's
``default-graph-uri``/``named-graph-uri`` say otherwise. The built dataset is loaded with
``load_dataset``; an on-disk store records the dataset's SHA-256 in a file beside it and skips
reloading when the dataset has not changed, so restarts are instant.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, NamedNode, Quad, Triple

from service.config import Settings
from service.errors import ConfigError, ParseError, QueryError, RemoteStoreError, StoreError
from service.formats import rdf_format
from service.fulltext import CachedLookup, Match, unmark
from service.sparqltext import has_dataset_clause
from service.store import steps
from service.store.base import (
    DEFAULT_GRAPH_IRI,
    UNION,
    AskResult,
    Dataset,
    GraphName,
    GraphResult,
    QueryResult,
    Row,
    SelectResult,
    Store,
    Term,
)
from service.store.links import Links, native_links

log = logging.getLogger(__name__)

_CPKG = "https://w3id.org/cpkg/def#"
#: Index lookups remembered per process (cleared when full, and by every write)
REMEMBERED_LOOKUPS = 10_000
Found = tuple[str, str, Term]  # (subject, predicate, object) IRIs and term, as objects() yields
#: SPARQL functions over the full-text index (service/fulltext.py); embedded store only.
SEARCH_FUNCTION = NamedNode(_CPKG + "search")
SEARCH_MATCH_FUNCTION = NamedNode(_CPKG + "searchMatch")
_XSD_DOUBLE = NamedNode("http://www.w3.org/2001/XMLSchema#double")


def store_open_error(path: Path | None, exc: Exception) -> StoreError:
    """A start-up error that names the store directory, the cause and the fix."""
    text = str(exc) or type(exc).__name__
    low = text.lower()
    code = getattr(exc, "errno", None)
    fix = "fix it, or point CPKG_STORE_PATH at another directory (it is rebuilt from the dataset)"
    if code == errno.ENOSPC or "no space" in low:
        why = "the disk is full; free some space"
    elif (
        code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "permission" in low
        or ("read-only" in low)
    ):
        why = "permission denied or read-only file system; make it writable by this user"
    elif code in (errno.EEXIST, errno.ENOTDIR) or "not a directory" in low:
        why = "it is not a directory"
    elif "lock" in low or "resource temporarily unavailable" in low:
        why = "another process is using it (an on-disk store is opened by one process at a time)"
        fix = "stop the other process, or point CPKG_STORE_PATH at another directory"
    elif any(w in low for w in ("corrupt", "checksum", "invalid argument", "manifest", "current")):
        why = "it is corrupt or not an Oxigraph store"
        fix = (
            "restore it from a backup, or move it away and restart (it is rebuilt from the dataset)"
        )
    else:
        why = "the store could not be opened"
    return StoreError(f"cannot open the store at {path}: {why} ({text}); {fix}")


def _write_error(path: Path | None, what: str, exc: Exception) -> StoreError:
    """A write failure on disk (full disk, I/O error, corruption), naming the store directory."""
    where = f"the store at {path}" if path is not None else "the in-memory store"
    return StoreError(
        f"{what} failed: {where} could not be written ({exc}); the last complete write is "
        "kept. Free disk space or fix the store directory (or move it away: it is rebuilt "
        "from the dataset), then retry"
    )


def _dataset_graph(iri: str) -> NamedNode | DefaultGraph:
    """A ``default_graphs`` entry: ``DEFAULT_GRAPH_IRI`` is the store's own default graph."""
    return DefaultGraph() if iri == DEFAULT_GRAPH_IRI else NamedNode(iri)


def _graph(graph: GraphName) -> NamedNode | DefaultGraph:
    return DefaultGraph() if graph is None else graph


class EmbeddedStore(Store):
    """pyoxigraph ``Store``; ``path=None`` keeps everything in memory."""

    forkable = True
    generation: int = 0

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        try:
            if path is None:
                self._store = ox.Store()
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except (OSError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
            raise store_open_error(path, exc) from None
        # Held during writes and around os.fork() so a forked query evaluator never
        # inherits a half-applied write.
        self.lock = threading.RLock()
        # Bumped by every write, so forked evaluators holding an older snapshot are retired
        # and cached answers are never served for a newer state.
        self.generation = 0
        self.modified = time.time()
        self._pid = os.getpid()
        self._snapshot: ox.Store | None = None  # in-memory copy read by queries (on disk only)
        self._search: CachedLookup | None = None  # the cpkg:search function's answers
        self._snapshot_generation = -1
        self._names: tuple[int, list[str]] | None = None  # graph names at a generation
        self._found: tuple[int, dict[tuple[str, tuple[str, ...], bool], list[Found]]] = (-1, {})

    # -- queries -------------------------------------------------------------------------

    def query(
        self, sparql: str, dataset: Dataset = UNION, timeout: float | None = None
    ) -> QueryResult:
        """Evaluate ``sparql``; ``timeout`` is enforced by the executor (it kills the forked
        evaluator), since pyoxigraph cannot cancel a query."""
        default_graphs, named_graphs = dataset.default_graphs, dataset.named_graphs
        kwargs: dict[str, object] = {}
        if default_graphs or named_graphs:
            kwargs["default_graph"] = [_dataset_graph(g) for g in default_graphs or []] or [
                DefaultGraph()
            ]
            if named_graphs:
                kwargs["named_graphs"] = [NamedNode(g) for g in named_graphs]
            elif default_graphs:
                kwargs["named_graphs"] = []
        elif not has_dataset_clause(sparql):
            # The union is our default dataset; a query's own FROM / FROM NAMED takes precedence
            # (SPARQL 1.1 Protocol), and pyoxigraph would ignore FROM under the union option.
            kwargs["use_default_graph_as_union"] = True
        # A worker thread's in-memory store is written concurrently: the lock keeps a write
        # from landing between the whole-store check and the snapshot query() takes. Forked
        # evaluators have no writers (and must not wait on a lock copied mid-use).
        live = bool(default_graphs) and self.path is None and os.getpid() == self._pid
        try:
            if live:
                with self.lock:
                    raw = self._evaluate(sparql, dataset, kwargs)
            else:
                raw = self._evaluate(sparql, dataset, kwargs)
        except SyntaxError as exc:
            raise ParseError.from_syntax_error(exc, "SPARQL query", text=sparql) from None
        except ValueError as exc:
            raise QueryError(f"invalid query: {exc}") from None
        except RuntimeError as exc:
            raise QueryError(f"the query could not be evaluated: {exc}") from None
        except OSError as exc:
            raise _service_error(exc) from None
        if isinstance(raw, ox.QuerySolutions):
            names = [v.value for v in raw.variables]
            writer = functools.partial(_write_solutions, raw)
            return SelectResult(names, _rows(raw, len(names)), native=raw, write=writer)
        if isinstance(raw, ox.QueryBoolean):
            return AskResult(bool(raw))
        return GraphResult(_checked(raw), native=raw)

    def _evaluate(
        self, sparql: str, dataset: Dataset, kwargs: dict[str, object]
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        reader = self._reader()
        if dataset.default_graphs and _is_whole_store(
            reader, dataset.default_graphs, dataset.named_graphs
        ):
            # the same dataset as the union, which pyoxigraph evaluates much faster
            kwargs = {"use_default_graph_as_union": True}
        if self.search_index is not None and "search" in sparql:
            kwargs["custom_functions"] = self._search_functions(self.search_index)
        return reader.query(sparql, **kwargs)  # type: ignore[arg-type]

    def _search_functions(self, index: Path) -> dict[NamedNode, Callable[..., ox.Literal | None]]:
        """``cpkg:search(?resource, "words")``: the resource's relevance (an xsd:double, unbound
        when it does not match); ``cpkg:searchMatch(?resource, "words")``: the text that matched
        (its best quote, else the name or description). The same index as ``/search``."""
        if self._search is None or self._search.path != index:
            self._search = CachedLookup(index)
        cached = self._search

        def found(resource: object, words: object) -> Match | None:
            if not isinstance(resource, NamedNode) or not isinstance(words, ox.Literal):
                return None
            return cached.get(words.value).get(resource.value)

        def score(resource: object, words: object) -> ox.Literal | None:
            m = found(resource, words)
            return None if m is None else ox.Literal(repr(m.score), datatype=_XSD_DOUBLE)

        def match(resource: object, words: object) -> ox.Literal | None:
            m = found(resource, words)
            return None if m is None else ox.Literal(unmark(m.quote_match or m.text))

        return {SEARCH_FUNCTION: score, SEARCH_MATCH_FUNCTION: match}

    def update(self, sparql: str) -> None:
        """Execute an update in one pyoxigraph transaction (all or nothing)."""
        with self.lock:
            try:
                self._store.update(sparql)
            except SyntaxError as exc:
                raise ParseError.from_syntax_error(exc, "SPARQL update") from None
            except (ValueError, RuntimeError) as exc:
                raise QueryError(f"the update failed and nothing was changed: {exc}") from None
            except OSError as exc:
                raise _write_error(self.path, "the update", exc) from None
            try:
                self._flush()
            except OSError as exc:
                raise _write_error(self.path, "flushing the update", exc) from None

    def _reader(self) -> ox.Store:
        """The store queries read: the store itself in memory, else the snapshot; counted
        inside a bounded read (service/store/steps.py)."""
        if self.path is None:
            return steps.counted(self._store)
        with self.lock:
            if self._snapshot is None or self._snapshot_generation != self.generation:
                steps.refuse()  # a copy of the whole store is no bounded work
                snapshot = ox.Store()
                snapshot.extend(self._store.quads_for_pattern(None, None, None, None))
                self._snapshot, self._snapshot_generation = snapshot, self.generation
            return steps.counted(self._snapshot)

    def fork_guard(self) -> _ForkGuard:
        """A reusable context manager to hold around ``os.fork()``: no write in flight, and
        the query snapshot is current."""
        return _ForkGuard(self)

    # -- graph store ---------------------------------------------------------------------

    def _current(self) -> ox.Store:
        """The store to read bookkeeping from: a forked evaluator must not touch RocksDB."""
        return self._store if os.getpid() == self._pid else self._reader()

    def graph_names(self) -> list[str]:
        known = self._names
        if known is None or known[0] != self.generation:  # read once per generation
            names = [g.value for g in self._current().named_graphs() if isinstance(g, NamedNode)]
            known = self._names = (self.generation, sorted(names))
        return list(known[1])

    def graph_exists(self, graph: GraphName) -> bool:
        return graph is None or self._current().contains_named_graph(graph)

    def objects(
        self, subjects: Sequence[str], predicates: Sequence[str], *, first: bool = False
    ) -> Iterator[tuple[str, str, Term]]:
        """Direct index lookups (no SPARQL to parse): a tenth of the time of the query. What
        was found is remembered until the next write: pages look up the labels of the same
        classes, properties, forces and concepts again and again."""
        generation, found = self._found
        if generation != self.generation:
            found = {}
            self._found = (self.generation, found)
        preds = tuple(predicates)
        reader: ox.Store | None = None
        for s in subjects:
            key = (s, preds, first)
            values = found.get(key)
            if values is None:
                reader = reader or self._reader()
                values = _lookup(reader, s, preds, first)
                if len(found) >= REMEMBERED_LOOKUPS:
                    found.clear()
                found[key] = values
            else:
                steps.spend(len(values))  # remembered values count as read again
            yield from values

    def links(self, iri: str, offset: int, per_page: int) -> Links:
        """Walks the indexes: no SPARQL to parse or plan for a resource page."""
        return native_links(self._reader(), iri, offset, per_page)

    def quads(self) -> Iterator[Quad]:
        """Every quad, default graph first then graph by graph, streamed from the store."""
        reader = self._reader()
        graphs: list[NamedNode | DefaultGraph] = [DefaultGraph()]
        graphs += [NamedNode(g) for g in self.graph_names()]
        for graph in graphs:
            yield from reader.quads_for_pattern(None, None, None, graph)

    def get_graph(self, graph: GraphName) -> list[Triple]:
        return [
            Triple(q.subject, q.predicate, q.object)
            for q in self._reader().quads_for_pattern(None, None, None, _graph(graph))
        ]

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        return self._put(graph, triples, clear=True)

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        return self._put(graph, triples, clear=False)

    def _put(self, graph: GraphName, triples: Iterable[Triple], *, clear: bool) -> bool:
        """Write a graph (replacing it when ``clear``); whether it existed before."""
        quads = [Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        with self.lock:
            existed = self.graph_exists(graph)
            self._write(graph, quads, clear=clear)
        return existed

    def delete_graph(self, graph: GraphName) -> bool:
        with self.lock:
            if graph is None:
                had = next(
                    iter(self._store.quads_for_pattern(None, None, None, DefaultGraph())), None
                )
                self._store.clear_graph(DefaultGraph())
                self._flush()
                return had is not None
            if not self._store.contains_named_graph(graph):
                return False
            self._store.remove_graph(graph)
            self._flush()
            return True

    def _write(self, graph: GraphName, quads: list[Quad], *, clear: bool) -> None:
        """Apply a Graph Store write atomically, via one SPARQL update transaction."""
        target = "DEFAULT" if graph is None else f"GRAPH {graph}"
        data = _triples_text(quads) if quads else ""
        ops = []
        if clear:
            ops.append(f"CLEAR SILENT {target}")
        if graph is not None:
            ops.append(f"CREATE SILENT GRAPH {graph}")
        if data:
            body = data if graph is None else f"GRAPH {graph} {{ {data} }}"
            ops.append(f"INSERT DATA {{ {body} }}")
        try:
            self._store.update(" ;\n".join(ops))
        except (SyntaxError, ValueError, RuntimeError, OSError) as exc:
            raise StoreError(f"could not write the graph: {exc}") from exc
        self._flush()

    # -- loading -------------------------------------------------------------------------

    def load(self, data: bytes, format: str, graph: str | None = None) -> int:
        fmt = rdf_format(format)
        before = len(self._store)
        with self.lock:
            try:
                self._store.load(data, format=fmt.rdf, to_graph=NamedNode(graph) if graph else None)
            except SyntaxError as exc:
                raise ParseError.from_syntax_error(exc, f"{fmt.label} data") from None
            except ValueError as exc:
                raise ParseError(f"cannot load {fmt.label} data: {exc}") from None
            except (OSError, RuntimeError) as exc:
                raise _write_error(self.path, f"loading {fmt.label} data", exc) from None
            self._flush()
        return len(self._store) - before

    def load_file(self, path: Path, graph: str | None = None) -> int:
        """Load one RDF file, the format taken from its extension."""
        fmt = rdf_format(path.suffix or path.name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read RDF file {path}: {exc.strerror}") from None
        try:
            return self.load(data, fmt.media_type, graph)
        except ParseError as exc:
            raise ParseError(
                f"{path}: {exc}", path=str(path), line=exc.line, column=exc.column
            ) from None

    def bulk_load_file(self, path: Path) -> None:
        """Load a big file without transactional overhead (used for the built dataset)."""
        fmt = rdf_format(path.suffix)
        with self.lock:
            try:
                self._store.bulk_load(path=str(path), format=fmt.rdf)
            except SyntaxError as exc:
                raise ParseError.from_syntax_error(
                    exc, f"{fmt.label} data", path=str(path)
                ) from None
            except (OSError, RuntimeError) as exc:
                raise _write_error(self.path, f"loading {path}", exc) from None
            self._flush()

    def clear(self) -> None:
        with self.lock:
            try:
                self._store.clear()
                self._flush()
            except (OSError, RuntimeError) as exc:
                raise _write_error(self.path, "clearing the store", exc) from None

    def triple_count(self) -> int:
        return len(self._current())

    def _flush(self) -> None:
        """Called after every write: new generation, and durable on disk."""
        self.generation += 1
        self.modified = time.time()
        if self.path is not None:
            self._store.flush()

    def close(self) -> None:
        if self.path is not None:
            self._store.flush()
        self.generation += 1
        del self._store


class _ForkGuard:
    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.store.lock.acquire()
        try:
            self.store._reader()
        except BaseException:
            self.store.lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        self.store.lock.release()


def _is_whole_store(
    reader: ox.Store, default_graphs: Sequence[str], named_graphs: Sequence[str] | None
) -> bool:
    """Whether an explicit dataset is exactly the whole store: every named graph, plus the
    default graph, as default graph; every named graph as named graphs."""
    names = {g.value for g in reader.named_graphs() if isinstance(g, NamedNode)}
    return set(default_graphs) == names | {DEFAULT_GRAPH_IRI} and set(named_graphs or ()) == names


def _service_error(exc: OSError) -> RemoteStoreError:
    """Queries read memory, so an I/O error while evaluating one is a SERVICE call failing."""
    return RemoteStoreError(f"the query failed while calling a SERVICE endpoint: {exc}")


def _rows(solutions: ox.QuerySolutions, width: int) -> Iterator[Row]:
    try:
        for sol in solutions:
            yield tuple(sol[i] for i in range(width))
    except RuntimeError as exc:
        raise QueryError(f"the query could not be evaluated: {exc}") from None
    except OSError as exc:
        raise _service_error(exc) from None


def _write_solutions(
    solutions: ox.QuerySolutions, out: IO[bytes], fmt: ox.QueryResultsFormat
) -> None:
    try:
        solutions.serialize(out, format=fmt)
    except RuntimeError as exc:
        raise QueryError(f"the query could not be evaluated: {exc}") from None
    except OSError as exc:
        raise _service_error(exc) from None


def _checked(triples: ox.QueryTriples) -> Iterator[Triple]:
    try:
        yield from triples
    except RuntimeError as exc:
        raise QueryError(f"the query could not be evaluated: {exc}") from None
    except OSError as exc:
        raise _service_error(exc) from None


def _triples_text(quads: list[Quad]) -> str:
    return ox.serialize(
        [Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
    ).decode()  # type: ignore[union-attr]


# -- the built dataset ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    """What ``load_dataset``/``open_store`` did, for logs and the CLI."""

    source: str
    sha256: str
    reloaded: bool
    quads: int


def _sha256(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0")
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _stamp_path(store: EmbeddedStore) -> Path | None:
    return None if store.path is None else store.path.with_name(store.path.name + ".sha256")


def load_files(store: EmbeddedStore, paths: Sequence[Path]) -> LoadReport:
    """Load RDF files (format from extension) unless an on-disk store already holds them."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"RDF file(s) not found: {', '.join(missing)}")
    digest = _sha256(paths)
    stamp = _stamp_path(store)
    if (
        stamp is not None
        and stamp.is_file()
        and stamp.read_text(errors="replace").strip() == digest
    ):
        log.info("store at %s already holds %s; not reloading", store.path, digest[:12])
        return LoadReport(", ".join(map(str, paths)), digest, False, store.triple_count())
    store.clear()
    for p in paths:
        if p.suffix == ".nq" and len(paths) == 1:
            store.bulk_load_file(p)
        else:
            store.load_file(p)
    if stamp is not None:
        try:
            stamp.write_text(digest + "\n")
        except OSError as exc:
            raise _write_error(store.path, f"writing {stamp}", exc) from None
    return LoadReport(", ".join(map(str, paths)), digest, True, store.triple_count())


def load_dataset(store: EmbeddedStore, settings: Settings) -> LoadReport:
    """Load the dataset ``cpkg build`` wrote to ``settings.output_dir`` (N-Quads, else TriG)."""
    for name in ("dataset.nq", "dataset.trig"):
        path = settings.output_dir / name
        if path.is_file():
            return load_files(store, [path])
    raise ConfigError(
        f"no built dataset in {settings.output_dir} (expected dataset.nq or dataset.trig); "
        "run `cpkg build` first, or serve files directly with `cpkg serve --data FILE...`"
    )


def open_store(settings: Settings, data_files: Sequence[Path] | None = None) -> EmbeddedStore:
    """Open the configured store and load ``data_files`` or else the built dataset into it."""
    store = EmbeddedStore(settings.store_path)
    try:
        # load_files counts the quads: a full read, so a damaged store is found at start-up
        report = load_files(store, data_files) if data_files else load_dataset(store, settings)
    except (OSError, RuntimeError) as exc:
        with contextlib.suppress(Exception):
            store.close()
        raise store_open_error(settings.store_path, exc) from None
    except BaseException:
        with contextlib.suppress(Exception):
            store.close()
        raise
    log.info(
        "store ready: %d quads from %s (reloaded=%s)", report.quads, report.source, report.reloaded
    )
    return store


def _lookup(reader: ox.Store, s: str, predicates: tuple[str, ...], first: bool) -> list[Found]:
    """The objects of ``s`` for each predicate (for ``first``, only the first that has any)."""
    node, out = NamedNode(s), list[Found]()
    for p in predicates:
        found = dict.fromkeys(
            q.object for q in reader.quads_for_pattern(node, NamedNode(p), None, None)
        )
        out.extend((s, p, o) for o in found)
        if found and first:
            break
    return out
