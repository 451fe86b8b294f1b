"""The figure of scenario discovery: PRIM's peeling trajectory and the chosen box."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from simulation.analysis.discovery import Discovery
from simulation.viz.style import DPI, OKABE_ITO


def discovery_figure(found: Discovery) -> Figure:
    """Left: the peeling trajectory; right: the box over the two most restricted parameters."""
    trajectory = found.result.trajectory
    fig = Figure(figsize=(11, 4.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    counts = sorted(trajectory["n_restricted"].unique())
    for i, k in enumerate(counts):
        part = trajectory[trajectory["n_restricted"] == k]
        left.scatter(
            part["coverage"],
            part["density"],
            color=OKABE_ITO[i % len(OKABE_ITO)],
            s=22,
            label=f"{k} restricted",
            zorder=2,
        )
    left.plot(trajectory["coverage"], trajectory["density"], color="#999999", lw=0.6, zorder=1)
    chosen = found.row
    left.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=170,
        facecolors="none",
        edgecolors="black",
        linewidths=1.6,
        zorder=3,
        label=f"chosen box (step {found.step})",
    )
    left.axhline(found.min_density, color="#555555", ls="--", lw=0.8)
    left.text(
        0.02,
        found.min_density,
        f" min density {found.min_density:g}",
        va="bottom",
        fontsize="small",
        transform=left.get_yaxis_transform(),
    )
    left.set_xlabel("coverage (share of cases of interest in the box)")
    left.set_ylabel("density (share of the box's cases of interest)")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(-0.02, 1.05)
    left.grid(alpha=0.3, lw=0.5)
    left.spines[["top", "right"]].set_visible(False)
    left.legend(fontsize="small", frameon=False, loc="lower left")
    left.set_title("PRIM peeling trajectory", fontsize="medium")

    box = found.box()
    cases = found.cases
    spans = (box["high"] - box["low"]) / (
        np.array([cases[p].max() - cases[p].min() for p in box["parameter"]], dtype=float) + 1e-300
    )
    order = box.assign(span=spans.to_numpy()).sort_values("span", kind="stable")
    names = list(order["parameter"][:2])
    rng = np.random.default_rng(0)
    xs = cases[names[0]].to_numpy(dtype=float)
    # one varied parameter: spread the cases vertically, for visibility only
    ys = cases[names[1]].to_numpy(dtype=float) if len(names) > 1 else rng.uniform(0, 1, len(cases))
    jitter: list[Any] = []
    for values in (xs, ys):
        width = float(np.ptp(values)) or 1.0
        repeated = len(np.unique(values)) < len(values)
        jitter.append(rng.uniform(-0.012, 0.012, len(values)) * width if repeated else 0.0)
    interest = cases["of_interest"].to_numpy()
    right.scatter(
        xs[~interest] + (jitter[0][~interest] if np.ndim(jitter[0]) else 0),
        ys[~interest] + (jitter[1][~interest] if np.ndim(jitter[1]) else 0),
        s=6,
        color="#bbbbbb",
        label="other cases",
        zorder=1,
    )
    right.scatter(
        xs[interest] + (jitter[0][interest] if np.ndim(jitter[0]) else 0),
        ys[interest] + (jitter[1][interest] if np.ndim(jitter[1]) else 0),
        s=8,
        color=OKABE_ITO[1],
        label="cases of interest",
        zorder=2,
    )
    limits = box.set_index("parameter")
    x0, x1 = float(limits.loc[names[0], "low"]), float(limits.loc[names[0], "high"])
    pad_x = 0.025 * (float(np.ptp(xs)) or 1.0)
    if len(names) > 1:
        y0, y1 = float(limits.loc[names[1], "low"]), float(limits.loc[names[1], "high"])
        pad_y = 0.025 * (float(np.ptp(ys)) or 1.0)
    else:
        y0, y1, pad_y = 0.0, 1.0, 0.03
    right.add_patch(
        Rectangle(
            (x0 - pad_x, y0 - pad_y),
            x1 - x0 + 2 * pad_x,
            y1 - y0 + 2 * pad_y,
            fill=False,
            edgecolor="black",
            lw=1.8,
            zorder=3,
        )
    )
    right.set_xlabel(names[0])
    right.set_ylabel(names[1] if len(names) > 1 else "(spread for visibility)")
    right.spines[["top", "right"]].set_visible(False)
    handles, labels = right.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", lw=1.8))
    labels.append("chosen box")
    right.legend(handles, labels, fontsize="small", frameon=False, loc="best")
    right.set_title(
        f"{found.unit}, of interest: " + " & ".join(str(c) for c in found.conditions),
        fontsize="medium",
    )
    heading = (
        f"Scenario discovery (PRIM): coverage {chosen['coverage']:.2f}, density "
        f"{chosen['density']:.2f}, mass {chosen['mass']:.2f}"
    )
    fig.suptitle(f"{found.title}\n{heading}", fontsize="large", parse_math=False)
    return fig


__all__ = ["discovery_figure"]
