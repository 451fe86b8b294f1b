"""The model: a firm whose marketing and IT agents deliver technology to customers.

`DigitalTransformationModel.step` is one week and reads like ``docs/ODD.md`` section 3:
each numbered step there is a method here of the same name, which hands the work to the
agents or to a component: `Delivery` (the routes of step 2, steps 3-6), `Security` (7-8),
`Budget` (11), `Leadership` (12 and the interventions), with the week's events counted in
the `Ledger`. No outcome is computed from the levers: the levers only set how the agents'
options look (utilities, review work, capacity, controls, discovery), and the outcomes are
counted from what the agents did.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import mesa
import numpy as np

from simulation.model.agents import CustomerAgent, ITAgent, MarketingAgent
from simulation.model.budget import Budget
from simulation.model.customers import CustomerPopulation, steady_freshness
from simulation.model.delivery import Delivery
from simulation.model.draws import keys
from simulation.model.estate import N_CHANNELS, Estate
from simulation.model.interventions import Intervention, parse
from simulation.model.ledger import Ledger
from simulation.model.levers import Leadership
from simulation.model.params import resolve
from simulation.model.reporters import WeeklyCollector
from simulation.model.requests import Motive, Request, Status, draw_requests
from simulation.model.security import Security

# Each source of randomness draws from its own stream, spawned from the run's seed, a fixed
# number of draws per week, request, system or customer cell, so that two runs with the same
# seed and different levers stay in step (common random numbers): the same request arrivals,
# the same churn and arrival draws for every customer cell. What happens to a request or a
# system later (its choices, review work, reworks, retirement, discovery, breaches and their
# reach) is drawn by its identity (`simulation.model.draws`) from a key it got when it was
# raised or built, never in turn from a shared stream.
STREAMS = (
    "requests",  # arrivals and attributes of requests, and each request's own key
    "estate",  # the starting estate and its systems' keys
    "customers",  # the starting customers
    "churn",  # which customers leave
    "arrivals",  # which empty cells new customers fill (one draw per cell every week)
    "keys",  # the run's bases of the keys of requests, starting systems and customer cells
)


class DigitalTransformationModel(mesa.Model):
    """Marketing, IT and customer agents under three leadership levers.

    Parameters are those of `simulation.model.params.PARAMETERS`, by keyword; ``rng`` seeds every
    random draw of the run (Mesa 3), so a seed and a parameter set fix every number.
    """

    def __init__(
        self,
        rng: int | np.random.Generator | None = None,
        interventions: Iterable[Mapping[str, Any]] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(rng=rng)
        self.p = p = resolve(params)
        self.interventions: list[Intervention] = parse(interventions, p["weeks"])
        self.streams = self._spawn_streams()
        # The levers the agents face this week; `leadership` holds them as leadership set
        # them, the adaptive leaders' moves on top, and the interventions' ramps.
        self.collaboration: float = p["collaboration"]
        self.governance: float = p["governance"]
        self.marketing_budget: float = p["marketing_budget"]
        self.leadership = Leadership(self)
        self.levers_now = (self.collaboration, self.governance, self.marketing_budget)
        self.week_abs = 0  # weeks since the start, warm-up included
        self.week = -p["warmup_weeks"]  # recorded week: 1..weeks after each step
        self.initial_expected_wait = p["initial_expected_wait"]

        self.requests: list[Request] = []
        self.review_queue: deque[Request] = deque()
        self.build_queue: list[Request] = []
        self.agency_work: list[Request] = []
        self.finished: list[Request] = []
        self.shadow_setups: list[Request] = []
        self.held: list[Request] = []  # finished but not launched (delivery stopped)
        self.launched_requests: list[Request] = []  # live: every launch, in order
        self.dropped_requests: list[Request] = []  # never delivered: dropped or worked around
        self.in_it = 0  # official requests submitted and not launched yet (Little's law)
        self.ledger = Ledger(motives=tuple(Motive))
        # The week's split of the technology budget, written by `tech_budget` (docs/ODD.md).
        self.change_budget = self.it_spend = self.it_capacity = self.capacity_per_team = 0.0
        self.tech_budget = Budget(self)
        self.delivery = Delivery(self)
        self.security = Security(self)
        self.set_budget()
        self.marketing = [MarketingAgent(self, i) for i in range(p["n_marketing"])]
        self.it_teams = [ITAgent(self) for _ in range(p["n_it"])]
        hazards = self.security.official_hazard(0.0), self.security.shadow_hazard()
        # The bases of the identities' keys (simulation.model.draws): requests, the starting
        # systems, customer cells.
        self.key_bases = [int(k) for k in keys(self.streams["keys"], 3)]
        self.estate = Estate.of_running_firm(
            p, self.streams["estate"], *hazards, key_base=self.key_bases[1]
        )
        self.freshness = np.full(N_CHANNELS, steady_freshness(p))
        self.customers = CustomerPopulation(
            p["n_customers"], p, self.streams["customers"], self.streams, self.key_bases[2]
        )
        self.customers.start(self.channel_quality())
        self.customer_agents = CustomerAgent.create_views(self, p["n_customers"])

        for _ in range(p["warmup_weeks"]):
            self.cycle()
        self.ledger.reset(len(self.requests))
        self.datacollector = WeeklyCollector()

    # --- set-up --------------------------------------------------------------------------
    def _spawn_streams(self) -> dict[str, np.random.Generator]:
        """One generator per source of randomness, each a child of the run's seed sequence."""
        root = self.rng.bit_generator.seed_seq
        return {
            name: np.random.default_rng(
                np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i))
            )
            for i, name in enumerate(STREAMS)
        }

    # --- the weekly cycle (docs/ODD.md section 3) ----------------------------------------
    def step(self) -> None:
        """One recorded week: scheduled interventions first, then the weekly cycle."""
        self.apply_interventions(self.week + 1)
        self.cycle()
        self.datacollector.collect(self)
        if self.week >= self.p["weeks"]:
            self.running = False

    def run(self) -> None:
        """All the recorded weeks of the run."""
        while self.week < self.p["weeks"]:
            self.step()

    def cycle(self) -> None:
        """The twelve steps of a week, in order (docs/ODD.md section 3)."""
        self.week_abs += 1
        self.week += 1
        # The levers in force this week (after interventions; adaptive leaders move them at
        # the end of the week, for the next one).
        self.levers_now = (self.collaboration, self.governance, self.marketing_budget)
        self.ledger.new_week(self.leadership.take_events())  # interventions open the feed
        self.raise_requests()
        self.choose_channels()
        self.review()
        self.build()
        self.rework()
        self.launch()
        self.discover()
        self.breaches()
        self.update_customers()
        self.update_beliefs()
        self.allocate_budget()
        self.adapt_leaders()
        self.ledger.account(self.customers.churned_this_week, self.in_it, self.it_spend)

    # 1 ---------------------------------------------------------------------------------
    def raise_requests(self) -> None:
        """Marketing agents raise requests (`draw_requests`); IT submits its own at once."""
        new = draw_requests(
            self.p, self.streams["requests"], self.week_abs, len(self.requests), self.key_bases[0]
        )
        self.requests += new
        raised_it = 0
        for request in new:
            if request.owner is not None:
                self.marketing[request.owner].pending.append(request)
            else:
                self.delivery.submit(request)
                raised_it += 1
        self.ledger.raised_it = raised_it
        self.ledger.raised_marketing = len(new) - raised_it

    # 2 ---------------------------------------------------------------------------------
    def choose_channels(self) -> None:
        """Each marketing agent, in random order, routes its pending requests."""
        self.agents_by_type[MarketingAgent].shuffle_do("choose_channels")

    # 3 ---------------------------------------------------------------------------------
    def review(self) -> None:
        """The change board works its queue first come, first served (`Delivery.review`)."""
        self.delivery.review()

    # 4 ---------------------------------------------------------------------------------
    def build(self) -> None:
        """IT teams and agencies build approved work (`Delivery.build`)."""
        self.delivery.build()

    # 5 ---------------------------------------------------------------------------------
    def rework(self) -> None:
        """Some deliveries miss what marketing meant and go back (`Delivery.rework`)."""
        self.delivery.rework()

    # 6 ---------------------------------------------------------------------------------
    def launch(self) -> None:
        """The estate turns over, then finished work goes live (`Delivery.launch`)."""
        self.delivery.launch()

    # 7 ---------------------------------------------------------------------------------
    def discover(self) -> None:
        """IT finds shadow tools and migrates or shuts them down (`Security.discover`)."""
        self.security.discover()

    # 8 ---------------------------------------------------------------------------------
    def breaches(self) -> None:
        """Live systems may be breached, hitting customers and trust (`Security.breaches`)."""
        self.security.breaches()

    # 9 ---------------------------------------------------------------------------------
    def channel_quality(self) -> np.ndarray:
        """Experience a channel offers: fresh features, less the fragmentation shadow tools cause."""
        p = self.p
        fresh = 1.0 - np.exp(-self.freshness / p["freshness_scale"])
        return fresh - p["fragmentation_penalty"] * self.estate.shadow_by_channel()

    def update_customers(self) -> None:
        """Customers' satisfaction, churn and arrivals, as array operations."""
        self.freshness *= 1.0 - self.p["freshness_decay"]
        self.customers.update(self.channel_quality(), self.security.breach_hits)

    # 10 --------------------------------------------------------------------------------
    def update_beliefs(self) -> None:
        """Marketing revises its expected IT wait from requests still waiting."""
        self.agents_by_type[MarketingAgent].do("update_beliefs")

    # 11 --------------------------------------------------------------------------------
    def set_budget(self) -> None:
        """Split the change budget between IT's capacity and marketing (`Budget.split`)."""
        self.tech_budget.split()

    def allocate_budget(self) -> None:
        """Allowances accrue, shadow subscriptions are billed or lapse (`Budget.allocate`)."""
        self.tech_budget.allocate()

    # 12 --------------------------------------------------------------------------------
    def adapt_leaders(self) -> None:
        """Optional reactive CIO and budget-claiming CMO (`Leadership.adapt`)."""
        self.leadership.adapt()

    # --- levers that change during a run -----------------------------------------------
    def set_lever(self, name: str, value: float) -> None:
        """The one public way to change a parameter between steps (`Leadership.set_lever`)."""
        self.leadership.set_lever(name, value)

    def apply_interventions(self, week: int) -> None:
        """Interventions due in recorded week `week`, and running ramps (`Leadership`)."""
        self.leadership.apply_interventions(week)

    def lever_set(self, name: str) -> float:
        """A lever as leadership set it (before any adaptive leader's move)."""
        return self.leadership.lever_set(name)


