"""dtsim: an agent-based model of marketing-IT collaboration in digital transformation.

The public API is loaded on first use, so that ``dtsim --help`` and ``import simulation``
stay light (no Mesa, pandas or matplotlib until a model or a plot is needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "DigitalTransformationModel": "simulation.model.model",
    "summarize": "simulation.model.reporters",
    "PARAMETERS": "simulation.model.params",
    "LEVERS": "simulation.model.params",
    "load_scenario": "simulation.experiments.scenarios",
    "list_scenarios": "simulation.experiments.scenarios",
    "run_scenario": "simulation.experiments.runner",
    "load_results": "simulation.experiments.store",
    "load_series": "simulation.experiments.store",
    "run_sweep": "simulation.experiments.sweep",
    "load_experiment": "simulation.experiments.experiment",
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
    from simulation.experiments.experiment import load_experiment
    from simulation.experiments.runner import run_scenario
    from simulation.experiments.scenarios import list_scenarios, load_scenario
    from simulation.experiments.store import load_results, load_series
    from simulation.experiments.sweep import run_sweep
    from simulation.model.model import DigitalTransformationModel
    from simulation.model.params import LEVERS, PARAMETERS
    from simulation.model.reporters import summarize


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
