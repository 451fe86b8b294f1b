"""Calibration targets: what the model's output should look like, and which parameters may move.

A targets file (TOML, checked like every other file: one line naming the file and the key)::

    title = "The seed facts"
    seed = 1                 # the calibration's one seed
    replicates = 4           # runs per setting for each particle (common random numbers)
    population = 200         # particles per ABC-SMC generation
    generations = 6          # at most this many generations
    kernel_scaling = 4.0     # variance of the proposal kernel, times pyabc's (default 1)
    [base]                   # parameters every run gets (e.g. a shorter run), optional
    weeks = 104

    [[targets]]
    name = "F1"              # a short name, unique in the file
    output = "shadow_spend_share"   # an output of simulation/model/outputs.py
    at = { collaboration = 0.15 }   # lever settings of the runs (default: the baseline)
    band = [0.15, 0.30]      # or: value = 0.2 with tolerance = 0.05
    source = "partnering"    # where the number comes from
    weight = 1.0             # optional, default 1

    [[targets]]              # a derived statistic: one of share_of, per, over, trend
    name = "shadow is fast"
    output = "ttm_shadow"
    per = "ttm_official"     # ratio of two outputs at one setting
    band = [0.0, 0.34]
    source = "design"

    [parameters]             # what the calibration may move, with its prior range
    effort_mean = { range = [2.0, 6.0] }   # default: the declared range
    request_rate = {}

A target's statistic is the mean of ``output`` over the replicates at ``at``, or one of
the derived statistics (each from replicate means, every setting at the same seeds):

- ``share_of = ["a", "b", ...]``: ``output`` over the sum of those outputs (a share of the
  shadow purchases by motive, say);
- ``per = "other"``: ``output`` over another output at the same setting;
- ``over = { lever = value, ... }``: ``output`` at ``at`` over ``output`` at this other
  setting (an effect of a lever as a ratio);
- ``trend = { lever = "collaboration", levels = [0, 0.5, 1], direction = "falling" }``: the
  number of adjacent pairs of levels out of order (0: a clean trend; the validity check
  allows 1).

Besides the levers, a setting may give ``load``: the work raised, times the particle's own
(its ``request_rate``, or the default's, scaled). ``at = { load = 1.2 }`` asks that a
target hold in a firm with a fifth more work than the calibrated one, so the calibration
does not settle where a fact breaks the moment demand moves (issue 12, off the cliff).

The distance of a simulated value to a target is zero inside its band and grows with the
distance outside it, in units of the band's width (or of the tolerance), so targets in
different units weigh alike unless ``weight`` says otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulation.experiments.files import (
    check_keys,
    locate,
    parameter_range,
    parameter_value,
    read_toml,
    require_keys,
    shipped_dir,
    title_of,
    whole_number,
)
from simulation.experiments.limits import MAX_REPLICATES
from simulation.experiments.validation import rank_trend_ok
from simulation.model.outputs import summary_names
from simulation.model.params import LEVERS, PARAMETERS
from simulation.text import did_you_mean, display_path, format_number, toml_repr

TOP_LEVEL_KEYS: dict[str, str] = {
    "title": "what the targets describe (string)",
    "seed": "the calibration's seed (whole number >= 0)",
    "replicates": "runs per setting for each particle (whole number, 1 to 100)",
    "population": "particles per generation (whole number, 2 to 100,000)",
    "generations": "most generations (whole number, 1 to 100)",
    "kernel_scaling": "the proposal kernel's variance, times Silverman's rule (number, 0.1 to 100)",
    "base": "a table of parameters every run gets",
    "targets": "[[targets]] tables: output, at, band or value and tolerance, source, weight",
    "parameters": "a table of the parameters to calibrate: name = { range = [lo, hi] } or {}",
}
TARGET_KEYS: dict[str, str] = {
    "name": "a short unique name",
    "output": "an output name",
    "at": "a table of lever settings (and load: the work raised, times the particle's own)",
    "band": "[lo, hi]",
    "value": "a number",
    "tolerance": "a number > 0",
    "source": "where the number comes from (string)",
    "weight": "a number > 0",
    "share_of": "a list of outputs whose sum divides output",
    "per": "an output that divides output at the same setting",
    "over": "a table of lever settings whose output divides output at at",
    "trend": "{ lever, levels = [...], direction = 'rising' or 'falling' }",
}
TREND_KEYS: dict[str, str] = {
    "lever": "a lever name",
    "levels": "2 to 11 lever values, increasing",
    "direction": "'rising' or 'falling'",
}
DERIVED = ("share_of", "per", "over", "trend")
MAX_TARGETS = 100
MAX_PARTICLES = 100_000


class TargetsError(ValueError):
    """A targets file cannot be used; the message is one line naming the file and the key."""


@dataclass(frozen=True)
class Target:
    name: str
    output: str
    at: dict[str, float]
    low: float
    high: float
    scale: float
    source: str
    weight: float = 1.0
    # Derived statistics (at most one is set; see the module docstring).
    share_of: tuple[str, ...] = ()
    per: str | None = None
    over: dict[str, float] | None = None
    trend: tuple[str, tuple[float, ...], bool] | None = None  # lever, levels, falling

    @property
    def settings(self) -> list[dict[str, float]]:
        """The lever settings this target's statistic reads, ``at`` first."""
        if self.trend is not None:
            lever, levels, _ = self.trend
            return [{**self.at, lever: level} for level in levels]
        return [self.at] if self.over is None else [self.at, self.over]

    @property
    def outputs(self) -> tuple[str, ...]:
        """The outputs this target's statistic reads."""
        return (self.output, *self.share_of, *((self.per,) if self.per else ()))

    def statistic(self, mean: Callable[[dict[str, float], str], float]) -> float:
        """The target's value from ``mean(setting, output)`` (replicate means; NaN if none)."""
        value = mean(self.at, self.output) if self.trend is None else math.nan
        if self.share_of:
            return _ratio(value, sum(mean(self.at, o) for o in self.share_of))
        if self.per is not None:
            return _ratio(value, mean(self.at, self.per))
        if self.over is not None:
            return _ratio(value, mean(self.over, self.output))
        if self.trend is not None:
            means = np.array([mean(s, self.output) for s in self.settings])
            if not np.isfinite(means).all():
                return math.nan
            return float(rank_trend_ok(means, decreasing=self.trend[2])[1])
        return value

    @property
    def described(self) -> str:
        """The statistic in words, for tables and figures."""
        where = ", ".join(f"{k} {format_number(v)}" for k, v in self.at.items()) or "baseline"
        if self.share_of:
            return f"{self.output} / ({' + '.join(self.share_of)}) at {where}"
        if self.per is not None:
            return f"{self.output} / {self.per} at {where}"
        if self.over is not None:
            other = ", ".join(f"{k} {format_number(v)}" for k, v in self.over.items())
            return f"{self.output} at {where} / at {other or 'baseline'}"
        if self.trend is not None:
            lever, levels, falling = self.trend
            return (
                f"pairs out of order of {self.output} {'falling' if falling else 'rising'} "
                f"over {lever} {', '.join(format_number(v) for v in levels)}"
                + (f" ({where})" if self.at else "")
            )
        return f"{self.output} at {where}"

    def distance(self, value: float) -> float:
        """0 inside the band; outside, how far in units of the band's width (NaN: far)."""
        if not math.isfinite(value):
            return 10.0
        return max(self.low - value, value - self.high, 0.0) / self.scale


