"""A calibration's posterior as the uncertainty of a result: one parameter draw per replicate.

``dtsim calibrate`` leaves a weighted sample of parameter sets (``posterior.parquet``): the
firms the targets allow. A result that says "shadow share 0.17 [0.15, 0.19]" at the point
estimate hides that those firms differ. With a posterior, replicate *r* of a run or a
comparison uses draw ``draw_index(seed, r)``, resampled by weight from the run's own seed
(not from the replicate's model seed, so the draw and the market are independent), together
with its model seed :func:`~simulation.experiments.runner.replicate_seed` ``(seed, r)``.
Every scenario of a comparison gets the same draw at the same replicate, so differences stay
paired over both sources of randomness.

A scenario that sets a calibrated parameter itself keeps its value: the posterior stands for
what we do not know about the firm, not for what a scenario fixes on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.model.params import LEVERS, PARAMETERS, ParameterError, check_value

POSTERIOR_FILE = "posterior.parquet"
"""The weighted sample a calibration folder holds (``simulation.experiments.calibrate``)."""
WEIGHT = "weight"
MAX_POSTERIOR_BYTES = 100_000_000
"""Largest posterior file read (a posterior of 200 particles is a few kB)."""
MAX_PARTICLES = 1_000_000
"""Most rows a posterior may have."""
DRAW_KEY = 0x706F7374
"""The posterior draw's spawn key beside the replicate's (``SeedSequence(seed, (r, DRAW_KEY))``):
independent of the replicate's model seed ``SeedSequence(seed, (r,))``."""


class PosteriorError(ValueError):
    """A posterior that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of parameter sets: ``values[i]`` has weight ``weights[i]`` (sum 1)."""

    path: Path
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    sha256: str

    def __len__(self) -> int:
        return len(self.weights)

    @property
    def ess(self) -> float:
        """Effective sample size of the weights (Kish): how many equal draws they are worth."""
        return float(1.0 / np.sum(self.weights**2))

    def draw_index(self, seed: int, replicate: int) -> int:
        """The particle replicate ``replicate`` of base seed ``seed`` uses: drawn by weight,
        stable whatever the number of replicates (one uniform of its own per replicate)."""
        sequence = np.random.SeedSequence(seed, spawn_key=(replicate, DRAW_KEY))
        u = np.random.default_rng(sequence).random()
        cumulative = np.cumsum(self.weights)
        return int(
            min(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(self) - 1)
        )

    def values_of(self, index: int, fixed: Iterable[str] = ()) -> dict[str, float]:
        """Particle ``index``'s values, but not of the parameters in ``fixed``."""
        keep = set(self.names) - set(fixed)
        return {
            n: float(v) for n, v in zip(self.names, self.values[index], strict=True) if n in keep
        }

    def describe(self) -> str:
        """One line for tables and manifests."""
        return (
            f"posterior {self.path} ({len(self)} particles, effective sample size "
            f"{self.ess:.0f}; parameters: {', '.join(self.names)})"
        )

    def as_dict(self) -> dict[str, Any]:
        """The manifest entry: which posterior, exactly."""
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "particles": len(self),
            "parameters": list(self.names),
        }


