"""Who is asking, which graphs they may see and write: the one place access is decided.

Principals: anonymous (no ``Authorization`` header), a *user* (a bearer token from
``CPKG_USERS``) or the *admin* (``CPKG_UPDATE_TOKEN``, the operator). Users own the named graphs
under ``https://w3id.org/cpkg/private/<user>/`` (e.g. ``.../private/alice/matter-17``).

Reads are confined by the **dataset** each query runs over, never by rewriting query text:
``ScopedStore`` wraps the real store for one request and passes the caller's visible graphs
(the store's default graph, every public named graph and the caller's own private graphs)
explicitly as ``default_graphs``/``named_graphs`` to every query. A query's own FROM / FROM
NAMED (or the protocol's ``default-graph-uri``/``named-graph-uri``) is intersected with that set;
a graph the caller may not see behaves exactly like a graph that does not exist. The web layer
hands every route this view (``service.web.context.get_store``), so the SPARQL endpoint, the
linked-data pages, VoID, dumps, /chain, /paths and /healthz all see the same restricted dataset.

Writes: the admin may write anything. A user's SPARQL Update is evaluated on a scratch copy of
what the user can see; if the result differs from the original in any graph the user does not
own, it is refused (403), otherwise exactly the changed graphs of the user are written back, in
one transaction. This checks the *effect* of the update (GRAPH ?g templates, WITH, DROP ALL...)
rather than its text, and the update's WHERE clauses read only what the user may see.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import threading
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from service.errors import ConfigError, ParseError
from service.protocol.errors import ProtocolError
from service.store.base import (
    DEFAULT_GRAPH_IRI,
    EMPTY_GRAPH_IRI,
    GraphName,
    QueryError,
    QueryResult,
    Store,
    has_dataset_clause,
)
from service.vocab import BASE

#: Users' private graphs live under PRIVATE_BASE + "<user>/".
PRIVATE_BASE = BASE + "private/"
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}$")
MIN_TOKEN_LENGTH = 16
_update_lock = threading.Lock()  # serializes user updates on stores without their own lock


class Unauthorized(ProtocolError):
    """The request carries credentials that are not valid (401)."""

    status = 401


class Forbidden(ProtocolError):
    """The caller is known but may not do this (403)."""

    status = 403


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous (name None), a user, or the admin."""

    name: str | None = None
    admin: bool = False

    @property
    def key(self) -> str:
        """Stable id (rate limits, logs): ``admin``, ``user:<name>`` or ``anonymous``."""
        if self.admin:
            return "admin"
        return f"user:{self.name}" if self.name else "anonymous"

    @property
    def can_write(self) -> bool:
        return self.admin or self.name is not None


ANONYMOUS = Principal()
ADMIN = Principal("admin", admin=True)


# -- users and tokens ------------------------------------------------------------------------


def parse_users(raw: str) -> dict[str, str]:
    """``CPKG_USERS``: a TOML/JSON file path, or ``name:token,name2:token2``; name -> token."""
    raw = raw.strip()
    if not raw:
        return {}
    path = Path(raw)
    if raw.endswith((".toml", ".json")) or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"CPKG_USERS: cannot read the users file {path}: {exc}") from None
        try:
            data: Any = json.loads(text) if raw.endswith(".json") else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(
                f"CPKG_USERS: {path} is not valid {'JSON' if raw.endswith('.json') else 'TOML'}"
                f': {exc}; write one `name = "token"` per line (under [users] in TOML)'
            ) from None
        if isinstance(data, dict) and isinstance(data.get("users"), dict):
            data = data["users"]
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigError(f"CPKG_USERS: {path} must map user names to token strings")
        pairs = list(data.items())
    else:
        pairs = []
        for item in raw.split(","):
            name, sep, token = item.strip().partition(":")
            if not sep:
                raise ConfigError(
                    f"CPKG_USERS: {item.strip()!r} is not name:token; "
                    "use e.g. CPKG_USERS=alice:<token>,bob:<token> or a path to a TOML file"
                )
            pairs.append((name.strip(), token.strip()))
    users: dict[str, str] = {}
    for name, token in pairs:
        if not USER_NAME.match(name):
            raise ConfigError(
                f"CPKG_USERS: user name {name!r} is not valid; use 1-64 lower-case letters, "
                "digits, '-' or '_' (it becomes part of graph IRIs)"
            )
        if name in users:
            raise ConfigError(f"CPKG_USERS: user {name!r} is given twice")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"CPKG_USERS: the token of {name!r} is shorter than {MIN_TOKEN_LENGTH} "
                "characters; use a long random token (e.g. `openssl rand -hex 32`)"
            )
        if token in users.values():
            raise ConfigError(f"CPKG_USERS: {name!r} has the same token as another user")
        users[name] = token
    return users


