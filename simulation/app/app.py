"""The teaching app: one run of the model in the browser, played in real time (solara).

A client of the model, like the CLI (``docs/teaching_app.md``): it never changes how the model
works. Start it with ``dtsim app`` or ``solara run simulation/app/app.py``.

Built for a classroom projector (1280x720): a bar of controls named for a class (play or
pause, one week, restart, speed), the scenario and its story, the three levers as live
sliders with their values beside them, big monitors of the four headline outcomes, and
their plots (this run, the baseline dashed behind it, interventions and lever moves marked);
below them the levers over time, two more outcomes, the agents and the events.

Why it is fast (issue 14, ``benchmarks/bench_app.py``): the model steps in a thread of its
own at the chosen speed, and the page redraws at most :data:`REDRAW_S` apart, whatever the
speed; the plots are ECharts drawn by the browser from the numbers (a few kilobytes), not
images drawn on the server. A lock keeps a lever move or a redraw from meeting a step half
done.
"""

# Solara components are named like classes (Page, LeverPanel), as solara requires of Page.
# ruff: noqa: N802

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import solara
import solara.lab

from simulation.experiments.scenarios import Scenario, load_scenario, scenario_names
from simulation.model.model import DigitalTransformationModel
from simulation.model.outputs import SERIES
from simulation.model.params import LEVERS, PARAMETERS

BASELINE = "siloed"
"""The scenario whose run is drawn dashed behind every outcome plot."""
DEFAULT_SCENARIO = BASELINE
FEED_LENGTH = 15
"""Events shown in the feed, newest first."""
OUTCOMES: dict[str, tuple[str, str]] = {o.name: (o.title, o.unit) for o in SERIES}
"""The plotted weekly columns (declared in ``simulation.model.outputs``): title and unit."""
HEADLINE = ("time_to_market", "shadow_share", "breaches_total", "satisfaction")
"""The four outcomes on the first screen, as monitors and plots."""
MORE = tuple(name for name in OUTCOMES if name not in HEADLINE)
LEVER_COLUMNS = {name: f"{name}_now" for name in LEVERS}
"""Each lever's weekly column: the value in force that week."""
SIZE_RANGES: dict[str, tuple[int, int, int]] = {
    "n_customers": (400, 5000, 100),
    "n_marketing": (2, 60, 1),
    "n_it": (1, 40, 1),
}
"""Teaching ranges (low, high, step) of the population sizes, inside PARAMETERS' ranges:
large enough to show the mechanisms, small enough that a week stays well under the play
interval on a laptop."""
SEED_RANGE = (0, 99)
SPEEDS: dict[str, float] = {
    "1 week a second": 1.0,
    "4 weeks a second": 4.0,
    "12 weeks a second": 12.0,
    "25 weeks a second": 25.0,
    "as fast as it goes": 0.0,
}
"""Play speeds offered to a class (0: no pause between weeks)."""
DEFAULT_SPEED = "12 weeks a second"
"""A three-year run plays in 13 s: long enough to watch, short enough for a lesson."""
REDRAW_S = 0.25
"""While playing, the first screen is redrawn at most this often (seconds): the model's speed
does not depend on how fast a browser draws."""
SLOW_REDRAW_S = 1.0
"""While playing, what lies below the first screen is redrawn at most this often."""
FONT = 15
"""Pixels of every text in the plots: readable from the back of a room."""
PLOT_HEIGHT = 205
"""Pixels of each headline plot: four of them, the monitors and the controls fit 1280x720."""
COLOURS = {"run": "#0072B2", "ghost": "#888888", "move": "#D55E00", "intervention": "#CC79A7"}
"""Okabe–Ito colours, as in ``simulation.viz.style``."""


