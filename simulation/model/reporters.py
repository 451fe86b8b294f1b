"""What the DataCollector records each week, and the end-of-run summary of a run.

Reporters are small named functions of the model (Mesa's examples' habit); each reads
counters the weekly cycle kept, so collecting a week costs microseconds. Nothing here is
computed from the levers: only from what the agents did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.model.requests import Motive, Status, reached
from simulation.stats import km_median

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel as Model


def week(m: Model) -> int:
    return m.week


def time_to_market(m: Model) -> float:
    """Median weeks request to launch, over launches of the last 26 weeks."""
    return m.ledger.launched_ttm(m.week, "all")


def ttm_official(m: Model) -> float:
    return m.ledger.launched_ttm(m.week, "official")


def ttm_shadow(m: Model) -> float:
    return m.ledger.launched_ttm(m.week, "shadow")


def shadow_share(m: Model) -> float:
    """Share of live systems IT does not know about or did not approve."""
    live, shadow = m.estate.counts()
    return shadow / live if live else 0.0


def shadow_spend_share(m: Model) -> float:
    """Share of technology spend (last 52 weeks) that went on shadow tools."""
    return m.ledger.shadow_spend_share()


def breaches(m: Model) -> int:
    return m.ledger.breaches_official + m.ledger.breaches_shadow


def breaches_official(m: Model) -> int:
    return m.ledger.breaches_official


def breaches_shadow(m: Model) -> int:
    return m.ledger.breaches_shadow


def breaches_total(m: Model) -> int:
    """Cumulative breaches since recording started."""
    return m.ledger.totals["breaches_official"] + m.ledger.totals["breaches_shadow"]


def satisfaction(m: Model) -> float:
    """Mean satisfaction of active customers (kept by the weekly customer update)."""
    return m.customers.mean


def churn(m: Model) -> float:
    """Share of active customers who left this week."""
    active = int(np.count_nonzero(m.customers.active)) + m.customers.churned_this_week
    return m.customers.churned_this_week / active if active else 0.0


def it_backlog(m: Model) -> int:
    """Official requests at IT (review and build), not launched yet."""
    return m.in_it


def marketing_trust(m: Model) -> float:
    return sum(a.trust for a in m.marketing) / len(m.marketing)


def rework_rate(m: Model) -> float:
    """Share of this week's deliveries sent back for rework."""
    return m.ledger.reworks / m.ledger.deliveries if m.ledger.deliveries else 0.0


def requests_marketing_share(m: Model) -> float:
    """Share of requests raised so far (recorded weeks) that came from marketing."""
    t = m.ledger.totals
    raised = t["raised_marketing"] + t["raised_it"]
    return t["raised_marketing"] / raised if raised else 0.0


def shadow_too_slow(m: Model) -> int:
    return m.ledger.shadow_bought[Motive.TOO_SLOW]


def shadow_budget(m: Model) -> int:
    return m.ledger.shadow_bought[Motive.BUDGET]


def shadow_habit(m: Model) -> int:
    return m.ledger.shadow_bought[Motive.HABIT]


def it_utilisation(m: Model) -> float:
    return m.ledger.it_worked / m.it_capacity if m.it_capacity > 0 else 0.0


def collaboration_now(m: Model) -> float:
    """The levers in force during this week (interventions and adaptive leaders included)."""
    return m.levers_now[0]


def governance_now(m: Model) -> float:
    return m.levers_now[1]


def marketing_budget_now(m: Model) -> float:
    return m.levers_now[2]


REPORTERS = {
    f.__name__: f
    for f in (
        week,
        time_to_market,
        ttm_official,
        ttm_shadow,
        shadow_share,
        shadow_spend_share,
        breaches,
        breaches_official,
        breaches_shadow,
        breaches_total,
        satisfaction,
        churn,
        it_backlog,
        marketing_trust,
        rework_rate,
        requests_marketing_share,
        shadow_too_slow,
        shadow_budget,
        shadow_habit,
        it_utilisation,
        collaboration_now,
        governance_now,
        marketing_budget_now,
    )
}


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector of :data:`REPORTERS`, whose `collect` is one call per reporter.

    Every reporter here is a plain function of the model that returns a number, so Mesa's
    deep copy of each value (a guard for mutable ones) and its first-week validation call
    only cost time; the values and the frame are the same.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters=REPORTERS)
        self._columns = [(self.model_vars[name], f) for name, f in REPORTERS.items()]

    def collect(self, model: Model) -> None:
        """This week's value of every reporter, appended to its column."""
        self._collection_steps.append(model.time)
        for column, reporter in self._columns:
            column.append(reporter(model))


