"""The files the web and store tests load: the ontology, concepts, shapes and the chain
fixture, each into its own named graph (as the build does)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_FIXTURES = ROOT / "tests" / "web" / "fixtures"


def _shapes_file() -> Path:
    real = ROOT / "ontology" / "shapes.ttl"
    return (
        real
        if real.is_file()
        else ROOT / "tests" / "fixtures" / "build" / "ontology" / "shapes.ttl"
    )


DATA_FILES: dict[str, Path] = {
    "ontology-cpkg": ROOT / "ontology" / "cpkg.ttl",
    "ontology-concepts": ROOT / "ontology" / "concepts.ttl",
    "ontology-shapes": _shapes_file(),
    "chain": WEB_FIXTURES / "chain.ttl",
}