@functools.lru_cache(maxsize=32)
def baseline_run(seed: int, sizes: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    """The baseline scenario run in full with this seed and these sizes (the ghost line).

    Cached: switching scenarios or restarting with the same seed and sizes reuses it.
    """
    scenario = load_scenario(BASELINE)
    model = DigitalTransformationModel(
        rng=seed, interventions=list(scenario.interventions), **{**scenario.params, **dict(sizes)}
    )
    model.run()
    return model.datacollector.get_model_vars_dataframe()


class AppModel(DigitalTransformationModel):
    """The model as the app shows it: built from a scenario, with a ghost and an event feed.

    ``lock`` is held while a week is stepped, a lever moved or a view taken, since the play
    loop steps in a thread of its own.
    """

    def __init__(
        self,
        scenario: str | Scenario | None = None,
        seed: int = 0,
        n_customers: int | None = None,
        n_marketing: int | None = None,
        n_it: int | None = None,
        **params: Any,
    ) -> None:
        self.scenario_info = load_scenario(scenario or DEFAULT_SCENARIO)
        self.scenario_name = self.scenario_info.name
        self.seed = int(seed)
        sizes = {
            name: int(value if value is not None else PARAMETERS[name].default)
            for name, value in (
                ("n_customers", n_customers),
                ("n_marketing", n_marketing),
                ("n_it", n_it),
            )
        }
        self.sizes = sizes
        super().__init__(
            rng=self.seed,
            interventions=list(self.scenario_info.interventions),
            **{**self.scenario_info.params, **sizes, **params},
        )
        self.lock = threading.RLock()
        self.ghost = baseline_run(self.seed, tuple(sorted(sizes.items())))
        self.feed: deque[tuple[int, str, str]] = deque(maxlen=FEED_LENGTH)
        self.lever_log: list[tuple[int, str, float]] = []

    def step(self) -> None:
        with self.lock:
            super().step()
            for kind, detail in self.ledger.events:
                self.feed.appendleft((self.week, kind, detail))

    def move_lever(self, name: str, value: float) -> None:
        """A lever moved on screen: changed from next week on, the run goes on."""
        with self.lock:
            self.set_lever(name, value)
            self.lever_log.append((max(self.week, 0), name, float(value)))

    def view(self) -> View:
        """What the page shows now, copied under the lock (the play loop may be stepping)."""
        with self.lock:
            columns = self.datacollector.model_vars
            series = {name: np.asarray(values, float) for name, values in columns.items()}
            customers = self.customers
            rows, cols = customers.shape
            grid = np.full(rows * cols, np.nan)
            grid[: customers.n] = np.where(customers.active, customers.satisfaction, np.nan)
            return View(
                week=max(self.week, 0),
                weeks=int(self.p["weeks"]),
                series=series,
                moves=tuple(self.lever_log),
                levers={name: self.lever_set(name) for name in LEVERS},
                feed=tuple(self.feed),
                grid=grid.reshape(rows, cols),
                active=int(customers.active_count),
                trust=tuple(float(a.trust) for a in self.marketing),
                workload=tuple(float(a.workload) for a in self.it_teams),
            )


@dataclass(frozen=True)
class View:
    """One moment of a run, as the page draws it."""

    week: int
    weeks: int
    series: dict[str, np.ndarray]
    moves: tuple[tuple[int, str, float], ...]
    levers: dict[str, float]
    feed: tuple[tuple[int, str, str], ...]
    grid: np.ndarray
    active: int
    trust: tuple[float, ...]
    workload: tuple[float, ...]

    def last(self, column: str) -> float | None:
        values = self.series.get(column)
        if values is None or not len(values) or not np.isfinite(values[-1]):
            return None
        return float(values[-1])


# --- the plots: ECharts options (drawn by the browser) ---------------------------------------


def _values(values: np.ndarray) -> list[float | None]:
    """Week 0 (nothing recorded yet), 1, 2, ... in order on a category axis: a flat list
    (cheap to compare and send), a gap (None) where a value is not a number (no launch)."""
    return [None, *(round(v, 4) if math.isfinite(v) else None for v in values.tolist())]


def _week_axis(weeks: int) -> dict[str, Any]:
    """The x axis of every plot over time: the weeks 0..weeks as categories (labels every
    26 weeks from 0: half-years)."""
    return {
        "type": "category",
        "data": [str(w) for w in range(weeks + 1)],
        "boundaryGap": False,
        "axisLabel": {"fontSize": FONT, "interval": 25 if weeks > 60 else 9},  # every 26th
        "axisTick": {"show": False},
        "splitLine": {"show": False},
    }


def line_option(
    column: str,
    view: View,
    ghost: pd.DataFrame,
    interventions: tuple[dict[str, Any], ...],
    title: str | None = None,
    pinned: Pinned | None = None,
    band: Band | None = None,
) -> dict[str, Any]:
    """One outcome over the weeks: this run, the baseline dashed, interventions and lever
    moves as vertical marks (labelled by week only: no text from files reaches the chart);
    with a pinned run, it dotted black; with replicates, their 5-95% band."""
    name, unit = OUTCOMES.get(column, (column, ""))
    marks = [
        {"xAxis": str(i["week"]), "lineStyle": {"color": COLOURS["intervention"], "type": "dotted"}}
        for i in interventions
    ] + [
        {"xAxis": str(max(week, 1)), "lineStyle": {"color": COLOURS["move"], "type": "solid"}}
        for week, _, _ in view.moves
    ]
    return {
        "animation": False,
        "title": {"text": title or (f"{name} ({unit})" if unit else name), "left": 8, "top": 2,
                  "textStyle": {"fontSize": FONT + 1}},
        "grid": {"left": 58, "right": 16, "top": 34, "bottom": 30},
        "textStyle": {"fontSize": FONT},
        "xAxis": _week_axis(view.weeks),
        "yAxis": {
            "type": "value",
            "axisLabel": {"fontSize": FONT},
            "scale": column not in ("shadow_share", "satisfaction", "marketing_trust"),
        },
        "series": [
            {
                "name": BASELINE,
                "type": "line",
                "showSymbol": False,
                "lineStyle": {"type": "dashed", "color": COLOURS["ghost"], "width": 2},
                "itemStyle": {"color": COLOURS["ghost"]},
                "data": _values(ghost[column].to_numpy(float)),
            },
            {
                "name": "this run",
                "type": "line",
                "showSymbol": False,
                "lineStyle": {"color": COLOURS["run"], "width": 3},
                "itemStyle": {"color": COLOURS["run"]},
                "data": _values(view.series.get(column, np.array([]))),
                "markLine": {"symbol": "none", "silent": True, "label": {"show": False},
                             "data": marks},
            },
            *_extra_series(column, pinned, band),
        ],
    }  # fmt: skip


def _extra_series(column: str, pinned: Pinned | None, band: Band | None) -> list[dict[str, Any]]:
    """The pinned run's line and the replicates' band (two stacked series: the low edge, then
    the width filled), when there are any."""
    extra: list[dict[str, Any]] = []
    if band is not None and column in band.low:
        low, high = band.low[column], band.high[column]
        extra += [
            {"name": "band", "type": "line", "stack": "band", "showSymbol": False,
             "lineStyle": {"opacity": 0}, "data": _values(low), "silent": True},
            {"name": f"{band.replicates} replicates, 5-95%", "type": "line", "stack": "band",
             "showSymbol": False, "lineStyle": {"opacity": 0}, "silent": True,
             "areaStyle": {"color": COLOURS["run"], "opacity": 0.15},
             "data": _values(high - low)},
        ]  # fmt: skip
    if pinned is not None and column in pinned.series:
        extra.append(
            {"name": "pinned", "type": "line", "showSymbol": False,
             "lineStyle": {"color": "#000000", "type": "dotted", "width": 2.5},
             "itemStyle": {"color": "#000000"}, "data": _values(pinned.series[column])}
        )  # fmt: skip
    return extra


@dataclass(frozen=True)
class Pinned:
    """A run kept to compare the next one with (same seed: the difference is the levers)."""

    what: str
    series: dict[str, np.ndarray]

    @classmethod
    def of(cls, model: AppModel) -> Pinned:
        view = model.view()
        levers = ", ".join(f"{name.replace('_', ' ')} {value:.2f}" for name, value in
                           view.levers.items())  # fmt: skip
        moves = f", {len(view.moves)} lever moves" if view.moves else ""
        return cls(
            f"pinned: {model.scenario_name}, seed {model.seed}, {levers}{moves}, "
            f"to week {view.week}",
            {c: view.series[c].copy() for c in HEADLINE if c in view.series},
        )

    def at(self, column: str, week: int) -> float | None:
        values = self.series.get(column)
        if values is None or not 1 <= week <= len(values) or not np.isfinite(values[week - 1]):
            return None
        return float(values[week - 1])


@dataclass(frozen=True)
class Band:
    """Replicates of the current run (its scenario, levers and moves) with other seeds: the
    5th and 95th percentile of each headline outcome, week by week."""

    replicates: int
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    run: int = 0
    """``id`` of the run it replays: a band is shown with that run only."""


REPLICATES = 10
"""Replicates the app runs in the background for the band."""


def replicate_band(model: AppModel, replicates: int = REPLICATES) -> Band:
    """The current run replayed with ``replicates`` other seeds: its scenario, its sizes and
    its lever moves so far (each as an intervention from the week after the move)."""
    from simulation.experiments.runner import RunSpec, run_specs

    with model.lock:
        moves = list(model.lever_log)
        weeks = int(model.p["weeks"])
    # as the run was built (model.p holds the levers as moved since)
    params = {**model.scenario_info.params, **model.sizes}
    interventions = [dict(i) for i in model.scenario_info.interventions]
    interventions += [
        {"week": min(max(week + 1, 1), weeks), "label": "", name: value}
        for week, name, value in moves
    ]
    spec = RunSpec(model.scenario_name, model.scenario_info.title, params, tuple(interventions))
    # replicates 1.. of the run's seed (the engine's seeds), in this process
    timeseries, _ = run_specs([spec], model.seed, replicates, workers=1, first=1)
    low, high = {}, {}
    for column in HEADLINE:
        stacked = timeseries.pivot(index="replicate", columns="week", values=column)
        with np.errstate(all="ignore"):
            low[column] = np.nanpercentile(stacked.to_numpy(float), 5, axis=0)
            high[column] = np.nanpercentile(stacked.to_numpy(float), 95, axis=0)
    return Band(replicates, low, high, id(model))


def levers_option(view: View) -> dict[str, Any]:
    """The three levers in force each week (after interventions and adaptive leaders)."""
    colours = ("#0072B2", "#E69F00", "#009E73")
    return {
        "animation": False,
        "title": {"text": "the levers over time", "left": 8, "top": 2,
                  "textStyle": {"fontSize": FONT + 1}},
        "legend": {"top": 4, "right": 10, "textStyle": {"fontSize": FONT}},
        "grid": {"left": 58, "right": 16, "top": 40, "bottom": 30},
        "xAxis": _week_axis(view.weeks),
        "yAxis": {"type": "value", "min": 0, "max": 1, "axisLabel": {"fontSize": FONT}},
        "series": [
            {"name": lever, "type": "line", "step": "end", "showSymbol": False,
             "lineStyle": {"width": 3, "color": colour}, "itemStyle": {"color": colour},
             "data": _values(view.series.get(column, np.array([])))}
            for (lever, column), colour in zip(LEVER_COLUMNS.items(), colours, strict=True)
        ],
    }  # fmt: skip


def agents_option(view: View) -> dict[str, Any]:
    """Customers on their word-of-mouth grid, coloured by satisfaction (blank: left)."""
    rows, cols = view.grid.shape
    data = [
        [c, rows - 1 - r, round(float(v), 3) if np.isfinite(v) else "-"]
        for r in range(rows)
        for c in range(cols)
        for v in (view.grid[r, c],)
    ]
    return {
        "animation": False,
        "title": {"text": f"customers: satisfaction, {view.active:,} active (blank: left)",
                  "left": 8, "top": 2, "textStyle": {"fontSize": FONT + 1}},
        "grid": {"left": 10, "right": 90, "top": 34, "bottom": 10},
        "xAxis": {"type": "category", "show": False, "data": list(range(cols))},
        "yAxis": {"type": "category", "show": False, "data": list(range(rows))},
        "visualMap": {"min": 0, "max": 1, "calculable": False, "right": 0, "top": "middle",
                      "orient": "vertical", "itemHeight": 120, "textStyle": {"fontSize": FONT},
                      "inRange": {"color": ["#d73027", "#fee08b", "#1a9850"]}},
        "series": [{"type": "heatmap", "data": data, "itemStyle": {"color": "#bbbbbb"}}],
    }  # fmt: skip


def bars_option(title: str, values: tuple[float, ...], colour: str, unit: str) -> dict[str, Any]:
    """One bar per agent."""
    return {
        "animation": False,
        "title": {"text": f"{title} ({unit})", "left": 8, "top": 2,
                  "textStyle": {"fontSize": FONT + 1}},
        "grid": {"left": 58, "right": 16, "top": 34, "bottom": 30},
        "xAxis": {"type": "category", "data": list(range(1, len(values) + 1)),
                  "axisLabel": {"fontSize": FONT}},
        "yAxis": {"type": "value", "axisLabel": {"fontSize": FONT}},
        "series": [{"type": "bar", "data": [round(v, 3) for v in values],
                    "itemStyle": {"color": colour}}],
    }  # fmt: skip


def monitors(view: View) -> list[tuple[str, str]]:
    """The big numbers: (label, value) of the four headline outcomes now."""
    ttm = view.last("time_to_market")
    shadow = view.last("shadow_share")
    breaches = view.last("breaches_total")
    satisfaction = view.last("satisfaction")
    # lesson 1's point: how many of the breaches hit tools IT does not run
    shadow_breaches = view.series.get("breaches_shadow")
    in_shadow = (
        f" ({int(np.nansum(shadow_breaches))} shadow)"
        if shadow_breaches is not None and breaches
        else ""
    )
    return [
        ("time to market", "–" if ttm is None else f"{ttm:.1f} weeks"),
        ("shadow IT", "–" if shadow is None else f"{shadow:.0%} of systems"),
        ("breaches so far", "–" if breaches is None else f"{breaches:.0f}{in_shadow}"),
        ("satisfaction", "–" if satisfaction is None else f"{satisfaction:.2f}"),
    ]


# --- components on the page ----------------------------------------------------------------

CSS = f"""
.dtsim-app {{ font-size: {FONT + 1}px; }}
.dtsim-app .v-label, .dtsim-app .v-select__selection, .dtsim-app .v-btn {{ font-size: {FONT + 1}px !important; }}
.dtsim-monitor {{ padding: 4px 14px; border-left: 5px solid {COLOURS["run"]}; background: #f5f7fa; min-width: 170px; }}
.dtsim-monitor-label {{ font-size: {FONT}px; color: #444; }}
.dtsim-monitor-value {{ font-size: 27px; font-weight: 700; line-height: 1.1; }}
.dtsim-lever-value {{ font-size: 22px; font-weight: 700; min-width: 3.2em; text-align: right; }}
.dtsim-muted {{ font-size: {FONT - 1}px; color: #555; }}
.dtsim-difference {{ font-size: {FONT - 1}px; color: #222; line-height: 1.1; }}
"""


INFO: dict[str, str] = {
    "What this is": (
        "A firm in a simulation: marketers who need technology, IT teams who build and guard "
        "it, and a few thousand customers. Each week marketers raise requests and choose to "
        "wait for IT, buy a tool of their own (shadow IT), work around, or drop them; IT "
        "reviews, builds and launches; tools can be breached; customers judge what they get "
        "and may leave. Nothing on the screen is a formula of the levers: every number is "
        "counted from what the agents did."
    ),
    "What to watch": (
        "The four big numbers and their plots: how fast things launch, how much of the firm "
        "runs on tools IT does not know, how many breaches, and how satisfied customers are. "
        "The dashed grey line is the siloed firm with the same luck (the same seed), so a "
        "gap between the lines is the effect of what you changed, not chance."
    ),
    "What to try": (
        "Lock governance down to 0.9 and watch breaches and shadow IT. Give marketing the "
        "budget (0.8) and watch time to market and shadow IT. Raise collaboration to 0.8 and "
        "wait: it costs IT time first and pays later. Pick cdo_turnaround and watch week 52. "
        "Restart with the same seed to try another choice against the same luck."
    ),
}
"""The Info panel's text: what the model is, what to watch, what to try (docs/teaching.md has
the lessons, docs/handouts/ one printable page for each)."""


@solara.component
def InfoPanel() -> None:
    card = solara.Card(classes=["dtsim-info"], style={"padding": "8px 14px"})
    with card, solara.Columns([4, 4, 4], gutters_dense=True):
        for heading, text in INFO.items():
            with solara.Div():
                solara.Text(heading, style={"font-weight": "700"})
                with solara.Div(style={"margin-top": "4px"}):
                    solara.Text(text)


@solara.component
def ScenarioText(info: Scenario) -> None:
    """The scenario's title, story and intervention weeks, shown as plain text.

    Never as Markdown: a scenario file is anyone's text, and Markdown keeps raw HTML and
    ``javascript:`` links, so a story could run script in the page (stored XSS). Text goes to
    the browser as a text node, escaped.
    """
    with solara.Div(classes=["dtsim-scenario-text"], style={"white-space": "pre-line"}):
        solara.Text(info.title, style={"font-weight": "bold"})
        with solara.Div(style={"margin-top": "0.4em"}):
            solara.Text(info.story)
        if info.interventions:
            weeks = ", ".join(str(i["week"]) for i in info.interventions)
            with solara.Div(style={"margin-top": "0.4em"}):
                solara.Text(
                    f"Interventions in week {weeks} (dotted pink lines).",
                    style={"font-style": "italic"},
                )


@solara.component
def Controls(
    model: solara.Reactive[AppModel],
    playing: solara.Reactive[bool],
    speed: solara.Reactive[str],
    ticks: Ticks,
    info: solara.Reactive[bool],
) -> None:
    """Play or pause, one week, restart, speed, info: what a class needs, nothing else."""
    current = model.value
    done = current.week >= current.p["weeks"]

    def one_week() -> None:
        if not done:
            current.step()
        ticks.both()

    def restart() -> None:
        playing.value = False
        model.value = AppModel(scenario=current.scenario_name, seed=current.seed, **current.sizes)
        ticks.both()

    with solara.Row(classes=["dtsim-controls"], style={"align-items": "center", "gap": "10px"}):
        solara.Button(
            label="❚❚ pause" if playing.value else "▶ play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=done,
            classes=["dtsim-play"],
        )
        solara.Button(
            label="one week", on_click=one_week, disabled=playing.value or done,
            classes=["dtsim-step"],
        )  # fmt: skip
        solara.Button(label="restart", on_click=restart, classes=["dtsim-restart"])
        with solara.Div(style={"width": "230px"}, classes=["dtsim-speed"]):
            solara.Select(label="speed", values=list(SPEEDS), value=speed)
        solara.Button(
            label="hide info" if info.value else "info",
            on_click=lambda: info.set(not info.value),
            classes=["dtsim-info-button"],
        )


def uploaded_scenario(name: str, data: bytes) -> Scenario:
    """A scenario file dropped on the page, validated like any other: ScenarioError in one
    line naming the file as the teacher called it. At most MAX_FILE_BYTES are read."""
    import tempfile

    from simulation.experiments.limits import MAX_FILE_BYTES
    from simulation.experiments.scenarios import ScenarioError

    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(name).stem)[:40]
    if not name.endswith(".toml"):
        raise ScenarioError(f"{name}: not a scenario file; allowed: a .toml file")
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes; allowed at most that")
    with tempfile.TemporaryDirectory(prefix="dtsim-upload-") as folder:
        path = Path(folder) / f"{stem or 'uploaded'}.toml"
        path.write_bytes(data)
        try:
            return dataclasses.replace(load_scenario(path), path=None)
        except ScenarioError as exc:
            raise ScenarioError(str(exc).replace(str(path), name)) from None


