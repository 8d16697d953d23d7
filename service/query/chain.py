"""Accountability chains: what a failure leads to, link by link, with the evidence for each link.

The chain is *defined* in SPARQL: ``service/query/chain-findings.rq`` finds the findings of the
focus, ``service/query/chain.rq`` their links and ``service/query/chain-evidence.rq`` the evidence
for them. This module only validates and binds the focus IRI (and, for each later query, the IRIs
the one before returned), runs the queries through the ``Store`` interface, joins evidence to
links and groups the rows into ordered steps. A step the graph does not state stays in the chain
as a missing step, with the reason the graph records where it records one, so readers see the gap
instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode

from service.errors import CpkgError
from service.query.labels import is_safe_iri, labels, local_name
from service.store.base import AskResult, SelectResult, Store, Term
from service.vocab import PREFIXES

FINDINGS_PATH = Path(__file__).with_name("chain-findings.rq")
FOCUS_PLACEHOLDER = "<urn:cpkg:chain-focus>"
QUERY_PATH = Path(__file__).with_name("chain.rq")
FINDINGS_PLACEHOLDER = "<urn:cpkg:chain-findings>"
EVIDENCE_PATH = Path(__file__).with_name("chain-evidence.rq")
PAIR_PLACEHOLDER = "(<urn:cpkg:chain-subject> <urn:cpkg:chain-predicate>)"
CLAIM_PLACEHOLDER = "<urn:cpkg:chain-claim>"
#: At most this many (subject, predicate) pairs and claims per evidence query.
EVIDENCE_BATCH = 500
_NO_IRI = "<urn:x-cpkg:none>"  # an empty VALUES block, written so that every store accepts it
_NO_PAIR = f"({_NO_IRI} {_NO_IRI})"
_EVIDENCE_VARS = ("evOf", "evSource", "evFile", "evQuote", "specific")
#: The single chain query's former ORDER BY, kept for the joined rows (grouping depends on it).
_ORDER = ("finding", "step", "role", "via", "node", "evOf", "evSource", "evQuote")
CPKG = PREFIXES["cpkg"]

#: (key, title, how the step is reached) in chain order.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("finding", "Finding", "the failure"),
    ("inspection", "Inspection", "cpkg:inspection"),
    ("inspectorate", "Inspectorate", "cpkg:inspection/cpkg:conductedBy"),
    ("force", "Force", "cpkg:inspected / cpkg:concerns"),
    ("post", "Responsible post", "cpkg:responsiblePost"),
    ("holder", "Post holder", "cpkg:PostHolding (cpkg:post, org:member, cpkg:attestedOn)"),
    ("duty", "Legal duty", "cpkg:engagesDuty"),
    ("law", "Statute, section or case", "cpkg:engagesDuty/cpkg:createdBy"),
    ("remedy", "Remedy or bar", "cpkg:enforces / cpkg:limits"),
    ("recommendation", "Recommendation, cause of concern or action", "cpkg:answersFinding"),
    ("deadline", "Deadline", "cpkg:deadline/time:inXSDDate"),
    ("status", "Status assessment", "cpkg:assesses"),
    ("evidence", "Evidence for the finding", "cpkg:evidence"),
)

#: What a missing step means when the graph records no reason of its own.
MISSING: dict[str, str] = {
    "finding": "the focus is not a finding",
    "inspection": "no inspection is recorded for this finding",
    "inspectorate": "no source names the inspectorate that conducted the inspection",
    "force": "no source names the force",
    "post": "no source names a post responsible for this finding",
    "holder": "no responsible post is named, so no post holder can be",
    "duty": "no source links this finding to a legal duty",
    "law": "no legal duty is linked, so no statute, section or case either",
    "remedy": "no legal duty is linked, so no remedy or bar either",
    "recommendation": "no recommendation, cause of concern or action answers this finding",
    "deadline": "nothing answers this finding, so no deadline either",
    "status": "nothing answers this finding, so no status assessment either",
    "evidence": "the finding cites no evidence",
}
_MISSING_WITH_UPSTREAM: dict[str, tuple[str, str]] = {
    # step -> (upstream step, message when the upstream step is present but this one is not)
    "holder": ("post", "no source names who held the responsible post"),
    "law": ("duty", "no source or background claim names the law that creates the duty"),
    "remedy": ("duty", "no remedy or bar in the graph enforces or limits the duty"),
    "deadline": ("recommendation", "no source states a deadline for what answers this finding"),
    "status": ("recommendation", "no later report in the sources assesses its implementation"),
}

#: Most findings one chain request returns (chain-findings.rq's LIMIT says the same).
MAX_FINDINGS = 100

_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)?:([^\s<>\"{}|\\^`]*)$")


class InvalidIri(CpkgError, ValueError):
    """The focus is not an absolute IRI that can be put into a query (HTTP 400)."""


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote backing a link: ``of`` says whose evidence node it is.

    ``of`` is "link" (the resource stating the link cites it for that property), "resource"
    (the resource cites it, but not for that property) or "claim" (a cpkg:Claim states the link).
    """

    source: str
    file: str
    quote: str
    of: str


