"""The technology budget: IT's share funds delivery capacity, marketing's share its own spending.

Budget control (the ``marketing_budget`` lever) decides the split; collaboration wins a larger
budget and costs coordination (docs/ODD.md steps 11 and the budget submodel). The component
writes what the agents and reporters read on the model: ``change_budget``, ``it_spend``,
``it_capacity`` and ``capacity_per_team``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel


class Budget:
    """Splits the change budget each week and pays marketing's allowances and bills."""

    def __init__(self, model: DigitalTransformationModel) -> None:
        self.model = model

    def split(self) -> None:
        """Split the change budget: IT's part funds capacity, marketing's its own spending.

        Jointly developed plans win more support (evolving-roles), so collaboration raises the
        total granted; coordination costs a share of IT's capacity (alignment).
        """
        m = self.model
        p = m.p
        m.change_budget = p["change_budget"] * (1 + p["budget_collab_bonus"] * m.collaboration)
        it_money = p["n_it"] * p["it_core_capacity"] + (1 - m.marketing_budget) * m.change_budget
        m.it_spend = it_money
        m.it_capacity = it_money * (1 - p["coordination_cost"] * m.collaboration)
        m.capacity_per_team = m.it_capacity / p["n_it"]

    def allowance(self) -> float:
        """Money one marketing agent receives each week: its share of the change budget and campaign money."""
        m = self.model
        p = m.p
        return m.marketing_budget * m.change_budget / p["n_marketing"] + p["campaign_allowance"]

    def allocate(self) -> None:
        """Weekly money: allowances accrue (capped), shadow subscriptions are billed or lapse."""
        m = self.model
        p, e = m.p, m.estate
        self.split()
        allowance = self.allowance()
        cap = allowance * p["budget_horizon"]
        rows = np.flatnonzero(e.shadow[: e.size] & e.alive[: e.size])  # live shadow tools
        n = p["n_marketing"]
        bills = np.bincount(e.owner[rows], weights=e.weekly_cost[rows], minlength=n).tolist()
        spent = 0.0
        for index, (agent, bill) in enumerate(zip(m.marketing, bills, strict=True)):
            budget = min(agent.budget + allowance, max(cap, agent.budget))
            if bill > budget:
                bill = self._lapse(index, rows, bill, budget)
            agent.budget = budget - bill
            spent += bill
        m.ledger.spend_shadow += spent

    def _lapse(self, owner: int, shadow_rows: np.ndarray, bill: float, budget: float) -> float:
        """The owner cannot pay: its tools lapse, one by one, until it can. Returns the bill."""
        m = self.model
        e = m.estate
        for row in shadow_rows[e.owner[shadow_rows] == owner].tolist():
            e.retire(np.array([row]))
            bill -= float(e.weekly_cost[row])
            if bill <= budget:
                break
        return max(bill, 0.0)


__all__ = ["Budget"]
