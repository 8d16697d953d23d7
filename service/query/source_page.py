"""What a source document's page says about it: kind, publisher, date and address where the
source states them (or where the graph infers them, marked so), and every quote taken from it,
in document order, with the sentence before and after it.

The context comes from the build (service/build/quote_context.py: ``oa:start``/``oa:end``,
``oa:prefix``/``oa:suffix``), so the page never needs the source text itself. A read task.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from service.query.labels import labels, local_name
from service.store.base import SelectResult, Store
from service.vocab import PREFIXES

P = PREFIXES
#: (property, heading) of the facts a reader needs to judge a source, in display order.
FACTS = (
    (P["cpkg"] + "documentType", "Kind"),
    (P["dcterms"] + "publisher", "Publisher"),
    (P["dcterms"] + "creator", "Author"),
    (P["dcterms"] + "contributor", "Contributor"),
    (P["dcterms"] + "date", "Date"),
    (P["schema"] + "url", "Original address"),
    (P["foaf"] + "page", "Original address"),
    (P["dcterms"] + "language", "Language"),
    (P["cpkg"] + "fileName", "File"),
)

FACTS_QUERY = f"""
PREFIX cpkg: <{P["cpkg"]}>
PREFIX rdf: <{P["rdf"]}>
SELECT ?p ?v ?status WHERE {{
  VALUES ?p {{ {" ".join(f"<{p}>" for p, _ in FACTS)} }}
  <SOURCE> ?p ?v .
  OPTIONAL {{ ?c a cpkg:Claim ; rdf:subject <SOURCE> ; rdf:predicate ?p ; rdf:object ?v ;
              cpkg:epistemicStatus ?status FILTER(?status != cpkg:Stated) }}
}}
"""

QUOTES_QUERY = f"""
PREFIX cpkg: <{P["cpkg"]}>
PREFIX oa: <{P["oa"]}>
SELECT ?exact ?prefix ?suffix ?start ?r ?supports WHERE {{
  ?e oa:hasSource <SOURCE> ; oa:hasSelector ?sel .
  ?sel oa:exact ?exact .
  OPTIONAL {{ ?sel oa:prefix ?prefix }} OPTIONAL {{ ?sel oa:suffix ?suffix }}
  OPTIONAL {{ ?sel oa:start ?start }}
  OPTIONAL {{ ?r cpkg:evidence ?e FILTER(isIRI(?r)) }}
  OPTIONAL {{ ?e cpkg:supports ?supports }}
}}
"""


@dataclass(frozen=True)
class Fact:
    heading: str
    value: str  # an IRI or a literal's text
    is_iri: bool
    label: str
    status: str  # "stated", or how the graph knows it ("inferred", ...)


@dataclass
class QuoteInContext:
    """One passage quoted from the source, with the text around it and who cites it."""

    quote: str
    prefix: str
    suffix: str
    start: int | None
    cited_by: list[tuple[str, str]] = field(default_factory=list)  # (IRI, label)
    supports: list[str] = field(default_factory=list)  # compact property names


@dataclass
class SourceSummary:
    iri: str
    facts: list[Fact]
    missing: list[str]  # headings the source does not state (e.g. "Original address")
    quotes: list[QuoteInContext]


def source_summary(view: Store, iri: str) -> SourceSummary:
    """The summary and the quotes in context of source document ``iri`` (a read task)."""
    facts_rows = _select(view, FACTS_QUERY.replace("SOURCE", iri))
    quote_rows = _select(view, QUOTES_QUERY.replace("SOURCE", iri))
    names = labels(
        view,
        {r["v"] for r in facts_rows if r["v:iri"]} | {r["r"] for r in quote_rows if r["r"]},
    )
    headings = dict(FACTS)
    order = {h: i for i, h in enumerate(dict.fromkeys(headings.values()))}
    facts = sorted(
        (
            Fact(
                headings[r["p"]],
                r["v"],
                bool(r["v:iri"]),
                names.get(r["v"]) or (local_name(r["v"]) if r["v:iri"] else r["v"]),
                _status(r["status"]),
            )
            for r in facts_rows
        ),
        key=lambda f: (order[f.heading], f.label),
    )
    stated = {f.heading for f in facts}
    missing = [h for h in order if h not in stated]
    return SourceSummary(iri, _dedupe(facts), missing, _quotes(quote_rows, names))


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in facts:
        if (f.heading, f.value) not in seen:
            seen.add((f.heading, f.value))
            out.append(f)
    return out


def _quotes(rows: list[dict[str, str]], names: dict[str, str]) -> list[QuoteInContext]:
    by_passage: dict[tuple[str, str], QuoteInContext] = {}
    for r in rows:
        key = (r["start"], r["exact"])
        q = by_passage.get(key)
        if q is None:
            start = int(r["start"]) if r["start"].isdigit() else None
            q = by_passage[key] = QuoteInContext(r["exact"], r["prefix"], r["suffix"], start)
        if r["r"] and all(r["r"] != i for i, _ in q.cited_by):
            q.cited_by.append((r["r"], names.get(r["r"]) or local_name(r["r"])))
        if r["supports"]:
            name = local_name(r["supports"])
            if name not in q.supports:
                q.supports.append(name)
    quotes = list(by_passage.values())
    for q in quotes:
        q.cited_by.sort(key=lambda c: c[1].lower())
    quotes.sort(key=lambda q: (q.start is None, q.start or 0, q.quote))
    return quotes


def _status(iri: str) -> str:
    if not iri:
        return "stated"
    name = local_name(iri)
    return "background knowledge" if name == "BackgroundKnowledge" else name.lower()


def _select(view: Store, query: str) -> list[dict[str, str]]:
    result = view.query(query)
    assert isinstance(result, SelectResult)
    rows = []
    for row in result:
        d: dict[str, str] = {}
        for name, term in zip(result.variables, row, strict=True):
            d[name] = str(getattr(term, "value", "")) if term is not None else ""
            d[name + ":iri"] = "1" if isinstance(term, ox.NamedNode) else ""
        rows.append(d)
    return rows