@dataclass(frozen=True)
class ChainNode:
    """One thing at a step: an IRI (with a page) or a literal (no page), and why it is there."""

    iri: str | None
    label: str
    note: str = ""
    via: str | None = None  # the chain node this one hangs from, when not the finding
    role: str = "link"  # "link", "context" (beside a missing link) or "reason" (why missing)
    subject: str | None = None  # the resource whose triple states the link
    predicate: str | None = None
    status: str = "stated"  # "stated", or a claim's epistemic status ("inferred", ...)
    claim: str | None = None
    reasoning: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass
class ChainStep:
    key: str
    title: str
    how: str
    nodes: list[ChainNode] = field(default_factory=list)
    context: list[ChainNode] = field(default_factory=list)
    reasons: list[ChainNode] = field(default_factory=list)
    missing_reason: str = ""

    @property
    def missing(self) -> bool:
        return not self.nodes


@dataclass
class Chain:
    """The chain of one finding; ``finding`` is None when the focus led to no finding."""

    focus: str
    finding: str | None
    steps: list[ChainStep]

    def step(self, key: str) -> ChainStep:
        return next(s for s in self.steps if s.key == key)


def expand_iri(text: str) -> str:
    """A full IRI from a full IRI or a project CURIE (``cpr:finding-x``); InvalidIri otherwise."""
    text = (text or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    m = _CURIE.match(text)
    if m and (m.group(1) or "") in PREFIXES and not text.startswith(("http:", "https:")):
        text = PREFIXES[m.group(1) or ""] + m.group(2)
    return check_iri(text)


def check_iri(iri: str) -> str:
    """Return ``iri`` if it is safe to write as ``<iri>`` in SPARQL, else raise InvalidIri."""
    if not is_safe_iri(iri) or iri.startswith("_:"):
        raise InvalidIri(f"{iri!r} is not an absolute IRI")
    return iri


def resource_exists(store: Store, iri: str) -> bool:
    """Whether the dataset mentions ``iri`` at all (to tell 'unknown' from 'no chain')."""
    iri = check_iri(iri)
    result = store.query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")
    return isinstance(result, AskResult) and result.value


def _text(term: object) -> str:
    if isinstance(term, NamedNode | Literal | BlankNode):
        return term.value
    return ""


def _status(iri: str) -> str:
    """cpkg:BackgroundKnowledge -> 'background knowledge'."""
    local = iri[len(CPKG) :] if iri.startswith(CPKG) else local_name(iri)
    return re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()


@dataclass
class _Acc:
    """Rows of one (step, role, node, via) while grouping."""

    iri: str | None
    value: str
    via: str | None
    role: str
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subject: str | None = None
    predicate: str | None = None
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)
    specific: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    other: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    claim_ev: dict[tuple[str, str], Evidence] = field(default_factory=dict)

    def node(self) -> ChainNode:
        label = min(self.labels, key=lambda s: (len(s) == 0, s)) if self.labels else ""
        label = label or (local_name(self.iri) if self.iri else self.value)
        status, claim, reasoning = "stated", None, ""
        if self.claims:  # the weakest status wins: an inferred link is shown as inferred
            claim = sorted(self.claims)[0]
            status, reasoning = self.claims[claim]
        # the link's own evidence; else everything the resource stating it cites
        chosen = list(self.specific.values()) or list(self.other.values())
        evidence = tuple(chosen + list(self.claim_ev.values()))
        return ChainNode(
            iri=self.iri,
            label=label,
            note="; ".join(n for n in dict.fromkeys(self.notes) if n),
            via=self.via,
            role=self.role,
            subject=self.subject,
            predicate=self.predicate,
            status=status,
            claim=claim,
            reasoning=reasoning,
            evidence=evidence,
        )


