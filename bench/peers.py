"""SPARQL servers under test, each started in its own process group on 127.0.0.1.

Every server is a context manager: ``with Cpkg(data) as s: ... s.endpoint``. Leaving the block
(normally or by an exception) kills the server's whole process group and removes its temporary
directory. Start-up and data loading are bounded by ``START_TIMEOUT``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / "bench" / ".venv" / "bin"
PROJECT_VENV = ROOT / ".venv" / "bin"
START_TIMEOUT = float(os.environ.get("BENCH_START_TIMEOUT", "300"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post_query(endpoint: str, query: str, accept: str, timeout: float = 60.0) -> bytes:
    """One SPARQL query by POST (form-encoded); raises on a non-2xx answer."""
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(
        endpoint,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        data: bytes = resp.read()
        return data


class Server:
    """Base: a subprocess in its own session, stopped by killing its process group."""

    name = "server"

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix=f"cpkg-bench-{self.name}-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.load_seconds = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def prepare(self) -> None:
        """Work before the server starts (e.g. a bulk load); bounded by START_TIMEOUT."""

    def start(self) -> None:
        started = time.monotonic()
        self.prepare()
        log = (self.dir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=self.dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.wait_ready(started)
        self.load_seconds = time.monotonic() - started

    def wait_ready(self, started: float) -> None:
        deadline = started + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                post_query(self.endpoint, "ASK {}", "application/sparql-results+json", 5)
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT:.0f} s")

    def log_tail(self, lines: int = 20) -> str:
        path = self.dir / "server.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Cpkg(Server):
    """``cpkg serve --data FILE`` (granian, 2 workers); ``extra_env`` e.g. disables the cache."""

    name = "cpkg"

    def __init__(
        self, data: Path, *, workers: int = 2, extra_env: dict[str, str] | None = None
    ) -> None:
        super().__init__(data)
        self.workers = workers
        self.extra_env = extra_env or {}

    def command(self) -> list[str]:
        cpkg = PROJECT_VENV / "cpkg"
        exe = [str(cpkg)] if cpkg.exists() else [sys.executable, "-m", "service.cli"]
        return [
            *exe,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--data",
            str(self.data),
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("CPKG_UPDATE_TOKEN", None)
        env.pop("CPKG_STORE_PATH", None)
        env.pop("CPKG_RATE_LIMIT_LOOPBACK", None)  # loopback clients are never rate-limited
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env["PYTHONPATH"] = str(ROOT)
        env.update(self.extra_env)
        return env


class Oxigraph(Server):
    """``oxigraph load`` into a temporary directory, then ``oxigraph serve-read-only``."""

    name = "oxigraph"

    def binary(self) -> str:
        exe = BENCH_VENV / "oxigraph"
        found = str(exe) if exe.exists() else shutil.which("oxigraph")
        if not found:
            raise RuntimeError("oxigraph CLI missing: run `make bench` (installs bench/.venv)")
        return found

    def prepare(self) -> None:
        subprocess.run(
            [self.binary(), "load", "--location", str(self.dir / "db"), "--file", str(self.data)],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )

    def command(self) -> list[str]:
        return [
            self.binary(),
            "serve-read-only",
            "--location",
            str(self.dir / "db"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--union-default-graph",
        ]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"


class RdflibEndpoint(Server):
    """``rdflib-endpoint serve FILE`` (rdflib in-memory Dataset, default_union=True)."""

    name = "rdflib-endpoint"

    def command(self) -> list[str]:
        exe = BENCH_VENV / "rdflib-endpoint"
        if not exe.exists():
            raise RuntimeError("rdflib-endpoint missing: run `make bench` (installs bench/.venv)")
        return [str(exe), "serve", "--host", "127.0.0.1", "--port", str(self.port), str(self.data)]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


class Virtuoso(Server):
    """Virtuoso open source, started like tests/store/virtuoso.py, loaded with ``ld_dir``."""

    name = "virtuoso"

    def __init__(self, data: Path) -> None:
        super().__init__(data)
        self.harness: Any = None

    def start(self) -> None:
        started = time.monotonic()
        server = _virtuoso_harness()
        self.harness = server
        server.start()
        self.port = server.http_port
        db_dir = Path(server.dir)
        shutil.copy(self.data, db_dir / "bench.nq")
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if isql is None:
            raise RuntimeError("isql-vt missing: apt-get install virtuoso-opensource")
        script = (
            f"ld_dir('{db_dir}', 'bench.nq', 'urn:x-cpkg:bench');\nrdf_loader_run();\ncheckpoint;\n"
        )
        subprocess.run(
            [isql, f"127.0.0.1:{server.sql_port}", "dba", "dba"],
            input=script.encode(),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT,
        )
        self.load_seconds = time.monotonic() - started

    def stop(self) -> None:
        server = self.harness
        if server is not None:
            server.stop()
            self.harness = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _virtuoso_harness() -> Any:
    """The remote-store engineer's harness (tests/store/virtuoso.py), with a longer limit."""
    # as under pytest: the project root, and tests/ for the helpers its modules import
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    from tests.store.virtuoso import Virtuoso as Harness
    from tests.store.virtuoso import virtuoso_binary

    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t missing: apt-get install virtuoso-opensource")
    return Harness(binary, max_query_seconds=120)


def available(name: str) -> str | None:
    """None if the server can run here, else why not."""
    if (
        name == "oxigraph"
        and not (BENCH_VENV / "oxigraph").exists()
        and not shutil.which("oxigraph")
    ):
        return "oxigraph CLI not installed (bench/.venv)"
    if name == "rdflib-endpoint" and not (BENCH_VENV / "rdflib-endpoint").exists():
        return "rdflib-endpoint not installed (bench/.venv)"
    if name == "virtuoso" and not shutil.which("virtuoso-t"):
        return "virtuoso-t not installed (apt-get install virtuoso-opensource)"
    return None


def make(name: str, data: Path) -> Server:
    if name == "cpkg":
        return Cpkg(data)
    if name == "cpkg-nocache":
        server = Cpkg(data, extra_env={"CPKG_CACHE_BYTES": "0"})
        server.name = "cpkg-nocache"
        return server
    if name == "oxigraph":
        return Oxigraph(data)
    if name == "rdflib-endpoint":
        return RdflibEndpoint(data)
    if name == "virtuoso":
        return Virtuoso(data)
    raise ValueError(f"unknown server {name!r}")
