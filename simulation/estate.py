"""The estate: every live system (a launched request), official or shadow, as arrays.

Systems are records, not agents: hundreds live at once and each week every one of them
may be breached, found or retired, so their state is kept column-wise and updated with
array operations. Rows of dead systems are compacted away when they pile up.
"""

from __future__ import annotations

import numpy as np

N_CHANNELS = 4
CHANNELS = ("web", "mobile", "store", "social")


class Estate:
    """Column store of systems; ``alive`` marks the rows in use."""

    def __init__(self, capacity: int = 512) -> None:
        self.size = 0
        self._alloc(capacity)

    def _alloc(self, capacity: int) -> None:
        self.alive = np.zeros(capacity, dtype=bool)
        self.shadow = np.zeros(capacity, dtype=bool)
        self.owner = np.full(capacity, -1, dtype=np.int64)
        self.channels = np.zeros((capacity, N_CHANNELS), dtype=bool)
        self.hazard = np.zeros(capacity, dtype=float)
        self.weekly_cost = np.zeros(capacity, dtype=float)

    def _columns(self) -> tuple[str, ...]:
        return ("alive", "shadow", "owner", "channels", "hazard", "weekly_cost")

    def add(
        self,
        shadow: bool,
        owner: int,
        channels: np.ndarray,
        hazard: float,
        weekly_cost: float,
    ) -> int:
        """Append one live system; returns its row."""
        if self.size == self.alive.size:
            self._grow()
        i = self.size
        self.alive[i] = True
        self.shadow[i] = shadow
        self.owner[i] = owner
        self.channels[i] = channels
        self.hazard[i] = hazard
        self.weekly_cost[i] = weekly_cost
        self.size += 1
        return i

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
        alive = self.alive[: self.size]
        return int(alive.sum()), int((alive & self.shadow[: self.size]).sum())

    def shadow_by_channel(self) -> np.ndarray:
        """Share of each channel's live systems that are shadow (not integrated)."""
        alive = self.alive[: self.size]
        ch = self.channels[: self.size]
        total = (ch & alive[:, None]).sum(axis=0)
        shadow = (ch & (alive & self.shadow[: self.size])[:, None]).sum(axis=0)
        return np.divide(shadow, total, out=np.zeros(N_CHANNELS), where=total > 0)

    def retire(self, rows: np.ndarray) -> None:
        self.alive[rows] = False

    def make_official(self, rows: np.ndarray, hazard: float) -> None:
        """A migrated shadow tool joins the official estate with official controls."""
        self.shadow[rows] = False
        self.hazard[rows] = hazard
        self.weekly_cost[rows] = 0.0
