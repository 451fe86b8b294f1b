"""Leadership's levers during a run: as set, as moved by adaptive leaders, and as ramped by
interventions.

The agents read the levers in force from the model (``collaboration``, ``governance``,
``marketing_budget``); this component keeps the levers as leadership set them apart from
what a reactive CIO or a budget-claiming CMO adds on top (docs/ODD.md step 12), and runs the
scenario's interventions, so a lever changes in one place only (:meth:`Leadership.set_lever`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.model.interventions import FIXED_AT_START, Intervention
from simulation.model.params import LEVERS, ParameterError, check_value

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel


class Leadership:
    """The set levers, the adaptive leaders' moves on top, and the interventions' ramps."""

    def __init__(self, model: DigitalTransformationModel) -> None:
        self.model = model
        self.governance_set: float = model.governance
        self.marketing_budget_set: float = model.marketing_budget
        self.cio_extra = 0.0  # strictness a reactive CIO added on top of the set lever
        self.cmo_extra = 0.0  # budget share a CMO claimed on top of the set lever
        self.ramps: list[tuple[Intervention, dict[str, float]]] = []
        self.events_ahead: list[tuple[str, str]] = []  # noted before the week they start

    def take_events(self) -> list[tuple[str, str]]:
        """The events noted ahead of this week (interventions), to open its feed."""
        events, self.events_ahead = self.events_ahead, []
        return events

    def adapt(self) -> None:
        """Optional adaptive leaders move the effective levers, then let them relax back.

        A reactive CIO tightens governance after each breach; a CMO claims budget while
        marketing expects IT to miss its deadlines. Both are off by default (rates 0).
        """
        m = self.model
        p = m.p
        if p["cio_reactivity"] > 0 or self.cio_extra > 0:
            breaches = m.ledger.breaches_official + m.ledger.breaches_shadow
            extra = self.cio_extra * (1 - 1 / p["cio_relax_weeks"]) + p["cio_reactivity"] * breaches
            self.cio_extra = min(extra, 1.0 - self.governance_set)
            m.governance = self.governance_set + self.cio_extra
        if p["cmo_budget_push"] > 0 or self.cmo_extra > 0:
            waiting_too_long = sum(a.expected_wait > p["deadline_mean"] for a in m.marketing)
            missing = waiting_too_long / len(m.marketing)
            room = 1.0 - m.marketing_budget
            extra = self.cmo_extra * (1 - 1 / p["cmo_relax_weeks"])
            extra += p["cmo_budget_push"] * missing * room
            self.cmo_extra = min(extra, 1.0 - self.marketing_budget_set)
            m.marketing_budget = self.marketing_budget_set + self.cmo_extra
        m.set_budget()

    def set_lever(self, name: str, value: float) -> None:
        """Change a lever (or any parameter not fixed at the start) between steps.

        The one public way to change a parameter during a run, used by interventions, the
        teaching app and adaptive leaders; it changes what agents face from the next week on
        and never resets any state.
        """
        m = self.model
        if name in FIXED_AT_START:
            raise ParameterError(f"{name} is fixed when the run starts and cannot change during it")
        value = check_value(name, value)
        m.p[name] = value
        if name == "collaboration":
            m.collaboration = value
        elif name == "governance":
            self.governance_set = value
            self.cio_extra = min(self.cio_extra, 1.0 - value)
            m.governance = value + self.cio_extra
        elif name == "marketing_budget":
            self.marketing_budget_set = value
            self.cmo_extra = min(self.cmo_extra, 1.0 - value)
            m.marketing_budget = value + self.cmo_extra
        elif name in ("official_life_weeks", "shadow_life_weeks"):
            m.estate.set_lives(m.p["official_life_weeks"], m.p["shadow_life_weeks"])
        elif name == "baseline_satisfaction":
            m.customers.set_baseline(value)
        m.set_budget()

    def apply_interventions(self, week: int) -> None:
        """Start the interventions due in recorded week `week` and advance running ramps."""
        m = self.model
        for intervention in m.interventions:
            if intervention.week == week:
                before = {
                    name: self.lever_set(name) if name in LEVERS else m.p[name]
                    for name in intervention.changes
                }
                # A newer intervention takes over its parameters from any ramp still running.
                for _, older in self.ramps:
                    for name in intervention.changes:
                        older.pop(name, None)
                self.ramps.append((intervention, before))
                self.events_ahead.append(
                    ("intervention", intervention.label or "parameters changed")
                )
        still: list[tuple[Intervention, dict[str, float]]] = []
        for intervention, before in self.ramps:
            for name, old in before.items():
                self.set_lever(name, intervention.value(name, old, week))
            if week < intervention.week + intervention.ramp_weeks - 1:
                still.append((intervention, before))
        self.ramps = still

    def lever_set(self, name: str) -> float:
        """A lever as leadership set it (before any adaptive leader's move)."""
        m = self.model
        return {
            "collaboration": m.collaboration,
            "governance": self.governance_set,
            "marketing_budget": self.marketing_budget_set,
        }[name]


__all__ = ["Leadership"]
