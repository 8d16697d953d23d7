"""A writable copy of the real project (graph/, ontology/ and the five source texts) in a
temporary directory, for the contribution commands: tests never write the real files."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def copy_project(tmp_path: Path) -> Settings:
    """Copies of graph/, ontology/ and the sources (writable), and Settings pointing at them."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("graph", "ontology"):
        shutil.copytree(ROOT / name, root / name)
    sources = root / "sources"
    sources.mkdir()
    for text in sorted(Settings.from_env().sources_dir.glob("*.txt")):
        shutil.copyfile(text, sources / text.name)  # contents only: the copies are writable
    return Settings(
        sources_dir=sources,
        ontology_dir=root / "ontology",
        graph_dir=root / "graph",
        output_dir=root / "out",
    )


def environment(settings: Settings) -> dict[str, str]:
    """The CPKG_* variables that point a `cpkg` process at the copy."""
    return {
        "CPKG_SOURCES_DIR": str(settings.sources_dir),
        "CPKG_ONTOLOGY_DIR": str(settings.ontology_dir),
        "CPKG_GRAPH_DIR": str(settings.graph_dir),
        "CPKG_OUTPUT_DIR": str(settings.output_dir),
    }
