"""A firm profile: what a strategist knows about their own firm, turned into a calibration.

``dtsim calibrate my_firm.toml`` reads a profile (a TOML file with a ``[firm]`` table): how the
firm is run today (its three levers) and its size, and what it knows about itself, each with
how sure it is. It becomes a targets file (:mod:`simulation.experiments.targets`):

- the firm's levers and headcounts go into ``base``, so every target without a lever setting
  of its own is measured at the firm as it is run today;
- each known number becomes a target band, ``value x (1 - sure)`` to ``value x (1 + sure)``
  within the number's range (``sure`` 0.2: within 20%), replacing the seed facts' target of
  the same quantity (the firm's shadow spend replaces F1's 15-30%, its IT lead time the
  design's "months"); requests a month set the prior of ``request_rate`` instead, since they
  are an input of the model, not an outcome;
- everything else falls back to the seed facts' targets (``experiments/targets/seed_facts.toml``)
  and their priors.

The generated targets are written as a TOML file into the calibration's folder
(``targets.toml``), so the calibration is resumed, checked and adopted like any other.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.experiments.files import (
    check_keys,
    parameter_value,
    read_toml,
    require_keys,
    title_of,
)
from simulation.experiments.targets import Targets, TargetsError, load_targets, parse_targets
from simulation.model.params import LEVERS, PARAMETERS
from simulation.text import display_path, toml_repr

TOP_LEVEL_KEYS: dict[str, str] = {
    "title": "what this calibration is of (string)",
    "firm": "a [firm] table: the three levers as the firm is run today, n_marketing, n_it",
    "known": "a [known] table: what the firm knows, each { value = ..., sure = ... }",
    "calibration": "a [calibration] table: seed, replicates, population, generations (optional)",
}
FIRM_KEYS: tuple[str, ...] = (*LEVERS, "n_marketing", "n_it")


@dataclass(frozen=True)
class Known:
    """One thing a firm knows: what it is in the model, and the values it can take."""

    description: str
    output: str | None
    low: float
    high: float
    floor: float = 0.0
    """Smallest half-width of the band, for a value of 0 (no breaches last year)."""


KNOWN: dict[str, Known] = {
    "shadow_spend_share": Known(
        "share of technology spend outside IT's budget (own survey)", "shadow_spend_share", 0, 1
    ),
    "it_lead_time_weeks": Known(
        "median weeks from request to launch of an IT-built feature", "ttm_official", 0, 520
    ),
    "breaches_per_year": Known(
        "security breaches in the last year", "breaches_per_year", 0, 1e4, 0.5
    ),
    "churn_per_year": Known("share of customers lost in a year", "churn_per_year", 0, 1),
    "requests_per_month": Known(
        "technology requests marketing raises a month (sets request_rate's prior)", None, 0, 1e5
    ),
}
REPLACES: dict[str, str] = {
    "shadow_spend_share": "F1 shadow spend",
    "it_lead_time_weeks": "official delivery takes months",
}
"""The seed facts' target each known number replaces."""
CALIBRATION_KEYS: tuple[str, ...] = ("seed", "replicates", "population", "generations")


class ProfileError(TargetsError):
    """A profile that cannot be used: one line naming the file, the key and what is allowed."""


def firms_dir() -> Path:
    """The shipped firm profiles: ``experiments/firms/`` (in a wheel, its copy)."""
    from simulation.experiments.files import shipped_dir

    return shipped_dir("experiments") / "firms"


