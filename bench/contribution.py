"""A contribution of about 100 triples to the synthetic graph, for incremental validation.

New findings with evidence on an existing inspection, a claim about an existing finding, a
statement without words, a second label and a new type on existing resources, a source that
cites nothing: valid additions, violations, and triples that change what existing resources
must satisfy (targets, sh:class of referenced nodes, SPARQL constraints about other nodes).

    python -m bench.contribution --out bench/scratch/contribution.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from bench.generate import CPKG, CPR, DCT, LABEL, OA, RDF, A, Writer, iri, lit

B = "000001"  # force block 1 exists at every generated size


def _findings(w: Writer) -> None:
    """Three new findings on an existing inspection, each citing two passages."""
    source = iri(CPR, "source-000000")
    for k in range(3):
        f = iri(CPR, f"finding-new-{k}")
        w.q(f, A, iri(CPKG, "Finding"))
        w.q(f, LABEL, lit(f"New finding {k} on force {B}", "en"))
        w.q(f, iri(DCT, "description"), lit(w.sentence(12), "en"))
        w.q(f, iri(CPKG, "inspection"), iri(CPR, f"inspection-{B}"))
        w.q(f, iri(CPKG, "theme"), iri(CPKG, "ChildProtection"))
        w.q(f, iri(CPKG, "grade"), iri(CPKG, "Inadequate"))
        w.q(f, iri(CPKG, "recursIn"), iri(CPR, f"finding-{B}-{k}"))
        for _ in range(2):
            w.evidence(f, source, [iri(DCT, "description")], f"inspectors found {w.sentence(8)}")


def _edits(w: Writer) -> None:
    """Triples about existing resources: some break them, some change what depends on them."""
    finding = iri(CPR, f"finding-{B}-3")
    claim = iri(CPR, "claim-new")  # a claim about an existing finding (reaches it by ^rdf:subject)
    w.q(claim, A, iri(CPKG, "Claim"))
    w.q(claim, iri(RDF, "subject"), finding)
    w.q(claim, iri(RDF, "predicate"), iri(CPKG, "count"))
    w.q(claim, iri(RDF, "object"), lit("12", dtype="nonNegativeInteger"))
    w.q(claim, iri(CPKG, "epistemicStatus"), iri(CPKG, "Inferred"))  # no reasoning: violation
    w.q(claim, LABEL, lit("A claim on the count", "en"))
    statement = iri(CPR, "statement-new")  # no words: a SPARQL constraint fires
    w.q(statement, A, iri(CPKG, "Statement"))
    w.q(statement, LABEL, lit("A new statement", "en"))
    w.q(statement, iri(CPKG, "speaker"), iri(CPR, f"person-{B}-0"))
    w.evidence(statement, iri(CPR, "source-000000"), [], w.sentence(6))
    w.q(iri(CPR, f"post-{B}-1"), LABEL, lit("Another English label", "en"))  # uniqueLang
    w.q(iri(CPR, f"person-{B}-2"), A, iri(CPKG, "Inspectorate"))  # a new target, no names
    w.q(iri(CPR, f"inspection-{B}"), iri(CPKG, "leadInspector"), iri(CPR, f"post-{B}-0"))
    orphan = iri(CPR, "source-uncited")  # a new source nobody cites
    w.q(orphan, A, iri(CPKG, "SourceDocument"))
    w.q(orphan, iri(CPKG, "fileName"), lit("uncited.txt"))
    w.q(orphan, iri(CPKG, "sha256"), lit("0" * 64))
    w.q(orphan, iri(DCT, "title"), lit("A source nobody cites"))
    ev = w.bnode()  # evidence on an existing evidence node's selector: the selector gets a target
    w.q(iri(CPR, f"report-{B}"), iri(CPKG, "evidence"), ev)
    w.q(ev, A, iri(CPKG, "Evidence"))
    w.q(ev, iri(OA, "hasSource"), orphan)


def contribution(seed: int = 11) -> list[str]:
    """About 100 N-Triples lines (no graph names) adding to the synthetic graph."""
    w = Writer(random.Random(seed), [])
    w.bnodes = 20_000_000
    _findings(w)
    _edits(w)
    return w.lines  # no graph chosen: the lines are N-Triples


def write(out: Path, seed: int = 11) -> int:
    """Write the contribution as N-Triples; returns the number of triples."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = contribution(seed)
    out.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(f"wrote {write(args.out, args.seed)} triples to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
