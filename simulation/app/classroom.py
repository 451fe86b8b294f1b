"""``dtsim classroom``: a CMO–CIO role-play for a whole class, in the browser (solara).

Students open the address, type the join code and a team name, and take a role; the teacher
opens the address with ``?teacher=KEY`` (both printed by ``dtsim classroom``). The rules and
the shared state are in :mod:`simulation.app.room`; this module only draws them. Every page
polls the room twice a second and redraws when it changed. Text typed by players (team
names) is shown as text, never as HTML.
"""

# Solara components are named like classes (Page, Join), as solara requires of Page.
# ruff: noqa: N802

from __future__ import annotations

import functools
import math
import os
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs

import solara

from simulation.app.room import QUARTER, ROLES, Room, RoomError, event_lines, scorecard

ENV = "DTSIM_CLASSROOM"
"""Prefix of the settings ``dtsim classroom`` passes to the server process."""
POLL_S = 0.5
FONT = 16
CSS = f"""
.dtsim-classroom {{ font-size: {FONT}px; }}
.dtsim-classroom .v-btn, .dtsim-classroom .v-label {{ font-size: {FONT}px !important; }}
.dtsim-big {{ font-size: 28px; font-weight: 700; }}
.dtsim-muted {{ color: #555; font-size: {FONT - 1}px; }}
.dtsim-error {{ color: #b00020; }}
table.dtsim-table td, table.dtsim-table th {{ padding: 2px 10px; text-align: left; }}
"""
TEAM_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")


@functools.cache
def room() -> Room:
    """The server's one room, from the settings ``dtsim classroom`` put in the environment."""
    env = os.environ
    n = env.get(f"{ENV}_N_CUSTOMERS")
    return Room(
        scenario=env.get(f"{ENV}_SCENARIO", "siloed"),
        seed=int(env.get(f"{ENV}_SEED", "0")),
        quarters=int(env.get(f"{ENV}_QUARTERS", "6")),
        round_seconds=float(env.get(f"{ENV}_ROUND_SECONDS", "0")),
        code=env.get(f"{ENV}_CODE"),
        teacher_key=env.get(f"{ENV}_KEY"),
        n_customers=int(n) if n else None,
    )


def use_room_version() -> int:
    """Redraw this page when the room changes (polled; the room's timer is checked too)."""
    version = solara.use_reactive(room().version)

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(POLL_S):
            current = room()
            current.tick()
            if current.version != version.value:
                version.value = current.version

    solara.use_thread(poll, dependencies=[], intrusive_cancel=False)
    return version.value


# --- students ------------------------------------------------------------------------------


@solara.component
def Join(token: solara.Reactive[str]) -> None:
    code = solara.use_reactive("")
    team = solara.use_reactive("")
    role = solara.use_reactive(ROLES[0])
    problem = solara.use_reactive("")

    def join() -> None:
        try:
            token.set(room().join(code.value, team.value, role.value))
            problem.set("")
        except RoomError as exc:
            problem.set(str(exc))

    with solara.Card("Join the classroom", classes=["dtsim-join"], style={"max-width": "520px"}):
        solara.InputText("join code", value=code, classes=["dtsim-code"])
        solara.InputText("team name", value=team, classes=["dtsim-team"])
        solara.ToggleButtonsSingle(value=role, values=list(ROLES), classes=["dtsim-role"])
        solara.Text(
            "CMO: you hold marketing's share of the change budget. CIO: you hold how strict "
            "IT's governance is. Both of you choose how much effort to put into working "
            "together; your firm gets the lower of the two.",
            classes=["dtsim-muted"],
        )
        solara.Button("join", color="primary", on_click=join, classes=["dtsim-join-button"])
        if problem.value:
            solara.Text(problem.value, classes=["dtsim-error"])


