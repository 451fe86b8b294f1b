"""The classroom's shared state: teams of a CMO and a CIO, each team a firm, played a quarter
at a time (``dtsim classroom``, docs/classroom.md).

Plain Python with one lock, no web library: the pages (:mod:`simulation.app.classroom`) read
it and call its methods, and the tests play it directly. Every team's firm is the same
scenario with the same seed (common random numbers), so firms differ only by what their
players decided.

The rules:

- A **CMO** holds marketing's share of the change budget; a **CIO** holds governance
  strictness. **Collaboration** is what both put in: each chooses an effort from 0 to 1, and
  the firm's collaboration is the **lower** of the two. A partnership needs both sides (the
  seeds: alignment is built jointly, and one side cannot collaborate alone; docs/SOURCES.md),
  and the rule makes either player able to hold it back, which is the tension the lesson is
  about.
- A team's firm advances one quarter (13 weeks) as soon as both roles have decided for the
  room's current quarter. When the teacher ends the quarter (or its timer runs out), every
  team behind is advanced on its last decisions (a role that never decided keeps the
  scenario's levers and an effort of 0.5). When every team has played the quarter, the next
  one opens, until the last.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from simulation.experiments.scenarios import Scenario, load_scenario
from simulation.model.model import DigitalTransformationModel

QUARTER = 13
"""Weeks in a round."""
ROLES = ("CMO", "CIO")
MAX_TEAMS = 30
MAX_NAME = 30
"""Longest team name, in characters."""
MAX_QUARTERS = 16
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Join-code characters: no 0/O or 1/I to misread from a projector."""
CODE_LENGTH = 5
DEFAULT_EFFORT = 0.5


class RoomError(ValueError):
    """A request the room refuses (a wrong code, a taken role, a value out of range); one line
    shown to the player as text."""


@dataclass
class Quarter:
    """What one quarter did to a team's firm: the levers in force and what the players see."""

    number: int
    collaboration: float
    governance: float
    marketing_budget: float
    efforts: dict[str, float]
    outcomes: dict[str, float]
    events: dict[str, int]
    cmo_bonus: float
    cio_bonus: float

    @property
    def score(self) -> float:
        """The leaderboard's balanced score: the mean of the two bonuses (0..100)."""
        return (self.cmo_bonus + self.cio_bonus) / 2


@dataclass
class Team:
    name: str
    model: DigitalTransformationModel
    players: dict[str, str] = field(default_factory=dict)  # role -> player token
    decided: dict[str, dict[str, float]] = field(default_factory=dict)  # this quarter's
    last: dict[str, dict[str, float]] = field(default_factory=dict)  # the last decisions
    quarters: list[Quarter] = field(default_factory=list)

    @property
    def played(self) -> int:
        return len(self.quarters)

    def waiting_for(self) -> list[str]:
        """Roles that have not decided this quarter."""
        return [role for role in ROLES if role not in self.decided]


def bonuses(outcomes: dict[str, float]) -> tuple[float, float]:
    """The two scorecards' bonuses, 0..100 each, from the quarter's outcomes.

    The CMO is paid on speed and customers (time to market under 4 weeks earns the speed half
    in full, 26 weeks or more earns nothing; satisfaction earns the other half in
    proportion); the CIO on security and a delivery that keeps running (no breach in the
    quarter earns the security half, each breach takes a third off it; IT's mean utilisation
    over the quarter up to 0.85 earns the uptime half, falling to nothing at 1: a team run at
    the knee of its queue cannot keep things running). The tension of the seeds, in points.
    """
    ttm = outcomes["time_to_market"]
    speed = 1.0 if not math.isfinite(ttm) else min(1.0, max(0.0, (26 - ttm) / 22))
    cmo = 50 * speed + 50 * min(1.0, max(0.0, outcomes["satisfaction"]))
    security = max(0.0, 1 - outcomes["breaches_quarter"] / 3)
    uptime = min(1.0, max(0.0, (1 - outcomes["it_utilisation"]) / 0.15))
    cio = 50 * security + 50 * uptime
    return round(cmo, 1), round(cio, 1)


