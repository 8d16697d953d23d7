"""The figures (numbers, years, dates) a literal holds and those a quote states.

The support audit uses them to catch a quote said to support a value whose figures it does not
contain, e.g. a label "Human Rights Act 1998" supported by a passage that names no year. A value's
figures are read strictly (its digits, or the parts of a typed number or date); a quote's are read
generously, as a reader would (digits, "two", "13th", "£1.9million", month names), so that only a
figure really absent from the passage is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"

# fmt: off
NUMERIC_TYPES = frozenset(XSD + name for name in (
    "integer", "decimal", "double", "float", "long", "int", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
))
# fmt: on
# Date-like types whose lexical form is made of figures: year, month, day.
DATE_TYPES = frozenset(XSD + name for name in ("date", "dateTime", "gYear", "gYearMonth"))
# Types that carry no figures worth checking (true/false, IRIs as strings).
FIGURELESS_TYPES = frozenset(XSD + name for name in ("boolean", "anyURI"))

# A run of digits, optionally with decimal or thousands separators: 278, 1.9, 1,900,000, 0845.
DIGITS = re.compile(r"(?<!\d)\d+(?:[.,]\d+)*")
# In a quote, a figure may carry a scale word: "£1.9million", "2 billion".
SCALED = re.compile(r"(?<!\d)(\d+(?:[.,]\d+)*)\s*(thousand|million|billion|bn)\b", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z]+")
# References in the curators' wording are not figures: the source documents' numbers, written with a
# leading zero as no figure of the sources is ("source 003", "(001)"), and the project's own names
# of resources and files ("cpr:event-2016-khan-tweet", "graph/claims.ttl").
REFERENCE = re.compile(
    r"(?<![\d.,])0\d\d(?!\d)|\b(?:cpr|cpkg|cpgraph):[\w.-]*\w|\bgraph/[\w/.-]+\.ttl\b"
)

SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "bn": 10**9}
# fmt: off
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100,
}
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
# fmt: on


def _number(text: str) -> Decimal | None:
    """A figure as a comparable number: "0845" == 845, "1,900,000" == 1900000, "90" == 90.0."""
    cleaned = text.replace(",", "") if text.count(",") and "." not in text else text
    try:
        return Decimal(cleaned).normalize()
    except InvalidOperation:
        return None


def _digit_figures(text: str) -> set[Decimal]:
    return {n for match in DIGITS.finditer(text) if (n := _number(match.group())) is not None}


def value_figures(lexical: str, datatype: str | None) -> set[Decimal]:
    """The figures a literal value holds: those a quote supporting it must state.

    A typed number is one figure; a date is its year, month and day; any other text holds the
    digit runs written in it ("the 13th inspection (2016)" holds 13 and 2016), except references
    to source documents and resources ("source 003", "cpr:event-2016-khan-tweet").
    """
    if datatype in FIGURELESS_TYPES:
        return set()
    if datatype in NUMERIC_TYPES:
        number = _number(lexical.strip())
        return {number} if number is not None else set()
    if datatype in DATE_TYPES:
        date = lexical.split("T", 1)[0]
        return {n for part in date.lstrip("-").split("-") if (n := _number(part)) is not None}
    return _digit_figures(REFERENCE.sub(" ", lexical))


def quote_figures(quote: str) -> set[Decimal]:
    """The figures a quote states, read as a person would read them."""
    figures = _digit_figures(quote)
    for match in SCALED.finditer(quote):
        number = _number(match.group(1))
        if number is not None:
            figures.add((number * SCALES[match.group(2).lower()]).normalize())
    for match in WORD.finditer(quote):
        word = match.group().lower()
        if word in NUMBER_WORDS:
            figures.add(Decimal(NUMBER_WORDS[word]))
        elif word in MONTHS:
            figures.add(Decimal(MONTHS[word]))
    return figures


def missing_figures(value: set[Decimal], quotes: Iterable[str]) -> list[str]:
    """The figures of a value that none of the quotes states, as written (sorted)."""
    stated: set[Decimal] = set()
    for quote in quotes:
        stated |= quote_figures(quote)
    return sorted((format(n, "f") for n in value - stated), key=lambda s: (len(s), s))
