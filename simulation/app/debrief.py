"""The classroom's debrief: each team's path on the trade-off frontier, and what each quarter's
choices did (on the teacher's page, and as a self-contained HTML file).

The frontier is a small sweep over the levers at the room's scenario, seed and length: each
collaboration × governance setting (marketing's budget at the scenario's) held for the
whole game. A team's path is where its firm stood at the end of each quarter: time to market
against breaches a year so far. Points below and left of the frontier are better on both.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.app.room import QUARTER, Room

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Collaboration and governance values of the frontier's sweep (25 settings)."""


@functools.lru_cache(maxsize=4)
def frontier_points(room_key: tuple[Any, ...]) -> list[tuple[float, float, float, float]]:
    """(collaboration, governance, time to market, breaches a year) of every grid setting."""
    from simulation.experiments.engine import Job, execute, open_executor

    _, params, seed, weeks = room_key
    grid = [(c, g) for c in GRID for g in GRID]
    # The teams' firms run with the room's seed itself, so every setting does too.
    job = Job({**dict(params), "weeks": weeks}, frame=True)
    tasks = (
        (job, (run, {"collaboration": c, "governance": g}, seed)) for run, (c, g) in enumerate(grid)
    )
    ends: dict[int, tuple[float, float]] = {}
    with open_executor(1, None, len(grid)) as executor:
        for result in execute(executor, tasks, len(grid)):
            if result["status"] != "ok":
                raise RuntimeError(f"the frontier's run {result['run']} failed: {result['error']}")
            frame = result["frame"]
            ends[int(result["run"])] = (
                float(frame["time_to_market"].iloc[-1]),
                float(frame["breaches_total"].iloc[-1]) * 52 / weeks,
            )
    return [(c, g, *ends[run]) for run, (c, g) in enumerate(grid)]


def _room_key(room: Room) -> tuple[Any, ...]:
    params = tuple(sorted({**room.scenario.params, **room.sizes}.items()))
    return (room.scenario.name, params, room.seed, room.quarters * QUARTER)


