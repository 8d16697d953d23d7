"""Federation policy: find every SERVICE in a query by parsing it, and check the allowlist.

A substring test would be fooled by ``SERVICE`` in a literal or comment and miss ``\\u``
escapes, so the query is parsed with rdflib's SPARQL parser (only when the word appears).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from rdflib.plugins.sparql.parserutils import CompValue

from service.errors import ProtocolError
from service.sparqltext import has_keyword, strip_noise, unescape

# The SERVICE keyword as a token: not part of a name, variable or prefixed name.
_SERVICE_TOKEN = re.compile(r"(?i)(?<![\w:?$])service(?![\w:-])")


def service_iris(sparql: str, *, update: bool = False) -> list[str | None]:
    """The IRIs of all SERVICE clauses (None for ``SERVICE ?var``); [] if there are none."""
    # Cheap token test first: parsing with rdflib costs ~0.4 s, and "service" often appears only
    # in comments, strings, IRIs, variables or prefixed names (e.g. "# see service/query/chain.py").
    # Without the word or an escape that could spell it, no regex pass is needed at all.
    lowered = sparql.lower()
    if "service" not in lowered and "\\u" not in lowered:
        return []
    if not _SERVICE_TOKEN.search(strip_noise(unescape(sparql))):
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
        if has_keyword(sparql, "service"):
            return [None]
        return []
    found: list[str | None] = []
    _walk(tree, found)
    return found


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


_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP, also in the forms HTTP clients accept (127.1, 0x7f.1, 2130706433)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_private_endpoint(iri: str) -> bool:
    """Whether a SERVICE IRI points at this machine or a private/link-local/reserved network.

    Decided from the IRI alone (no DNS lookup in the request path); anything unparseable,
    not http(s), or without a host counts as private.
    """
    try:
        parts = urlsplit(iri)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if parts.scheme.lower() not in ("http", "https") or not host:
        return True
    ip = _ip(host)
    if ip is None:  # a name: local ones, and single-label intranet names, are private
        return host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def check_federation(sparql: str, allowlist: Sequence[str], *, update: bool = False) -> None:
    """Refuse (400) a query whose SERVICE targets are not all in ``allowlist``.

    Entries match exactly. An endpoint on loopback, a private or link-local network (e.g.
    127.0.0.1, localhost, 10.x, 169.254.169.254, [::1]) is refused with its own message
    unless that exact IRI is allowlisted: such a request would reach the server's own network.
    """
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
    local = [i for i in bad if i is not None and is_private_endpoint(i)]
    if local:
        raise ProtocolError(
            f"SERVICE to <{local[0]}> is not allowed: it points at this server or a private, "
            "loopback or link-local network; only endpoints listed exactly in "
            "CPKG_FEDERATION_ALLOWLIST may be called"
        )
    shown = ", ".join("a variable endpoint (SERVICE ?var)" if i is None else f"<{i}>" for i in bad)
    raise ProtocolError(
        f"SERVICE to {shown} is not allowed; allowed endpoints: "
        + ", ".join(f"<{a}>" for a in allowlist)
    )
