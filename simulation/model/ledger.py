"""The run's books: totals over the recorded weeks, every launch, and rolling spend windows.

The model writes here as the week happens; the reporters read only these public fields
(and the week's counters on the model), so what an outcome is counted from is in one place.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import deque
from dataclasses import dataclass, field

TTM_WINDOW = 26
"""Weeks of launches behind the weekly time-to-market medians."""
SPEND_WINDOW = 52
"""Weeks of spending behind the weekly shadow spend share."""
TOTALS: tuple[str, ...] = (
    "raised_marketing",
    "raised_it",
    "breaches_official",
    "breaches_shadow",
    "deliveries",
    "reworks",
    "churned",
    "submitted",
    "dropped",
    "workarounds",
)
"""Counts summed over the recorded weeks (the shadow purchases' motives are added to them)."""


@dataclass
class Ledger:
    """Totals, launch records and spend windows of one run."""

    motives: tuple[str, ...] = ()
    totals: dict[str, int] = field(default_factory=dict)
    backlog_sum: float = 0.0  # official requests at IT, summed over recorded weeks (Little)
    first_recorded_request: int = 0  # index of the first request raised after the warm-up
    launch_week: list[int] = field(default_factory=list)  # recorded week of each launch
    launch_ttm: list[float] = field(default_factory=list)  # weeks from raising to launch
    launch_shadow: list[bool] = field(default_factory=list)  # launched as a shadow tool
    shadow_spend: deque[float] = field(default_factory=lambda: deque(maxlen=SPEND_WINDOW))
    total_spend: deque[float] = field(default_factory=lambda: deque(maxlen=SPEND_WINDOW))
    _ttm_week: int = -(10**9)
    _ttm: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reset(0)

    def reset(self, first_request: int) -> None:
        """Start the recorded weeks: the warm-up's totals are dropped, its launches kept."""
        self.totals = {name: 0 for name in (*TOTALS, *self.motives)}
        self.first_recorded_request = first_request
        self.backlog_sum = 0.0

    def record_launch(self, week: int, ttm: float, shadow: bool) -> None:
        self.launch_week.append(week)
        self.launch_ttm.append(ttm)
        self.launch_shadow.append(shadow)

    def record_spend(self, shadow: float, total: float) -> None:
        self.shadow_spend.append(shadow)
        self.total_spend.append(total)

    def shadow_spend_share(self) -> float:
        """Share of the trailing year's technology spend that went to shadow tools."""
        total = sum(self.total_spend)
        return sum(self.shadow_spend) / total if total > 0 else 0.0

    def launched_ttm(self, week: int, origin: str = "all") -> float:
        """Median weeks from request to launch over the launches of the trailing window."""
        if self._ttm_week != week:  # computed once a week for the three reporters
            start = bisect.bisect_left(self.launch_week, week - TTM_WINDOW + 1)
            ttm = self.launch_ttm[start:]
            shadow = self.launch_shadow[start:]
            official = [t for t, s in zip(ttm, shadow, strict=True) if not s]
            shadowed = [t for t, s in zip(ttm, shadow, strict=True) if s]
            self._ttm = {
                name: float(statistics.median(values)) if values else math.nan
                for name, values in (("all", ttm), ("official", official), ("shadow", shadowed))
            }
            self._ttm_week = week
        return self._ttm[origin]


__all__ = ["SPEND_WINDOW", "TOTALS", "TTM_WINDOW", "Ledger"]
