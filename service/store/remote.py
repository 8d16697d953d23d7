"""A ``Store`` backed by an external SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB...).

Queries and updates go over the SPARQL 1.1 Protocol through SPARQLWrapper; answers are parsed
into the same pyoxigraph terms the embedded store returns (SELECT/ASK as SPARQL JSON, CONSTRUCT/
DESCRIBE as N-Triples), so the web layer does not know which store answered.

Dataset semantics match the embedded store: without ``default_graphs``/``named_graphs`` (and
without FROM in the query) the default graph is the union of the *data* graphs and GRAPH ?g
ranges over them. The data graphs are the store's graphs minus its system graphs (Virtuoso keeps
~2,500 triples of its own in ``virtrdf#`` and friends, which its implicit union would include)
and minus push's staging graphs; they are sent explicitly as ``default-graph-uri`` and
``named-graph-uri``. Every network failure becomes a ``RemoteStoreError`` subclass with a
message that names the endpoint and says what to check; nothing waits longer than its timeout.
"""

from __future__ import annotations

import ast
import http.client
import json
import re
import threading
import time
import urllib.error
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from pyoxigraph import BlankNode, NamedNode, Quad, Triple
from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
from SPARQLWrapper import SPARQLExceptions as sw_errors

from service.config import Settings
from service.errors import (
    ConfigError,
    ParseError,
    QueryError,
    RemoteAuthError,
    RemoteStoreError,
    RemoteTimeout,
)
from service.formats import rdf_format
from service.sparqltext import has_dataset_clause, query_form
from service.store.base import (
    DEFAULT_GRAPH_IRI,
    EMPTY_GRAPH_IRI,
    UNION,
    AskResult,
    Dataset,
    GraphName,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
)
from service.store.links import Links, sparql_links

#: Graphs a store keeps for itself; never part of the cpkg dataset (prefix match).
SYSTEM_GRAPH_PREFIXES: tuple[str, ...] = (
    "http://www.openlinksw.com/",  # Virtuoso: virtrdf# (RDF views), schemas
    "http://www.w3.org/ns/ldp#",  # Virtuoso: LDP support
    "http://localuriqaserver/",  # Virtuoso: URIQA / service description
    "urn:x-cpkg:staging:",  # cpkg push: graphs being loaded, swapped in when complete
)
STAGING_PREFIX = "urn:x-cpkg:staging:"

_SELECT_ACCEPT = "application/sparql-results+json"
_GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/rdf+n3": ox.RdfFormat.TURTLE,
}


def is_data_graph(iri: str) -> bool:
    """True for graphs that belong to the dataset (not system or staging graphs)."""
    return not iri.startswith(SYSTEM_GRAPH_PREFIXES)


@dataclass(frozen=True)
class _Response:
    body: bytes
    content_type: str
    headers: dict[str, str]


