"""The estate: every live system (a launched request), official or shadow, as arrays.

Systems are records, not agents: hundreds live at once and each week every one of them
may be breached, found or retired, so their state is kept column-wise and updated with
array operations. Rows of dead systems are compacted away when they pile up.

Each system has a key (its identity, `simulation.model.draws`): the system a request's launch
(or workaround) adds keeps the request's key, so the same request's system is the same
system in a run with other levers, and its weekly draws (retirement here, discovery and
breaches in `simulation.model.security`) are the same whatever else is live.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulation.model.draws import RETIRE, key_of, uniforms

N_CHANNELS = 4
CHANNELS = ("web", "mobile", "store", "social")


NO_OWNER = -1
"""The owner column of a system no marketing agent owns (IT's own): an array has no None."""


def owner_code(owner: int | None) -> int:
    """A request's owner as the estate's owner column stores it."""
    return NO_OWNER if owner is None else owner


def draw_channels(n: int, channels_per_request: float, rng: np.random.Generator) -> np.ndarray:
    """The channels of ``n`` new requests or systems (n x 4, bool): how many, then which.

    1 + Binomial(3, (channels_per_request - 1) / 3) channels each, chosen uniformly (the
    ranks of uniform keys), so that the mean is ``channels_per_request``.
    """
    k = 1 + rng.binomial(N_CHANNELS - 1, (channels_per_request - 1) / (N_CHANNELS - 1), n)
    keys = rng.random((n, N_CHANNELS))
    return keys.argsort(axis=1).argsort(axis=1) < k[:, None]


class Estate:
    """Column store of systems; ``alive`` marks the rows in use."""

    def __init__(
        self, capacity: int = 512, official_life: float = 120.0, shadow_life: float = 78.0
    ) -> None:
        """Lives are mean weeks before a system is retired (geometric)."""
        self.official_rate = 1.0 / official_life
        self.shadow_rate = 1.0 / shadow_life
        self.size = 0
        self.additions = 0  # calls of `add` and `add_many`: rows may have moved since
        self._alloc(capacity)
        # Running counts of live systems per channel, all and shadow, kept by every change
        # below so that the weekly channel experience needs no scan of the estate.
        self.live_per_channel = np.zeros(N_CHANNELS)
        self.shadow_per_channel = np.zeros(N_CHANNELS)
        self.live_count = 0
        self.shadow_count = 0

    @classmethod
    def of_running_firm(
        cls,
        p: dict[str, Any],
        rng: np.random.Generator,
        official_hazard: float,
        shadow_hazard: float,
        key_base: int = 0,
    ) -> Estate:
        """A running firm's estate: official systems and some shadow tools (docs/ODD.md section 5).

        A model that started with no systems would show a start-up transient for months.
        System ``i``'s key is `key_of` (``key_base``, ``i``).
        """
        estate = cls(
            max(512, 2 * p["initial_systems"]), p["official_life_weeks"], p["shadow_life_weeks"]
        )
        n = p["initial_systems"]
        shadow = rng.random(n) < p["initial_shadow_share"]
        channels = draw_channels(n, p["channels_per_request"], rng)
        owners = rng.integers(0, p["n_marketing"], n)
        key = np.array([key_of(key_base, i) for i in range(n)], dtype=np.uint64)
        estate.add_many(  # one write per column, not one `add` per system
            shadow,
            np.where(shadow, owners, NO_OWNER),
            channels,
            np.where(shadow, shadow_hazard, official_hazard),
            np.where(shadow, p["shadow_weekly_cost"], 0.0),
            key,
        )
        return estate

    def set_lives(self, official_life: float, shadow_life: float) -> None:
        """New mean lives apply to every live system from now on."""
        self.official_rate = 1.0 / official_life
        self.shadow_rate = 1.0 / shadow_life
        rows = self.live_rows()
        self.retire_rate[rows] = np.where(self.shadow[rows], self.shadow_rate, self.official_rate)

    def _alloc(self, capacity: int) -> None:
        self.alive = np.zeros(capacity, dtype=bool)
        self.shadow = np.zeros(capacity, dtype=bool)
        self.owner = np.full(capacity, NO_OWNER, dtype=np.int64)
        self.channels = np.zeros((capacity, N_CHANNELS), dtype=bool)
        self.hazard = np.zeros(capacity, dtype=float)
        self.weekly_cost = np.zeros(capacity, dtype=float)
        self.retire_rate = np.zeros(capacity, dtype=float)
        self.key = np.zeros(capacity, dtype=np.uint64)

    def _columns(self) -> tuple[str, ...]:
        return (
            "alive",
            "shadow",
            "owner",
            "channels",
            "hazard",
            "weekly_cost",
            "retire_rate",
            "key",
        )

    def add(
        self,
        shadow: bool,
        owner: int,
        channels: np.ndarray,
        hazard: float,
        weekly_cost: float,
        key: int,
    ) -> int:
        """Append one live system (``key`` its identity); returns its row."""
        if self.size == self.alive.size:
            self._grow()
        i = self.size
        self.alive[i] = True
        self.shadow[i] = shadow
        self.owner[i] = owner
        self.channels[i] = channels
        self.hazard[i] = hazard
        self.weekly_cost[i] = weekly_cost
        self.retire_rate[i] = self.shadow_rate if shadow else self.official_rate
        self.key[i] = key
        self.size += 1
        self.additions += 1
        self.live_per_channel += channels
        self.live_count += 1
        if shadow:
            self.shadow_per_channel += channels
            self.shadow_count += 1
        return i

    def add_many(
        self,
        shadow: np.ndarray,
        owner: np.ndarray,
        channels: np.ndarray,
        hazard: np.ndarray,
        weekly_cost: np.ndarray,
        key: np.ndarray,
    ) -> None:
        """Append this week's launches at once (one array write per column)."""
        k = shadow.size
        while self.size + k > self.alive.size:
            self._grow()
        rows = slice(self.size, self.size + k)
        self.alive[rows] = True
        self.shadow[rows] = shadow
        self.owner[rows] = owner
        self.channels[rows] = channels
        self.hazard[rows] = hazard
        self.weekly_cost[rows] = weekly_cost
        self.retire_rate[rows] = np.where(shadow, self.shadow_rate, self.official_rate)
        self.key[rows] = key
        self.size += k
        self.additions += 1
        self.live_per_channel += channels.sum(axis=0)
        self.shadow_per_channel += channels[shadow].sum(axis=0)
        self.live_count += k
        self.shadow_count += int(np.count_nonzero(shadow))

    def _grow(self) -> None:
        """Compact dead rows away; double the capacity only when most rows are live."""
        live = np.nonzero(self.alive[: self.size])[0]
        old = {name: getattr(self, name) for name in self._columns()}
        capacity = self.alive.size if live.size < self.alive.size // 2 else 2 * self.alive.size
        self._alloc(capacity)
        for name, column in old.items():
            getattr(self, name)[: live.size] = column[live]
        self.size = live.size

    # --- views used every week -----------------------------------------------------------
    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive[: self.size])

    def counts(self) -> tuple[int, int]:
        """(live systems, live shadow systems)."""
        return self.live_count, self.shadow_count

    def shadow_by_channel(self) -> np.ndarray:
        """Share of each channel's live systems that are shadow (not integrated)."""
        total = self.live_per_channel
        return np.divide(self.shadow_per_channel, total, out=np.zeros(N_CHANNELS), where=total > 0)

    def turn_over(self, week: int) -> None:
        """Each live system retires with its weekly rate (geometric lives): its own draw of
        model week ``week``."""
        if self.live_count == 0:
            return
        # Drawn for every row in use, dead ones too (their draws go unused): fewer array
        # operations than picking the live rows out first, and the same draws for these.
        n = self.size
        gone = uniforms(self.key[:n], RETIRE, week) < self.retire_rate[:n]
        gone &= self.alive[:n]
        self.retire(np.flatnonzero(gone))

    def retire(self, rows: np.ndarray) -> None:
        """Live rows leave the estate."""
        if rows.size == 0:
            return
        channels = self.channels[rows]
        shadow = self.shadow[rows]
        self.live_per_channel -= channels.sum(axis=0)
        self.shadow_per_channel -= channels[shadow].sum(axis=0)
        self.live_count -= int(rows.size)
        self.shadow_count -= int(np.count_nonzero(shadow))
        self.alive[rows] = False

    def make_official(self, rows: np.ndarray, hazard: float) -> None:
        """A migrated shadow tool joins the official estate with official controls."""
        self.shadow_per_channel -= self.channels[rows].sum(axis=0)
        self.shadow_count -= int(rows.size)
        self.shadow[rows] = False
        self.hazard[rows] = hazard
        self.weekly_cost[rows] = 0.0
        self.retire_rate[rows] = self.official_rate
