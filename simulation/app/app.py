"""The teaching app: one run of the model in the browser, built on Mesa's SolaraViz.

A client of the model, like the CLI (``docs/teaching_app.md``): it never changes how the model
works. Start it with ``dtsim app`` or ``solara run simulation/app/app.py``.

On screen: Mesa's controls (reset, play, step) and the size and seed sliders in the side bar;
on the page, the scenario picker with the scenario's story, live sliders for the three
levers (moved while the run plays, they call ``model.set_lever`` and never restart it), six
outcome plots with the baseline run dashed behind them (the "ghost"), the agents (the
customer grid coloured by satisfaction, marketing's trust, IT's workload) and the feed of
the latest events.
"""

# Solara components are named like classes (Page, LeverPanel), as solara requires of Page.
# ruff: noqa: N802

from __future__ import annotations

import functools
from collections import deque
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from simulation.experiments.scenarios import Scenario, list_scenarios, load_scenario
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
SIZE_RANGES: dict[str, tuple[int, int, int]] = {
    "n_customers": (400, 5000, 100),
    "n_marketing": (2, 60, 1),
    "n_it": (1, 40, 1),
}
"""Teaching ranges (low, high, step) of the population sizes, inside PARAMETERS' ranges:
large enough to show the mechanisms, small enough that a week stays well under the play
interval on a laptop."""
SEED_RANGE = (0, 99)


@functools.lru_cache(maxsize=32)
def baseline_run(seed: int, sizes: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    """The baseline scenario run in full with this seed and these sizes (the ghost line).

    Cached: switching scenarios or resetting with the same seed and sizes reuses it.
    """
    scenario = load_scenario(BASELINE)
    model = DigitalTransformationModel(
        rng=seed, interventions=list(scenario.interventions), **{**scenario.params, **dict(sizes)}
    )
    model.run()
    return model.datacollector.get_model_vars_dataframe()


class AppModel(DigitalTransformationModel):
    """The model as the app shows it: built from a scenario, with a ghost and an event feed.

    Mesa's Reset button rebuilds the model as ``AppModel(**slider values)``; the scenario
    chosen in the page's picker is kept in :data:`chosen_scenario`, so Reset restarts the
    chosen scenario (with its levers and interventions) rather than the default one.
    """

    def __init__(
        self,
        scenario: str | None = None,
        seed: int = 0,
        n_customers: int | None = None,
        n_marketing: int | None = None,
        n_it: int | None = None,
        **params: Any,
    ) -> None:
        self.scenario_name = scenario or chosen_scenario.value
        self.scenario_info = load_scenario(self.scenario_name)
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
        self.ghost = baseline_run(self.seed, tuple(sorted(sizes.items())))
        self.feed: deque[tuple[int, str, str]] = deque(maxlen=FEED_LENGTH)
        self.lever_log: list[tuple[int, str, float]] = []

    def step(self) -> None:
        super().step()
        for kind, detail in self.ledger.events:
            self.feed.appendleft((self.week, kind, detail))

    def move_lever(self, name: str, value: float) -> None:
        """A lever moved on screen: changed from next week on, the run goes on."""
        self.set_lever(name, value)
        self.lever_log.append((self.week, name, float(value)))


chosen_scenario = solara.reactive(DEFAULT_SCENARIO)
"""The scenario picked in this browser session (solara keeps one value per session)."""


def model_params() -> dict[str, Any]:
    """Mesa's side-bar inputs, generated from ``simulation.model.params.PARAMETERS``.

    Only the sizes and the seed: they take effect at Reset. The levers are live sliders on the
    page (:func:`LeverPanel`).
    """
    inputs: dict[str, Any] = {
        "seed": {
            "type": "SliderInt",
            "value": 0,
            "label": "seed",
            "min": SEED_RANGE[0],
            "max": SEED_RANGE[1],
            "step": 1,
        }
    }
    for name, (low, high, step) in SIZE_RANGES.items():
        spec = PARAMETERS[name]
        inputs[name] = {
            "type": "SliderInt",
            "value": spec.default,
            "label": name,
            "min": max(low, spec.low),
            "max": min(high, spec.high),
            "step": step,
        }
    return inputs


# --- components on the page ----------------------------------------------------------------
@solara.component
def ScenarioPanel(model: solara.Reactive[AppModel]) -> None:
    """Pick a scenario: the run restarts with its levers and interventions (same seed, sizes)."""
    current = model.value
    names = [s.name for s in list_scenarios()]

    def pick(name: str) -> None:
        chosen_scenario.set(name)
        model.value = AppModel(scenario=name, seed=current.seed, **current.sizes)
        update_counter.value += 1

    with solara.Card("Scenario", classes=["dtsim-scenario"]):
        solara.Select(label="scenario", values=names, value=current.scenario_name, on_value=pick)
        ScenarioText(current.scenario_info)


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
                    f"Interventions in week {weeks} (dotted lines).",
                    style={"font-style": "italic"},
                )