@solara.component
def ScenarioPanel(model: solara.Reactive[AppModel], ticks: Ticks) -> None:
    """Pick a scenario, or drop a scenario file of your own: the run restarts with its levers
    and interventions (same seed, sizes)."""
    current = model.value
    uploaded = solara.use_reactive(cast(dict[str, Scenario], {}))
    problem = solara.use_reactive("")
    names = [*scenario_names(), *(n for n in uploaded.value if n not in scenario_names())]

    def pick(name: str) -> None:
        scenario = uploaded.value.get(name, name)
        model.value = AppModel(scenario=scenario, seed=current.seed, **current.sizes)
        ticks.both()

    def drop(file: Any) -> None:
        from simulation.experiments.limits import MAX_FILE_BYTES
        from simulation.experiments.scenarios import ScenarioError

        try:
            data = file["file_obj"].read(MAX_FILE_BYTES + 1)
            scenario = uploaded_scenario(str(file["name"]), data)
        except ScenarioError as exc:
            problem.set(str(exc))
            return
        problem.set("")
        uploaded.set({**uploaded.value, scenario.name: scenario})
        model.value = AppModel(scenario=scenario, seed=current.seed, **current.sizes)
        ticks.both()

    with solara.Card(classes=["dtsim-scenario"], style={"padding": "6px 10px"}):
        solara.Select(label="scenario", values=names, value=current.scenario_name, on_value=pick)
        solara.Text(current.scenario_info.title, style={"font-weight": "600"})
        with solara.Details("the story", expand=False):
            ScenarioText(current.scenario_info)
        with solara.Details("your own scenario file", expand=False):
            with solara.Div(classes=["dtsim-upload"]):
                solara.FileDrop(label="drop a scenario file (.toml) here", on_file=drop)
            if problem.value:  # shown as text: the message quotes the file
                solara.Text(problem.value, classes=["dtsim-upload-error"], style={"color": "#b00"})