def load_posterior(folder: str | Path) -> Posterior:
    """The posterior of a calibration folder (or a ``posterior.parquet`` file), checked: every
    column but ``weight`` a declared, non-lever parameter with every value in its range;
    weights finite, at least 0, not all 0. Anything else is one line (PosteriorError)."""

    given = Path(folder)
    path = given / POSTERIOR_FILE if given.is_dir() else given
    where = f"--posterior {given}"
    if not given.exists():
        raise PosteriorError(f"{where}: no such folder; allowed: a calibration's output folder")
    if not path.is_file():
        raise PosteriorError(
            f"{where}: no {POSTERIOR_FILE} in it; allowed: the output folder of `dtsim calibrate`"
        )
    size = path.stat().st_size
    if size > MAX_POSTERIOR_BYTES:
        raise PosteriorError(
            f"{path}: {size:,} bytes; the limit is {MAX_POSTERIOR_BYTES:,} (a posterior is a few kB)"
        )
    data = path.read_bytes()
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow's errors have many types; all mean "not a posterior"
        raise PosteriorError(
            f"{path}: not a readable Parquet file ({type(exc).__name__})"
        ) from None
    if WEIGHT not in frame.columns:
        raise PosteriorError(
            f"{path}: no column {WEIGHT!r}; allowed: a posterior of dtsim calibrate"
        )
    names = tuple(str(c) for c in frame.columns if c != WEIGHT)
    if not names:
        raise PosteriorError(f"{path}: no parameter columns beside {WEIGHT!r}")
    if not 1 <= len(frame) <= MAX_PARTICLES:
        raise PosteriorError(f"{path}: {len(frame)} rows; allowed 1..{MAX_PARTICLES:,} particles")
    for name in names:
        spec = PARAMETERS.get(name)
        if spec is None or name in LEVERS or spec.kind is not float:
            raise PosteriorError(
                f"{path}: column {name!r} is not a calibrated kind of parameter; allowed: "
                "declared real-valued parameters that are not levers"
            )
        column = pd.to_numeric(frame[name], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(column)
        if bad.any():
            raise PosteriorError(
                f"{path}: column {name!r} has {int(bad.sum())} missing or non-numeric values"
            )
        try:
            check_value(name, float(column.min()))
            check_value(name, float(column.max()))
        except ParameterError as exc:
            raise PosteriorError(f"{path}: column {name!r}: {exc}") from None
    weights = pd.to_numeric(frame[WEIGHT], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(weights)) or (weights < 0).any() or weights.sum() <= 0:
        raise PosteriorError(f"{path}: column {WEIGHT!r} must hold finite weights >= 0, not all 0")
    return Posterior(
        path=path.resolve(),  # a manifest or store must find it again from anywhere
        names=names,
        values=frame[list(names)].to_numpy(float),
        weights=weights / weights.sum(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def replicate_values(
    posterior: Posterior, seed: int, replicates: Iterable[int], fixed: Iterable[str] = ()
) -> dict[int, tuple[int, dict[str, float]]]:
    """For each replicate: its particle's index and the values it sets (not those ``fixed``)."""
    fixed = set(fixed)
    out = {}
    for r in replicates:
        index = posterior.draw_index(seed, r)
        out[r] = (index, posterior.values_of(index, fixed))
    return out


def recorded_posterior(entry: Mapping[str, Any], made: str = "these runs drew from") -> Posterior:
    """The posterior a result names (its manifest or store entry, :meth:`Posterior.as_dict`):
    the file must still be there and the same (SHA-256); one line otherwise."""
    posterior = load_posterior(Path(str(entry.get("path"))))
    if posterior.sha256 != entry.get("sha256"):
        raise PosteriorError(f"{posterior.path}: not the posterior {made} (its SHA-256 differs)")
    return posterior


def recorded_draws(entry: Mapping[str, Any], draws: Sequence[int]) -> pd.DataFrame:
    """The parameter values replicate by replicate of a result made with a posterior: the
    entry naming it (:func:`recorded_posterior`) and each replicate's particle."""
    posterior = recorded_posterior(entry)
    if any(not 0 <= i < len(posterior) for i in draws):
        raise PosteriorError(f"{posterior.path}: a recorded draw is not one of its particles")
    return pd.DataFrame(posterior.values[list(draws)], columns=list(posterior.names)).rename_axis(
        "replicate"
    )


def variance_split(fixed: Mapping[str, float], total: Mapping[str, float]) -> dict[str, float]:
    """The share of each outcome's variance that parameter uncertainty adds: 1 - (variance at
    the point estimate) / (variance over the posterior), at least 0. The variance at the point
    estimate stands for the mean stochastic variance within a draw (the law of total variance);
    NaN where the posterior runs do not vary."""
    out = {}
    for key, var_total in total.items():
        var_fixed = fixed.get(key, float("nan"))
        if not np.isfinite(var_total) or var_total <= 0 or not np.isfinite(var_fixed):
            out[key] = float("nan")
        else:
            out[key] = float(max(0.0, 1.0 - var_fixed / var_total))
    return out


__all__ = [
    "POSTERIOR_FILE",
    "Posterior",
    "PosteriorError",
    "load_posterior",
    "recorded_draws",
    "recorded_posterior",
    "replicate_values",
    "variance_split",
]
