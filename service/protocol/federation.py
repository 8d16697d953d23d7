"""Federation policy: find every SERVICE in a query by parsing it, and check the allowlist.

A substring test would be fooled by ``SERVICE`` in a literal or comment and miss ``\\u``
escapes, so the query is parsed with rdflib's SPARQL parser (only when the word appears).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdflib.plugins.sparql.parserutils import CompValue

from service.protocol.errors import ProtocolError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def service_iris(sparql: str, *, update: bool = False) -> list[str | None]:
    """The IRIs of all SERVICE clauses (None for ``SERVICE ?var``); [] if there are none."""
    if "service" not in _unescape(sparql).lower():
        return []
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree: object = (
            translateUpdate(parseUpdate(sparql)).algebra
            if update
            else translateQuery(parseQuery(sparql)).algebra
        )
    except Exception:  # noqa: BLE001 - rdflib cannot parse it; be conservative
        # The word appears but we cannot prove it is not a SERVICE clause: check tokens.
        if re.search(r"(?i)\bservice\b", _strip_strings(_unescape(sparql))):
            return [None]
        return []
    found: list[str | None] = []
    _walk(tree, found)
    return found


def _strip_strings(text: str) -> str:
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', '""', text)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', text)
    text = re.sub(r"<[^<>\"{}|^`\\\s]*>", "<>", text)
    return re.sub(r"#[^\n]*", "", text)


def _walk(node: object, found: list[str | None]) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            found.append(str(term) if term is not None and not _is_var(term) else None)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, found)


def _is_var(term: object) -> bool:
    from rdflib.term import Variable

    return isinstance(term, Variable)


def check_federation(sparql: str, allowlist: Sequence[str], *, update: bool = False) -> None:
    """Refuse (400) a query whose SERVICE targets are not all in ``allowlist``."""
    iris = service_iris(sparql, update=update)
    if not iris:
        return
    bad = [i for i in iris if i is None or i not in allowlist]
    if not bad:
        return
    if not allowlist:
        raise ProtocolError(
            "federated queries (SERVICE) are disabled on this endpoint; remove the SERVICE "
            "clause or ask the operator to allow the endpoint in CPKG_FEDERATION_ALLOWLIST"
        )
    shown = ", ".join("a variable endpoint (SERVICE ?var)" if i is None else f"<{i}>" for i in bad)
    raise ProtocolError(
        f"SERVICE to {shown} is not allowed; allowed endpoints: "
        + ", ".join(f"<{a}>" for a in allowlist)
    )
