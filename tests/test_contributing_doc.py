"""docs/contributing.md runs as written, in a copy of the project: a new source text (written by
the guide's first command) is registered, passages typed loosely are anchored with `cpkg quote`,
a finding, a statement and a recommendation are made from skeletons and filled in (the guide's
Turtle blocks), with a misspelled name and a conflict with an existing source; the build
passes, and the new finding is found with its quote in its chain and over SPARQL.

Every ``sh`` block is run with bash from the copy's root (``export`` lines carry over to later
blocks); the ``text`` block after it is its output (stdout and stderr), where ``…`` stands for any
text (a line of its own: any lines). A ``turtle`` block after ``<!-- edit FILE: replace CURIE -->``
replaces that resource's block in FILE. The block after ``<!-- server -->`` runs against the app
serving the built dataset (started here in-process, as `cpkg serve` would serve it).

The copy mirrors the checkout's surroundings: ``<tmp>/project`` holds copies of graph/ and
ontology/, ``<tmp>/shared/sources`` copies of the source texts (read-only, like the real ones);
CPKG_GRAPH_DIR, CPKG_ONTOLOGY_DIR and CPKG_OUTPUT_DIR point into the copy, so the real files are
never written (checked at the end).

To see what the guide's commands print now: .venv/bin/python tests/test_contributing_doc.py
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.build.locate import block_span  # noqa: E402
from service.config import Settings  # noqa: E402

pytestmark = pytest.mark.cli  # runs the cpkg command in a subprocess (not in make test-fast)

DOC = ROOT / "docs" / "contributing.md"
FENCE = re.compile(r"(?:<!-- (?P<note>[^>]*?) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)
EDIT = re.compile(r"edit (?P<file>\S+): replace (?P<curie>\S+)")
FINDING = "https://w3id.org/cpkg/id/finding-2016-overnight-custody-unrecorded"


@dataclass
class Block:
    lang: str
    body: str
    note: str = ""
    output: str | None = None  # what an sh block printed


def blocks(text: str) -> list[Block]:
    return [Block(m["lang"], m["body"], m["note"] or "") for m in FENCE.finditer(text)]


def matches(expected: str, actual: str) -> bool:
    """Whether the output matches the guide's text block (… is a wildcard)."""
    parts = []
    for line in expected.rstrip("\n").split("\n"):
        if line == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split("…")) + r"\n")
    return re.fullmatch("".join(parts), actual.rstrip("\n") + "\n", re.S) is not None


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def real_files() -> dict[str, str]:
    """The real project's graph/ and the real sources, to check nothing wrote them."""
    sources = Settings.from_env().sources_dir
    return _digest([*sorted((ROOT / "graph").rglob("*")), *sorted(sources.glob("*"))])


def layout(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The copy (module doc) and the environment that points `cpkg` at it."""
    project = tmp / "project"
    project.mkdir()
    for name in ("graph", "ontology"):
        shutil.copytree(ROOT / name, project / name)
    shared = tmp / "shared" / "sources"
    shared.mkdir(parents=True)
    for text in sorted(Settings.from_env().sources_dir.glob("*.txt")):
        shutil.copyfile(text, shared / text.name)
        os.chmod(shared / text.name, 0o444)
    os.chmod(shared, 0o555)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CPKG_GRAPH_DIR": str(project / "graph"),
        "CPKG_ONTOLOGY_DIR": str(project / "ontology"),
        "CPKG_OUTPUT_DIR": str(project / "var" / "dataset"),
        "CPKG_SOURCES_DIR": str(shared),
    }
    return project, env


def replace_block(path: Path, curie: str, turtle: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    span = block_span(lines, curie)
    assert span is not None, f"the guide edits {curie}, which {path.name} does not describe"
    start, end = span
    path.write_text("\n".join(lines[:start] + turtle.rstrip("\n").split("\n") + lines[end:]))


@contextmanager
def serving(project: Path) -> Iterator[str]:
    """The app serving the copy's built dataset, on a free loopback port."""
    from service.web import create_app

    settings = dataclasses.replace(Settings(), output_dir=project / "var" / "dataset", rate_limit=0)
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def run_guide(tmp: Path) -> tuple[list[Block], Path]:
    """Run the guide (module doc); return its blocks, with their outputs, and the copy."""
    project, env = layout(tmp)
    guide = blocks(DOC.read_text(encoding="utf-8"))
    exports: list[str] = []
    for block in guide:
        if block.lang == "turtle" and (edit := EDIT.fullmatch(block.note)):
            replace_block(project / edit["file"], edit["curie"], block.body)
        if block.lang != "sh":
            continue
        body = block.body
        if block.note == "server":
            with serving(project) as url:
                body = body.replace("http://127.0.0.1:8000", url)
                block.output = _bash(project, env, exports, body)
        else:
            block.output = _bash(project, env, exports, body)
        exports += [line for line in block.body.splitlines() if line.startswith("export ")]
    return guide, project


def _bash(project: Path, env: dict[str, str], exports: list[str], body: str) -> str:
    script = "\n".join([*exports, body])
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=240,
    )
    return done.stdout.replace(f"{project}/", "").replace(str(project.parent), "..")


