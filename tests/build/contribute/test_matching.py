"""Loose matching (service/build/contribute/matching.py): a passage found as a person types it."""

from __future__ import annotations

from service.build.contribute.matching import closest_passages, find_passages, fold

TEXT = (
    "The Met’s response was “inadequate” – inspectors said.\n\n"
    "  Officers  didn't see\tthe child. The child-protection team\n"
    "was short of staff. The child was seen later."
)


def passages(fragment: str) -> list[str]:
    return [TEXT[a:b] for a, b in find_passages(TEXT, fragment)]


def test_fold_keeps_words_and_maps_back_to_the_original() -> None:
    folded = fold("A  “B”—c’d")
    assert folded.text == "a b cd"
    assert [folded.origin[i] for i in range(len(folded.text))] == [0, 1, 4, 6, 7, 9]


def test_quotes_apostrophes_dashes_spacing_and_case_may_differ() -> None:
    assert passages('the mets response was "INADEQUATE" - inspectors said') == [
        "The Met’s response was “inadequate” – inspectors said"
    ]
    assert passages("officers didnt see the child") == ["Officers  didn't see\tthe child"]
    assert passages("the child protection team was short") == [
        "The child-protection team\nwas short"
    ]


def test_marks_the_fragment_starts_or_ends_with_are_taken_from_the_source() -> None:
    assert passages('"inadequate"') == ["“inadequate”"]
    assert passages("inadequate") == ["inadequate"]
    assert passages("the child was seen later.") == ["The child was seen later."]


def test_matches_are_whole_words_and_all_are_listed() -> None:
    assert passages("the child") == ["the child", "The child", "The child"]
    assert passages("chil") == [] and passages("he met") == []
    assert passages("“ — ”") == []


def test_closest_passages_when_nothing_matches() -> None:
    [(ratio, start, end), *_] = closest_passages(
        TEXT, "the child protection team was short of stuff"
    )
    assert TEXT[start:end].startswith("The child-protection team") and 0.8 < ratio < 1
