"""Every model parameter, declared once: default, allowed range, unit, meaning, source.

The scenario loader, the CLI, the sweep validator and the teaching app's sliders are all
generated from :data:`PARAMETERS`; nothing else in the package holds a default.
Sources: a short name such as "partnering" is a source article (``docs/SOURCES.md``);
"calibrated" means the posterior point estimate of ``dtsim calibrate seed_facts``, written
with its 95% interval to ``calibrated.toml`` beside this file by ``dtsim calibrate
seed_facts --adopt`` (``docs/CALIBRATION.md``); "hand-set" a value chosen by hand for the
facts before that calibration and not calibrated by it; "design" is a modelling choice
(``docs/ODD.md`` section 8).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter's declaration."""

    name: str
    default: float | int
    low: float | int
    high: float | int
    unit: str
    meaning: str
    source: str
    group: str
    interval: tuple[float, float] | None = None  # a calibrated value's 95% posterior interval

    @property
    def kind(self) -> type:
        return type(self.default)


def _p(group: str, name: str, default, low, high, unit: str, meaning: str, source: str):
    return ParamSpec(name, default, low, high, unit, meaning, source, group)


# fmt: off
_SPECS: tuple[ParamSpec, ...] = (
    # --- the three leadership levers -----------------------------------------------------
    _p("lever", "collaboration", 0.15, 0.0, 1.0, "0..1", "marketing-IT collaboration: 0 silos, 1 joint planning and shared metrics", "design"),
    _p("lever", "governance", 0.5, 0.0, 1.0, "0..1", "governance strictness: reviews, change board, hunting for unsanctioned tools", "design"),
    _p("lever", "marketing_budget", 0.25, 0.0, 1.0, "0..1", "share of the technology change budget that marketing holds and spends itself", "design"),
    # --- populations and run length ------------------------------------------------------
    _p("size", "n_marketing", 12, 1, 500, "agents", "marketing agents (campaign and product managers)", "design"),
    _p("size", "n_it", 8, 1, 500, "agents", "IT agents (delivery teams)", "design"),
    _p("size", "n_customers", 2000, 1, 2_000_000, "agents", "customers on the word-of-mouth grid", "design"),
    _p("size", "weeks", 156, 1, 2600, "weeks", "recorded weeks in a run", "design"),
    _p("size", "warmup_weeks", 26, 0, 520, "weeks", "weeks simulated before recording starts, to leave the start-up transient", "design"),
    # --- requests ------------------------------------------------------------------------
    _p("requests", "request_rate", 0.3, 0.0, 10.0, "per agent per week", "mean technology requests a marketing agent raises each week (Poisson)", "calibrated"),
    _p("requests", "it_request_ratio", 0.2, 0.0, 5.0, "ratio", "IT's own request rate relative to marketing's (F2: over 80% from marketing)", "best-friends"),
    _p("requests", "effort_mean", 6.0, 0.1, 100.0, "person-weeks", "mean build effort of a request (gamma distributed)", "calibrated"),
    _p("requests", "effort_shape", 2.0, 0.2, 50.0, "-", "gamma shape of request effort (higher = less spread)", "design"),
    _p("requests", "deadline_mean", 10.0, 1.0, 104.0, "weeks", "mean deadline (urgency) of a request, exponential around it plus 2 weeks", "calibrated"),
    _p("requests", "needs_it_share", 0.35, 0.0, 1.0, "share", "share of requests touching systems of record (CRM, billing): no shadow tool can serve them", "best-friends"),
    _p("requests", "channels_per_request", 1.6, 1.0, 4.0, "channels", "mean customer channels (web, mobile, store, social) a request touches", "best-friends"),
    # --- channel choice (logit) ----------------------------------------------------------
    _p("choice", "shadow_lead_weeks", 2.0, 0.1, 52.0, "weeks", "time to buy and set up a shadow tool", "partnering"),
    _p("choice", "w_wait", 0.8, 0.0, 10.0, "utility per log-ratio", "weight of log(expected IT wait / shadow lead time) in favour of the shadow", "calibrated"),
    _p("choice", "w_late", 1.0, 0.0, 10.0, "utility", "penalty on going to IT when the expected IT wait exceeds the deadline", "hand-set"),
    _p("choice", "w_trust", 2.0, 0.0, 10.0, "utility per trust", "weight of trust in IT in favour of going to IT", "hand-set"),
    _p("choice", "w_fit", 1.0, 0.0, 10.0, "utility", "scale of the own-tool preference (fit gap), drawn per request", "partnering"),
    _p("choice", "shadow_bias", -2.6, -10.0, 10.0, "utility", "baseline attractiveness of a shadow tool against IT", "calibrated"),
    _p("choice", "w_habit", 1.5, 0.0, 10.0, "utility per habit", "weight of the agent's shadow habit (share of its recent choices)", "calibrated"),
    _p("choice", "w_budget", 0.6, 0.0, 10.0, "utility per log-budget", "pull of money at hand: log(1 + budget / tool cost)", "calibrated"),
    _p("choice", "w_deterrence", 0.8, 0.0, 20.0, "utility per strictness", "deterrence: strictness times the chance of being caught within a year", "calibrated"),
    _p("choice", "w_loyalty", 2.5, 0.0, 20.0, "utility per collaboration", "bypassing a partner is defection: collaboration against the shadow", "calibrated"),
    _p("choice", "defer_bias", -1.0, -10.0, 10.0, "utility", "attractiveness of postponing a request to next week", "hand-set"),
    _p("choice", "workaround_bias", -3.0, -20.0, 10.0, "utility", "attractiveness of a workaround (personal tool, spreadsheet by e-mail) against IT", "design (ODD §8)"),
    _p("choice", "habit_learning", 0.1, 0.0, 1.0, "per choice", "weight of each new choice in the agent's shadow habit", "design"),
    # --- review (change board) -----------------------------------------------------------
    _p("review", "review_capacity", 5.9, 0.1, 1000.0, "board-weeks per week", "work the security review and change board can do each week", "hand-set"),
    _p("review", "review_work", 2.4, 0.0, 50.0, "board-weeks", "review work one request needs at full strictness (scaled by strictness)", "calibrated"),
    _p("review", "review_collab_saving", 0.5, 0.0, 1.0, "share", "share of review work saved at full collaboration (requirements agreed up front)", "alignment"),
    # --- build ---------------------------------------------------------------------------
    _p("build", "change_budget", 26.0, 0.0, 1000.0, "person-weeks per week", "technology change budget granted each week (priced in IT person-weeks)", "hand-set"),
    _p("build", "budget_collab_bonus", 0.3, 0.0, 2.0, "share", "extra budget granted at full collaboration (jointly developed plans win support)", "evolving-roles"),
    _p("build", "it_core_capacity", 1.0, 0.0, 100.0, "person-weeks per week per agent", "capacity each IT agent has from the run budget, whatever the split", "design"),
    _p("build", "team_rate", 2.0, 0.1, 100.0, "person-weeks per week", "most effort one request can absorb per week, at IT or an agency", "calibrated"),
    _p("build", "coordination_cost", 0.15, 0.0, 0.9, "share", "share of IT capacity spent in joint planning at full collaboration", "alignment"),
    _p("build", "scope_collab_saving", 0.25, 0.0, 0.9, "share", "build effort saved at full collaboration: requirements agreed up front, no gold-plating", "alignment"),
    _p("build", "controls_effort", 0.3, 0.0, 3.0, "share", "extra build effort for security controls and change records at full strictness", "need-of-the-hour"),
    _p("build", "agency_price", 1.3, 1.0, 10.0, "x IT cost", "price of official work bought by marketing from an agency, relative to IT's", "design"),
    _p("build", "pressure_onset", 4.0, 0.0, 100.0, "weeks of backlog", "backlog (in weeks of capacity) beyond which IT starts to cut corners", "Repenning & Sterman 2001"),
    _p("build", "pressure_span", 8.0, 0.1, 100.0, "weeks of backlog", "further backlog over which corner cutting reaches its maximum", "Repenning & Sterman 2001"),
    # --- rework --------------------------------------------------------------------------
    _p("rework", "rework_prob", 0.35, 0.0, 1.0, "probability", "chance a delivery misses what marketing meant, in silos", "alignment"),
    _p("rework", "rework_collab_reduction", 0.7, 0.0, 1.0, "share", "share of that chance removed at full collaboration", "alignment"),
    _p("rework", "rework_effort_share", 0.4, 0.0, 2.0, "share of effort", "extra effort a rework costs", "design"),
    _p("rework", "pressure_rework", 0.3, 0.0, 1.0, "probability", "extra rework chance at maximum corner cutting", "Repenning & Sterman 2001"),
    # --- security ------------------------------------------------------------------------
    _p("security", "controls_base", 1.5, 0.0, 20.0, "control units", "security controls on an official system with no governance", "design"),
    _p("security", "controls_governance", 4.0, 0.0, 50.0, "control units", "extra controls on an official system at full strictness", "design"),
    _p("security", "controls_shadow", 1.5, 0.0, 20.0, "control units", "controls on a shadow tool bought in the open", "partnering"),
    _p("security", "underground", 0.8, 0.0, 1.0, "share", "share of a shadow tool's controls lost at full strictness (personal accounts, no SSO)", "calibrated"),
    _p("security", "pressure_controls", 0.4, 0.0, 1.0, "share", "share of controls skipped at maximum corner cutting", "Repenning & Sterman 2001"),
    _p("security", "workaround_exposure", 0.5, 0.0, 10.0, "x vulnerability", "weekly breach chance of a workaround (personal tool, spreadsheet by e-mail), relative to v", "design (ODD §8)"),
    _p("security", "vulnerability", 0.0025, 0.0, 1.0, "per system per week", "weekly breach chance of a system with no controls (Gordon-Loeb v)", "hand-set"),
    _p("security", "gl_alpha", 1.0, 0.0, 100.0, "per control unit", "Gordon-Loeb productivity of controls (a)", "Gordon & Loeb 2002"),
    _p("security", "gl_beta", 1.0, 0.1, 10.0, "-", "Gordon-Loeb curvature (b)", "calibrated"),
    # --- estate and discovery ------------------------------------------------------------
    _p("estate", "initial_systems", 500, 0, 100_000, "systems", "systems live when the firm starts (official and shadow)", "design"),
    _p("estate", "initial_shadow_share", 0.12, 0.0, 1.0, "share", "share of the starting estate that is shadow", "partnering"),
    _p("estate", "official_life_weeks", 120.0, 1.0, 5200.0, "weeks", "mean life of an official system before it is retired", "design"),
    _p("estate", "shadow_life_weeks", 78.0, 1.0, 5200.0, "weeks", "mean life of a shadow tool before it is abandoned", "design"),
    _p("estate", "shadow_setup_cost", 1.0, 0.0, 100.0, "person-weeks", "one-off cost of buying a shadow tool", "design"),
    _p("estate", "shadow_weekly_cost", 0.15, 0.0, 10.0, "person-weeks per week", "subscription a shadow tool costs every week it lives", "calibrated"),
    _p("estate", "discovery_rate", 0.01, 0.0, 1.0, "per system per week", "chance IT finds a given shadow tool in a week, at full strictness", "calibrated"),
    _p("estate", "migrate_base", 0.3, 0.0, 1.0, "probability", "chance a found shadow tool is migrated rather than shut down, in silos", "partnering"),
    _p("estate", "migrate_collab", 0.6, 0.0, 1.0, "probability", "extra chance of migration at full collaboration (the CIO as broker)", "partnering"),
    _p("estate", "migration_effort", 1.5, 0.0, 50.0, "person-weeks", "IT effort to bring a found shadow tool into the official estate", "design"),
    # --- marketing budgets and beliefs ---------------------------------------------------
    _p("marketing", "campaign_allowance", 0.6, 0.0, 100.0, "person-weeks per week per agent", "campaign money an agent may spend on tools outside the IT budget", "partnering"),
    _p("marketing", "budget_horizon", 13.0, 1.0, 520.0, "weeks", "weeks of allowance an agent can hold before the rest lapses", "design"),
    _p("marketing", "initial_trust", 0.5, 0.0, 1.0, "0..1", "marketing's trust in IT at the start", "design"),
    _p("marketing", "initial_expected_wait", 10.0, 0.0, 520.0, "weeks", "what marketing believes IT takes, at the start", "design"),
    _p("marketing", "trust_learning", 0.1, 0.0, 1.0, "per event", "weight of each delivery in trust (moving average)", "design"),
    _p("marketing", "wait_learning", 0.25, 0.0, 1.0, "per event", "weight of each lived lead time in the expected IT wait (moving average)", "design (ODD §8)"),
    _p("marketing", "trust_shutdown_loss", 0.1, 0.0, 1.0, "trust", "trust lost when IT shuts down one of the agent's tools", "partnering"),
    _p("marketing", "trust_breach_loss", 0.005, 0.0, 1.0, "trust", "trust every agent loses when an official system is breached", "design"),
    # --- customers -----------------------------------------------------------------------
    _p("customers", "freshness_decay", 0.03, 0.0, 1.0, "per week", "weekly decay of the value of what was launched in a channel", "evolving-roles"),
    _p("customers", "freshness_scale", 40.0, 0.01, 10_000.0, "value units", "recent launched value in a channel that gives 63% of the best experience", "hand-set"),
    _p("customers", "expectation_drift", 0.0005, 0.0, 0.1, "per week", "rise of customer expectations each week (any asset, any time, any device)", "best-friends"),
    _p("customers", "expectation_adapt", 0.005, 0.0, 1.0, "per week", "speed at which expectations follow experience", "Oliver 1980"),
    _p("customers", "baseline_satisfaction", 0.65, 0.01, 0.99, "0..1", "satisfaction towards which a customer moves when experience just meets expectations", "Oliver 1980"),
    _p("customers", "disconfirmation_gain", 4.0, 0.0, 50.0, "per experience unit", "how strongly experience above expectation raises satisfaction", "Oliver 1980"),
    _p("customers", "satisfaction_smoothing", 0.1, 0.0, 1.0, "per week", "weight of this week's experience in satisfaction (moving average)", "Oliver 1980"),
    _p("customers", "word_of_mouth", 0.05, 0.0, 1.0, "per week", "pull of a customer's satisfaction towards its grid neighbours'", "Bass 1969"),
    _p("customers", "fragmentation_penalty", 1.0, 0.0, 2.0, "experience", "experience lost when all of a channel's systems are shadow (not integrated)", "best-friends"),
    _p("customers", "breach_hit", 0.1, 0.0, 1.0, "satisfaction", "satisfaction a customer loses when a breach touches it", "need-of-the-hour"),
    _p("customers", "breach_reach", 0.3, 0.0, 1.0, "share", "share of a breached channel's customers the breach touches", "design"),
    _p("customers", "churn_max", 0.02, 0.0, 1.0, "per week", "weekly churn chance of a fully dissatisfied customer (logistic hazard)", "hand-set"),
    _p("customers", "churn_midpoint", 0.35, 0.0, 1.0, "satisfaction", "satisfaction at which churn is half its maximum", "hand-set"),
    _p("customers", "churn_steepness", 0.08, 0.001, 1.0, "satisfaction", "width of the logistic churn curve", "design"),
    _p("customers", "bass_innovation", 0.03, 0.0, 1.0, "per year", "Bass innovation: new customers who come on their own", "Sultan, Farley & Lehmann 1990"),
    _p("customers", "bass_imitation", 0.38, 0.0, 5.0, "per year", "Bass imitation: new customers brought by the market's mood", "Sultan, Farley & Lehmann 1990"),
    # --- adaptive leaders (off by default) ----------------------------------------------
    _p("leaders", "cio_reactivity", 0.0, 0.0, 1.0, "strictness per breach", "a reactive CIO raises governance by this much after each breach (0: a fixed policy)", "design"),
    _p("leaders", "cio_relax_weeks", 26.0, 1.0, 520.0, "weeks", "time constant over which the reactive CIO relaxes back to the set governance", "design"),
    _p("leaders", "cmo_budget_push", 0.0, 0.0, 1.0, "per week", "share of the budget still with IT that the CMO claims a week when all of marketing expects IT to miss its deadlines (0: off)", "design"),
    _p("leaders", "cmo_relax_weeks", 52.0, 1.0, 520.0, "weeks", "time constant over which budget claimed by the CMO returns to the set split", "design"),
    # --- experiments -----------------------------------------------------------------------
    _p("experiment", "delivery_stop_week", -1, -1, 100_000, "week", "from this recorded week nothing launches any more (F7); -1 never", "design"),
)
# fmt: on