@dataclass(frozen=True)
class Targets:
    title: str
    seed: int
    replicates: int
    population: int
    generations: int
    base: dict[str, Any]
    targets: tuple[Target, ...]
    priors: dict[str, tuple[float, float]]
    path: Path | None = None
    text: str = field(default="", repr=False)
    kernel_scaling: float = 1.0

    @property
    def settings(self) -> list[dict[str, float]]:
        """The distinct lever settings the targets need, in the file's order."""
        out: list[dict[str, float]] = []
        for target in self.targets:
            for setting in target.settings:
                if setting not in out:
                    out.append(setting)
        return out


def targets_dir() -> Path:
    """The folder of shipped targets files: ``experiments/targets/`` (in a wheel, its copy)."""
    return shipped_dir("experiments") / "targets"


def list_targets() -> list[str]:
    return sorted(p.stem for p in targets_dir().glob("*.toml"))


def load_targets(path: str | Path) -> Targets:
    """A targets file by path, or a shipped one by name (``seed_facts``)."""
    path = locate(path, "targets", targets_dir(), list_targets(), TargetsError)
    where = display_path(path)
    data, text = read_toml(path, where, "targets", TargetsError)
    return parse_targets(data, text, where, path)


def parse_targets(data: dict[str, Any], text: str, where: str, path: Path | None) -> Targets:
    """A targets table, validated (what :func:`load_targets` reads from a file; a firm
    profile's generated targets come here too: :mod:`simulation.experiments.firm`)."""
    check_keys(data, TOP_LEVEL_KEYS, where, TargetsError)
    require_keys(data, ("title", "targets", "parameters"), TOP_LEVEL_KEYS, where, TargetsError)
    title = title_of(data, where, TargetsError)
    seed = _whole(data, "seed", where, 0, 2**63 - 1, 0)
    replicates = _whole(data, "replicates", where, 1, min(100, MAX_REPLICATES), 4)
    population = _whole(data, "population", where, 2, MAX_PARTICLES, 100)
    generations = _whole(data, "generations", where, 1, 100, 5)
    kernel_scaling = data.get("kernel_scaling", 1.0)
    if (
        isinstance(kernel_scaling, bool)
        or not isinstance(kernel_scaling, int | float)
        or not 0.1 <= kernel_scaling <= 100
    ):
        raise TargetsError(
            f"{where}: kernel_scaling = {toml_repr(kernel_scaling)} is not allowed; allowed: "
            "a number from 0.1 to 100"
        )
    base = _table(data.get("base", {}), "base", where)
    base = {k: parameter_value(k, v, f"base.{k}", where, TargetsError) for k, v in base.items()}
    items = data["targets"]
    if not isinstance(items, list) or not items or len(items) > MAX_TARGETS:
        raise TargetsError(
            f"{where}: targets must be 1 to {MAX_TARGETS} [[targets]] tables, found "
            f"{toml_repr(items) if not isinstance(items, list) else len(items)}"
        )
    targets = tuple(_target(item, i, where) for i, item in enumerate(items))
    names = [t.name for t in targets]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise TargetsError(f"{where}: target names repeat: {', '.join(repeated)}")
    priors = _priors(_table(data["parameters"], "parameters", where), where)
    return Targets(
        title=title,
        seed=seed,
        replicates=replicates,
        population=population,
        generations=generations,
        base=base,
        targets=targets,
        priors=priors,
        path=path,
        text=text,
        kernel_scaling=float(kernel_scaling),
    )


