"""Deterministic synthetic data in the cpkg ontology, for benchmarks (10k, 100k, 1M triples).

The output is N-Quads with one named graph per kind (``cpgraph:findings``, ``cpgraph:people``,
...) plus the ontology and concept schemes (``cpgraph:ontology-cpkg``, ``ontology-concepts``),
like the dataset ``cpkg build`` writes. Every minted resource has an English label and at least
one ``cpkg:evidence`` node (``oa:SpecificResource`` + ``oa:TextQuoteSelector``) citing a
synthetic ``cpkg:SourceDocument``, so the project's SHACL shapes have realistic work to do.

The graph is built from "force blocks" (a police force with its posts, people, post holdings,
inspections, a report, findings, statements, recommendations with deadlines, and a conflict
between two claims), plus a shared pool of statutes, legal duties, remedies and limits. The
number of blocks is chosen so the total is close to the requested size; the same ``seed`` and
size always give byte-identical output.

    python -m bench.generate --triples 100000 --out bench/scratch/data-100k.nq
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
CPKG = "https://w3id.org/cpkg/def#"
CPR = "https://w3id.org/cpkg/id/"
GRAPH = "https://w3id.org/cpkg/graph/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
FOAF = "http://xmlns.com/foaf/0.1/"
ELI = "http://data.europa.eu/eli/ontology#"
LEGISLATION = "http://www.legislation.gov.uk/id/ukpga/"

THEMES = [
    "ChildProtection",
    "ChildSexualExploitation",
    "InvestigationQuality",
    "DomesticAbuse",
    "MissingChildren",
    "CustodyOfChildren",
]
GRADES = ["Good", "RequiresImprovement", "Inadequate", "InadequateOrRequiresImprovement", "Poor"]
POLARITY = ["Negative", "Positive"]
STANCES = ["Accepts", "Apologises", "CommitsToImprove", "Contextualises", "Deflects", "Criticises"]
ASPECTS = ["FigureConflict", "DateConflict", "CharacterisationConflict", "AttributionConflict"]
AVAILABILITY = ["Available", "Restricted", "Barred"]
WORDS = [
    "children",
    "risk",
    "police",
    "force",
    "inspection",
    "safeguarding",
    "cases",
    "referral",
    "officers",
    "failed",
    "protect",
    "abuse",
    "exploitation",
    "missing",
    "custody",
    "domestic",
    "report",
    "inspectors",
    "found",
    "serious",
    "failings",
    "improvement",
    "recommendations",
    "leadership",
    "supervision",
    "records",
    "partners",
    "agencies",
    "vulnerable",
    "investigation",
    "quality",
    "delay",
    "assessment",
    "response",
    "accountability",
]

# Size of the shared legal pool and of the source-document pool relative to the blocks.
STATUTES = 40
DUTIES_PER_STATUTE = 3
SOURCES_PER_BLOCK = 0.5


def iri(ns: str, local: str) -> str:
    return f"<{ns}{local}>"


def lit(text: str, lang: str | None = None, dtype: str | None = None) -> str:
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{esc}"@{lang}'
    if dtype:
        return f'"{esc}"^^<{XSD}{dtype}>'
    return f'"{esc}"'


A = iri(RDF, "type")
LABEL = iri(RDFS, "label")


@dataclass
class Writer:
    """Collects N-Quads lines per named graph; counts quads."""

    rng: random.Random
    lines: list[str]
    bnodes: int = 0
    graph: str = ""

    def use(self, kind: str) -> None:
        self.graph = iri(GRAPH, kind)

    def q(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} {self.graph} .\n")

    def bnode(self) -> str:
        self.bnodes += 1
        return f"_:b{self.bnodes}"

    def sentence(self, n: int = 12) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def evidence(self, subject: str, source: str, supports: list[str], quote: str) -> None:
        """One cpkg:Evidence node with a TextQuoteSelector quoting ``quote`` from ``source``."""
        ev, sel = self.bnode(), self.bnode()
        self.q(subject, iri(CPKG, "evidence"), ev)
        self.q(ev, A, iri(CPKG, "Evidence"))
        self.q(ev, A, iri(OA, "SpecificResource"))
        self.q(ev, iri(OA, "hasSource"), source)
        self.q(ev, iri(OA, "hasSelector"), sel)
        self.q(sel, A, iri(OA, "TextQuoteSelector"))
        self.q(sel, iri(OA, "exact"), lit(quote))
        for prop in supports:
            self.q(ev, iri(CPKG, "supports"), prop)

    def resource(self, s: str, cls: str, label: str, source: str, supports: list[str]) -> None:
        self.q(s, A, cls)
        self.q(s, LABEL, lit(label, "en"))
        self.evidence(s, source, supports, f"{label}: {self.sentence()}")


def ontology_quads() -> list[str]:
    """The project's ontology and concept schemes as N-Quads, one named graph per file."""
    out: list[str] = []
    for name in ("cpkg", "concepts"):
        path = ROOT / "ontology" / f"{name}.ttl"
        if not path.is_file():
            continue
        graph = ox.NamedNode(GRAPH + f"ontology-{name}")
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        ]
        data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        assert data is not None
        out.extend(line + "\n" for line in data.decode().splitlines() if line)
    return out


