"""Who is asking, which graphs they may see and write: the one place access is decided.

Principals: anonymous (no ``Authorization`` header), a *user* (a bearer token from
``CPKG_USERS``) or the *admin* (``CPKG_UPDATE_TOKEN``, the operator). Users own the named graphs
under ``https://w3id.org/cpkg/private/<user>/`` (e.g. ``.../private/alice/matter-17``).

Reads are confined by the **dataset** each query runs over, never by rewriting query text:
``ScopedStore`` wraps the real store for one principal and passes the caller's visible graphs
(the store's default graph, every public named graph and the caller's own private graphs)
explicitly as the dataset of every query. A query's own FROM / FROM NAMED (or the protocol's
``default-graph-uri``/``named-graph-uri``) is intersected with that set; a graph the caller may
not see behaves exactly like a graph that does not exist. The executor
(service/query/executor.py) hands every read task this view, so the SPARQL endpoint, the
linked-data pages, VoID, dumps, /chain, /paths and /healthz all see the same restricted dataset.

Writes: the admin may write anything. A user's SPARQL Update is evaluated on a scratch copy of
what the user can see (``plan_user_update``); if the result differs from the original in any
graph the user does not own, it is refused (403), otherwise exactly the changed graphs of the
user are written back, in one transaction. This checks the *effect* of the update (GRAPH ?g
templates, WITH, DROP ALL...) rather than its text, and its WHERE clauses read only what the
user may see.
"""

from __future__ import annotations

import hmac
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from service.config import USER_NAME
from service.errors import Forbidden, ParseError, QueryError, Unauthorized
from service.sparqltext import has_dataset_clause, has_keyword
from service.store.base import (
    DEFAULT_GRAPH_IRI,
    EMPTY_GRAPH_IRI,
    UNION,
    Dataset,
    GraphName,
    QueryResult,
    Store,
    Term,
)
from service.store.links import Links, sparql_links
from service.vocab import BASE

#: Users' private graphs live under PRIVATE_BASE + "<user>/".
PRIVATE_BASE = BASE + "private/"
_SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}$")


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous (name None), a user, or the admin."""

    name: str | None = None
    admin: bool = False

    def __reduce__(self) -> tuple[type[Principal], tuple[str | None, bool]]:
        """Every read's task carries one to its evaluator: rebuilt from its fields, not
        through the generic (Python-level) dataclass state protocol."""
        return Principal, (self.name, self.admin)

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


# -- tokens ------------------------------------------------------------------------------------


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


_VISIBLE: weakref.WeakKeyDictionary[Store, dict[tuple[int, Principal], tuple[list[str], list[str]]]]
_VISIBLE = weakref.WeakKeyDictionary()


def _visible_graphs(base: Store, principal: Principal) -> tuple[list[str], list[str]]:
    """(every named graph, those ``principal`` may read): worked out once per store
    generation (every read builds a view; the graphs change only with a write)."""
    if base.generation is None:  # a store others write to: ask every time
        every = base.graph_names()
        return every, [g for g in every if can_read(principal, g)]
    known = _VISIBLE.setdefault(base, {})
    key = (base.generation, principal)
    if key not in known:
        if len(known) > 64:
            known.clear()
        every = base.graph_names()
        known[key] = (every, [g for g in every if can_read(principal, g)])
    return known[key]


# -- the view of the store one principal has --------------------------------------------------


class ScopedStore(Store):
    """The store as one principal may see and change it (see the module docstring).

    The list of visible graphs is taken when the view is built (in the evaluator that runs the
    read), so it is consistent for the whole read.
    """

    def __init__(self, base: Store, principal: Principal) -> None:
        self.base = base
        self.principal = principal
        self.forkable = base.forkable
        self.generation = base.generation
        self.modified = base.modified
        self._all, self._named = _visible_graphs(base, principal)
        self._visible = frozenset(self._named) | {DEFAULT_GRAPH_IRI}
        self._hides_nothing = len(self._named) == len(self._all)

    def dataset(self, sparql: str, asked: Dataset = UNION) -> Dataset:
        """The dataset a query runs over for this principal.

        The store's own (union) dataset when the caller may see every graph and asks for no
        other; otherwise an explicit one, never empty (``EMPTY_GRAPH_IRI`` stands for an empty
        list), so no store can fall back to its own unrestricted default dataset.
        """
        if asked:
            asked_d, asked_n = list(asked.default_graphs), list(asked.named_graphs)
        elif has_dataset_clause(sparql):
            asked_d, asked_n = query_dataset(sparql)
        elif self._hides_nothing:
            return UNION
        else:
            return Dataset(
                (DEFAULT_GRAPH_IRI, *self._named), tuple(self._named) or (EMPTY_GRAPH_IRI,)
            )
        d = tuple(dict.fromkeys(g for g in asked_d if g in self._visible))
        n = tuple(
            dict.fromkeys(g for g in asked_n if g in self._visible and g != DEFAULT_GRAPH_IRI)
        )
        return Dataset(d or (EMPTY_GRAPH_IRI,), n or (EMPTY_GRAPH_IRI,))

    # -- reads --------------------------------------------------------------------------

    def query(
        self, sparql: str, dataset: Dataset = UNION, timeout: float | None = None
    ) -> QueryResult:
        return self.base.query(sparql, self.dataset(sparql, dataset), timeout)

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

    def objects(
        self, subjects: Sequence[str], predicates: Sequence[str], *, first: bool = False
    ) -> Iterator[tuple[str, str, Term]]:
        if self._hides_nothing:  # the store's own lookup
            yield from self.base.objects(subjects, predicates, first=first)
        else:
            yield from Store.objects(self, subjects, predicates)  # by a query over its dataset

    def links(self, iri: str, offset: int, per_page: int) -> Links:
        if self._hides_nothing:  # the store's own way
            return self.base.links(iri, offset, per_page)
        return sparql_links(self, iri, offset, per_page)  # by queries over its dataset

    def quads(self) -> Iterator[ox.Quad]:
        for q in self.base.quads():
            g = q.graph_name
            if not isinstance(g, ox.NamedNode) or g.value in self._visible:
                yield q

    def triple_count(self) -> int:
        hidden = [g for g in self._all if g not in self._visible]
        return self.base.triple_count() - sum(
            len(self.base.get_graph(ox.NamedNode(g))) for g in hidden
        )

    # -- writes (SPARQL Update is planned by the executor: ``plan_user_update``) -----------

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

    def close(self) -> None:
        """The view does not own the store."""


# -- user updates ----------------------------------------------------------------------------


def refuse_load(sparql: str) -> None:
    """LOAD fetches URLs from the server (SSRF): never for users."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        has_load = "Load" in [op.name for op in parseUpdate(sparql).request]
    except Exception:  # noqa: BLE001 - unparseable by rdflib: look at the words
        has_load = has_keyword(sparql, "load")
    if has_load:
        raise Forbidden(
            "LOAD is not allowed for users (it would make the server fetch a URL); send the "
            "data itself with INSERT DATA or a Graph Store PUT/POST to /data?graph=..."
        )