@solara.component
def LeverPanel(model: AppModel, ticks: Ticks) -> None:
    """The three levers, live, each with its value beside it: a move calls
    ``model.set_lever`` from next week on, and the run goes on."""
    ticks.fast.get()
    view = model.view()
    with solara.Card(classes=["dtsim-levers"], style={"padding": "6px 10px"}):
        for name in LEVERS:
            spec = PARAMETERS[name]
            value = view.levers[name]

            def move(new: float, name: str = name) -> None:
                model.move_lever(name, new)
                ticks.both()

            with solara.Div(classes=[f"dtsim-lever-{name}"]):
                with solara.Row(style={"justify-content": "space-between", "align-items": "end"}):
                    solara.Text(name.replace("_", " "), style={"font-weight": "600"})
                    solara.Text(f"{value:.2f}", classes=["dtsim-lever-value"])
                solara.SliderFloat(
                    label="",
                    value=round(value, 2),
                    min=float(spec.low),
                    max=float(spec.high),
                    step=0.05,
                    on_value=move,
                    thumb_label=False,
                )
        text = f"week {view.week} of {view.weeks}"
        if view.moves:
            week, name, value = view.moves[-1]
            text += f"; last move: {name} = {value:.2f} in week {week}"
        solara.Text(text, classes=["dtsim-week", "dtsim-muted"])