CONTAINERS: dict[str, str] = {
    "pending": Status.DEFERRED,
    "review_queue": Status.REVIEW,
    "build_queue": Status.BUILD,
    "in_hand": Status.BUILD,
    "agency_work": Status.BUILD,
    "finished": Status.BUILD,
    "shadow_setups": Status.BUILD,
    "held": Status.BUILD,
    "launched": Status.LAUNCHED,
    "dropped": Status.DROPPED,
}
"""Every place a raised request can sit, and the status a request there has."""


def requests_by_container(model: DigitalTransformationModel) -> dict[str, list[Request]]:
    """The raised requests in each container of :data:`CONTAINERS` (IT's migrations left out:
    they are IT's own work on a found tool, never raised)."""
    places: dict[str, list[Request]] = {
        "pending": [r for agent in model.marketing for r in agent.pending],
        "review_queue": list(model.review_queue),
        "build_queue": model.build_queue,
        "in_hand": [r for team in model.it_teams for r in team.items],
        "agency_work": model.agency_work,
        "finished": model.finished,
        "shadow_setups": model.shadow_setups,
        "held": model.held,
        "launched": model.launched_requests,
        "dropped": model.dropped_requests,
    }
    return {name: [r for r in rs if not r.is_migration] for name, rs in places.items()}


def count_by_container(model: DigitalTransformationModel) -> dict[str, int]:
    """How many raised requests sit in each container; with ``raised``, all ever raised.

    Request conservation: the containers hold every raised request exactly once, so their
    counts add up to ``raised`` (checked by counting where requests are, not their status).
    """
    counts = {name: len(rs) for name, rs in requests_by_container(model).items()}
    counts["raised"] = len(model.requests)
    return counts