def authenticate(header: str | None, users: dict[str, str], admin_token: str | None) -> Principal:
    """The principal a request's ``Authorization`` header proves; Unauthorized if it proves none.

    Every configured token is compared (``hmac.compare_digest``, no early exit), so the time
    taken does not reveal which token, or how much of one, matched. Without any configured
    token, credentials are ignored (the endpoint is read-only for everyone).
    """
    if not header or not (users or admin_token):
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>'; send no Authorization header "
            "for anonymous (public, read-only) access"
        )
    given = token.encode("utf-8", "surrogateescape")
    found: Principal | None = None
    if admin_token is not None and hmac.compare_digest(given, admin_token.encode()):
        found = ADMIN
    for name, secret in users.items():
        if hmac.compare_digest(given, secret.encode()) and found is None:
            found = Principal(name)
    if found is None:
        raise Unauthorized(
            "the bearer token is wrong (it is neither a user token from CPKG_USERS nor the "
            "admin token); check it, or send no Authorization header for anonymous access"
        )
    return found


# -- graph names -----------------------------------------------------------------------------


def private_graph_prefix(user: str) -> str:
    """The IRI prefix of ``user``'s private graphs."""
    return f"{PRIVATE_BASE}{user}/"


def is_private(iri: str) -> bool:
    return iri.startswith(PRIVATE_BASE)


def owner_of(iri: str) -> str | None:
    """The user a private graph belongs to (None for public graphs)."""
    if not is_private(iri):
        return None
    return iri[len(PRIVATE_BASE) :].split("/", 1)[0] or None


def valid_private_name(iri: str) -> bool:
    """``PRIVATE_BASE<user>/<segment>(/<segment>)*``: no dot segments, query, fragment or %."""
    rest = iri[len(PRIVATE_BASE) :] if is_private(iri) else ""
    user, _, local = rest.partition("/")
    return (
        bool(USER_NAME.match(user))
        and bool(local)
        and len(iri) <= 1000
        and all(_SEGMENT.match(seg) for seg in local.split("/"))
    )


def can_read(principal: Principal, iri: str) -> bool:
    """Whether ``principal`` may see the named graph ``iri``."""
    if principal.admin or not is_private(iri):
        return True
    return principal.name is not None and owner_of(iri) == principal.name


def can_write(principal: Principal, graph: GraphName | str) -> bool:
    """Whether ``principal`` may change a graph (None = the store's default graph)."""
    if principal.admin:
        return True
    if principal.name is None or graph is None:
        return False
    iri = graph if isinstance(graph, str) else graph.value
    return owner_of(iri) == principal.name and valid_private_name(iri)


def write_refusal(principal: Principal, graphs: Sequence[str]) -> Forbidden:
    """The 403 for a write outside the caller's own graphs, saying what is allowed."""
    shown = ", ".join("the default graph" if g == "" else f"<{g}>" for g in graphs[:3])
    more = f" and {len(graphs) - 3} more" if len(graphs) > 3 else ""
    if principal.name is None:
        return Forbidden(f"anonymous callers cannot write ({shown}{more})")
    return Forbidden(
        f"user {principal.name!r} may only write graphs named "
        f"{private_graph_prefix(principal.name)}<name> (letters, digits, '.', '_', '~', '-', "
        f"segments separated by '/'); this request would change {shown}{more}. Public data is "
        "read-only except for the admin token"
    )


# -- the FROM clauses of a query -------------------------------------------------------------


