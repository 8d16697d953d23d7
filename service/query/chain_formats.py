"""Chains and paths as JSON-LD, Turtle, JSON and terminal text (the serializers of chain/paths).

JSON-LD is the canonical form: Turtle is produced by parsing it, so both say the same. A link
is its own (blank) node pointing at its ``target``; the target resource is never given the
link's notes. Terms outside the ontology use the ``chain:`` namespace below.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from service.query.chain import Chain, ChainNode, Evidence
from service.query.paths import PathsResult
from service.vocab import PREFIXES, compact

CHAIN_NS = "https://w3id.org/cpkg/chain#"
WIDTH = 100

CONTEXT: dict[str, Any] = {
    "@vocab": CHAIN_NS,
    "chain": CHAIN_NS,
    "cpkg": PREFIXES["cpkg"],
    "cpr": PREFIXES["cpr"],
    "rdfs": PREFIXES["rdfs"],
    "oa": PREFIXES["oa"],
    "focus": {"@type": "@id"},
    "finding": {"@type": "@id"},
    "chains": {"@container": "@list"},
    "steps": {"@container": "@list"},
    "target": {"@type": "@id"},
    "via": {"@type": "@id"},
    "statedBy": {"@type": "@id"},
    "predicate": {"@type": "@id"},
    "claim": {"@type": "@id"},
    "label": "rdfs:label",
    "source": {"@id": "oa:hasSource", "@type": "@id"},
    "exact": "oa:exact",
}


# -- JSON-LD / Turtle ------------------------------------------------------------------------


def _evidence_json(ev: Evidence) -> dict[str, Any]:
    return {"source": ev.source, "file": ev.file, "exact": ev.quote, "evidenceOf": ev.of}


def _node_json(node: ChainNode) -> dict[str, Any]:
    out: dict[str, Any] = {"role": node.role}
    if node.iri:
        out["target"] = node.iri
    else:
        out["value"] = node.label
    out["label"] = node.label
    optional = {"note": node.note, "via": node.via, "statedBy": node.subject}
    optional["predicate"] = node.predicate
    out.update((k, v) for k, v in optional.items() if v)
    out["epistemicStatus"] = node.status
    out.update((k, v) for k, v in (("claim", node.claim), ("reasoning", node.reasoning)) if v)
    out["evidence"] = [_evidence_json(e) for e in node.evidence]
    return out


def chains_jsonld(focus: str, chains: list[Chain]) -> dict[str, Any]:
    """The chains of ``focus`` as a JSON-LD document (steps in chain order, as lists)."""
    return {
        "@context": CONTEXT,
        "@type": "AccountabilityChains",
        "focus": focus,
        "chains": [
            {
                "@type": "AccountabilityChain",
                "finding": chain.finding,
                "steps": [
                    {
                        "step": step.key,
                        "title": step.title,
                        "how": step.how,
                        "missing": step.missing,
                        **({"missingReason": step.missing_reason} if step.missing else {}),
                        "links": [_node_json(n) for n in step.nodes],
                        "reasons": [_node_json(n) for n in step.reasons],
                        "context": [_node_json(n) for n in step.context],
                    }
                    for step in chain.steps
                    if step.key != "evidence"  # the finding step carries the same quotes
                ],
            }
            for chain in chains
        ],
    }


def chains_turtle(doc: dict[str, Any]) -> str:
    """Turtle for a chains JSON-LD document (parsed by rdflib, so both forms agree)."""
    from rdflib import Graph

    graph = Graph()
    graph.parse(data=json.dumps(doc), format="json-ld")
    for prefix, ns in (("chain", CHAIN_NS), *PREFIXES.items()):
        graph.bind(prefix, ns, override=True, replace=True)
    return graph.serialize(format="turtle")


# -- text --------------------------------------------------------------------------------------


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False
    )


_OF = {
    "link": "",
    "resource": " (cited by the resource stating the link, not marked for this property)",
    "claim": " (of the claim)",
}


def _node_lines(
    node: ChainNode,
    head: str,
    indent: str,
    finding: str | None = None,
    shown: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Lines for one node: head, label, IRI and notes, then its reasoning and evidence.

    ``shown`` holds the finding's quotes, printed once in the finding step: evidence the finding
    cites (but not for this link) is summarised instead of repeated.
    """
    where = f"<{node.iri}>" if node.iri else ""
    extra = [node.note] if node.note else []
    if node.via and node.via != finding:
        extra.append(f"for {compact(node.via)}")
    if node.status != "stated":
        extra.append(f"{node.status.upper()}")
    line = f"{head}{node.label} {where}".rstrip() + (f" ({'; '.join(extra)})" if extra else "")
    lines = _wrap(line, indent)
    if node.reasoning:
        lines += _wrap(f"reasoning: {node.reasoning}", indent + "    ")
    evidence = list(node.evidence)
    if shown and node.subject == finding and all(e.of == "resource" for e in evidence):
        repeated = [e for e in evidence if (e.source, e.quote) in shown]
        evidence = [e for e in evidence if (e.source, e.quote) not in shown]
        if repeated:
            note = f"evidence: the finding's {len(repeated)} quote(s) above"
            lines += _wrap(
                note + " (cited by the finding, not marked for this link)", indent + "    "
            )
    for ev in evidence:
        lines += _wrap(f"evidence{_OF.get(ev.of, '')} {ev.file}: “{ev.quote}”", indent + "    ")
    return lines


