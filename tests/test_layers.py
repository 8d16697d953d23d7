"""The layout shows the layers (docs/architecture.md): imports only go down, and no module
imports itself back through another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "service"

#: Each layer, and the layers it may import (besides itself and the foundation).
FOUNDATION = {"config", "errors", "vocab", "formats", "sparqltext", "fulltext"}
ALLOWED = {
    "store": set(),
    "protocol": {"store"},
    "query": {"store", "protocol"},
    "build": set(),
    "web": {"store", "protocol", "query"},
    "server": {"store", "query", "web"},
    "cli": {"store", "query", "build", "server"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SERVICE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (a ``from package import module`` counts both)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for type checking only are not dependencies
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "service"


def test_imports_only_go_down_the_layers() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        layer = _layer(name)
        if layer in FOUNDATION or layer == "service":
            allowed = FOUNDATION | {"service"}
        else:
            allowed = FOUNDATION | {"service", layer} | ALLOWED[layer]
        for target in _imports(path, modules):
            if _layer(target) not in allowed:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports that go up a layer:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
