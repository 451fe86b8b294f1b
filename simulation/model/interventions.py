"""Interventions: parameters that change during a run ("a CDO arrives in week 52").

An intervention sets one or more parameters from a recorded week on, at once or along a
linear ramp. The model applies them through `DigitalTransformationModel.set_lever`, the one
public way to change a parameter between steps; nothing else about the run is reset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulation.model.params import PARAMETERS, ParameterError, check_value

# Parameters that shape the run itself (sizes, start-up state, the F7 stop) are fixed at
# construction; every other parameter may change during a run.
FIXED_AT_START: frozenset[str] = frozenset(
    {
        "n_marketing",
        "n_it",
        "n_customers",
        "weeks",
        "warmup_weeks",
        "initial_systems",
        "initial_shadow_share",
        "initial_trust",
        "initial_expected_wait",
        "delivery_stop_week",
    }
)
CHANGEABLE: tuple[str, ...] = tuple(name for name in PARAMETERS if name not in FIXED_AT_START)
KEYS = ("week", "label", "ramp_weeks")


@dataclass(frozen=True)
class Intervention:
    """From recorded week `week` on, the parameters in `changes` take their new values,
    reached linearly over `ramp_weeks` weeks (0: at once)."""

    week: int
    changes: dict[str, float]
    label: str = ""
    ramp_weeks: int = 0
    _order: int = field(default=0, compare=False, repr=False)

    def value(self, name: str, old: float, week: int) -> float:
        """The value of `name` in recorded week `week`, given its value `old` before."""
        new = self.changes[name]
        if self.ramp_weeks <= 0 or week >= self.week + self.ramp_weeks - 1:
            return new
        done = (week - self.week + 1) / self.ramp_weeks
        return old + (new - old) * done

    def as_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "label": self.label,
            "ramp_weeks": self.ramp_weeks,
            **self.changes,
        }


def parse(items: Iterable[Mapping[str, Any]] | None, weeks: int) -> list[Intervention]:
    """Validate intervention tables; raises ParameterError naming the entry and the key.

    Each table has `week` (1..weeks), an optional `label` and `ramp_weeks` (the ramp must end
    by the last week), and at least one parameter from CHANGEABLE with its new value.
    """
    out: list[Intervention] = []
    for i, item in enumerate(items or ()):
        where = f"interventions[{i}]"
        if isinstance(item, Intervention):
            item = item.as_dict()
        if not isinstance(item, Mapping):
            raise ParameterError(f"{where} must be a table, got {item!r}")
        week = item.get("week")
        if isinstance(week, bool) or not isinstance(week, int):
            raise ParameterError(
                f"{where}.week must be an integer week in [1, {weeks}], got {week!r}"
            )
        if not 1 <= week <= weeks:
            raise ParameterError(f"{where}.week = {week} is outside the run; allowed [1, {weeks}]")
        label = item.get("label", "")
        if not isinstance(label, str):
            raise ParameterError(f"{where}.label must be a string, got {label!r}")
        ramp = item.get("ramp_weeks", 0)
        if isinstance(ramp, bool) or not isinstance(ramp, int) or ramp < 0:
            raise ParameterError(
                f"{where}.ramp_weeks must be a whole number of weeks >= 0, got {ramp!r}"
            )
        if ramp and week + ramp - 1 > weeks:
            raise ParameterError(
                f"{where}.ramp_weeks = {ramp} runs past the end of the run (week {week} + {ramp} "
                f"weeks > {weeks}); allowed at most {weeks - week + 1}"
            )
        changes: dict[str, float] = {}
        for key, value in item.items():
            if key in KEYS:
                continue
            if key in FIXED_AT_START:
                raise ParameterError(
                    f"{where}.{key} is fixed when the run starts and cannot change during it"
                )
            if key not in PARAMETERS:
                raise ParameterError(
                    f"{where}: unknown parameter {key!r}; allowed: week, label, ramp_weeks and the "
                    f"parameters of simulation/model/params.py"
                )
            try:
                changes[key] = check_value(key, value)
            except ParameterError as exc:
                raise ParameterError(f"{where}.{exc}") from None
        if not changes:
            raise ParameterError(f"{where} changes no parameter; add e.g. collaboration = 0.7")
        out.append(Intervention(week, changes, label, ramp, i))
    return sorted(out, key=lambda x: (x.week, x._order))