def chain_text(chain: Chain) -> str:
    """One chain for the terminal: a line per link (step, label, IRI), then its evidence."""
    first = chain.steps[0].nodes[0].label if chain.steps[0].nodes else chain.focus
    out = [f"Accountability chain of {compact(chain.finding or chain.focus)}", first, ""]
    finding_quotes: frozenset[tuple[str, str]] = frozenset()
    for n, step in enumerate((s for s in chain.steps if s.key != "evidence"), start=1):
        tag = f"{n:2}. {step.title}: "
        if step.missing:
            out += _wrap(f"{tag}MISSING: {step.missing_reason}", "")
        for node in step.nodes:
            out += _node_lines(node, tag, "", chain.finding, finding_quotes)
        if step.key == "finding" and step.nodes:
            finding_quotes = frozenset((e.source, e.quote) for e in step.nodes[0].evidence)
        for node in step.reasons:
            out += _node_lines(node, "reason: ", "      ", chain.finding)
        for node in step.context:
            out += _node_lines(node, "context, not the link: ", "      ", chain.finding)
    missing = [s.title for s in chain.steps if s.missing and s.key != "evidence"]
    out += [""] + _wrap("Missing links: " + ("; ".join(missing) if missing else "none"), "")
    return "\n".join(out) + "\n"


def chains_text(chains: list[Chain]) -> str:
    return "\n".join(chain_text(c) for c in chains)


# -- paths -------------------------------------------------------------------------------------


def paths_json(result: PathsResult) -> dict[str, Any]:
    """Paths as plain JSON: each path a list of (node, predicate, direction, node) hops."""
    return {
        "from": result.source,
        "to": result.target,
        "max": result.max_length,
        "limit": result.limit,
        "complete": result.complete,
        "hubs": result.hubs,
        "count": len(result.paths),
        "paths": [
            {
                "length": p.length,
                "hops": [
                    {
                        "from": h.source,
                        "fromLabel": h.source_label,
                        "predicate": h.predicate,
                        "predicateLabel": h.predicate_label,
                        "direction": h.direction,
                        "to": h.target,
                        "toLabel": h.target_label,
                        "status": h.status,
                        "reasoning": h.reasoning,
                        "evidence": [
                            {"source": e.source, "file": e.file, "quote": e.quote, "of": e.of}
                            for e in h.evidence
                        ],
                    }
                    for h in p.hops
                ],
            }
            for p in result.paths
        ],
    }


def paths_text(result: PathsResult) -> str:
    """Paths for the terminal, shortest first: one line per hop."""
    ends = f"{compact(result.source)} to {compact(result.target)}"
    out = [f"Paths from {ends} (max {result.max_length} hops)"]
    if not result.paths:
        out.append(f"No path of at most {result.max_length} hops.")
    for i, path in enumerate(result.paths, start=1):
        out.append(f"{i}. length {path.length}")
        for hop in path.hops:
            arrow = (
                f"--{hop.predicate_label}-->"
                if hop.direction == "out"
                else f"<--{hop.predicate_label}--"
            )
            status = "" if hop.status == "stated" else f" ({hop.status.upper()})"
            out += _wrap(
                f"{hop.source_label} [{compact(hop.source)}] {arrow} {hop.target_label} "
                f"[{compact(hop.target)}]{status}",
                "   ",
            )
            for ev in hop.evidence:
                whose = {"claim": " (of the claim)", "resource": " (not marked for this link)"}
                out += _wrap(f"evidence{whose.get(ev.of, '')} {ev.file}: “{ev.quote}”", "      ")
    if not result.complete:
        out.append(f"(stopped at {result.limit} paths; there may be more)")
    return "\n".join(out) + "\n"
