"""The three kinds of agents and the request record they trade.

Marketing agents raise requests and choose, for each, IT, a shadow tool, to wait, or a
workaround (a multinomial logit choice, McFadden); they learn trust and expected waits from
what they live through.
IT agents are delivery teams working the official queue. Customer agents are views into
the array state of `simulation.model.customers` so that a user can inspect one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from simulation.model.customers import CustomerAgentMixin
from simulation.model.draws import CHOICE, uniform
from simulation.model.requests import Choice, Motive, Request, Status, reached

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel


class MarketingAgent(mesa.Agent):
    """A campaign or product manager who needs technology to meet deadlines."""

    def __init__(self, model: DigitalTransformationModel, index: int) -> None:
        super().__init__(model)
        p = model.p
        self.index = index
        self.trust = p["initial_trust"]
        self.expected_wait = model.initial_expected_wait
        self.habit = p["initial_shadow_share"]
        self.budget = model.tech_budget.allowance() * 4
        self.pending: list[Request] = []  # deferred: to be chosen again next week
        self.waiting: list[Request] = []  # with IT, not launched yet

    # --- step 2: channel choice ----------------------------------------------------------
    def choose_channels(self) -> None:
        """Send each pending request to IT, to a shadow tool, or wait (a logit choice)."""
        model = self.model
        still_pending: list[Request] = []
        for request in self.pending:
            if model.week_abs - request.raised > request.deadline:
                model.delivery.drop(request)
                continue
            choice = self._choose(request)
            if choice == Choice.IT:
                model.delivery.submit(request)
                self.waiting.append(request)
            elif choice == Choice.SHADOW:
                model.delivery.buy_shadow(request, self, self._shadow_reason(request))
            elif choice == Choice.WORKAROUND:
                model.delivery.work_around(request)
            else:
                still_pending.append(request)
        self.pending = still_pending

    def _utilities(self, request: Request) -> tuple[float, float | None, float, float]:
        """Utilities of IT, a shadow tool (None when not feasible), waiting, and a workaround.

        The shadow's utility follows the transaction-cost view of shadow IT (Zimmermann,
        Rentrop & Felden 2014): the log ratio of expected lead times, the fit gap, habit and
        money at hand for it; the chance of being caught and defecting on a partner against.
        A workaround (a personal tool, a spreadsheet by e-mail) is free and immediate but
        delivers nothing to customers: the fallback when IT cannot make the deadline.
        """
        p, model = self.model.p, self.model
        wait = max(self.expected_wait, 0.5)
        late = wait > request.deadline
        speed = p["w_wait"] * math.log(wait / p["shadow_lead_weeks"])
        loyalty = p["w_loyalty"] * model.collaboration
        # IT is less attractive when it cannot make the deadline, against every other option.
        v_it = p["w_trust"] * self.trust - p["w_late"] * late
        v_defer = p["defer_bias"]
        v_work = p["workaround_bias"] + speed - loyalty
        cost = p["shadow_setup_cost"] + p["shadow_weekly_cost"]
        if request.needs_it or self.budget < cost:
            return v_it, None, v_defer, v_work
        v_shadow = (
            p["shadow_bias"]
            + speed
            + p["w_fit"] * request.fit
            + p["w_habit"] * self.habit
            + p["w_budget"] * math.log1p(self.budget / max(cost, 1e-9))
            - p["w_deterrence"] * model.governance * model.security.catch_chance
            - loyalty
        )
        return v_it, v_shadow, v_defer, v_work

    def _choose(self, request: Request) -> Choice:
        """A multinomial logit draw among the feasible options.

        The uniform is the request's own, its n-th for its n-th decision, so a request meets
        the same draw in a run with other levers whatever was decided for the others.
        """
        v_it, v_shadow, v_defer, v_work = self._utilities(request)
        top = max(v_it, v_defer, v_work, v_shadow if v_shadow is not None else -math.inf)
        e_it = math.exp(v_it - top)
        e_shadow = math.exp(v_shadow - top) if v_shadow is not None else 0.0
        e_work = math.exp(v_work - top)
        e_defer = math.exp(v_defer - top)
        u = uniform(request.key, CHOICE, request.decisions) * (e_it + e_shadow + e_work + e_defer)
        request.decisions += 1
        if u < e_it:
            choice = Choice.IT
        elif u < e_it + e_shadow:
            choice = Choice.SHADOW
        elif u < e_it + e_shadow + e_work:
            choice = Choice.WORKAROUND
        else:
            return Choice.DEFER
        if v_shadow is not None:  # habit learns from real alternatives only
            rate = self.model.p["habit_learning"]
            self.habit += rate * ((choice == Choice.SHADOW) - self.habit)
        return choice

    def _shadow_reason(self, request: Request) -> Motive:
        """The motive recorded with a purchase: IT too slow, money at hand, or habit."""
        p = self.model.p
        if self.expected_wait > request.deadline:
            return Motive.TOO_SLOW
        cost = p["shadow_setup_cost"] + p["shadow_weekly_cost"]
        pull_budget = p["w_budget"] * math.log1p(self.budget / max(cost, 1e-9))
        pull_habit = p["w_habit"] * self.habit + p["w_fit"] * request.fit
        return Motive.BUDGET if pull_budget >= pull_habit else Motive.HABIT

    # --- step 10: trust and beliefs ------------------------------------------------------
    def learn_from_launch(self, request: Request, week: int) -> None:
        """An official delivery updates the expected wait and trust (moving averages)."""
        p = self.model.p
        lead = week - reached(request.submitted)
        self.expected_wait += p["wait_learning"] * (lead - self.expected_wait)
        # Satisfied in proportion to how much of the deadline the delivery kept.
        kept = min(1.0, request.deadline / max(week - request.raised, 1))
        self.trust += p["trust_learning"] * (kept - self.trust)

    def learn_from_rework(self) -> None:
        p = self.model.p
        self.trust += p["trust_learning"] * (0.3 - self.trust)

    def lose_trust(self, amount: float) -> None:
        self.trust = max(0.0, self.trust - amount)

    def update_beliefs(self) -> None:
        """Requests still waiting at IT push the expected wait up: 'IT still hasn't delivered'."""
        if not self.waiting:
            return
        week = self.model.week_abs
        self.waiting = [r for r in self.waiting if r.status != Status.LAUNCHED]
        if not self.waiting:
            return
        oldest = week - min(reached(r.submitted) for r in self.waiting)
        if oldest > self.expected_wait:
            rate = self.model.p["wait_learning"] / 4
            self.expected_wait += rate * (oldest - self.expected_wait)


