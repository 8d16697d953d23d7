"""The chronology: every dated thing in the graph, in time order, each with its quote and source.

One query finds the dated things (events, reports and other publications, statements,
recommendation and action deadlines, status assessments dated by the report that made them,
source documents, Acts and judgments) with the property that dates them; a second finds, for each,
the quote behind that date (the evidence that supports the dating property, else the evidence of
a claim about it, else any quote of the resource); a third finds what each is about (two links
out), for the force, person and theme filters. A read task: plain data, links made by pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.query.labels import labels, local_name
from service.store.base import SelectResult, Store
from service.vocab import PREFIXES

P = PREFIXES
#: (kind, what the row says) in the order rows of one day are listed.
KINDS = {
    "law": "Act or judgment",
    "event": "Event",
    "report": "Report published",
    "statement": "Statement",
    "source": "Source document",
    "status": "Implementation status reported",
    "deadline": "Deadline",
}

DATED_QUERY = f"""
PREFIX cpkg: <{P["cpkg"]}>
PREFIX dcterms: <{P["dcterms"]}>
PREFIX prov: <{P["prov"]}>
PREFIX rdfs: <{P["rdfs"]}>
PREFIX time: <{P["time"]}>
SELECT DISTINCT ?item ?kind ?date ?prop ?detail WHERE {{
  {{ ?item a cpkg:Event ; dcterms:date ?date BIND("event" AS ?kind) BIND(dcterms:date AS ?prop) }}
  UNION {{ ?item dcterms:issued ?date BIND("report" AS ?kind) BIND(dcterms:issued AS ?prop) }}
  UNION {{ ?item a cpkg:Statement ; dcterms:date ?date
          BIND("statement" AS ?kind) BIND(dcterms:date AS ?prop) }}
  UNION {{ ?item a cpkg:SourceDocument ; dcterms:date ?date
          BIND("source" AS ?kind) BIND(dcterms:date AS ?prop) }}
  UNION {{ ?item a/rdfs:subClassOf* cpkg:LegalInstrument ; dcterms:date ?date
          BIND("law" AS ?kind) BIND(dcterms:date AS ?prop) }}
  UNION {{ ?item cpkg:deadline/time:inXSDDate ?date
          BIND("deadline" AS ?kind) BIND(cpkg:deadline AS ?prop) }}
  UNION {{ ?item a cpkg:StatusAssessment ; cpkg:implementationStatus ?st
          OPTIONAL {{ ?item cpkg:assessedIn ?insp . ?report prov:wasGeneratedBy ?insp ;
                                                  dcterms:issued ?date }}
          OPTIONAL {{ ?st <{P["skos"]}prefLabel> ?detail }}
          BIND("status" AS ?kind) BIND(cpkg:implementationStatus AS ?prop) }}
  FILTER(isIRI(?item))
}}
"""

_QUOTE = "?e oa:hasSource ?source ; oa:hasSelector/oa:exact ?quote"
_FILE = "OPTIONAL { ?source cpkg:fileName ?file }"
QUOTE_QUERY = f"""
PREFIX cpkg: <{P["cpkg"]}>
PREFIX dcterms: <{P["dcterms"]}>
PREFIX oa: <{P["oa"]}>
PREFIX rdf: <{P["rdf"]}>
SELECT ?item ?prop ?rank ?quote ?source ?file ?status ?reasoning ?authority WHERE {{
  {{ VALUES (?item ?prop) {{ PAIRS }}
     ?item cpkg:evidence ?e . ?e cpkg:supports ?prop BIND(1 AS ?rank) {_QUOTE} {_FILE} }}
  UNION {{ VALUES (?item ?prop) {{ PAIRS }}
          ?c a cpkg:Claim ; rdf:subject ?item ; rdf:predicate ?prop ; cpkg:epistemicStatus ?status
          OPTIONAL {{ ?c cpkg:reasoning ?reasoning }} OPTIONAL {{ ?c dcterms:source ?authority }}
          BIND(2 AS ?rank) }}
  UNION {{ VALUES (?item ?prop) {{ PAIRS }}
          ?c a cpkg:Claim ; rdf:subject ?item ; rdf:predicate ?prop ; cpkg:evidence ?e
          BIND(2 AS ?rank) {_QUOTE} {_FILE} }}
  UNION {{ VALUES (?item ?prop) {{ PAIRS }}
          ?item cpkg:evidence ?e BIND(3 AS ?rank) {_QUOTE} {_FILE} }}
}}
"""
# The pairs are named in every branch: with one VALUES outside the UNION, pyoxigraph evaluated
# each branch over the whole graph before joining (3.5 s for the project's timeline).

ABOUT_QUERY = f"""
PREFIX cpkg: <{P["cpkg"]}>
SELECT DISTINCT ?item ?r ?facet WHERE {{
  VALUES ?item {{ ITEMS }}
  {{ ?item ?p ?r }} UNION {{ ?item ?p ?x . ?x ?q ?r FILTER(isIRI(?x)) }}
  UNION {{ ?x ?p ?item . ?x ?q ?r FILTER(isIRI(?x)) }}
  {{ ?r a cpkg:PoliceForce BIND("force" AS ?facet) }}
  UNION {{ ?r a cpkg:Person BIND("person" AS ?facet) }}
  UNION {{ ?any cpkg:theme ?r BIND("theme" AS ?facet) }}
}}
"""


@dataclass(frozen=True)
class Row:
    """One dated thing: when, what, and the quote that says so."""

    date: str  # ISO 8601 as stated: a year, year-month or day; "" when undated
    kind: str
    iri: str
    label: str
    detail: str  # e.g. the status reported
    status: str  # "stated", or how the date is known ("inferred", "background knowledge")
    quote: str
    source: str
    source_label: str
    file: str
    about: tuple[str, ...]  # forces, people and themes it concerns
    reasoning: str = ""  # for a date that is a claim: why it is held
    authority: str = ""  # for background knowledge: where it can be checked


@dataclass
class Timeline:
    rows: list[Row]
    forces: list[tuple[str, str]] = field(default_factory=list)  # (IRI, label) filters
    persons: list[tuple[str, str]] = field(default_factory=list)
    themes: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0  # rows before filtering


def timeline(view: Store, force: str = "", person: str = "", theme: str = "") -> Timeline:
    """Every dated thing, oldest first, keeping those about ``force``, ``person`` and
    ``theme`` when given (IRIs). A read task."""
    dated = _select(view, DATED_QUERY)
    items: dict[tuple[str, str], dict[str, str]] = {}
    for r in dated:
        key = (r["item"], r["kind"])
        if key not in items or (r["date"] and not items[key]["date"]):
            items[key] = r
    quotes = _quotes(view, {(r["item"], r["prop"]) for r in items.values()})
    about, facets = _about(view, sorted({i for i, _ in items}))
    names = labels(
        view,
        {i for i, _ in items}
        | {q.quote[3] for q in quotes.values() if q.quote}
        | {i for f in facets.values() for i in f},
    )
    rows = []
    for (iri, kind), r in items.items():
        dating = quotes.get((iri, r["prop"])) or _Dating()
        quote, source, file = dating.quote[2:] if dating.quote else ("", "", "")
        rows.append(
            Row(
                date=r["date"],
                kind=kind,
                iri=iri,
                label=names.get(iri) or local_name(iri),
                detail=r["detail"],
                status=dating.status,
                quote=quote,
                source=source,
                source_label=names.get(source, "") if source else "",
                file=file,
                about=tuple(sorted(about.get(iri, ()))),
                reasoning=dating.reasoning,
                authority=dating.authority,
            )
        )
    order = list(KINDS)
    rows.sort(key=lambda x: (x.date == "", x.date, order.index(x.kind), x.label))
    wanted = [w for w in (force, person, theme) if w]
    kept = [x for x in rows if all(w in x.about for w in wanted)]

    def options(facet: str) -> list[tuple[str, str]]:
        return sorted(
            ((i, names.get(i) or local_name(i)) for i in facets.get(facet, set())),
            key=lambda o: o[1].lower(),
        )

    return Timeline(kept, options("force"), options("person"), options("theme"), len(rows))


def _text(term: object) -> str:
    return str(getattr(term, "value", "")) if term is not None else ""


def _select(view: Store, query: str) -> list[dict[str, str]]:
    result = view.query(query)
    assert isinstance(result, SelectResult)
    return [{v: _text(t) for v, t in zip(result.variables, row, strict=True)} for row in result]


def _status(iri: str) -> str:
    name = local_name(iri)
    return {"BackgroundKnowledge": "background knowledge"}.get(name, name.lower())


@dataclass
class _Dating:
    """What the graph says about one (item, dating property) while collecting it."""

    quote: tuple[int, int, str, str, str] | None = None  # (rank, length, quote, source, file)
    status: str = "stated"
    reasoning: str = ""
    authority: str = ""


def _quotes(view: Store, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], _Dating]:
    """(item, property) -> the best quote behind the date, and how the date is known."""
    if not pairs:
        return {}
    values = " ".join(f"(<{i}> <{p}>)" for i, p in sorted(pairs))
    found = {key: _Dating() for key in pairs}
    for r in _select(view, QUOTE_QUERY.replace("PAIRS", values)):
        d = found.setdefault((r["item"], r["prop"]), _Dating())
        if r["status"] and not r["status"].endswith("Stated"):
            d.status = _status(r["status"])
            d.reasoning = r["reasoning"] or d.reasoning
            d.authority = r["authority"] or d.authority
        if r["quote"]:
            candidate = (int(r["rank"] or 3), len(r["quote"]), r["quote"], r["source"], r["file"])
            if d.quote is None or candidate[:2] < d.quote[:2]:
                d.quote = candidate
    return found


def _about(view: Store, items: list[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What each item concerns (forces, people, themes), and every such thing by facet."""
    about: dict[str, set[str]] = {}
    facets: dict[str, set[str]] = {}
    for start in range(0, len(items), 200):
        block = " ".join(f"<{i}>" for i in items[start : start + 200])
        for r in _select(view, ABOUT_QUERY.replace("ITEMS", block)):
            if not r["r"]:
                continue
            about.setdefault(r["item"], set()).add(r["r"])
            facets.setdefault(r["facet"], set()).add(r["r"])
    return about, facets
