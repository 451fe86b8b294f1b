"""The app's plots (ECharts options built on the server, drawn by the browser): readable on a
projector, and no text from a scenario file in them (the chart library may render HTML in
tooltips, so file text stays in the page's plain-text nodes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("solara", reason="the app needs the web libraries")

EVIL_LABEL = '<img src=x onerror="window.__xss=1">'
SCENARIO = f"""\
title = "A firm whose CDO has a strange name"
story = "Nothing else happens."

[parameters]
n_customers = 400
warmup_weeks = 4
weeks = 30

[[interventions]]
week = 5
label = '{EVIL_LABEL}'
collaboration = 0.7
"""


def font_sizes(value: Any) -> Iterator[float]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "fontSize":
                yield float(item)
            else:
                yield from font_sizes(item)
    elif isinstance(value, list):
        for item in value:
            yield from font_sizes(item)


def test_plots_are_big_and_carry_no_text_from_files(
    write_scenario: Callable[..., Path],
) -> None:
    from simulation.app import app

    model = app.AppModel(scenario=str(write_scenario(SCENARIO, name="evil")))
    for _ in range(8):
        model.step()
    model.move_lever("governance", 0.8)
    view = model.view()
    options = [
        app.line_option(c, view, model.ghost, model.scenario_info.interventions)
        for c in app.OUTCOMES
    ]
    options += [app.levers_option(view), app.agents_option(view)]
    options += [app.bars_option("trust", view.trust, "#000", "0..1")]
    text = json.dumps(options)
    assert EVIL_LABEL not in text and "onerror" not in text
    sizes = [size for option in options for size in font_sizes(option)]
    assert sizes and min(sizes) >= 14
    # the marks: the intervention's week (dotted) and the lever move (solid) on every plot
    marks = options[0]["series"][1]["markLine"]["data"]
    assert [m["xAxis"] for m in marks] == ["5", "8"]
    # week 0 first, then one value per recorded week, on the weeks' axis
    assert len(options[0]["series"][1]["data"]) == view.week + 1
    assert options[0]["xAxis"]["data"][:2] == ["0", "1"]


def test_the_monitors_show_the_four_headline_outcomes_now() -> None:
    from simulation.app import app

    model = app.AppModel(n_customers=400)
    shown = dict(app.monitors(model.view()))
    assert set(shown) == {"time to market", "shadow IT", "breaches so far", "satisfaction"}
    assert all(value == "–" for value in shown.values())  # nothing recorded yet
    for _ in range(10):
        model.step()
    shown = dict(app.monitors(model.view()))
    assert shown["satisfaction"] == f"{model.datacollector.model_vars['satisfaction'][-1]:.2f}"
    assert shown["shadow IT"].endswith("% of systems")


def test_a_dropped_scenario_file_is_checked_like_any_other(valid_toml: str) -> None:
    from simulation.app import app
    from simulation.experiments.scenarios import ScenarioError

    scenario = app.uploaded_scenario("my firm.toml", valid_toml.encode())
    assert scenario.name == "my_firm" and scenario.title == "A test firm"
    model = app.AppModel(scenario=scenario, n_customers=400)
    assert model.scenario_name == "my_firm"
    for name, data, said in [
        ("notes.txt", b"x", "notes.txt: not a scenario file; allowed: a .toml file"),
        ("big.toml", b"#" * 1_000_001, "big.toml: larger than 1,000,000 bytes"),
        ("broken.toml", b"title = ", "broken.toml: not valid TOML"),
        ("odd.toml", valid_toml.replace("governance", "governanse").encode(), "odd.toml: "),
    ]:
        with pytest.raises(ScenarioError) as caught:
            app.uploaded_scenario(name, data)
        message = str(caught.value)
        assert message.startswith(said) and "\n" not in message and "dtsim-upload" not in message


def test_the_run_downloads_as_the_cli_writes_it() -> None:
    from simulation.app import app

    model = app.AppModel(n_customers=400)
    for _ in range(5):
        model.step()
    lines = app.run_csv(model).decode().splitlines()
    assert lines[0].startswith("scenario,replicate,seed,week,") and len(lines) == 6
    assert app.run_png(model)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_pinned_run_and_a_replicate_band_join_the_plots() -> None:
    """Runs side by side (issue 14): the pinned run is drawn dotted and differenced in the
    monitors at the same week; the band replays the run's scenario and lever moves with
    other seeds, and holds this run's own path no worse than loosely."""
    import numpy as np

    from simulation.app import app

    first = app.AppModel(n_customers=400, seed=2)
    for _ in range(12):
        first.step()
    pinned = app.Pinned.of(first)
    assert pinned.what.startswith("pinned: siloed, seed 2, collaboration 0.15")
    second = app.AppModel(n_customers=400, seed=2)
    second.move_lever("collaboration", 0.9)
    for _ in range(12):
        second.step()
    view = second.view()
    lines = app.difference_lines(view, pinned)
    assert all(line.startswith("vs pinned: ") for line in lines)
    expected = view.last("satisfaction") - pinned.at("satisfaction", 12)
    assert lines[3] == f"vs pinned: {expected:+.3f}"
    band = app.replicate_band(second, replicates=4)
    assert band.replicates == 4 and band.run == id(second)
    low, high = band.low["satisfaction"], band.high["satisfaction"]
    assert len(low) == second.p["weeks"] and np.all(low <= high)
    option = app.line_option("satisfaction", view, second.ghost, (), None, pinned, band)
    names = [series["name"] for series in option["series"]]
    assert names == ["siloed", "this run", "band", "4 replicates, 5-95%", "pinned"]
    assert option["series"][4]["data"][1:13] == [round(v, 4) for v in pinned.series["satisfaction"]]


def test_the_breaches_monitor_says_how_many_hit_shadow_tools() -> None:
    """Lesson 1's point on the first screen: locking down moves breaches into the shadow."""
    import numpy as np

    from simulation.app import app

    model = app.AppModel(n_customers=400, governance=0.95)
    for _ in range(100):
        model.step()
    view = model.view()
    total = int(view.last("breaches_total"))
    shadow = int(np.nansum(view.series["breaches_shadow"]))
    assert total > 0 and total == shadow + int(np.nansum(view.series["breaches_official"]))
    assert dict(app.monitors(view))["breaches so far"] == f"{total} ({shadow} shadow)"
