"""Start and stop real servers for tests (importable as ``live_server``; used by conftest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(
    url: str,
    timeout: float = 20.0,
    proc: subprocess.Popen[bytes] | None = None,
    request_timeout: float = 1.0,
) -> None:
    """Poll ``url`` until it answers 200 (or fail, showing the server's output).

    A slow answer is retried, not an error: raise ``request_timeout`` for a busy machine or a
    store recovering after ``kill -9``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}:\n{out}")
        try:
            if requests.get(url, timeout=request_timeout).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not become ready in {timeout} s")


def start_server(
    data: list[Path], env: dict[str, str] | None = None, workers: int = 2
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``python -m service.server`` (granian) on a free port; return (URL, process)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "service.server",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--data",
        *map(str, data),
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/healthz", proc=proc)
    except BaseException:
        stop_process(proc)
        raise
    return url, proc


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server we started (SIGTERM, then SIGKILL after 10 s)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