def legal_pool(w: Writer, sources: list[str]) -> list[str]:
    """Statutes, sections, duties, remedies and limits shared by all blocks; returns duties."""
    w.use("legal")
    duties: list[str] = []
    for i in range(STATUTES):
        src = sources[i % len(sources)]
        statute = f"<{LEGISLATION}{1989 + i}/{i + 1}>"
        w.resource(statute, iri(CPKG, "Statute"), f"Children Act {1989 + i}", src, [LABEL])
        w.q(statute, iri(CPKG, "shortTitle"), lit(f"Children Act {1989 + i}"))
        section = f"<{LEGISLATION}{1989 + i}/{i + 1}/section/{i % 50 + 1}>"
        w.resource(section, iri(CPKG, "StatuteSection"), f"Section {i % 50 + 1}", src, [LABEL])
        w.q(section, iri(ELI, "is_part_of"), statute)
        for j in range(DUTIES_PER_STATUTE):
            duty = iri(CPR, f"duty-{i:03d}-{j}")
            w.resource(duty, iri(CPKG, "LegalDuty"), f"Duty {j} under statute {i}", src, [LABEL])
            w.q(duty, iri(CPKG, "createdBy"), section)
            w.q(duty, iri(DCT, "description"), lit(w.sentence(20), "en"))
            remedy = iri(CPR, f"remedy-{i:03d}-{j}")
            w.resource(remedy, iri(CPKG, "Remedy"), f"Remedy for duty {i}-{j}", src, [LABEL])
            w.q(remedy, iri(CPKG, "enforces"), duty)
            w.q(remedy, iri(CPKG, "createdBy"), section)
            w.q(remedy, iri(CPKG, "availability"), iri(CPKG, w.rng.choice(AVAILABILITY)))
            if j == 0:
                limit = iri(CPR, f"limit-{i:03d}")
                w.resource(limit, iri(CPKG, "LegalLimit"), f"Limit on remedy {i}", src, [LABEL])
                w.q(limit, iri(CPKG, "createdBy"), statute)
                w.q(limit, iri(CPKG, "limits"), remedy)
            duties.append(duty)
    return duties