def _select(store: Store, query: str) -> list[dict[str, Term | None]]:
    result = store.query(query)
    if not isinstance(result, SelectResult):  # pragma: no cover - the queries are SELECTs
        raise TypeError("the chain queries must be SELECT queries")
    names = result.variables
    return [dict(zip(names, row, strict=True)) for row in result]


def _query_text(path: Path, *placeholders: str) -> str:
    text = path.read_text(encoding="utf-8")
    for placeholder in placeholders:
        if placeholder not in text:  # pragma: no cover - guards edits to the .rq files
            raise RuntimeError(f"{path.name} lost its placeholder {placeholder}")
    return text


def _findings(store: Store, focus: str) -> list[str]:
    """chain-findings.rq: the findings the focus leads to, in IRI order."""
    query = _query_text(FINDINGS_PATH, FOCUS_PLACEHOLDER).replace(FOCUS_PLACEHOLDER, f"<{focus}>")
    return [iri for row in _select(store, query) if (iri := _iri(row.get("finding")))]


def _links(store: Store, focus: str) -> list[dict[str, Term | None]]:
    """chain.rq's rows: the links of the chains of ``focus``, without their evidence."""
    findings = _findings(store, focus)
    if not findings:
        return []
    values = " ".join(f"<{f}>" for f in findings)
    return _select(
        store, _query_text(QUERY_PATH, FINDINGS_PLACEHOLDER).replace(FINDINGS_PLACEHOLDER, values)
    )


def _iri(term: object) -> str | None:
    """The IRI of a named node that is safe to write as ``<iri>``; None for anything else."""
    if not isinstance(term, NamedNode):
        return None
    try:
        return check_iri(term.value)
    except InvalidIri:  # pragma: no cover - a NamedNode's IRI never has these characters
        return None


def evidence_rows(
    store: Store, pairs: list[tuple[str, str]], claims: list[str]
) -> list[dict[str, Term | None]]:
    """chain-evidence.rq's rows for the (subject, predicate) pairs and claims, in batches."""
    query = _query_text(EVIDENCE_PATH, PAIR_PLACEHOLDER, CLAIM_PLACEHOLDER)
    rows: list[dict[str, Term | None]] = []
    for i in range(0, max(len(pairs), len(claims)), EVIDENCE_BATCH):
        pair_block = pairs[i : i + EVIDENCE_BATCH]
        claim_block = claims[i : i + EVIDENCE_BATCH]
        values_pairs = " ".join(f"(<{s}> <{p}>)" for s, p in pair_block) or _NO_PAIR
        values_claims = " ".join(f"<{c}>" for c in claim_block) or _NO_IRI
        text = query.replace(PAIR_PLACEHOLDER, values_pairs).replace(
            CLAIM_PLACEHOLDER, values_claims
        )
        rows.extend(_select(store, text))
    return rows


def _order_key(term: Term | None) -> tuple[int, str, str, str]:
    """SPARQL ORDER BY's order of terms: unbound, blank nodes, IRIs, then literals."""
    if term is None:
        return (0, "", "", "")
    if isinstance(term, BlankNode):
        return (1, term.value, "", "")
    if isinstance(term, NamedNode):
        return (2, term.value, "", "")
    if isinstance(term, Literal):
        return (3, term.value, term.datatype.value, term.language or "")
    return (4, str(term), "", "")  # pragma: no cover - no triple terms in chain rows


