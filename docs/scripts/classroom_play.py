"""Play the classroom with fixed decisions for two teams (docs/classroom.md): one siloed, one
partnering, six quarters, the same seed. Prints each quarter and the leaderboard.

    python docs/scripts/classroom_play.py [--seed 0] [--quarters 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simulation.app.room import Room

TEAMS = {
    # team: (CMO budget, CMO effort), (CIO governance, CIO effort)
    "Silo": ((0.25, 0.1), (0.5, 0.1)),
    "Partners": ((0.4, 0.8), (0.6, 0.8)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quarters", type=int, default=6)
    args = parser.parse_args()
    started = time.perf_counter()
    room = Room("siloed", seed=args.seed, quarters=args.quarters, code="PLAY1")
    tokens = {t: (room.join("PLAY1", t, "CMO"), room.join("PLAY1", t, "CIO")) for t in TEAMS}
    room.start()
    while not room.over:
        for team, ((budget, cmo_effort), (governance, cio_effort)) in TEAMS.items():
            cmo, cio = tokens[team]
            room.decide(cmo, marketing_budget=budget, effort=cmo_effort)
            room.decide(cio, governance=governance, effort=cio_effort)
    print("team      Q  collab  gov   budget  ttm    breaches(q)  satisf.  CMO  CIO")
    for team in room.teams.values():
        for q in team.quarters:
            o = q.outcomes
            print(
                f"{team.name:9s} {q.number}  {q.collaboration:.2f}    {q.governance:.2f}  "
                f"{q.marketing_budget:.2f}    {o['time_to_market']:5.1f}  "
                f"{o['breaches_quarter']:5.0f}        {o['satisfaction']:.3f}    "
                f"{q.cmo_bonus:3.0f}  {q.cio_bonus:3.0f}"
            )
    print("leaderboard:", room.leaderboard())
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