# --- end of run ----------------------------------------------------------------------
def summarize(m: Model) -> dict[str, float]:
    """One run's outcomes: what the tables, sweeps and validity checks compare.

    ``ttm_all`` is the Kaplan-Meier median over every request raised while recording,
    launched or not (deferred and dropped ones count as not launched yet); when fewer than
    half have launched it is censored: the longest follow-up is reported and
    ``ttm_all_censored`` is 1. Every time-to-market median is interpolated between whole
    weeks (`km_median`), so a lever's small effect is not lost to rounding.
    """
    frame = m.datacollector.get_model_vars_dataframe()
    years = max(m.week, 1) / 52.0
    last = frame.tail(52)
    t = m.ledger.totals
    ttm_all, cens_all = _km_over(m, marketing_only=False)
    ttm_mkt, cens_mkt = _km_over(m, marketing_only=True)
    recorded = [w for w in m.ledger.launch_week if w >= 1]
    n0 = len(m.ledger.launch_week) - len(recorded)
    launched = np.asarray(m.ledger.launch_ttm[n0:], dtype=float)
    shadow = np.asarray(m.ledger.launch_shadow[n0:], dtype=bool)
    submitted = max(t["submitted"], 1)
    return {
        "ttm_all": ttm_all,
        "ttm_all_censored": float(cens_all),
        "ttm_marketing": ttm_mkt,
        "ttm_marketing_censored": float(cens_mkt),
        "time_to_market": _median(launched),
        "ttm_official": _median(launched[~shadow]),
        "ttm_shadow": _median(launched[shadow]),
        "shadow_share": float(last["shadow_share"].mean()),
        "shadow_spend_share": shadow_spend_share(m),
        "breaches_per_year": (t["breaches_official"] + t["breaches_shadow"]) / years,
        "breaches_official_per_year": t["breaches_official"] / years,
        "breaches_shadow_per_year": t["breaches_shadow"] / years,
        "satisfaction": satisfaction(m),
        "churn_per_year": t["churned"]
        / max(float(m.customers.active.mean()) * m.customers.n, 1.0)
        / years,
        "it_backlog": float(frame["it_backlog"].mean()),
        "it_utilisation": float(frame["it_utilisation"].mean()),
        "marketing_trust": marketing_trust(m),
        "rework_rate": t["reworks"] / t["deliveries"] if t["deliveries"] else 0.0,
        "requests_marketing_share": requests_marketing_share(m),
        "shadow_purchases_per_year": (t["too_slow"] + t["budget"] + t["habit"]) / years,
        "shadow_too_slow": float(t["too_slow"]),
        "shadow_budget": float(t["budget"]),
        "shadow_habit": float(t["habit"]),
        "little_arrivals_per_week": t["submitted"] / max(m.week, 1),
        "little_mean_backlog": m.ledger.backlog_sum / max(m.week, 1),
        "submitted": float(submitted),
        "dropped_per_year": t["dropped"] / years,
        "workarounds_per_year": t["workarounds"] / years,
    }


def _median(x: np.ndarray) -> float:
    """The interpolated median of launched requests' whole weeks (`km_median`, nothing censored)."""
    return km_median(x, np.ones(x.size, dtype=bool), interpolate=True)[0]


def _km_over(m: Model, marketing_only: bool) -> tuple[float, bool]:
    requests = m.requests[m.ledger.first_recorded_request :]
    if marketing_only:
        requests = [r for r in requests if r.owner is not None]
    now = m.week_abs
    durations = np.empty(len(requests))
    observed = np.zeros(len(requests), dtype=bool)
    for i, r in enumerate(requests):
        if r.status == Status.LAUNCHED:
            durations[i] = reached(r.launched) - r.raised
            observed[i] = True
        else:
            durations[i] = now - r.raised
    return km_median(durations, observed, interpolate=True)
