"""Text from a scenario or experiment file is shown as written: never run, never interpreted.

A scenario file is anyone's text (a shared folder, a downloaded example). In the app its story
and title were Markdown with raw HTML kept, so ``<img onerror=...>`` ran script and
``javascript:`` links were clickable; in figures a ``$...$`` in a title was matplotlib mathtext
(and a bad one stopped the figure from drawing).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulation.experiments.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EVIL_STORY = 'Look: <img src=x onerror="window.__xss=1"> and [click me](javascript:alert(1)).'
EVIL_TITLE = "<b>Bold</b> $\\evilmacro$ 100$ budget"
EVIL_SCENARIO = f"""\
title = '{EVIL_TITLE}'
story = '{EVIL_STORY}'

[parameters]
collaboration = 0.15
governance = 0.5
marketing_budget = 0.25

[[interventions]]
week = 3
label = '<img src=y onerror="window.__xss=2"> $\\evilmacro$'
collaboration = 0.5
"""


def widgets(widget: Any) -> Iterator[Any]:
    """A widget and every widget under it (solara/ipyvue trees)."""
    yield widget
    for child in getattr(widget, "children", None) or []:
        if not isinstance(child, str):
            yield from widgets(child)


def text_nodes(widget: Any) -> list[str]:
    """Every plain string child in the tree: what the browser gets as escaped text."""
    return [
        child
        for w in widgets(widget)
        for child in (getattr(w, "children", None) or [])
        if isinstance(child, str)
    ]


def test_app_shows_a_scenario_story_and_title_as_plain_text(
    write_scenario: Callable[..., Path],
) -> None:
    pytest.importorskip("solara", reason="the app needs the web libraries")
    import solara

    from simulation.app.app import ScenarioText

    info = load_scenario(write_scenario(EVIL_SCENARIO, name="evil"))
    box, rc = solara.render(ScenarioText(info), handle_error=False)
    try:
        markup = [
            str(getattr(w, name))
            for w in widgets(box)
            for name in ("template", "v_html", "value")
            if isinstance(getattr(w, name, None), str)
        ]
        joined = "\n".join(markup)
        # no HTML made from the file's text: no img element, no javascript: link
        assert "<img" not in joined and "javascript:" not in joined, joined
        assert not any(getattr(w, "tag", None) in ("img", "a") for w in widgets(box))
        # and the text is there, as written, as text nodes (escaped by the browser)
        texts = text_nodes(box)
        assert EVIL_STORY in texts
        assert EVIL_TITLE in texts
    finally:
        rc.close()


def timeseries(names: tuple[str, ...] = ("small",)) -> pd.DataFrame:
    """A made-up timeseries of every plotted column: two replicates, ten weeks each."""
    from simulation.model.outputs import SERIES

    rng = np.random.default_rng(0)
    rows = []
    for name in names:
        for replicate in range(2):
            for week in range(10):
                row = {"scenario": name, "replicate": replicate, "seed": replicate, "week": week}
                row.update({s.name: float(rng.random()) for s in SERIES})
                rows.append(row)
    return pd.DataFrame(rows)


def all_texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text()]


def test_figure_titles_labels_and_names_from_files_are_literal(
    write_scenario: Callable[..., Path],
) -> None:
    from simulation.viz.plots import compare_figure, run_figure

    info = load_scenario(write_scenario(EVIL_SCENARIO, name="evil"))
    name = "my $x^2$ scenario"
    for fig in (
        run_figure(timeseries(), info.title, info.interventions),
        compare_figure(timeseries(("evil", name)), info.title, {"evil": info.interventions}),
    ):
        fig.canvas.draw()  # a mathtext title with an unknown macro raised here
        from_files = [
            t
            for t in all_texts(fig)
            if t.get_text() in (info.title, name, info.interventions[0]["label"])
        ]
        assert len(from_files) >= 2
        assert all(not t.get_parse_math() for t in from_files)


def test_every_figure_suptitle_is_literal() -> None:
    """Sweep, sensitivity and discovery titles come from experiment files: no mathtext."""
    missing = []
    for path in sorted((ROOT / "simulation" / "viz").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "suptitle"
            ):
                literal = any(
                    k.arg == "parse_math"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is False
                    for k in node.keywords
                )
                if not literal:
                    missing.append(f"{path.name}:{node.lineno}")
    assert not missing, f"suptitle without parse_math=False: {missing}"
