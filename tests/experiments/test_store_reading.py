"""The results side of sweeps: reading the store, exports, best settings, Pareto set, figures.

Stores are written here by :func:`write_store` to the sweep runner's contract (``meta``,
``runs``, ``series`` in ``DIR/results.sqlite``): one from a few real small runs, the others
from made-up numbers whose best points and Pareto front are known by construction.
"""

from __future__ import annotations

import io
import json
import math
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing, redirect_stdout
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.analysis.best import best_settings, design_means, pareto_mask, pareto_set
from simulation.experiments.runner import replicate_seed, run_model
from simulation.experiments.store import (
    STORE_FILE,
    ResultsError,
    export_results,
    load_results,
    load_series,
    read_meta,
)
from simulation.model.outputs import HEADLINE
from simulation.model.params import PARAMETERS
from simulation.report.best import print_best
from simulation.viz.sweep_plots import design_shape, heatmap_figure, plot_results, short_names

SERIES = ("shadow_share", "satisfaction")
SMALL = {"n_customers": 200, "weeks": 15}
FAKE_OUTCOMES = (*HEADLINE, "ttm_all_censored", "churn_per_year")


# --- writing a store to the contract ------------------------------------------------------


def write_store(
    folder: Path,
    varied: Sequence[str],
    runs: Sequence[Mapping[str, Any]],
    outcomes: Sequence[str],
    series: Sequence[str] = (),
    replicates: int = 1,
    experiment: str = 'title = "A test sweep"\n',
) -> Path:
    """``folder/results.sqlite`` as the sweep runner writes it; runs are dicts of the columns.

    A run's ``summary`` may hold NaN (stored as null, as the contract says) and its optional
    ``weekly`` maps reporter name to the values of weeks 1, 2, ...
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "fingerprint": "test-fingerprint",
        "experiment": experiment,
        "varied": json.dumps(list(varied)),
        "outcomes": json.dumps(list(outcomes)),
        "series": json.dumps(list(series)),
        "replicates": str(replicates),
        "n_runs": str(len(runs)),
    }
    with closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
        db.execute(
            "CREATE TABLE runs(run INTEGER PRIMARY KEY, point INTEGER, replicate INTEGER, "
            "seed INTEGER, status TEXT, params TEXT, summary TEXT, error TEXT, elapsed REAL, "
            "worker TEXT)"
        )
        db.execute("CREATE TABLE series(run INTEGER, week INTEGER, name TEXT, value REAL)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        for r in runs:
            summary = r.get("summary")
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r["run"],
                    r["point"],
                    r["replicate"],
                    r["seed"],
                    r.get("status", "ok"),
                    json.dumps(r["params"]),
                    None if summary is None else json.dumps(_nulls(summary), allow_nan=False),
                    r.get("error"),
                    0.5,
                    "test-worker",
                ),
            )
            for name, values in r.get("weekly", {}).items():
                db.executemany(
                    "INSERT INTO series VALUES (?, ?, ?, ?)",
                    [(r["run"], week, name, _null(v)) for week, v in enumerate(values, 1)],
                )
    return folder


def _null(value: float) -> float | None:
    return None if isinstance(value, float) and math.isnan(value) else value


def _nulls(summary: Mapping[str, float]) -> dict[str, float | None]:
    return {k: _null(float(v)) for k, v in summary.items()}


def fake_runs(
    points: Sequence[Mapping[str, float]], replicates: int, noise: float = 0.05
) -> list[dict[str, Any]]:
    """Made-up runs with smooth lever effects, so figures have something to show."""
    rng = np.random.default_rng(5)
    runs = []
    for point, params in enumerate(points):
        c = float(params.get("collaboration", 0.15))
        g = float(params.get("governance", 0.5))
        b = float(params.get("marketing_budget", 0.25))
        for replicate in range(replicates):
            e = rng.normal(0, noise, 4)
            summary = {
                "ttm_all": 5 - 2 * c + 2 * g - b + e[0],
                "shadow_share": 0.2 - 0.15 * c + 0.1 * g + 0.2 * b + e[1] / 10,
                "breaches_per_year": 20 - 8 * g + 4 * (1 - c) + 6 * b + e[2] * 5,
                "satisfaction": 0.5 + 0.1 * c - 0.05 * g + 0.03 * b + e[3] / 10,
                "ttm_all_censored": float(g > 0.9),
                "churn_per_year": math.nan,
            }
            runs.append(
                {
                    "run": len(runs),
                    "point": point,
                    "replicate": replicate,
                    "seed": replicate_seed(1, replicate),
                    "params": dict(params),
                    "summary": summary,
                }
            )
    return runs


def grid(**levels: Sequence[float]) -> list[dict[str, float]]:
    names = list(levels)
    return [dict(zip(names, combo, strict=True)) for combo in product(*levels.values())]


# --- a store of real runs -----------------------------------------------------------------

REAL_VARIED = ("n_it", "collaboration")  # file order, not the params dicts' order
REAL_POINTS = ({"collaboration": 0.1, "n_it": 6}, {"collaboration": 0.9, "n_it": 10})


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Any]]:
    """Two design points x two replicates of small real runs, and one failed run."""
    runs, frames = [], {}
    for point, params in enumerate(REAL_POINTS):
        for replicate in range(2):
            seed = replicate_seed(3, replicate)
            frame, summary = run_model({**SMALL, **params}, seed)
            run = len(runs)
            frames[run] = (frame, summary)
            runs.append(
                {
                    "run": run,
                    "point": point,
                    "replicate": replicate,
                    "seed": seed,
                    "params": dict(params),
                    "summary": summary,
                    "weekly": {name: frame[name].tolist() for name in SERIES},
                }
            )
            outcomes = list(summary)
    runs.append(
        {
            "run": len(runs),
            "point": 2,
            "replicate": 0,
            "seed": replicate_seed(3, 0),
            "status": "failed",
            "params": {"collaboration": 0.5, "n_it": 8},
            "summary": None,
            "error": "ValueError: a test failure",
        }
    )
    folder = tmp_path_factory.mktemp("real") / "sweep"
    write_store(folder, REAL_VARIED, runs, outcomes, SERIES, replicates=2)
    return folder, frames


# --- load_results and load_series ------------------------------------------------------


def test_load_results_has_ids_then_varied_then_outcomes(real_store) -> None:
    folder, frames = real_store
    frame = load_results(folder)
    outcomes = list(frames[0][1])
    assert list(frame.columns) == ["run", "point", "replicate", "seed", *REAL_VARIED, *outcomes]
    assert frame["run"].tolist() == [0, 1, 2, 3]
    assert frame["point"].tolist() == [0, 0, 1, 1]
    assert frame["replicate"].tolist() == [0, 1, 0, 1]
    for column in ("run", "point", "replicate", "seed"):
        assert frame[column].dtype == np.int64
    assert frame["n_it"].dtype == np.int64  # declared int
    assert frame["collaboration"].dtype == np.float64
    assert frame["n_it"].tolist() == [6, 6, 10, 10]
    assert all(frame[k].dtype == np.float64 for k in outcomes)
    for run, (_, summary) in frames.items():
        row = frame.set_index("run").loc[run]
        for key, value in summary.items():
            assert (math.isnan(value) and math.isnan(row[key])) or row[key] == value
    assert frame.attrs["varied"] == list(REAL_VARIED)


def test_failed_runs_are_left_out_unless_asked_for(real_store) -> None:
    folder, _ = real_store
    assert 4 not in load_results(folder)["run"].tolist()
    everything = load_results(folder, include_failed=True)
    assert len(everything) == 5
    assert list(everything.columns[-2:]) == ["status", "error"]
    failed = everything.set_index("run").loc[4]
    assert failed["status"] == "failed"
    assert failed["error"] == "ValueError: a test failure"
    assert failed["n_it"] == 8
    assert math.isnan(failed["ttm_all"])
    assert everything["status"].tolist()[:4] == ["ok"] * 4
    pd.testing.assert_frame_equal(everything.iloc[:4, :-2], load_results(folder), check_dtype=False)


def test_null_summary_values_load_as_nan(tmp_path: Path) -> None:
    runs = fake_runs([{"collaboration": 0.2}, {"collaboration": 0.8}], replicates=1)
    frame = load_results(write_store(tmp_path / "s", ["collaboration"], runs, FAKE_OUTCOMES))
    assert frame["churn_per_year"].isna().all()
    assert frame["churn_per_year"].dtype == np.float64


def test_load_series_is_long_with_the_design_point(real_store) -> None:
    folder, frames = real_store
    series = load_series(folder)
    assert list(series.columns) == [
        "run",
        "point",
        "replicate",
        *REAL_VARIED,
        "week",
        "name",
        "value",
    ]
    assert len(series) == 4 * SMALL["weeks"] * len(SERIES)
    one = series[(series["run"] == 2) & (series["name"] == "satisfaction")]
    assert one["week"].tolist() == list(range(1, SMALL["weeks"] + 1))
    np.testing.assert_allclose(one["value"], frames[2][0]["satisfaction"])
    assert (one["collaboration"] == 0.9).all() and (one["n_it"] == 10).all()
    assert list(dict.fromkeys(series[series["run"] == 0]["name"])) == list(SERIES)
    assert set(load_series(folder, names=["satisfaction"])["name"]) == {"satisfaction"}


def test_read_meta_parses_the_contract(real_store) -> None:
    folder, _ = real_store
    meta = read_meta(folder)
    assert meta.varied == REAL_VARIED
    assert meta.series == SERIES
    assert meta.replicates == 2
    assert meta.n_runs == 5
    assert meta.title == "A test sweep"


def _not_sqlite(folder: Path) -> None:
    folder.mkdir()
    (folder / STORE_FILE).write_bytes(b"this is not a database, just bytes " * 10)


def _no_meta(folder: Path) -> None:
    folder.mkdir()
    with closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("CREATE TABLE runs(run INTEGER)")


def _meta_without_varied(folder: Path) -> None:
    folder.mkdir()
    with closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE runs(run INTEGER)")
        db.execute("INSERT INTO meta VALUES ('fingerprint', 'x')")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda f: None, "no such folder"),
        (lambda f: f.mkdir(), f"no {STORE_FILE}"),
        (lambda f: f.write_text("x"), "not a folder"),
        (_not_sqlite, "not a dtsim results store"),
        (_no_meta, "no meta table"),
        (_meta_without_varied, "meta lacks varied"),
    ],
    ids=["missing", "no-store", "a-file", "not-sqlite", "no-meta", "meta-incomplete"],
)
def test_bad_folders_give_one_line_results_errors(tmp_path: Path, make, words: str) -> None:
    folder = tmp_path / "sweep"
    make(folder)
    for read in (load_results, load_series, read_meta, print_best, plot_results):
        with pytest.raises(ResultsError) as info:
            read(folder)
        message = str(info.value)
        assert words in message
        assert "\n" not in message
        assert str(folder) in message


def test_a_store_with_the_wrong_runs_table_is_not_a_dtsim_store(tmp_path: Path) -> None:
    folder = write_store(tmp_path / "s", ["collaboration"], [], FAKE_OUTCOMES)
    with closing(sqlite3.connect(folder / STORE_FILE)) as db, db:
        db.execute("DROP TABLE runs")
        db.execute("CREATE TABLE runs(run INTEGER PRIMARY KEY, status TEXT)")
    with pytest.raises(ResultsError, match=r"not a dtsim results store \(no such column"):
        load_results(folder)


# --- export ----------------------------------------------------------------------------


def test_csv_export_is_byte_stable(real_store, tmp_path: Path) -> None:
    folder, _ = real_store
    first = export_results(folder, "csv", out=tmp_path / "a.csv")
    second = export_results(folder, "csv", out=tmp_path / "b.csv")
    assert first == tmp_path / "a.csv"
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert "\r" not in text
    assert text.splitlines()[0].startswith("run,point,replicate,seed,n_it,collaboration,ttm_all")
    back = pd.read_csv(first)
    # %.10g writes whole floats as integers; the values round-trip to 10 digits
    pd.testing.assert_frame_equal(
        back, load_results(folder), check_dtype=False, check_exact=False, rtol=1e-9
    )
    default = export_results(folder, "csv")
    assert default == folder / "results.csv"
    assert default.read_bytes() == first.read_bytes()


def test_parquet_export_round_trips(real_store, tmp_path: Path) -> None:
    folder, _ = real_store
    path = export_results(folder, "parquet", out=tmp_path)
    assert path == tmp_path / "results.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(path), load_results(folder))


def test_export_refuses_unknown_formats_and_missing_folders(real_store, tmp_path: Path) -> None:
    folder, _ = real_store
    with pytest.raises(ResultsError, match="unknown format 'xlsx'; allowed: parquet, csv"):
        export_results(folder, "xlsx")
    with pytest.raises(ResultsError, match="does not exist"):
        export_results(folder, "csv", out=tmp_path / "nowhere" / "x.csv")


# --- Pareto set and best settings --------------------------------------------------------

# design point -> (ttm_all, breaches_per_year, satisfaction, shadow_share), replicate means
HAND_MADE = {
    0: (2.0, 10.0, 0.50, 0.30),  # fastest: efficient
    1: (3.0, 5.0, 0.50, 0.10),  # fewest breaches, least shadow IT: efficient
    2: (3.0, 10.0, 0.50, 0.20),  # beaten by 0 (and 1) on all three: dominated
    3: (4.0, 12.0, 0.70, 0.20),  # happiest customers: efficient
    4: (4.0, 12.0, 0.60, 0.20),  # same as 3 but less satisfied: dominated
    5: (2.5, 8.0, 0.55, 0.25),  # a compromise nobody beats on all three: efficient
    6: (5.0, 13.0, 0.40, 0.40),  # worst everywhere: dominated
    7: (math.nan, 1.0, 0.90, 0.05),  # no time to market: never compared
}
SPREAD = 0.1
"""Replicates are mean - SPREAD and mean + SPREAD, so the means are the table's."""