@solara.component
def Monitors(view: View, pinned: Pinned | None = None) -> None:
    differences = dict(zip(HEADLINE, difference_lines(view, pinned), strict=True))
    with solara.Row(classes=["dtsim-monitors"], style={"gap": "10px", "flex-wrap": "wrap"}):
        for column, (label, value) in zip(HEADLINE, monitors(view), strict=True):
            with solara.Div(classes=["dtsim-monitor"]):
                solara.Text(label, classes=["dtsim-monitor-label"])
                solara.Div(children=[value], classes=["dtsim-monitor-value"])
                if pinned is not None:
                    solara.Div(children=[differences[column]], classes=["dtsim-difference"])


def difference_lines(view: View, pinned: Pinned | None) -> list[str]:
    """This run minus the pinned one at the same week, per headline outcome."""
    if pinned is None:
        return ["" for _ in HEADLINE]
    formats = {"time_to_market": "{:+.1f} weeks", "shadow_share": "{:+.1%}",
               "breaches_total": "{:+.0f}", "satisfaction": "{:+.3f}"}  # fmt: skip
    lines = []
    for column in HEADLINE:
        now, then = view.last(column), pinned.at(column, view.week)
        if now is None or then is None:
            lines.append("vs pinned: –")
        else:
            lines.append("vs pinned: " + formats[column].format(now - then))
    return lines


