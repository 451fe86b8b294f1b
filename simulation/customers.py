"""Customers as arrays on a torus grid; `CustomerAgent` objects are views into them.

Thousands of customers are updated each week with a few dozen array operations
(`CustomerPopulation.update`), never one Python call per customer. Satisfaction follows
expectation-disconfirmation (Oliver 1980), smoothed over time; word of mouth pulls it
towards the grid neighbours' (Bass 1969); churn is a logistic hazard in satisfaction and
empty cells fill again at a Bass rate that follows the market's mood.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import uniform_filter

from simulation.estate import CHANNELS, N_CHANNELS

if TYPE_CHECKING:
    from simulation.model import DigitalTransformationModel

# Share of customers using each channel (seed 000: omnichannel customers).
CHANNEL_USE = np.array([0.85, 0.7, 0.45, 0.5])


def grid_shape(n: int) -> tuple[int, int]:
    """Smallest near-square grid holding n customers."""
    width = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / width), width


class CustomerPopulation:
    """Array state of all customers; cells beyond ``n`` on the grid stay empty."""

    def __init__(self, n: int, p: dict, rng: np.random.Generator) -> None:
        self.n = n
        self.shape = grid_shape(n)
        self.p = p
        self.rng = rng
        self.channels = rng.random((n, N_CHANNELS)) < CHANNEL_USE
        self._ensure_a_channel(np.arange(n))
        self.satisfaction = np.full(n, p["baseline_satisfaction"])
        self.expectation = np.zeros(n)  # set by `start` once experience is known
        self.active = np.ones(n, dtype=bool)
        self.churned_this_week = 0
        self.joined_this_week = 0
        self._cells = self.shape[0] * self.shape[1]
        self._pad = self._cells - n

    def _ensure_a_channel(self, rows: np.ndarray) -> None:
        none = rows[~self.channels[rows].any(axis=1)]
        if none.size:
            self.channels[none, self.rng.integers(0, N_CHANNELS, none.size)] = True

    def experience(self, channel_quality: np.ndarray) -> np.ndarray:
        """Each customer's experience: the mean quality of the channels it uses."""
        used = self.channels
        return (used @ channel_quality) / used.sum(axis=1)

    def start(self, channel_quality: np.ndarray) -> None:
        """Expectations start where experience is: a running firm, not a new one."""
        self.expectation = self.experience(channel_quality).copy()

    def _neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of the 8 Moore neighbours' values among active customers (torus)."""
        grid_v = np.zeros(self._cells)
        grid_a = np.zeros(self._cells)
        grid_v[: self.n] = np.where(self.active, values, 0.0)
        grid_a[: self.n] = self.active
        sum_v = (
            uniform_filter(grid_v.reshape(self.shape), size=3, mode="wrap").ravel()[: self.n] * 9
        )
        sum_a = (
            uniform_filter(grid_a.reshape(self.shape), size=3, mode="wrap").ravel()[: self.n] * 9
        )
        sum_v -= grid_v[: self.n]
        sum_a -= grid_a[: self.n]
        return np.divide(sum_v, sum_a, out=values.copy(), where=sum_a > 0.5)

    def update(self, channel_quality: np.ndarray, breach_hits: np.ndarray) -> None:
        """One week for every customer: experience, expectations, word of mouth, churn, arrivals."""
        p, rng = self.p, self.rng
        x = self.experience(channel_quality)
        logit0 = math.log(p["baseline_satisfaction"] / (1 - p["baseline_satisfaction"]))
        target = 1.0 / (
            1.0 + np.exp(-(logit0 + p["disconfirmation_gain"] * (x - self.expectation)))
        )
        s = self.satisfaction
        s += p["satisfaction_smoothing"] * (target - s)
        s += p["word_of_mouth"] * (self._neighbour_mean(s) - s)
        s -= p["breach_hit"] * breach_hits
        np.clip(s, 0.0, 1.0, out=s)
        self.expectation += p["expectation_drift"] + p["expectation_adapt"] * (x - self.expectation)

        hazard = p["churn_max"] / (1.0 + np.exp((s - p["churn_midpoint"]) / p["churn_steepness"]))
        leaving = self.active & (rng.random(self.n) < hazard)
        self.churned_this_week = int(leaving.sum())
        self.active &= ~leaving

        mood = float(s[self.active].mean()) if self.active.any() else 0.0
        arrival = (p["bass_innovation"] + p["bass_imitation"] * mood) / 52.0
        empty = np.flatnonzero(~self.active & ~leaving)
        joining = empty[rng.random(empty.size) < arrival]
        self.joined_this_week = int(joining.size)
        if joining.size:
            self.active[joining] = True
            self.channels[joining] = rng.random((joining.size, N_CHANNELS)) < CHANNEL_USE
            self._ensure_a_channel(joining)
            s[joining] = mood
            self.expectation[joining] = x[joining] + p["expectation_drift"]

    def hit_by_breach(self, system_channels: np.ndarray) -> np.ndarray:
        """Which active customers a breach of a system with these channels touches."""
        uses = (self.channels & system_channels).any(axis=1)
        return self.active & uses & (self.rng.random(self.n) < self.p["breach_reach"])

    def mean_satisfaction(self) -> float:
        return float(self.satisfaction[self.active].mean()) if self.active.any() else 0.0


class CustomerAgentMixin:
    """Read-only view of one customer's row, shared by `CustomerAgent`."""

    index: int
    model: DigitalTransformationModel

    @property
    def satisfaction(self) -> float:
        return float(self.model.customers.satisfaction[self.index])

    @property
    def expectation(self) -> float:
        return float(self.model.customers.expectation[self.index])

    @property
    def churned(self) -> bool:
        return not bool(self.model.customers.active[self.index])

    @property
    def channels(self) -> tuple[str, ...]:
        row = self.model.customers.channels[self.index]
        return tuple(c for c, used in zip(CHANNELS, row, strict=True) if used)

    @property
    def cell(self) -> tuple[int, int]:
        """(row, column) on the word-of-mouth grid."""
        return divmod(self.index, self.model.customers.shape[1])
