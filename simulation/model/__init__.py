"""The model layer: parameters, agents, customers, the estate and the weekly cycle.

It imports nothing from the layers above it (experiments, analysis, viz, report, app, cli).
``DigitalTransformationModel`` is loaded on first use so that importing the parameters
(as ``dtsim --help`` does) does not import Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel

__all__ = ["DigitalTransformationModel"]


def __getattr__(name: str) -> Any:
    if name == "DigitalTransformationModel":
        from simulation.model.model import DigitalTransformationModel

        return DigitalTransformationModel
    raise AttributeError(f"module 'simulation.model' has no attribute {name!r}")
