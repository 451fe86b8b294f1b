"""The run's books: this week's events, totals over the recorded weeks, every launch, and
rolling spend windows.

The model and its components count here as the week happens; the reporters read only these
public fields (and the model's state), so what an outcome is counted from is in one place.
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
    """The week's counters, and the totals, launch records and spend windows of one run."""

    motives: tuple[str, ...] = ()
    # This week's events, zeroed by `new_week`.
    raised_marketing: int = 0
    raised_it: int = 0
    shadow_bought: dict[str, int] = field(default_factory=dict)  # purchases by motive
    breaches_official: int = 0
    breaches_shadow: int = 0
    deliveries: int = 0
    reworks: int = 0
    spend_shadow: float = 0.0
    spend_agency: float = 0.0
    found: int = 0
    dropped: int = 0
    workarounds: int = 0
    migrated: int = 0
    shut_down: int = 0
    it_worked: float = 0.0  # person-weeks IT's teams worked
    events: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail), the feed
    # The run's books.
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
        self.new_week([])
        self.reset(0)

    def new_week(self, events: list[tuple[str, str]]) -> None:
        """Zero this week's counters; `events` (noted before the week began) open its feed."""
        self.raised_marketing = 0
        self.raised_it = 0
        self.shadow_bought = {motive: 0 for motive in self.motives}
        self.breaches_official = 0
        self.breaches_shadow = 0
        self.deliveries = 0
        self.reworks = 0
        self.spend_shadow = 0.0
        self.spend_agency = 0.0
        self.found = 0
        self.dropped = 0
        self.workarounds = 0
        self.migrated = 0
        self.shut_down = 0
        self.it_worked = 0.0
        self.events = events

    def reset(self, first_request: int) -> None:
        """Start the recorded weeks: the warm-up's totals are dropped, its launches kept."""
        self.totals = {name: 0 for name in (*TOTALS, *self.motives)}
        self.first_recorded_request = first_request
        self.backlog_sum = 0.0

    def record_launch(self, week: int, ttm: float, shadow: bool) -> None:
        self.launch_week.append(week)
        self.launch_ttm.append(ttm)
        self.launch_shadow.append(shadow)

    def account(self, churned: int, in_it: int, it_spend: float) -> None:
        """Fold this week's events into the run's totals and rolling windows.

        ``churned`` is the customers who left, ``in_it`` the official requests at IT and
        ``it_spend`` IT's money this week: state kept elsewhere that the books need.
        """
        t = self.totals
        t["raised_marketing"] += self.raised_marketing
        t["raised_it"] += self.raised_it
        t["breaches_official"] += self.breaches_official
        t["breaches_shadow"] += self.breaches_shadow
        t["deliveries"] += self.deliveries
        t["reworks"] += self.reworks
        t["churned"] += churned
        t["dropped"] += self.dropped
        t["workarounds"] += self.workarounds
        for reason, count in self.shadow_bought.items():
            t[reason] += count
        self.backlog_sum += in_it
        self.shadow_spend.append(self.spend_shadow)
        self.total_spend.append(self.spend_shadow + it_spend + self.spend_agency)

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
