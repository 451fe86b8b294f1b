"""Money, where the user gives it: what the levers cost and what the outcomes are worth.

An experiment file may hold a ``[money]`` table. Nothing here is a default: without it no
money is invented, and the decision stays on weighted outcomes. With it, a setting's
**cost a year** is

    52 x (collaboration x its weekly cost + governance x its weekly cost
          + marketing_budget x its weekly cost)
    + breaches a year x the cost of a breach
    + churn a year x customers x the revenue lost with a churned customer

(a lever's cost is per week at the lever's full value, 1, and scales with it: an embedded
analyst at collaboration 1, the change board's hours at strictness 1). Valuation does not
change any run, so it is not part of a sweep's design: changing a price never reruns a run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MONEY_KEYS: dict[str, str] = {
    "unit": "the currency's name, for the tables (a short string, e.g. 'EUR')",
    "collaboration": "cost a week at collaboration 1 (joint planning, an embedded analyst)",
    "governance": "cost a week at strictness 1 (reviews, the change board's hours)",
    "marketing_budget": "cost a week at marketing_budget 1 (marketing's own tooling overhead)",
    "breach": "the cost of one security breach",
    "churned_customer": "the revenue lost with one churned customer",
}
LEVER_COSTS: tuple[str, ...] = ("collaboration", "governance", "marketing_budget")
MAX_AMOUNT = 1e15
"""No amount may exceed this (a typo, not a price)."""


@dataclass(frozen=True)
class Money:
    """Prices of the levers (per week at full strength) and values of the outcomes."""

    unit: str = "money"
    collaboration: float = 0.0
    governance: float = 0.0
    marketing_budget: float = 0.0
    breach: float = 0.0
    churned_customer: float = 0.0

    def lever_cost(self, lever: str) -> float:
        return float(getattr(self, lever))


def parse_money(table: Any, where: str, error: type[Exception]) -> Money:
    """The ``[money]`` table, checked: known keys, amounts finite and >= 0, a short unit."""
    if not isinstance(table, Mapping):
        raise error(
            f"{where}: money must be a table ([money]); allowed keys: {', '.join(MONEY_KEYS)}"
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in MONEY_KEYS:
            raise error(f"{where}: unknown key money.{key}; allowed: {', '.join(MONEY_KEYS)}")
        if key == "unit":
            if not isinstance(value, str) or not 0 < len(value.strip()) <= 12:
                raise error(
                    f"{where}: money.unit must be a short name (1-12 characters), e.g. 'EUR'"
                )
            values[key] = value.strip()
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 <= value <= MAX_AMOUNT
        ):
            raise error(
                f"{where}: money.{key} = {value!r} is not allowed; allowed: an amount >= 0 "
                f"and <= {MAX_AMOUNT:g} ({MONEY_KEYS[key]})"
            )
        values[key] = float(value)
    return Money(**values)


__all__ = ["LEVER_COSTS", "MONEY_KEYS", "Money", "parse_money"]
