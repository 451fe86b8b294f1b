"""A per-agent Python loop of the weekly customer update: the reference the vectorised
`CustomerPopulation.update` is checked against (tests/model/test_customers.py) and the
classic-ABM baseline `benchmarks/bench_model.py` times.

Not a test file itself (pytest collects ``test_*.py`` only); imported by both.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simulation.model.customers import CHANNEL_USE, CustomerPopulation
from simulation.model.estate import N_CHANNELS
from simulation.model.params import defaults


def new_population(n: int, seed: int, cq: np.ndarray) -> CustomerPopulation:
    """A started population of ``n`` default customers, from ``seed``."""
    pop = CustomerPopulation(n, defaults(), np.random.default_rng(seed))
    pop.start(cq)
    return pop


class LoopCustomer:
    """One customer as a Python object, updated by Python calls (a classic ABM agent).

    The arithmetic is that of `CustomerPopulation.update`, in the same order and with the
    same random draws in the same order (checked by `check_loop_matches`). As in
    `CustomerPopulation.update`, every cell is updated, empty (churned) ones included.
    Word of mouth is simultaneous there (every customer hears its neighbours' *smoothed*
    satisfaction of this week), so the agent has two calls a week, Mesa's
    SimultaneousActivation pattern: `smooth` (experience, disconfirmation target,
    smoothing) then `advance` (word of mouth, breach hit, clip, expectation, churn draw).
    Simplifications, all in the loop's favour: the 8 torus neighbours are looked up once at
    construction (as Mesa grids cache neighbourhoods), the parameters are bound to local
    floats, and when timed the draws come from the stdlib `random` (faster per call than a
    numpy Generator's scalar draws).
    """

    __slots__ = (
        "active",
        "channels",
        "expectation",
        "leaving",
        "neighbours",
        "satisfaction",
        "smoothed",
        "x",
    )

    def __init__(self, channels: tuple[int, ...], satisfaction: float, expectation: float):
        self.active = True
        self.leaving = False
        self.channels = channels
        self.satisfaction = satisfaction
        self.expectation = expectation
        self.smoothed = satisfaction
        self.x = 0.0
        self.neighbours: list[LoopCustomer] = []

    def smooth(self, cq: list[float], logit0: float, gain: float, smoothing: float) -> None:
        x = 0.0
        for k in self.channels:
            x += cq[k]
        x /= len(self.channels)
        self.x = x
        target = 1.0 / (1.0 + math.exp(-(logit0 + gain * (x - self.expectation))))
        s = self.satisfaction
        self.smoothed = s + smoothing * (target - s)

    def advance(self, hit: float, c: tuple[float, ...], uniform: Callable[[], float]) -> bool:
        """The rest of the week; True if the customer leaves (applied after every call)."""
        wom, breach_hit, drift, adapt, churn_max, midpoint, steepness = c
        s = self.smoothed
        total = 0.0
        count = 0
        for nb in self.neighbours:
            if nb.active:
                total += nb.smoothed
                count += 1
        mean = total / count if count else s
        s += wom * (mean - s)
        s -= breach_hit * hit
        s = 0.0 if s < 0.0 else 1.0 if s > 1.0 else s
        self.satisfaction = s
        self.expectation += drift + adapt * (self.x - self.expectation)
        hazard = churn_max / (1.0 + math.exp((s - midpoint) / steepness))
        leaving = uniform() < hazard and self.active
        self.leaving = leaving
        return leaving


class LoopPopulation:
    """The population as a list of `LoopCustomer`s on the same torus grid."""

    def __init__(self, pop: CustomerPopulation) -> None:
        self.p = p = pop.p
        self.n = n = pop.n
        rows, width = pop.shape
        self.customers = [
            LoopCustomer(tuple(np.flatnonzero(pop.channels[i]).tolist()), s, e)
            for i, (s, e) in enumerate(
                zip(pop.satisfaction.tolist(), pop.expectation.tolist(), strict=True)
            )
        ]
        for i, (cust, active) in enumerate(zip(self.customers, pop.active.tolist(), strict=True)):
            cust.active = active
            r, col = divmod(i, width)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if dr == 0 and dc == 0:
                        continue
                    j = ((r + dr) % rows) * width + (col + dc) % width
                    if j < n:  # cells past n are empty padding (as in `_neighbour_mean`)
                        cust.neighbours.append(self.customers[j])
        self.logit0 = math.log(p["baseline_satisfaction"] / (1 - p["baseline_satisfaction"]))
        self.advance_consts = (
            p["word_of_mouth"],
            p["breach_hit"],
            p["expectation_drift"],
            p["expectation_adapt"],
            p["churn_max"],
            p["churn_midpoint"],
            p["churn_steepness"],
        )
        self.churned_this_week = 0
        self.joined_this_week = 0

    def update(
        self,
        channel_quality: np.ndarray,
        breach_hits: np.ndarray,
        uniform: Callable[[], float],
        pick_channels: Callable[[int], list[int]],
    ) -> None:
        """One week, one `smooth` and one `advance` call per customer, then arrivals."""
        p = self.p
        customers = self.customers
        cq = channel_quality.tolist()
        logit0, gain, smoothing = (
            self.logit0,
            p["disconfirmation_gain"],
            p["satisfaction_smoothing"],
        )
        for cust in customers:
            cust.smooth(cq, logit0, gain, smoothing)
        consts = self.advance_consts
        leavers = [
            cust
            for cust, hit in zip(customers, breach_hits.tolist(), strict=True)
            if cust.advance(hit, consts, uniform)
        ]
        for cust in leavers:
            cust.active = False
        self.churned_this_week = len(leavers)

        total = 0.0
        count = 0
        for cust in customers:
            if cust.active:
                total += cust.satisfaction
                count += 1
        mood = total / count if count else 0.0
        arrival = (p["bass_innovation"] + p["bass_imitation"] * mood) / 52.0
        # One draw for every cell, used by the empty ones (as the vectorised update does,
        # for common random numbers).
        joining = [
            cust
            for cust in customers
            if uniform() < arrival and not cust.active and not cust.leaving
        ]
        drift = p["expectation_drift"]
        use = CHANNEL_USE.tolist()
        no_channel = []
        for cust in joining:
            cust.active = True
            draws = [uniform() for _ in range(N_CHANNELS)]  # all four, as the array draw does
            cust.channels = tuple(k for k in range(N_CHANNELS) if draws[k] < use[k])
            if not cust.channels:
                no_channel.append(cust)
        for cust, k in zip(no_channel, pick_channels(len(no_channel)), strict=True):
            cust.channels = (int(k),)
        for cust in joining:
            cust.satisfaction = mood
            cust.expectation = cust.x + drift
        for cust in leavers:
            cust.leaving = False
        self.joined_this_week = len(joining)

    # arrays back, for the comparison with the vectorised update
    def arrays(self) -> dict[str, np.ndarray]:
        channels = np.zeros((self.n, N_CHANNELS), dtype=bool)
        for i, cust in enumerate(self.customers):
            channels[i, list(cust.channels)] = True
        return {
            "satisfaction": np.array([c.satisfaction for c in self.customers]),
            "expectation": np.array([c.expectation for c in self.customers]),
            "active": np.array([c.active for c in self.customers]),
            "channels": channels,
        }


def check_loop_matches(n: int, steps: int, cq: np.ndarray) -> tuple[float, bool]:
    """Run both versions on the same seed and draws; return (max |difference|, same counts).

    The loop draws its uniforms one by one from the population's own numpy Generator, which
    yields the same stream as the vectorised draws; breach hits are random here so that
    that path is checked too.
    """
    vec = new_population(n, 7, cq)
    twin = new_population(n, 7, cq)
    loop = LoopPopulation(twin)
    hits_rng = np.random.default_rng(99)
    max_diff = 0.0
    same = True
    for _ in range(steps):
        hits = (hits_rng.random(n) < 0.05).astype(float)
        vec.update(cq, hits)
        loop.update(
            cq,
            hits,
            twin.rng.random,
            lambda k: twin.rng.integers(0, N_CHANNELS, k).tolist() if k else [],
        )
        same &= (vec.churned_this_week, vec.joined_this_week) == (
            loop.churned_this_week,
            loop.joined_this_week,
        )
    got = loop.arrays()
    for name in ("satisfaction", "expectation"):
        max_diff = max(max_diff, float(np.max(np.abs(got[name] - getattr(vec, name)))))
    same &= bool(np.array_equal(got["active"], vec.active))
    same &= bool(np.array_equal(got["channels"], vec.channels))
    return max_diff, same
