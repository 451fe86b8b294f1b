"""Parameter uncertainty in a result: a calibration's posterior, one draw per replicate
(`simulation.experiments.posterior`, `dtsim run/compare --posterior`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from simulation.cli import main
from simulation.experiments.folders import OUTPUT_FILES
from simulation.experiments.posterior import (
    POSTERIOR_FILE,
    PosteriorError,
    load_posterior,
    replicate_values,
    variance_split,
)
from simulation.experiments.run import run_model
from simulation.experiments.runner import replicate_seed, run_specs, scenario_spec
from simulation.model.params import PARAMETERS

SHORT = SMALL + "weeks = 20\n"


def write_posterior(folder: Path, frame: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / POSTERIOR_FILE)
    return folder


def firms(weights: list[float]) -> pd.DataFrame:
    """Particles that differ in how many requests marketing raises and how long reviews take."""
    n = len(weights)
    return pd.DataFrame(
        {
            "request_rate": np.linspace(0.15, 0.45, n),
            "review_work": np.linspace(1.0, 6.0, n),
            "weight": weights,
        }
    )


@pytest.fixture
def posterior(tmp_path: Path) -> Path:
    return write_posterior(tmp_path / "cal", firms([0.2, 0.3, 0.5]))


def test_draws_follow_the_weights_and_do_not_depend_on_how_many_replicates(
    posterior: Path, tmp_path: Path
) -> None:
    p = load_posterior(posterior)
    assert p.names == ("request_rate", "review_work") and len(p) == 3
    draws = [p.draw_index(7, r) for r in range(4000)]
    shares = np.bincount(draws, minlength=3) / len(draws)
    assert shares == pytest.approx([0.2, 0.3, 0.5], abs=0.03)
    assert [p.draw_index(7, r) for r in range(10)] == draws[:10]  # stable
    assert draws != [p.draw_index(8, r) for r in range(4000)]  # the seed matters
    only = load_posterior(write_posterior(tmp_path / "one", firms([0.0, 1.0, 0.0])))
    assert {only.draw_index(3, r) for r in range(50)} == {1}
    assert only.ess == pytest.approx(1.0)


def test_a_scenario_keeps_the_calibrated_values_it_sets(posterior: Path) -> None:
    p = load_posterior(posterior)
    values = replicate_values(p, 0, range(5), fixed={"review_work"})
    for index, chosen in values.values():
        assert chosen == {"request_rate": pytest.approx(p.values[index][0])}


def test_every_scenario_gets_the_same_draw_and_a_row_reruns_alone(
    posterior: Path, write_scenario: Callable[..., Path]
) -> None:
    p = load_posterior(posterior)
    specs = [
        scenario_spec(write_scenario(SHORT, "a")),
        scenario_spec(write_scenario(SHORT.replace("0.15", "0.6"), "b")),
    ]
    _, summary = run_specs(specs, 3, 4, posterior=p)
    a, b = (summary[summary["scenario"] == n].reset_index(drop=True) for n in ("a", "b"))
    assert a["draw"].tolist() == b["draw"].tolist() == [p.draw_index(3, r) for r in range(4)]
    _, plain = run_specs(specs[:1], 3, 4)
    assert not np.allclose(plain["ttm_all"], a["ttm_all"])  # the draws changed the firm
    row = a.iloc[2]
    params = {**specs[0].parameters, **p.values_of(int(row["draw"]))}
    _, alone = run_model(params, replicate_seed(3, 2))
    assert alone["ttm_all"] == row["ttm_all"] and alone["shadow_share"] == row["shadow_share"]


def test_variance_split() -> None:
    split = variance_split({"x": 1.0, "y": 2.0, "z": 1.0}, {"x": 4.0, "y": 1.0, "z": 0.0})
    assert split["x"] == 0.75 and split["y"] == 0.0 and np.isnan(split["z"])


def test_compare_shows_both_intervals_and_a_rerun_repeats_them(
    posterior: Path, write_scenario: Callable[..., Path], tmp_path: Path, capsys
) -> None:
    a, b = write_scenario(SHORT, "a"), write_scenario(SHORT.replace("0.15", "0.6"), "b")
    out = tmp_path / "out"
    argv = ["compare", str(a), str(b), "--replicates", "4", "--posterior", str(posterior)]
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "point estimate: stochastic only" in text and "over the posterior: + parameters" in text
    assert "b - a" in text and "parameter share" in text
    written = {p.name for p in out.iterdir()}
    assert written == OUTPUT_FILES - {"run.png"}  # every file compare --posterior writes
    table = pd.read_csv(out / "uncertainty.csv")
    assert set(table["outcome"]) == {"ttm_all", "shadow_share", "breaches_per_year", "satisfaction"}
    assert ((table["parameter_share"] >= 0) & (table["parameter_share"] <= 1)).all()
    drawn = pd.read_csv(out / "summary_posterior.csv")
    assert "draw" in drawn.columns and len(drawn) == 8
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posterior"]["sha256"] == load_posterior(posterior).sha256

    assert main(["rerun", str(out), "--out", str(tmp_path / "again")]) == 0
    said = capsys.readouterr().out
    assert "identical to" in said and "summary_posterior.csv" in said and "DIFFERENT" not in said
    write_posterior(posterior, firms([0.5, 0.3, 0.2]))  # another posterior under the same name
    assert main(["rerun", str(out), "--out", str(tmp_path / "third")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not the posterior" in err[0], err


def _bad(tmp_path: Path) -> list[tuple[str, Path, str]]:
    root = tmp_path / "bad"
    lever = firms([1.0, 1.0, 1.0]).assign(collaboration=0.5)
    wide = firms([1.0, 1.0, 1.0]).assign(request_rate=[0.1, 0.2, 99.0])
    broken = root / "broken"
    broken.mkdir(parents=True)
    (broken / POSTERIOR_FILE).write_bytes(b"PAR1 not really")
    return [
        ("missing", root / "nowhere", "no such folder"),
        ("empty", _empty(root / "none"), f"no {POSTERIOR_FILE}"),
        ("broken", broken, "not a readable Parquet file"),
        (
            "unknown",
            write_posterior(root / "u", firms([1.0]).rename(columns={"review_work": "vibes"})),
            "'vibes'",
        ),
        ("lever", write_posterior(root / "l", lever), "'collaboration' is not a calibrated kind"),
        ("range", write_posterior(root / "r", wide), "request_rate must be in [0.0, 10.0]"),
        ("weights", write_posterior(root / "w", firms([1.0, -1.0, 0.5])), "finite weights >= 0"),
        (
            "no weight",
            write_posterior(root / "n", firms([1.0]).drop(columns="weight")),
            "no column 'weight'",
        ),
    ]


def _empty(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_bad_posterior_is_one_line_before_anything_runs(
    tmp_path: Path, small_scenario: Path, capsys
) -> None:
    assert PARAMETERS["request_rate"].high == 10.0
    for name, folder, expected in _bad(tmp_path):
        out = tmp_path / f"out-{name.replace(' ', '-')}"
        argv = ["run", str(small_scenario), "--replicates", "2", "--posterior", str(folder)]
        assert main([*argv, "--out", str(out)]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], (name, err)
        assert not out.exists(), name
        with pytest.raises(PosteriorError):
            load_posterior(folder)
    argv = ["run", str(small_scenario), "--replicates", "1", "--posterior", str(tmp_path)]
    assert main(argv) == 2
    assert "--posterior needs --replicates 2 or more" in capsys.readouterr().err


def test_auto_replicates_run_the_posterior_as_often_as_the_stochastic_runs_needed(
    posterior: Path, small_scenario: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "auto"
    argv = ["run", str(small_scenario), "--weeks", "20", "--replicates", "auto"]
    argv += ["--ci-width", "0.5", "--max-replicates", "15", "--posterior", str(posterior)]
    assert main([*argv, "--out", str(out)]) == 0
    fixed = pd.read_csv(out / "summary.csv")
    drawn = pd.read_csv(out / "summary_posterior.csv")
    assert len(drawn) == len(fixed) >= 10


SWEEP = """\
title = "Two levers over a posterior"
scenario = "base.toml"
sampler = "grid"
seed = 5
replicates = 3