def _graph_key(q: ox.Quad) -> str:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else DEFAULT_GRAPH_IRI


def plan_user_update(view: Store, sparql: str) -> tuple[list[str], str]:
    """Run ``sparql`` on a scratch copy of what the caller sees: (graphs refused, ops to apply).

    A read task (service/query/executor.py): ``view`` is the caller's view. Either the first
    list names the graphs outside the user's own that the update would change (and nothing may
    be applied), or the second is one SPARQL update that rewrites exactly the user's changed
    graphs.
    """
    user: Principal = getattr(view, "principal", ANONYMOUS)
    scratch = ox.Store()
    before: dict[str, set[ox.Quad]] = {DEFAULT_GRAPH_IRI: set()}
    for g in view.graph_names():
        before[g] = set()
        scratch.add_graph(ox.NamedNode(g))
    for q in view.quads():
        before.setdefault(_graph_key(q), set()).add(q)
        scratch.add(q)
    try:
        scratch.update(sparql)
    except SyntaxError as exc:
        raise ParseError.from_syntax_error(exc, "SPARQL update") from None
    except (ValueError, RuntimeError, OSError) as exc:
        raise QueryError(f"the update failed and nothing was changed: {exc}") from None
    after: dict[str, set[ox.Quad]] = {DEFAULT_GRAPH_IRI: set()}
    for node in scratch.named_graphs():
        if isinstance(node, ox.NamedNode):
            after.setdefault(node.value, set())
    for q in scratch:
        after.setdefault(_graph_key(q), set()).add(q)
    changed = [g for g in sorted(set(before) | set(after)) if before.get(g) != after.get(g)]
    refused = [
        "" if g == DEFAULT_GRAPH_IRI else g
        for g in changed
        if g == DEFAULT_GRAPH_IRI or not can_write(user, g)
    ]
    if refused:
        return refused, ""
    return [], " ;\n".join(op for g in changed for op in _rewrite(g, after.get(g)))


def _rewrite(graph: str, quads: set[ox.Quad] | None) -> list[str]:
    """The operations that make ``graph`` hold exactly ``quads`` (None: drop it)."""
    if quads is None:
        return [f"DROP SILENT GRAPH <{graph}>"]
    ops = [f"CLEAR SILENT GRAPH <{graph}>", f"CREATE SILENT GRAPH <{graph}>"]
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    if triples:
        text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        ops.append(f"INSERT DATA {{ GRAPH <{graph}> {{ {text} }} }}")
    return ops