class RemoteStore(Store):
    """A remote SPARQL 1.1 endpoint (query + update) presented as a ``Store``."""

    forkable = False

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str = "digest",
        token: str | None = None,
        timeout: float = 30.0,
        update_timeout: float = 300.0,
        graph_cache_seconds: float = 2.0,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                f"SPARQL endpoint {endpoint!r} is not an http(s) URL; set CPKG_SPARQL_ENDPOINT "
                "to e.g. http://127.0.0.1:8890/sparql"
            )
        if (user is None) != (password is None):
            raise ConfigError("set both CPKG_SPARQL_USER and CPKG_SPARQL_PASSWORD, or neither")
        if auth not in ("digest", "basic"):
            raise ConfigError(f"unknown HTTP auth {auth!r}; use digest or basic")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.user = user
        self.password = password
        self.auth = auth
        self.token = token
        self.timeout = timeout
        self.update_timeout = update_timeout
        self.graph_cache_seconds = graph_cache_seconds
        self._graphs: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store configured by CPKG_SPARQL_* (``CPKG_STORE=remote``)."""
        if not settings.sparql_endpoint:
            raise ConfigError(
                "CPKG_STORE=remote needs CPKG_SPARQL_ENDPOINT, e.g. http://127.0.0.1:8890/sparql"
            )
        return cls(
            settings.sparql_endpoint,
            update_endpoint=settings.sparql_update_endpoint,
            user=settings.sparql_user,
            password=settings.sparql_password,
            auth=settings.sparql_auth,
            token=settings.sparql_token,
            timeout=settings.query_timeout if settings.query_timeout > 0 else 3600.0,
            update_timeout=settings.sparql_update_timeout,
        )

    # -- HTTP ----------------------------------------------------------------------------

    def _send(
        self,
        text: str,
        *,
        update: bool,
        accept: str,
        timeout: float | None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> _Response:
        """POST one query or update; map every failure to a RemoteStoreError subclass."""
        url = self.update_endpoint if update else self.endpoint
        limit = max(1, round(timeout if timeout and timeout > 0 else self.timeout))
        w = self._request(text, update, accept, limit)
        for g in default_graphs:
            w.addParameter("using-graph-uri" if update else "default-graph-uri", g)
        for g in named_graphs:
            w.addParameter("using-named-graph-uri" if update else "named-graph-uri", g)
        what = "update" if update else "query"
        try:
            resp = w.query().response
            body = resp.read()
            headers = {k.lower(): v for k, v in resp.headers.items()}
        except Exception as exc:  # noqa: BLE001 - every known failure is mapped
            mapped = self._failure(exc, url, what, limit)
            if mapped is exc:
                raise
            raise mapped from None
        # Virtuoso "anytime queries": at its own MaxQueryExecutionTime it returns a *partial*
        # answer with 200 OK and X-SQL-State S1TAT. A partial answer is a wrong answer.
        if headers.get("x-sql-state") == "S1TAT":
            raise RemoteTimeout(
                f"the SPARQL store at {url} stopped the {what} at its own time limit and "
                "returned a partial answer (Virtuoso MaxQueryExecutionTime); simplify the query"
            )
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        return _Response(body, ctype, headers)

    def _request(self, text: str, update: bool, accept: str, timeout: int) -> SPARQLWrapper:
        """A SPARQLWrapper request with our credentials, Accept header and time limit."""
        w = SPARQLWrapper(self.endpoint, updateEndpoint=self.update_endpoint)
        w.setMethod(POST)
        w.setOnlyConneg(True)  # no format=/output= parameters: plain content negotiation
        w.setQuery(text)
        # SPARQLWrapper guesses query vs update from the first keyword; we know which it is.
        w.queryType = "INSERT" if update else "SELECT"
        w.addCustomHttpHeader("Accept", accept)
        if self.token:
            w.addCustomHttpHeader("Authorization", f"Bearer {self.token}")
        elif self.user is not None and self.password is not None:
            w.setCredentials(self.user, self.password)
            if self.auth == "digest":
                w.setHTTPAuth(DIGEST)
        w.setTimeout(timeout)
        return w

    def _failure(self, exc: Exception, url: str, what: str, limit: int) -> Exception:
        """The error a user can act on for a failed request: what, where, what to check."""
        if isinstance(exc, sw_errors.Unauthorized):
            return self._auth_error(url, 401)
        if isinstance(exc, sw_errors.QueryBadFormed):
            return QueryError(f"the SPARQL store rejected the {what}: {_detail(exc)}")
        if isinstance(exc, sw_errors.EndPointNotFound):
            return RemoteStoreError(
                f"no SPARQL endpoint at {url} (HTTP 404); check CPKG_SPARQL_ENDPOINT"
                + (" and CPKG_SPARQL_UPDATE_ENDPOINT" if what == "update" else "")
            )
        if isinstance(exc, sw_errors.URITooLong):
            return RemoteStoreError(f"{url} refused the request as too long (HTTP 414)")
        if isinstance(exc, sw_errors.EndPointInternalError):
            return RemoteStoreError(
                f"the SPARQL store at {url} failed on the {what} (HTTP 500): {_detail(exc)}"
            )
        if isinstance(exc, urllib.error.HTTPError):
            if exc.code in (401, 403):
                return self._auth_error(url, exc.code)
            return RemoteStoreError(
                f"the SPARQL store at {url} answered HTTP {exc.code} {exc.reason}: {_detail(exc)}"
            )
        if isinstance(exc, urllib.error.URLError):
            if isinstance(exc.reason, TimeoutError):
                return self._timeout(url, what, limit)
            if isinstance(exc.reason, ConnectionRefusedError):
                return RemoteStoreError(
                    f"cannot connect to the SPARQL store at {url}: connection refused; is it "
                    "running, and is CPKG_SPARQL_ENDPOINT right?"
                )
            return RemoteStoreError(f"cannot reach the SPARQL store at {url}: {exc.reason}")
        if isinstance(exc, TimeoutError):
            return self._timeout(url, what, limit)
        if isinstance(exc, http.client.HTTPException | ConnectionError | OSError):
            return RemoteStoreError(
                f"lost the connection to the SPARQL store at {url} during the {what}: "
                f"{type(exc).__name__} {exc}"
            )
        return exc

    def _auth_error(self, url: str, code: int) -> RemoteAuthError:
        how = (
            "the bearer token (CPKG_SPARQL_TOKEN)"
            if self.token
            else f"CPKG_SPARQL_USER/CPKG_SPARQL_PASSWORD (sent with {self.auth} auth)"
            if self.user
            else "no credentials were sent; set CPKG_SPARQL_USER and CPKG_SPARQL_PASSWORD"
        )
        hint = " Virtuoso's /sparql-auth accepts digest only (CPKG_SPARQL_AUTH=digest)."
        return RemoteAuthError(
            f"the SPARQL store at {url} refused the request (HTTP {code}): check {how}.{hint}"
        )

    def _timeout(self, url: str, what: str, limit: float) -> RemoteTimeout:
        return RemoteTimeout(
            f"the SPARQL store at {url} did not answer the {what} within {limit:g} s; "
            "simplify the query or raise CPKG_QUERY_TIMEOUT"
            + (" / CPKG_SPARQL_UPDATE_TIMEOUT" if what == "update" else "")
        )

    # -- queries -------------------------------------------------------------------------

    def query(
        self, sparql: str, dataset: Dataset = UNION, timeout: float | None = None
    ) -> QueryResult:
        """Evaluate ``sparql`` remotely; see the module docstring for dataset semantics."""
        form = query_form(sparql)
        if form is None or form == "update":
            raise ParseError(
                "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE "
                "(send updates to the update operation)"
            )
        dg = list(dataset.default_graphs)
        ng = list(dataset.named_graphs)
        if not dg and not ng and not has_dataset_clause(sparql):
            graphs = self._data_graphs()
            dg = (graphs + [DEFAULT_GRAPH_IRI]) if graphs else [EMPTY_GRAPH_IRI]
            ng = graphs or [EMPTY_GRAPH_IRI]
        elif dg and not ng:
            ng = [EMPTY_GRAPH_IRI]  # protocol: default-graph-uri alone => no named graphs
        elif ng and not dg:
            dg = [EMPTY_GRAPH_IRI]  # protocol: named-graph-uri alone => empty default graph
        graph_form = form in ("construct", "describe")
        resp = self._send(
            sparql,
            update=False,
            accept=_GRAPH_ACCEPT if graph_form else _SELECT_ACCEPT,
            timeout=timeout,
            default_graphs=dg,
            named_graphs=ng,
        )
        return self._graph_result(resp) if graph_form else self._solutions(resp)

    def _solutions(self, resp: _Response) -> SelectResult | AskResult:
        if resp.content_type != "application/sparql-results+json":
            raise _malformed(
                self.endpoint,
                f"expected SPARQL JSON results, got {resp.content_type or 'no content type'}",
                resp.body,
            )
        try:
            parsed = ox.parse_query_results(_fix_bnodes(resp.body), ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QueryBoolean):
                return AskResult(bool(parsed))
            names = [v.value for v in parsed.variables]
            rows = [tuple(sol[i] for i in range(len(names))) for sol in parsed]
        except (SyntaxError, ValueError) as exc:
            raise _malformed(self.endpoint, str(exc), resp.body) from None
        return SelectResult(names, rows)

    def _graph_result(self, resp: _Response) -> GraphResult:
        fmt = _GRAPH_FORMATS.get(resp.content_type)
        if fmt is None:
            raise _malformed(
                self.endpoint,
                f"expected N-Triples or Turtle, got {resp.content_type or 'no content type'}",
                resp.body,
            )
        try:
            triples = [Triple(q.subject, q.predicate, q.object) for q in ox.parse(resp.body, fmt)]
        except (SyntaxError, ValueError) as exc:
            raise _malformed(self.endpoint, str(exc), resp.body) from None
        return GraphResult(triples)

    def select(self, sparql: str, timeout: float | None = None) -> list[dict[str, Any]]:
        """A SELECT over *all* graphs (no dataset parameters), as dicts; for admin queries."""
        resp = self._send(sparql, update=False, accept=_SELECT_ACCEPT, timeout=timeout)
        result = self._solutions(resp)
        assert isinstance(result, SelectResult)
        return [dict(zip(result.variables, row, strict=True)) for row in result.rows]

    # -- updates -------------------------------------------------------------------------

    def update(self, sparql: str, timeout: float | None = None) -> None:
        """Send a SPARQL 1.1 Update. Atomicity is the remote store's (Virtuoso: per request)."""
        self._send(
            sparql,
            update=True,
            accept=_SELECT_ACCEPT + ", */*;q=0.1",
            timeout=timeout or self.update_timeout,
        )
        self._graphs = None  # the set of graphs may have changed

    # -- graph store ---------------------------------------------------------------------

    def graph_counts(self) -> dict[str, int]:
        """Triples per data graph (system and staging graphs excluded)."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        counts: dict[str, int] = {}
        for row in rows:
            g, n = row.get("g"), row.get("n")
            if isinstance(g, NamedNode) and is_data_graph(g.value) and isinstance(n, ox.Literal):
                counts[g.value] = int(n.value)
        return counts

    def _data_graphs(self) -> list[str]:
        """Data graph IRIs (incl. the stand-in default graph), cached for a moment."""
        now = time.monotonic()
        with self._lock:
            cached = self._graphs
        if cached is not None and now - cached[0] < self.graph_cache_seconds:
            return cached[1]
        # GROUP BY, not DISTINCT: same answer, but Virtuoso plans DISTINCT as a full scan (3.7 s
        # for 12k quads against 2 ms).
        rows = self.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        graphs = sorted(
            r["g"].value
            for r in rows
            if isinstance(r.get("g"), NamedNode) and is_data_graph(r["g"].value)
        )
        with self._lock:
            self._graphs = (now, graphs)
        return graphs

    def graph_names(self) -> list[str]:
        return [g for g in self._data_graphs() if g != DEFAULT_GRAPH_IRI]

    def graph_exists(self, graph: GraphName) -> bool:
        if graph is None:
            return True
        resp = self._send(
            f"ASK WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
            update=False,
            accept=_SELECT_ACCEPT,
            timeout=None,
        )
        result = self._solutions(resp)
        return isinstance(result, AskResult) and result.value

    def get_graph(self, graph: GraphName) -> list[Triple]:
        target = _iri(graph)
        result = self.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}",
            Dataset((EMPTY_GRAPH_IRI,), (target.value,)),
        )
        assert isinstance(result, GraphResult)
        return list(result.triples)

    def replace_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        existed = self.graph_exists(graph)
        target = _iri(graph)
        batches = list(batched_triples(triples, 2000))
        first = f"DROP SILENT GRAPH {target}"
        if batches:
            first += " ;\n" + insert_data(target, batches[0])
        self.update(first)
        for batch in batches[1:]:
            self.update(insert_data(target, batch))
        return existed

    def add_to_graph(self, graph: GraphName, triples: Iterable[Triple]) -> bool:
        existed = self.graph_exists(graph)
        target = _iri(graph)
        for batch in batched_triples(triples, 2000):
            self.update(insert_data(target, batch))
        return existed

    def delete_graph(self, graph: GraphName) -> bool:
        if not self.graph_exists(_iri(graph)):
            return False
        self.update(f"DROP SILENT GRAPH {_iri(graph)}")
        return True

    def load(self, data: bytes, format: str, graph: str | None = None) -> int:
        """Parse locally (same parser as the embedded store), then INSERT DATA per graph."""
        fmt = rdf_format(format)
        target = NamedNode(graph) if graph else None
        try:
            quads = list(ox.parse(data, fmt.rdf))
        except SyntaxError as exc:
            raise ParseError.from_syntax_error(exc, f"{fmt.label} data") from None
        if target is not None:
            quads = [
                Quad(
                    q.subject,
                    q.predicate,
                    q.object,
                    q.graph_name if isinstance(q.graph_name, NamedNode) else target,
                )
                for q in quads
            ]
        for key, triples in quads_by_graph(quads).items():
            for batch in batched_triples(triples, 2000):
                self.update(insert_data(NamedNode(key), batch))
        return len(quads)

    def triple_count(self) -> int:
        return sum(self.graph_counts().values())

    def links(self, iri: str, offset: int, per_page: int) -> Links:
        return sparql_links(self, iri, offset, per_page)

    def close(self) -> None:
        """Nothing to release: every request opens its own connection."""


# -- helpers ----------------------------------------------------------------------------------


def _iri(graph: GraphName) -> NamedNode:
    return NamedNode(DEFAULT_GRAPH_IRI) if graph is None else graph


def _detail(exc: Exception) -> str:
    """The first meaningful line of a remote error body, without the echoed query."""
    raw: Any = b""
    if isinstance(exc, urllib.error.HTTPError):
        try:
            raw = exc.read()
        except OSError:
            raw = b""
    else:  # SPARQLWrapper keeps the body only as repr(bytes) inside its message
        msg = str(exc)
        if "Response:\n" in msg:
            try:
                raw = ast.literal_eval(msg.split("Response:\n", 1)[1])
            except (ValueError, SyntaxError):
                raw = msg
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("SPARQL query:", "Response:"))]
    return (lines[0] if lines else "no details")[:500]


_BNODE_LABEL = re.compile(r"[^A-Za-z0-9_]")


def _fix_bnodes(body: bytes) -> bytes:
    """Virtuoso names blank nodes ``nodeID://b10006`` in SPARQL JSON, which is not a valid
    blank-node label for pyoxigraph; map each to a stable valid label (``nodeID___b10006``)."""
    if b'"bnode"' not in body:
        return body
    try:
        doc = json.loads(body)
        for binding in doc.get("results", {}).get("bindings", []):
            for term in binding.values():
                if isinstance(term, dict) and term.get("type") == "bnode":
                    term["value"] = _BNODE_LABEL.sub("_", str(term.get("value", "")))
    except (ValueError, AttributeError):
        return body  # let the parser report it
    return json.dumps(doc).encode()


def _malformed(url: str, why: str, body: bytes) -> RemoteStoreError:
    start = body[:120].decode("utf-8", "replace")
    return RemoteStoreError(
        f"the SPARQL store at {url} sent a malformed answer ({why}); it began {start!r}"
    )


def insert_data(graph: NamedNode, triples: Sequence[Triple]) -> str:
    """An update adding ``triples`` (as N-Triples) to ``graph``.

    ``INSERT DATA`` when there are no blank nodes; otherwise ``INSERT { } WHERE { }``, because
    Virtuoso refuses blank nodes in INSERT DATA ("not allowed in a constant clause"). A
    template's blank nodes are fresh per solution; WHERE {} has exactly one, so equal labels
    are one node within the request (see ``batched_triples``).
    """
    body = (ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    if any(isinstance(n, BlankNode) for t in triples for n in (t.subject, t.object)):
        return f"INSERT {{ GRAPH {graph} {{\n{body}}} }} WHERE {{ }}"
    return f"INSERT DATA {{ GRAPH {graph} {{\n{body}}} }}"


def batched_triples(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    """Batches of about ``size`` triples that never split a blank node's triples.

    Blank-node labels in INSERT DATA are scoped to one request, so all triples that mention a
    blank node (and any blank node connected to it) must travel together, or the store would
    mint two different nodes. A component bigger than ``size`` becomes one larger batch.
    """
    items = list(triples)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in items:
        bnodes = [n.value for n in (t.subject, t.object) if isinstance(n, BlankNode)]
        for other in bnodes[1:]:
            parent[find(bnodes[0])] = find(other)
        if bnodes:
            find(bnodes[0])
    groups: dict[str, list[Triple]] = {}
    singles: list[list[Triple]] = []
    for t in items:
        b = next((n.value for n in (t.subject, t.object) if isinstance(n, BlankNode)), None)
        if b is None:
            singles.append([t])
        else:
            groups.setdefault(find(b), []).append(t)
    batch: list[Triple] = []
    for group in [*groups.values(), *singles]:
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


def quads_by_graph(quads: Iterable[Quad]) -> dict[str, list[Triple]]:
    """Group quads by graph IRI (default-graph quads under ``DEFAULT_GRAPH_IRI``)."""
    out: dict[str, list[Triple]] = {}
    for q in quads:
        key = q.graph_name.value if isinstance(q.graph_name, NamedNode) else DEFAULT_GRAPH_IRI
        out.setdefault(key, []).append(Triple(q.subject, q.predicate, q.object))
    return out


def open_remote_store(settings: Settings) -> RemoteStore:
    """The remote store for ``CPKG_STORE=remote``, checked with one cheap query."""
    store = RemoteStore.from_settings(settings)
    store.query("ASK WHERE { }", Dataset((EMPTY_GRAPH_IRI,)), timeout=10)
    return store
