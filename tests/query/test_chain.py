"""Accountability chains over the real dataset: one test per finding, plus the special cases."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
import pytest
from query_library import shared_store

from service.build.loading import load_project, to_store
from service.build.sources import Source, load_sources
from service.config import Settings
from service.query.chain import (
    Chain,
    InvalidIri,
    check_iri,
    expand_iri,
    get_chain,
    get_chains,
    resource_exists,
)
from service.query.chain_formats import chains_jsonld, chains_text, chains_turtle
from service.store.base import SelectResult
from service.store.embedded import EmbeddedStore

CPR = "https://w3id.org/cpkg/id/"
MET = CPR + "org-metropolitan-police-service"
#: steps every finding's chain must state
REQUIRED = ("finding", "inspection", "force")


@lru_cache(maxsize=1)
def _sources() -> dict[str, Source]:
    settings = Settings.from_env()
    return load_sources(to_store(load_project(settings)), settings)


def _findings() -> list[str]:
    result = shared_store().query(
        "PREFIX cpkg: <https://w3id.org/cpkg/def#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?f WHERE { ?f a/rdfs:subClassOf* cpkg:Finding } ORDER BY ?f"
    )
    assert isinstance(result, SelectResult)
    return [row[0].value for row in result if isinstance(row[0], ox.NamedNode)]


FINDINGS = _findings()


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return shared_store()


def test_the_dataset_has_findings() -> None:
    assert len(FINDINGS) >= 30


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f.rsplit("/", 1)[-1])
def test_chain_of_each_finding(store: EmbeddedStore, finding: str) -> None:
    chain = get_chain(store, finding)
    assert chain.finding == finding
    for key in REQUIRED:
        assert not chain.step(key).missing, f"{finding}: no {key}"
    sources = _sources()
    for step in chain.steps:
        if step.key == "evidence":
            continue
        if step.missing:
            assert step.missing_reason, f"{finding}: {step.key} missing without a reason"
            assert all(n.role == "reason" for n in step.reasons)
            assert all(n.role == "context" for n in step.context)
        for node in step.nodes + step.reasons + step.context:
            assert node.evidence, f"{finding}: {step.key} -> {node.label} has no evidence"
            for ev in node.evidence:
                assert ev.source in sources, f"{ev.source} is not a source document"
                assert ev.quote, f"{finding}: {step.key}: empty quote"
                assert ev.quote in sources[ev.source].text, (
                    f"{finding}: {step.key}: quote not in {sources[ev.source].file_name}: "
                    f"{ev.quote!r}"
                )
                assert ev.file == sources[ev.source].file_name
    assert chain.step("evidence").nodes, "the view's evidence box lists the finding's quotes"


def test_missing_post_of_2016_findings_gives_the_reason(store: EmbeddedStore) -> None:
    chain = get_chain(store, CPR + "finding-2016-custody")
    post = chain.step("post")
    assert post.missing
    assert [n.iri for n in post.reasons] == [CPR + "finding-2016-no-single-lead"]
    assert [n.iri for n in post.context] == [CPR + "post-met-child-protection-lead"]
    holder = chain.step("holder")
    assert holder.missing and not holder.nodes
    (hewitt,) = holder.context
    assert hewitt.iri == CPR + "person-martin-hewitt"
    assert "attested after the finding" in hewitt.note
    assert "2016-11-25" in hewitt.note


def test_no_single_lead_is_its_own_reason(store: EmbeddedStore) -> None:
    post = get_chain(store, CPR + "finding-2016-no-single-lead").step("post")
    assert post.missing
    assert post.reasons[0].note == "this finding is itself that the force had no such post"


def test_law_links_carry_their_background_claims(store: EmbeddedStore) -> None:
    chain = get_chain(store, CPR + "finding-2016-custody")
    law = {n.iri: n for n in chain.step("law").nodes}
    s38_6 = law["http://www.legislation.gov.uk/id/ukpga/1984/60/section/38/6"]  # subsection 38(6)
    assert s38_6.status == "background knowledge" and s38_6.claim and s38_6.reasoning
    assert any(ev.of == "claim" for ev in s38_6.evidence)
    assert law["http://www.legislation.gov.uk/id/ukpga/1984/60"].status == "stated"
    assert chain.step("remedy").missing  # no remedy in the graph enforces these duties


def test_inferred_recommendation_link_is_marked(store: EmbeddedStore) -> None:
    chain = get_chain(store, CPR + "finding-2016-lack-of-training")
    (rec,) = chain.step("recommendation").nodes
    assert rec.iri == CPR + "recommendation-2016-skills-audit"
    assert rec.status == "inferred"
    assert chain.step("deadline").missing
    assert chain.step("deadline").reasons  # a time limit is said to exist, but not given
    (status,) = chain.step("status").nodes
    assert "not yet implemented" in status.note.lower()


def test_2023_chain_reaches_deadline_and_status(store: EmbeddedStore) -> None:
    chain = get_chain(store, CPR + "finding-2023-missing-children-not-seen")
    recs = {n.iri for n in chain.step("recommendation").nodes}
    assert CPR + "cause-of-concern-2023-missing-children" in recs
    assert CPR + "action-2023-train-risk-graders" in recs
    assert {n.label for n in chain.step("deadline").nodes} == {"2023-12-31"}
    assert chain.step("status").nodes


def test_force_focus_gives_every_finding_about_it(store: EmbeddedStore) -> None:
    chains = get_chains(store, MET)
    assert [c.finding for c in chains] == FINDINGS


def test_recommendation_and_duty_focus(store: EmbeddedStore) -> None:
    cause = get_chains(store, CPR + "cause-of-concern-2023-missing-children")
    assert len(cause) == 6 and all("finding-2023-" in (c.finding or "") for c in cause)
    duty = get_chains(store, CPR + "duty-pace-child-detention")
    assert [c.finding for c in duty] == [CPR + "finding-2016-custody"]


def test_unknown_and_unchainable_focus(store: EmbeddedStore) -> None:
    assert get_chains(store, CPR + "no-such-thing") == []
    assert not resource_exists(store, CPR + "no-such-thing")
    assert get_chains(store, CPR + "source-001") == []
    assert resource_exists(store, CPR + "source-001")
    empty = get_chain(store, CPR + "no-such-thing")
    assert empty.finding is None and all(s.missing for s in empty.steps)


@pytest.mark.parametrize(
    "bad", ["", "not an iri", "https://x> } DROP ALL #", "_:b0", "<urn:a b>", "cpr:has space"]
)
def test_focus_iri_is_validated(bad: str) -> None:
    with pytest.raises(InvalidIri):
        expand_iri(bad)
    with pytest.raises(InvalidIri):
        check_iri(bad)


def test_curies_expand() -> None:
    assert expand_iri("cpr:finding-2016-custody") == CPR + "finding-2016-custody"
    assert expand_iri("<https://example.org/a>") == "https://example.org/a"
    assert expand_iri("https://w3id.org/cpkg/id/x") == CPR + "x"


def _chain(store: EmbeddedStore, local: str) -> Chain:
    return get_chain(store, CPR + local)


def test_text_output_lists_links_gaps_and_quotes(store: EmbeddedStore) -> None:
    text = chains_text([_chain(store, "finding-2016-custody")])
    assert "MISSING: no source names a post responsible for this finding" in text
    assert "context, not the link: Martin Hewitt" in text
    assert "<https://w3id.org/cpkg/id/inspection-2016-met>" in text
    assert "001_ac249e2c2bc6e9bf.txt: “HMIC audited 40 custody cases" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_jsonld_and_turtle_say_the_same(store: EmbeddedStore) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    chain = _chain(store, "finding-2023-victim-blaming-language")
    doc = chains_jsonld(chain.focus, [chain])
    assert doc["chains"][0]["finding"] == chain.focus
    ttl = chains_turtle(doc)
    import json

    from_jsonld = Graph().parse(data=json.dumps(doc), format="json-ld")
    from_ttl = Graph().parse(data=ttl, format="turtle")
    assert len(from_ttl) > 50
    assert isomorphic(from_jsonld, from_ttl)


def test_evidence_batches_give_the_same_chains(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chain-evidence.rq runs in batches of EVIDENCE_BATCH IRIs; the batch size changes nothing."""
    import service.query.chain

    focus = MET  # a force: many findings, so many links and claims
    expected = get_chains(store, focus)
    monkeypatch.setattr(service.query.chain, "EVIDENCE_BATCH", 2)
    assert get_chains(store, focus) == expected
