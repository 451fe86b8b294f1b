"""The ``dtsim`` command: list scenarios, run one, compare several.

Thin by design: it parses, calls :mod:`simulation.runner`, :mod:`simulation.tables` and
:mod:`simulation.plots`, and prints. Those (and pandas, matplotlib, the model) are imported
inside the commands that need them, so ``dtsim --help`` and ``dtsim scenarios`` start fast.
Every user mistake ends as one line ``dtsim: error: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from simulation.params import LEVERS, PARAMETERS, ParameterError, check_value, resolve
from simulation.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

PROG = "dtsim"
RESULTS_DIR = Path("results")
OUTPUT_FILES: frozenset[str] = frozenset(
    {"timeseries.csv", "summary.csv", "run.png", "compare.png", "manifest.json"}
)
"""Everything a command writes; a folder holding only these may be written again."""

CSV_OPTIONS: dict[str, Any] = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}
"""Fixed formatting so the same scenario and seed give byte-identical CSV files."""


class UsageError(Exception):
    """A bad command line or output folder; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting, so errors stay one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dtsim`` and ``python -m simulation``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)
        return args.handler(args)
    except (UsageError, ScenarioError, ParameterError) as exc:
        return _fail(str(exc), 2)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except OSError as exc:  # the file system refused (full disk, no permission): not a usage error
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def build_parser() -> argparse.ArgumentParser:
    """The command line; option ranges come from :mod:`simulation.params`."""
    parser = _Parser(
        prog=PROG,
        description="Agent-based simulator of marketing-IT collaboration in digital transformation.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, metavar="COMMAND"
    )

    listing = commands.add_parser("scenarios", help="list the named scenarios and their levers")
    listing.set_defaults(handler=cmd_scenarios)

    weeks = PARAMETERS["weeks"]
    options = _Parser(add_help=False)
    options.add_argument("--seed", type=_seed, default=0, help="base random seed (default 0)")
    options.add_argument(
        "--replicates",
        type=_replicates,
        default=10,
        metavar="R",
        help="independent runs per scenario, for the 95%% intervals (default 10)",
    )
    options.add_argument(
        "--weeks",
        type=_weeks,
        default=None,
        metavar="W",
        help=f"recorded weeks, {weeks.low}..{weeks.high} (default: the scenario's, else {weeks.default})",
    )
    options.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"results folder (default: a new {RESULTS_DIR}/<scenario>-<time>/)",
    )

    run = commands.add_parser(
        "run", parents=[options], help="run one scenario: outcome table, CSV files, run.png"
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario name or path to a .toml file")
    run.set_defaults(handler=cmd_run)

    compare = commands.add_parser(
        "compare",
        parents=[options],
        help="run scenarios side by side: table, CSV files, compare.png",
    )
    compare.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more names or paths"
    )
    compare.set_defaults(handler=cmd_compare)
    return parser


def cmd_scenarios(args: argparse.Namespace) -> int:
    """``dtsim scenarios``: one row per scenario file with its three levers."""
    scenarios = list_scenarios()
    if not scenarios:
        raise ScenarioError("no scenario files found")
    header = ["name", "title", *LEVERS]
    rows = [[s.name, s.title, *(f"{resolve(s.params)[k]:g}" for k in LEVERS)] for s in scenarios]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``dtsim run``: replicates of one scenario, summarized, saved and plotted."""
    scenario = load_scenario(args.scenario)
    out = _check_out(args.out)
    print(f"{scenario.name}: {scenario.title}")
    print(textwrap.fill(scenario.story, width=88))
    print()
    timeseries, summary = _run([scenario], args)
    out = _write(out, [scenario.name], timeseries, summary, [scenario], args)
    from simulation.plots import plot_run

    plot_run(timeseries, out / "run.png", title=f"{scenario.title} ({scenario.name})")
    _report(summary, [scenario.name], args, out, ["timeseries.csv", "summary.csv", "run.png"])
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``dtsim compare``: the same replicates (same seeds) of each scenario, side by side."""
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios; use `dtsim run` for one")
    scenarios = [load_scenario(s) for s in args.scenarios]
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise UsageError(
                f"scenario {name!r} given more than once; compare needs distinct names"
            )
    out = _check_out(args.out)
    for scenario in scenarios:
        print(f"{scenario.name}: {scenario.title}")
    print()
    timeseries, summary = _run(scenarios, args)
    out = _write(out, ["compare", *names], timeseries, summary, scenarios, args)
    from simulation.plots import plot_compare

    plot_compare(timeseries, out / "compare.png")
    _report(summary, names, args, out, ["timeseries.csv", "summary.csv", "compare.png"])
    return 0


def _run(scenarios: list[Scenario], args: argparse.Namespace) -> tuple[Any, Any]:
    import pandas as pd

    from simulation.runner import run_scenario

    results = [
        run_scenario(s, seed=args.seed, replicates=args.replicates, weeks=args.weeks, progress=True)
        for s in scenarios
    ]
    timeseries = pd.concat([t for t, _ in results], ignore_index=True)
    summary = pd.concat([s for _, s in results], ignore_index=True)
    return timeseries, summary


def _check_out(out: Path | None) -> Path | None:
    """Refuse an output folder that holds files this command did not write, before running."""
    if out is None:
        return None
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_FILES)
        if foreign:
            raise UsageError(
                f"--out {out}: folder is not empty (holds {', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); choose a new or empty folder"
            )
    return out


def _write(
    out: Path | None,
    name_parts: list[str],
    timeseries: Any,
    summary: Any,
    scenarios: list[Scenario],
    args: argparse.Namespace,
) -> Path:
    """Create the results folder and write the CSV files and the manifest into it."""
    from simulation.runner import manifest

    if out is None:
        out = _fresh_dir(RESULTS_DIR, "-".join(name_parts))
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:  # a rerun replaces what an earlier command wrote, all of it
            (out / name).unlink(missing_ok=True)
    timeseries.to_csv(out / "timeseries.csv", **CSV_OPTIONS)
    summary.to_csv(out / "summary.csv", **CSV_OPTIONS)
    record = manifest(scenarios, args.seed, args.replicates, weeks=args.weeks)
    record["command"] = [PROG, *args.argv]
    (out / "manifest.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return out


def _fresh_dir(parent: Path, stem: str) -> Path:
    """A new folder ``parent/stem-<YYYYmmdd-HHMMSS>``; never one that already exists."""
    base = f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    for attempt in range(1, 1000):
        path = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return path
    raise UsageError(f"cannot find a new folder name under {parent}")


def _report(
    summary: Any, names: list[str], args: argparse.Namespace, out: Path, files: list[str]
) -> None:
    from simulation.tables import interval_note, summary_table

    print(summary_table(summary, names))
    print(f"({interval_note(args.replicates, summary)}; base seed {args.seed})")
    print()
    print(f"wrote {', '.join(files)} and manifest.json in {out}")


def _seed(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _replicates(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _weeks(text: str) -> int:
    try:
        return int(check_value("weeks", _integer(text)))
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return status


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("dtsim")
    except metadata.PackageNotFoundError:
        return "unknown"


__all__ = ["OUTPUT_FILES", "UsageError", "build_parser", "main"]