@solara.component
def Decide(token: str, role: str) -> None:
    """The role's two choices for the open quarter."""
    current = room()
    team, _ = current.player(token)
    last = team.last.get(role, {})
    lever = "marketing_budget" if role == "CMO" else "governance"
    start = current.scenario.params.get(lever, 0.25 if role == "CMO" else 0.5)
    value = solara.use_reactive(float(last.get(lever, start)))
    effort = solara.use_reactive(float(last.get("effort", 0.5)))
    problem = solara.use_reactive("")
    label = "marketing's share of the change budget" if role == "CMO" else "governance strictness"

    def decide() -> None:
        try:
            current.decide(token, **{lever: value.value, "effort": effort.value})
            problem.set("")
        except RoomError as exc:
            problem.set(str(exc))

    with solara.Card(f"Your decision for quarter {current.round}", classes=["dtsim-decide"]):
        solara.SliderFloat(f"{label}: {value.value:.2f}", value=value, min=0, max=1, step=0.05)
        solara.SliderFloat(
            f"effort you put into working with the {'CIO' if role == 'CMO' else 'CMO'}: "
            f"{effort.value:.2f}",
            value=effort,
            min=0,
            max=1,
            step=0.05,
        )
        solara.Button("decide", color="primary", on_click=decide, classes=["dtsim-decide-button"])
        if problem.value:
            solara.Text(problem.value, classes=["dtsim-error"])


@solara.component
def Player(token: str) -> None:
    use_room_version()
    current = room()
    team, role = current.player(token)
    with solara.Column(classes=["dtsim-player"]):
        solara.Text(f"Team {team.name}: you are the {role}", classes=["dtsim-big"])
        if current.round == 0:
            solara.Text("Waiting for your teacher to open the first quarter.")
        elif current.over:
            solara.Text("The game is over: look at the teacher's screen for the debrief.")
        elif team.played >= current.round:
            solara.Text(
                f"Your firm has played quarter {current.round}; waiting for the other teams.",
                classes=["dtsim-waiting"],
            )
        elif role in team.decided:
            other = "CIO" if role == "CMO" else "CMO"
            solara.Text(f"You have decided. Waiting for your {other}.", classes=["dtsim-waiting"])
        else:
            Decide(token, role)
        left = current.seconds_left()
        if left is not None and not current.over:
            solara.Text(f"{math.ceil(left)} s left in this quarter", classes=["dtsim-muted"])
        card = scorecard(team, role)
        if card:
            with solara.Card(f"Your scorecard after quarter {team.played}"):
                for name, value in card:
                    with solara.Row(style={"justify-content": "space-between"}):
                        solara.Text(name)
                        solara.Text(value, style={"font-weight": "700"})
            quarter = team.quarters[-1]
            with solara.Card("What happened in the quarter", classes=["dtsim-events"]):
                lines = event_lines(quarter.events) or ["a quiet quarter"]
                for line in lines:
                    solara.Div(children=[line])
                solara.Text(
                    f"Your firm ran at collaboration {quarter.collaboration:.2f} (the lower of "
                    f"the two efforts), governance {quarter.governance:.2f}, marketing's budget "
                    f"{quarter.marketing_budget:.2f}.",
                    classes=["dtsim-muted"],
                )


# --- the teacher ---------------------------------------------------------------------------


def teams_option(current: Room, column: str, title: str) -> dict[str, Any]:
    """Every team's firm over the weeks played (ECharts)."""
    weeks = current.quarters * QUARTER
    series = []
    for index, team in enumerate(current.teams.values()):
        values = team.model.datacollector.model_vars.get(column, [])
        series.append(
            {
                "name": f"team {index + 1}",
                "type": "line",
                "showSymbol": False,
                "lineStyle": {"width": 3, "color": TEAM_COLOURS[index % len(TEAM_COLOURS)]},
                "data": [
                    None,
                    *(round(float(v), 4) if math.isfinite(v) else None for v in values),
                ],
            }
        )
    return {
        "animation": False,
        "title": {"text": title, "left": 8, "textStyle": {"fontSize": FONT}},
        "legend": {"top": 2, "right": 8, "textStyle": {"fontSize": FONT - 2}},
        "grid": {"left": 56, "right": 16, "top": 40, "bottom": 30},
        "xAxis": {
            "type": "category",
            "data": [str(w) for w in range(weeks + 1)],
            "boundaryGap": False,
            "axisLabel": {"fontSize": FONT - 2, "interval": QUARTER - 1},
        },
        "yAxis": {"type": "value", "scale": True, "axisLabel": {"fontSize": FONT - 2}},
        "series": series,
    }


