"""The values each output can take, which intervals respect (clipped to them).

Every output of the model is a count, a rate, a duration or a share: none is below 0 and
shares are at most 1. Kept here, beside the analyses that use it, rather than in
``simulation/model/outputs.py``: it changes no run, and the model's code hash (which covers
``simulation/model/``) stays the identity of what computes the numbers.
"""

from __future__ import annotations

from simulation.model.outputs import SUMMARY

UNIT_RANGES: dict[str, tuple[float, float]] = {
    "0..1": (0.0, 1.0),
    "0/1": (0.0, 1.0),
    "share": (0.0, 1.0),
    "count": (0.0, float("inf")),
    "per week": (0.0, float("inf")),
    "per year": (0.0, float("inf")),
    "requests": (0.0, float("inf")),
    "weeks": (0.0, float("inf")),
}
"""The range of each unit the outputs are declared in."""

RANGES: dict[str, tuple[float, float]] = {o.name: UNIT_RANGES[o.unit] for o in SUMMARY}
"""The range of each summary output."""

__all__ = ["RANGES", "UNIT_RANGES"]
