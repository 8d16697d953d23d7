"""Faults: ``kill -9`` in the middle of a large update, full and read-only disks, damaged
store directories. The on-disk store is all-or-nothing per update; start-up failures are a
clear message and exit code 2, never a traceback or a damaged store."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from components import missing
from live_server import ROOT, free_port
from sec_helpers import ADMIN, Server, bearer

pytestmark = pytest.mark.server

T = 60
OPS, PER_OP = 14, 4000  # INSERT DATA operations in the big update, triples in each
TOTAL = (OPS + 1) * PER_OP  # ... plus a slow INSERT...WHERE that derives PER_OP more
COUNT_MARKED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <urn:kill:p> ?o } }"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _big_update(tag: str) -> str:
    """12 INSERT DATA operations, a join that takes seconds (16 M pairs), 2 more INSERT DATA:
    a kill during the join finds the first operations already executed in the transaction."""
    ops = []
    for i in range(OPS):
        body = " ".join(f"<urn:kill:{tag}:{i}:{j}> <urn:kill:p> {j} ." for j in range(PER_OP))
        ops.append(f"INSERT DATA {{ GRAPH <urn:kill:{tag}:g{i}> {{ {body} }} }}")
    slow = (
        f"INSERT {{ GRAPH <urn:kill:{tag}:derived> {{ ?s <urn:kill:p> ?n }} }} WHERE {{ "
        f"GRAPH <urn:kill:{tag}:g0> {{ ?s <urn:kill:p> ?n }} "
        f"GRAPH <urn:kill:{tag}:g1> {{ ?t <urn:kill:p> ?m }} FILTER(?n + 0 = ?m + 0) }}"
    )
    return " ;\n".join([*ops[:12], slow, *ops[12:]])


def _count(url: str, query: str) -> int:
    r = requests.get(url + "/sparql", params={"query": query}, timeout=T)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _env(store: Path) -> dict[str, str]:
    return {
        "CPKG_STORE_PATH": str(store),
        "CPKG_UPDATE_TOKEN": ADMIN,
        "CPKG_MAX_REQUEST_BYTES": str(64 << 20),
        "CPKG_QUERY_TIMEOUT": "60",
    }


def _post_update(url: str, text: str, out: dict[str, object]) -> None:
    t0 = time.monotonic()
    try:
        r = requests.post(
            url + "/sparql",
            data=text.encode(),
            headers={**bearer(ADMIN), "Content-Type": "application/sparql-update"},
            timeout=T,
        )
        out["status"] = r.status_code
    except requests.RequestException as exc:
        out["error"] = type(exc).__name__
    out["elapsed"] = time.monotonic() - t0


def test_kill_9_during_a_large_update_keeps_the_store_all_or_nothing(
    tmp_path: Path, dataset_nq: Path, report: Callable[[str], None]
) -> None:
    store = tmp_path / "store"
    # Calibrate: how long one big update takes on this machine (on a throw-away store).
    calib = Server([dataset_nq], _env(tmp_path / "calib")).wait(60)
    out: dict[str, object] = {}
    _post_update(calib.url, _big_update("calib"), out)
    calib.stop()
    assert out.get("status") == 204, out
    duration = float(out["elapsed"])  # type: ignore[arg-type]

    server = Server([dataset_nq], _env(store)).wait(60)
    before_all = _count(server.url, COUNT_ALL)
    small = "INSERT DATA { GRAPH <urn:kill:g-small> { <urn:kill:small> <urn:kill:p> 1 } }"
    requests.post(server.url + "/sparql", data={"update": small}, headers=bearer(ADMIN))
    outcomes = []
    for round_, fraction in enumerate((0.5, 0.3, 0.15, 0.7, 1.3)):
        earlier = _count(server.url, COUNT_MARKED)
        out = {}
        thread = threading.Thread(
            target=_post_update, args=(server.url, _big_update(f"r{round_}"), out)
        )
        thread.start()
        time.sleep(duration * fraction)
        server.kill9()  # master, worker and evaluators, mid-update
        thread.join(T)
        server = Server([dataset_nq], _env(store)).wait(60)  # restart on the same directory
        marked = _count(server.url, COUNT_MARKED)
        assert marked in (earlier, earlier + TOTAL), (round_, earlier, marked)
        outcomes.append("applied" if marked > earlier else "absent")
        assert out.get("status") in (None, 204), out  # killed before it answered, or done
        if out.get("status") == 204:
            assert marked == earlier + TOTAL  # acknowledged => durable
    # earlier data intact: the dataset, and the small update made before the first kill
    total = _count(server.url, COUNT_ALL)
    assert total == before_all + 1 + _count(server.url, COUNT_MARKED) - 1
    ask = "ASK { GRAPH <urn:kill:g-small> { <urn:kill:small> <urn:kill:p> 1 } }"
    assert requests.get(server.url + "/sparql", params={"query": ask}).json()["boolean"]
    server.stop()
    assert "absent" in outcomes, f"no kill landed inside the update: {outcomes}"
    report(f"\nkill -9 mid-update (update takes {duration:.2f} s): {outcomes}")


def _serve(store: Path, data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``cpkg serve`` as an operator would run it; expected to fail at start-up."""
    env = {**os.environ, "CPKG_STORE_PATH": str(store), "CPKG_RATE_LIMIT": "off"}
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(free_port())]
    return subprocess.run(
        [*cmd, "--data", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _assert_clear_failure(
    result: subprocess.CompletedProcess[str], path: Path, *words: str
) -> None:
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert "Traceback" not in err and "Traceback" not in result.stdout
    assert str(path) in err, err
    assert any(w in err for w in words), err
    assert "CPKG_STORE_PATH" in err or "move it away" in err or "Free disk space" in err


@contextlib.contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        missing("root", f"cannot mount a tmpfs here ({r.stderr.strip()}): the test needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_full_disk_at_start_up_is_a_clear_error_and_recoverable(
    tmp_path: Path, dataset_nq: Path
) -> None:
    with _tmpfs(tmp_path / "tiny", "size=1m") as tiny:
        store = tiny / "store"
        result = _serve(store, dataset_nq)
        _assert_clear_failure(result, store, "No space left", "disk is full")
        # with room again, the same directory opens and is (re)loaded: nothing was damaged
        subprocess.run(["mount", "-o", "remount,size=256m", str(tiny)], check=True)
        server = Server([dataset_nq], {"CPKG_STORE_PATH": str(store)}).wait(60)
        try:
            assert requests.get(server.url + "/healthz", timeout=T).json()["triples"] > 9000
        finally:
            server.stop()


def test_read_only_disk_is_a_clear_error(tmp_path: Path, dataset_nq: Path) -> None:
    with _tmpfs(tmp_path / "ro", "size=1m,ro") as ro:
        _assert_clear_failure(_serve(ro / "store", dataset_nq), ro / "store", "read-only")


@pytest.mark.parametrize("damage", ["garbage-everywhere", "current", "sst", "manifest"])
def test_damaged_store_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    data = Path(__file__).resolve().parents[1] / "fixtures" / "dataset.nq"
    store = tmp_path / "store"
    server = Server([data], {"CPKG_STORE_PATH": str(store)}).wait(60)
    server.stop()
    files = sorted(p for p in store.iterdir() if p.is_file() and p.name != "LOCK")
    targets = {
        "garbage-everywhere": files,
        "current": [store / "CURRENT"],
        "sst": [p for p in files if p.suffix == ".sst"],
        "manifest": [p for p in files if p.name.startswith("MANIFEST")],
    }[damage]
    assert targets
    for p in targets:
        p.write_bytes(os.urandom(3000))
    _assert_clear_failure(_serve(store, data), store, "corrupt")


def test_store_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "fixtures" / "dataset.nq"
    store = tmp_path / "store"
    store.write_text("not a directory")
    _assert_clear_failure(_serve(store, data), store, "not a directory")