@solara.component
def Chart(option: dict[str, Any], height: int, classes: list[str]) -> None:
    """One ECharts plot: the browser draws it from ``option``'s numbers."""
    with solara.Div(classes=classes):
        solara.FigureEcharts(option=option, attributes={"style": f"height: {height}px;"},
                             responsive=True)  # fmt: skip


@solara.component
def SetupPanel(model: solara.Reactive[AppModel], ticks: Ticks) -> None:
    """Seed and sizes: a new run starts when one changes (the values are shown)."""
    current = model.value

    def rebuild(**change: int) -> None:
        sizes = {**current.sizes, **{k: v for k, v in change.items() if k != "seed"}}
        seed = change.get("seed", current.seed)
        model.value = AppModel(scenario=current.scenario_info, seed=seed, **sizes)
        ticks.both()

    title = "run set-up: seed and sizes (a change starts a new run)"
    with solara.Details(title, expand=False), solara.Div(classes=["dtsim-setup"]):
        solara.SliderInt(
            label=f"seed: {current.seed}", value=current.seed, min=SEED_RANGE[0],
            max=SEED_RANGE[1], on_value=lambda v: rebuild(seed=v),
        )  # fmt: skip
        for name, (low, high, step) in SIZE_RANGES.items():
            spec = PARAMETERS[name]

            def resize(value: int, name: str = name) -> None:
                rebuild(**{name: value})

            solara.SliderInt(
                label=f"{name.replace('n_', '').replace('_', ' ')}: {current.sizes[name]:,}",
                value=current.sizes[name],
                min=max(low, int(spec.low)),
                max=min(high, int(spec.high)),
                step=step,
                on_value=resize,
            )


