"""An adapter for the EMA Workbench (``pip install ema_workbench``): dtsim as an EMA ``Model``.

:func:`ema_model` returns an ``ema_workbench.Model`` whose function runs the dtsim model once
and returns the four headline outcomes. Its levers are the three leadership levers and its
uncertainties a few behavioural parameters, each over the range declared in
:data:`simulation.model.params.PARAMETERS` (or a narrower one given by the caller)::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from simulation.experiments.ema import ema_model

    model = ema_model(constants={"n_customers": 200, "weeks": 20})
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=4, policies=2)

The EMA Workbench is optional: this module imports it only when :func:`ema_model` is called.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from simulation.model.outputs import HEADLINE
from simulation.model.params import LEVERS, PARAMETERS

UNCERTAINTIES: tuple[str, ...] = ("request_rate", "shadow_bias", "w_trust", "change_budget")
"""Default uncertainties: demand, the pull of shadow tools, trust's weight, IT's budget."""


def run_dtsim(seed: int = 0, **params: Any) -> dict[str, float]:
    """One dtsim run with these parameters (others at their defaults): the headline outcomes."""
    from simulation.experiments.run import run_model

    _, summary = run_model(params, int(seed))
    return {key: float(summary[key]) for key in HEADLINE}


def import_ema() -> Any:
    """``ema_workbench``, imported without its notice about the optional ipyparallel."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel.*", category=UserWarning)
        import ema_workbench

    return ema_workbench


def _parameter(ema: Any, name: str, bounds: tuple[float, float] | None) -> Any:
    spec = PARAMETERS[name]
    low, high = bounds if bounds is not None else (spec.low, spec.high)
    if spec.kind is int:
        return ema.IntegerParameter(name, int(low), int(high))
    return ema.RealParameter(name, float(low), float(high))


def ema_model(
    uncertainties: Iterable[str] | Mapping[str, tuple[float, float]] = UNCERTAINTIES,
    levers: Iterable[str] | Mapping[str, tuple[float, float]] = LEVERS,
    constants: Mapping[str, Any] | None = None,
    seed: int = 0,
    name: str = "dtsim",
    replicates: int = 10,
) -> Any:
    """An ``ema_workbench`` model running dtsim; outcomes: the four headline outcomes.

    ``uncertainties`` and ``levers`` are parameter names (ranges from PARAMETERS) or a
    mapping name -> (low, high). ``constants`` fixes other parameters (e.g. a smaller
    ``n_customers`` or fewer ``weeks``). Every experiment runs ``replicates`` times with the
    seeds dtsim gives replicates of base seed ``seed`` (``replicate_seed(seed, r)``), the same
    in every experiment (common random numbers, as ``dtsim compare`` and sweeps): each
    headline outcome is the replicates' mean, and ``<outcome>_replicates`` the array of
    their values. ``replicates=1`` is one run of seed ``seed`` itself (a plain ``Model``).
    """
    import numpy as np

    from simulation.experiments.runner import replicate_seed

    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    ema = import_ema()

    def params(items: Iterable[str] | Mapping[str, tuple[float, float]]) -> list[Any]:
        if isinstance(items, Mapping):
            return [_parameter(ema, k, tuple(v)) for k, v in items.items()]
        return [_parameter(ema, k, None) for k in items]

    fixed = [ema.Constant(k, v) for k, v in (constants or {}).items()]
    if replicates == 1:
        model = ema.Model(name, function=run_dtsim)
        model.constants = [ema.Constant("seed", int(seed)), *fixed]
        model.outcomes = [ema.ScalarOutcome(key) for key in HEADLINE]
    else:
        model = ema.ReplicatorModel(name, function=run_dtsim)
        model.constants = fixed
        model.replications = [{"seed": replicate_seed(seed, r)} for r in range(replicates)]
        model.outcomes = [ema.ScalarOutcome(key, function=np.mean) for key in HEADLINE] + [
            ema.ArrayOutcome(f"{key}_replicates", variable_name=key) for key in HEADLINE
        ]
    model.uncertainties = params(uncertainties)
    model.levers = params(levers)
    return model


__all__ = ["UNCERTAINTIES", "ema_model", "import_ema", "run_dtsim"]
