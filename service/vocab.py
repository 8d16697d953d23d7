"""Namespaces and prefixes, declared once for code, queries, serializers and the query UI.

A test checks that every Turtle file in ontology/ and graph/ binds these prefixes to the
same IRIs, so a prefix means one thing everywhere in the project.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeVar

from pyoxigraph import NamedNode, Triple
from rdflib import Namespace

T = TypeVar("T")

BASE = "https://w3id.org/cpkg/"
CPKG = Namespace(BASE + "def#")  # the ontology (classes, properties, concept schemes)
CPR = Namespace(BASE + "id/")  # resources the graph mints
GRAPH = Namespace(BASE + "graph/")  # named graphs of the built dataset
SHAPES = Namespace(BASE + "shapes#")

ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("https://schema.org/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

# prefix -> namespace IRI, in the order they are shown to users.
PREFIXES: dict[str, str] = {
    "cpkg": str(CPKG),
    "cpr": str(CPR),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "time": str(TIME),
    "schema": str(SCHEMA),
    "eli": str(ELI),
    "foaf": str(FOAF),
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "cpgraph": str(GRAPH),
    "cpsh": str(SHAPES),
}


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for queries and the query UI."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


_LOCAL = re.compile(r"[A-Za-z0-9_\-](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_BY_NAMESPACE = {ns: prefix for prefix, ns in PREFIXES.items()}


@functools.lru_cache(maxsize=1 << 16)
def compact(iri: str) -> str:
    """``prefix:local`` for an IRI in a project namespace, when the local part is a valid
    prefixed-name local part in SPARQL, Turtle and JSON-LD (no '/' or '#'); else the IRI.

    Every namespace ends in '/' or '#', so the namespace is what precedes the last of them: one
    dictionary lookup (dumps call this for every term)."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = _BY_NAMESPACE.get(iri[:cut])
    if prefix is not None and _LOCAL.fullmatch(iri, cut):
        return f"{prefix}:{iri[cut:]}"
    return iri


def iri_text(iri: str) -> str:
    """An IRI as messages and reports show it: compacted, else in angle brackets."""
    short = compact(iri)
    return short if short != iri else f"<{iri}>"


_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`"))


def slug(text: str, max_length: int = 60) -> str:
    """A local name for ``text``: ASCII, lower case, words joined by '-', cut at a word boundary
    to at most ``max_length`` characters ("Met’s custody failings" -> "mets-custody-failings")."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    words = re.findall(r"[a-z0-9]+", ascii_text.encode("ascii", "ignore").decode().lower())
    out = ""
    for word in words:
        longer = f"{out}-{word}" if out else word
        if len(longer) > max_length:
            break
        out = longer
    return out or (words[0][:max_length] if words else "")


def mint(kind: str, name: str) -> str:
    """The IRI the graph mints for a new resource, ``cpr:<kind>-<slug>`` (docs/modelling.md):
    mint("finding", "2024: custody overnight") is cpr:finding-2024-custody-overnight. ``name``
    may already be a slug; a name with no letters or digits is a ValueError."""
    local = slug(name)
    if not local:
        raise ValueError(f"{name!r} has no letters or digits to make an IRI from")
    return f"{CPR}{slug(kind)}-{local}"


def rewrite_iris(triples: Iterable[Triple], base: str) -> Iterator[Triple]:
    """The triples with canonical IRIs (``https://w3id.org/cpkg/...``) moved to ``base`` (the
    host that serves them), for RDF served with CPKG_REWRITE_RDF_IRIS."""

    def moved(term: T) -> T:
        if isinstance(term, NamedNode) and term.value.startswith(BASE):
            return NamedNode(base + term.value[len(BASE) :])  # type: ignore[return-value]
        return term

    for t in triples:
        yield Triple(moved(t.subject), moved(t.predicate), moved(t.object))
