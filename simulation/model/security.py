"""IT's view of the estate's risk: the controls systems get, IT finding shadow tools (step 7)
and breaches and their reach on customers (step 8).

Controls are set when a system joins the estate (Gordon & Loeb's breach function of them);
discovery and breaches act on the estate's arrays with one vector of draws over its live
systems each, not one call per system: hundreds of systems live at once, and each may be
found or breached every week. Each system's draws are its own (keyed by its identity and the
week, `simulation.model.draws`), so a system meets the same luck in a run with other levers
whatever else is live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.model.draws import BREACH, FOUND, MIGRATE, uniforms_for
from simulation.model.estate import NO_OWNER

if TYPE_CHECKING:
    from simulation.model.model import DigitalTransformationModel


class Security:
    """Hazards, discovery and breaches; keeps this week's breach hits for the customer update."""

    def __init__(self, model: DigitalTransformationModel) -> None:
        self.model = model
        # Breaches that touched each customer this week; None in a week without breaches
        # (the customer update then skips the term).
        self.breach_hits: np.ndarray | None = None
        # This week's draws of every live system: (week, estate additions, rows, uniforms).
        self._drawn: tuple[int, int, np.ndarray, np.ndarray] | None = None

    def week_draws(self) -> tuple[np.ndarray, np.ndarray]:
        """The live rows and each one's found, migrate and breach uniforms of this week.

        One hash per system for all three (`draws.uniforms_for`), kept for the week: the rows
        the breaches step sees are those discovery saw less the tools it shut down. Drawn
        again if systems were added since (their rows may have moved).
        """
        m = self.model
        e, week = m.estate, m.week_abs
        if self._drawn is None or self._drawn[:2] != (week, e.additions):
            rows = e.live_rows()
            u = uniforms_for(e.key[rows], ((FOUND, week), (MIGRATE, week), (BREACH, week)))
            self._drawn = (week, e.additions, rows, u)
        return self._drawn[2], self._drawn[3]

    def official_hazard(self, corner_cutting: float) -> float:
        """Weekly breach chance of an official system (Gordon & Loeb: S = v / (a z + 1)^b)."""
        m = self.model
        p = m.p
        controls = (p["controls_base"] + p["controls_governance"] * m.governance) * (
            1 - p["pressure_controls"] * corner_cutting
        )
        return p["vulnerability"] / (p["gl_alpha"] * controls + 1) ** p["gl_beta"]

    def shadow_hazard(self) -> float:
        """Shadow tools have weak controls, weaker still when strictness drives them underground."""
        m = self.model
        p = m.p
        controls = p["controls_shadow"] * (1 - p["underground"] * m.governance)
        return p["vulnerability"] / (p["gl_alpha"] * controls + 1) ** p["gl_beta"]

    @property
    def discovery_chance(self) -> float:
        """Weekly chance IT finds a given shadow tool: IT looks harder with strictness, but
        what strictness drives underground (personal accounts, no single sign-on, no
        logging) is what IT's discovery reads, so a tool hides by the same share it loses
        of its controls."""
        m = self.model
        hidden = m.p["underground"] * m.governance
        return m.p["discovery_rate"] * m.governance * (1.0 - hidden)

    @property
    def catch_chance(self) -> float:
        """Chance a shadow tool is found within a year at the current strictness."""
        return 1.0 - (1.0 - self.discovery_chance) ** 52

    def discover(self) -> None:
        """IT finds shadow tools; it migrates them (more likely with collaboration) or shuts them down."""
        m = self.model
        p, e = m.p, m.estate
        rate = self.discovery_chance
        if rate <= 0:
            return
        rows, u = self.week_draws()
        pick = e.shadow[rows] & e.alive[rows] & (u[:, 0] < rate)
        found = rows[pick]
        if found.size == 0:
            return
        chance = p["migrate_base"] + p["migrate_collab"] * m.collaboration
        migrate = u[pick, 1] < chance
        m.ledger.found += int(found.size)
        for row, keep in zip(found.tolist(), migrate.tolist(), strict=True):
            owner = int(e.owner[row])
            if keep:
                e.make_official(np.array([row]), self.official_hazard(m.delivery.corner_cutting))
                m.delivery.add_migration(row)
                m.ledger.migrated += 1
                m.ledger.events.append(("shadow tool migrated", f"owner {owner}"))
            else:
                e.retire(np.array([row]))
                m.ledger.shut_down += 1
                if owner != NO_OWNER:
                    m.marketing[owner].lose_trust(p["trust_shutdown_loss"])
                m.ledger.events.append(("shadow tool shut down", f"owner {owner}"))

    def breaches(self) -> None:
        """Each live system may be breached; a breach hits its channels' customers and trust."""
        m = self.model
        e, week = m.estate, m.week_abs
        rows, u = self.week_draws()
        hit = rows[e.alive[rows] & (u[:, 2] < e.hazard[rows])]
        self.breach_hits = None
        for row in hit.tolist():
            if self.breach_hits is None:
                self.breach_hits = np.zeros(m.customers.n)
            self.breach_hits += m.customers.hit_by_breach(e.channels[row], int(e.key[row]), week)
            if e.shadow[row]:
                m.ledger.breaches_shadow += 1
                m.ledger.events.append(("breach", "shadow"))
            else:
                m.ledger.breaches_official += 1
                m.ledger.events.append(("breach", "official"))
                for agent in m.marketing:
                    agent.lose_trust(m.p["trust_breach_loss"])


__all__ = ["Security"]
