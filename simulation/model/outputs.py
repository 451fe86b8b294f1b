"""The model's outputs, declared once: what each is called, its unit and which way is better.

Every table, figure, sweep store and validity check takes its labels, units and directions
from here, as parameters take theirs from :mod:`simulation.model.params`. ``SUMMARY`` lists
the end-of-run outcomes of :func:`simulation.model.reporters.summarize` in its order (a test
holds the two together), ``SERIES`` the weekly columns the figures and the app draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Output:
    """One output of a run.

    ``better`` is ``None`` where neither way is better (a count of requests, a utilisation);
    ``table`` says whether printed tables show it (the Little's-law and bookkeeping keys
    are kept for checks, not for reading); ``short`` names it on a figure's colour bar or axis.
    """

    name: str
    label: str
    unit: str
    better: Better | None = None
    headline: bool = False
    table: bool = True
    short: str = ""

    @property
    def title(self) -> str:
        """A short title for a figure: ``short`` when given, else the label."""
        return self.short or self.label.strip()

    @property
    def minimise(self) -> bool:
        """Whether less is better (outcomes without a direction count as minimised)."""
        return self.better != "higher"


SUMMARY: tuple[Output, ...] = (
    Output(
        "ttm_all",
        "time to market, all requests (censored median)",
        "weeks",
        "lower",
        headline=True,
        short="time to market",
    ),
    Output(
        "ttm_all_censored",
        "time to market censored (1 = fewer than half launched)",
        "0/1",
        table=False,
    ),
    Output(
        "ttm_marketing",
        "time to market, marketing's requests (censored median)",
        "weeks",
        "lower",
        table=False,
    ),
    Output("ttm_marketing_censored", "marketing's time to market censored", "0/1", table=False),
    Output("time_to_market", "time to market, launched (median)", "weeks", "lower"),
    Output("ttm_official", "  official", "weeks", "lower"),
    Output("ttm_shadow", "  shadow", "weeks", "lower"),
    Output(
        "shadow_share",
        "shadow IT, share of live systems",
        "share",
        "lower",
        headline=True,
        short="shadow IT share",
    ),
    Output("shadow_spend_share", "shadow IT, share of spend", "share", "lower"),
    Output(
        "breaches_per_year",
        "security breaches",
        "per year",
        "lower",
        headline=True,
        short="security breaches",
    ),
    Output("breaches_official_per_year", "  on official systems", "per year", "lower"),
    Output("breaches_shadow_per_year", "  on shadow systems", "per year", "lower"),
    Output(
        "satisfaction",
        "customer satisfaction (end)",
        "0..1",
        "higher",
        headline=True,
        short="customer satisfaction",
    ),
    Output("churn_per_year", "customer churn", "per year", "lower"),
    Output("it_backlog", "IT backlog (mean)", "requests", "lower"),
    Output("it_utilisation", "IT utilisation (mean)", "share", table=False),
    Output("marketing_trust", "marketing's trust in IT (end)", "0..1", "higher"),
    Output("rework_rate", "rework rate", "share", "lower"),
    Output("requests_marketing_share", "requests raised by marketing", "share", table=False),
    Output("shadow_purchases_per_year", "shadow purchases", "per year", "lower", table=False),
    Output("shadow_too_slow", "shadow purchases because IT was too slow", "count", table=False),
    Output("shadow_budget", "shadow purchases because IT had no budget", "count", table=False),
    Output("shadow_habit", "shadow purchases out of habit", "count", table=False),
    Output("little_arrivals_per_week", "requests submitted to IT", "per week", table=False),
    Output("little_mean_backlog", "requests at IT (weekly mean)", "requests", table=False),
    Output("submitted", "requests submitted to IT", "count", table=False),
    Output("dropped_per_year", "requests dropped", "per year", "lower", table=False),
    Output("workarounds_per_year", "workarounds", "per year", "lower", table=False),
)
"""Every key of a run's summary, in the order :func:`~simulation.model.reporters.summarize`
returns them."""

SERIES: tuple[Output, ...] = (
    Output(
        "time_to_market",
        "Time to market (launched, 26-week median)",
        "weeks",
        "lower",
        headline=True,
        short="time to market",
    ),
    Output(
        "shadow_share",
        "Shadow IT (share of live systems)",
        "share",
        "lower",
        headline=True,
        short="shadow IT, share of live systems",
    ),
    Output(
        "breaches_total",
        "Security breaches, cumulative",
        "breaches since week 1",
        "lower",
        headline=True,
        short="security breaches, cumulative",
    ),
    Output(
        "satisfaction",
        "Customer satisfaction",
        "0..1",
        "higher",
        headline=True,
        short="customer satisfaction",
    ),
    Output(
        "marketing_trust",
        "Marketing's trust in IT",
        "0..1",
        "higher",
        short="marketing's trust in IT",
    ),
    Output("it_backlog", "IT backlog", "requests", "lower", short="IT backlog"),
)
"""Weekly columns drawn over time: the headline ones in a run's figure, all of them in the
app."""

BY_NAME: dict[str, Output] = {o.name: o for o in SUMMARY}
"""The summary's outputs by name."""

HEADLINE: tuple[str, ...] = tuple(o.name for o in SUMMARY if o.headline)
"""The four outcomes the project is about, in table order."""

SUMMARY_LABELS: dict[str, tuple[str, str]] = {o.name: (o.label, o.unit) for o in SUMMARY if o.table}
"""Keys shown in printed tables, in order: (label, unit)."""

DIRECTIONS: dict[str, Literal["min", "max"]] = {
    o.name: ("min" if o.minimise else "max") for o in SUMMARY if o.headline
}
"""Which way is better for each headline outcome (best settings, heatmaps)."""

SERIES_PANELS: tuple[tuple[str, str, str], ...] = tuple(
    (o.name, o.label, o.unit) for o in SERIES if o.headline
)
"""The panels of a run's figure: (column, title, unit)."""


def summary_names() -> list[str]:
    """The keys of a run's summary, without running a model (a sweep's store records them)."""
    return [o.name for o in SUMMARY]


def output(name: str) -> Output:
    """An output of the summary by name; a ``KeyError`` names the allowed ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; allowed: {', '.join(BY_NAME)}") from None
