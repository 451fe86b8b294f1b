"""The figure of a sensitivity analysis: Sobol' indices or Morris effects per outcome."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.model.outputs import SUMMARY_LABELS
from simulation.viz.style import DPI, OKABE_ITO


def sensitivity_figure(table: pd.DataFrame, method: str, title: str | None = None) -> Figure:
    """One panel per outcome: horizontal bars per parameter with 95% whiskers.

    Sobol': S1 (blue) and ST (vermillion) side by side; Morris: mu* (blue) with sigma as a
    black diamond. Okabe-Ito colours, told apart by hatching as well.
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    names = list(dict.fromkeys(table["parameter"]))
    cols = 2 if len(outcomes) > 1 else 1
    rows = math.ceil(len(outcomes) / cols)
    fig = Figure(figsize=(5.2 * cols, 0.45 * len(names) * rows + 1.6 * rows + 0.6), dpi=DPI)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    y = np.arange(len(names))
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = table[table["outcome"] == outcome].set_index("parameter").loc[names]
        label, unit = SUMMARY_LABELS.get(outcome, (outcome, ""))
        if method == "sobol":
            h = 0.38
            for k, (key, colour, hatch) in enumerate(
                (("S1", OKABE_ITO[0], ""), ("ST", OKABE_ITO[1], "//"))
            ):
                ax.barh(
                    y + (k - 0.5) * h,
                    part[key],
                    height=h,
                    xerr=part[f"{key}_conf"],
                    color=colour,
                    hatch=hatch,
                    edgecolor="white",
                    ecolor="#333333",
                    capsize=3,
                    label={"S1": "first order S1", "ST": "total order ST"}[key],
                )
            ax.set_xlabel("Sobol' index (share of variance)")
            ax.axvline(0, color="#555555", lw=0.8)
        else:
            ax.barh(
                y,
                part["mu_star"],
                height=0.6,
                xerr=part["mu_star_conf"],
                color=OKABE_ITO[0],
                ecolor="#333333",
                capsize=3,
                label="mu* (mean |effect|)",
            )
            ax.plot(part["sigma"], y, "D", color=OKABE_ITO[6], ms=5, label="sigma")
            ax.set_xlabel(f"elementary effect ({unit})" if unit else "elementary effect")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_title(label.strip(), fontsize=10)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="lower right")
    what = (
        "Sobol' indices, 95% intervals"
        if method == "sobol"
        else "Morris mu* (95% interval) and sigma"
    )
    fig.suptitle(f"{title}: {what}" if title else what, fontsize=11, parse_math=False)
    fig.set_layout_engine("constrained")
    return fig


__all__ = ["sensitivity_figure"]