def block(w: Writer, b: int, sources: list[str], duties: list[str], inspectorate: str) -> None:
    """One police force with everything that hangs off it."""
    rng = w.rng
    tag = f"{b:06d}"
    src = sources[b % len(sources)]
    year = 2010 + b % 15

    w.use("organisations")
    force = iri(CPR, f"org-force-{tag}")
    w.resource(force, iri(CPKG, "PoliceForce"), f"Police Force {tag}", src, [LABEL])
    w.q(force, A, iri(ORG, "Organization"))

    w.use("posts")
    posts = []
    for k, title in enumerate(("Chief Constable", "Child Protection Lead", "Detective Chief")):
        post = iri(CPR, f"post-{tag}-{k}")
        w.resource(post, iri(ORG, "Post"), f"{title}, Police Force {tag}", src, [LABEL])
        w.q(post, iri(ORG, "postIn"), force)
        if k == 1:
            w.q(post, iri(CPKG, "responsibleFor"), iri(CPKG, "ChildProtection"))
        posts.append(post)

    w.use("people")
    people = []
    for k in range(3):
        person = iri(CPR, f"person-{tag}-{k}")
        name = f"Person {tag}-{k}"
        w.resource(person, iri(CPKG, "Person"), name, src, [LABEL, iri(FOAF, "name")])
        w.q(person, iri(FOAF, "name"), lit(name))
        people.append(person)

    w.use("posts")
    for k in range(3):
        holding = iri(CPR, f"holding-{tag}-{k}")
        w.resource(holding, iri(CPKG, "PostHolding"), f"Holding {tag}-{k}", src, [LABEL])
        w.q(holding, iri(ORG, "member"), people[k])
        w.q(holding, iri(CPKG, "post"), posts[k])
        w.q(holding, iri(ORG, "organization"), force)
        w.q(holding, iri(CPKG, "attestedOn"), lit(f"{year}-11-{k + 10}", dtype="date"))

    w.use("inspections")
    insp = iri(CPR, f"inspection-{tag}")
    w.resource(insp, iri(CPKG, "Inspection"), f"{year} inspection of force {tag}", src, [LABEL])
    w.q(insp, iri(CPKG, "inspected"), force)
    w.q(insp, iri(CPKG, "conductedBy"), inspectorate)
    w.q(insp, iri(CPKG, "leadInspector"), people[2])
    w.q(insp, iri(CPKG, "partOfProgramme"), iri(CPR, "programme-synthetic"))
    w.q(insp, iri(CPKG, "sampleSize"), lit(str(rng.randint(50, 500)), dtype="nonNegativeInteger"))
    w.q(insp, iri(CPKG, "scope"), iri(CPKG, rng.choice(THEMES)))
    follow = iri(CPR, f"inspection-{tag}-follow-up")
    w.resource(follow, iri(CPKG, "FollowUpReview"), f"Follow-up of force {tag}", src, [LABEL])
    w.q(follow, iri(CPKG, "inspected"), force)
    w.q(follow, iri(CPKG, "conductedBy"), inspectorate)
    w.q(follow, iri(CPKG, "followUpOf"), insp)
    report = iri(CPR, f"report-{tag}")
    w.resource(report, iri(CPKG, "Report"), f"Report on force {tag}", src, [LABEL])
    w.q(report, iri(PROV, "wasGeneratedBy"), insp)
    w.q(report, iri(DCT, "issued"), lit(f"{year}-11-25", dtype="date"))

    w.use("findings")
    findings = []
    for k in range(8):
        f = iri(CPR, f"finding-{tag}-{k}")
        findings.append(f)
        label = f"Finding {k} on force {tag}: {w.sentence(5)}"
        w.q(f, A, iri(CPKG, "Finding"))
        w.q(f, LABEL, lit(label, "en"))
        w.q(f, iri(DCT, "description"), lit(w.sentence(24), "en"))
        w.q(f, iri(CPKG, "inspection"), insp if k < 6 else follow)
        w.q(f, iri(CPKG, "concerns"), force)
        w.q(f, iri(CPKG, "theme"), iri(CPKG, THEMES[k % len(THEMES)]))
        w.q(f, iri(CPKG, "polarity"), iri(CPKG, POLARITY[int(k % 4 == 3)]))
        w.q(f, iri(CPKG, "grade"), iri(CPKG, rng.choice(GRADES)))
        if k % 2 == 0:
            total = rng.randint(20, 400)
            w.q(f, iri(CPKG, "count"), lit(str(rng.randint(0, total)), dtype="nonNegativeInteger"))
            w.q(f, iri(CPKG, "total"), lit(str(total), dtype="nonNegativeInteger"))
        w.q(f, iri(CPKG, "engagesDuty"), rng.choice(duties))
        w.q(f, iri(CPKG, "responsiblePost"), posts[1])
        if k > 0:
            w.q(findings[k - 1], iri(CPKG, "recursIn"), f)
        for e in range(2):
            w.evidence(
                f,
                sources[(b + e) % len(sources)],
                [iri(DCT, "description"), iri(CPKG, "inspection")],
                f"inspectors found {w.sentence(14)}",
            )

    w.use("statements")
    for k in range(4):
        st = iri(CPR, f"statement-{tag}-{k}")
        w.resource(st, iri(CPKG, "Statement"), f"Statement {k} by person {tag}-{k % 3}", src, [])
        w.q(st, iri(CPKG, "speaker"), people[k % 3])
        w.q(st, iri(CPKG, "speakerPost"), posts[k % 3])
        w.q(st, iri(CPKG, "words"), lit(w.sentence(16)))
        w.q(st, iri(CPKG, "isDirectQuote"), lit("true", dtype="boolean"))
        w.q(st, iri(CPKG, "medium"), iri(CPKG, "PublicRemarks"))
        w.q(st, iri(CPKG, "stance"), iri(CPKG, rng.choice(STANCES)))
        w.q(st, iri(CPKG, "about"), report)
        w.q(st, iri(CPKG, "respondsTo"), report)

    w.use("recommendations")
    for k in range(3):
        rec = iri(CPR, f"recommendation-{tag}-{k}")
        w.resource(rec, iri(CPKG, "Recommendation"), f"Recommendation {k} to {tag}", src, [])
        w.q(rec, iri(DCT, "description"), lit(w.sentence(18), "en"))
        w.q(rec, iri(CPKG, "inspection"), insp)
        w.q(rec, iri(CPKG, "madeBy"), inspectorate)
        w.q(rec, iri(CPKG, "addressedTo"), force)
        w.q(rec, iri(CPKG, "answersFinding"), findings[k])
        w.q(rec, iri(CPKG, "hasTimeLimit"), lit("true", dtype="boolean"))
        deadline = iri(CPR, f"deadline-{tag}-{k}")
        w.q(rec, iri(CPKG, "deadline"), deadline)
        w.q(deadline, A, iri(TIME, "Instant"))
        w.q(deadline, iri(TIME, "inXSDDate"), lit(f"{year + 1}-{2 * k + 3:02d}-31", dtype="date"))

    w.use("claims")
    claims = []
    for k in range(2):
        claim = iri(CPR, f"claim-{tag}-{k}")
        claims.append(claim)
        w.q(claim, A, iri(CPKG, "Claim"))
        w.q(claim, LABEL, lit(f"Claim {k} on the sample size of inspection {tag}", "en"))
        w.q(claim, iri(RDF, "subject"), insp)
        w.q(claim, iri(RDF, "predicate"), iri(CPKG, "sampleSize"))
        w.q(claim, iri(RDF, "object"), lit(str(370 + 10 * k), dtype="nonNegativeInteger"))
        w.q(claim, iri(CPKG, "epistemicStatus"), iri(CPKG, "Stated"))
        w.evidence(claim, sources[(b + k) % len(sources)], [iri(RDF, "object")], w.sentence(10))
    conflict = iri(CPR, f"conflict-{tag}")
    w.q(conflict, A, iri(CPKG, "Conflict"))
    w.q(conflict, LABEL, lit(f"Sample size of inspection {tag}", "en"))
    for c in claims:
        w.q(conflict, iri(CPKG, "conflictingClaim"), c)
    w.q(conflict, iri(CPKG, "conflictAspect"), iri(CPKG, rng.choice(ASPECTS)))
    w.q(conflict, iri(DCT, "description"), lit("The sources give different totals.", "en"))


