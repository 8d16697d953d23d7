"""Parse RDF files one at a time, so every triple keeps the file (named graph) it came from.

pyoxigraph parses (fast, strict, and its errors carry exact line/column positions); the quads are
converted to rdflib only where pySHACL needs an rdflib graph. Build and validate share this code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from service import formats
from service.config import PROJECT_ROOT, Settings
from service.errors import ConfigError, ParseError
from service.vocab import GRAPH, PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class LoadedFile:
    """The triples of one file, all placed in that file's named graph."""

    path: Path
    label: str  # how users see the file: relative to the project root when inside it
    graph: ox.NamedNode
    quads: list[ox.Quad]


def display_path(path: Path) -> str:
    """Show project files as e.g. graph/findings.ttl, anything else as given."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def graph_name_for(path: Path, settings: Settings) -> str:
    """Named graph of a project file: cpgraph:<stem>, or cpgraph:ontology-<stem> (modelling.md)."""
    if path.resolve().parent == settings.ontology_dir.resolve():
        return f"{GRAPH}ontology-{path.stem}"
    return f"{GRAPH}{path.stem}"


def project_files(settings: Settings) -> list[Path]:
    """Every *.ttl directly in ontology/ and graph/ (graph/queries/ and other subdirs excluded)."""
    files: list[Path] = []
    for directory in (settings.ontology_dir, settings.graph_dir):
        if not directory.is_dir():
            raise ConfigError(
                f"{directory} is not a directory; set CPKG_ONTOLOGY_DIR / CPKG_GRAPH_DIR "
                "to the project's ontology/ and graph/ folders"
            )
        files.extend(sorted(p for p in directory.glob("*.ttl") if p.is_file()))
    return files


def rdf_format(path: Path) -> ox.RdfFormat:
    """The syntax of a file, from its extension (the one table: service/formats.py)."""
    try:
        fmt = formats.rdf_format(path.suffix or path.name).rdf
    except ParseError as exc:
        raise ConfigError(f"{path}: unknown RDF file extension {path.suffix!r}: {exc}") from None
    assert fmt is not None
    return fmt


def _bnode_prefix(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", label) or "f"


def parse_file(
    path: Path, graph: str, *, label: str | None = None, bnode_prefix: str | None = None
) -> LoadedFile:
    """Parse one file into `graph`; a syntax error becomes ParseError with file:line:column.

    Blank nodes are relabelled `<file>_<n>` in order of appearance: unique across files, and
    stable from build to build so the dataset's SHA-256 only changes when the data does.
    """
    shown = label or display_path(path)
    fmt = rdf_format(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read file: {exc.strerror or exc}") from None
    try:
        parsed = list(ox.parse(data, format=fmt, rename_blank_nodes=True))
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        column = exc.offset if isinstance(exc.offset, int) else None
        where = shown + (f":{line}" if line else "") + (f":{column}" if column else "")
        raise ParseError(
            f"{where}: malformed {fmt.name}: {exc.msg}", path=shown, line=line, column=column
        ) from None
    except (ValueError, OSError) as exc:
        raise ParseError(f"{shown}: cannot parse as {fmt.name}: {exc}", path=shown) from None

    name = ox.NamedNode(graph)
    prefix = _bnode_prefix(bnode_prefix or Path(shown).stem)
    bnodes: dict[str, ox.BlankNode] = {}

    def relabel(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(term, ox.BlankNode):
            new = bnodes.get(term.value)
            if new is None:
                new = bnodes[term.value] = ox.BlankNode(f"{prefix}_{len(bnodes) + 1}")
            return new
        return term

    quads = [
        ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), name)  # type: ignore[arg-type]
        for q in parsed
    ]
    return LoadedFile(path=path, label=shown, graph=name, quads=quads)


def load_project(settings: Settings) -> list[LoadedFile]:
    """Parse every project Turtle file separately, each into its own named graph."""
    return [parse_file(p, graph_name_for(p, settings)) for p in project_files(settings)]


def to_store(files: Iterable[LoadedFile]) -> ox.Store:
    """An in-memory store holding every file's named graph (for SPARQL over the union)."""
    store = ox.Store()
    for f in files:
        store.bulk_extend(f.quads)
    return store


def rdflib_term(term: object) -> URIRef | BNode | Literal:
    """The rdflib term for a pyoxigraph term (plain strings stay untyped, as rdflib parses them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:  # rdflib's parser leaves plain strings untyped; match it
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise ParseError(f"unsupported RDF term {term!r} (RDF 1.2 triple terms are not supported)")


def to_rdflib(files: Sequence[LoadedFile], graph: Graph | None = None) -> Graph:
    """Merge the given files' triples into one rdflib Graph (what pySHACL validates)."""
    target = graph if graph is not None else Graph()
    for prefix, namespace in PREFIXES.items():  # for SPARQL constraints that omit sh:prefixes
        target.bind(prefix, namespace, override=True, replace=True)
    for f in files:
        for q in f.quads:
            target.add(
                (
                    rdflib_term(q.subject),
                    rdflib_term(q.predicate),
                    rdflib_term(q.object),
                )
            )
    return target