def locate_profile(name_or_path: str | Path) -> Path | None:
    """A profile by path, or a shipped one by name (``example_firm``); None if neither."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate if is_profile(candidate) else None
    shipped = firms_dir() / f"{name_or_path}.toml"
    return shipped if shipped.is_file() and is_profile(shipped) else None


def is_profile(path: str | Path) -> bool:
    """Whether a targets argument is a firm profile (a TOML file with a ``[firm]`` table)."""
    candidate = Path(path)
    if not candidate.is_file():
        return False
    try:
        data, _ = read_toml(candidate, str(candidate), "profile", ProfileError)
    except ProfileError:
        return False
    return isinstance(data.get("firm"), dict)


def profile_targets(path: str | Path) -> Targets:
    """The targets of a firm profile, validated, with the generated TOML as their text."""
    import tomli_w

    path = Path(path)
    where = display_path(path)
    data, _ = read_toml(path, where, "profile", ProfileError)
    title, base = firm_today(data, where)
    known = _table(data["known"], "known", where)
    seed_facts = load_targets("seed_facts")
    table = tomllib.loads(seed_facts.text)
    table["title"] = title
    table["base"] = {**table.get("base", {}), **base}
    for key, value in _table(data.get("calibration", {}), "calibration", where).items():
        if key not in CALIBRATION_KEYS:
            raise ProfileError(
                f"{where}: unknown key calibration.{key}; allowed: {', '.join(CALIBRATION_KEYS)}"
            )
        table[key] = value
    replaced = set()
    added = []
    for key, entry in known.items():
        spec = KNOWN.get(key)
        if spec is None:
            raise ProfileError(f"{where}: unknown key known.{key}; allowed: {', '.join(KNOWN)}")
        value, sure = _value_and_sure(entry, key, spec, where)
        if spec.output is None:  # requests a month: the prior of request_rate
            marketers = float(base.get("n_marketing", PARAMETERS["n_marketing"].default))
            rate = value / (marketers * 52.0 / 12.0)
            low, high = max(rate * (1 - sure), 1e-6), min(rate * (1 + sure), 10.0)
            table["parameters"]["request_rate"] = {"range": [low, high]}
            continue
        half = max(value * sure, spec.floor)
        band = [max(spec.low, value - half), min(spec.high, value + half)]
        added.append(
            {
                "name": f"{key} (the firm's own)",
                "output": spec.output,
                "band": band,
                "source": f"{where}: {spec.description}, {value:g} within {sure:.0%}",
            }
        )
        if key in REPLACES:
            replaced.add(REPLACES[key])
    table["targets"] = [t for t in table["targets"] if t["name"] not in replaced] + added
    text = (
        f"# Generated by dtsim calibrate from the firm profile {where}: the seed facts' targets\n"
        "# (experiments/targets/seed_facts.toml) with the firm's own numbers in their place.\n"
        + tomli_w.dumps(table)
    )
    return parse_targets(table, text, where, path)


def firm_today(data: dict[str, Any], where: str) -> tuple[str, dict[str, float | int]]:
    """A profile's title and its ``[firm]`` table checked: the firm as it is run today, the
    base of its calibration and, as a scenario (``scenario = "my_firm.toml"`` in an
    experiment), of the decisions swept over its posterior."""
    check_keys(data, TOP_LEVEL_KEYS, where, ProfileError)
    require_keys(data, ("title", "firm", "known"), TOP_LEVEL_KEYS, where, ProfileError)
    title = title_of(data, where, ProfileError)
    firm = _table(data["firm"], "firm", where)
    for key in firm:
        if key not in FIRM_KEYS:
            raise ProfileError(f"{where}: unknown key firm.{key}; allowed: {', '.join(FIRM_KEYS)}")
    base = {k: parameter_value(k, v, f"firm.{k}", where, ProfileError) for k, v in firm.items()}
    return title, base


def _value_and_sure(entry: Any, key: str, spec: Known, where: str) -> tuple[float, float]:
    if not isinstance(entry, dict) or set(entry) - {"value", "sure"} or "value" not in entry:
        raise ProfileError(
            f"{where}: known.{key} must be {{ value = ..., sure = ... }} ({spec.description})"
        )
    value, sure = entry["value"], entry.get("sure", 0.2)
    for name, number in (("value", value), ("sure", sure)):
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not math.isfinite(number)
        ):
            raise ProfileError(f"{where}: known.{key}.{name} = {toml_repr(number)} is not a number")
    positive = spec.output in ("ttm_official", None)
    if not spec.low <= value <= spec.high or (positive and value <= 0):
        allowed = f"({spec.low:g}, {spec.high:g}]" if positive else f"[{spec.low:g}, {spec.high:g}]"
        raise ProfileError(
            f"{where}: known.{key}.value = {toml_repr(value)} is not a value a firm can have; "
            f"allowed {allowed} ({spec.description})"
        )
    if not 0 < sure <= 1:
        raise ProfileError(
            f"{where}: known.{key}.sure = {toml_repr(sure)} is not allowed; allowed a share in "
            "(0, 1]: how far off the value may be (0.2: within 20%)"
        )
    return float(value), float(sure)


def _table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: {key} must be a table ([{key}])")
    return value


__all__ = ["KNOWN", "ProfileError", "firms_dir", "is_profile", "locate_profile", "profile_targets"]