def _target(item: Any, i: int, where: str) -> Target:
    at_key = f"targets[{i}]"
    if not isinstance(item, dict):
        raise TargetsError(f"{where}: {at_key} is not a table; allowed: [[targets]] tables")
    check_keys(item, TARGET_KEYS, f"{where}: {at_key}", TargetsError)
    name = item.get("name", f"target {i + 1}")
    if not isinstance(name, str) or not name.strip():
        raise TargetsError(f"{where}: {at_key}.name = {toml_repr(name)}; allowed: a string")
    key = f"targets.{name}"
    output = _output(item.get("output"), f"{key}.output", where)
    at = _levers(item.get("at", {}), f"{key}.at", where)
    derived = _derived(item, key, where)
    if "band" in item and ("value" in item or "tolerance" in item):
        raise TargetsError(f"{where}: {key}: give band, or value and tolerance, not both")
    if "band" in item:
        band = item["band"]
        if (
            not isinstance(band, list)
            or len(band) != 2
            or not all(_number(b) for b in band)
            or not band[0] < band[1]
        ):
            raise TargetsError(
                f"{where}: {key}.band = {toml_repr(band)} is not allowed; allowed: [lo, hi], "
                "two finite numbers with lo < hi"
            )
        low, high = float(band[0]), float(band[1])
        scale = high - low
    elif "value" in item and "tolerance" in item:
        value, tolerance = item["value"], item["tolerance"]
        if not _number(value) or not _number(tolerance) or not tolerance > 0:
            raise TargetsError(
                f"{where}: {key}: value = {toml_repr(value)}, tolerance = {toml_repr(tolerance)} "
                "is not allowed; allowed: finite numbers, tolerance > 0"
            )
        low = high = float(value)
        scale = float(tolerance)
    else:
        raise TargetsError(f"{where}: {key}: missing band = [lo, hi] (or value and tolerance)")
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise TargetsError(f"{where}: {key}.source = {toml_repr(source)}; allowed: a string")
    weight = item.get("weight", 1.0)
    if not _number(weight) or not weight > 0:
        raise TargetsError(f"{where}: {key}.weight = {toml_repr(weight)}; allowed: a number > 0")
    return Target(name, output, at, low, high, scale, source.strip(), float(weight), **derived)


def _output(value: Any, key: str, where: str) -> str:
    outputs = summary_names()
    if value not in outputs:
        hint = did_you_mean(str(value), outputs)
        raise TargetsError(
            f"{where}: {key} = {toml_repr(value)}{hint} is not an output; allowed: "
            "the summary names of simulation/model/outputs.py"
        )
    return str(value)


LOAD = "load"
"""A setting's key besides the levers: the work raised, relative to the particle's own
(``request_rate`` times it), for a target that must hold in a firm with more or less work
than the calibrated one (issue 12, off the cliff)."""
LOAD_RANGE = (0.25, 4.0)


