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
import html
import io
import json
import math
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.analysis.best import best_settings, pareto_set
from simulation.experiments.results import ResultsError, load_results, read_meta, store_path
from simulation.model.outputs import HEADLINE, SUMMARY_LABELS
from simulation.report.studies import DISCOVERY_CSV, SENSITIVITY_CSV
from simulation.stats import CONFIDENCE
from simulation.text import format_number, format_value

REPORT_FILE = "report.html"
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


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write the report (default ``DIR/report.html``); return its path."""
    text = report_html(directory)
    folder = store_path(directory).parent
    path = folder / REPORT_FILE if out is None else Path(out)
    if path.is_dir():
        path = path / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def report_html(directory: str | Path) -> str:
    """The report's HTML text."""
    from simulation.viz.sweep_plots import sweep_figures

    meta = read_meta(directory)
    folder = store_path(directory).parent
    everything = load_results(directory, include_failed=True)
    frame = everything[everything["status"] == "ok"].drop(columns=["status", "error"])
    frame.attrs["varied"] = list(meta.varied)
    failed = len(everything) - len(frame)
    if frame.empty:
        raise ResultsError(f"{meta.folder}: no successful runs to report ({failed} failed)")
    varied = list(meta.varied)
    title = meta.title
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} - dtsim report</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    parts += _what_was_run(meta, folder, frame, failed)

    parts.append("<h2>Figures</h2>")
    figures = sweep_figures(frame, title)
    for name, fig in figures.items():
        parts.append(_figure(_png(fig), _caption(name)))

    parts.append("<h2>Best setting per outcome</h2>")
    parts.append(_best_table(best_settings(frame), varied))
    parts.append(
        '<p class="note">Replicate mean of the best design point with its '
        f"{CONFIDENCE:.0%} t-interval over its replicates. The best of many noisy means is "
        "flattered by luck (the winner's curse): rerun a chosen setting with new seeds before "
        "quoting it.</p>"
    )

    front = pareto_set(frame)
    points = int(frame["point"].nunique())
    parts.append("<h2>Trade-off frontier</h2>")
    parts.append(
        f"<p>{len(front)} of {points} design points are Pareto-efficient: no other point is "
        "at least as good on time to market (lower), breaches (lower) and satisfaction "
        "(higher) and better on one. Replicate means.</p>"
    )
    parts.append(_pareto_table(front, varied))
    if len(front) > PARETO_ROWS:
        parts.append(f'<p class="note">... and {len(front) - PARETO_ROWS} more.</p>')

    sensitivity = folder / SENSITIVITY_CSV
    if sensitivity.is_file():
        parts.append("<h2>Sensitivity ranking</h2>")
        parts += _sensitivity(sensitivity)

    discovery = folder / DISCOVERY_CSV
    if discovery.is_file():
        parts.append("<h2>Scenario discovery</h2>")
        parts += _discovery(discovery, folder / "figures" / "discovery.png")

    parts.append(
        '<p class="note">Written by <code>dtsim report</code> from '
        f"<code>{_e(str(store_path(directory)))}</code>.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- sections --------------------------------------------------------------------------


def _what_was_run(meta: Any, folder: Path, frame: pd.DataFrame, failed: int) -> list[str]:
    try:
        experiment = tomllib.loads(meta.experiment)
    except tomllib.TOMLDecodeError:
        experiment = {}
    manifest = _manifest(folder)
    parts = []
    description = experiment.get("description")
    if isinstance(description, str) and description.strip():
        parts.append(f"<p>{_e(' '.join(description.split()))}</p>")
    parts.append("<h2>What was run</h2><dl>")
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
    for key, value in rows:
        parts.append(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>")
    parts.append("</dl>")
    return parts


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


def _best_table(best: pd.DataFrame, varied: list[str]) -> str:
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


def _pareto_table(front: pd.DataFrame, varied: list[str]) -> str:
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


def _sensitivity(path: Path) -> list[str]:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        return [f'<p class="note">{_e(path.name)} could not be read: {_e(str(exc))}</p>']
    if {"outcome", "parameter"} - set(table.columns):
        return [f'<p class="note">{_e(path.name)} has no outcome and parameter columns.</p>']
    key = next((k for k in ("ST", "mu_star", "S1") if k in table.columns), None)
    parts = []
    if key == "ST":
        parts.append(
            "<p>Sobol' indices: S1 the share of an outcome's variance due to the parameter "
            "alone, ST including its interactions; ranked by ST.</p>"
        )
    elif key == "mu_star":
        parts.append(
            "<p>Morris elementary effects: mu* the mean absolute effect of the parameter, "
            "sigma their spread (interactions or non-linearity); ranked by mu*.</p>"
        )
    if key is not None:
        table = table.sort_values(["outcome", key], ascending=[True, False], kind="stable")
    columns = list(table.columns)
    body = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    parts.append(_table(columns, body, left=2))
    return parts


def _discovery(path: Path, figure: Path) -> list[str]:
    try:
        box = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        return [f'<p class="note">{_e(path.name)} could not be read: {_e(str(exc))}</p>']
    parts = []
    if {"parameter", "low", "high"} <= set(box.columns) and len(box):
        first = box.iloc[0]
        if "conditions" in box.columns:
            parts.append(
                f"<p>Where do the {_e(str(first.get('unit', 'runs')))} meet <b>"
                f"{_e(str(first['conditions']))}</b>? PRIM (Friedman &amp; Fisher 1999) "
                "peels the design down to the box below.</p>"
            )
        if {"coverage", "density", "mass"} <= set(box.columns):
            parts.append(
                f"<p>Coverage {float(first['coverage']):.2f} (share of the cases meeting the "
                f"conditions that lie in the box), density {float(first['density']):.2f} "
                f"(share of the box's cases meeting them), mass {float(first['mass']):.2f} "
                "(share of all cases in the box).</p>"
            )
        shown = [c for c in ("parameter", "low", "high", "restricted") if c in box.columns]
        body = [[_cell(v) for v in row] for row in box[shown].itertuples(index=False)]
        parts.append(_table(shown, body, left=1))
    else:
        parts.append(f'<p class="note">{_e(path.name)} has no parameter, low, high columns.</p>')
    if figure.is_file():
        parts.append(_figure(figure.read_bytes(), "Peeling trajectory and the chosen box"))
    return parts


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


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


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


def _table(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> str:
    def cell(tag: str, text: str, i: int) -> str:
        cls = ' class="l"' if i < left else ""
        return f"<{tag}{cls}>{_e(text)}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(header))
    rows = "".join(
        "<tr>" + "".join(cell("td", c, i) for i, c in enumerate(r)) + "</tr>" for r in body
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
