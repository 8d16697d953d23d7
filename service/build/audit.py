"""Support audit: every assertion in graph/ is evidenced, editorial or a claim, and no quote is said
to support a figure it does not state.

Quote verification proves that each quote is in its source; it cannot tell whether the quote says
what the data claims it says. This audit closes that gap (docs/modelling.md, "Three kinds of
assertion"). Each triple of a graph/ file is one of:

- a claim: a cpkg:Claim with the same subject, predicate and object is Inferred or
  BackgroundKnowledge (its reasoning and authority are checked by the SHACL shapes);
- evidenced: a quote the resource cites lists the property in cpkg:supports (or a Stated
  cpkg:Claim of that very value cites one), and every year or number of the value is in them;
- editorial: the property is a cpkg:EditorialProperty, the curators' classification or wording.

Not audited, because they are the support record itself: the triples of evidence nodes, quote
selectors, claims and conflicts, the cpkg:evidence links, and a source document's cpkg:fileName and
cpkg:sha256 (the build checks those against the file). A blank node that is the value of an
assertion (a deadline instant, a sum of money) is part of that value: its figures are checked with
it. A Stated claim's own value must also be stated by the quotes it cites.

A triple holding a TODO marker (a placeholder `cpkg new`, `cpkg quote` or `cpkg source add`
wrote, contribute/markers.py) is none of these: it is reported as unfinished, with its line and
the hint written beside it, until the marker is replaced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from service.build.contribute.markers import is_marker
from service.build.figures import missing_figures, value_figures
from service.build.loading import XSD_STRING, LoadedFile
from service.build.locate import SourceLines
from service.vocab import CPKG, iri_text, sparql_prologue

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Triple = tuple[str, str, Term]  # (subject, predicate, object): how claims are looked up

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_OBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"
EVIDENCE = str(CPKG.evidence)
RECORD_PROPERTIES = frozenset({EVIDENCE, str(CPKG.fileName), str(CPKG.sha256)})
INFERRED, BACKGROUND, STATED = str(CPKG.Inferred), str(CPKG.BackgroundKnowledge), str(CPKG.Stated)

EDITORIAL_QUERY = sparql_prologue() + "SELECT DISTINCT ?p WHERE { ?p a cpkg:EditorialProperty }\n"

# Nodes of the support record: their own triples are not assertions about the world.
RECORD_NODES_QUERY = (
    sparql_prologue()
    + """SELECT DISTINCT ?n WHERE {
  VALUES ?record { cpkg:Evidence oa:TextQuoteSelector cpkg:Claim cpkg:Conflict }
  ?n a ?class . ?class rdfs:subClassOf* ?record }
"""
)

CLAIMS_QUERY = (
    sparql_prologue()
    + """SELECT ?c ?s ?p ?o ?status WHERE {
  ?c a cpkg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
     cpkg:epistemicStatus ?status }
"""
)

# Every quote cited by a resource (or a claim), for each property it is said to support.
SUPPORT_QUERY = (
    sparql_prologue()
    + """SELECT ?r ?p ?q WHERE {
  ?r cpkg:evidence ?e . ?e cpkg:supports ?p ; oa:hasSelector/oa:exact ?q }
