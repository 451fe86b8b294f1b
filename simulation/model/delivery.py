"""Delivery: the routes a request takes from marketing's choice to a live system or nowhere.

Official work is submitted (`submit`), passes review (work that grows with governance,
shrinks with collaboration), then waits in the build queue (ordered by age in silos, by value
under joint planning), is built by IT's teams or by an agency marketing pays, may be
reworked, and goes live. A shadow tool (`buy_shadow`) skips all of it and launches when set
up; a dropped or worked-around request (`drop`, `work_around`) never launches. The queues
stay on the model, where the conservation check and the app see them; this component moves
requests between them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulation.model.agents import ITAgent
from simulation.model.draws import REWORK, uniform
from simulation.model.estate import owner_code
from simulation.model.requests import Motive, Request, Status, reached

if TYPE_CHECKING:
    from simulation.model.agents import MarketingAgent
    from simulation.model.model import DigitalTransformationModel


class Delivery:
    """Routes marketing's choices, and moves official work from review to build, rework and launch."""

    def __init__(self, model: DigitalTransformationModel) -> None:
        self.model = model
        self.corner_cutting = 0.0  # 0..1, set by `build` each week (the capability trap)

    # --- the routes of marketing's channel choice (step 2) -------------------------------
    def submit(self, request: Request) -> None:
        """Send a request to IT: it waits for review first."""
        m = self.model
        p = m.p
        request.status = Status.REVIEW
        request.submitted = m.week_abs
        work = p["review_work"] * m.governance * (1 - p["review_collab_saving"] * m.collaboration)
        request.review_left = work * request.review_draw if work > 0 else 0.0
        m.review_queue.append(request)
        m.in_it += 1
        m.ledger.totals["submitted"] += 1

    def buy_shadow(self, request: Request, agent: MarketingAgent, reason: Motive) -> None:
        """Buy and set up a shadow tool for a request: fast, but outside IT's controls."""
        m = self.model
        p = m.p
        request.status = Status.BUILD
        request.shadow = True
        request.ready_at = m.week_abs + max(1, round(p["shadow_lead_weeks"]))
        agent.budget -= p["shadow_setup_cost"]
        m.ledger.spend_shadow += p["shadow_setup_cost"]
        m.shadow_setups.append(request)
        m.ledger.shadow_bought[reason] += 1
        m.ledger.events.append(("shadow purchase", reason))

    def drop(self, request: Request) -> None:
        """A deferred request whose deadline passed is dropped: the feature never comes."""
        m = self.model
        request.status = Status.DROPPED
        m.dropped_requests.append(request)
        m.ledger.dropped += 1

    def work_around(self, request: Request) -> None:
        """The work goes on in a personal tool or a spreadsheet by e-mail: nothing reaches
        customers, and a small, uncontrolled exposure joins the estate (docs/ODD.md section 8)."""
        m = self.model
        p = m.p
        request.status = Status.DROPPED
        m.dropped_requests.append(request)
        m.ledger.workarounds += 1
        hazard = p["vulnerability"] * p["workaround_exposure"]
        m.estate.add(True, owner_code(request.owner), request.channels, hazard, 0.0, request.key)
        m.ledger.events.append(("workaround", "personal tool or spreadsheet"))

    # --- IT's delivery (steps 3-6) -------------------------------------------------------
    def review(self) -> None:
        """The change board works its queue first come, first served, at finite capacity."""
        m = self.model
        capacity = m.p["review_capacity"]
        queue = m.review_queue
        while queue:
            request = queue[0]
            if request.review_left > capacity:
                request.review_left -= capacity
                break
            capacity -= request.review_left
            request.review_left = 0.0
            queue.popleft()
            self.approve(request)

    def approve(self, request: Request) -> None:
        """An approved request is built by IT, or by an agency marketing pays (under IT's rules)."""
        m = self.model
        p = m.p
        request.status = Status.BUILD
        request.effort_left = self.build_effort(request.effort)
        if request.owner is not None:
            agent = m.marketing[request.owner]
            cost = request.effort_left * p["agency_price"]
            reserve = p["campaign_allowance"] * p["budget_horizon"]
            if agent.budget - cost >= reserve:
                agent.budget -= cost
                m.ledger.spend_agency += cost
                request.agency = True
                request.ready_at = m.week_abs + max(
                    1, math.ceil(request.effort_left / p["team_rate"])
                )
                m.agency_work.append(request)
                return
        request.submitted_build = m.week_abs
        m.build_queue.append(request)

    def build_effort(self, effort: float) -> float:
        """Official work carries security controls (more with strictness) and is scoped
        jointly (less waste with collaboration)."""
        controls, scoping = self._effort_factors()
        return effort * controls * scoping

    def _effort_factors(self) -> tuple[float, float]:
        """The two factors of `build_effort`: security controls and joint scoping."""
        m = self.model
        p = m.p
        return (
            1 + p["controls_effort"] * m.governance,
            1 - p["scope_collab_saving"] * m.collaboration,
        )

    def build(self) -> None:
        """IT teams work the queue (first come first served in silos, by value when planning is joint)."""
        m = self.model
        self.corner_cutting = self.backlog_pressure()
        self.order_queue()
        m.agents_by_type[ITAgent].shuffle_do("work")
        m.ledger.it_worked = sum(team.worked_this_week for team in m.it_teams)
        still: list[Request] = []
        for request in m.agency_work:
            if reached(request.ready_at) <= m.week_abs:
                self.finish_build(request)
            else:
                still.append(request)
        m.agency_work = still

    def backlog_pressure(self) -> float:
        """0..1: how far the backlog pushes IT to cut corners (the capability trap).

        The backlog is all the work IT owes, as marketing sees it: requests still waiting
        for review count with their build effort, like those in the build queue.
        """
        m = self.model
        p = m.p
        work = sum(r.effort_left for r in m.build_queue) + sum(t.workload for t in m.it_teams)
        controls, scoping = self._effort_factors()
        work += sum(r.effort * controls * scoping for r in m.review_queue)  # `build_effort`
        backlog_weeks = work / max(m.it_capacity, 1e-9)
        return min(1.0, max(0.0, (backlog_weeks - p["pressure_onset"]) / p["pressure_span"]))

    def order_queue(self) -> None:
        """Priority blends age (silos) and value (joint planning) smoothly with collaboration."""
        m = self.model
        queue = m.build_queue
        if len(queue) < 2:
            return
        c = m.collaboration
        now = m.week_abs
        mean_age = sum(now - reached(r.submitted_build) + 1 for r in queue) / len(queue)
        mean_value = sum(r.value for r in queue) / len(queue)
        queue.sort(
            key=lambda r: (
                (1 - c) * (now - reached(r.submitted_build) + 1) / mean_age
                + c * r.value / mean_value
            )
        )  # highest priority last, so that `pop()` takes it

    def next_build_item(self) -> Request | None:
        m = self.model
        return m.build_queue.pop() if m.build_queue else None

    def add_migration(self, row: int) -> None:
        """IT's work to bring a found shadow tool (estate row `row`) under its controls.

        It is built like any approved request but never raised, reworked or launched: the
        tool turned official when it was found.
        """
        m = self.model
        p = m.p
        work = Request(
            None,
            None,
            m.week_abs,
            1.0,
            p["migration_effort"],
            0.0,
            m.estate.channels[row].copy(),
            True,
            0.0,
            status=Status.BUILD,
            effort_left=p["migration_effort"],
            migration_of=row,
        )
        work.submitted_build = m.week_abs
        m.build_queue.append(work)

    def finish_build(self, request: Request) -> None:
        m = self.model
        m.finished.append(request)

    def rework(self) -> None:
        """A delivery misses what marketing meant with a chance that falls with collaboration.

        The uniform is the request's own, its n-th for its n-th delivery.
        """
        m = self.model
        p = m.p
        chance = p["rework_prob"] * (1 - p["rework_collab_reduction"] * m.collaboration)
        chance += p["pressure_rework"] * self.corner_cutting
        done: list[Request] = []
        for request in m.finished:
            if request.is_migration or uniform(request.key, REWORK, request.reworks) >= chance:
                done.append(request)
                continue
            request.reworks += 1
            m.ledger.reworks += 1
            request.effort_left = self.build_effort(request.effort) * p["rework_effort_share"]
            if request.owner is not None:
                m.marketing[request.owner].learn_from_rework()
            if request.agency:
                request.ready_at = m.week_abs + max(
                    1, math.ceil(request.effort_left / p["team_rate"])
                )
                m.agency_work.append(request)
            else:
                m.build_queue.append(request)
        m.ledger.deliveries += len(m.finished)
        m.finished = done

    def launch(self) -> None:
        """Finished work goes live; the estate turns over as old systems retire."""
        m = self.model
        p = m.p
        m.estate.turn_over(m.week_abs)
        ready = m.held + m.finished
        m.finished = []
        still_setting_up: list[Request] = []
        for request in m.shadow_setups:
            (ready if reached(request.ready_at) <= m.week_abs else still_setting_up).append(request)
        m.shadow_setups = still_setting_up
        stop = p["delivery_stop_week"]
        if stop >= 0 and m.week >= stop:
            m.held = [r for r in ready if not r.is_migration]
            return
        m.held = []
        launching = [r for r in ready if not r.is_migration]  # migrations went official already
        if not launching:
            return
        official_hazard = m.security.official_hazard(self.corner_cutting)
        shadow_hazard = m.security.shadow_hazard()
        for request in launching:
            if not request.shadow:
                m.in_it -= 1
                if request.owner is not None:
                    m.marketing[request.owner].learn_from_launch(request, m.week_abs)
            request.status = Status.LAUNCHED
            request.launched = m.week_abs
            m.launched_requests.append(request)
            m.ledger.record_launch(m.week, m.week_abs - request.raised, request.shadow)
        shadow = np.array([r.shadow for r in launching])
        channels = np.array([r.channels for r in launching])
        m.estate.add_many(
            shadow,
            np.array([owner_code(r.owner) for r in launching]),
            channels,
            np.where(shadow, shadow_hazard, official_hazard),
            np.where(shadow, p["shadow_weekly_cost"], 0.0),
            np.array([r.key for r in launching], dtype=np.uint64),  # a system keeps its key
        )
        m.freshness += np.array([r.value for r in launching]) @ channels


__all__ = ["Delivery"]
