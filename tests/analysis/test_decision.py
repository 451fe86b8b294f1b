"""A decision from a sweep (`simulation.analysis.decision`): scores, regret within the same
replicate, requirements, ties, and one sentence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.decision import (
    DecisionError,
    decide,
    parse_requirement,
    parse_weights,
    robust_table,
    scores,
)
from simulation.cli import main

R = 40


def sweep(columns: dict[int, dict[str, np.ndarray]]) -> pd.DataFrame:
    """A results frame: point p has collaboration p / 10 and the given outcome arrays."""
    rows = []
    for point, outcomes in columns.items():
        for r in range(len(outcomes["ttm_all"])):
            row = {"point": point, "replicate": r, "collaboration": point / 10}
            row.update({k: float(v[r]) for k, v in outcomes.items()})
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["varied"] = ["collaboration"]
    return frame


def firm(ttm: np.ndarray, breaches: np.ndarray | float = 2.0) -> dict[str, np.ndarray]:
    ones = np.ones(len(ttm))
    return {
        "ttm_all": ttm,
        "shadow_share": 0.1 * ones,
        "breaches_per_year": breaches * ones,
        "satisfaction": 0.5 * ones,
    }


def test_the_best_on_average_and_the_most_robust_can_differ() -> None:
    """Setting 1 is faster on average but very slow in 15% of the firms; setting 2 is
    never far behind. Regret is taken within each replicate (the same firm)."""
    rng = np.random.default_rng(0)
    base = 10 + rng.normal(0, 0.5, R)
    risky = base - 4.0
    risky[:6] += 12.0  # a bad 15%
    steady = base - 1.5
    frame = sweep({0: firm(base), 1: firm(risky), 2: firm(steady)})
    weights = {"ttm_all": 1.0}
    table = robust_table(frame, weights).set_index("point")
    assert table.loc[1, "ttm_all"] < table.loc[2, "ttm_all"]  # risky wins on average
    assert table.loc[2, "regret_p90"] < table.loc[1, "regret_p90"]
    regret = scores(frame, weights).pivot(index="replicate", columns="point", values="score")
    expected = (regret.max(axis=1) - regret[1]).mean()
    assert table.loc[1, "regret"] == pytest.approx(expected)
    decision = decide(frame, weights)
    assert decision.recommended == 1 and decision.robust == 2
    assert decision.sentence.startswith("Recommended: collaboration 0.1, score ")
    assert "The most robust setting is collaboration 0.2" in decision.sentence


def test_what_the_recommendation_gives_up_and_a_tie() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.05, R)
    fast_leaky = firm(5 + noise, breaches=4.0)
    slow_safe = firm(8 + noise, breaches=1.0)
    decision = decide(
        sweep({0: fast_leaky, 1: slow_safe}), parse_weights("breaches_per_year=3,ttm_all=1")
    )
    assert decision.recommended == 1 and not decision.tie
    assert "gives up 3 weeks of time to market" in decision.sentence
    same = decide(
        sweep({0: firm(5 + noise), 1: firm(5 + noise + rng.normal(0, 0.01, R))}), {"ttm_all": 1}
    )
    assert same.tie and "tied with" in same.sentence and "do not tell them apart" in same.sentence


def test_requirements_pick_the_setting_that_meets_them_most_often() -> None:
    breaches = np.where(np.arange(R) < R // 2, 1.0, 5.0)
    frame = sweep({0: firm(np.full(R, 3.0), breaches), 1: firm(np.full(R, 6.0), 2.0)})
    required = [parse_requirement("breaches_per_year<3")]
    table = robust_table(frame, {"ttm_all": 1.0}, required).set_index("point")
    assert table.loc[0, "meets"] == 0.5 and table.loc[1, "meets"] == 1.0
    decision = decide(frame, {"ttm_all": 1.0}, required)
    assert decision.recommended == 1  # slower, but within the threshold in every replicate
    assert "meeting breaches_per_year < 3 in 100% of replicates" in decision.sentence


def test_few_replicates_are_flagged() -> None:
    frame = sweep({0: firm(np.arange(R, dtype=float)), 1: firm(np.arange(R, dtype=float) + 1)})
    small = frame[frame["replicate"] < 3]
    small.attrs["varied"] = ["collaboration"]
    assert (
        "Only 3 replicates a setting: the intervals are unreliable"
        in decide(small, {"ttm_all": 1}).sentence
    )


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("speed=1", "allowed outcomes: ttm_all"),
        ("ttm_all=-1", "ttm_all must weigh a number >= 0"),
        ("ttm_all=0", "at least one weight must be above 0"),
        ("ttm_all", "is not OUTCOME=WEIGHT"),
    ],
)
def test_bad_weights_are_one_line(weights: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        parse_weights(weights)


@pytest.mark.parametrize("text", ["breaches<3", "satisfaction=0.5", "ttm_all<fast", "<3"])
def test_bad_requirements_are_one_line(text: str) -> None:
    with pytest.raises(DecisionError, match=r"allowed OUTCOME<VALUE|is not a number"):
        parse_requirement(text)


def test_the_sweep_and_its_report_open_with_the_recommendation(
    tmp_path: Path, write_base: Callable[[Path], Path], capsys
) -> None:
    write_base(tmp_path)
    path = tmp_path / "exp.toml"
    path.write_text(
        'title = "Two settings"\nscenario = "base.toml"\nsampler = "grid"\nseed = 1\n'
        "replicates = 3\n[parameters]\ncollaboration = [0.1, 0.9]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    bad = ["sweep", str(path), "--out", str(out), "--weights", "fast=1"]
    assert main(bad) == 2
    assert not out.exists()  # refused before anything ran
    capsys.readouterr()
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "--require", "satisfaction>0"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    after = text.split("store: ", 1)[1].split("\n", 2)[2]
    assert after.lstrip().startswith("Recommended: collaboration ")
    assert main(["report", str(out), "--weights", "satisfaction=1"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<p class="decision"><strong>Recommended: collaboration ' in html
    assert "Weights: satisfaction 1." in html


def test_what_decides_finds_the_kind_of_firm_where_the_choice_loses() -> None:
    """Setting 1 is better except in firms with a high request rate, where setting 2 wins:
    scenario discovery over the drawn parameters should name request_rate's upper range."""
    from simulation.analysis.decision import what_decides

    n = 60
    rng = np.random.default_rng(4)
    draws = pd.DataFrame(
        {
            "request_rate": rng.uniform(0.15, 0.5, n),
            "review_work": rng.uniform(1, 10, n),
            "w_wait": rng.uniform(0.3, 2, n),
        }
    ).rename_axis("replicate")
    busy = draws["request_rate"].to_numpy() > 0.4
    ttm_1 = np.where(busy, 12.0, 4.0)
    ttm_2 = np.full(n, 7.0)
    frame = sweep({1: firm(ttm_1), 2: firm(ttm_2)})
    decision = decide(frame, {"ttm_all": 1.0})
    assert decision.recommended == 1
    brief = what_decides(frame, decision, draws, {"ttm_all": 1.0})
    assert brief.losing == int(busy.sum())
    assert brief.box is not None and list(brief.box["parameter"]) == ["request_rate"]
    assert brief.box["low"].iloc[0] > 0.35 and brief.density == 1.0
    assert "They gather where request_rate" in brief.sentence
    few = what_decides(frame[frame["replicate"] < 20], decision, draws.iloc[:20], {"ttm_all": 1.0})
    assert few.box is None and "too few to say" in few.sentence