"""
)


@dataclass(frozen=True)
class AuditProblem:
    """An assertion that is none of the three kinds, or a quote said to state what it does not."""

    kind: str  # "unexplained", "over-claimed" or "unfinished" (a TODO marker)
    subject: str
    predicate: str
    value: str
    file: str
    line: int | None
    problem: str
    fix: str

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.kind}: {self.subject} {self.predicate} {self.value}\n"
            f"  problem: {self.problem}\n  fix: {self.fix}"
        )


@dataclass
class AuditReport:
    """How many assertions are of each kind, and every problem found."""

    evidenced: int = 0
    editorial: int = 0
    inferred: int = 0
    background: int = 0
    record_triples: int = 0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def claims(self) -> int:
        return self.inferred + self.background

    @property
    def unexplained(self) -> int:
        return sum(1 for p in self.problems if p.kind == "unexplained")

    @property
    def over_claimed(self) -> int:
        return sum(1 for p in self.problems if p.kind == "over-claimed")

    @property
    def unfinished(self) -> int:
        """TODO markers left in place (not assertions: they stand where one belongs)."""
        return sum(1 for p in self.problems if p.kind == "unfinished")

    @property
    def total(self) -> int:
        return self.evidenced + self.editorial + self.claims + self.unexplained

    def as_dict(self) -> dict[str, object]:
        """The counts stats.json reports under "assertions"."""
        return {
            "total": self.total,
            "evidenced": self.evidenced,
            "editorial": self.editorial,
            "claims": {
                "total": self.claims,
                "inferred": self.inferred,
                "background_knowledge": self.background,
            },
            "unexplained": self.unexplained,
            "over_claimed": self.over_claimed,
            "support_record_triples": self.record_triples,
        }

    def summary(self) -> str:
        return (
            f"assertions: {self.total} (evidenced {self.evidenced}, editorial {self.editorial}, "
            f"claims {self.claims}: inferred {self.inferred}, background knowledge "
            f"{self.background}); unexplained {self.unexplained}, over-claimed {self.over_claimed}"
            + (f", TODO markers {self.unfinished}" if self.unfinished else "")
        )


def show(term: Term) -> str:
    """A term as people read it in messages: cpr:x, 'text'@en, '2016'^^xsd:gYear."""
    if isinstance(term, ox.NamedNode):
        return iri_text(term.value)
    if not isinstance(term, ox.Literal):
        return "[blank-node value]" if isinstance(term, ox.BlankNode) else str(term)
    text = term.value if len(term.value) <= 120 else term.value[:117] + "..."
    if term.language:
        return f"{text!r}@{term.language}"
    if term.datatype.value == XSD_STRING:
        return repr(text)
    return f"{text!r}^^{iri_text(term.datatype.value)}"


@dataclass
class _Index:
    """What the audit looks up, read once from the whole project (ontology and graph)."""

    editorial: set[str]
    records: set[Term]
    statuses: dict[Triple, set[str]]  # claimed (s, p, o) -> epistemic statuses
    stated_claims: dict[Triple, list[str]]  # (s, p, o) of Stated claims -> the claims' IRIs
    claim_of: dict[str, tuple[str, str]]  # claim IRI -> (its rdf:predicate, its status)
    quotes: dict[tuple[str, str], list[str]]  # (resource, property) -> quotes supporting it
    by_subject: dict[Term, list[ox.Quad]]


def _rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return result


def _value(term: object) -> str:
    return str(getattr(term, "value", term))


def _index(store: ox.Store, quads: Iterable[ox.Quad]) -> _Index:
    index = _Index(
        editorial={_value(row["p"]) for row in _rows(store, EDITORIAL_QUERY)},
        records={row["n"] for row in _rows(store, RECORD_NODES_QUERY)},
        statuses=defaultdict(set),
        stated_claims=defaultdict(list),
        claim_of={},
        quotes=defaultdict(list),
        by_subject=defaultdict(list),
    )
    for row in _rows(store, CLAIMS_QUERY):
        claim, predicate, status = _value(row["c"]), _value(row["p"]), _value(row["status"])
        key = (_value(row["s"]), predicate, row["o"])
        index.statuses[key].add(status)
        index.claim_of[claim] = (predicate, status)
        if status == STATED:
            index.stated_claims[key].append(claim)
    for row in _rows(store, SUPPORT_QUERY):
        index.quotes[(_value(row["r"]), _value(row["p"]))].append(_value(row["q"]))
    for quad in quads:
        index.by_subject[quad.subject].append(quad)
    return index


def _figures_of(term: Term, index: _Index, seen: frozenset[Term] = frozenset()) -> set[Decimal]:
    """The figures of a value; for a blank node, those of every literal inside it."""
    if isinstance(term, ox.Literal):
        return value_figures(term.value, None if term.language else term.datatype.value)
    if not isinstance(term, ox.BlankNode) or term in seen:
        return set()
    figures: set[Decimal] = set()
    for quad in index.by_subject.get(term, []):
        figures |= _figures_of(quad.object, index, seen | {term})
    return figures


@dataclass
class _Auditor:
    """Classifies the assertions of the audited files one at a time."""

    index: _Index
    lines: SourceLines
    values: Mapping[tuple[str, str], list[Term]]  # every value of (resource, property)
    report: AuditReport = field(default_factory=AuditReport)

    def problem(self, kind: str, quad: ox.Quad, file: str, problem: str, fix: str) -> None:
        subject, predicate = quad.subject, quad.predicate.value
        self.report.problems.append(
            AuditProblem(
                kind=kind,
                subject=show(subject),
                predicate=iri_text(predicate),
                value=show(quad.object),
                file=file,
                line=self.lines.line(file, subject, predicate, quad.object),
                problem=problem,
                fix=fix,
            )
        )

    def unfinished(self, quad: ox.Quad, file: str) -> None:
        """A TODO marker (contribute/markers.py) where a value or resource belongs."""
        marker = quad.object if is_marker(quad.object) else quad.subject
        line = self.lines.line(file, quad.subject, quad.predicate.value, marker)
        text = self.lines.lines(file)[line - 1] if line else ""
        hint = text.rsplit("  # ", 1)[1].strip() if "  # " in text else ""
        named = self.lines.anchor(file, quad.subject)
        subject = show(quad.subject) if named is None or named == quad.subject else show(named)
        self.report.problems.append(
            AuditProblem(
                kind="unfinished",
                subject=subject,
                predicate=iri_text(quad.predicate.value),
                value=show(quad.object),
                file=file,
                line=line,
                problem=f"the TODO marker {show(marker)} has not been replaced",
                fix=f"replace it: {hint}" if hint else "replace it with the value it stands for",
            )
        )

    def assertion(self, quad: ox.Quad, file: str) -> None:
        """Count one assertion under its kind, or report it."""
        s, p, o = _value(quad.subject), quad.predicate.value, quad.object
        statuses = self.index.statuses.get((s, p, o), set())
        quotes = self.index.quotes.get((s, p))
        if quotes is not None:
            self._figures_stated(quad, file, quotes, "quote the resource cites")
            self._not_all_claimed(quad, file)
        stated = self.index.stated_claims.get((s, p, o), [])
        if INFERRED in statuses:
            self.report.inferred += 1
        elif BACKGROUND in statuses:
            self.report.background += 1
        elif quotes is not None:
            self.report.evidenced += 1
        elif stated:
            self.report.evidenced += 1
            cited = [q for c in stated for q in self.index.quotes.get((c, p), [])]
            self._figures_stated(quad, file, cited, "quote of the Stated claim")
        elif p in self.index.editorial:
            self.report.editorial += 1
        else:
            self._unexplained(quad, file)

    def stated_claim(self, quad: ox.Quad, file: str) -> None:
        """A Stated claim's value must be stated, figures included, by the quotes it cites."""
        predicate, status = self.index.claim_of.get(_value(quad.subject), ("", ""))
        if status != STATED:
            return
        quotes = self.index.quotes.get((_value(quad.subject), predicate))
        if quotes is None:
            self.problem(
                "over-claimed",
                quad,
                file,
                f"a Stated claim is a source's words, but none of its evidence lists "
                f"{iri_text(predicate)} in cpkg:supports",
                f"cite the quote that states it, with cpkg:supports {iri_text(predicate)}, or make "
                "the claim Inferred (with cpkg:reasoning) if no source states it",
            )
            return
        self._figures_stated(quad, file, quotes, f"quote the claim cites for {iri_text(predicate)}")

    def _unexplained(self, quad: ox.Quad, file: str) -> None:
        prop = iri_text(quad.predicate.value)
        self.problem(
            "unexplained",
            quad,
            file,
            "no quote the resource cites supports this property, no Inferred or "
            "BackgroundKnowledge cpkg:Claim describes this value, and the property is not a "
            "cpkg:EditorialProperty",
            f"cite a quote that states it (cpkg:evidence [ ... cpkg:supports {prop} ]), describe "
            "it with a cpkg:Claim (Inferred with cpkg:reasoning, or BackgroundKnowledge with "
            "cpkg:reasoning and dcterms:source), or remove it",
        )

    def _figures_stated(self, quad: ox.Quad, file: str, quotes: list[str], whose: str) -> None:
        missing = missing_figures(_figures_of(quad.object, self.index), quotes)
        if missing:
            shown = "; ".join(repr(q if len(q) <= 80 else q[:77] + "...") for q in quotes)
            self.problem(
                "over-claimed",
                quad,
                file,
                f"the value holds {', '.join(missing)}, which no {whose} states "
                f"({shown or 'no quote'})",
                "take the property out of that evidence's cpkg:supports and describe the value "
                "with a cpkg:Claim (or make it editorial), cite a quote that states the figure, "
                "or correct the value",
            )

    def _not_all_claimed(self, quad: ox.Quad, file: str) -> None:
        """No quote states a property all of whose values the data itself calls unstated."""
        key = (_value(quad.subject), quad.predicate.value)
        values = self.values.get(key, [])
        if not values or quad.object != values[0]:
            return  # reported once per (resource, property)
        unstated = {INFERRED, BACKGROUND}
        if all(self.index.statuses.get((*key, v), set()) & unstated for v in values):
            prop = iri_text(quad.predicate.value)
            self.problem(
                "over-claimed",
                quad,
                file,
                f"a quote is said to support {prop}, but every value of it is an Inferred or "
                "BackgroundKnowledge cpkg:Claim, i.e. no source states it",
                f"take {prop} out of the cpkg:supports of the resource's evidence (the claim "
                "carries the reasoning)",
            )


