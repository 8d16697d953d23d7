"""A real Virtuoso open-source server for tests, and helpers to compare it with the embedded store.

One server per test session (``virtuoso`` fixture): ``virtuoso-t`` from the Debian package
``virtuoso-opensource``, listening on free 127.0.0.1 ports (SQL and HTTP), with a database in a
temporary directory and a minimal generated ``virtuoso.ini``. Updates go to ``/sparql-auth`` as
``dba`` (password ``dba`` on a fresh database) with HTTP digest auth, exactly as in production;
no privileges are granted to the anonymous ``SPARQL`` user. The server is stopped (its process
group killed) and the directory deleted when the session ends.

Without ``virtuoso-t`` the tests are skipped with a loud reason, or fail when ``CI=true``.

``run_on_both(query)`` evaluates one query on an embedded store and on Virtuoso loaded with the
same data and returns both answers normalised for comparison (see ``normalise`` for every
tolerated dialect difference); the parity test over the example-query library can use it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from components import missing

from service.store.base import AskResult, GraphResult, QueryResult, SelectResult
from service.store.embedded import EmbeddedStore
from service.store.remote import RemoteStore

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "remote" / "dataset.trig"
DBA_USER = "dba"
DBA_PASSWORD = "dba"  # Virtuoso's default on a fresh database; only ever on 127.0.0.1
START_TIMEOUT = 60.0

_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
CaseMode           = 2
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
CheckpointInterval = 0
DirsAllowed        = {d}

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {d}
ServerThreads        = 10
MaxClientConnections = 10
EnabledGzipContent   = 0
Charset              = UTF-8

[SPARQL]
; the default (10000) silently truncates results; the service applies its own limit
ResultSetMaxRows           = 1000000
; "anytime query" limit: past it Virtuoso returns a partial answer flagged X-SQL-State: S1TAT,
; which RemoteStore turns into RemoteTimeout. Also stops runaway test queries server-side.
MaxQueryExecutionTime      = {max_seconds}
MaxQueryCostEstimationTime = 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def virtuoso_binary() -> str | None:
    """Path of ``virtuoso-t`` (Debian: /usr/bin/virtuoso-t), or None."""
    return shutil.which("virtuoso-t") or next(
        (p for p in ("/usr/bin/virtuoso-t", "/usr/local/bin/virtuoso-t") if os.access(p, os.X_OK)),
        None,
    )


def require_virtuoso() -> str:
    """The binary, or a failure that says how to install it (tests/components.py)."""
    binary = virtuoso_binary()
    if binary is not None:
        return binary
    return missing(
        "virtuoso",
        "VIRTUOSO NOT INSTALLED: the remote-store tests need a real Virtuoso server "
        "(virtuoso-t); install it with `apt-get install -y virtuoso-opensource`",
    )


class Virtuoso:
    """One ``virtuoso-t`` process on loopback ports with its own temporary database."""

    def __init__(self, binary: str, max_query_seconds: int = 60) -> None:
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="cpkg-virtuoso-"))
        self.sql_port = _free_port()
        self.http_port = _free_port()
        self.ini = self.dir / "virtuoso.ini"
        self.ini.write_text(
            _INI.format(
                d=self.dir,
                sql_port=self.sql_port,
                http_port=self.http_port,
                max_seconds=max_query_seconds,
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """Anonymous, read-only SPARQL endpoint."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def auth_endpoint(self) -> str:
        """Digest-authenticated endpoint that accepts updates (as dba)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    def store(self, **kwargs: object) -> RemoteStore:
        """A RemoteStore that queries /sparql and updates /sparql-auth as dba."""
        options: dict[str, object] = {
            "update_endpoint": self.auth_endpoint,
            "user": DBA_USER,
            "password": DBA_PASSWORD,
            "graph_cache_seconds": 0.0,
        }
        options.update(kwargs)
        return RemoteStore(self.endpoint, **options)  # type: ignore[arg-type]

    def start(self) -> None:
        """Start the server and wait (bounded) until its SPARQL endpoint answers."""
        (self.dir / "virtuoso.lck").unlink(missing_ok=True)  # stale after a kill -9
        log = (self.dir / "stdout.log").open("ab")
        self.proc = subprocess.Popen(
            [self.binary, "+foreground", "+configfile", str(self.ini)],
            cwd=self.dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: kill it whole, never anything else
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        probe = self.endpoint + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"virtuoso-t exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError), urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    return
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"Virtuoso did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """Stop at once (SIGKILL to the server's process group), like a crash."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        """Stop the server and delete its database directory."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
        global _SERVER
        if _SERVER is self:
            _SERVER = None

    def log_tail(self, lines: int = 30) -> str:
        path = self.dir / "stdout.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def clear(self) -> None:
        """Drop every data and staging graph (system graphs stay)."""
        store = self.store()
        for row in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            g = row["g"]
            if isinstance(g, ox.NamedNode) and g.value.startswith(("https://", "urn:x-cpkg:")):
                store.update(f"DROP SILENT GRAPH {g}")


_SERVER: Virtuoso | None = None


def get_virtuoso() -> Virtuoso:
    """The session's server, started on first use and stopped at interpreter exit."""
    global _SERVER
    binary = require_virtuoso()
    if _SERVER is None:
        server = Virtuoso(binary)
        atexit.register(server.stop)
        server.start()
        _SERVER = server
    elif _SERVER.proc is None or _SERVER.proc.poll() is not None:
        _SERVER.start()  # a test killed it; bring it back for the next one
    return _SERVER


@pytest.fixture(scope="session", name="virtuoso")
def virtuoso_fixture() -> Iterator[Virtuoso]:
    """The running Virtuoso server (import ``virtuoso_fixture`` into a test module to use it)."""
    server = get_virtuoso()
    yield server
    server.stop()  # both importing modules' finalizers run at session end; stop() is idempotent


@pytest.fixture(name="remote")
def remote_fixture(virtuoso: Virtuoso) -> Iterator[RemoteStore]:
    """A RemoteStore on an emptied Virtuoso (server restarted if a test killed it)."""
    server = get_virtuoso()
    server.clear()
    with server.store() as store:
        assert isinstance(store, RemoteStore)
        yield store


# -- parity ---------------------------------------------------------------------------------


def embedded_from(path: Path = FIXTURE) -> EmbeddedStore:
    store = EmbeddedStore()
    store.load(path.read_bytes(), path.suffix.lstrip("."))
    return store


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _term(term: object) -> str:
    """A comparable text for one term; blank nodes all compare equal (labels are local).

    Tolerated differences (Virtuoso 7.2 vs pyoxigraph), each normalised here:
    - numbers: Virtuoso writes decimals/doubles in its own lexical form ("0.743" vs "0.743",
      "7.43e-1" vs "0.743") -> numeric literals compare by datatype family and float value;
    - xsd:dateTime: Virtuoso may rewrite the time zone ("Z" vs "+00:00")... compared as text
      after mapping "+00:00" to "Z";
    - xsd:boolean: Virtuoso stores booleans as integers and answers "1"/"0"^^xsd:boolean
      -> compared as true/false;
    - language tags compare case-insensitively (BCP 47 tags are case-insensitive).
    """
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in (
            _XSD + "integer",
            _XSD + "decimal",
            _XSD + "double",
            _XSD + "float",
            _XSD + "int",
            _XSD + "long",
        ):
            try:
                return f"number:{float(term.value)!r}"
            except ValueError:
                return f"{term.value}^^{dt}"
        if dt == _XSD + "boolean":  # Virtuoso answers "1"/"0"^^xsd:boolean (valid lexical forms)
            return {"1": "true", "0": "false"}.get(term.value, term.value) + "^^boolean"
        if dt == _XSD + "dateTime":
            return f"{term.value.replace('+00:00', 'Z')}^^{dt}"
        if term.language:
            return f"{term.value}@{term.language.lower()}"
        return f"{term.value}^^{dt}"
    return str(term)


Normalised = bool | list[tuple[str, ...]]


def normalise(result: QueryResult) -> Normalised:
    """A SELECT as a sorted multiset of rows, CONSTRUCT as sorted triples, ASK as a bool."""
    if isinstance(result, AskResult):
        return result.value
    if isinstance(result, SelectResult):
        return sorted(
            tuple(_term(t) if t is not None else "UNBOUND" for t in row) for row in result
        )
    assert isinstance(result, GraphResult)
    return sorted((_term(t.subject), _term(t.predicate), _term(t.object)) for t in result)


def load_project_dataset(server: Virtuoso, *, timeout: float = 60.0) -> tuple[RemoteStore, float]:
    """Build the project's dataset, push it into ``server``; the store to query and push seconds.

    Clears the server first, so tests and benchmarks that need the real dataset share one path.
    """
    import dataclasses

    from service.build.dataset import build_dataset
    from service.config import Settings
    from service.store.push import push_dataset

    server.clear()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dataset"
        build_dataset(dataclasses.replace(Settings.from_env(), output_dir=out))
        start = time.perf_counter()
        push_dataset(server.store(), out / "dataset.nq", progress=lambda _m: None)
        seconds = time.perf_counter() - start
    return server.store(timeout=timeout, graph_cache_seconds=60.0), seconds


def run_on_both(
    query: str,
    embedded: EmbeddedStore | None = None,
    remote: RemoteStore | None = None,
    *,
    data: Path = FIXTURE,
) -> tuple[Normalised, Normalised]:
    """``query`` on the embedded store and on Virtuoso, both normalised.

    Without stores given, loads ``data`` into a fresh embedded store and (replacing its
    graphs) into the session's Virtuoso.
    """
    if embedded is None:
        embedded = embedded_from(data)
    if remote is None:
        from service.store.push import push_dataset

        server = get_virtuoso()
        server.clear()
        remote = server.store()
        push_dataset(remote, data, progress=lambda _msg: None)
    return normalise(embedded.query(query)), normalise(remote.query(query))