def test_failed_runs_leave_regret_unmeasured_without_a_warning() -> None:
    frame = sweep({0: firm(np.full(R, 3.0)), 1: firm(np.full(R, 4.0))})
    frame = frame.assign(status="ok")
    frame.loc[(frame["point"] == 1) & (frame["replicate"] % 2 == 0), "status"] = "failed"
    frame.loc[(frame["point"] == 0) & (frame["replicate"] % 2 == 1), "status"] = "failed"
    frame.attrs["varied"] = ["collaboration"]
    decision = decide(frame, {"ttm_all": 1.0})  # warnings are errors in the tests
    assert decision.recommended == 0
    assert "Regret cannot be measured" in decision.sentence and "nan" not in decision.sentence


def test_in_money_the_cheapest_setting_wins_and_the_sentence_says_what_it_saves() -> None:
    from simulation.analysis.decision import costs
    from simulation.experiments.money import Money

    money = Money(unit="EUR", collaboration=1000.0, governance=500.0, breach=20000.0)
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 0.2, R)
    frame = sweep({2: firm(np.full(R, 5.0), 3.0 + noise), 8: firm(np.full(R, 5.0), 1.0 + noise)})
    frame["churn_per_year"] = 0.1
    valued = costs(frame, money, {"governance": 0.5, "n_customers": 100})
    first = valued.iloc[0]  # collaboration 0.2, governance 0.5 from the base
    assert first["levers"] == pytest.approx(52 * (1000 * 0.2 + 500 * 0.5))
    assert first["breaches"] == pytest.approx(20000 * frame["breaches_per_year"].iloc[0])
    assert first["churn"] == 0.0  # no value given for a churned customer: no money invented
    decision = decide(frame, {}, money=money, base={"governance": 0.5, "n_customers": 100})
    # collaboration 0.8 costs 52 * 600 = 31,200 more a year and saves 2 breaches (40,000)
    assert decision.recommended == 8
    assert "Recommended: collaboration 0.8, costing " in decision.sentence
    assert "EUR a year" in decision.sentence and "it saves 8,800 EUR a year" in decision.sentence


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[money]\nbreach = -1\n", "money.breach = -1 is not allowed"),
        ("[money]\nbreech = 1\n", "unknown key money.breech; allowed: unit, collaboration"),
        ('[money]\nunit = "a very long currency"\n', "money.unit must be a short name"),
        ("[money]\ngovernance = true\n", "money.governance = True is not allowed"),
        ("money = 3\n", "money must be a table"),
    ],
)
def test_bad_money_is_one_line(
    table: str, message: str, tmp_path: Path, write_base: Callable[[Path], Path], capsys
) -> None:
    write_base(tmp_path)
    path = tmp_path / "exp.toml"
    head = 'title = "t"\nscenario = "base.toml"\nsampler = "grid"\nseed = 1\nreplicates = 2\n'
    body = "[parameters]\ncollaboration = [0.1, 0.9]\n"
    path.write_text(
        head + (table + body if table.startswith("money") else body + table), encoding="utf-8"
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_a_sweep_with_money_speaks_in_money_and_prices_do_not_rerun(
    tmp_path: Path, write_base: Callable[[Path], Path], capsys
) -> None:
    write_base(tmp_path)
    path = tmp_path / "exp.toml"
    text = (
        'title = "t"\nscenario = "base.toml"\nsampler = "grid"\nseed = 1\nreplicates = 3\n'
        "[parameters]\ncollaboration = [0.1, 0.9]\n"
        '[money]\nunit = "EUR"\ncollaboration = 2000\nbreach = 50000\n'
    )
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert "costing " in said and "EUR a year" in said and "cost a year (EUR) [interval]" in said
    first = said.split("Recommended: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace("breach = 50000", "breach = 90000"), encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    again = capsys.readouterr().out
    assert "0 runs done (6 already in the store)" in again
    assert again.split("Recommended: ", 1)[1].split("\n", 1)[0] != first  # the new prices
    assert "breach = 90000" in (out / "experiment.toml").read_text(encoding="utf-8")


def test_the_regret_figure_outlines_the_recommended_and_the_most_robust() -> None:
    """simulation.viz.sweep_plots.regret_figure (the README's example-firm figure): two
    panels over a 2-D grid, the recommended setting solid, the most robust dashed."""
    from matplotlib.patches import Rectangle

    from simulation.viz.sweep_plots import regret_figure

    rng = np.random.default_rng(1)
    rows = []
    for point, (c, g) in enumerate([(c, g) for c in (0.0, 1.0) for g in (0.0, 0.5, 1.0)]):
        for r in range(R):
            ttm = 10 - 3 * c - 2 * g + rng.normal(0, 1) + (6.0 if (point == 5 and r < 6) else 0)
            rows.append({"point": point, "replicate": r, "collaboration": c, "governance": g,
                         **{k: float(v[0]) for k, v in firm(np.array([ttm])).items()}})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.attrs["varied"] = ["collaboration", "governance"]
    decision = decide(frame, {"ttm_all": 1.0})
    fig = regret_figure(decision.table, decision.recommended, decision.robust, title="a test")
    panels = [ax for ax in fig.axes if ax.get_title().startswith("regret")]
    assert [ax.get_title() for ax in panels] == [
        "regret on average (lower is better)",
        "regret in the worst tenth (lower is better)",
    ]
    styles = {
        p.get_linestyle() for p in panels[0].patches if isinstance(p, Rectangle) and not p.fill
    }
    assert styles == ({"solid"} if decision.recommended == decision.robust else {"solid", "dashed"})
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith("recommended") or legend == ["most robust", "recommended"]
