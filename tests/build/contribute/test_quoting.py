"""`cpkg quote` (service/build/contribute/quoting.py): the passage as typed, anchored exactly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from service.build.contribute.quoting import QuoteNotFound, anchors, evidence_block, pick
from service.build.sources import Source, occurrence, verify_quotes
from service.vocab import PREFIXES

TEXT = (
    "Inspectors reviewed 40 cases. The force said it would “learn lessons”.\n"
    "A year later inspectors reviewed 40 cases again and found the force had not changed.\n"
)


def source(text: str = TEXT) -> Source:
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Source("https://w3id.org/cpkg/id/source-009", "009_x.txt", sha, Path("x"), text)


def prefixes() -> str:
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())


def test_one_match_gives_a_block_the_build_verifies() -> None:
    anchor = pick(source(), "the force said it would 'learn lessons'")
    assert anchor.exact == "The force said it would “learn lessons”"
    block = evidence_block(anchor, ["cpkg:count"])
    turtle = prefixes() + f"cpr:finding-x a cpkg:Finding ;\n{block}\n"
    store = ox.Store()
    store.load(turtle.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
    report = verify_quotes(store, {anchor.source.iri: anchor.source}, {"urn:g": "x.ttl"})
    assert (report.verified, report.total, report.failures) == (1, 1, [])
    assert f"oa:start {anchor.start} ;" in block and f"oa:end {anchor.end} ]" in block
    assert "cpkg:supports cpkg:count ] ." in block


def test_prefix_and_suffix_make_a_repeated_passage_unique() -> None:
    first, second = anchors(source(), "inspectors reviewed 40 cases")
    for anchor in (first, second):
        prefix, suffix = anchor.context()
        assert occurrence(TEXT, anchor.exact, prefix, suffix) == anchor.start
    assert first.context()[0] == "" and "A year later" in second.context()[0]
    assert "cpkg:supports cpr:TODO-supports" in evidence_block(second)


def test_several_matches_are_listed_with_context_and_one_can_be_chosen() -> None:
    with pytest.raises(QuoteNotFound) as exc:
        pick(source(), "inspectors reviewed 40 cases")
    message = str(exc.value)
    assert "2 passages match" in message and "--match N" in message
    assert "1. line 1, characters 0-28" in message and "⟦Inspectors reviewed 40 cases⟧" in message
    assert "2. line 2" in message
    assert pick(source(), "inspectors reviewed 40 cases", 2).line == 2
    with pytest.raises(QuoteNotFound, match="--match 3"):
        pick(source(), "inspectors reviewed 40 cases", 3)


def test_no_match_lists_the_closest_passages() -> None:
    with pytest.raises(QuoteNotFound) as exc:
        pick(source(), "found that the force had not change at all")
    message = str(exc.value)
    assert "no passage matches" in message and "closest passages:" in message
    assert "1. line 2" in message and "found the force had not changed" in message