def _levers(value: Any, key: str, where: str) -> dict[str, float]:
    table = _table(value, key, where)
    allowed = (*LEVERS, LOAD)
    for lever in table:
        if lever not in allowed:
            raise TargetsError(
                f"{where}: {key}.{lever}{did_you_mean(lever, allowed)} is not a lever; "
                f"allowed: {', '.join(allowed)}"
            )
    out = {}
    for k, v in table.items():
        if k == LOAD:
            low, high = LOAD_RANGE
            if not _number(v) or not low <= v <= high:
                raise TargetsError(
                    f"{where}: {key}.{LOAD} = {toml_repr(v)}; allowed: a number from {low:g} "
                    f"to {high:g} (the work raised, times the particle's own)"
                )
            out[k] = float(v)
        else:
            out[k] = float(parameter_value(k, v, f"{key}.{k}", where, TargetsError))
    return out


def setting_parameters(
    base: dict[str, Any], theta: dict[str, float], setting: dict[str, float]
) -> dict[str, Any]:
    """A run's parameters at a target's setting: the file's base, the particle, the levers;
    a ``load`` scales the particle's (or the default) ``request_rate``."""
    from simulation.model.params import resolve

    at = dict(setting)
    load = at.pop(LOAD, None)
    params = resolve({**base, **theta, **at})
    if load is not None:
        params["request_rate"] = params["request_rate"] * load
    return params


def _derived(item: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """The derived statistic of a target, if any, as Target's keyword arguments."""
    given = [k for k in DERIVED if k in item]
    if len(given) > 1:
        raise TargetsError(
            f"{where}: {key}: {' and '.join(given)} given; allowed: at most one of "
            f"{', '.join(DERIVED)}"
        )
    if not given:
        return {}
    kind, value = given[0], item[given[0]]
    if kind == "share_of":
        if not isinstance(value, list) or not 1 <= len(value) <= 20:
            raise TargetsError(
                f"{where}: {key}.share_of = {toml_repr(value)}; allowed: a list of 1 to 20 outputs"
            )
        return {"share_of": tuple(_output(v, f"{key}.share_of", where) for v in value)}
    if kind == "per":
        return {"per": _output(value, f"{key}.per", where)}
    if kind == "over":
        return {"over": _levers(value, f"{key}.over", where)}
    trend = _table(value, f"{key}.trend", where)
    check_keys(trend, TREND_KEYS, f"{where}: {key}.trend", TargetsError)
    lever = trend.get("lever")
    if lever not in LEVERS:
        raise TargetsError(
            f"{where}: {key}.trend.lever = {toml_repr(lever)} is not a lever; allowed: "
            f"{', '.join(LEVERS)}"
        )
    levels = trend.get("levels")
    if (
        not isinstance(levels, list)
        or not 2 <= len(levels) <= 11
        or not all(_number(v) for v in levels)
        or any(b <= a for a, b in itertools.pairwise(levels))
    ):
        raise TargetsError(
            f"{where}: {key}.trend.levels = {toml_repr(levels)}; allowed: 2 to 11 "
            "increasing numbers"
        )
    for v in levels:
        parameter_value(lever, v, f"{key}.trend.levels", where, TargetsError)
    direction = trend.get("direction")
    if direction not in ("rising", "falling"):
        raise TargetsError(
            f"{where}: {key}.trend.direction = {toml_repr(direction)}; allowed: "
            "'rising' or 'falling'"
        )
    return {"trend": (lever, tuple(float(v) for v in levels), direction == "falling")}


def _ratio(a: float, b: float) -> float:
    return a / b if math.isfinite(a) and math.isfinite(b) and b != 0 else math.nan


def _priors(table: dict[str, Any], where: str) -> dict[str, tuple[float, float]]:
    if not table:
        raise TargetsError(f"{where}: [parameters] is empty; allowed: one parameter or more")
    priors = {}
    for name, value in table.items():
        key = f"parameters.{name}"
        if name not in PARAMETERS:
            parameter_value(name, None, key, where, TargetsError)  # raises: unknown parameter
        spec = PARAMETERS[name]
        if name in LEVERS or spec.kind is int:
            raise TargetsError(
                f"{where}: {key} cannot be calibrated; allowed: a non-lever real-valued parameter"
            )
        value = _table(value, key, where)
        check_keys(value, {"range": "[lo, hi]"}, f"{where}: {key}", TargetsError)
        written = value.get("range", [spec.low, spec.high])
        low, high = parameter_range(name, written, f"{key}.range", where, TargetsError)
        priors[name] = (float(low), float(high))
    return priors


def _table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TargetsError(f"{where}: {key} = {toml_repr(value)} is not a table")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(data: dict[str, Any], key: str, where: str, low: int, high: int, default: int) -> int:
    return whole_number(data.get(key, default), key, where, TargetsError, low, high)


__all__ = [
    "Target",
    "Targets",
    "TargetsError",
    "list_targets",
    "load_targets",
    "parse_targets",
    "targets_dir",
]