def _rows(store: Store, focus: str) -> list[dict[str, Term | None]]:
    """The link rows joined with their evidence rows, in chain.rq's former single-query order.

    A link row with no evidence stays once, with the evidence variables unbound (as the
    OPTIONAL did); otherwise it appears once per evidence row of its subject and of its claim.
    """
    links = _links(store, focus)
    pairs: dict[tuple[str, str], None] = {}
    claims: dict[str, None] = {}
    for link in links:
        subject, pred, claim = (
            _iri(link.get("subject")),
            _iri(link.get("pred")),
            _iri(link.get("claim")),
        )
        if subject and pred:
            pairs[(subject, pred)] = None
        if claim:
            claims[claim] = None
    by_pair: dict[tuple[str, str], list[dict[str, Term | None]]] = {}
    by_claim: dict[str, list[dict[str, Term | None]]] = {}
    if pairs or claims:
        for ev in evidence_rows(store, list(pairs), list(claims)):
            owner = _text(ev.get("owner"))
            if _text(ev.get("evOf")) == "claim":
                by_claim.setdefault(owner, []).append(ev)
            else:
                by_pair.setdefault((owner, _text(ev.get("pred"))), []).append(ev)
    rows: list[dict[str, Term | None]] = []
    for link in links:
        subject, pred, claim = (
            _iri(link.get("subject")),
            _iri(link.get("pred")),
            _iri(link.get("claim")),
        )
        evs = by_pair.get((subject, pred), []) if subject and pred else []
        evs = evs + (by_claim.get(claim, []) if claim else [])
        if not evs:
            rows.append(link)
        for ev in evs:
            rows.append({**link, **{k: ev.get(k) for k in _EVIDENCE_VARS}})
    rows.sort(key=lambda row: [_order_key(row.get(name)) for name in _ORDER])
    return rows


def get_chains(store: Store, focus_iri: str) -> list[Chain]:
    """Every chain the focus leads to (one per finding, in IRI order, at most MAX_FINDINGS).

    A read task (service/query/executor.py): the executor bounds its time and caches it."""
    focus = check_iri(focus_iri)
    per_finding: dict[str, dict[tuple[str, str, str, str, str], _Acc]] = {}
    for row in _rows(store, focus):
        get = row.get
        finding, step, node = get("finding"), get("step"), get("node")
        if finding is None or step is None or node is None or isinstance(node, BlankNode):
            continue
        iri = node.value if isinstance(node, NamedNode) else None
        value = _text(node)
        role, via = _text(get("role")) or "link", _text(get("via")) or None
        key = (_text(step), role, iri or "", value if iri is None else "", via or "")
        accs = per_finding.setdefault(_text(finding), {})
        acc = accs.get(key)
        if acc is None:
            acc = accs[key] = _Acc(iri, value, via, role)
            acc.subject = _text(get("subject")) or None
            acc.predicate = _text(get("pred")) or None
        acc.labels.append(_text(get("label")))
        acc.notes.append(_text(get("note")))
        claim = get("claim")
        if isinstance(claim, NamedNode):
            acc.claims[claim.value] = (_status(_text(get("claimStatus"))), _text(get("reasoning")))
        source, quote = get("evSource"), get("evQuote")
        if isinstance(source, NamedNode) and quote is not None:
            of = _text(get("evOf"))
            ev_key = (source.value, _text(quote))
            file = _text(get("evFile"))
            if of == "claim":
                acc.claim_ev[ev_key] = Evidence(source.value, file, _text(quote), "claim")
            elif _text(get("specific")) in ("true", "1"):
                acc.specific[ev_key] = Evidence(source.value, file, _text(quote), "link")
                acc.other.pop(ev_key, None)
            elif ev_key not in acc.specific:
                acc.other[ev_key] = Evidence(source.value, file, _text(quote), "resource")
    chains = [_shape(focus, finding, accs) for finding, accs in sorted(per_finding.items())]
    chains.sort(key=lambda c: (c.finding != focus, c.finding or ""))  # the focus itself first
    return chains[:MAX_FINDINGS]


