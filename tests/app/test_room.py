"""The classroom's rules (issue 14), played without a browser: joining, the lower-effort rule
for collaboration, rounds that wait for both roles or the teacher, and firms that differ only
by their decisions (every team the same seed)."""

from __future__ import annotations

import pytest

from simulation.app.room import QUARTER, Room, RoomError, bonuses, scorecard


@pytest.fixture
def room() -> Room:
    return Room("siloed", seed=3, quarters=3, n_customers=400, code="ABCDE")


def test_joining_checks_the_code_the_role_and_the_name(room: Room) -> None:
    cmo = room.join("abcde ", "Blue", "CMO")
    assert room.player(cmo)[1] == "CMO"
    for args, said in [
        (("WRONG", "Blue", "CIO"), "not this classroom's join code"),
        (("ABCDE", "Blue", "CMO"), "team Blue already has a CMO"),
        (("ABCDE", "Blue", "CFO"), "role 'CFO'; allowed: CMO, CIO"),
        (("ABCDE", "x" * 31, "CIO"), "a team name of 1 to 30"),
        (("ABCDE", "   ", "CIO"), "a team name of 1 to 30"),
    ]:
        with pytest.raises(RoomError, match=said):
            room.join(*args)


def test_a_quarter_waits_for_both_roles_and_takes_the_lower_effort(room: Room) -> None:
    cmo, cio = room.join("ABCDE", "Blue", "CMO"), room.join("ABCDE", "Blue", "CIO")
    with pytest.raises(RoomError, match="no quarter is open"):
        room.decide(cmo, marketing_budget=0.6, effort=0.9)
    room.start()
    room.decide(cmo, marketing_budget=0.6, effort=0.9)
    team, _ = room.player(cmo)
    assert team.played == 0 and team.waiting_for() == ["CIO"]
    with pytest.raises(RoomError, match="a CIO decides governance and effort"):
        room.decide(cio, marketing_budget=0.2, effort=0.1)
    with pytest.raises(RoomError, match="allowed 0 to 1"):
        room.decide(cio, governance=1.5, effort=0.3)
    room.decide(cio, governance=0.8, effort=0.3)
    assert team.played == 1 and room.round == 2  # the only team: the next quarter opens
    quarter = team.quarters[0]
    assert (quarter.collaboration, quarter.governance, quarter.marketing_budget) == (0.3, 0.8, 0.6)
    model = team.model
    assert model.week == QUARTER
    assert model.datacollector.model_vars["collaboration_now"][-1] == 0.3
    assert model.datacollector.model_vars["governance_now"][-1] == 0.8
    assert scorecard(team, "CMO")[0][0] == "time to market"
    assert scorecard(team, "CIO")[0][0] == "breaches this quarter"


def test_the_teacher_ends_a_quarter_on_last_decisions_and_the_timer_does_too(room: Room) -> None:
    blue = room.join("ABCDE", "Blue", "CMO")
    room.join("ABCDE", "Red", "CIO")
    room.start()
    room.decide(blue, marketing_budget=0.5, effort=0.2)
    room.end_quarter()  # Red decided nothing: the scenario's levers and an effort of 0.5
    red = room.teams["Red"].quarters[0]
    assert (red.collaboration, red.governance, red.marketing_budget) == (0.5, 0.5, 0.25)
    blue_q = room.teams["Blue"].quarters[0]
    assert (blue_q.collaboration, blue_q.marketing_budget) == (0.2, 0.5)
    assert room.round == 2
    timed = Room("siloed", seed=3, quarters=2, round_seconds=60, n_customers=400, code="ABCDE")
    timed.join("ABCDE", "Green", "CMO")
    timed.start()
    assert timed.deadline is not None
    timed.tick(timed.deadline - 1)
    assert timed.round == 1
    timed.tick(timed.deadline + 1)
    assert timed.round == 2 and timed.teams["Green"].played == 1
    timed.end_quarter()
    assert timed.over and timed.deadline is None


def test_firms_differ_only_by_their_decisions(room: Room) -> None:
    tokens = {t: (room.join("ABCDE", t, "CMO"), room.join("ABCDE", t, "CIO")) for t in "AB"}
    room.start()
    for cmo, cio in tokens.values():
        room.decide(cmo, marketing_budget=0.4, effort=0.7)
        room.decide(cio, governance=0.6, effort=0.7)
    a, b = room.teams["A"].quarters[0], room.teams["B"].quarters[0]
    assert a.outcomes == b.outcomes and a.events == b.events
    cmo, cio = tokens["A"]
    room.decide(cmo, marketing_budget=0.9, effort=0.0)
    room.decide(cio, governance=0.1, effort=0.0)
    cmo, cio = tokens["B"]
    room.decide(cmo, marketing_budget=0.4, effort=0.7)
    room.decide(cio, governance=0.6, effort=0.7)
    assert room.teams["A"].quarters[1].outcomes != room.teams["B"].quarters[1].outcomes
    board = room.leaderboard()
    assert {row[0] for row in board} == {"A", "B"}
    assert board == sorted(board, key=lambda row: -row[1])


def test_bonuses_pay_each_role_for_its_own_side_of_the_tension() -> None:
    calm = {
        "time_to_market": 4.0,
        "satisfaction": 0.6,
        "breaches_quarter": 0,
        "it_utilisation": 0.8,
    }
    assert bonuses(calm) == (80.0, 100.0)
    busy = {**calm, "breaches_quarter": 3, "it_utilisation": 1.0}
    assert bonuses(busy) == (80.0, 0.0)
    slow = {**calm, "time_to_market": 26.0}
    assert bonuses(slow)[0] == 30.0


def test_the_debrief_lists_every_team_and_escapes_their_names() -> None:
    from simulation.app.debrief import debrief_html, debrief_lines, pareto

    room = Room("siloed", seed=1, quarters=2, n_customers=300, code="ABCDE")
    evil = "<script>alert(1)</script>"
    blue = (room.join("ABCDE", "Blue", "CMO"), room.join("ABCDE", "Blue", "CIO"))
    room.join("ABCDE", evil, "CMO")
    room.start()
    for _ in range(2):
        room.decide(blue[0], marketing_budget=0.3, effort=0.8)
        room.decide(blue[1], governance=0.4, effort=0.6)
        room.end_quarter()
    assert room.over
    lines = debrief_lines(room)
    assert lines[0].startswith("Team 1 (Blue)") and lines[1].startswith(f"Team 2 ({evil})")
    html = debrief_html(room)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "team 1: Blue" in html and "data:image/png;base64," in html
    assert "0.80 / 0.60 -&gt; 0.60" in html  # the lower effort, quarter by quarter
    assert pareto([(1, 5), (2, 3), (3, 4), (4, 1)]) == [(1, 5), (2, 3), (4, 1)]