def hand_made_frame() -> pd.DataFrame:
    rows = []
    for point, (ttm, breaches, satisfaction, shadow) in HAND_MADE.items():
        for replicate, sign in enumerate((-1, 1)):
            rows.append(
                {
                    "run": 2 * point + replicate,
                    "point": point,
                    "replicate": replicate,
                    "seed": replicate,
                    "collaboration": point / 10,
                    "governance": 1 - point / 10,
                    "ttm_all": ttm + sign * SPREAD,
                    "shadow_share": shadow + sign * SPREAD / 10,
                    "breaches_per_year": breaches + sign * SPREAD,
                    "satisfaction": satisfaction + sign * SPREAD / 10,
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs["varied"] = ["collaboration", "governance"]
    return frame


def test_pareto_mask_on_known_points() -> None:
    values = np.array([[1, 1], [2, 2], [1, 1], [0, 3], [np.nan, 0], [3, 0]], dtype=float)
    assert pareto_mask(values, [True, True]).tolist() == [True, False, True, True, False, True]
    # maximising the second objective instead: (0, 3) is best on both
    assert pareto_mask(values, [True, False]).tolist() == [False, False, False, True, False, False]
    assert pareto_mask(values, [False, False]).tolist() == [False, True, False, True, False, True]


def test_pareto_set_keeps_exactly_the_non_dominated_points() -> None:
    front = pareto_set(hand_made_frame())
    assert sorted(front["point"]) == [0, 1, 3, 5]
    assert front["ttm_all"].is_monotonic_increasing
    row = front.set_index("point").loc[5]
    assert row["ttm_all"] == pytest.approx(2.5)
    assert row["breaches_per_year"] == pytest.approx(8.0)
    assert row["satisfaction"] == pytest.approx(0.55)
    assert row["collaboration"] == pytest.approx(0.5)
    assert row["n"] == 2
    assert {"collaboration", "governance", "shadow_share"} <= set(front.columns)


def test_best_settings_picks_the_best_mean_of_each_headline_outcome() -> None:
    frame = hand_made_frame()
    best = best_settings(frame).set_index("outcome")
    assert list(best.index) == list(HEADLINE)
    assert best.loc["ttm_all", "point"] == 0
    assert best.loc["breaches_per_year", "point"] == 7  # NaN time to market does not matter here
    assert best.loc["shadow_share", "point"] == 7
    assert best.loc["satisfaction", "point"] == 7
    assert best.loc["ttm_all", "direction"] == "min"
    assert best.loc["satisfaction", "direction"] == "max"
    row = best.loc["ttm_all"]
    half = stats.t.ppf(0.975, 1) * SPREAD  # sd of (m - s, m + s) is s * sqrt(2); n = 2
    assert row["mean"] == pytest.approx(2.0)
    assert row["low"] == pytest.approx(2.0 - half)
    assert row["high"] == pytest.approx(2.0 + half)
    assert row["n"] == 2
    assert row["collaboration"] == pytest.approx(0.0)
    without = best_settings(frame[frame["point"] != 7]).set_index("outcome")
    assert without.loc["breaches_per_year", "point"] == 1
    assert without.loc["satisfaction", "point"] == 3


def test_design_means_average_replicates_per_point() -> None:
    means = design_means(hand_made_frame())
    assert means["point"].tolist() == list(HAND_MADE)
    assert (means["n"] == 2).all()
    np.testing.assert_allclose(means["breaches_per_year"], [v[1] for v in HAND_MADE.values()])


def test_print_best_prints_both_tables(tmp_path: Path) -> None:
    points = grid(collaboration=[0.0, 0.5, 1.0], governance=[0.2, 0.6])
    folder = write_store(tmp_path / "s", ["collaboration", "governance"],
                         fake_runs(points, 3), FAKE_OUTCOMES, replicates=3)  # fmt: skip
    out = io.StringIO()
    with redirect_stdout(out):
        print_best(folder)
    text = out.getvalue()
    assert text.startswith("A test sweep: 6 design points x 3 replicates")
    assert "Best design point for each headline outcome" in text
    assert "Pareto set:" in text
    assert "customer satisfaction (end)" in text
    assert "highest" in text and "lowest" in text


# --- figures ---------------------------------------------------------------------------


def _check_figures(paths: list[Path], folder: Path, names: set[str]) -> None:
    assert {p.name for p in paths} == {f"{n}.{s}" for n in names for s in ("png", "svg")}
    assert all(p.parent == folder for p in paths)
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 1000
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert b"<svg" in data[:2000]


HEATMAPS = {f"heatmap_{k}" for k in HEADLINE}


def test_plot_two_parameter_grid_draws_heatmaps_and_the_tradeoff(tmp_path: Path) -> None:
    points = grid(
        collaboration=[0.0, 0.25, 0.5, 0.75, 1.0], governance=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    )
    varied = ["collaboration", "governance"]
    folder = write_store(tmp_path / "s", varied, fake_runs(points, 2), FAKE_OUTCOMES)
    paths = plot_results(folder)
    _check_figures(paths, folder / "figures", {*HEATMAPS, "tradeoff"})


def test_heatmap_cells_are_the_replicate_means_first_parameter_across() -> None:
    frame = hand_made_frame().query("point < 4").copy()
    frame["collaboration"] = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    frame["governance"] = [0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8]
    fig = heatmap_figure(frame, "breaches_per_year")
    cells = fig.axes[0].images[0].get_array()
    # rows: governance 0.2 (bottom), 0.8; columns: collaboration 0, 1
    np.testing.assert_allclose(cells, [[10.0, 5.0], [10.0, 12.0]])
    assert fig.axes[0].get_xlabel() == "collaboration (0..1)"
    assert fig.axes[0].get_ylabel() == "governance (0..1)"


def test_plot_continuous_lever_by_few_levels_adds_lines(tmp_path: Path) -> None:
    """budget_control's shape: marketing_budget across, collaboration as two series."""
    points = grid(collaboration=[0.2, 0.8], marketing_budget=[0.0, 0.25, 0.5, 0.75, 1.0])
    varied = ["collaboration", "marketing_budget"]
    folder = write_store(tmp_path / "s", varied, fake_runs(points, 3), FAKE_OUTCOMES)
    shape = design_shape(load_results(folder))
    assert shape.grid and shape.heatmaps
    assert shape.lines == ("marketing_budget", "collaboration")
    paths = plot_results(folder, out=tmp_path / "figs")
    _check_figures(paths, tmp_path / "figs", {*HEATMAPS, "lines", "tradeoff"})


def test_plot_one_parameter_grid_draws_lines(tmp_path: Path) -> None:
    points = grid(governance=[0.0, 0.25, 0.5, 0.75, 1.0])
    folder = write_store(tmp_path / "s", ["governance"], fake_runs(points, 3), FAKE_OUTCOMES)
    paths = plot_results(folder)
    _check_figures(paths, folder / "figures", {"lines", "tradeoff"})


def test_plot_latin_hypercube_draws_effects(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    varied = ["collaboration", "governance", "marketing_budget"]
    n = 24
    columns = [(rng.permutation(n) + rng.random(n)) / n for _ in varied]
    points = [dict(zip(varied, map(float, values), strict=True)) for values in zip(*columns, strict=True)]  # fmt: skip
    folder = write_store(tmp_path / "s", varied, fake_runs(points, 1), FAKE_OUTCOMES)
    shape = design_shape(load_results(folder))
    assert not shape.grid and shape.effects and shape.lines is None
    paths = plot_results(folder)
    _check_figures(paths, folder / "figures", {"tradeoff", "effects"})


def test_figures_are_the_same_bytes_each_time(tmp_path: Path) -> None:
    points = grid(governance=[0.0, 0.5, 1.0])
    folder = write_store(tmp_path / "s", ["governance"], fake_runs(points, 2), FAKE_OUTCOMES)
    first = {p.name: p.read_bytes() for p in plot_results(folder, out=tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in plot_results(folder, out=tmp_path / "b")}
    assert first == second


def test_short_names_are_initials_unless_they_clash() -> None:
    assert short_names(["collaboration", "marketing_budget"]) == {
        "collaboration": "c",
        "marketing_budget": "mb",
    }
    assert short_names(["shadow_lead_weeks", "shadow_life_weeks"])["shadow_lead_weeks"] == (
        "shadow_lead_weeks"
    )
    assert all(name in PARAMETERS for name in ("collaboration", "marketing_budget"))


def test_an_export_follows_the_umask(tmp_path: Path) -> None:
    """Issue 11.11: exported files were created with mode 0600 (mkstemp's), whatever the umask."""
    import os

    runs = fake_runs([{"collaboration": 0.2}, {"collaboration": 0.8}], replicates=1)
    folder = write_store(tmp_path / "s", ["collaboration"], runs, FAKE_OUTCOMES)
    old = os.umask(0o022)
    try:
        for fmt in ("csv", "parquet"):
            mode = export_results(folder, fmt).stat().st_mode & 0o777
            assert mode == 0o644, oct(mode)
    finally:
        os.umask(old)