class Room:
    """One classroom session: a join code, teams, the current quarter, a timer."""

    def __init__(
        self,
        scenario: str | Scenario = "siloed",
        seed: int = 0,
        quarters: int = 6,
        round_seconds: float = 0.0,
        code: str | None = None,
        teacher_key: str | None = None,
        n_customers: int | None = None,
    ) -> None:
        if not 1 <= quarters <= MAX_QUARTERS:
            raise RoomError(f"quarters = {quarters}; allowed 1 to {MAX_QUARTERS}")
        self.scenario = load_scenario(scenario)
        self.seed = int(seed)
        self.quarters = quarters
        self.round_seconds = float(round_seconds)
        self.code = code or "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        self.teacher_key = teacher_key or secrets.token_urlsafe(12)
        self.sizes = {} if n_customers is None else {"n_customers": int(n_customers)}
        self.teams: dict[str, Team] = {}
        self.tokens: dict[str, tuple[str, str]] = {}  # player token -> (team, role)
        self.round = 0  # 0: not started; k: the quarter being decided; quarters + 1: over
        self.deadline: float | None = None
        self.lock = threading.RLock()
        self.version = 0  # bumped on every change: the pages redraw when it moves

    # --- players ---------------------------------------------------------------------------
    def join(self, code: str, team: str, role: str) -> str:
        """A player joins a team in a role; returns the player's token."""
        team = " ".join(str(team).split())
        with self.lock:
            if str(code).strip().upper() != self.code:
                raise RoomError("that is not this classroom's join code")
            if role not in ROLES:
                raise RoomError(f"role {role!r}; allowed: {', '.join(ROLES)}")
            if not team or len(team) > MAX_NAME or not team.isprintable():
                raise RoomError(f"a team name of 1 to {MAX_NAME} printable characters, please")
            if team not in self.teams:
                if len(self.teams) >= MAX_TEAMS:
                    raise RoomError(f"the classroom is full ({MAX_TEAMS} teams)")
                if self.round > 1:
                    raise RoomError("play has moved on; ask your teacher to join a team")
                self.teams[team] = Team(team, self._firm())
            holder = self.teams[team].players.get(role)
            if holder is not None:
                raise RoomError(f"team {team} already has a {role}")
            token = secrets.token_urlsafe(16)
            self.teams[team].players[role] = token
            self.tokens[token] = (team, role)
            self._changed()
            return token

    def player(self, token: str) -> tuple[Team, str]:
        with self.lock:
            if token not in self.tokens:
                raise RoomError("not a player of this classroom; join again")
            name, role = self.tokens[token]
            return self.teams[name], role

    def decide(self, token: str, **values: float) -> None:
        """A role's decision for the current quarter: CMO ``marketing_budget`` and ``effort``,
        CIO ``governance`` and ``effort``, each 0..1."""
        allowed = {"CMO": ("marketing_budget", "effort"), "CIO": ("governance", "effort")}
        with self.lock:
            team, role = self.player(token)
            if not 1 <= self.round <= self.quarters:
                raise RoomError("no quarter is open: wait for your teacher")
            if team.played >= self.round:
                raise RoomError("your firm has played this quarter: wait for the next one")
            if set(values) != set(allowed[role]):
                raise RoomError(f"a {role} decides {' and '.join(allowed[role])}")
            for key, value in values.items():
                if not isinstance(value, int | float) or not 0 <= value <= 1:
                    raise RoomError(f"{key} = {value!r}; allowed 0 to 1")
            team.decided[role] = {k: float(v) for k, v in values.items()}
            team.last[role] = team.decided[role]
            if not team.waiting_for():
                self._advance(team)
            self._next_round_if_done()
            self._changed()

    # --- the teacher -----------------------------------------------------------------------
    def start(self) -> None:
        """Open the first quarter."""
        with self.lock:
            if self.round == 0:
                self.round = 1
                self._arm_timer()
                self._changed()

    def end_quarter(self) -> None:
        """The timer ran out (or the teacher ended the quarter): every team behind plays it on
        its last decisions."""
        with self.lock:
            if not 1 <= self.round <= self.quarters:
                return
            for team in self.teams.values():
                if team.played < self.round:
                    self._advance(team)
            self._next_round_if_done()
            self._changed()

    def tick(self, now: float | None = None) -> None:
        """Called often by the pages: ends the quarter when its timer has run out."""
        with self.lock:
            now = time.monotonic() if now is None else now
            if self.deadline is not None and now >= self.deadline:
                self.end_quarter()

    @property
    def over(self) -> bool:
        return self.round > self.quarters

    def seconds_left(self) -> float | None:
        with self.lock:
            return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def leaderboard(self) -> list[tuple[str, float, float, float]]:
        """(team, balanced score, CMO bonus, CIO bonus), each the mean over its quarters, best
        first; teams that have not played are left out."""
        with self.lock:
            rows = []
            for team in self.teams.values():
                if team.quarters:
                    n = len(team.quarters)
                    rows.append(
                        (
                            team.name,
                            round(sum(q.score for q in team.quarters) / n, 1),
                            round(sum(q.cmo_bonus for q in team.quarters) / n, 1),
                            round(sum(q.cio_bonus for q in team.quarters) / n, 1),
                        )
                    )
            return sorted(rows, key=lambda row: -row[1])

    # --- inside ----------------------------------------------------------------------------
    def _firm(self) -> DigitalTransformationModel:
        """A team's firm: the scenario with the room's seed, as long as the quarters."""
        weeks = self.quarters * QUARTER
        return DigitalTransformationModel(
            rng=self.seed,
            interventions=list(self.scenario.interventions),
            **{**self.scenario.params, **self.sizes, "weeks": weeks},
        )

    def _levers(self, team: Team) -> tuple[float, float, float, dict[str, float]]:
        model = team.model
        cmo = team.last.get("CMO", {})
        cio = team.last.get("CIO", {})
        efforts = {
            "CMO": cmo.get("effort", DEFAULT_EFFORT),
            "CIO": cio.get("effort", DEFAULT_EFFORT),
        }
        budget = cmo.get("marketing_budget", model.lever_set("marketing_budget"))
        governance = cio.get("governance", model.lever_set("governance"))
        return min(efforts.values()), governance, budget, efforts

    def _advance(self, team: Team) -> None:
        """Play the team's quarter: set its levers from the decisions, step 13 weeks."""
        model = team.model
        collaboration, governance, budget, efforts = self._levers(team)
        for name, value in (
            ("collaboration", collaboration),
            ("governance", governance),
            ("marketing_budget", budget),
        ):
            model.set_lever(name, value)
        launched_before = _marketing_launches(model)
        totals = model.datacollector.model_vars["breaches_total"]
        breaches_before = float(totals[-1]) if totals else 0.0
        events: Counter[str] = Counter()
        for _ in range(QUARTER):
            model.step()
            for kind, detail in model.ledger.events:
                events[f"{kind} ({detail})" if kind == "breach" else kind] += 1
        columns = model.datacollector.model_vars
        outcomes = {
            name: float(columns[name][-1])
            for name in ("time_to_market", "shadow_share", "satisfaction", "it_backlog")
        }
        # the quarter's mean: one week's utilisation swings with what happens to be in hand
        outcomes["it_utilisation"] = float(sum(columns["it_utilisation"][-QUARTER:]) / QUARTER)
        outcomes["breaches_total"] = float(columns["breaches_total"][-1])
        outcomes["breaches_quarter"] = outcomes["breaches_total"] - breaches_before
        outcomes["campaigns_launched"] = float(_marketing_launches(model) - launched_before)
        cmo_bonus, cio_bonus = bonuses(outcomes)
        team.quarters.append(
            Quarter(
                number=team.played + 1,
                collaboration=collaboration,
                governance=governance,
                marketing_budget=budget,
                efforts=efforts,
                outcomes=outcomes,
                events=dict(events),
                cmo_bonus=cmo_bonus,
                cio_bonus=cio_bonus,
            )
        )
        team.decided = {}

    def _next_round_if_done(self) -> None:
        if self.teams and all(t.played >= self.round for t in self.teams.values()):
            self.round += 1
            self._arm_timer()

    def _arm_timer(self) -> None:
        live = self.round_seconds > 0 and 1 <= self.round <= self.quarters
        self.deadline = time.monotonic() + self.round_seconds if live else None

    def _changed(self) -> None:
        self.version += 1