def audit_support(
    store: ox.Store, files: Sequence[LoadedFile], audited: Collection[str]
) -> AuditReport:
    """Classify every assertion of the files whose named graph is in `audited`.

    `store` holds every project file (ontology included) in its named graph; `files` are the same
    files, parsed. Problems name the resource, property, value, file and line.
    """
    index = _index(store, (q for f in files for q in f.quads))
    targets = [f for f in files if f.graph.value in audited]
    value_nodes = {
        q.object
        for f in targets
        for q in f.quads
        if isinstance(q.object, ox.BlankNode) and q.predicate.value != EVIDENCE
    }
    values: dict[tuple[str, str], list[Term]] = defaultdict(list)
    for f in targets:
        for q in f.quads:
            if not _is_record(q, index) and q.subject not in value_nodes:
                values[(_value(q.subject), q.predicate.value)].append(q.object)
    auditor = _Auditor(index, SourceLines(targets), values)
    for f in targets:
        for q in f.quads:
            if is_marker(q.object) or is_marker(q.subject):
                auditor.unfinished(q, f.label)
            elif _is_record(q, index):
                auditor.report.record_triples += 1
                if q.predicate.value == RDF_OBJECT:
                    auditor.stated_claim(q, f.label)
            elif q.subject not in value_nodes:
                auditor.assertion(q, f.label)
    auditor.report.problems.sort(key=lambda p: (p.file, p.line or 0, p.subject, p.predicate))
    return auditor.report


def _is_record(quad: ox.Quad, index: _Index) -> bool:
    return quad.subject in index.records or quad.predicate.value in RECORD_PROPERTIES
