"""A writable copy of the build fixture project (tests/fixtures/build), shared by build tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "build"


def make_project(tmp_path: Path) -> Settings:
    """A writable copy of the fixture project, and Settings pointing at it."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return Settings(
        sources_dir=root / "sources",
        ontology_dir=root / "ontology",
        graph_dir=root / "graph",
        output_dir=tmp_path / "out" / "dataset",
    )
