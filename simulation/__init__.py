"""dtsim: an agent-based model of marketing-IT collaboration in digital transformation.

The public API is loaded on first use, so that ``dtsim --help`` and ``import simulation``
stay light (no Mesa, pandas or matplotlib until a model or a plot is needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "DigitalTransformationModel": "simulation.model",
    "summarize": "simulation.reporters",
    "PARAMETERS": "simulation.params",
    "LEVERS": "simulation.params",
    "load_scenario": "simulation.scenarios",
    "list_scenarios": "simulation.scenarios",
    "run_scenario": "simulation.runner",
    "load_results": "simulation.results",
    "load_series": "simulation.results",
    "run_sweep": "simulation.sweep",
    "load_experiment": "simulation.experiment",
}

__all__ = [
    "LEVERS",
    "PARAMETERS",
    "DigitalTransformationModel",
    "__version__",
    "list_scenarios",
    "load_experiment",
    "load_results",
    "load_scenario",
    "load_series",
    "run_scenario",
    "run_sweep",
    "summarize",
]

if TYPE_CHECKING:
    from simulation.experiment import load_experiment
    from simulation.model import DigitalTransformationModel
    from simulation.params import LEVERS, PARAMETERS
    from simulation.reporters import summarize
    from simulation.results import load_results, load_series
    from simulation.runner import run_scenario
    from simulation.scenarios import list_scenarios, load_scenario
    from simulation.sweep import run_sweep


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
