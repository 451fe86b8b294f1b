"""Experiment files: which parameters a sweep varies, how they are sampled, and its runs.

In the flow: ``experiments/*.toml`` -> :func:`load_experiment` -> a validated
:class:`Experiment` (a base scenario plus a design) -> :meth:`Experiment.runs` ->
:mod:`simulation.experiments.sweep`, which runs them and writes them to :mod:`simulation.experiments.store`.
Nothing here runs the model: an experiment is data, checked the way scenario files are
(every mistake is one line naming the file, the key and what is allowed).

File format (docs/sweeps.md)::

    title = "Collaboration x governance"
    description = "..."            # optional
    scenario = "siloed"            # base scenario: a name in scenarios/ or a path
    sampler = "grid"               # grid | lhs | sobol | saltelli | morris
    samples = 256                  # lhs, sobol: points; saltelli: base N; morris: trajectories
    levels = 4                     # morris only (optional): grid levels of each parameter
    seed = 0                       # the sampler's and the runs' seeds derive from it
    replicates = 10                # runs per point
    weeks = 104                    # optional: the scenario's (or the default) otherwise
    series = ["shadow_share"]      # optional: per-week reporters to keep (default none)

    [parameters]                   # the varied parameters, in the order written
    collaboration = [0.15, 0.75]                     # grid only: these values
    governance = { range = [0.0, 1.0], count = 11 }  # grid: 11 values, ends included
    # lhs / sobol / saltelli / morris: name = { range = [lo, hi] }: the interval to sample
    "interventions[0].week" = [13, 52]               # an intervention's week or ramp_weeks
                                                     # (simulation.experiments.factors)

The samplers ``saltelli`` and ``morris`` are the designs of a sensitivity analysis
(:mod:`simulation.analysis.sensitivity`, docs/sensitivity.md): SALib's Saltelli/Sobol' sample for
first- and total-order Sobol' indices (``samples`` = N, N (d + 2) points) and Morris
trajectories (``samples`` = r trajectories, r (d + 1) points). Their runs are an ordinary
sweep; only the order of the points matters to the analysis, and it is the run order.

Seeds: replicate ``r`` of every point runs with ``replicate_seed(seed, r)``, the seed of
replicate ``r`` in ``dtsim run`` with base seed ``seed``. Every point thus sees the same
random numbers (common random numbers: differences between points are the parameters',
not the dice's), and a run's seed depends on the experiment seed and its index only, never
on the executor or the order in which runs finish.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import json
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.experiments.factors import apply_factors, factor_spec, is_factor
from simulation.experiments.files import (
    check_keys,
    locate,
    parameter_range,
    parameter_value,
    read_toml,
    shipped_dir,
    whole_number,
)
from simulation.experiments.limits import MAX_COUNT, MAX_REPLICATES, MAX_SAMPLES
from simulation.experiments.money import Money, parse_money
from simulation.experiments.scenarios import ScenarioError, load_scenario
from simulation.model.interventions import parse as parse_interventions
from simulation.model.params import PARAMETERS, ParameterError, ParamSpec
from simulation.text import did_you_mean, display_path, one_line, toml_repr

if TYPE_CHECKING:
    from simulation.experiments.posterior import Posterior


def experiment_dir() -> Path:
    """Where ``dtsim sweep NAME`` looks: ``$DTSIM_EXPERIMENTS`` if set, else the shipped folder."""
    return shipped_dir("experiments")


SUFFIX = ".toml"
SAMPLERS: tuple[str, ...] = ("grid", "lhs", "sobol", "saltelli", "morris")
SENSITIVITY_SAMPLERS: tuple[str, ...] = ("saltelli", "morris")
"""Samplers whose designs :mod:`simulation.analysis.sensitivity` analyses (SALib's sample order)."""
MORRIS_LEVELS = 4
"""Default number of grid levels of a Morris design (SALib's default)."""
TOP_LEVEL_KEYS: dict[str, str] = {
    "title": "a short name for the experiment (string)",
    "description": "what the experiment asks (string, optional)",
    "scenario": "the base scenario: a name in scenarios/ or a path to a .toml file (string)",
    "sampler": "grid, lhs, sobol, saltelli or morris (string)",
    "samples": "the number of points drawn by lhs or sobol (whole number >= 1); saltelli: the "
    "base sample N; morris: the number of trajectories (whole number >= 2)",
    "levels": "morris only: grid levels of each parameter (even whole number >= 2, default 4)",
    "seed": "the experiment seed (whole number >= 0)",
    "replicates": "runs per point (whole number >= 1)",
    "weeks": "recorded weeks of every run (whole number, optional)",
    "series": "per-week reporters to keep, a list of names (optional)",
    "run_timeout": "seconds a run may take before it is stopped and stored as failed (a "
    "number > 0, optional; default 60 s + 9 s per simulated week)",
    "parameters": "a [parameters] table of the varied parameters",
    "money": "a [money] table: what the levers cost a week and what a breach and a churned "
    "customer are worth, so the recommendation speaks in money (optional)",
}
REQUIRED_KEYS: tuple[str, ...] = ("title", "scenario", "sampler", "seed", "replicates")
RANGE_KEYS: tuple[str, ...] = ("range", "count")
MAX_RUN_TIMEOUT = 7 * 24 * 3600
"""Largest ``run_timeout`` (a week), far above the longest run (all sizes at their maximum:
about 0.76 h)."""
TIMEOUT_BASE = 60.0
TIMEOUT_PER_WEEK = 9.0
"""The default time limit of a run is ``TIMEOUT_BASE + TIMEOUT_PER_WEEK * (warm-up + recorded
weeks)``: ten times the 0.9 s a week takes with every size at its maximum, so only a run
that hangs reaches it."""
NOT_VARIED: dict[str, str] = {"weeks": "set the top-level key weeks instead"}
"""Parameters a sweep may not vary, and what to do instead."""


class ExperimentError(ValueError):
    """An experiment cannot be found or its file is invalid; the message is one line."""


@dataclass(frozen=True)
class Dimension:
    """One varied parameter (or intervention factor, :mod:`simulation.experiments.factors`):
    its grid values, or the interval lhs and sobol sample."""

    name: str
    values: tuple[float | int, ...] = ()
    low: float | int | None = None
    high: float | int | None = None
    factor: ParamSpec | None = field(default=None, compare=False)
    """A factor's declaration; None for a parameter (declared in PARAMETERS)."""

    @property
    def spec(self) -> ParamSpec:
        return self.factor or PARAMETERS[self.name]


@dataclass(frozen=True)
class Run:
    """One run of a sweep.

    ``index`` = ``point * replicates + replicate`` is the run's id in the store; ``params``
    holds the point's varied values only (the ``params`` column of the store); the full set
    is :meth:`Experiment.parameters`. ``seed`` is ``replicate_seed(experiment seed,
    replicate)``.
    """

    index: int
    point: int
    replicate: int
    params: dict[str, float | int] = field(hash=False)
    seed: int


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: a base scenario, the varied parameters and a sampler.

    ``base_parameters`` is the base scenario's full parameter set after ``weeks``;
    ``interventions`` its intervention tables, applied in every run. ``text`` is the file
    as it was read (the store keeps a copy).
    """

    name: str
    title: str
    description: str
    scenario: str
    sampler: str
    samples: int | None
    seed: int
    replicates: int
    weeks: int
    series: tuple[str, ...]
    dimensions: tuple[Dimension, ...]
    base_parameters: dict[str, Any] = field(hash=False)
    interventions: tuple[dict[str, Any], ...] = field(hash=False)
    text: str = field(default="", repr=False)
    path: Path | None = None
    levels: int | None = None
    run_timeout: float | None = None
    fixed: tuple[str, ...] = ()
    """Parameters the base scenario sets itself: a posterior's draws leave them."""
    money: Money | None = None
    """Prices and values of ``[money]``, if the file gives them (not part of the design)."""
    posterior: Posterior | None = field(default=None, hash=False, compare=False)
    """With one (``--posterior``), replicate ``r`` of every point also takes its draw."""

    def with_posterior(self, posterior: Posterior | None) -> Experiment:
        """The same design with every replicate drawing from ``posterior`` (paired over points)."""
        return dataclasses.replace(self, posterior=posterior)

    @cached_property
    def draws(self) -> dict[int, tuple[int, dict[str, float]]]:
        """Each replicate's posterior particle and the values it sets (none without a
        posterior); the varied parameters and the scenario's own stay as they are."""
        if self.posterior is None:
            return {r: (-1, {}) for r in range(self.replicates)}
        from simulation.experiments.posterior import replicate_values

        fixed = {*self.fixed, *self.varied}
        return replicate_values(self.posterior, self.seed, range(self.replicates), fixed)

    @property
    def time_limit(self) -> float:
        """Seconds a run may take: ``run_timeout``, else generous for the largest sizes.

        Not part of the design (a run that finishes has the same numbers whatever the
        limit), so changing it resumes the sweep; ``--retry-failed`` reruns the stopped runs.
        """
        if self.run_timeout is not None:
            return self.run_timeout
        simulated = self.weeks + int(self.base_parameters.get("warmup_weeks", 0))
        return TIMEOUT_BASE + TIMEOUT_PER_WEEK * simulated

    @property
    def varied(self) -> list[str]:
        """Names of the varied parameters, in the order the file gives them."""
        return [d.name for d in self.dimensions]

    @property
    def n_points(self) -> int:
        if self.sampler == "grid":
            return math.prod(len(d.values) for d in self.dimensions)
        assert self.samples is not None
        if self.sampler == "saltelli":
            return self.samples * (len(self.dimensions) + 2)
        if self.sampler == "morris":
            return self.samples * (len(self.dimensions) + 1)
        return self.samples

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replicates

    @property
    def notes(self) -> list[str]:
        """Advice that is not an error (printed by ``dtsim sweep``)."""
        notes = []
        if (
            self.sampler in ("sobol", "saltelli")
            and self.samples is not None
            and not _power_of_two(self.samples)
        ):
            lower = 1 << (self.samples.bit_length() - 1)
            notes.append(
                f"{self.where}: samples = {self.samples} is not a power of 2; Sobol points are "
                f"balanced only in blocks of powers of 2 (e.g. {lower} or {lower * 2})"
            )
        return notes

    @property
    def where(self) -> str:
        return display_path(self.path) if self.path else self.name

    def points(self) -> list[dict[str, float | int]]:
        """The design: one dict of varied values per point, in run order (a copy)."""
        return [dict(p) for p in self._points]

    @cached_property
    def _points(self) -> tuple[dict[str, float | int], ...]:
        if self.sampler == "grid":
            names = self.varied
            combos = itertools.product(*(d.values for d in self.dimensions))
            return tuple(dict(zip(names, combo, strict=True)) for combo in combos)
        assert self.samples is not None
        if self.sampler in SENSITIVITY_SAMPLERS:
            return tuple(_scale(self.dimensions, self.unit_design()))
        return tuple(_sample(self.sampler, self.dimensions, self.samples, self.seed))

    def unit_design(self) -> Any:
        """A saltelli or morris design in the unit cube, one row per point, in run order.

        The rows SALib drew (``SALib.sample.sobol.sample`` without second order, or
        ``SALib.sample.morris.sample``) over [0, 1] for every varied parameter, seeded with
        the experiment seed; :meth:`points` scales them to the ranges. The analysis reads
        these rows, not the scaled values: an integer parameter's rounding cannot hide a
        Morris step, and elementary effects are per share of each range.
        """
        if self.sampler not in SENSITIVITY_SAMPLERS:
            raise ValueError(f"{self.where}: sampler {self.sampler!r} is not a sensitivity design")
        assert self.samples is not None
        return _salib_unit(
            self.sampler,
            len(self.dimensions),
            self.samples,
            self.seed,
            self.levels or MORRIS_LEVELS,
        )

    def seeds(self) -> list[int]:
        """The model seed of each replicate, shared by every point."""
        from simulation.experiments.runner import replicate_seed

        return [replicate_seed(self.seed, r) for r in range(self.replicates)]

    def iter_runs(self) -> Iterator[Run]:
        """Every run in index order, without building the list."""
        seeds = self.seeds()
        for p, point in enumerate(self._points):
            for r, seed in enumerate(seeds):
                yield Run(p * self.replicates + r, p, r, point, seed)

    def runs(self) -> list[Run]:
        """Every run: point ``p``, replicate ``r`` has index ``p * replicates + r``."""
        return list(self.iter_runs())

    def parameters(self, run: Run) -> dict[str, Any]:
        """A run's full parameter set: the base scenario's, its posterior draw, the point's
        (its intervention factors are in :meth:`run_interventions`)."""
        params, _ = apply_factors(run.params, self.interventions)
        return {**self.base_parameters, **self.draws[run.replicate][1], **params}

    def run_interventions(self, run: Run) -> tuple[dict[str, Any], ...]:
        """A run's interventions: the base scenario's, with the point's factors applied."""
        return apply_factors(run.params, self.interventions)[1]

    @property
    def factors(self) -> list[str]:
        """The varied intervention factors (weeks and ramps), in the file's order."""
        return [d.name for d in self.dimensions if d.factor is not None]

    def design(self) -> dict[str, Any]:
        """The canonical design: everything that decides the runs' numbers, nothing else.

        Titles, descriptions and comments are left out, so rewording a file does not change
        the fingerprint; a changed default in simulation/model/params.py does (it is in the base
        parameters).
        """
        design = {
            "sampler": self.sampler,
            "varied": self.varied,
            "points": [dict(p) for p in self._points],
            "seed": self.seed,
            "replicates": self.replicates,
            "seeds": self.seeds(),
            "weeks": self.weeks,
            "series": list(self.series),
            "base_parameters": dict(sorted(self.base_parameters.items())),
            "interventions": [dict(item) for item in self.interventions],
        }
        if self.posterior is not None:  # only then: a store without one keeps its fingerprint
            design["posterior"] = self.posterior.sha256
            design["fixed"] = sorted(self.fixed)
        return design

    def fingerprint(self) -> str:
        """SHA-256 of the canonical design (as JSON with sorted keys)."""
        return hashlib.sha256(canonical_json(self.design()).encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same design gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


# --- loading -------------------------------------------------------------------------------


def experiment_names() -> list[str]:
    """Names of the shipped experiments (file stems in ``experiments/``), sorted."""
    return sorted(path.stem for path in experiment_dir().glob(f"*{SUFFIX}"))


def load_experiment(name_or_path: str | Path | Experiment) -> Experiment:
    """Load an experiment by name (``smoke``) or by path (``my/sweep.toml``) and validate it.

    A string is a path when it ends in ``.toml`` or contains a path separator; otherwise a
    name in ``experiments/``. A relative ``scenario`` path in the file is read relative to
    the experiment file's folder.
    """
    if isinstance(name_or_path, Experiment):
        return name_or_path
    path = _locate(name_or_path)
    where = display_path(path)
    data, text = read_toml(path, where, "experiment", ExperimentError)
    return _validate(data, text, path, where)


def _locate(name_or_path: str | Path) -> Path:
    return locate(name_or_path, "experiment", experiment_dir(), experiment_names(), ExperimentError)


def _validate(data: dict[str, Any], text: str, path: Path, where: str) -> Experiment:
    check_keys(data, TOP_LEVEL_KEYS, where, ExperimentError)
    for key in (*REQUIRED_KEYS, "parameters"):
        if key not in data:
            raise ExperimentError(f"{where}: missing required key {key!r} ({TOP_LEVEL_KEYS[key]})")
    title = _text(data, "title", where)
    description = _text(data, "description", where) if "description" in data else ""
    scenario_ref = _text(data, "scenario", where)
    sampler = data["sampler"]
    if sampler not in SAMPLERS:
        raise ExperimentError(
            f"{where}: sampler = {toml_repr(sampler)} is not allowed; "
            f"allowed: {', '.join(repr(s) for s in SAMPLERS)}"
        )
    seed = _whole(data, "seed", where, low=0)
    replicates = _whole(data, "replicates", where, low=1, high=MAX_REPLICATES)
    samples = None
    levels = None
    if "levels" in data:
        if sampler != "morris":
            raise ExperimentError(
                f'{where}: levels is not allowed with sampler = "{sampler}"; allowed only with '
                'sampler = "morris"'
            )
        levels = _whole(data, "levels", where, low=2)
        if levels % 2:
            raise ExperimentError(
                f"{where}: levels = {levels} is odd; allowed: an even whole number >= 2 "
                "(Morris steps of p / (2 (p - 1)) need an even number of levels), e.g. 4"
            )
    if sampler == "grid":
        if "samples" in data:
            raise ExperimentError(
                f'{where}: samples is not allowed with sampler = "grid" (a grid has one point '
                "per combination of its values); allowed with lhs and sobol"
            )
    else:
        if "samples" not in data:
            raise ExperimentError(
                f"{where}: missing key 'samples' (sampler = \"{sampler}\" needs the number of "
                "points to draw, a whole number >= 1, e.g. samples = 256)"
            )
        low = 2 if sampler in SENSITIVITY_SAMPLERS else 1
        samples = _whole(data, "samples", where, low=low, high=MAX_SAMPLES)

    base = _base_scenario(scenario_ref, path, where)
    weeks = None
    if "weeks" in data:
        weeks = _whole(data, "weeks", where, low=int(PARAMETERS["weeks"].low))
        high = PARAMETERS["weeks"].high
        if weeks > high:
            raise ExperimentError(
                f"{where}: weeks = {weeks} is out of range; allowed "
                f"[{PARAMETERS['weeks'].low}, {high}] (weeks)"
            )
    from simulation.experiments.runner import scenario_spec

    try:
        spec = scenario_spec(base, weeks)
    except ParameterError as exc:
        raise ExperimentError(
            f"{where}: scenario = {toml_repr(scenario_ref)}: {one_line(str(exc))}"
        ) from None
    series = _series(data.get("series", []), where)
    run_timeout = _run_timeout(data["run_timeout"], where) if "run_timeout" in data else None
    dimensions = _dimensions(
        data["parameters"], sampler, where, spec.interventions, int(spec.parameters["weeks"])
    )
    experiment = Experiment(
        name=path.stem,
        title=title,
        description=description,
        scenario=scenario_ref,
        sampler=sampler,
        samples=samples,
        seed=seed,
        replicates=replicates,
        weeks=int(spec.parameters["weeks"]),
        series=series,
        dimensions=dimensions,
        base_parameters=dict(spec.parameters),
        interventions=tuple(spec.interventions),
        text=text,
        path=path,
        levels=(levels or MORRIS_LEVELS) if sampler == "morris" else None,
        fixed=tuple(sorted(spec.overrides)),
        money=parse_money(data["money"], where, ExperimentError) if "money" in data else None,
        run_timeout=run_timeout,
    )
    _check_factors(experiment, where)
    return experiment


def _check_factors(experiment: Experiment, where: str) -> None:
    """Every point's interventions must fit the run (a ramp that ends by the last week):
    checked here, once, rather than failing run by run in the workers."""
    if not experiment.factors:
        return
    for point in experiment.points():
        _, interventions = apply_factors(point, experiment.interventions)
        try:
            parse_interventions(interventions, experiment.weeks)
        except ParameterError as exc:
            shown = ", ".join(f"{name} = {point[name]}" for name in experiment.factors)
            raise ExperimentError(
                f"{where}: parameters: at {shown}: {one_line(str(exc))}"
            ) from None


def _run_timeout(value: Any, where: str) -> float:
    """``run_timeout``: seconds, a finite number in (0, MAX_RUN_TIMEOUT]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_RUN_TIMEOUT
    ):
        raise ExperimentError(
            f"{where}: run_timeout = {toml_repr(value)} is not allowed; allowed: a number of "
            f"seconds > 0 and <= {MAX_RUN_TIMEOUT} (a week)"
        )
    return float(value)


def _base_scenario(ref: str, path: Path, where: str) -> Any:
    """The base scenario; a relative path is read from the experiment file's folder."""
    target: str | Path = ref
    if ref.endswith(SUFFIX) or os.sep in ref or "/" in ref:
        candidate = Path(ref)
        target = candidate if candidate.is_absolute() else path.parent / candidate
    try:
        return load_scenario(target)
    except ScenarioError as exc:
        raise ExperimentError(f"{where}: scenario = {toml_repr(ref)}: {exc}") from None


def _series(value: Any, where: str) -> tuple[str, ...]:
    from simulation.model.reporters import REPORTERS

    allowed = [name for name in REPORTERS if name != "week"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExperimentError(
            f"{where}: series = {toml_repr(value)} is not allowed; allowed: a list of "
            f"per-week reporter names ({', '.join(allowed)})"
        )
    for name in value:
        if name not in allowed:
            raise ExperimentError(
                f"{where}: series: unknown reporter {name!r}{did_you_mean(name, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
    repeated = sorted({n for n in value if value.count(n) > 1})
    if repeated:
        raise ExperimentError(
            f"{where}: series names {', '.join(repeated)} more than once; allowed: distinct names"
        )
    return tuple(value)


def _dimensions(
    table: Any, sampler: str, where: str, interventions: Sequence[dict[str, Any]], weeks: int
) -> tuple[Dimension, ...]:
    if not isinstance(table, dict):
        raise ExperimentError(
            f"{where}: parameters = {toml_repr(table)} is not a table; allowed: a "
            "[parameters] table of name = [values] or name = { range = [lo, hi], ... }"
        )
    if not table:
        raise ExperimentError(
            f"{where}: [parameters] is empty; allowed: at least one varied parameter"
        )
    return tuple(
        _dimension(name, value, sampler, where, interventions, weeks)
        for name, value in table.items()
    )


def _dimension(
    name: str,
    value: Any,
    sampler: str,
    where: str,
    interventions: Sequence[dict[str, Any]],
    weeks: int,
) -> Dimension:
    key = f"parameters.{name}"
    factor = None
    if is_factor(name):
        try:
            factor = factor_spec(name, interventions, weeks)
        except ValueError as exc:
            raise ExperimentError(f"{where}: {key}: {exc}") from None
        key = f'parameters."{name}"'
    elif name not in PARAMETERS:
        parameter_value(name, None, key, where, ExperimentError)  # raises: unknown parameter
    spec = factor or PARAMETERS[name]
    if name in NOT_VARIED:
        raise ExperimentError(f"{where}: {key} cannot be varied; {NOT_VARIED[name]}")
    if isinstance(value, list):
        if sampler != "grid":
            raise ExperimentError(
                f"{where}: {key} = [...] is a list of values, allowed only with sampler = "
                f'"grid"; with "{sampler}" give {name} = {{ range = [lo, hi] }}'
            )
        if not value:
            raise ExperimentError(f"{where}: {key} = [] is empty; allowed: one value or more")
        if len(value) > MAX_COUNT:
            raise ExperimentError(
                f"{where}: {key} lists {len(value):,} values; allowed at most {MAX_COUNT:,}"
            )
        values = tuple(_value(spec, v, f"{key}[{i}]", where) for i, v in enumerate(value))
        _check_distinct(values, key, where)
        return Dimension(name, values=values, factor=factor)
    if not isinstance(value, dict):
        raise ExperimentError(
            f"{where}: {key} = {toml_repr(value)} is not allowed; allowed: a list of values "
            "(grid) or { range = [lo, hi], count = n } (grid) or { range = [lo, hi] } (lhs, sobol)"
        )
    for sub in value:
        if sub not in RANGE_KEYS:
            raise ExperimentError(
                f"{where}: unknown key {key}.{sub}{did_you_mean(sub, RANGE_KEYS)}; "
                "allowed: range, count"
            )
    if "range" not in value:
        raise ExperimentError(f"{where}: missing key {key}.range (allowed: [lo, hi])")
    low, high = _range(spec, value["range"], f"{key}.range", where)
    if sampler != "grid":
        if "count" in value:
            raise ExperimentError(
                f'{where}: {key}.count is not allowed with sampler = "{sampler}" (it draws '
                "samples points in the range); allowed: { range = [lo, hi] } only"
            )
        return Dimension(name, low=low, high=high, factor=factor)
    if "count" not in value:
        raise ExperimentError(
            f"{where}: missing key {key}.count (a grid needs the number of evenly spaced "
            "values, ends included: a whole number >= 2)"
        )
    count = value["count"]
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_COUNT:
        raise ExperimentError(
            f"{where}: {key}.count = {toml_repr(count)} is not allowed; "
            f"allowed: a whole number from 2 to {MAX_COUNT:,}"
        )
    values = _spaced(spec, low, high, count)
    if len(set(values)) < count:
        raise ExperimentError(
            f"{where}: {key} = {{ range = [{low}, {high}], count = {count} }} repeats integers; "
            f"allowed: count <= {int(high - low) + 1} for the integer parameter {name}"
        )
    return Dimension(name, values=values, low=low, high=high, factor=factor)


def _value(spec: ParamSpec, value: Any, key: str, where: str) -> float | int:
    return parameter_value(spec.name, value, key, where, ExperimentError, spec)


def _range(spec: ParamSpec, value: Any, key: str, where: str) -> tuple[float | int, float | int]:
    return parameter_range(spec.name, value, key, where, ExperimentError, spec)


def _spaced(
    spec: ParamSpec, low: float | int, high: float | int, count: int
) -> tuple[float | int, ...]:
    """``count`` evenly spaced values from ``low`` to ``high``, ends exact.

    Floats are rounded to 12 significant digits, so that 0.1 steps read 0.3, not
    0.30000000000000004, in the store and in plots; integers are rounded to the nearest one.
    """
    values: list[float | int] = []
    for i in range(count):
        x = low + (high - low) * i / (count - 1) if 0 < i < count - 1 else (low, high)[i > 0]
        values.append(round(x) if spec.kind is int else float(f"{x:.12g}"))
    return tuple(values)


def _check_distinct(values: Sequence[float | int], key: str, where: str) -> None:
    seen: set[float | int] = set()
    for v in values:
        if v in seen:
            raise ExperimentError(f"{where}: {key} = [...] repeats {v}; allowed: distinct values")
        seen.add(v)


# --- samplers ------------------------------------------------------------------------------


def _sample(
    sampler: str, dimensions: Sequence[Dimension], n: int, seed: int
) -> list[dict[str, float | int]]:
    """``n`` points of a Latin hypercube or a scrambled Sobol' sequence, scaled to the ranges.

    scipy.stats.qmc draws in the unit cube from ``numpy.random.default_rng(seed)`` (a stream
    apart from the runs' ``SeedSequence(seed, spawn_key=(r,))``). A float parameter is
    ``lo + u (hi - lo)``. An integer parameter takes ``lo + floor(u (hi - lo + 1))``: the
    unit interval cut into one equal cell per integer, so that each integer is equally likely
    (rounding ``lo + u (hi - lo)`` to the nearest would give the two ends half the weight).

    Latin hypercube: McKay, Beckman & Conover (1979); Sobol' (1967), scrambled after Owen
    (1998); both as implemented in scipy.stats.qmc.
    """
    import numpy as np
    from scipy.stats import qmc

    d = len(dimensions)
    rng = np.random.default_rng(seed)
    engine_class = qmc.LatinHypercube if sampler == "lhs" else qmc.Sobol
    # scipy >= 1.15 calls the generator `rng`; older releases `seed`. Both take a Generator
    # as it is, so the points are the same either way.
    keyword = "rng" if "rng" in inspect.signature(engine_class).parameters else "seed"
    engine = engine_class(d, scramble=True, **{keyword: rng})
    with warnings.catch_warnings():
        # Sobol' warns when n is not a power of 2; Experiment.notes says so once, in words.
        warnings.filterwarnings(
            "ignore", message=".*balance properties of Sobol", category=UserWarning
        )
        unit = engine.random(n)
    return _scale(dimensions, unit)


def _salib_unit(sampler: str, d: int, n: int, seed: int, levels: int) -> Any:
    """SALib's saltelli (first and total order) or Morris design over the unit cube."""
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        # Sobol' warns when N is not a power of 2; Experiment.notes says so once, in words.
        warnings.filterwarnings(
            "ignore", message=".*balance properties of Sobol", category=UserWarning
        )
        if sampler == "saltelli":
            from SALib.sample import sobol

            return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=levels, seed=seed)


def _scale(dimensions: Sequence[Dimension], unit: Any) -> list[dict[str, float | int]]:
    """Rows of the unit cube scaled to the ranges, as :func:`_sample` scales its points."""
    points = []
    for row in unit:
        point: dict[str, float | int] = {}
        for dim, u in zip(dimensions, row, strict=True):
            assert dim.low is not None and dim.high is not None
            if dim.spec.kind is int:
                span = int(dim.high) - int(dim.low) + 1
                point[dim.name] = min(int(dim.low) + math.floor(float(u) * span), int(dim.high))
            else:
                point[dim.name] = float(dim.low + float(u) * (dim.high - dim.low))
        points.append(point)
    return points


def _power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --- helpers -------------------------------------------------------------------------------


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ExperimentError(
            f"{where}: {key} = {toml_repr(value)} is not allowed; allowed: "
            f"{TOP_LEVEL_KEYS[key]}, not empty"
        )
    paragraphs = (" ".join(part.split()) for part in value.strip().split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _whole(data: dict[str, Any], key: str, where: str, low: int, high: int | None = None) -> int:
    return whole_number(data[key], key, where, ExperimentError, low, high)


__all__ = [
    "SAMPLERS",
    "SENSITIVITY_SAMPLERS",
    "Dimension",
    "Experiment",
    "ExperimentError",
    "Run",
    "canonical_json",
    "experiment_dir",
    "experiment_names",
    "load_experiment",
]