def query_dataset(sparql: str) -> tuple[list[str], list[str]]:
    """The IRIs of a query's FROM and FROM NAMED clauses, parsed with rdflib's SPARQL parser.

    Raises ParseError when the query names its own dataset but cannot be parsed: a dataset we
    cannot read is refused rather than guessed.
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(sparql)).algebra
    except Exception as exc:  # noqa: BLE001 - pyparsing/rdflib raise many kinds
        raise ParseError(
            "this query names its own dataset (FROM / FROM NAMED) and could not be checked "
            f"({type(exc).__name__}: {str(exc)[:200]}); fix the syntax, or remove the FROM "
            "clauses and use default-graph-uri / named-graph-uri"
        ) from None
    default: list[str] = []
    named: list[str] = []
    for clause in algebra.get("datasetClause") or []:
        if "default" in clause:
            default.append(str(clause["default"]))
        elif "named" in clause:
            named.append(str(clause["named"]))
    return default, named


# -- the per-request view of the store ------------------------------------------------------


class ScopedStore(Store):
    """The store as one principal may see and change it (see the module docstring).

    Built per request; the list of visible graphs is taken when it is built, so a forked
    evaluator never has to ask the (possibly on-disk) store for it.
    """

    def __init__(self, base: Store, principal: Principal, timeout: float | None = None) -> None:
        self.base = base
        self.principal = principal
        self.timeout = timeout
        self.forkable = base.forkable
        self._all = base.graph_names()
        self._named = [g for g in self._all if can_read(principal, g)]
        self._visible = frozenset(self._named) | {DEFAULT_GRAPH_IRI}

    @property
    def generation(self) -> int:
        """The backing store's write counter (0 if it has none), e.g. for cache versions."""
        return int(getattr(self.base, "generation", 0))

    @property
    def scope_key(self) -> str:
        """Equal for two views that see the same graphs (keys per-view caches)."""
        return "\n".join(g for g in self._named if is_private(g))

    def dataset(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The explicit (default graphs, named graphs) a query runs over for this principal.

        Never empty (``EMPTY_GRAPH_IRI`` stands for an empty list), so no store can fall back
        to its own unrestricted default dataset.
        """
        if default_graphs or named_graphs:
            asked_d, asked_n = list(default_graphs or ()), list(named_graphs or ())
        elif has_dataset_clause(sparql) or has_dataset_clause(_unescape(sparql)):
            asked_d, asked_n = query_dataset(sparql)
        else:
            return (DEFAULT_GRAPH_IRI, *self._named), tuple(self._named) or (EMPTY_GRAPH_IRI,)
        d = tuple(dict.fromkeys(g for g in asked_d if g in self._visible))
        n = tuple(
            dict.fromkeys(g for g in asked_n if g in self._visible and g != DEFAULT_GRAPH_IRI)
        )
        return d or (EMPTY_GRAPH_IRI,), n or (EMPTY_GRAPH_IRI,)

    # -- reads --------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        d, n = self.dataset(sparql, default_graphs, named_graphs)
        return self.base.query(sparql, default_graphs=d, named_graphs=n, timeout=timeout)

    def graph_names(self) -> list[str]:
        return list(self._named)

    def graph_exists(self, graph: GraphName) -> bool:
        if graph is None:
            return True
        return can_read(self.principal, graph.value) and self.base.graph_exists(graph)

    def get_graph(self, graph: GraphName) -> list[ox.Triple]:
        if graph is not None and not can_read(self.principal, graph.value):
            return []
        return self.base.get_graph(graph)

    def triple_count(self) -> int:
        hidden = [g for g in self._all if g not in self._visible]
        return self.base.triple_count() - sum(
            len(self.base.get_graph(ox.NamedNode(g))) for g in hidden
        )

    # -- writes -------------------------------------------------------------------------

    def _check_write(self, graph: GraphName) -> None:
        if not can_write(self.principal, graph):
            raise write_refusal(self.principal, ["" if graph is None else graph.value])

    def replace_graph(self, graph: GraphName, triples: Iterable[ox.Triple]) -> bool:
        self._check_write(graph)
        return self.base.replace_graph(graph, triples)

    def add_to_graph(self, graph: GraphName, triples: Iterable[ox.Triple]) -> bool:
        self._check_write(graph)
        return self.base.add_to_graph(graph, triples)

    def delete_graph(self, graph: GraphName) -> bool:
        self._check_write(graph)
        if graph is not None and not self.base.graph_exists(graph):
            return False
        return self.base.delete_graph(graph)

    def load(self, data: bytes, format: str, graph: str | None = None) -> int:
        if not self.principal.admin:
            raise write_refusal(self.principal, [graph or ""])
        return self.base.load(data, format, graph)

    def update(self, sparql: str) -> None:
        """The admin's updates run as they are; a user's are checked by their effect."""
        if self.principal.admin:
            self.base.update(sparql)
            return
        if self.principal.name is None:
            raise write_refusal(self.principal, ["(any graph)"])
        refuse_load(sparql)
        names = list(self._named)
        user = self.principal

        def plan() -> tuple[list[str], str]:
            return plan_user_update(self.base, user, names, sparql)

        from service.query.evaluators import run_forked

        fork_guard = getattr(self.base, "fork_guard", None)
        if self.base.forkable and fork_guard is not None:
            # Hold the write lock from the scratch run to the write-back: no write interleaves.
            with fork_guard():
                refused, ops = run_forked(plan, self.timeout)
                self._apply(refused, ops)
        else:
            with _update_lock:
                refused, ops = plan()
                self._apply(refused, ops)

    def _apply(self, refused: list[str], ops: str) -> None:
        if refused:
            raise write_refusal(self.principal, refused)
        if ops:
            self.base.update(ops)

    def close(self) -> None:
        """The view does not own the store."""


def backing_store(store: Store) -> Store:
    """The real store behind a per-request view (for locks and fork guards)."""
    return store.base if isinstance(store, ScopedStore) else store


# -- user updates ----------------------------------------------------------------------------


def refuse_load(sparql: str) -> None:
    """LOAD fetches URLs from the server (SSRF): never for users."""
    from rdflib.plugins.sparql.parser import parseUpdate

    from service.protocol.federation import _strip_strings

    try:
        names = [op.name for op in parseUpdate(sparql).request]
        has_load = "Load" in names
    except Exception:  # noqa: BLE001 - unparseable by rdflib: look at the words
        has_load = re.search(r"(?i)\bload\b", _strip_strings(_unescape(sparql))) is not None
    if has_load:
        raise Forbidden(
            "LOAD is not allowed for users (it would make the server fetch a URL); send the "
            "data itself with INSERT DATA or a Graph Store PUT/POST to /data?graph=..."
        )


def _quads(store: Store, graph: str) -> Iterator[ox.Quad]:
    node: ox.NamedNode | ox.DefaultGraph
    if graph == DEFAULT_GRAPH_IRI:
        name: GraphName = None
        node = ox.DefaultGraph()
    else:
        name = node = ox.NamedNode(graph)
    for t in store.get_graph(name):
        yield ox.Quad(t.subject, t.predicate, t.object, node)


def plan_user_update(
    store: Store, user: Principal, visible: list[str], sparql: str
) -> tuple[list[str], str]:
    """Run ``sparql`` on a scratch copy of what ``user`` sees: (graphs refused, ops to apply).

    Either the first list names the graphs outside the user's own that the update would
    change (and nothing may be applied), or the second is one SPARQL update that rewrites
    exactly the user's changed graphs.
    """
    scratch = ox.Store()
    before: dict[str, set[ox.Quad]] = {}
    for g in [DEFAULT_GRAPH_IRI, *visible]:
        quads = list(_quads(store, g))
        before[g] = set(quads)
        scratch.extend(quads)
        if g != DEFAULT_GRAPH_IRI:
            scratch.add_graph(ox.NamedNode(g))
    try:
        scratch.update(sparql)
    except SyntaxError as exc:
        from service.store.embedded import syntax_error

        raise syntax_error(exc, "SPARQL update") from None
    except (ValueError, RuntimeError, OSError) as exc:
        raise QueryError(f"the update failed and nothing was changed: {exc}") from None
    after: dict[str, set[ox.Quad]] = {DEFAULT_GRAPH_IRI: set()}
    for node in scratch.named_graphs():
        if isinstance(node, ox.NamedNode):
            after.setdefault(node.value, set())
    for q in scratch:
        key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else DEFAULT_GRAPH_IRI
        after.setdefault(key, set()).add(q)
    refused = []
    ops = []
    for g in sorted(set(before) | set(after)):
        if before.get(g) == after.get(g):
            continue
        if g == DEFAULT_GRAPH_IRI or not can_write(user, g):
            refused.append("" if g == DEFAULT_GRAPH_IRI else g)
            continue
        if g not in after:
            ops.append(f"DROP SILENT GRAPH <{g}>")
            continue
        ops += [f"CLEAR SILENT GRAPH <{g}>", f"CREATE SILENT GRAPH <{g}>"]
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in after[g]]
        if triples:
            text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
            ops.append(f"INSERT DATA {{ GRAPH <{g}> {{ {text} }} }}")
    if refused:
        return refused, ""
    return [], " ;\n".join(ops)


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        with contextlib.suppress(ValueError, OverflowError):
            return chr(int(m.group(1) or m.group(2), 16))
        return m.group(0)

    return _ESCAPE.sub(sub, text)
