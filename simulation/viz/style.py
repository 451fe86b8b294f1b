"""The look every dtsim figure shares: resolution, colours, line styles, and how it is saved.

One module, so a run's figure, a sweep's heatmaps, the sensitivity bars and the discovery box
read as one family in a paper, and a change of palette or resolution is made once.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

DPI = 150
"""Resolution of saved PNG files (SVG files are vector)."""

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow, last: faint on white
)
"""Okabe & Ito (2008) palette, safe for the common colour-vision deficiencies."""

LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")
"""Cycled with the colours so overlaid lines also part in greyscale print."""

SEQUENTIAL = "viridis"
"""Colormap of heatmaps and of satisfaction in the trade-off: perceptually uniform, CVD-safe."""

FORMATS: tuple[tuple[str, dict[str, None]], ...] = (
    ("png", {"Software": None}),
    ("svg", {"Date": None}),
)
"""Each figure's files and the metadata left out of them (no clock, no version string)."""


def save_figure(fig: Figure, folder: Path, name: str) -> list[Path]:
    """``folder/name.png`` and ``folder/name.svg``, without clock or version metadata."""
    paths = []
    # SVG element ids are random unless salted; the context restores the setting afterwards.
    with matplotlib.rc_context({"svg.hashsalt": name}):
        for suffix, metadata in FORMATS:
            path = folder / f"{name}.{suffix}"
            fig.savefig(path, dpi=DPI, metadata=metadata)
            paths.append(path)
    return paths


__all__ = ["DPI", "FORMATS", "LINESTYLES", "OKABE_ITO", "SEQUENTIAL", "save_figure"]
