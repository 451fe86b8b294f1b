"""The request record marketing and IT trade, and the words for where it is and why.

A request is raised by a marketing agent (``owner`` its index) or by IT itself (``owner``
None); IT's migration of a found shadow tool is work of the same shape that was never
raised (``migration_of`` the estate row, ``id`` None). A week the request has not reached
yet (sent to IT, ready, in the build queue, live) is None, so that using it is an error
rather than arithmetic on a sentinel. Statuses, channel choices and
shadow-purchase motives are `StrEnum`s: they compare equal to their strings, so frames and
files keep the words they always had.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """Where a request is; every raised request sits in exactly one container of its status."""

    DEFERRED = "deferred"  # with its marketing agent, to be chosen again next week
    REVIEW = "review"  # in the change board's queue
    BUILD = "build"  # being built: by IT, an agency, or set up as a shadow tool
    LAUNCHED = "launched"
    DROPPED = "dropped"  # never delivered: its deadline passed, or worked around


class Choice(StrEnum):
    """A marketing agent's options for a pending request (a multinomial logit draw)."""

    IT = "it"
    SHADOW = "shadow"
    WORKAROUND = "workaround"
    DEFER = "defer"


class Motive(StrEnum):
    """Why a shadow tool was bought (partnering: slow approval is one motive among several)."""

    TOO_SLOW = "too_slow"
    BUDGET = "budget"
    HABIT = "habit"


@dataclass(slots=True, eq=False)
class Request:
    """A technology request: a campaign site, an app feature, a martech tool."""

    id: int | None  # index in the model's raised requests; None for a migration
    owner: int | None  # marketing agent's index; None for IT's own work
    raised: int  # model week it was raised
    value: float
    effort: float  # person-weeks
    deadline: float  # weeks after raising
    channels: np.ndarray
    needs_it: bool  # touches systems of record: no shadow tool can serve it
    fit: float  # own-tool preference, drawn once (partnering: half prefer their own tool)
    status: Status = Status.DEFERRED
    shadow: bool = False
    submitted: int | None = None  # week sent to IT
    review_left: float = 0.0
    effort_left: float = 0.0
    ready_at: int | None = None  # week a shadow tool or an agency build is ready
    reworks: int = 0
    agency: bool = False
    migration_of: int | None = None  # estate row of the shadow tool IT migrates
    submitted_build: int | None = None  # week it joined IT's build queue
    launched: int | None = None  # week it went live

    @property
    def is_migration(self) -> bool:
        return self.migration_of is not None


def reached(week: int | None) -> int:
    """A week the request must have reached where it is read (None there is a bookkeeping bug)."""
    if week is None:
        raise ValueError("a request's week was read before the request reached it")
    return week


__all__ = ["Choice", "Motive", "Request", "Status", "reached"]
