"""Which SPARQL queries could see that pyoxigraph stores some literals differently.

pyoxigraph keeps numbers, booleans and dates by value: "50.0"^^xsd:decimal is stored as "50"
(a lexical change) and every integer subtype as xsd:integer ("5"^^xsd:nonNegativeInteger
becomes "5"^^xsd:integer, a datatype change). Values, comparisons and joins are unaffected
(service/build/shacl/data.py refuses data where two literals would merge), so a query sees the
difference only through string functions (lexical changes), DATATYPE/sameTerm and typed or
shorthand constants matched against data (datatype changes). A query that may do so while the
data holds such literals is left to pySHACL for its shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from service.build.shacl.rewrite import Token, tokenize

XSD = "http://www.w3.org/2001/XMLSchema#"
_LEXICAL = {
    "STR", "STRLEN", "SUBSTR", "UCASE", "LCASE", "STRSTARTS", "STRENDS", "CONTAINS",
    "STRBEFORE", "STRAFTER", "ENCODE_FOR_URI", "CONCAT", "REGEX", "REPLACE", "MD5", "SHA1",
    "SHA256", "SHA384", "SHA512", "IRI", "URI", "BNODE", "STRDT", "STRLANG",
}  # fmt: skip
_EXPRESSIONS = {"FILTER", "HAVING"}  # clauses whose constants are compared by value


@dataclass
class Features:
    """What in a query could tell a literal from its stored form."""

    opaque: str | None = None  # a construct the analysis does not follow
    string_functions: bool = False
    datatype_constants: set[str] = field(default_factory=set)  # IRIs DATATYPE() is compared to
    typed_constants: set[str] = field(default_factory=set)  # datatypes of "..."^^dt constants
    pattern_constants: set[str] = field(
        default_factory=set
    )  # datatypes of 1, 1.5, true in patterns


def _resolve(token: Token, prefixes: Mapping[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "word" and ":" in token.text:
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix)
        return namespace + local if namespace is not None else None
    return None


def _close(tokens: list[Token], open_: int) -> int:
    depth = 0
    for i in range(open_, len(tokens)):
        if tokens[i].kind == "lparen":
            depth += 1
        elif tokens[i].kind == "rparen":
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def _datatype_use(tokens: list[Token], i: int, prefixes: Mapping[str, str]) -> str | None:
    """The IRI a DATATYPE(...) call is compared to with = or !=, or None."""
    if i + 1 >= len(tokens) or tokens[i + 1].kind != "lparen":
        return None
    j = _close(tokens, i + 1) + 1
    if j < len(tokens) and tokens[j].text == "!":
        j += 1
    if j + 1 < len(tokens) and tokens[j].text == "=":
        return _resolve(tokens[j + 1], prefixes)
    return None


def features(query: str, prefixes: Mapping[str, str]) -> Features:
    """Scan a query once; `prefixes` resolve prefixed names (the query's own PREFIX too)."""
    out = Features()
    tokens = tokenize(query)
    if tokens is None:
        return Features(opaque="query cannot be tokenized")
    known = dict(prefixes)
    for i, t in enumerate(tokens[:-2]):
        if t.upper == "PREFIX" and tokens[i + 2].kind == "iri":
            known[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
    expression_end = -1
    for i, t in enumerate(tokens):
        opens = i + 1 < len(tokens) and tokens[i + 1].kind == "lparen"
        if t.kind == "word" and t.upper in _EXPRESSIONS and opens:
            expression_end = max(expression_end, _close(tokens, i + 1))
        in_expression = i <= expression_end
        upper = t.upper if t.kind == "word" else ""
        if upper in _LEXICAL:
            out.string_functions = True
        elif upper == "SAMETERM":
            out.opaque = "sameTerm"
        elif upper == "DATATYPE":
            compared = _datatype_use(tokens, i, known)
            if compared is None:
                out.opaque = "DATATYPE() used other than in = / != with an IRI"
            else:
                out.datatype_constants.add(compared)
        elif t.text == "^" and i + 2 < len(tokens) and tokens[i + 1].text == "^":
            dt = _resolve(tokens[i + 2], known)
            if dt is None:
                out.opaque = "typed constant with an unknown datatype"
            else:
                out.typed_constants.add(dt)
        elif not in_expression and (t.kind == "other" and t.text.isdigit()):
            out.pattern_constants |= {XSD + "integer", XSD + "decimal", XSD + "double"}
        elif not in_expression and upper in ("TRUE", "FALSE"):
            out.pattern_constants.add(XSD + "boolean")
    return out


def conflict(found: Features, lexical_changed: bool, datatypes: set[str]) -> str | None:
    """Why the query could see stored forms of the data's literals, or None."""
    if not lexical_changed and not datatypes:
        return None
    if found.opaque is not None:
        return found.opaque
    if lexical_changed and found.string_functions:
        return "string functions on literals the store rewrote"
    touched = datatypes & (
        found.datatype_constants | found.typed_constants | found.pattern_constants
    )
    if touched:
        return f"constants of datatypes the store rewrites ({', '.join(sorted(touched))})"
    if lexical_changed and (found.typed_constants or found.pattern_constants):
        return "typed constants matched against literals the store rewrote"
    return None
