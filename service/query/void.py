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


def compute_stats(store: Store) -> Stats:
    """All the VoID numbers, by SPARQL (the total by the store's own count)."""
    graphs = [
        (g.value, _int(n))
        for g, n in _select(
            store,
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        )
        if isinstance(g, ox.NamedNode)
    ]
    classes = [
        (c.value, _int(n))
        for c, n in _select(
            store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
        )
        if isinstance(c, ox.NamedNode)
    ]
    properties = [
        (p.value, _int(n))
        for p, n in _select(
            store,
            "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p",
        )
        if isinstance(p, ox.NamedNode)
    ]
    ((subjects, objects),) = [
        (_int(a), _int(b))
        for a, b in _select(
            store,
            "SELECT (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) WHERE { ?s ?p ?o }",
        )
    ]
    ((entities,),) = [
        (_int(a),)
        for (a,) in _select(
            store,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }}',
        )
    ]
    examples = [
        s.value
        for (s,) in _select(
            store,
            "PREFIX cpkg: <https://w3id.org/cpkg/def#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT DISTINCT ?s WHERE { VALUES ?c { cpkg:Finding cpkg:Inspection "
            "cpkg:Recommendation cpkg:Conflict cpkg:PoliceForce } ?s a ?t . "
            "?t rdfs:subClassOf* ?c } ORDER BY ?s LIMIT 5",
        )
        if isinstance(s, ox.NamedNode)
    ]
    used = {iri for iri, _ in classes} | {iri for iri, _ in properties}
    vocabularies = sorted(
        ns
        for prefix, ns in PREFIXES.items()
        if prefix not in ("cpr", "cpgraph") and any(u.startswith(ns) for u in used)
    )
    linksets = []
    for name, _, _, prefixes in LINK_TARGETS:
        cond = " || ".join(f'STRSTARTS(STR(?o), "{p}")' for p in prefixes)
        rows = _select(
            store,
            f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?o) && ({cond})) }} "
            "GROUP BY ?p ORDER BY ?p",
        )
        preds = [p.value for p, _ in rows if isinstance(p, ox.NamedNode)]
        linksets.append((name, sum(_int(n) for _, n in rows), preds))
    return Stats(
        store.triple_count(),
        graphs,
        classes,
        properties,
        subjects,
        objects,
        entities,
        examples,
        vocabularies,
        linksets,
    )


def void_triples(stats: Stats, site: str) -> list[ox.Triple]:
    """VoID and DCAT for the dataset; ``site`` is the base URL serving it (ends in '/')."""
    T_: list[ox.Triple] = []
    N = ox.NamedNode

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        T_.append(ox.Triple(s, N(p), o))

    def lit(v: object) -> ox.Literal:
        if isinstance(v, int):
            return ox.Literal(str(v), datatype=N(XSD + "integer"))
        return ox.Literal(str(v))

    def en(v: str) -> ox.Literal:
        return ox.Literal(v, language="en")

    ds = N(DATASET_IRI)
    doc = N(site + ".well-known/void")
    add(doc, RDF + "type", N(VOID + "DatasetDescription"))
    add(doc, FOAF + "primaryTopic", ds)
    add(ds, RDF + "type", N(VOID + "Dataset"))
    add(ds, RDF + "type", N(DCAT + "Dataset"))
    add(ds, DCT + "title", en("cpkg: police child-protection failures and accountability"))
    add(
        ds,
        DCT + "description",
        en(
            "A validated knowledge graph of police child-protection failures (Metropolitan Police "
            "Service; HMIC inspections): findings, officials, posts, legal duties, statutes, case "
            "law, remedies, recommendations and deadlines, every claim tied to a verbatim quote."
        ),
    )
    add(ds, DCT + "license", N("https://creativecommons.org/licenses/by/4.0/"))
    add(ds, DCAT + "landingPage", N(site))
    add(ds, VOID + "uriSpace", lit(BASE + "id/"))
    add(ds, VOID + "sparqlEndpoint", N(site + "sparql"))
    add(ds, VOID + "triples", lit(stats.quads))
    add(ds, VOID + "distinctSubjects", lit(stats.subjects))
    add(ds, VOID + "distinctObjects", lit(stats.objects))
    add(ds, VOID + "entities", lit(stats.entities))
    add(ds, VOID + "classes", lit(len(stats.classes)))
    add(ds, VOID + "properties", lit(len(stats.properties)))
    add(ds, VOID + "rootResource", N(BASE + "def"))
    for v in stats.vocabularies:
        add(ds, VOID + "vocabulary", N(v))
    for e in stats.examples:
        add(ds, VOID + "exampleResource", N(e))
    for i, (cls, n) in enumerate(stats.classes):
        part = N(f"{DATASET_IRI}-class-{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", N(cls))
        add(part, VOID + "entities", lit(n))
    for i, (prop, n) in enumerate(stats.properties):
        part = N(f"{DATASET_IRI}-property-{i}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", N(prop))
        add(part, VOID + "triples", lit(n))
    for g, n in stats.graphs:
        sub = N(f"{DATASET_IRI}-graph-{g.rsplit('/', 1)[-1]}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", N(VOID + "Dataset"))
        add(sub, "http://www.w3.org/ns/sparql-service-description#name", N(g))
        add(sub, VOID + "triples", lit(n))
    by_name = {name: (title, home) for name, title, home, _ in LINK_TARGETS}
    for name, n, preds in stats.linksets:
        title, home = by_name[name]
        target = N(home)
        add(target, RDF + "type", N(VOID + "Dataset"))
        add(target, DCT + "title", lit(title))
        add(target, FOAF + "homepage", N(home))
        ls = N(f"{DATASET_IRI}-links-{name}")
        add(ds, VOID + "subset", ls)
        add(ls, RDF + "type", N(VOID + "Linkset"))
        add(ls, VOID + "subjectsTarget", ds)
        add(ls, VOID + "objectsTarget", target)
        add(ls, VOID + "target", ds)
        add(ls, VOID + "target", target)
        add(ls, VOID + "triples", lit(n))
        for p in preds:
            add(ls, VOID + "linkPredicate", N(p))
    for name, (fmt, desc) in DUMPS.items():
        media = fmt.media_type
        url = N(site + "dumps/" + name)
        dist = N(f"{DATASET_IRI}-dump-{name.rsplit('.', 1)[-1]}")
        add(ds, VOID + "dataDump", url)
        add(ds, DCAT + "distribution", dist)
        add(dist, RDF + "type", N(DCAT + "Distribution"))
        add(dist, DCT + "title", lit(name))
        add(dist, DCT + "description", en(desc))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCAT + "mediaType", N("https://www.iana.org/assignments/media-types/" + media))
        add(dist, DCT + "format", lit(media))
    svc = N(site + "sparql")
    api = N(f"{DATASET_IRI}-sparql")
    add(ds, DCAT + "distribution", api)
    add(api, RDF + "type", N(DCAT + "Distribution"))
    add(api, DCT + "title", lit("SPARQL 1.1 endpoint"))
    add(api, DCAT + "accessURL", svc)
    add(api, DCAT + "accessService", svc)
    add(svc, RDF + "type", N(DCAT + "DataService"))
    add(svc, DCAT + "endpointURL", svc)
    add(svc, DCAT + "servesDataset", ds)
    add(svc, DCT + "conformsTo", N("https://www.w3.org/TR/sparql11-protocol/"))
    return T_