[parameters]
collaboration = [0.2, 0.8]
review_work = [2.0, 4.0]
"""


def test_a_sweep_over_the_posterior_pairs_its_points_and_resumes_only_with_it(
    posterior: Path, tmp_path: Path, write_base: Callable[[Path], Path], capsys
) -> None:
    from simulation import load_results
    from simulation.experiments.experiment import load_experiment

    write_base(tmp_path)
    path = tmp_path / "exp.toml"
    path.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "sweep"
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main([*argv, "--posterior", str(posterior)]) == 0
    frame = load_results(out)
    p = load_posterior(posterior)
    expected = [p.draw_index(5, r) for r in range(3)]
    for _, point in frame.groupby("point"):
        assert point.sort_values("replicate")["draw"].tolist() == expected
    # review_work is varied, so the sweep's values stand; request_rate comes from the draw.
    experiment = load_experiment(path).with_posterior(p)
    run = experiment.runs()[4]
    params = experiment.parameters(run)
    assert params["review_work"] == run.params["review_work"]
    assert params["request_rate"] == p.values[expected[run.replicate]][0]
    _, alone = run_model(params, run.seed)
    assert alone["ttm_all"] == frame.set_index("run").loc[4, "ttm_all"]
    text = capsys.readouterr().out
    assert "Robustness brief (over the posterior's draws):" in text
    assert "3 draws are too few to say which parameters decide it" in text
    assert main(["report", str(out)]) == 0
    assert "<h2>Robustness brief</h2>" in (out / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main([*argv, "--posterior", str(posterior)]) == 0  # resumes: nothing to run
    assert "0 runs done (12 already in the store)" in capsys.readouterr().out
    assert main(argv) == 2
    assert "now without --posterior" in capsys.readouterr().err


def test_the_figures_draw_the_wider_band_lighter(
    posterior: Path, write_scenario: Callable[..., Path]
) -> None:
    from simulation.viz.plots import DRAWN_LABEL, compare_figure, run_figure

    specs = [scenario_spec(write_scenario(SHORT, "a")), scenario_spec(write_scenario(SHORT, "b"))]
    fixed, _ = run_specs(specs, 1, 3)
    drawn, _ = run_specs(specs, 1, 3, posterior=load_posterior(posterior))
    for fig in (
        run_figure(fixed[fixed["scenario"] == "a"], drawn=drawn[drawn["scenario"] == "a"]),
        compare_figure(fixed, drawn=drawn),
    ):
        labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
        assert DRAWN_LABEL in labels
        bands = [c for c in fig.axes[0].collections if c.get_alpha() is not None]
        assert min(c.get_alpha() for c in bands) < 0.1 < max(c.get_alpha() for c in bands)