def generate(triples: int, seed: int = 7) -> Iterator[str]:
    """N-Quads lines for a dataset of about ``triples`` quads.

    The ontology and concept schemes (~5k quads) are included from 10k quads up; tiny test
    datasets leave them out so that they stay tiny.
    """
    ontology = ontology_quads() if triples >= 10_000 else []
    probe = Writer(random.Random(seed), [])
    block(probe, 0, ["<urn:x>"], ["<urn:d>"], "<urn:i>")
    per_block = len(probe.lines) + 6 * SOURCES_PER_BLOCK
    fixed = Writer(random.Random(seed), [])
    legal_pool(fixed, ["<urn:x>"])
    blocks = max(1, int((triples - len(ontology) - len(fixed.lines) - 20) // per_block))
    rng = random.Random(seed)
    w = Writer(rng, [])
    n_sources = max(2, int(blocks * SOURCES_PER_BLOCK))
    w.use("sources")
    sources = []
    for i in range(n_sources):
        s = iri(CPR, f"source-{i:06d}")
        sources.append(s)
        w.q(s, A, iri(CPKG, "SourceDocument"))
        w.q(s, iri(CPKG, "fileName"), lit(f"{i:06d}_synthetic.txt"))
        w.q(s, iri(CPKG, "sha256"), lit(f"{rng.getrandbits(256):064x}"))
        w.q(s, iri(DCT, "title"), lit(f"Synthetic source document {i}"))
        w.q(s, iri(CPKG, "documentType"), iri(CPKG, "NewsArticle"))
        w.q(s, iri(DCT, "date"), lit(str(2010 + i % 15), dtype="gYear"))
    w.use("organisations")
    insp = iri(CPR, "org-synthetic-inspectorate")
    w.resource(insp, iri(CPKG, "Inspectorate"), "Synthetic Inspectorate", sources[0], [LABEL])
    w.q(insp, A, iri(ORG, "Organization"))
    dated = iri(CPR, "org-synthetic-inspectorate-name")
    w.q(insp, iri(CPKG, "hasDatedName"), dated)
    w.resource(dated, iri(CPKG, "DatedName"), "Synthetic Inspectorate (name)", sources[0], [])
    w.q(dated, iri(CPKG, "nameText"), lit("Synthetic Inspectorate"))
    w.use("inspections")
    prog = iri(CPR, "programme-synthetic")
    w.resource(prog, iri(CPKG, "InspectionProgramme"), "Synthetic programme", sources[0], [LABEL])
    duties = legal_pool(w, sources)
    yield from ontology
    yield from w.lines
    w.lines.clear()
    for b in range(blocks):
        block(w, b, sources, duties, insp)
        if len(w.lines) > 50_000:
            yield from w.lines
            w.lines.clear()
    yield from w.lines


def write(triples: int, out: Path, seed: int = 7) -> int:
    """Write the dataset to ``out`` (N-Quads); return the number of quads written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for line in generate(triples, seed):
            f.write(line)
            n += 1
    tmp.replace(out)
    return n


def scratch_data(work: Path, triples: int = 100_000) -> Path:
    """The data of a bench run in ``work`` (``data-100k.nq``), written first if missing: the
    profiling tools (bench.cpu_split, bench.side_by_side) measure what ``make bench`` does."""
    data = work / f"data-{size_label(triples)}.nq"
    if not data.exists():
        write(triples, data)
    return data


# Fixed IRIs the query mix uses; they exist at every size (block 0 always exists).
FOCUS_FINDING = CPR + "finding-000000-0"
FOCUS_FORCE = CPR + "org-force-000000"


def size_label(triples: int) -> str:
    if triples >= 1_000_000 and triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples >= 1000 and triples % 1000 == 0:
        return f"{triples // 1000}k"
    return str(triples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n = write(args.triples, args.out, args.seed)
    print(f"wrote {n} quads to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
