"""Minting (service/vocab.py): new resources get IRIs that follow docs/modelling.md."""

from __future__ import annotations

import pytest

from service.vocab import CPR, compact, mint, slug


def test_slug_folds_accents_apostrophes_punctuation_and_case() -> None:
    assert slug("Met’s custody failings, 2024!") == "mets-custody-failings-2024"
    assert slug("  Éclair — résumé  ") == "eclair-resume"


def test_slug_cuts_at_a_word_boundary() -> None:
    text = "children kept in police custody overnight after being charged in London"
    cut = slug(text, max_length=30)
    assert len(cut) <= 30 and cut == "children-kept-in-police"
    assert slug("x" * 80, max_length=10) == "x" * 10  # one long word is cut, not dropped


def test_mint_makes_a_cpr_kind_slug_iri_that_compacts() -> None:
    iri = mint("finding", "2024: custody overnight")
    assert iri == f"{CPR}finding-2024-custody-overnight"
    assert compact(iri) == "cpr:finding-2024-custody-overnight"


def test_mint_refuses_a_name_without_letters_or_digits() -> None:
    with pytest.raises(ValueError, match="no letters or digits"):
        mint("finding", " — ")