def _pairs(guide: list[Block]) -> list[tuple[Block, Block | None]]:
    """Each sh block with the text block that follows it, if any."""
    out = []
    for n, block in enumerate(guide):
        if block.lang == "sh":
            after = guide[n + 1] if n + 1 < len(guide) and guide[n + 1].lang == "text" else None
            out.append((block, after))
    return out


STRING = r'"((?:[^"\\]|\\.)*)"'  # a Turtle or shell "..." string, escapes included
QUERY = """PREFIX cpkg: <https://w3id.org/cpkg/def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?quote WHERE { <FINDING> a cpkg:Finding ; cpkg:evidence/oa:hasSelector/oa:exact ?quote }"""


def _unescaped(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n")


def test_the_worked_example_runs_as_written(tmp_path: Path) -> None:
    before = real_files()
    guide, project = run_guide(tmp_path)
    for block, expected in _pairs(guide):
        assert block.output is not None, block.body
        if expected is None:  # a block shown without output prints nothing
            assert block.output == "", f"{block.body}\n--- printed:\n{block.output}"
            continue
        assert matches(expected.body, block.output), (
            f"the guide's output is stale for:\n{block.body}\n--- it now prints:\n{block.output}"
        )
    source = next((project.parent / "my-sources").glob("005_*.txt")).read_text(encoding="utf-8")
    quoted = [b for b, _ in _pairs(guide) if b.body.startswith('cpkg quote 005 "')][:2]
    typed = [_unescaped(f) for b in quoted for f in re.findall(rf"cpkg quote 005 {STRING}", b.body)]
    exact = [
        _unescaped(e) for b in quoted for e in re.findall(rf"oa:exact {STRING}", b.output or "")
    ]
    assert len(typed) == len(exact) == 3, (typed, exact)
    assert not any(t in source for t in typed), "the fragments are typed loosely, not copied"
    assert all(e in source for e in exact), "the evidence blocks quote the source exactly"
    with serving(project) as url:
        answer = requests.post(
            f"{url}/sparql",
            data={"query": QUERY.replace("FINDING", FINDING)},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        quotes = [row["quote"]["value"] for row in answer.json()["results"]["bindings"]]
        assert quotes and all(q in source for q in quotes), answer.text
        page = requests.get(f"{url}/id/{FINDING.rsplit('/', 1)[1]}", timeout=30)
        assert page.status_code == 200 and "rarely recorded" in page.text
        found = requests.get(f"{url}/search", params={"q": "overnight"}, timeout=30)
        assert found.status_code == 200 and FINDING.rsplit("/", 1)[1] in found.text
    assert real_files() == before, "the real graph/ and sources are never written"


if __name__ == "__main__":  # pragma: no cover - maintenance helper: print what the guide prints
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ran, _ = run_guide(Path(tmp))
        print(json.dumps([b.output for b in ran if b.lang == "sh"], ensure_ascii=False, indent=1))
