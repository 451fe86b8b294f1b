"""The README's "decide under uncertainty" figure: a sweep's regret over its two varied
levers, the recommended setting outlined (simulation.viz.sweep_plots.regret_figure).

    python docs/scripts/decision_figure.py DIR [--weights W] [--require COND ...] --figure PNG
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simulation.experiments.store import finished_runs
from simulation.report.best import decision_cells, stored_money
from simulation.viz.style import DPI
from simulation.viz.sweep_plots import regret_figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--weights")
    parser.add_argument("--require", action="append", default=[])
    parser.add_argument("--figure", type=Path, required=True)
    args = parser.parse_args()
    decision, _, _ = decision_cells(args.folder, args.weights, args.require)
    meta, _, _ = finished_runs(args.folder)
    money = stored_money(meta)
    unit = f"{money.unit} a year" if money is not None else "score"
    fig = regret_figure(decision.table, decision.recommended, decision.robust, unit, meta.title)
    fig.savefig(args.figure, dpi=DPI, metadata={"Software": None})
    print(decision.sentence)
    print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