def _marketing_launches(model: DigitalTransformationModel) -> int:
    """Marketing's requests launched so far: the campaigns a CMO counts."""
    return sum(1 for r in model.launched_requests if r.owner is not None)


def event_lines(events: dict[str, int]) -> list[str]:
    """A quarter's events as a player reads them."""
    lines = []
    said = {
        "shadow purchase": "shadow tools bought by marketing",
        "shadow tool migrated": "shadow tools IT found and brought in",
        "shadow tool shut down": "shadow tools IT found and shut down",
        "breach (shadow)": "breaches of a shadow tool",
        "breach (official)": "breaches of an official system",
        "workaround": "workarounds (spreadsheets, personal tools)",
    }
    for kind, text in said.items():
        count = events.get(kind, 0)
        if count:
            lines.append(f"{count} {text}")
    return lines


def scorecard(team: Team, role: str) -> list[tuple[str, str]]:
    """What a role sees of its firm after its last quarter: (label, value)."""
    if not team.quarters:
        return []
    q = team.quarters[-1]
    o = q.outcomes
    ttm = "–" if not math.isfinite(o["time_to_market"]) else f"{o['time_to_market']:.1f} weeks"
    if role == "CMO":
        return [
            ("time to market", ttm),
            ("campaigns launched this quarter", f"{o['campaigns_launched']:.0f}"),
            ("shadow tools bought this quarter", f"{q.events.get('shadow purchase', 0)}"),
            ("customer satisfaction", f"{o['satisfaction']:.2f}"),
            ("your bonus this quarter", f"{q.cmo_bonus:.0f} of 100"),
        ]
    found = q.events.get("shadow tool migrated", 0) + q.events.get("shadow tool shut down", 0)
    return [
        ("breaches this quarter", f"{o['breaches_quarter']:.0f}"),
        ("IT backlog", f"{o['it_backlog']:.0f} requests"),
        ("IT utilisation", f"{o['it_utilisation']:.0%}"),
        ("shadow tools found this quarter", f"{found}"),
        ("your bonus this quarter", f"{q.cio_bonus:.0f} of 100"),
    ]


__all__ = ["QUARTER", "ROLES", "Quarter", "Room", "RoomError", "Team", "bonuses", "scorecard"]
