"""Customers as arrays on a torus grid; `CustomerAgent` objects are views into them.

Thousands of customers are updated each week with a few dozen array operations
(`CustomerPopulation.update`), never one Python call per customer. Satisfaction follows
expectation-disconfirmation (Oliver 1980), smoothed over time; word of mouth pulls it
towards the grid neighbours' (Bass 1969); churn is a logistic hazard in satisfaction and
empty cells fill again at a Bass rate that follows the market's mood.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.model.draws import NEWCOMER, REACH, cell_keys, mix, uniform, uniforms, uniforms_for
from simulation.model.estate import CHANNELS, N_CHANNELS

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel

# Share of customers using each channel (best-friends, docs/SOURCES.md: omnichannel customers).
CHANNEL_USE = np.array([0.85, 0.7, 0.45, 0.5])
_CHANNEL_USE = CHANNEL_USE.tolist()
CHANNEL_BITS = np.array([1, 2, 4, 8])
_USED = (np.arange(2**N_CHANNELS)[:, None] & CHANNEL_BITS) != 0  # the channels of each bit set
# Each bit set's channel weights, divided as `_set_weights` always did (row 0 uses none).
with np.errstate(invalid="ignore"):
    WEIGHTS_BY_BITS = np.nan_to_num(_USED / _USED.sum(axis=1, keepdims=True))
FEW_NEWCOMERS = 3
"""Up to this many newcomers a week draw their channels one by one (`draws.uniform`, the same
numbers as the array draws), cheaper than a dozen array operations for one or two."""


def _logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) in place, through tanh: no overflow, fewer passes than scipy's expit."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def steady_freshness(p: dict[str, Any]) -> float:
    """Freshness a channel holds when requests launch at their raised rate (the start's level).

    Starting there, rather than at 0, spares a start-up transient (docs/ODD.md section 5).
    """
    launches = p["n_marketing"] * p["request_rate"] * (1 + p["it_request_ratio"])
    per_channel = launches * p["channels_per_request"] / N_CHANNELS
    return per_channel / max(p["freshness_decay"], 1e-9)


def grid_shape(n: int) -> tuple[int, int]:
    """Smallest near-square grid holding n customers."""
    width = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / width), width


class CustomerPopulation:
    """Array state of all customers; cells beyond ``n`` on the grid stay empty."""

    def __init__(
        self,
        n: int,
        p: dict,
        rng: np.random.Generator,
        streams: dict[str, np.random.Generator] | None = None,
        run_key: int | None = None,
    ) -> None:
        """`rng` draws the initial population; `streams` may give churn and arrivals their own
        generators (common random numbers), else `rng` draws everything.

        With a `run_key`, each cell's breach reach and newcomers' channels are the cell's own
        draws (`simulation.model.draws`, keyed by the cell, the week and the breached
        system), so they stay in step across runs whoever else joined or was breached;
        without one they come from `streams["reach"]` and `streams["newcomers"]` (or `rng`)
        in turn.
        """
        self.n = n
        self.shape = grid_shape(n)
        self.p = p
        self.rng = rng
        streams = streams or {}
        self.churn_rng = streams.get("churn", rng)
        self.arrival_rng = streams.get("arrivals", rng)
        self.newcomer_rng = streams.get("newcomers", self.arrival_rng)
        self.reach_rng = streams.get("reach", rng)
        self.cell_keys = None if run_key is None else cell_keys(run_key, n)
        self.weeks = 0  # weekly updates so far: the counter of the cells' own draws
        self.channels = rng.random((n, N_CHANNELS)) < CHANNEL_USE
        self._ensure_a_channel(np.arange(n), rng)
        self._weights = np.empty((n, N_CHANNELS))
        self.channel_bits = np.zeros(n, dtype=np.int64)
        self._set_weights(slice(None))
        self.satisfaction = np.full(n, p["baseline_satisfaction"])
        self.expectation = np.zeros(n)  # set by `start` once experience is known
        self.active = np.ones(n, dtype=bool)
        self.active_count = n
        self.churned_this_week = 0
        self.joined_this_week = 0
        self.mean = p["baseline_satisfaction"]  # mean over active customers after `update`
        self._logit0 = math.log(p["baseline_satisfaction"] / (1 - p["baseline_satisfaction"]))
        self._grid_buffers()

    def set_baseline(self, baseline_satisfaction: float) -> None:
        """A new satisfaction for experience that just meets expectations, from now on."""
        self._logit0 = math.log(baseline_satisfaction / (1 - baseline_satisfaction))

    def _ensure_a_channel(self, rows: np.ndarray, rng: np.random.Generator) -> None:
        none = rows[~self.channels[rows].any(axis=1)]
        if none.size:
            self.channels[none, rng.integers(0, N_CHANNELS, none.size)] = True

    def _set_weights(self, rows) -> None:
        """Each customer weighs the channels it uses equally (looked up by its channels' bits)."""
        bits = self.channels[rows] @ CHANNEL_BITS
        self.channel_bits[rows] = bits
        self._weights[rows] = WEIGHTS_BY_BITS[bits]

    def experience(self, channel_quality: np.ndarray) -> np.ndarray:
        """Each customer's experience: the mean quality of the channels it uses."""
        return self._weights @ channel_quality

    def start(self, channel_quality: np.ndarray) -> None:
        """Expectations start where experience is: a running firm, not a new one."""
        self.expectation = self.experience(channel_quality).copy()

    def _grid_buffers(self) -> None:
        """Buffers of `_neighbour_mean`, allocated once: two layers (satisfaction, presence)
        on the grid, and the same padded by one cell each side for the torus wrap."""
        rows, cols = self.shape
        width = cols + 2
        cells = rows * cols
        self._flat = np.zeros(2 * cells)  # the unpadded layers, cells beyond n empty
        # Padded cell (layer, r, c) shows grid cell (layer, (r - 1) % rows, (c - 1) % cols):
        # one `take` fills the padded layers, wrap included.
        r = (np.arange(rows + 2) - 1) % rows
        c = (np.arange(width) - 1) % cols
        layer = np.arange(2)[:, None, None] * cells
        self._wrap = (layer + r[None, :, None] * cols + c[None, None, :]).ravel()
        self._padded = np.empty(self._wrap.size)
        self._band = np.empty(self._wrap.size - 2 * width)
        self._window = np.zeros(self._wrap.size)
        self._sums = np.empty(2 * cells)

    def _neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of the 8 Moore neighbours' values among active customers (torus).

        Both layers are summed over 3x3 windows at once, separably (rows, then columns),
        on the flat padded buffer: a row's neighbours are one padded row away, a column's
        one cell away, so each pass is two contiguous additions into a buffer kept from
        week to week. Every cell's sum is taken in the same order as ever (up, centre,
        down, then left, centre, right), so the results are the same to the bit.
        """
        rows, cols = self.shape
        n, width, cells = self.n, cols + 2, rows * cols
        flat, pad, band = self._flat, self._padded, self._band
        np.multiply(values, self.active, out=flat[:n])
        flat[cells : cells + n] = self.active
        np.take(flat, self._wrap, out=pad)
        np.add(pad[: -2 * width], pad[width:-width], out=band)  # band[k]: centre k + width
        band += pad[2 * width :]
        window = self._window[width + 1 : -width - 1]  # window[k]: centre k + width + 1
        np.add(band[:-2], band[1:-1], out=window)
        window += band[2:]
        inner = self._window.reshape(2, rows + 2, width)[:, 1:-1, 1:-1]
        sums = self._sums
        # the cell itself is not its own neighbour
        np.subtract(inner, flat.reshape(2, rows, cols), out=sums.reshape(2, rows, cols))
        total, count = sums[:n], sums[cells : cells + n]
        return np.divide(total, count, out=values.copy(), where=count > 0.5)

    def update(self, channel_quality: np.ndarray, breach_hits: np.ndarray | None) -> None:
        """One week for every customer: experience, expectations, word of mouth, churn, arrivals."""
        p = self.p
        x = self.experience(channel_quality)
        gap = x - self.expectation  # disconfirmation (Oliver 1980)
        target = gap * p["disconfirmation_gain"]
        target += self._logit0
        _logistic(target)
        s = self.satisfaction
        target -= s
        target *= p["satisfaction_smoothing"]
        s += target
        pull = self._neighbour_mean(s)
        pull -= s
        pull *= p["word_of_mouth"]
        s += pull
        if breach_hits is not None:
            s -= p["breach_hit"] * breach_hits
        np.minimum(s, 1.0, out=s)
        np.maximum(s, 0.0, out=s)
        gap *= p["expectation_adapt"]
        gap += p["expectation_drift"]
        self.expectation += gap

        hazard = p["churn_midpoint"] - s
        hazard /= p["churn_steepness"]
        _logistic(hazard)
        hazard *= p["churn_max"]
        leaving = self.churn_rng.random(self.n) < hazard
        leaving &= self.active
        self.churned_this_week = int(np.count_nonzero(leaving))
        self.active ^= leaving  # the leavers were active
        self.active_count -= self.churned_this_week

        mood = self.mean_satisfaction()
        arrival = (p["bass_innovation"] + p["bass_imitation"] * mood) / 52.0
        # One draw per cell every week, used by the empty ones: the same market whatever
        # the levers (common random numbers).
        chance = self.arrival_rng.random(self.n) < arrival
        np.greater(chance, self.active | leaving, out=chance)  # empty before this week's churn
        joining = np.flatnonzero(chance)
        self.joined_this_week = int(joining.size)
        if joining.size:
            self.active[joining] = True
            self.active_count += int(joining.size)
            self._newcomers(joining)
            self._set_weights(joining)
            s[joining] = mood
            self.expectation[joining] = x[joining] + p["expectation_drift"]
        self.mean = mood  # newcomers join at the market's mood, so the mean stays there
        self.weeks += 1

    def _newcomers(self, joining: np.ndarray) -> None:
        """The channels of the customers joining cells ``joining`` this week."""
        if self.cell_keys is None:
            self.channels[joining] = (
                self.newcomer_rng.random((joining.size, N_CHANNELS)) < CHANNEL_USE
            )
            self._ensure_a_channel(joining, self.newcomer_rng)
            return
        base = (N_CHANNELS + 1) * self.weeks
        if joining.size <= FEW_NEWCOMERS:
            rows = []
            for key in self.cell_keys[joining].tolist():
                one = [uniform(key, NEWCOMER, base + c) for c in range(N_CHANNELS + 1)]
                row = [one[c] < _CHANNEL_USE[c] for c in range(N_CHANNELS)]
                if not any(row):
                    row[int(one[N_CHANNELS] * N_CHANNELS)] = True
                rows.append(row)
            self.channels[joining] = rows
            return
        draws = [(NEWCOMER, base + c) for c in range(N_CHANNELS + 1)]
        u = uniforms_for(self.cell_keys[joining], draws)
        used = u[:, :N_CHANNELS] < CHANNEL_USE
        none = np.flatnonzero(~used.any(axis=1))
        if none.size:
            used[none, (u[none, N_CHANNELS] * N_CHANNELS).astype(np.int64)] = True
        self.channels[joining] = used

    def hit_by_breach(
        self, system_channels: np.ndarray, system_key: int = 0, week: int = 0
    ) -> np.ndarray:
        """Which active customers a breach of a system with these channels touches.

        With cell keys, each cell's own draw for this system (``system_key``) in model week
        ``week``; else the next uniform per cell of the reach stream.
        """
        touched = (self.channel_bits & int(system_channels @ CHANNEL_BITS)) != 0
        touched &= self.active
        if self.cell_keys is None:
            u = self.reach_rng.random(self.n)
        else:
            u = uniforms(self.cell_keys, REACH, week, salt=mix(system_key))
        touched &= u < self.p["breach_reach"]
        return touched

    def mean_satisfaction(self) -> float:
        """Mean over active customers (0 when all have left)."""
        if not self.active_count:
            return 0.0
        # einsum: no BLAS call (threads) and no temporary, at any size
        return (
            float(np.einsum("i,i->", self.satisfaction, self.active.view(np.uint8)))
            / self.active_count
        )


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
