"""The layers import one way (docs/architecture.md): no module imports a module that imports it back,
at module level or inside a function (a package and its own submodules excepted)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

ROOT = REPO / "evalkit"
# known and accepted: the pipeline runs calibration after a judged run, and calibration sends its
# judge requests through the pipeline's sender (both imports are inside functions)
ACCEPTED = {("evalkit.calibrate", "evalkit.pipeline")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(("evalkit",) + parts)
        out[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            targets = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evalkit"):
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("evalkit")]
        found.update(t for t in targets if t in modules and t != name)
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    edges = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = sorted(
        {
            tuple(sorted((a, b)))
            for a, targets in edges.items()
            for b in targets
            if a in edges.get(b, ()) and not b.startswith(a + ".") and not a.startswith(b + ".")
        }
    )
    assert [c for c in cycles if c not in ACCEPTED] == []


def test_config_reaches_no_layer_above_loading():
    """config reads and validates files (it builds scorers and data sources to check them); it never
    reaches the integrity verbs, the runner, the analysis, the report or the CLI."""
    modules = _modules()
    above = (
        "evalkit.integrity",
        "evalkit.runner",
        "evalkit.analysis",
        "evalkit.report",
        "evalkit.cli",
        "evalkit.pipeline",
        "evalkit.selection",
    )
    for name, path in modules.items():
        if name.startswith("evalkit.config"):
            reached = {t for t in _imports(name, path, modules) if t.startswith(above)}
            assert reached == set(), (name, reached)
