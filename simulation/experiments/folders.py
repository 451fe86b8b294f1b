"""Results folders of ``dtsim run``, ``compare`` and ``rerun``: what is written, and how.

A folder holds the tidy CSV files, the figure and ``manifest.json``
(:mod:`simulation.experiments.provenance`), written last with the finishing time, so a
folder without a manifest did not finish. The CSV files carry no clock and use one fixed
format (:data:`simulation.experiments.files.CSV_OPTIONS`), so the same scenarios and seeds
give byte-identical files, which is what :func:`compare_outputs` checks after a rerun.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from simulation.experiments.files import CSV_OPTIONS, check_name
from simulation.experiments.provenance import manifest, utc_now
from simulation.experiments.runner import RunSpec

RESULTS_DIR = Path("results")
"""Default parent of every results folder: ``results/<scenario>-<time>/`` of a run,
``results/<experiment name>/`` of a sweep."""

MARKER = ".dtsim-results"
"""Written first into every results folder dtsim makes: its files may be replaced (--force)."""

OUTPUT_FILES: frozenset[str] = frozenset(
    {
        "timeseries.csv",
        "summary.csv",
        "differences.csv",
        "run.png",
        "compare.png",
        "timeseries_posterior.csv",
        "summary_posterior.csv",
        "differences_posterior.csv",
        "uncertainty.csv",
        "manifest.json",
        MARKER,
    }
)
"""Everything a run or comparison writes; a folder holding only these may be written again."""


class FolderError(ValueError):
    """A results folder cannot be used (holds other files, is a file); one line."""


def check_out(out: Path | None, force: bool = False) -> Path | None:
    """Refuse an output folder this command must not write into, before anything runs.

    An empty or new folder is fine. A folder that holds anything needs ``force``; even then,
    a file of the name dtsim would write is replaced only in a folder dtsim made (it holds
    :data:`MARKER`), so a user's own ``summary.csv`` is never touched.
    """
    if out is None:
        return None
    if out.exists() and not out.is_dir():
        raise FolderError(f"--out {out}: exists and is not a folder")
    if not out.is_dir():
        return out
    held = sorted(p.name for p in out.iterdir())
    if not held:
        return out
    shown = f"{', '.join(held[:3])}{', ...' if len(held) > 3 else ''}"
    if not force:
        earlier = "an earlier dtsim result" if MARKER in held else "other files"
        raise FolderError(
            f"--out {out}: folder is not empty (holds {earlier}: {shown}); choose a new or "
            "empty folder, or add --force to write there"
        )
    if MARKER not in held:
        clash = sorted(set(held) & OUTPUT_FILES)
        if clash:
            raise FolderError(
                f"--out {out}: holds {', '.join(clash)}, which dtsim did not write (no {MARKER}); "
                "dtsim never replaces such files, even with --force: choose another folder"
            )
    return out


def fresh_dir(parent: Path, stem: str) -> Path:
    """A new folder ``parent/stem-<YYYYmmdd-HHMMSS>``; never one that already exists."""
    base = f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    for attempt in range(1, 1000):
        path = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return path
    raise FolderError(f"cannot find a new folder name under {parent}")


def write_results(
    command: str,
    specs: list[RunSpec],
    frames: dict[str, Any],
    seed: int,
    out: Path | None,
    argv: Sequence[str],
    started: datetime,
    figure: Callable[[Path], None],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Create the results folder; write ``frames`` (file name -> frame) as CSV, the figure
    (``figure(folder)``) and the manifest into it; return the folder.

    ``out=None`` makes a new folder under :data:`RESULTS_DIR` named after the scenarios (and
    ``rerun-`` when ``extra`` holds ``rerun_of``). A given ``out`` (checked by
    :func:`check_out`) made by dtsim loses every file an earlier command wrote there first,
    so nothing stale survives beside the new files; in a user's folder no file is touched.
    ``extra`` adds keys to the manifest (``auto_replicates``, ``rerun_of``).
    """
    extra = dict(extra or {})
    names = [s.name for s in specs]
    parts = names if command == "run" else ["compare", *names]
    for name in names:
        check_name(name, "scenario", FolderError)
    if out is None:
        stem = "-".join(["rerun", *parts] if "rerun_of" in extra else parts)
        out = fresh_dir(RESULTS_DIR, stem)
    else:
        made = not out.exists() or not any(out.iterdir())
        out.mkdir(parents=True, exist_ok=True)
        if made or (out / MARKER).is_file():
            for name in OUTPUT_FILES:
                (out / name).unlink(missing_ok=True)
    (out / MARKER).write_text(
        "This folder was written by dtsim; dtsim run/compare --force may replace its files.\n",
        encoding="utf-8",
    )
    for name, frame in frames.items():
        frame.to_csv(out / name, **CSV_OPTIONS)
    figure(out)
    replicates = int(frames["summary.csv"]["replicate"].nunique())
    record = manifest(command, specs, seed, replicates, argv, started, utc_now())
    record.update(extra)
    text = json.dumps(json_safe(record), indent=2, allow_nan=False)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return out


def compare_outputs(
    source: Path, folder: Path, names: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """The files of ``names`` that are byte for byte the same in both folders, those that
    differ, and those ``source`` lacks."""
    missing = [n for n in names if not (source / n).is_file()]
    same = [
        n
        for n in names
        if n not in missing and (source / n).read_bytes() == (folder / n).read_bytes()
    ]
    differ = [n for n in names if n not in same and n not in missing]
    return same, differ, missing


def json_safe(value: Any) -> Any:
    """NaN and infinity as null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


__all__ = [
    "MARKER",
    "OUTPUT_FILES",
    "RESULTS_DIR",
    "FolderError",
    "check_out",
    "compare_outputs",
    "fresh_dir",
    "json_safe",
    "write_results",
]
