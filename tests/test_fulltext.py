"""The full-text index (service/fulltext.py): user text is never FTS5 syntax, names outrank
passing mentions, every word is required before any word is enough."""

from __future__ import annotations

from pathlib import Path

from service.fulltext import (
    CLOSE,
    OPEN,
    Document,
    lookup,
    match_expression,
    segments,
    unmark,
    write_index,
)


def test_user_text_becomes_quoted_prefix_words() -> None:
    assert match_expression('custody" OR NEAR(x') == '"custody"* AND "or"* AND "near"* AND "x"*'
    assert match_expression("PACE duty", any_word=True) == '"pace"* OR "duty"*'
    assert match_expression('"*()') is None


def test_names_outrank_mentions_and_words_are_stemmed(tmp_path: Path) -> None:
    index = tmp_path / "search.sqlite"
    docs = [
        Document("x:judgment", "label", "Michael v Chief Constable of South Wales Police"),
        Document("x:judgment", "quote", "the case of Michaels prevents claims", "x:src", ""),
        Document("x:other", "quote", "Michael said so in a long passage about other things"),
        Document("x:finding", "label", "Children kept in police custody"),
    ]
    assert write_index(index, docs, {"dataset_sha256": "abc"}) == 4
    found = lookup(index, "Michaels")
    assert [m.iri for m in found] == ["x:judgment", "x:other"]
    best = found[0]
    assert (
        best.field == "label" and unmark(best.quote_match) == "the case of Michaels prevents claims"
    )
    assert best.quote_source == "x:src"
    assert [m.iri for m in lookup(index, "custody zebra")] == ["x:finding"]  # any word, at last
    assert lookup(index, "zebra") == []


def test_segments_mark_what_matched() -> None:
    text = f"the {OPEN}case{CLOSE} of {OPEN}Michaels{CLOSE}"
    assert segments(text) == [("the ", False), ("case", True), (" of ", False), ("Michaels", True)]