@solara.component
def Teacher() -> None:
    use_room_version()
    current = room()
    with solara.Row(style={"align-items": "center", "gap": "16px"}):
        solara.Text(f"join code: {current.code}", classes=["dtsim-big", "dtsim-join-code"])
        if current.round == 0:
            solara.Button(
                "open quarter 1", color="primary", on_click=current.start, classes=["dtsim-start"]
            )
        elif not current.over:
            solara.Text(f"quarter {current.round} of {current.quarters}", classes=["dtsim-big"])
            solara.Button("end this quarter now", on_click=current.end_quarter,
                          classes=["dtsim-end-quarter"])  # fmt: skip
            left = current.seconds_left()
            if left is not None:
                solara.Text(f"{math.ceil(left)} s left")
        else:
            solara.Text("the game is over: debrief below", classes=["dtsim-big"])
    solara.Text(
        f"{current.scenario.title} ({current.scenario.name}), seed {current.seed}: every team's "
        "firm starts the same, with the same luck.",
        classes=["dtsim-muted"],
    )
    with solara.Card("Teams", classes=["dtsim-teams"]):
        if not current.teams:
            solara.Text("no team has joined yet")
        for index, team in enumerate(current.teams.values()):
            roles = ", ".join(f"{r} {'✓' if r in team.players else '–'}" for r in ROLES)
            if current.over or team.played >= current.round:
                status = "done" if current.over else "played"
            else:
                status = "waiting for " + " and ".join(team.waiting_for())
            with solara.Row(style={"gap": "12px"}):
                solara.Text(f"team {index + 1}:", style={"font-weight": "700"})
                solara.Text(team.name)  # typed by a player: shown as text
                solara.Text(f"({roles}; quarters played {team.played}; {status})")
    board = current.leaderboard()
    if board:
        with solara.Card("Leaderboard: the balanced score (mean of the CMO's and CIO's bonus)",
                         classes=["dtsim-leaderboard"]):  # fmt: skip
            for rank, (name, score, cmo, cio) in enumerate(board, start=1):
                with solara.Row(style={"gap": "12px"}):
                    solara.Text(f"{rank}.")
                    solara.Text(name, style={"font-weight": "700"})
                    solara.Text(f"{score:.0f} (CMO {cmo:.0f}, CIO {cio:.0f})")
        with solara.Columns([6, 6]):
            for column, title in (
                ("time_to_market", "time to market (weeks)"),
                ("breaches_total", "breaches so far"),
            ):
                solara.FigureEcharts(
                    option=teams_option(current, column, title),
                    attributes={"style": "height: 260px;"},
                )
    if current.over:
        Debrief()


@solara.component
def Debrief() -> None:
    from simulation.app.debrief import debrief_html, debrief_lines, frontier_png

    current = room()
    png = solara.use_memo(lambda: frontier_png(current), [current.version])
    with solara.Card("Debrief", classes=["dtsim-debrief"]):
        for line in debrief_lines(current):  # team names in them: text, never HTML
            solara.Div(children=[line], style={"margin-bottom": "6px"})
        with solara.Div(classes=["dtsim-frontier"]):
            solara.Image(png, width="760px")
        solara.FileDownload(
            lambda: debrief_html(current).encode("utf-8"),
            filename=f"dtsim-classroom-{current.code}.html",
            label="download the debrief (HTML)",
        )


@solara.component
def Page() -> None:
    solara.Style(CSS)
    router = solara.use_router()
    query = parse_qs(router.search or "")
    token = solara.use_reactive("")
    with solara.Column(classes=["dtsim-classroom"], style={"padding": "10px 16px"}):
        solara.Text("dtsim classroom: a CMO and a CIO run a firm", style={"font-size": "22px"})
        if secrets.compare_digest(query.get("teacher", [""])[0], room().teacher_key):
            Teacher()
        elif token.value:
            Player(token.value)
        else:
            Join(token)


page = Page
__all__ = ["Page", "page", "room"]
