"""Helpers of the security suite (a module with its own name: ``conftest`` is ambiguous when
several test directories are collected together)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from live_server import ROOT, free_port, wait_ready

ALICE = "alice-" + "a1" * 16
BOB = "bob-" + "b2" * 16
ADMIN = "admin-" + "c3" * 16
USERS = f"alice:{ALICE},bob:{BOB}"
PRIVATE = "https://w3id.org/cpkg/private/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Server:
    """A ``python -m service.server`` process in its own session (process group)."""

    def __init__(
        self, data: list[Path], env: dict[str, str], workers: int = 1, extra: list[str] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "service.server", "--port", str(self.port)]
        cmd += ["--workers", str(workers), "--data", *map(str, data), *extra]
        # a file, not a pipe: a chatty server must never block on a full pipe buffer
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, "CPKG_RATE_LIMIT": "off", **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait(self, timeout: float = 60.0) -> Server:
        try:
            wait_ready(self.url + "/healthz", timeout, self.proc, request_timeout=5.0)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"{exc}\n{self.output()[-4000:]}") from None
        except BaseException:
            self.stop()
            raise
        return self

    def kill9(self) -> None:
        """SIGKILL the whole process group: master, worker and forked evaluators."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill9()
        self.log.close()
