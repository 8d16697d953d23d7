"""Dataset description (VoID + DCAT), computed from the store.

``compute_stats`` is a read task (service/query/executor.py): the executor caches its answer at
the store's generation, so a write (even one that keeps the triple count) is seen at once.
Host-dependent IRIs (endpoint, download URLs) are filled in per request from the served base.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from service.query.dumps import DUMPS
from service.store.base import SelectResult, Store
from service.vocab import BASE, PREFIXES

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FOAF = "http://xmlns.com/foaf/0.1/"

#: The dataset's own IRI, in the canonical namespace; /.well-known/void#dataset on this host.
DATASET_IRI = BASE + ".well-known/void#dataset"

#: External datasets the graph links to: (name, title, homepage, IRI prefixes of link targets).
LINK_TARGETS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "legislation",
        "legislation.gov.uk",
        "https://www.legislation.gov.uk/",
        ("http://www.legislation.gov.uk/", "https://www.legislation.gov.uk/"),
    ),
    (
        "caselaw",
        "Find Case Law (The National Archives)",
        "https://caselaw.nationalarchives.gov.uk/",
        ("https://caselaw.nationalarchives.gov.uk/", "http://caselaw.nationalarchives.gov.uk/"),
    ),
)


def _select(store: Store, sparql: str) -> list[tuple[object, ...]]:
    result = store.query(sparql)
    assert isinstance(result, SelectResult)
    return [tuple(r) for r in result]


def _int(term: object) -> int:
    return int(term.value) if isinstance(term, ox.Literal) else 0


@dataclass(frozen=True)
class Stats:
    """Host-independent statistics of the dataset."""

    quads: int
    graphs: list[tuple[str, int]]
    classes: list[tuple[str, int]]
    properties: list[tuple[str, int]]
    subjects: int
    objects: int
    entities: int
    examples: list[str]
    vocabularies: list[str]
    linksets: list[tuple[str, int, list[str]]]  # (name, links, link predicates)


def _counts(store: Store, sparql: str) -> list[tuple[str, int]]:
    """(IRI, count) rows of a grouped count, IRIs only."""
    return [(k.value, _int(n)) for k, n in _select(store, sparql) if isinstance(k, ox.NamedNode)]


def _examples(store: Store) -> list[str]:
    rows = _select(
        store,
        "PREFIX cpkg: <https://w3id.org/cpkg/def#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?s WHERE { VALUES ?c { cpkg:Finding cpkg:Inspection "
        "cpkg:Recommendation cpkg:Conflict cpkg:PoliceForce } ?s a ?t . "
        "?t rdfs:subClassOf* ?c } ORDER BY ?s LIMIT 5",
    )
    return [s.value for (s,) in rows if isinstance(s, ox.NamedNode)]


def _linksets(store: Store) -> list[tuple[str, int, list[str]]]:
    """Links to each external dataset: (name, links, link predicates)."""
    linksets = []
    for name, _, _, prefixes in LINK_TARGETS:
        cond = " || ".join(f'STRSTARTS(STR(?o), "{p}")' for p in prefixes)
        rows = _counts(
            store,
            f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?o) && ({cond})) }} "
            "GROUP BY ?p ORDER BY ?p",
        )
        linksets.append((name, sum(n for _, n in rows), [p for p, _ in rows]))
    return linksets


def compute_stats(store: Store) -> Stats:
    """All the VoID numbers, by SPARQL (the total by the store's own count). A read task."""
    graphs = _counts(
        store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    classes = _counts(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
    )
    properties = _counts(
        store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"
    )
    ((subjects, objects),) = _select(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) WHERE { ?s ?p ?o }"
    )
    ((entities,),) = _select(
        store,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }}',
    )
    used = {iri for iri, _ in classes} | {iri for iri, _ in properties}
    vocabularies = sorted(
        ns
        for prefix, ns in PREFIXES.items()
        if prefix not in ("cpr", "cpgraph") and any(u.startswith(ns) for u in used)
    )
    return Stats(
        store.triple_count(),
        graphs,
        classes,
        properties,
        _int(subjects),
        _int(objects),
        _int(entities),
        _examples(store),
        vocabularies,
        _linksets(store),
    )


class _Triples:
    """Collects VoID/DCAT triples: ``add(s, p, o)`` with plain IRIs, ints and strings."""

    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str | int) -> None:
        if isinstance(o, str):
            o = ox.NamedNode(o)
        elif isinstance(o, int):
            o = ox.Literal(str(o), datatype=ox.NamedNode(XSD + "integer"))
        self.triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o))