def run_frame(model: AppModel) -> pd.DataFrame:
    """The run so far as ``dtsim run`` writes its timeseries: one row a week, every reporter."""
    with model.lock:
        frame = model.datacollector.get_model_vars_dataframe().copy()
    frame.insert(0, "seed", model.seed)
    frame.insert(0, "replicate", 0)
    frame.insert(0, "scenario", model.scenario_name)
    return frame


def run_csv(model: AppModel) -> bytes:
    return run_frame(model).to_csv(index=False).encode("utf-8")


def run_png(model: AppModel) -> bytes:
    """The run's figure as ``dtsim run`` draws it (matplotlib, imported on a click only)."""
    import io

    from simulation.viz.plots import run_figure

    frame = run_frame(model)
    info = model.scenario_info
    fig = run_figure(frame, f"{info.title} ({info.name})", info.interventions)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


@solara.component
def Downloads(model: AppModel, view: View) -> None:
    """The run so far, to take away: its weekly numbers (CSV) and its figure (PNG)."""
    stem = f"dtsim-{model.scenario_name}-seed{model.seed}-week{view.week}"
    with solara.Row(classes=["dtsim-downloads"], style={"gap": "10px"}):
        solara.FileDownload(
            lambda: run_csv(model), filename=f"{stem}.csv", label="download the run (CSV)"
        )
        if view.week > 0:
            solara.FileDownload(
                lambda: run_png(model), filename=f"{stem}.png", label="download the figure (PNG)"
            )


@solara.component
def EventFeed(view: View) -> None:
    with solara.Card(f"Latest events (week {view.week})", classes=["dtsim-events"]):
        if not view.feed:
            solara.Text("no events yet: press ▶ play or one week")
        # Plain text too: an intervention's label, from the scenario file, is an event detail.
        for week, kind, detail in view.feed:
            with solara.Div():
                solara.Text(f"week {week}: ")
                solara.Text(kind, style={"font-weight": "bold"})
                solara.Text(f" ({detail})")


@dataclass(frozen=True)
class Ticks:
    """The page's redraw counters: ``fast`` for the first screen (levers, monitors, the four
    headline plots), ``slow`` for the rest; a component redraws when the one it reads moves."""

    fast: solara.Reactive[int]
    slow: solara.Reactive[int]

    def both(self) -> None:
        self.fast.value += 1
        self.slow.value += 1


@dataclass(frozen=True)
class Compare:
    """Runs side by side: a pinned run, and replicates of the current one in the background."""

    pinned: solara.Reactive[Pinned | None]
    band: solara.Reactive[Band | None]
    asked: solara.Reactive[int]  # replicates asked for, a counter
    busy: solara.Reactive[bool]


@solara.component
def ComparePanel(model: AppModel, compare: Compare) -> None:
    pinned = compare.pinned.value

    def pin() -> None:
        compare.pinned.set(None if pinned is not None else Pinned.of(model))

    with solara.Row(classes=["dtsim-compare"], style={"align-items": "center", "gap": "8px"}):
        solara.Button(
            "unpin" if pinned is not None else "pin this run",
            on_click=pin,
            classes=["dtsim-pin"],
            dense=True,
        )
        solara.Button(
            f"{REPLICATES} replicates: show the spread",
            on_click=lambda: compare.asked.set(compare.asked.value + 1),
            disabled=compare.busy.value,
            classes=["dtsim-replicates"],
            dense=True,
        )
        if compare.busy.value:
            solara.Text(f"running {REPLICATES} replicates …", classes=["dtsim-muted"])
        elif pinned is not None:
            solara.Text(pinned.what, classes=["dtsim-muted", "dtsim-pinned"])


@solara.component
def Headline(model: AppModel, ticks: Ticks, compare: Compare) -> None:
    """Monitors and the four headline plots: redrawn at most every REDRAW_S while playing."""
    ticks.fast.get()
    view = model.view()
    interventions = model.scenario_info.interventions
    pinned = compare.pinned.value
    band = compare.band.value
    band = band if band is not None and band.run == id(model) else None
    Monitors(view, pinned)
    key = (
        f"blue: this run · grey dashed: {BASELINE}, same seed · orange: a lever moved · "
        "pink dotted: an intervention"
    )
    if pinned is not None:
        key += " · black dotted: pinned"
    if band is not None:
        key += f" · shaded: {band.replicates} replicates (other seeds), 5–95%"
    solara.Text(key, classes=["dtsim-muted", "dtsim-key"])
    ComparePanel(model, compare)
    with solara.Div(classes=["dtsim-outcomes"]):
        for pair in (HEADLINE[:2], HEADLINE[2:]):
            with solara.Columns([6, 6], gutters_dense=True):
                for column in pair:
                    Chart(
                        line_option(column, view, model.ghost, interventions, None, pinned, band),
                        PLOT_HEIGHT,
                        [f"dtsim-plot-{column}"],
                    )


