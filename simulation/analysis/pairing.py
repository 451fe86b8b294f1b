"""How much common random numbers narrow the interval of an effect: paired against independent.

A comparison of two settings at the same seeds is paired (the t-interval of the run-by-run
differences); the same comparison with seeds that share nothing is independent (Welch's
interval). Their ratio is what pairing buys: a ratio of 3 means a third of the replicates'
width, or a ninth of the replicates, for the same precision.

One block of ``seeds`` replicates gives a noisy ratio (at 12 seeds it moves by a factor of two
from one block to the next), so :func:`pairing_widths` averages the half-widths over
``blocks`` blocks: block *b*'s paired interval uses its own runs of both settings, its
independent interval the second setting's runs of block *b + 1* (a cycle), so no run is
spent on the independent side only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulation.stats import paired_interval, welch_interval


def pairing_widths(
    summary: pd.DataFrame, low: str, high: str, outcomes: Sequence[str], seeds: int
) -> pd.DataFrame:
    """Per outcome: the mean paired and independent 95% half-widths over blocks, and their ratio.

    ``summary`` holds replicates 0 .. k * seeds - 1 of scenarios ``low`` and ``high`` (same
    seeds, one row per replicate: `simulation.experiments.runner.run_specs`), k >= 2 blocks.
    Columns: outcome, blocks, paired, independent, ratio (independent / paired; inf when
    every paired difference is equal).
    """
    a = summary[summary["scenario"] == low].sort_values("replicate")
    b = summary[summary["scenario"] == high].sort_values("replicate")
    if len(a) != len(b) or not np.array_equal(a["replicate"], b["replicate"]):
        raise ValueError(f"{low!r} and {high!r} must have the same replicates")
    blocks = len(a) // seeds
    if blocks < 2:
        raise ValueError(f"need at least 2 blocks of {seeds} replicates, got {len(a)}")
    rows = []
    for key in outcomes:
        x, y = a[key].to_numpy(float), b[key].to_numpy(float)
        paired, independent = [], []
        for k in range(blocks):
            here = slice(k * seeds, (k + 1) * seeds)
            other = slice(((k + 1) % blocks) * seeds, ((k + 1) % blocks + 1) * seeds)
            _, p_low, p_high, _ = paired_interval(x[here], y[here])
            _, w_low, w_high = welch_interval(x[here], y[other])
            paired.append((p_high - p_low) / 2)
            independent.append((w_high - w_low) / 2)
        p, w = float(np.mean(paired)), float(np.mean(independent))
        rows.append(
            {
                "outcome": key,
                "blocks": blocks,
                "paired": p,
                "independent": w,
                "ratio": w / p if p > 0 else float("inf"),
            }
        )
    return pd.DataFrame(rows)


def in_step(
    low: Mapping[str, Any], high: Mapping[str, Any], seed: int
) -> tuple[float, float, float]:
    """Whether a wide paired difference is the draws parting or the effect itself differing.

    Runs both settings at one seed: the share of the requests raised in both runs that end in
    the same state, and each run's mean IT backlog. Most requests alike with a large
    difference means the runs stayed in step and the lever's effect is large at this seed,
    which common random numbers cannot narrow; runs that part mean the draws stopped pairing.
    """
    from simulation.model.model import DigitalTransformationModel

    runs = []
    for params in (low, high):
        model = DigitalTransformationModel(rng=seed, **params)
        model.run()
        runs.append(model)
    a, b = ({r.id: r.status for r in m.requests} for m in runs)
    shared = set(a) & set(b)
    same = float(np.mean([a[i] == b[i] for i in shared]))
    backlog = [float(m.datacollector.get_model_vars_dataframe()["it_backlog"].mean()) for m in runs]
    return same, backlog[0], backlog[1]


__all__ = ["in_step", "pairing_widths"]
