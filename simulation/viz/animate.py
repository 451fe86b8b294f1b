"""A run's outcomes as an animation for slides: ``dtsim animate`` (issue 14).

The figure is the one ``dtsim run`` and ``dtsim compare`` save (:mod:`simulation.viz.plots`:
the same panels, colours and intervention marks), drawn week by week: each frame shows every
line up to its week. A GIF is written with Pillow (which matplotlib already needs); an MP4
with ffmpeg where it is installed. The file is written next to its final name and renamed
when complete, so a stopped command leaves no half-written animation under that name.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FPS = 12
"""Frames a second: a three-year run drawn every second week plays in about 7 s."""
EVERY = 2
"""Weeks between frames."""
HOLD_S = 2.0
"""Seconds the last frame stays before the animation loops."""
MAX_FRAMES = 2_000
"""Most frames an animation may have (a 20-year run drawn week by week is 1,040)."""
FORMATS = (".gif", ".mp4")
DPI_ANIMATION = 100
"""Dots per inch of the frames: 1000 x 760 pixels, sharp on a slide, a few MB as a GIF."""


class AnimationError(ValueError):
    """The animation cannot be written as asked; the message is one line."""


def animate(
    timeseries: pd.DataFrame,
    out: str | Path,
    title: str | None = None,
    interventions: Mapping[str, Any] | None = None,
    fps: int = FPS,
    every: int = EVERY,
) -> Path:
    """Write the run (one scenario) or runs (several, compared) of ``timeseries`` as an
    animation to ``out`` (``.gif`` or ``.mp4``); return the path."""
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    from simulation.viz.plots import compare_figure, run_figure

    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise AnimationError(f"--out {out}: allowed a .gif or .mp4 file name")
    if out.suffix.lower() == ".mp4" and shutil.which("ffmpeg") is None:
        raise AnimationError(f"--out {out}: an MP4 needs ffmpeg, not found here; use a .gif")
    if not out.parent.is_dir():
        raise AnimationError(f"--out {out}: the folder {out.parent} does not exist")
    names = list(dict.fromkeys(timeseries["scenario"]))
    marks = dict(interventions or {})
    if len(names) == 1:
        fig = run_figure(timeseries, title, marks.get(names[0], ()))
    else:
        fig = compare_figure(timeseries, title, {k: v for k, v in marks.items() if v})
    weeks = np.sort(timeseries["week"].unique())
    # Data lines have a point a week; the intervention marks are vertical (two points).
    lines = [
        (line, np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
        for ax in fig.axes
        for line in ax.get_lines()
        if np.size(line.get_xdata()) > 2
    ]
    shown = [int(w) for w in weeks[every - 1 :: every]]
    if not shown or shown[-1] != int(weeks[-1]):
        shown.append(int(weeks[-1]))
    frames = shown + [shown[-1]] * round(HOLD_S * fps)
    if len(frames) > MAX_FRAMES:
        raise AnimationError(
            f"{len(frames):,} frames; allowed at most {MAX_FRAMES:,} (draw every few weeks)"
        )
    label = fig.text(0.99, 0.995, "", ha="right", va="top", fontsize="large")

    def draw(week: int) -> list[Any]:
        for line, x, y in lines:
            keep = x <= week
            line.set_data(x[keep], y[keep])
        label.set_text(f"week {week}")
        return [line for line, _, _ in lines]

    animation = FuncAnimation(fig, draw, frames=frames, blit=False, repeat=False)
    writer = FFMpegWriter(fps=fps) if out.suffix.lower() == ".mp4" else PillowWriter(fps=fps)
    partial = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        animation.save(str(partial), writer=writer, dpi=DPI_ANIMATION)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


__all__ = ["FORMATS", "AnimationError", "animate"]
