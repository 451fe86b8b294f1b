"""Figures of a calibration: the posterior, each target's predictive values against its band,
and the ABC-SMC diagnostics (tolerance, acceptance rate, effective sample size)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.experiments.targets import Targets
from simulation.viz.style import OKABE_ITO, save_figure


def posterior_figure(posterior: pd.DataFrame, targets: Targets, folder: Path) -> list[Path]:
    """Weighted marginals on the diagonal, pairwise scatter (size by weight) below it."""
    names = list(targets.priors)
    k = len(names)
    w = posterior["weight"].to_numpy()
    # 1.6 inches a panel: 14 parameters make a 23-inch page, about 2 MB at the house DPI
    fig, axes = plt.subplots(k, k, figsize=(1.6 * k + 1, 1.6 * k + 0.5), squeeze=False)
    for i, row in enumerate(names):
        for j, col in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                low, high = targets.priors[row]
                ax.hist(posterior[row], bins=20, range=(low, high), weights=w, color=OKABE_ITO[0])
                ax.set_yticks([])
            else:
                ax.scatter(
                    posterior[col],
                    posterior[row],
                    s=150 * w / w.max() + 2,
                    alpha=0.6,
                    color=OKABE_ITO[1],
                    linewidths=0,
                )
                ax.set_xlim(targets.priors[col])
                ax.set_ylim(targets.priors[row])
            if i == k - 1:
                ax.set_xlabel(col)
            if j == 0 and i > 0:
                ax.set_ylabel(row)
    fig.suptitle("Posterior (last generation; x range = prior)", parse_math=False)
    fig.tight_layout()
    paths = save_figure(fig, folder, "posterior")
    plt.close(fig)
    return paths


def predictive_figure(predictive: pd.DataFrame, targets: Targets, folder: Path) -> list[Path]:
    """Each target: the weighted spread of its simulated values, and its band."""
    n = len(targets.targets)
    fig, ax = plt.subplots(figsize=(7, 0.6 * n + 1.5))
    w = predictive["weight"].to_numpy()
    for y, target in enumerate(targets.targets):
        values = predictive[target.name].to_numpy(float)
        scale = target.scale
        centre = (target.low + target.high) / 2
        x = (values - centre) / scale  # in units of the band's width
        ax.scatter(x, np.full_like(x, y), s=300 * w / w.max() + 4, alpha=0.5, color=OKABE_ITO[0])
        half = (target.high - target.low) / 2 / scale
        ax.plot(
            [-half, half] if half > 0 else [-1, 1], [y, y], color="black", linewidth=3, alpha=0.4
        )
    ax.set_yticks(range(n), [t.name for t in targets.targets])
    ax.set_xlabel(
        "simulated value: distance from the band's centre\nin band widths (grey: the band)"
    )
    ax.set_title("Posterior predictive values against their targets", parse_math=False)
    fig.tight_layout()
    paths = save_figure(fig, folder, "predictive")
    plt.close(fig)
    return paths


def diagnostics_figure(populations: pd.DataFrame, folder: Path) -> list[Path]:
    """Tolerance, acceptance rate and effective sample size per generation."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 3))
    g = populations["generation"]
    for ax, column, label in zip(
        axes,
        ("tolerance", "acceptance", "ess"),
        ("tolerance", "acceptance rate", "effective sample size"),
        strict=True,
    ):
        ax.plot(g, populations[column], marker="o", color=OKABE_ITO[2])
        ax.set_xlabel("generation")
        ax.set_title(label, parse_math=False)
    fig.tight_layout()
    paths = save_figure(fig, folder, "abc_diagnostics")
    plt.close(fig)
    return paths


__all__ = ["diagnostics_figure", "posterior_figure", "predictive_figure"]
