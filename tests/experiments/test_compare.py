"""Fair comparisons: paired differences over common seeds, and replicates until precise enough."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.cli import main
from simulation.experiments.runner import replicate_seed
from simulation.model.outputs import HEADLINE, SUMMARY_LABELS
from simulation.report.tables import (
    DIFFERENCE_COLUMNS,
    Precision,
    difference_table,
    differences,
    format_difference,
    paired_interval,
    parse_ci_width,
    precision,
    welch_interval,
)

NAN = float("nan")


# --- the intervals, by hand ----------------------------------------------------------------


def test_paired_interval_is_the_t_interval_of_the_differences() -> None:
    # differences 1, 2, 2, 3: mean 2, sd sqrt(2/3); t(0.975, 3 df) = 3.182446
    # half-width 3.182446 * 0.816497 / sqrt(4) = 1.299228
    mean, low, high, n = paired_interval([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 7.0])
    assert (mean, n) == (2.0, 4)
    assert (low, high) == pytest.approx((0.700772, 3.299228), abs=1e-6)
    ci = stats.ttest_rel([2.0, 4.0, 5.0, 7.0], [1.0, 2.0, 3.0, 4.0]).confidence_interval()
    assert (low, high) == pytest.approx((ci.low, ci.high))


def test_welch_interval_is_the_unpaired_interval() -> None:
    # variances 5/3 and 13/3 over 4 each: se = sqrt(1.5) = 1.224745, Welch df = 5.0103,
    # t(0.975, 5.0103) = 2.568992, half-width 3.146359
    diff, low, high = welch_interval([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 7.0])
    assert diff == 2.0
    assert (low, high) == pytest.approx((-1.146359, 5.146359), abs=1e-6)
    ci = stats.ttest_ind(
        [2.0, 4.0, 5.0, 7.0], [1.0, 2.0, 3.0, 4.0], equal_var=False
    ).confidence_interval()
    assert (low, high) == pytest.approx((ci.low, ci.high))


def test_pairs_with_a_missing_value_are_dropped() -> None:
    mean, low, high, n = paired_interval([1.0, NAN, 3.0, 4.0, 9.0], [2.0, 4.0, 5.0, 7.0, NAN])
    assert (mean, n) == (2.0, 3)  # differences 1, 2, 3
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half))
    single = paired_interval([1.0], [3.0])
    assert single[0] == 2.0 and math.isnan(single[1]) and single[3] == 1
    assert paired_interval([NAN], [1.0])[3] == 0
    with pytest.raises(ValueError, match="length"):
        paired_interval([1.0, 2.0], [1.0])
    assert welch_interval([1.0, 1.0], [2.0, 2.0]) == (1.0, 1.0, 1.0)


def summary_of(values: dict[str, list[float]], **columns: list[float]) -> pd.DataFrame:
    """A summary frame: scenario -> ttm_all per replicate, the same seeds in each."""
    rows = []
    for name, ttm in values.items():
        for r, value in enumerate(ttm):
            rows.append({"scenario": name, "replicate": r, "seed": 100 + r, "ttm_all": value})
    frame = pd.DataFrame(rows)
    for column, data in columns.items():
        frame[column] = data
    return frame


def test_differences_pair_replicates_and_flag_censored_medians() -> None:
    summary = summary_of(
        {"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 5.0, 7.0], "c": [1.0, 2.0, 3.0, 5.0]},
        ttm_all_censored=[0, 0, 0, 1] + [0] * 4 + [0, 1, 0, 0],
    )
    table = differences(summary)
    assert list(table.columns) == list(DIFFERENCE_COLUMNS)
    assert set(table["scenario"]) == {"b", "c"} and set(table["reference"]) == {"a"}
    assert len(table) == 2 * len(SUMMARY_LABELS)
    b = table[(table["scenario"] == "b") & (table["outcome"] == "ttm_all")].iloc[0]
    assert (b["n"], b["mean_difference"]) == (4, 2.0)
    assert (b["low"], b["high"]) == pytest.approx((0.700772, 3.299228), abs=1e-6)
    assert (b["welch_low"], b["welch_high"]) == pytest.approx((-1.146359, 5.146359), abs=1e-6)
    # b's medians are measured, a's last one censored: b - a is an upper bound
    assert (b["censored"], b["reference_censored"]) == (0, 1)
    assert format_difference(b).startswith("<+2.00 [0.701, 3.30]")
    c = table[(table["scenario"] == "c") & (table["outcome"] == "ttm_all")].iloc[0]
    assert format_difference(c).startswith("~")
    only_b = summary.assign(ttm_all_censored=[0] * 4 + [1] + [0] * 7)
    row = differences(only_b, ["a", "b"]).iloc[0]
    assert format_difference(row).startswith(">+2.00")
    text = difference_table(table)
    assert text.splitlines()[0].split()[-2:] == ["b", "c"]
    assert "n/a" in text  # outcomes the summary lacks


def test_differences_refuse_unpaired_replicates() -> None:
    summary = summary_of({"a": [1.0, 2.0], "b": [1.0, 3.0]})
    summary.loc[summary["scenario"] == "b", "seed"] = [7, 8]
    with pytest.raises(ValueError, match="same replicate seeds"):
        differences(summary)


# --- dtsim compare --------------------------------------------------------------------------


@pytest.fixture
def nudged(small_scenario: Path, write_scenario) -> Path:
    """The small scenario with a little more collaboration."""
    text = small_scenario.read_text().replace("collaboration = 0.15", "collaboration = 0.2")
    return write_scenario(text, name="nudged")


def test_compare_writes_paired_differences(
    small_scenario: Path, nudged: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", str(small_scenario), str(nudged), "--weeks", "20", "--replicates", "3"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "difference from small (paired 95% interval)" in printed
    assert "95% paired t-interval] over 3 replicates" in printed
    table = pd.read_csv(out / "differences.csv")
    assert list(table.columns) == list(DIFFERENCE_COLUMNS)
    assert table["outcome"].tolist() == list(SUMMARY_LABELS)
    assert set(table["scenario"]) == {"nudged"} and set(table["reference"]) == {"small"}
    summary = pd.read_csv(out / "summary.csv")
    runs = {name: frame.set_index("replicate") for name, frame in summary.groupby("scenario")}
    for row in table.itertuples():
        mean, low, high, n = paired_interval(
            runs["small"][row.outcome], runs["nudged"][row.outcome]
        )
        assert row.n == n == 3
        assert (row.mean_difference, row.low, row.high) == pytest.approx(
            (mean, low, high),
            abs=1e-8,
            nan_ok=True,  # the CSV keeps 10 significant digits
        )


def test_paired_interval_is_narrower_than_unpaired(write_scenario, tmp_path: Path) -> None:
    """siloed against collaboration 0.15 -> 0.2, 8 replicates of 30 weeks, base seed 0.

    Measured unpaired (Welch) width / paired width, drawn by identity: ttm_all 2.39,
    shadow_share 6.34, breaches_per_year 14.0, satisfaction 8.57 (with shared streams: 2.40,
    1.39, 5.55, 2.86): with common seeds, a small lever change is resolved with 5 to 200
    times fewer replicates than with independent ones.
    """
    siloed = (Path(__file__).resolve().parents[2] / "scenarios" / "siloed.toml").read_text()
    tiny = write_scenario(siloed.replace("collaboration = 0.15", "collaboration = 0.2"), "tiny")
    out = tmp_path / "cmp"
    argv = ["compare", "siloed", str(tiny), "--weeks", "30", "--replicates", "8"]
    assert main([*argv, "--out", str(out)]) == 0
    table = pd.read_csv(out / "differences.csv").set_index("outcome")
    ratio = (table["welch_high"] - table["welch_low"]) / (table["high"] - table["low"])
    # The figures above are a measurement, not a contract; what must hold is that pairing
    # narrows every headline interval clearly.
    assert (ratio[list(HEADLINE)] > 1.3).all()


# --- --replicates auto ----------------------------------------------------------------------


def test_ci_width_is_relative_for_a_number_and_absolute_for_a_key() -> None:
    assert parse_ci_width("0.05") == {key: (0.05, True) for key in HEADLINE}
    both = parse_ci_width("0.1, ttm_all=0.5,rework_rate=0.02")
    assert both["ttm_all"] == (0.5, False) and both["rework_rate"] == (0.02, False)
    assert both["satisfaction"] == (0.1, True)
    assert parse_ci_width("satisfaction=0.01") == {"satisfaction": (0.01, False)}
    for bad in ("0", "-1", "inf", "x", "ttm=1", "0.1,0.2", "ttm_all=1,ttm_all=2", ""):
        with pytest.raises(ValueError):
            parse_ci_width(bad)


def test_precision_of_each_scenario_or_of_the_paired_differences() -> None:
    summary = summary_of({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 5.0, 7.0]})
    a, _ = precision(summary, {"ttm_all": (0.5, True)})
    half_a = stats.t.ppf(0.975, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    assert a == Precision("ttm_all", "a", pytest.approx(half_a), 0.5 * 2.5)
    assert not a.met and a.ratio > 1
    (paired,) = precision(summary, {"ttm_all": (1.3, False)}, paired=True)
    assert (paired.scenario, paired.reference) == ("b", "a")
    assert paired.half_width == pytest.approx(1.299228, abs=1e-6) and paired.met
    (relative,) = precision(summary, {"ttm_all": (0.5, True)}, paired=True)
    assert relative.limit == 0.5 * 2.5  # a fraction of the reference's mean


def auto_lines(err: str) -> list[str]:
    return [line for line in err.replace("\r", "\n").splitlines() if "replicates:" in line]


def test_auto_replicates_stop_when_wide_enough(
    small_scenario: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "auto"
    argv = ["run", str(small_scenario), "--weeks", "20", "--replicates", "auto"]
    # wide enough for the first batch with room (at the seventh calibration's candidate,
    # breaches a year came to 0.84 of a 1.0 target; at the hand-set defaults within 0.5)
    assert main([*argv, "--ci-width", "1.5", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "auto replicates: target reached after 10 replicates" in captured.out
    (batch,) = [line for line in auto_lines(captured.err) if line.strip()[0].isdigit()]
    assert batch.split()[:2] == ["10", "replicates:"] and "too wide" not in batch
    summary = pd.read_csv(out / "summary.csv")
    assert summary["seed"].tolist() == [replicate_seed(0, r) for r in range(10)]
    record = json.loads((out / "manifest.json").read_text())
    assert record["replicates"] == 10
    assert record["auto_replicates"]["reached"] is True
    assert record["auto_replicates"]["batches"] == [10]


def test_auto_replicates_stop_at_the_maximum(
    small_scenario: Path, nudged: Path, tmp_path: Path, capsys
) -> None:
    """Too tight a width: batches of 10 and 2 (capped), then the maximum is said clearly.

    The replicates are those of a fixed --replicates 12 run, byte for byte.
    """
    auto, fixed = tmp_path / "auto", tmp_path / "fixed"
    argv = ["compare", str(small_scenario), str(nudged), "--weeks", "20"]
    tight = ["--replicates", "auto", "--ci-width", "0.001", "--max-replicates", "12"]
    assert main([*argv, *tight, "--out", str(auto)]) == 0
    captured = capsys.readouterr()
    assert "MAXIMUM of 12 replicates reached before the target" in captured.out
    batches = [line for line in auto_lines(captured.err) if line.strip()[0].isdigit()]
    assert [line.split()[0] for line in batches] == ["10", "12"]
    assert all("too wide" in line for line in batches)
    assert main([*argv, "--replicates", "12", "--out", str(fixed)]) == 0
    for name in ("timeseries.csv", "summary.csv", "differences.csv"):
        assert (auto / name).read_bytes() == (fixed / name).read_bytes()