def get_chain(store: Store, focus_iri: str) -> Chain:
    """The chain of the focus (or of the first finding it leads to); ``finding`` None if none."""
    chains = get_chains(store, focus_iri)
    if chains:
        return chains[0]
    steps = [ChainStep(k, t, h, missing_reason=MISSING[k]) for k, t, h in STEPS]
    return Chain(focus_iri, None, steps)


def _shape(focus: str, finding: str, accs: dict[tuple[str, str, str, str, str], _Acc]) -> Chain:
    by_step: dict[str, list[ChainNode]] = {}
    for (step_key, *_), acc in accs.items():
        by_step.setdefault(step_key, []).append(acc.node())
    steps: list[ChainStep] = []
    for key, title, how in STEPS:
        nodes = sorted(by_step.get(key, []), key=lambda n: (n.via or "", n.label, n.iri or ""))
        step = ChainStep(
            key,
            title,
            how,
            nodes=[n for n in nodes if n.role == "link"],
            context=[n for n in nodes if n.role == "context"],
            reasons=[n for n in nodes if n.role == "reason"],
        )
        steps.append(step)
    done = {s.key: s for s in steps}
    finding_step = done["finding"]
    if finding_step.nodes:  # the view's evidence box: the finding's own quotes
        done["evidence"].nodes = [
            ChainNode(ev.source, ev.file or local_name(ev.source), ev.quote, finding)
            for ev in finding_step.nodes[0].evidence
        ]
    for step in steps:
        if step.missing:
            upstream = _MISSING_WITH_UPSTREAM.get(step.key)
            if upstream and not done[upstream[0]].missing:
                step.missing_reason = upstream[1]
            else:
                step.missing_reason = MISSING[step.key]
    return Chain(focus, finding, steps)


# -- read tasks (service/query/executor.py) ----------------------------------------------------


def chains_of(store: Store, focus: str) -> tuple[list[Chain], bool]:
    """The chains of ``focus``, and whether the dataset mentions it at all (for a 404 that
    says which is the case)."""
    chains = get_chains(store, focus)
    return chains, bool(chains) or resource_exists(store, focus)


@dataclass(frozen=True)
class ChainChoice:
    """What the chain view shows: one chain of the focus, and every finding the focus leads
    to (IRI, label, links stated), so a reader can switch between them."""

    focus: str
    focus_label: str
    chain: Chain
    names: dict[str, str]
    findings: tuple[tuple[str, str, int], ...]


def stated_links(chain: Chain) -> int:
    """How many links of the chain a source (or a claim) states."""
    return sum(1 for s in chain.steps if s.key != "evidence" and not s.missing)


def chain_choice(store: Store, focus: str, finding: str | None = None) -> ChainChoice:
    """The chain of ``finding`` among those of ``focus`` (else the first), with the list of
    all of them. A read task."""
    chains = get_chains(store, focus)
    chosen = next((c for c in chains if c.finding == finding), None)
    chain = chosen or (chains[0] if chains else get_chain(store, focus))
    findings = tuple(
        (
            c.finding or "",
            c.steps[0].nodes[0].label if c.steps[0].nodes else local_name(c.finding or ""),
            stated_links(c),
        )
        for c in chains
    )
    focus_label = labels(store, [focus]).get(focus) or local_name(focus)
    return ChainChoice(focus, focus_label, chain, _names(store, chain), findings)


def _names(store: Store, chain: Chain) -> dict[str, str]:
    """Display names of a chain's nodes and quoted sources."""
    nodes = [
        n for s in chain.steps if s.key != "evidence" for n in (*s.nodes, *s.reasons, *s.context)
    ]
    names = {n.iri: n.label for n in nodes if n.iri}
    names.update(labels(store, {e.source for n in nodes for e in n.evidence}))
    return names
