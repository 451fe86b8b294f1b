"""Imports point one way, down the data flow: a lower layer never imports a higher one.

stats, text  ->  model  ->  experiments  ->  analysis  ->  viz  ->  report  ->  app, cli

The facade ``simulation/__init__.py`` (the public API) may import from any layer. The
layers that compute (model, experiments, analysis) never import a plotting or web library,
so a sweep on a cluster or a notebook's ``import simulation`` stays light.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulation"
RANK = {
    "stats": 0,
    "text": 0,
    "model": 1,
    "experiments": 2,
    "analysis": 3,
    "viz": 4,
    "report": 5,
    "app": 6,
    "cli": 6,
}
"""Each layer's place in the flow; a module may import its own layer and those below."""
HEAVY = ("matplotlib", "solara", "mesa.visualization", "altair", "ipywidgets", "jinja2")
"""Libraries the computing layers must not import."""
COMPUTING = ("model", "experiments", "analysis")
EXEMPT = {"__init__", "__main__", "shipped"}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name inside ``simulation``, or None outside it."""
    parts = module.split(".")
    if parts[0] != "simulation" or len(parts) < 2 or parts[1] in EXEMPT:
        return None
    return parts[1]


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (function-level imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(package: Path = PACKAGE) -> list[str]:
    """Each import that points up the flow or pulls a plotting library into a computing layer."""
    bad = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        own = layer_of(".".join(relative.parts))
        if own is None:
            continue
        for line, module in imports(path):
            where = f"{relative}.py:{line}"
            target = layer_of(module)
            if target is not None and target in RANK and RANK[target] > RANK[own]:
                bad.append(f"{where}: {own} imports {module} (a higher layer: {target})")
            if own in COMPUTING and module.startswith(HEAVY):
                bad.append(f"{where}: {own} imports {module} (plotting/web)")
    return bad


def test_every_module_sits_in_a_known_layer() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    files = {p.stem for p in PACKAGE.glob("*.py")}
    assert (folders | files) - EXEMPT == set(RANK)


def test_imports_point_down_the_flow() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("layer", "line", "complaint"),
    [
        ("model", "from simulation.experiments.runner import run_model", "a higher layer"),
        ("analysis", "    from simulation.viz.plots import DPI", "a higher layer"),
        ("analysis", "import matplotlib.pyplot as plt", "plotting/web"),
        ("experiments", "from simulation.cli import main", "a higher layer"),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path: Path, layer, line, complaint) -> None:
    """The check itself can fail: a planted upward import is reported."""
    fake = tmp_path / "simulation"
    (fake / layer).mkdir(parents=True)
    (fake / layer / "planted.py").write_text(f"def f():\n{line}\n" if line.startswith(" ")
                                             else f"{line}\n", encoding="utf-8")  # fmt: skip
    (fake / "viz").mkdir()
    (fake / "viz" / "ok.py").write_text("from simulation.model import params\n", encoding="utf-8")
    found = violations(fake)
    assert len(found) == 1 and complaint in found[0] and "planted.py" in found[0]