@solara.component
def LeverPanel(model: AppModel) -> None:
    """The three levers, live: a move calls ``model.set_lever`` and the run goes on."""
    update_counter.get()
    with solara.Card("Levers (live)", classes=["dtsim-levers"]):
        for name in LEVERS:
            spec = PARAMETERS[name]

            def move(value: float, name: str = name) -> None:
                model.move_lever(name, value)
                update_counter.value += 1

            with solara.Div(classes=[f"dtsim-lever-{name}"]):
                solara.SliderFloat(
                    label=name,
                    value=round(model.lever_set(name), 2),
                    min=float(spec.low),
                    max=float(spec.high),
                    step=0.05,
                    on_value=move,
                    thumb_label="always",
                )
            solara.Text(spec.meaning, style={"font-size": "0.8em", "color": "#666"})
        text = f"week {max(model.week, 0)} of {model.p['weeks']}"
        if model.lever_log:
            week, name, value = model.lever_log[-1]
            text += f"; last move: {name} = {value:.2f} in week {week}"
        with solara.Div(style={"margin-top": "0.6em"}):
            solara.Text(text, classes=["dtsim-week"])


def outcome_figure(model: AppModel) -> Figure:
    """Six outcomes of this run, the baseline's dashed behind, interventions dotted."""
    frame = model.datacollector.get_model_vars_dataframe()
    ghost = model.ghost
    fig = Figure(figsize=(10, 5.2), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (column, (title, unit)) in zip(axes.flat, OUTCOMES.items(), strict=True):
        ax.plot(ghost["week"], ghost[column], "--", color="grey", lw=1, label=f"{BASELINE}")
        if len(frame):
            ax.plot(frame["week"], frame[column], color="C0", lw=1.6, label="this run")
        for intervention in model.scenario_info.interventions:
            ax.axvline(intervention["week"], color="C3", ls=":", lw=1)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, model.p["weeks"])
    for ax in axes[1]:
        ax.set_xlabel("week", fontsize=8)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    return fig


def agent_figure(model: AppModel) -> Figure:
    """The agents: customers on their grid, marketing's trust, IT's workload."""
    customers = model.customers
    rows, cols = customers.shape
    grid = np.full(rows * cols, np.nan)
    grid[: len(customers.satisfaction)] = np.where(customers.active, customers.satisfaction, np.nan)
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#bbbbbb")
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    left, middle, right = fig.subplots(1, 3, width_ratios=[1.2, 1, 1])
    image = left.imshow(
        np.ma.masked_invalid(grid.reshape(rows, cols)),
        cmap=cmap,
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    left.set_title(
        f"customers: satisfaction (grey: left), {customers.active.sum()} active", fontsize=9
    )
    left.set_xticks([])
    left.set_yticks([])
    fig.colorbar(image, ax=left, shrink=0.8)
    trust = [agent.trust for agent in model.marketing]
    middle.bar(range(len(trust)), trust, color="C1")
    middle.set_ylim(0, 1)
    middle.set_title("marketing agents: trust in IT", fontsize=9)
    middle.set_xlabel("agent", fontsize=8)
    workload = [agent.workload for agent in model.it_teams]
    right.bar(range(len(workload)), workload, color="C0")
    right.set_title("IT teams: work in hand", fontsize=9)
    right.set_ylabel("person-weeks", fontsize=8)
    right.set_xlabel("team", fontsize=8)
    for ax in (middle, right):
        ax.tick_params(labelsize=7)
    return fig


@solara.component
def OutcomePlots(model: AppModel) -> None:
    update_counter.get()
    with solara.Div(classes=["dtsim-outcomes"]):
        solara.FigureMatplotlib(outcome_figure(model), format="png", dependencies=None)


@solara.component
def AgentView(model: AppModel) -> None:
    update_counter.get()
    with solara.Div(classes=["dtsim-agents"]):
        solara.FigureMatplotlib(agent_figure(model), format="png", dependencies=None)


@solara.component
def EventFeed(model: AppModel) -> None:
    update_counter.get()
    with solara.Card(f"Latest events (week {max(model.week, 0)})", classes=["dtsim-events"]):
        if not model.feed:
            solara.Text("no events yet: press Step or ▶")
        # Plain text too: an intervention's label, from the scenario file, is an event detail.
        for week, kind, detail in model.feed:
            with solara.Div():
                solara.Text(f"week {week}: ")
                solara.Text(kind, style={"font-weight": "bold"})
                solara.Text(f" ({detail})")


@solara.component
def Page() -> None:
    """The app: one model per browser session; Mesa's SolaraViz gives the controls.

    Our panels are laid out in a plain column under Mesa's (empty) component grid, not inside
    it: Mesa's draggable grid needs a Vue 2 plugin that fails to load in solara's Vue 3 page
    when the assets come from a local cache ("GlobalVue.use is not a function").
    """
    first = solara.use_memo(lambda: AppModel(scenario=chosen_scenario.value), [])
    model: Any = solara.use_reactive(first)
    SolaraViz(
        model,
        components=[],
        model_params=model_params(),
        name="dtsim: marketing, IT and customers",
        play_interval=150,
    )
    with solara.Column(classes=["dtsim-main"]):
        with solara.Row():
            ScenarioPanel(model)
            LeverPanel(model.value)
        OutcomePlots(model.value)
        AgentView(model.value)
        EventFeed(model.value)


page = Page
__all__ = ["AppModel", "Page", "ScenarioText", "baseline_run", "model_params", "page"]
