"""The README's printed chains are what `cpkg chain` prints today, so the examples never go stale.

Regenerate them after a data change with: .venv/bin/python tests/test_readme.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_library import dataset_store  # noqa: E402

from service.query.chain import expand_iri, get_chains  # noqa: E402
from service.query.chain_formats import chains_text  # noqa: E402
from service.store.embedded import EmbeddedStore  # noqa: E402

README = ROOT / "README.md"
# <!-- cpkg chain CURIE --> then a ```text block holding "$ cpkg chain CURIE" and its output
BLOCK = re.compile(
    r"<!-- cpkg chain (?P<curie>\S+) -->\n```text\n\$ cpkg chain (?P=curie)\n(?P<out>.*?)```",
    re.S,
)
INSPECTION_YEARS = ("2016", "2017", "2023")


def printed(store: EmbeddedStore, curie: str) -> str:
    return chains_text(get_chains(store, expand_iri(curie)))


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return dataset_store()


def test_readme_shows_one_chain_per_inspection() -> None:
    curies = [m["curie"] for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]
    years = {c.split("finding-")[1][:4] for c in curies if "finding-" in c}
    assert years == set(INSPECTION_YEARS), curies


def test_readme_chains_match_the_cli(store: EmbeddedStore) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    assert blocks, "README has no printed chains"
    for m in blocks:
        assert m["out"] == printed(store, m["curie"]), (
            f"README chain for {m['curie']} is stale: run .venv/bin/python tests/test_readme.py "
            "--write"
        )


def _write() -> None:
    store = dataset_store()
    text = README.read_text(encoding="utf-8")

    def fresh(m: re.Match[str]) -> str:
        curie = m["curie"]
        body = printed(store, curie)
        return f"<!-- cpkg chain {curie} -->\n```text\n$ cpkg chain {curie}\n{body}```"

    README.write_text(BLOCK.sub(fresh, text), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - maintenance helper
    if sys.argv[1:] == ["--write"]:
        _write()
    else:
        print(__doc__)