CALIBRATED_FILE = Path(__file__).with_name("calibrated.toml")


def _calibrated(specs: tuple[ParamSpec, ...], path: Path) -> tuple[ParamSpec, ...]:
    """The declarations with the calibration's point estimates and intervals, where it has
    them. A parameter the file names must be declared, real-valued and within its range:
    the file is written by ``dtsim calibrate --adopt``, so anything else is a broken file."""
    if not path.is_file():
        return specs
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("parameters", {})
    by_name = {s.name: s for s in specs}
    for name, entry in table.items():
        spec = by_name.get(name)
        value, low, high = (float(entry[k]) for k in ("value", "low", "high"))
        if (
            spec is None
            or spec.kind is not float
            or not spec.low <= low <= value <= high <= spec.high
        ):
            raise RuntimeError(f"{path}: parameters.{name} is not a calibrated value of this model")
        by_name[name] = dataclasses.replace(
            spec, default=value, source="calibrated", interval=(low, high)
        )
    return tuple(by_name.values())


DECLARED: dict[str, float | int] = {s.name: s.default for s in _SPECS}
"""Each parameter's default as declared above, before the calibration's point estimate."""
_SPECS = _calibrated(_SPECS, CALIBRATED_FILE)
PARAMETERS: dict[str, ParamSpec] = {s.name: s for s in _SPECS}
LEVERS: tuple[str, ...] = tuple(s.name for s in _SPECS if s.group == "lever")


