"""docs/ODD.md points at real code: every method it names exists where it says.

The ODD is the model's citable description; a rename that leaves it pointing at nothing
would make a reader's lookup fail silently, so this test fails instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from simulation.model.agents import ITAgent, MarketingAgent
from simulation.model.budget import Budget
from simulation.model.customers import CustomerPopulation
from simulation.model.delivery import Delivery
from simulation.model.estate import Estate
from simulation.model.ledger import Ledger
from simulation.model.levers import Leadership
from simulation.model.model import DigitalTransformationModel
from simulation.model.security import Security

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
OWNERS = {
    "DTM": DigitalTransformationModel,
    "DigitalTransformationModel": DigitalTransformationModel,
    "Delivery": Delivery,
    "Security": Security,
    "Budget": Budget,
    "Ledger": Ledger,
    "Leadership": Leadership,
    "MarketingAgent": MarketingAgent,
    "ITAgent": ITAgent,
    "CustomerPopulation": CustomerPopulation,
    "Estate": Estate,
}
STEPS = (
    "apply_interventions", "raise_requests", "choose_channels", "review", "build", "rework",
    "launch", "discover", "breaches", "update_customers", "update_beliefs", "allocate_budget",
    "adapt_leaders",
)  # fmt: skip
"""The weekly cycle's steps, in ODD section 3's order."""


def cited() -> set[tuple[str, str]]:
    text = ODD.read_text(encoding="utf-8")
    pattern = r"`(" + "|".join(OWNERS) + r")\.(\w+)"
    return set(re.findall(pattern, text))


def test_the_odd_cites_the_model_and_its_components() -> None:
    owners = {owner for owner, _ in cited()}
    assert {"DTM", "Delivery", "Security", "Ledger", "Leadership"} <= owners


def test_every_name_the_odd_cites_exists() -> None:
    """A method of the class, or an attribute of the instance in a small model."""
    m = DigitalTransformationModel(rng=1, n_customers=300, weeks=4, warmup_weeks=2)
    m.run()
    instances = {
        DigitalTransformationModel: m, Delivery: m.delivery, Security: m.security,
        Budget: m.tech_budget,
        Ledger: m.ledger, Leadership: m.leadership, MarketingAgent: m.marketing[0],
        ITAgent: m.it_teams[0], CustomerPopulation: m.customers, Estate: m.estate,
    }  # fmt: skip
    missing = []
    for owner, name in sorted(cited()):
        cls = OWNERS[owner]
        if not hasattr(cls, name) and not hasattr(instances[cls], name):
            missing.append(f"{owner}.{name}")
    assert not missing, f"docs/ODD.md names what the code does not have: {missing}"


def test_every_weekly_step_is_a_method_of_the_model_the_odd_names() -> None:
    names = {name for owner, name in cited() if owner in ("DTM", "DigitalTransformationModel")}
    for step in STEPS:
        assert callable(getattr(DigitalTransformationModel, step)), step
        assert step in names, f"ODD does not name DTM.{step}"
