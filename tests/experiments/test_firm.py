"""A firm profile becomes a calibration's targets (`simulation.experiments.firm`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from simulation.cli import main
from simulation.experiments.firm import ProfileError, is_profile, profile_targets
from simulation.experiments.targets import load_targets

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "experiments" / "firms" / "example_firm.toml"

PROFILE = """\
title = "A test firm"
[firm]
collaboration = 0.3
governance = 0.6
marketing_budget = 0.2
n_marketing = 10
[known]
shadow_spend_share = {{ value = 0.2, sure = 0.25 }}
requests_per_month = {{ value = 26, sure = 0.5 }}
breaches_per_year = {{ value = {breaches}, sure = 0.5 }}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "firm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_replaces_the_seed_facts_it_knows_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, PROFILE.format(breaches=0))
    assert is_profile(path) and not is_profile(ROOT / "experiments" / "targets" / "seed_facts.toml")
    targets = profile_targets(path)
    seed = load_targets("seed_facts")
    names = [t.name for t in targets.targets]
    assert "F1 shadow spend" not in names  # the firm's own survey replaces the source's 15-30%
    assert "official delivery takes months" in names  # not known: the seed fact stays
    own = {t.name: t for t in targets.targets}
    assert (
        own["shadow_spend_share (the firm's own)"].low,
        own["shadow_spend_share (the firm's own)"].high,
    ) == (
        pytest.approx(0.15),
        pytest.approx(0.25),
    )
    breaches = own["breaches_per_year (the firm's own)"]
    assert (breaches.low, breaches.high) == (0.0, 0.5)  # none last year: a band of half a breach
    # 26 requests a month from 10 marketers: 0.6 a week each, +-50%
    assert targets.priors["request_rate"] == (pytest.approx(0.3), pytest.approx(0.9))
    assert targets.priors["effort_mean"] == seed.priors["effort_mean"]
    assert targets.base["collaboration"] == 0.3 and targets.base["n_marketing"] == 10
    # the targets are a TOML file of their own, read back the same
    assert tomllib.loads(targets.text)["base"]["governance"] == 0.6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("shadow_spend_share = { value = 0.2", "shadow_spend_share = { value = 1.3"),
            "not a value a firm can have",
        ),
        (
            ("[known]", "[known]\nchurn_per_year = { value = 1.5 }"),
            "churn_per_year.value = 1.5 is not a value",
        ),
        (("[known]", "[known]\nit_lead_time_weeks = { value = 0 }"), "allowed (0, 520]"),
        (("sure = 0.25", "sure = 2"), "sure = 2 is not allowed"),
        (("[known]", "[known]\nprofit = { value = 1 }"), "unknown key known.profit"),
        (("n_marketing = 10", "n_marketing = 0"), "n_marketing"),
        (("n_marketing = 10", "size = 3"), "unknown key firm.size"),
        (("governance = 0.6", "governance = 1.6"), "governance"),
    ],
)
def test_values_a_firm_cannot_have_are_one_line(
    change: tuple[str, str], message: str, tmp_path: Path, capsys
) -> None:
    path = write(tmp_path, PROFILE.format(breaches=2).replace(*change))
    with pytest.raises(ProfileError, match=None):
        profile_targets(path)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "cal")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "firm.toml" in err[0], err
    assert not (tmp_path / "cal").exists()


def test_the_shipped_example_profile_is_valid() -> None:
    from simulation.experiments.firm import locate_profile

    found = locate_profile("example_firm")
    assert found is not None and found.name == "example_firm.toml"
    assert locate_profile("seed_facts") is None
    targets = profile_targets(EXAMPLE)
    assert targets.population == 120 and targets.generations == 3
    assert {"it_lead_time_weeks (the firm's own)", "churn_per_year (the firm's own)"} <= {
        t.name for t in targets.targets
    }


def test_a_profile_is_also_the_scenario_of_the_firm_as_run_today(tmp_path: Path) -> None:
    """An experiment over a firm's posterior starts from the firm the posterior is of:
    ``scenario = "my_firm.toml"`` reads the profile's [firm] table, nothing else."""
    from simulation.experiments.experiment import load_experiment
    from simulation.experiments.scenarios import ScenarioError, load_scenario

    scenario = load_scenario(EXAMPLE)
    firm = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["firm"]
    assert scenario.params == firm and scenario.interventions == ()
    decision = load_experiment("example_firm_decision")
    assert {k: decision.base_parameters[k] for k in firm} == firm
    assert set(decision.fixed) == set(firm)
    assert decision.money is not None
    bad = tmp_path / "firm.toml"
    text = PROFILE.format(breaches=3).replace("n_marketing = 10", "n_marketing = 10\nn_itt = 4")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    assert "firm.toml: unknown key firm.n_itt; allowed:" in str(caught.value)


def test_the_shipped_example_calibration_drives_the_example_decision() -> None:
    """docs/your_firm.md's path: the example firm's posterior (docs/calibration/example_firm)
    gives every replicate of the example decision a draw, and leaves the firm's own levers and
    headcounts (the profile's [firm]) to the scenario."""
    from simulation.experiments.experiment import load_experiment
    from simulation.experiments.posterior import load_posterior

    posterior = load_posterior(ROOT / "docs" / "calibration" / "example_firm")
    decision = load_experiment("example_firm_decision").with_posterior(posterior)
    draws = decision.draws
    assert len(draws) == 40 and all(index >= 0 for index, _ in draws.values())
    firm = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["firm"]
    for _, values in draws.values():
        assert "request_rate" in values and not set(values) & set(firm)
