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
from typing import Any

import numpy as np

from simulation.model.draws import key_of
from simulation.model.estate import draw_channels


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
    # Its own randomness, fixed when it is raised (`simulation.model.draws`): the key of its
    # choice and rework uniforms (its id off the run's base), and its review-work factor.
    key: int = 0
    review_draw: float = 1.0
    decisions: int = 0  # logit choices made for it so far (the counter of its choice draws)
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


def draw_requests(
    p: dict[str, Any], rng: np.random.Generator, week: int, first_id: int, key_base: int = 0
) -> list[Request]:
    """This week's new requests: marketing agents' (by agent), then IT's own (docs/ODD.md step 1).

    Every attribute is drawn column-wise from the request stream alone, and nothing here
    reads a lever, so two runs with one seed get the same requests (common random numbers).
    So is all the randomness a request meets later, a fixed number of draws per request: its
    review work factor here, and its choice and rework uniforms from its key (its id off the
    run's ``key_base``, `simulation.model.draws`); the stream's position never depends on
    what agents decided.
    """
    per_agent = rng.poisson(p["request_rate"], p["n_marketing"]).tolist()
    n_it = int(rng.poisson(p["request_rate"] * p["it_request_ratio"] * p["n_marketing"]))
    n = sum(per_agent) + n_it
    if n == 0:
        return []
    # A dozen requests a week: the owners as a list, not arrays built for so few.
    owners: list[int | None] = [i for i, k in enumerate(per_agent) for _ in range(k)]
    owners += [None] * n_it
    value = rng.lognormal(-0.125, 0.5, n)  # mean 1
    effort = rng.gamma(p["effort_shape"], p["effort_mean"] / p["effort_shape"], n)
    deadline = 2.0 + rng.exponential(max(p["deadline_mean"] - 2.0, 1e-9), n)
    needs_it = rng.random(n) < p["needs_it_share"]
    fit = rng.normal(0.0, 1.0, n)
    channels = draw_channels(n, p["channels_per_request"], rng)
    review = rng.exponential(1.0, n)
    columns = zip(
        owners,
        value.tolist(),
        effort.tolist(),
        deadline.tolist(),
        channels,
        needs_it.tolist(),
        fit.tolist(),
        review.tolist(),
        strict=True,
    )
    return [
        Request(
            first_id + i,
            owner,
            week,
            v,
            e,
            d,
            ch,
            it or owner is None,
            f,
            key_of(key_base, first_id + i),
            r,
        )
        for i, (owner, v, e, d, ch, it, f, r) in enumerate(columns)
    ]


def reached(week: int | None) -> int:
    """A week the request must have reached where it is read (None there is a bookkeeping bug)."""
    if week is None:
        raise ValueError("a request's week was read before the request reached it")
    return week


__all__ = ["Choice", "Motive", "Request", "Status", "draw_requests", "reached"]