def pareto(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points no other beats on both (lower is better on both), left to right."""
    ordered = sorted(p for p in points if all(math.isfinite(v) for v in p))
    front: list[tuple[float, float]] = []
    for x, y in ordered:
        if not front or y < front[-1][1]:
            front.append((x, y))
    return front


def team_path(room: Room, index: int) -> list[tuple[float, float]]:
    """Where a team's firm stood after each quarter: (time to market, breaches a year so far)."""
    team = list(room.teams.values())[index]
    return [
        (q.outcomes["time_to_market"], q.outcomes["breaches_total"] * 52 / (q.number * QUARTER))
        for q in team.quarters
    ]


def frontier_figure(room: Room) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from simulation.viz.style import OKABE_ITO

    grid = frontier_points(_room_key(room))
    fig = Figure(figsize=(7.5, 5.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    xy = [(p[2], p[3]) for p in grid]
    xs, ys = zip(*xy, strict=True)
    ax.scatter(xs, ys, color="0.7", s=22, label="a setting held all game")
    front = pareto(xy)
    ax.plot(*zip(*front, strict=True), color="0.35", lw=1.5, label="the frontier")
    for index in range(len(room.teams)):
        path = np.array(team_path(room, index))
        if not len(path):
            continue
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        ax.plot(path[:, 0], path[:, 1], "-o", color=colour, lw=2, ms=4, label=f"team {index + 1}")
        ax.annotate(f"team {index + 1}", path[-1], xytext=(5, 4), textcoords="offset points",
                    color=colour, fontsize="medium", annotation_clip=False)  # fmt: skip
    ax.set_xlabel("time to market at the quarter's end (weeks, lower is better)")
    ax.set_ylabel("breaches a year so far (lower is better)")
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(
        f"{room.scenario.name}, seed {room.seed}: each team after each quarter", parse_math=False
    )
    return fig


def debrief_lines(room: Room) -> list[str]:
    """A few sentences a teacher can read out."""
    lines = []
    board = {name: score for name, score, _, _ in room.leaderboard()}
    grid = frontier_points(_room_key(room))
    best = min(grid, key=lambda p: (p[3], p[2]))
    for index, team in enumerate(room.teams.values()):
        if not team.quarters:
            lines.append(f"Team {index + 1} ({team.name}) played no quarter.")
            continue
        last = team.quarters[-1]
        path = ", ".join(
            f"Q{q.number} c {q.collaboration:.2f} g {q.governance:.2f} m {q.marketing_budget:.2f}"
            for q in team.quarters
        )
        lines.append(
            f"Team {index + 1} ({team.name}): balanced score {board.get(team.name, 0):.0f}; its "
            f"firm ended at {last.outcomes['time_to_market']:.1f} weeks to market, "
            f"{last.outcomes['breaches_total']:.0f} breaches, satisfaction "
            f"{last.outcomes['satisfaction']:.2f}. Levers by quarter: {path}."
        )
    lines.append(
        f"Held all game, the fewest breaches came from collaboration {best[0]:g} and governance "
        f"{best[1]:g} ({best[3]:.1f} a year, {best[2]:.1f} weeks to market)."
    )
    return lines


def frontier_png(room: Room) -> bytes:
    """The frontier figure as PNG bytes: for the teacher's page and the HTML file."""
    buffer = io.BytesIO()
    frontier_figure(room).savefig(buffer, format="png", dpi=130, metadata={"Software": None})
    return buffer.getvalue()


def debrief_html(room: Room) -> str:
    """The debrief as one self-contained HTML page (autoescaped; the figure embedded)."""
    from simulation.report.report import STYLE, template

    figure = {
        "data": base64.b64encode(frontier_png(room)).decode("ascii"),
        "caption": "Grey: each collaboration x governance setting held all game; line: the "
        "frontier; coloured: each team's firm after each quarter.",
    }
    header = ["rank", "team", "balanced score", "CMO bonus", "CIO bonus"]
    leaderboard = {
        "header": header,
        "left": 2,
        "rows": [
            [str(rank), name, f"{s:.0f}", f"{c:.0f}", f"{i:.0f}"]
            for rank, (name, s, c, i) in enumerate(room.leaderboard(), start=1)
        ],
    }
    teams = []
    for index, team in enumerate(room.teams.values()):
        rows = [
            [
                f"Q{q.number}",
                f"{q.efforts['CMO']:.2f} / {q.efforts['CIO']:.2f} -> {q.collaboration:.2f}",
                f"{q.governance:.2f}",
                f"{q.marketing_budget:.2f}",
                f"{q.outcomes['time_to_market']:.1f}",
                f"{q.outcomes['breaches_quarter']:.0f}",
                f"{q.outcomes['satisfaction']:.3f}",
                f"{q.cmo_bonus:.0f} / {q.cio_bonus:.0f}",
            ]
            for q in team.quarters
        ]
        teams.append(
            {
                "name": f"team {index + 1}: {team.name}",
                "table": {
                    "header": [
                        "quarter",
                        "efforts CMO / CIO -> collaboration",
                        "governance",
                        "marketing budget",
                        "time to market (weeks)",
                        "breaches in the quarter",
                        "satisfaction",
                        "bonus CMO / CIO",
                    ],
                    "left": 1,
                    "rows": rows,
                },
            }
        )
    return (
        template("debrief.html")
        .render(
            title=f"{room.scenario.title} ({room.scenario.name})",
            setting=f"{len(room.teams)} teams, {room.quarters} quarters of {QUARTER} weeks, "
            f"seed {room.seed}: every firm started the same, with the same luck.",
            lines=debrief_lines(room),
            frontier=figure,
            leaderboard=leaderboard,
            teams=teams,
            style=STYLE,
            rules="Collaboration is the lower of the two efforts; the CMO is paid on time to "
            "market and satisfaction, the CIO on breaches and IT's utilisation "
            "(docs/classroom.md).",
        )
        .rstrip("\n")
        + "\n"
    )


__all__ = [
    "debrief_html",
    "debrief_lines",
    "frontier_figure",
    "frontier_png",
    "pareto",
    "team_path",
]
