"""``dtsim report DIR``: one self-contained HTML page on a sweep, for a strategist.

The page holds, in order: what was run (experiment title and description, design, replicates,
runs ok and failed, the dtsim version and git commit of ``DIR/manifest.json``), the sweep's
figures (:func:`simulation.viz.sweep_plots.sweep_figures`, drawn afresh from the store), the
best setting of each headline outcome with its 95% interval
(:func:`simulation.analysis.best.best_settings`), the trade-off frontier
(:func:`simulation.analysis.best.pareto_set`), then, when their files exist, the sensitivity
ranking (``DIR/sensitivity.csv``) and the scenario discovery box (``DIR/discovery.csv`` and
``DIR/figures/discovery.png``, see :mod:`simulation.analysis.discovery`).

Self-contained: figures are embedded as base64 PNG, the style sheet is inline, there is no
script and no reference to anything outside the file, so it can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.analysis.best import best_settings, pareto_set
from simulation.experiments.store import (
    DISCOVERY_CSV,
    FIGURES_DIR,
    REPORT_FILE,
    SENSITIVITY_CSV,
    ResultsError,
    finished_runs,
    store_path,
)
from simulation.model.outputs import HEADLINE, SUMMARY_LABELS
from simulation.stats import CONFIDENCE
from simulation.text import format_number, format_value

PARETO_ROWS = 40
"""At most this many Pareto points are listed; the rest are counted."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
th { background: #f3f3f3; }
td.l, th.l { text-align: left; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; }
.note { color: #555; font-size: 0.92em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: 600; }
dd { margin: 0; }
"""


def write_report(
    directory: str | Path,
    out: str | Path | None = None,
    weights: str | None = None,
    requirements: Sequence[str] = (),
) -> Path:
    """Write the report of a sweep's or a calibration's folder (default ``DIR/report.html``);
    return its path. A sweep's report opens with the recommendation for ``weights`` and
    ``requirements``."""
    from simulation.report.calibration import calibration_html, is_calibration

    if is_calibration(Path(directory)):
        folder = Path(directory)
        text = calibration_html(folder)
    else:
        text = report_html(directory, weights, requirements)
        folder = store_path(directory).parent
    path = folder / REPORT_FILE if out is None else Path(out)
    if path.is_dir():
        path = path / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def report_html(
    directory: str | Path, weights: str | None = None, requirements: Sequence[str] = ()
) -> str:
    """The report's HTML text, from the autoescaped template ``templates/report.html``.
    It opens with the recommendation for ``weights`` and ``requirements``
    (:func:`simulation.report.best.decision_cells`)."""
    from simulation.report.best import DECISION_NOTE, brief_lines, decision_cells, stored_money
    from simulation.viz.sweep_plots import design_shape, regret_figure, sweep_figures

    meta, frame, failed = finished_runs(directory)
    folder = store_path(directory).parent
    if frame.empty:
        raise ResultsError(f"{meta.folder}: no successful runs to report ({failed} failed)")
    varied = list(meta.varied)
    front = pareto_set(frame)
    experiment = meta.table
    description = experiment.get("description")
    sensitivity = folder / SENSITIVITY_CSV
    discovery = folder / DISCOVERY_CSV
    decision, header, body = decision_cells(directory, weights, requirements)
    regret = None
    if design_shape(frame).heatmaps:  # a grid of two levers: regret over it, at a glance
        money = stored_money(meta)
        unit = f"{money.unit} a year" if money is not None else "score"
        fig = regret_figure(decision.table, decision.recommended, decision.robust, unit)
        regret = _figure(_png(fig), "Regret of each setting: how far it falls behind the best "
                         "setting of the same replicate, on average and in its worst tenth; "
                         "the recommended setting outlined, the most robust dashed")  # fmt: skip
    page = {
        "decision_figure": regret,
        "decision": decision.sentence,
        "decision_table": _table(header, body, left=len(varied)),
        "decision_note": DECISION_NOTE,
        "brief": brief_lines(directory, weights, requirements, decision),
        "title": meta.title,
        "style": STYLE,
        "description": " ".join(description.split()) if isinstance(description, str) else "",
        "run_facts": _what_was_run(meta, experiment, folder, frame, failed),
        "figures": [
            _figure(_png(fig), _caption(name))
            for name, fig in sweep_figures(frame, meta.title).items()
        ],
        "best": _best_table(best_settings(frame), varied),
        "confidence": f"{CONFIDENCE:.0%}",
        "front_size": len(front),
        "points": int(frame["point"].nunique()),
        "pareto": _pareto_table(front, varied),
        "more_pareto": max(len(front) - PARETO_ROWS, 0),
        "sensitivity": _sensitivity(sensitivity) if sensitivity.is_file() else None,
        "discovery": (
            _discovery(discovery, folder / FIGURES_DIR / "discovery.png")
            if discovery.is_file()
            else None
        ),
        "store": str(store_path(directory)),
    }
    return _template().render(**page).rstrip("\n") + "\n"


def template(name: str) -> Any:
    """One of the report pages' templates, autoescaped (the classroom's debrief uses it)."""
    return _template(name)


def _template(name: str = "report.html") -> Any:
    """A page template, autoescaped (text from files is shown as text, never as HTML)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulation.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(name)


# --- sections --------------------------------------------------------------------------


def _what_was_run(
    meta: Any, experiment: dict[str, Any], folder: Path, frame: pd.DataFrame, failed: int
) -> list[tuple[str, str]]:
    manifest = _manifest(folder)
    replicates = frame.groupby("point")["replicate"].nunique()
    low, high = int(replicates.min()), int(replicates.max())
    points = int(frame["point"].nunique())
    sampler = experiment.get("sampler", "?")
    samples = experiment.get("samples")
    design = f"{sampler}" + (f", {samples} samples" if samples else "")
    design += f"; {points} design points"
    rows: list[tuple[str, str]] = [
        ("experiment", str((manifest.get("experiment") or {}).get("name") or folder.name)),
        ("base scenario", str(experiment.get("scenario", "?"))),
        ("design", design),
        ("varied", _varied_text(frame, list(meta.varied))),
        *_fixed_rows(meta),
        ("replicates", str(high) if low == high else f"{low}-{high} per point"),
        (
            "weeks",
            str(
                (manifest.get("experiment") or {}).get("weeks")
                or experiment.get("weeks")
                or "scenario's"
            ),
        ),
        ("experiment seed", str(experiment.get("seed", "?"))),
        (
            "runs",
            f"{len(frame)} ok, {failed} failed" + (f" (of {meta.n_runs})" if meta.n_runs else ""),
        ),
    ]
    if manifest:
        commit = manifest.get("git_commit") or "not recorded"
        dirty = " (with uncommitted changes)" if manifest.get("git_dirty") else ""
        rows.append(("dtsim", f"{manifest.get('dtsim', '?')}, commit {commit}{dirty}"))
        when = [s.get("finished") for s in manifest.get("sessions", []) if s.get("finished")]
        rows.append(("finished", str(when[-1] if when else manifest.get("finished") or "?")))
    else:
        rows.append(("dtsim", "no manifest.json in the folder: version not recorded"))
    return rows


def _fixed_rows(meta: Any) -> list[tuple[str, str]]:
    """What the base scenario holds fixed: every lever not varied, every parameter it sets,
    and the posterior the replicates drew from, so a reader sees the whole question."""
    from simulation.model.params import LEVERS

    base, varied = meta.base, set(meta.varied)
    levers = [f"{k} {format_value(base[k])}" for k in LEVERS if k not in varied and k in base]
    rows = [("levers held fixed", ", ".join(levers) or "none (all are varied)")]
    if meta.fixed is None:
        rows.append(("parameters the base scenario sets", "not recorded in this store"))
    else:
        own = [k for k in meta.fixed if k not in LEVERS and k not in varied and k in base]
        text = ", ".join(f"{k} {format_value(base[k])}" for k in own)
        rows.append(("parameters the base scenario sets", text or "none"))
    rows.append(
        (
            "every other parameter",
            "at the model's defaults (calibrated: docs/CALIBRATION.md)",
        )
    )
    if meta.posterior:
        p = meta.posterior
        rows.append(
            (
                "parameter uncertainty",
                f"each replicate drew from {p.get('path')} ({p.get('particles')} particles; "
                f"SHA-256 {str(p.get('sha256'))[:12]})",
            )
        )
    return rows


def _varied_text(frame: pd.DataFrame, varied: Sequence[str]) -> str:
    texts = []
    for name in varied:
        values = frame[name]
        levels = values.nunique()
        texts.append(
            f"{name} {format_value(values.min())}..{format_value(values.max())} "
            f"({levels} value{'s' * (levels != 1)})"
        )
    return "; ".join(texts) or "nothing"


def _best_table(best: pd.DataFrame, varied: list[str]) -> dict[str, Any]:
    header = ["outcome", "unit", "best", *varied, "mean", "interval", "n"]
    body = []
    for row in best.to_dict("records"):
        label, unit = SUMMARY_LABELS.get(row["outcome"], (row["outcome"], ""))
        mean = (">" if row["censored"] else "") + format_number(row["mean"])
        interval = (
            f"[{format_number(row['low'])}, {format_number(row['high'])}]"
            if math.isfinite(row["low"])
            else "n/a"
        )
        body.append(
            [
                label,
                unit,
                "lowest" if row["direction"] == "min" else "highest",
                *(format_value(row[name]) for name in varied),
                mean,
                interval,
                str(row["n"]),
            ]
        )
    return _table(header, body, left=3)


def _pareto_table(front: pd.DataFrame, varied: list[str]) -> dict[str, Any]:
    outcomes = [k for k in HEADLINE if k in front.columns]
    header = ["point", *varied, *(_with_unit(k) for k in outcomes), "n"]
    body = [
        [
            str(row["point"]),
            *(format_value(row[name]) for name in varied),
            *(format_number(row[k]) for k in outcomes),
            str(row["n"]),
        ]
        for row in front.head(PARETO_ROWS).to_dict("records")
    ]
    return _table(header, body, left=0)


def _section(notes: list[str], table: dict[str, Any] | None = None, problem: bool = False,
             figure: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"notes": notes, "table": table, "problem": problem, "figure": figure}


def _sensitivity(path: Path) -> dict[str, Any]:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        return _section([f"{path.name} could not be read: {exc}"], problem=True)
    if {"outcome", "parameter"} - set(table.columns):
        return _section([f"{path.name} has no outcome and parameter columns."], problem=True)
    key = next((k for k in ("ST", "mu_star", "S1") if k in table.columns), None)
    notes = []
    if key == "ST":
        notes.append(
            "Sobol' indices: S1 the share of an outcome's variance due to the parameter "
            "alone, ST including its interactions; ranked by ST."
        )
    elif key == "mu_star":
        notes.append(
            "Morris elementary effects: mu* the mean absolute effect of the parameter, "
            "sigma their spread (interactions or non-linearity); ranked by mu*."
        )
    if key is not None:
        table = table.sort_values(["outcome", key], ascending=[True, False], kind="stable")
    body = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    return _section(notes, _table(list(table.columns), body, left=2))


def _discovery(path: Path, figure: Path) -> dict[str, Any]:
    try:
        box = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        return _section([f"{path.name} could not be read: {exc}"], problem=True)
    picture = (
        _figure(figure.read_bytes(), "Peeling trajectory and the chosen box")
        if figure.is_file()
        else None
    )
    if not ({"parameter", "low", "high"} <= set(box.columns) and len(box)):
        notes = [f"{path.name} has no parameter, low, high columns."]
        return _section(notes, problem=True, figure=picture)
    first = box.iloc[0]
    notes = []
    if "conditions" in box.columns:
        notes.append(
            f"Where do the {first.get('unit', 'runs')} meet {first['conditions']}? "
            "PRIM (Friedman & Fisher 1999) peels the design down to the box below."
        )
    if {"coverage", "density", "mass"} <= set(box.columns):
        notes.append(
            f"Coverage {float(first['coverage']):.2f} (share of the cases meeting the "
            f"conditions that lie in the box), density {float(first['density']):.2f} "
            f"(share of the box's cases meeting them), mass {float(first['mass']):.2f} "
            "(share of all cases in the box)."
        )
    shown = [c for c in ("parameter", "low", "high", "restricted") if c in box.columns]
    body = [[_cell(v) for v in row] for row in box[shown].itertuples(index=False)]
    return _section(notes, _table(shown, body, left=1), figure=picture)


# --- helpers ---------------------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _png(fig: Any) -> bytes:
    from simulation.viz.style import DPI

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure(png: bytes, caption: str) -> dict[str, str]:
    return {"data": base64.b64encode(png).decode("ascii"), "caption": caption}


def _caption(name: str) -> str:
    if name.startswith("heatmap_"):
        key = name.removeprefix("heatmap_")
        label = SUMMARY_LABELS.get(key, (key, ""))[0]
        return f"{label}: replicate mean per setting, the best cell outlined"
    return {
        "lines": "Headline outcomes against the varied parameter, mean with 95% band",
        "tradeoff": "Time to market against breaches per design point, coloured by "
        "satisfaction; Pareto-efficient points outlined",
        "effects": "Each headline outcome against each varied parameter",
    }.get(name, name)


def _with_unit(key: str) -> str:
    unit = SUMMARY_LABELS.get(key, ("", ""))[1]
    return f"{key} ({unit})" if unit else key


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format_value(value)
    return str(value)


def _table(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> dict[str, Any]:
    """A table for the template: cells are text (escaped there); ``left`` columns left-aligned."""
    return {"header": list(header), "rows": [list(r) for r in body], "left": left}
