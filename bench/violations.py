"""Violations of every kind of constraint ontology/shapes.ttl uses, to add to synthetic data.

The synthetic graph (bench/generate.py) conforms; these N-Quads, in their own named graph
cpgraph:violations, break it on purpose: each line group targets one constraint component
(core or SPARQL) of a named shape, on resources of force block 0 (which exists at every size)
or on new resources. The equivalence tests and the benchmark use them so that the fast path
and pySHACL are compared on reports with results of every kind, not only on empty ones.

    python -m bench.violations --triples 10000 --out bench/scratch/data-10k-violations.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from bench.generate import (
    CPKG,
    CPR,
    DCT,
    ELI,
    LABEL,
    LEGISLATION,
    OA,
    ORG,
    RDF,
    TIME,
    A,
    Writer,
    generate,
    iri,
    lit,
)

B0 = "000000"  # tag of force block 0
OWN_SOURCE = iri(CPR, "source-000000")


def _core(w: Writer) -> None:
    """One group per core constraint component the shapes use."""
    # sh:class (property): a finding's responsible post is a person
    w.q(iri(CPR, f"finding-{B0}-0"), iri(CPKG, "responsiblePost"), iri(CPR, f"person-{B0}-0"))
    # sh:datatype (xsd:boolean) and sh:minInclusive (age -1)
    w.q(iri(CPR, f"person-{B0}-1"), iri(CPKG, "isAnonymous"), lit("yes"))
    w.q(iri(CPR, f"person-{B0}-2"), iri(CPKG, "ageAsDescribed"), lit("-1", dtype="integer"))
    # sh:maxInclusive (percentage 150) and sh:in (polarity) and sh:maxCount (second polarity)
    w.q(iri(CPR, f"finding-{B0}-1"), iri(CPKG, "percentage"), lit("150", dtype="decimal"))
    w.q(iri(CPR, f"finding-{B0}-1"), iri(CPKG, "polarity"), iri(CPKG, "Neutral"))
    # sh:node (theme must be a ThemeScheme concept): results with sh:detail
    w.q(iri(CPR, f"finding-{B0}-2"), iri(CPKG, "theme"), iri(CPKG, "Inadequate"))
    # sh:or of datatypes (attestedOn as a plain string) and sh:minLength (empty words)
    w.q(iri(CPR, f"holding-{B0}-0"), iri(CPKG, "attestedOn"), lit("November 2010"))
    w.q(iri(CPR, f"statement-{B0}-0"), iri(CPKG, "words"), lit(""))
    # sh:languageIn and sh:uniqueLang (labels of a minted resource)
    w.q(iri(CPR, f"org-force-{B0}"), LABEL, lit("Polizei", "de"))
    w.q(iri(CPR, f"post-{B0}-0"), LABEL, lit("Another name", "en"))
    # sh:pattern on values (sha256, fileName) and on a focus node (judgment IRI)
    bad_source = iri(CPR, "source-bad")
    w.q(bad_source, A, iri(CPKG, "SourceDocument"))
    w.q(bad_source, iri(CPKG, "fileName"), lit("dir/file.txt"))
    w.q(bad_source, iri(CPKG, "sha256"), lit("NOT-A-DIGEST"))
    w.q(bad_source, iri(DCT, "title"), lit("A source with a bad file name and digest"))
    judgment = "<https://caselaw.nationalarchives.gov.uk/uksc/2015>"
    w.resource(judgment, iri(CPKG, "Judgment"), "A judgment with a short IRI", OWN_SOURCE, [])
    # sh:minCount (a post holding without member or post) and sh:maxCount + sh:class
    holding = iri(CPR, "holding-incomplete")
    w.resource(holding, iri(CPKG, "PostHolding"), "An incomplete holding", OWN_SOURCE, [])
    w.q(iri(CPR, f"inspection-{B0}"), iri(CPKG, "conductedBy"), iri(CPR, f"org-force-{B0}"))
    # sh:nodeKind on a property (supports a literal) and on a focus node (a blank place)
    w.q(iri(CPR, f"claim-{B0}-0"), iri(RDF, "predicate"), lit("sampleSize"))
    place = w.bnode()
    w.q(place, A, iri(CPKG, "Place"))
    w.q(iri(CPR, f"statement-{B0}-1"), iri(CPKG, "about"), place)
    # sh:class on a node shape: an object of cpkg:evidence that is not a cpkg:Evidence
    w.q(iri(CPR, f"report-{B0}"), iri(CPKG, "evidence"), iri(CPR, f"person-{B0}-0"))
    # sh:datatype xsd:string with a language tag (quote of a new evidence node)
    ev, sel = w.bnode(), w.bnode()
    w.q(iri(CPR, f"recommendation-{B0}-0"), iri(CPKG, "evidence"), ev)
    w.q(ev, A, iri(CPKG, "Evidence"))
    w.q(ev, iri(OA, "hasSource"), OWN_SOURCE)
    w.q(ev, iri(OA, "hasSelector"), sel)
    w.q(sel, A, iri(OA, "TextQuoteSelector"))
    w.q(sel, iri(OA, "exact"), lit("a quote with a language tag", "en"))
    # sh:or at node level with sh:qualifiedValueShape members: an action plan nobody made
    plan = iri(CPR, "plan-orphan")
    w.resource(plan, iri(CPKG, "ActionPlan"), "An action plan nobody made", OWN_SOURCE, [])
    # sh:severity sh:Warning: a programme without inspections
    programme = iri(CPR, "programme-empty")
    w.resource(programme, iri(CPKG, "InspectionProgramme"), "An empty programme", OWN_SOURCE, [])
    # a minted resource with neither evidence nor a claim about it (sh:or on a SPARQL target)
    w.q(iri(CPR, "ungrounded"), A, "<https://schema.org/RadioSeries>")
    w.q(iri(CPR, "ungrounded"), LABEL, lit("An ungrounded series", "en"))
    # org:Post outside an organisation (sh:or of sh:class)
    w.q(iri(CPR, f"post-{B0}-2"), iri(ORG, "postIn"), iri(CPR, f"person-{B0}-1"))


def _sparql(w: Writer) -> None:
    """One group per SPARQL-based constraint of the shapes."""
    f3, f4, f5 = (iri(CPR, f"finding-{B0}-{k}") for k in (3, 4, 5))
    w.q(f3, iri(CPKG, "inspection"), iri(CPR, f"inspection-{B0}-follow-up"))  # two inspections
    finding = iri(CPR, "finding-unsourced")  # FindingCitesEvidence
    w.q(finding, A, iri(CPKG, "Finding"))
    w.q(finding, LABEL, lit("A finding without evidence", "en"))
    w.q(finding, iri(CPKG, "inspection"), iri(CPR, f"inspection-{B0}"))
    w.q(f4, iri(CPKG, "count"), lit("999", dtype="nonNegativeInteger"))  # count > total
    w.q(f5, iri(CPKG, "total"), lit("1", dtype="nonNegativeInteger"))
    statement = iri(CPR, "statement-silent")  # StatementHasSpeakerWordsSource
    w.resource(statement, iri(CPKG, "Statement"), "A statement nobody made", OWN_SOURCE, [])
    section = f"<{LEGISLATION}1989/1/section/99>"  # SectionPartOfItsAct
    w.resource(section, iri(CPKG, "StatuteSection"), "Section 99", OWN_SOURCE, [])
    w.q(section, iri(ELI, "is_part_of"), f"<{LEGISLATION}1990/2>")
    deadline = iri(CPR, f"deadline-{B0}-0")  # DeadlineIsOneDate
    w.q(deadline, iri(TIME, "inXSDDate"), lit("2011", dtype="gYear"))
    ev, sel = w.bnode(), w.bnode()  # EvidenceSourceIsDocument and EvidenceQuoteNotEmpty
    w.q(iri(CPR, f"finding-{B0}-6"), iri(CPKG, "evidence"), ev)
    w.q(ev, A, iri(CPKG, "Evidence"))
    w.q(ev, iri(OA, "hasSource"), iri(CPR, f"person-{B0}-0"))
    w.q(ev, iri(OA, "hasSelector"), sel)
    w.q(sel, A, iri(OA, "TextQuoteSelector"))
    w.q(sel, iri(OA, "exact"), lit(""))
    claim = iri(CPR, "claim-inferred")  # ClaimGrounded
    w.q(claim, A, iri(CPKG, "Claim"))
    w.q(claim, iri(RDF, "subject"), iri(CPR, f"inspection-{B0}"))
    w.q(claim, iri(RDF, "predicate"), iri(CPKG, "sampleSize"))
    w.q(claim, iri(RDF, "object"), lit("12", dtype="nonNegativeInteger"))
    w.q(claim, iri(CPKG, "epistemicStatus"), iri(CPKG, "Inferred"))
    conflict = iri(CPR, "conflict-agreeing")  # ConflictClaimsDisagree, ConflictCitesTwoPassages
    w.q(conflict, A, iri(CPKG, "Conflict"))
    w.q(conflict, LABEL, lit("Two claims that agree", "en"))
    for other in (claim, iri(CPR, f"claim-{B0}-0")):
        w.q(conflict, iri(CPKG, "conflictingClaim"), other)
    w.q(conflict, iri(CPKG, "conflictAspect"), iri(CPKG, "FigureConflict"))
    w.q(conflict, iri(DCT, "description"), lit("They do not disagree.", "en"))
    mention = iri(CPR, "mention-same")  # MisspellingHasDifferentCorrectForm
    w.resource(mention, iri(CPKG, "NameMention"), "A misspelling that is not", OWN_SOURCE, [])
    w.q(mention, iri(CPKG, "writtenAs"), lit("Smith"))
    w.q(mention, iri(CPKG, "refersTo"), iri(CPR, f"person-{B0}-0"))
    w.q(mention, iri(CPKG, "isMisspelling"), lit("true", dtype="boolean"))
    w.q(mention, iri(CPKG, "correctForm"), lit("Smith"))


def violations(seed: int = 7) -> list[str]:
    """N-Quads that break the synthetic graph in every way the shapes can detect."""
    w = Writer(random.Random(seed), [])
    w.bnodes = 10_000_000  # blank node labels clear of the generator's
    w.use("violations")
    _core(w)
    _sparql(w)
    return w.lines


def write(triples: int, out: Path, seed: int = 7) -> int:
    """Synthetic data of about `triples` quads plus the violations; returns the quad count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for lines in (generate(triples, seed), violations(seed)):
            for line in lines:
                f.write(line)
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(f"wrote {write(args.triples, args.out, args.seed)} quads to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