def defaults() -> dict[str, Any]:
    """The default value of every parameter."""
    return {s.name: s.default for s in _SPECS}


class ParameterError(ValueError):
    """A parameter is unknown, of the wrong type or out of range."""


def check_value(name: str, value: Any) -> float | int:
    """Validate one value against its declaration; return it in the declared type."""
    spec = PARAMETERS.get(name)
    if spec is None:
        raise ParameterError(f"unknown parameter {name!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        want = "an integer" if spec.kind is int else "a number"
        raise ParameterError(f"{name} must be {want} in [{spec.low}, {spec.high}], got {value!r}")
    if spec.kind is int and not float(value).is_integer():
        raise ParameterError(
            f"{name} must be an integer in [{spec.low}, {spec.high}], got {value!r}"
        )
    if not spec.low <= value <= spec.high:
        raise ParameterError(
            f"{name} must be in [{spec.low}, {spec.high}] ({spec.unit}), got {value!r}"
        )
    return spec.kind(value)


def resolve(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults updated by validated overrides."""
    values = defaults()
    for name, value in (overrides or {}).items():
        values[name] = check_value(name, value)
    return values


__all__ = [
    "LEVERS",
    "PARAMETERS",
    "ParamSpec",
    "ParameterError",
    "check_value",
    "defaults",
    "resolve",
]