class ITAgent(mesa.Agent):
    """A delivery team: works several items of the official queue, each at most at `team_rate`."""

    def __init__(self, model: DigitalTransformationModel) -> None:
        super().__init__(model)
        self.items: list[Request] = []  # work in hand
        self.worked_this_week = 0.0

    @property
    def workload(self) -> float:
        """Person-weeks left on the items in hand."""
        return sum(r.effort_left for r in self.items)

    def work(self) -> None:
        """Spend this week's capacity on the items in hand, then take the next in priority.

        One request absorbs at most `team_rate` a week (a feature is not built faster by a
        crowd), so a team holds as many items as its capacity can feed.
        """
        model = self.model
        capacity = model.capacity_per_team
        rate = model.p["team_rate"]
        worked = 0.0
        kept: list[Request] = []
        i = 0
        while capacity > 1e-12:
            if i == len(self.items):
                item = model.delivery.next_build_item()
                if item is None:
                    break
                self.items.append(item)
            item = self.items[i]
            done = capacity  # min(capacity, rate, item.effort_left), without the call
            if rate < done:
                done = rate
            if item.effort_left < done:
                done = item.effort_left
            item.effort_left -= done
            capacity -= done
            worked += done
            i += 1
        for item in self.items:
            if item.effort_left <= 1e-9:
                model.delivery.finish_build(item)
            else:
                kept.append(item)
        self.items = kept
        self.worked_this_week = worked


class CustomerAgent(CustomerAgentMixin, mesa.Agent):
    """One customer: a Mesa agent whose state lives in the population's arrays."""

    def __init__(self, model: DigitalTransformationModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @classmethod
    def create_views(cls, model: DigitalTransformationModel, n: int) -> list[CustomerAgent]:
        """The agents of customer rows 0..n-1, registered with the model as `__init__` does.

        Building 2,000 agents one by one costs more than the warm-up's customer updates:
        most of it is `Model.register_agent`'s signal wrapper and debug line, each called
        for an agent while nothing can observe a model still being built. So the first
        agent is made the ordinary way and the others get what `mesa.Agent.__init__` and
        `register_agent` give (the model, the next unique id, no position, a place in
        `model.agents` and `model.agents_by_type`, in order), with no signal sent.
        """
        if n == 0 or cls._datasets:  # Mesa data sets track agents: the ordinary way
            return [cls(model, i) for i in range(n)]
        agents = [cls(model, 0)]
        everyone, customers = model.agents, model.agents_by_type[cls]
        unique_id = model.agent_id_counter
        for index in range(1, n):
            agent = cls.__new__(cls)
            agent.model = model
            agent.unique_id = unique_id
            agent.pos = None
            agent.index = index
            everyone.add(agent)
            customers.add(agent)
            agents.append(agent)
            unique_id += 1
        model.agent_id_counter = unique_id
        return agents