def _text(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def void_triples(stats: Stats, site: str) -> list[ox.Triple]:
    """VoID and DCAT for the dataset; ``site`` is the base URL serving it (ends in '/')."""
    out = _Triples()
    _describe_dataset(out, stats, site)
    _partitions(out, stats)
    _links(out, stats)
    _distributions(out, site)
    return out.triples


def _describe_dataset(out: _Triples, stats: Stats, site: str) -> None:
    ds, add = DATASET_IRI, out.add
    add(site + ".well-known/void", RDF + "type", VOID + "DatasetDescription")
    add(site + ".well-known/void", FOAF + "primaryTopic", ds)
    add(ds, RDF + "type", VOID + "Dataset")
    add(ds, RDF + "type", DCAT + "Dataset")
    add(ds, DCT + "title", _text("cpkg: police child-protection failures and accountability", "en"))
    description = (
        "A validated knowledge graph of police child-protection failures (Metropolitan Police "
        "Service; HMIC inspections): findings, officials, posts, legal duties, statutes, case "
        "law, remedies, recommendations and deadlines, every claim tied to a verbatim quote."
    )
    add(ds, DCT + "description", _text(description, "en"))
    add(ds, DCT + "license", "https://creativecommons.org/licenses/by/4.0/")
    add(ds, DCAT + "landingPage", site)
    add(ds, VOID + "uriSpace", _text(BASE + "id/"))
    add(ds, VOID + "sparqlEndpoint", site + "sparql")
    for prop, value in (
        ("triples", stats.quads),
        ("distinctSubjects", stats.subjects),
        ("distinctObjects", stats.objects),
        ("entities", stats.entities),
        ("classes", len(stats.classes)),
        ("properties", len(stats.properties)),
    ):
        add(ds, VOID + prop, value)
    add(ds, VOID + "rootResource", BASE + "def")
    for v in stats.vocabularies:
        add(ds, VOID + "vocabulary", v)
    for e in stats.examples:
        add(ds, VOID + "exampleResource", e)


def _partitions(out: _Triples, stats: Stats) -> None:
    """Class and property partitions, and one subset per named graph."""
    ds, add = DATASET_IRI, out.add
    for kind, rows, count in (
        ("class", stats.classes, "entities"),
        ("property", stats.properties, "triples"),
    ):
        for i, (iri, n) in enumerate(rows):
            part = f"{DATASET_IRI}-{kind}-{i}"
            add(ds, VOID + f"{kind}Partition", part)
            add(part, VOID + kind, iri)
            add(part, VOID + count, n)
    for g, n in stats.graphs:
        sub = f"{DATASET_IRI}-graph-{g.rsplit('/', 1)[-1]}"
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", VOID + "Dataset")
        add(sub, "http://www.w3.org/ns/sparql-service-description#name", g)
        add(sub, VOID + "triples", n)


def _links(out: _Triples, stats: Stats) -> None:
    """A linkset per external dataset the graph links to."""
    ds, add = DATASET_IRI, out.add
    by_name = {name: (title, home) for name, title, home, _ in LINK_TARGETS}
    for name, n, preds in stats.linksets:
        title, home = by_name[name]
        add(home, RDF + "type", VOID + "Dataset")
        add(home, DCT + "title", _text(title))
        add(home, FOAF + "homepage", home)
        ls = f"{DATASET_IRI}-links-{name}"
        add(ds, VOID + "subset", ls)
        add(ls, RDF + "type", VOID + "Linkset")
        add(ls, VOID + "subjectsTarget", ds)
        add(ls, VOID + "objectsTarget", home)
        add(ls, VOID + "target", ds)
        add(ls, VOID + "target", home)
        add(ls, VOID + "triples", n)
        for p in preds:
            add(ls, VOID + "linkPredicate", p)


def _distributions(out: _Triples, site: str) -> None:
    """The dumps and the SPARQL endpoint as DCAT distributions."""
    ds, add = DATASET_IRI, out.add
    for name, (fmt, desc) in DUMPS.items():
        url = site + "dumps/" + name
        dist = f"{DATASET_IRI}-dump-{name.rsplit('.', 1)[-1]}"
        add(ds, VOID + "dataDump", url)
        add(ds, DCAT + "distribution", dist)
        add(dist, RDF + "type", DCAT + "Distribution")
        add(dist, DCT + "title", _text(name))
        add(dist, DCT + "description", _text(desc, "en"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(
            dist,
            DCAT + "mediaType",
            "https://www.iana.org/assignments/media-types/" + fmt.media_type,
        )
        add(dist, DCT + "format", _text(fmt.media_type))
    svc, api = site + "sparql", f"{DATASET_IRI}-sparql"
    add(ds, DCAT + "distribution", api)
    add(api, RDF + "type", DCAT + "Distribution")
    add(api, DCT + "title", _text("SPARQL 1.1 endpoint"))
    add(api, DCAT + "accessURL", svc)
    add(api, DCAT + "accessService", svc)
    add(svc, RDF + "type", DCAT + "DataService")
    add(svc, DCAT + "endpointURL", svc)
    add(svc, DCAT + "servesDataset", ds)
    add(svc, DCT + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
