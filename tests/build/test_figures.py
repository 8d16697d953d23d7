"""Figures in values and quotes (service/build/figures.py), as the support audit compares them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.build.figures import XSD, missing_figures, quote_figures, value_figures


def numbers(*values: str) -> set[Decimal]:
    return {Decimal(v) for v in values}


@pytest.mark.parametrize(
    ("lexical", "datatype", "expected"),
    [
        ("278", XSD + "integer", numbers("278")),
        ("90.0", XSD + "decimal", numbers("90")),
        ("2016-11-25", XSD + "date", numbers("2016", "11", "25")),
        ("2017-07", XSD + "gYearMonth", numbers("2017", "7")),
        ("2016", XSD + "gYear", numbers("2016")),
        ("true", XSD + "boolean", set()),
        ("Human Rights Act 1998", None, numbers("1998")),
        ("the 13th inspection: 278 of 374 (75%)", None, numbers("13", "278", "374", "75")),
        ("£1.9 million and 1,900,000", XSD + "string", numbers("1.9", "1900000")),
        ("0845 287 0939", XSD + "string", numbers("845", "287", "939")),
    ],
)
def test_value_figures(lexical: str, datatype: str | None, expected: set[Decimal]) -> None:
    assert value_figures(lexical, datatype) == expected


def test_references_are_not_figures() -> None:
    assert value_figures("as source 003 reports (sources 000, 001 and 004)", None) == set()
    assert value_figures("see cpr:event-2016-khan-tweet and graph/claims.ttl", None) == set()
    assert value_figures("1,000 of them (see cpr:finding-2016-x)", None) == numbers("1000")


@pytest.mark.parametrize(
    ("quote", "figure"),
    [
        ("judged only two of them to be ‘good’", "2"),
        ("This is the 13th inspection", "13"),
        ("an initial £1.9million would be made available", "1900000"),
        ("published on 25 November 2016", "11"),
        ("November 25, 2016", "25"),
        ("a 10 year old girl", "10"),
    ],
)
def test_quote_figures_are_read_as_a_person_reads_them(quote: str, figure: str) -> None:
    assert Decimal(figure) in quote_figures(quote)


def test_missing_figures_are_those_no_quote_states() -> None:
    date = value_figures("2017-11-24", XSD + "date")
    assert missing_figures(date, ["released on 24th November"]) == ["2017"]
    assert missing_figures(date, ["released on 24th November", "in November 2017"]) == []
    assert missing_figures(numbers("1900000"), ["£1.9million"]) == []