@solara.component
def Details(model: AppModel, ticks: Ticks) -> None:
    """The levers over time, two more outcomes, the agents and the events: redrawn every
    SLOW_REDRAW_S while playing (they sit below the first screen)."""
    ticks.slow.get()
    view = model.view()
    interventions = model.scenario_info.interventions
    with solara.Columns([6, 6], gutters_dense=True):
        Chart(levers_option(view), 260, ["dtsim-plot-levers"])
        with solara.Column():
            for column in MORE:
                Chart(
                    line_option(column, view, model.ghost, interventions),
                    200,
                    [f"dtsim-plot-{column}"],
                )
    with solara.Columns([6, 3, 3], gutters_dense=True, classes=["dtsim-agents"]):
        Chart(agents_option(view), 320, ["dtsim-plot-customers"])
        Chart(
            bars_option("marketing: trust in IT", view.trust, "#E69F00", "0..1"),
            320,
            ["dtsim-plot-trust"],
        )
        Chart(
            bars_option("IT teams: work in hand", view.workload, "#0072B2", "person-weeks"),
            320,
            ["dtsim-plot-workload"],
        )
    EventFeed(view)
    Downloads(model, view)


def play_loop(
    model: solara.Reactive[AppModel],
    playing: solara.Reactive[bool],
    speed: solara.Reactive[str],
    ticks: Ticks,
) -> None:
    """Step the run at the chosen speed while playing, on a clock: after a redraw the loop
    catches up with the weeks that were due, so the speed does not depend on the drawing."""
    current = model.value
    start, first = time.perf_counter(), current.week
    rate = SPEEDS.get(speed.value, 12.0)
    fast = slow = start
    cost = 0.0  # seconds the last redraw took
    while playing.value and current is model.value:
        if current.week >= current.p["weeks"]:
            playing.value = False
            break
        if SPEEDS.get(speed.value, 12.0) != rate:  # a new speed: a new clock
            rate, start, first = SPEEDS.get(speed.value, 12.0), time.perf_counter(), current.week
        now = time.perf_counter()
        due = first + (now - start) * rate if rate else current.week + 1
        while current.week < min(due, current.p["weeks"]) and playing.value:
            current.step()
        # Redraw when due, and never more than half the time: a slow browser or server
        # draws less often, it does not slow the run down.
        now = time.perf_counter()
        if now - slow >= max(SLOW_REDRAW_S, 2 * cost):
            ticks.both()
            fast = slow = time.perf_counter()
            cost = fast - now
        elif now - fast >= max(REDRAW_S, 2 * cost):
            ticks.fast.value += 1
            fast = time.perf_counter()
            cost = fast - now
        if rate:
            next_week = start + (current.week + 1 - first) / rate
            time.sleep(min(max(next_week - time.perf_counter(), 0.0005), REDRAW_S))
        else:
            time.sleep(0.0005)
    ticks.both()


@solara.component
def Page() -> None:
    """The app: one model per browser session, stepped by a play loop of its own."""
    first = solara.use_memo(lambda: AppModel(scenario=DEFAULT_SCENARIO), [])
    model: solara.Reactive[AppModel] = solara.use_reactive(first)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    ticks = Ticks(solara.use_reactive(0), solara.use_reactive(0))
    info = solara.use_reactive(False)
    compare = Compare(
        solara.use_reactive(cast(Pinned | None, None)),
        solara.use_reactive(cast(Band | None, None)),
        solara.use_reactive(0),
        solara.use_reactive(False),
    )

    def replicates() -> None:
        """Replay the current run with other seeds, off the page's thread."""
        if not compare.asked.value:
            return
        compare.busy.set(True)
        try:
            compare.band.set(replicate_band(model.value))
        finally:
            compare.busy.set(False)
            ticks.fast.value += 1

    solara.lab.use_task(replicates, dependencies=[compare.asked.value], prefer_threaded=True)

    solara.lab.use_task(
        lambda: play_loop(model, playing, speed, ticks),
        dependencies=[playing.value, model.value],
        prefer_threaded=True,
    )
    current = model.value
    solara.Style(CSS)
    with solara.Column(classes=["dtsim-app"], style={"padding": "6px 12px", "gap": "6px"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.Text(
                "dtsim: marketing, IT and customers",
                style={"font-size": "22px", "font-weight": "700"},
            )
            Controls(model, playing, speed, ticks, info)
        if info.value:
            InfoPanel()
        with solara.Columns([3, 9], gutters_dense=True):
            with solara.Column(style={"gap": "6px"}):
                ScenarioPanel(model, ticks)
                LeverPanel(current, ticks)
                SetupPanel(model, ticks)
            with solara.Column(style={"gap": "6px"}):
                Headline(current, ticks, compare)
        Details(current, ticks)


page = Page
__all__ = ["AppModel", "Page", "ScenarioText", "View", "baseline_run", "page", "play_loop"]
