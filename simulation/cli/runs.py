"""``dtsim scenarios``, ``run``, ``compare``, ``rerun`` and ``animate``: scenarios in, results out.

Each parses, hands the runs to :func:`simulation.experiments.runner.run_specs` (the engine:
one process per core when there are enough runs), writes the folder with
:mod:`simulation.experiments.folders` and prints the tables of :mod:`simulation.report.tables`.
pandas, matplotlib and the model are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.cli import common
from simulation.experiments.engine import POOL_MIN_RUNS
from simulation.experiments.folders import RESULTS_DIR, check_out
from simulation.experiments.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario
from simulation.model.params import LEVERS, PARAMETERS, ParameterError, resolve
from simulation.text import render_table

if TYPE_CHECKING:
    from simulation.experiments.posterior import Posterior
    from simulation.experiments.runner import RunSpec

FIRST_BATCH = 10
BATCH = 5
MAX_REPLICATES = 200
"""``--replicates auto``: replicates 0..9 first, then 5 more at a time, at most 200."""
CONFIDENCE_TEXT = "95%"
POOLED = f"one per core for {POOL_MIN_RUNS} runs or more, else this process"


def add_commands(commands: Any) -> None:
    """The subcommands of this module, on the ``dtsim`` parser."""
    listing = commands.add_parser("scenarios", help="list the named scenarios and their levers")
    listing.set_defaults(handler=cmd_scenarios)

    weeks = PARAMETERS["weeks"]
    options = common.Parser(add_help=False)
    options.add_argument("--seed", type=common.seed, default=0, help="base random seed (default 0)")
    options.add_argument(
        "--replicates",
        type=common.replicates,
        default=10,
        metavar="R|auto",
        help="runs per scenario, for the 95%% intervals (default 10); replicate r always has "
        "the same seed, in every scenario; 'auto': add replicates until --ci-width is reached",
    )
    options.add_argument(
        "--ci-width",
        type=common.ci_width,
        default=None,
        metavar="W",
        help="with --replicates auto: the largest 95%% interval half-width allowed. A number is "
        "a fraction of the mean for every headline outcome (0.05: at most 5%% of the mean); "
        "KEY=VALUE sets one outcome's half-width in its own unit (ttm_all=0.5); combine with "
        "commas (0.05,ttm_all=0.5). run: each interval of the mean; compare: each paired "
        "difference from the first scenario, relative to the first scenario's mean. Replicates "
        f"are added {BATCH} at a time from {FIRST_BATCH}",
    )
    options.add_argument(
        "--max-replicates",
        type=common.max_replicates,
        default=None,
        metavar="N",
        help=f"with --replicates auto: stop at N replicates even if too wide (default {MAX_REPLICATES})",
    )
    options.add_argument(
        "--weeks",
        type=common.weeks,
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
    options.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="DIR",
        help="a calibration's output folder: run every replicate again with its own posterior "
        "draw (resampled by weight from --seed; the same draw in every scenario) and show the "
        "interval with parameter uncertainty beside the stochastic one, and the share of the "
        "variance it adds. Doubles the runs. Default: none",
    )
    _output_options(options)

    run = commands.add_parser(
        "run", parents=[options], help="run one scenario: outcome table, CSV files, run.png"
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario name or path to a .toml file")
    run.set_defaults(handler=cmd_run)

    compare = commands.add_parser(
        "compare",
        parents=[options],
        help="run scenarios side by side with the same seeds: table, differences from the "
        "first (paired intervals), CSV files, compare.png",
    )
    compare.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more names or paths"
    )
    compare.set_defaults(handler=cmd_compare)

    rerun = commands.add_parser(
        "rerun",
        help="repeat a run or compare from its folder's manifest.json: same scenarios, seeds, "
        "replicates and weeks; says whether the CSV files came out byte for byte the same",
    )
    rerun.add_argument(
        "folder", type=Path, metavar="DIR", help="a results folder of run or compare"
    )
    rerun.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="NEWDIR",
        help=f"results folder (default: a new {RESULTS_DIR}/rerun-<scenario>-<time>/)",
    )
    _output_options(rerun)
    rerun.set_defaults(handler=cmd_rerun)
    _animate_command(commands)


def _animate_command(commands: Any) -> None:
    animate = commands.add_parser(
        "animate",
        help="a run's outcomes as an animation for slides (GIF, or MP4 with ffmpeg), "
        "interventions marked; --compare runs others beside it with the same seed",
    )
    animate.add_argument("scenario", metavar="SCENARIO", help="scenario name or path")
    animate.add_argument(
        "--compare",
        nargs="+",
        default=[],
        metavar="OTHER",
        help="scenarios drawn beside it, same seed (common random numbers)",
    )
    animate.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="a .gif or .mp4 file (default: SCENARIO.gif in this folder)",
    )
    animate.add_argument("--seed", type=common.seed, default=0, help="the run's seed (default 0)")
    animate.add_argument(
        "--weeks",
        type=common.weeks,
        default=None,
        metavar="W",
        help="recorded weeks (default: the scenario's)",
    )
    animate.add_argument(
        "--fps", type=common.fps, default=12, help="frames a second, 1..60 (default 12)"
    )
    animate.set_defaults(handler=cmd_animate)


def cmd_animate(args: argparse.Namespace) -> int:
    """``dtsim animate``: one run of each scenario (same seed), drawn week by week."""
    from simulation.experiments.runner import run_specs
    from simulation.viz.animate import AnimationError, animate

    scenarios = [load_scenario(name) for name in [args.scenario, *args.compare]]
    specs = _specs(scenarios, args.weeks)
    if len({s.name for s in specs}) < len(specs):
        raise common.UsageError("animate: a scenario is given twice; give each once")
    out = args.out or Path(f"{specs[0].name}.gif")
    print(f"animate: running {', '.join(s.name for s in specs)} (seed {args.seed}) ...")
    timeseries, _ = run_specs(specs, args.seed, 1)
    marks = {s.name: s.interventions for s in specs}
    title = f"{specs[0].title} ({specs[0].name})" if len(specs) == 1 else None
    try:
        path = animate(timeseries, out, title=title, interventions=marks, fps=args.fps)
    except AnimationError as exc:
        raise common.UsageError(str(exc)) from None
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _output_options(parser: argparse.ArgumentParser) -> None:
    """Where the runs go and whether an earlier result may be replaced: run, compare, rerun."""
    common.executor_options(parser, POOLED)
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a --out folder that is not empty (an earlier result there is "
        "replaced; files dtsim did not write are never touched)",
    )


def cmd_scenarios(args: argparse.Namespace) -> int:
    """``dtsim scenarios``: one row per scenario file with its three levers."""
    scenarios = list_scenarios()
    if not scenarios:
        raise ScenarioError("no scenario files found")
    header = ["name", "title", *LEVERS]
    rows = [[s.name, s.title, *(f"{resolve(s.params)[k]:g}" for k in LEVERS)] for s in scenarios]
    print(render_table(header, rows, left=2))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``dtsim run``: replicates of one scenario, summarized, saved and plotted."""
    _check_replicate_options(args)
    scenario = load_scenario(args.scenario)
    (spec,) = _specs([scenario], args.weeks)
    out = check_out(args.out, args.force)
    print(f"{scenario.name}: {scenario.title}")
    print(textwrap.fill(scenario.story, width=88))
    print()
    _announce_cost([spec], args)
    posterior = _posterior(args)
    started = _now()
    timeseries, summary, auto = _run([spec], args, paired=False)
    drawn = _run_drawn([spec], args.seed, args, posterior, summary)
    folder = _finish(
        "run", [spec], timeseries, summary, args.seed, out, args.argv, started, auto, drawn=drawn
    )
    _report("run", [spec], summary, args.seed, folder, auto, drawn)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``dtsim compare``: the same replicates (same seeds) of each scenario, side by side."""
    _check_replicate_options(args)
    if len(args.scenarios) < 2:
        raise common.UsageError("compare needs at least two scenarios; use `dtsim run` for one")
    scenarios = [load_scenario(s) for s in args.scenarios]
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise common.UsageError(
                f"scenario {name!r} given more than once; compare needs distinct names"
            )
    specs = _specs(scenarios, args.weeks)
    out = check_out(args.out, args.force)
    for scenario in scenarios:
        print(f"{scenario.name}: {scenario.title}")
    print()
    _announce_cost(specs, args)
    posterior = _posterior(args)
    started = _now()
    timeseries, summary, auto = _run(specs, args, paired=True)
    drawn = _run_drawn(specs, args.seed, args, posterior, summary)
    folder = _finish(
        "compare", specs, timeseries, summary, args.seed, out, args.argv, started, auto, drawn=drawn
    )
    _report("compare", specs, summary, args.seed, folder, auto, drawn)
    return 0


def cmd_rerun(args: argparse.Namespace) -> int:
    """``dtsim rerun``: a run or comparison again, from its folder's manifest alone.

    The scenarios are the parameters and interventions recorded in the manifest (scenario
    files are not read again, so a rerun survives edited or deleted files), with the same base
    seed and number of replicates. The CSV files are then compared with the original ones.
    """
    from simulation.experiments.provenance import read_manifest
    from simulation.experiments.runner import run_specs

    source: Path = args.folder
    record, specs = read_manifest(source)
    if args.out is not None and args.out.resolve() == source.resolve():
        raise common.UsageError(
            f"--out {args.out}: is the folder being rerun; choose a new or empty folder"
        )
    out = check_out(args.out, args.force)
    command, seed, replicates = record["command"], record["seed"], record["replicates"]
    posterior = _recorded_posterior(record, source)
    _note_other_version(record, source)
    names = ", ".join(s.name for s in specs)
    print(f"rerun of {source}: dtsim {command} {names}")
    print(f"{replicates} replicates, base seed {seed}, recorded {record.get('started') or '?'}")
    print()
    started = _now()
    timeseries, summary = run_specs(specs, seed, replicates, True, args.workers, args.scheduler)
    drawn = None
    if posterior is not None:
        drawn = Drawn(
            posterior,
            *run_specs(
                specs, seed, replicates, True, args.workers, args.scheduler, posterior=posterior
            ),
        )
    rerun_of = {
        "folder": str(source),
        "argv": record.get("argv"),
        "started": record.get("started"),
        "git_commit": record.get("git_commit"),
    }
    folder = _finish(
        command, specs, timeseries, summary, seed, out, args.argv, started, None, rerun_of, drawn
    )
    _report(command, specs, summary, seed, folder, None, drawn)
    # Exit 1 when a file differs, so that scripts and CI can check a reproduction.
    return 0 if _report_identical(source, folder, command, drawn is not None) else 1


def _specs(scenarios: list[Scenario], weeks: int | None) -> list[RunSpec]:
    """The scenarios resolved for running; an intervention past ``--weeks`` is a usage error."""
    from simulation.experiments.runner import scenario_spec

    try:
        return [scenario_spec(s, weeks) for s in scenarios]
    except ParameterError as exc:
        if weeks is None:
            raise
        raise ParameterError(f"{exc} (with --weeks {weeks})") from None


def _announce_cost(specs: list[RunSpec], args: argparse.Namespace) -> None:
    """A note before work estimated to take hours (``auto``: at its most replicates)."""
    from simulation.experiments.engine import cores
    from simulation.experiments.limits import cost_note, run_seconds

    if args.replicates == common.AUTO:
        replicates = args.max_replicates or MAX_REPLICATES
    else:
        replicates = args.replicates
    seconds = replicates * sum(run_seconds(s.parameters) for s in specs)
    note = cost_note(seconds, args.workers or cores())
    if note is not None:
        print(f"{common.PROG}: note: {note}", file=sys.stderr)


def _check_replicate_options(args: argparse.Namespace) -> None:
    """``--ci-width`` and ``--max-replicates`` belong to ``--replicates auto``, and it to them."""
    auto = args.replicates == common.AUTO
    if args.posterior is not None and not auto and args.replicates < 2:
        raise common.UsageError("--posterior needs --replicates 2 or more, for the variances")
    if auto and args.ci_width is None:
        raise common.UsageError(
            "--replicates auto needs --ci-width W (e.g. 0.05: half-widths at most 5% of the mean)"
        )
    if not auto and args.ci_width is not None:
        raise common.UsageError("--ci-width needs --replicates auto")
    if not auto and args.max_replicates is not None:
        raise common.UsageError("--max-replicates needs --replicates auto")


def _run(
    specs: list[RunSpec], args: argparse.Namespace, paired: bool
) -> tuple[Any, Any, dict[str, Any] | None]:
    """Run the specs: a fixed number of replicates, or batches until the widths are reached."""
    from simulation.experiments.runner import replicate_batches, run_specs

    if args.replicates != common.AUTO:
        return (
            *run_specs(specs, args.seed, args.replicates, True, args.workers, args.scheduler),
            None,
        )

    from simulation.report.tables import precision, precision_line

    text, targets = args.ci_width
    maximum = args.max_replicates or MAX_REPLICATES
    names = [s.name for s in specs]
    what = f"paired difference from {names[0]}" if paired else "interval of the mean"
    print(
        f"auto replicates: {FIRST_BATCH}, then {BATCH} more at a time (at most {maximum}), until "
        f"the 95% {what} of every targeted outcome is within --ci-width {text}",
        file=sys.stderr,
    )
    batches: list[int] = []
    for result in replicate_batches(
        specs,
        args.seed,
        maximum,
        first_batch=FIRST_BATCH,
        batch=BATCH,
        progress=True,
        workers=args.workers,
        scheduler=args.scheduler,
    ):
        timeseries, summary = result
        batches.append(int(summary["replicate"].nunique()))
        checks = precision(summary, targets, names, paired=paired)
        reached = all(c.met for c in checks)
        print(f"  {batches[-1]:>4} replicates: {precision_line(checks)}", file=sys.stderr)
        if reached:
            break
    auto = {
        "ci_width": text,
        "targets": {k: {"value": v, "relative": rel} for k, (v, rel) in targets.items()},
        "criterion": "paired differences from the first scenario" if paired else "each scenario",
        "max_replicates": maximum,
        "batches": batches,
        "reached": reached,
        "half_widths": [
            {
                "outcome": c.outcome,
                "scenario": c.scenario,
                "reference": c.reference,
                "half_width": c.half_width,
                "limit": c.limit,
                "met": c.met,
            }
            for c in checks
        ],
        "summary": precision_line(checks),
    }
    return timeseries, summary, auto


def _finish(
    command: str,
    specs: list[RunSpec],
    timeseries: Any,
    summary: Any,
    seed: int,
    out: Path | None,
    argv: list[str],
    started: datetime,
    auto: dict[str, Any] | None,
    rerun_of: dict[str, Any] | None = None,
    drawn: Drawn | None = None,
) -> Path:
    """The results folder: CSV files, the figure, then the manifest (see folders.write_results)."""
    from simulation.experiments.folders import write_results
    from simulation.report.tables import differences, uncertainty_rows

    names = [s.name for s in specs]
    frames = {"timeseries.csv": timeseries, "summary.csv": summary}
    if command == "compare":
        frames["differences.csv"] = differences(summary, names)
    extra: dict[str, Any] = {}
    if drawn is not None:
        frames["timeseries_posterior.csv"] = drawn.timeseries
        frames["summary_posterior.csv"] = drawn.summary
        if command == "compare":
            frames["differences_posterior.csv"] = differences(drawn.summary, names)
        frames["uncertainty.csv"] = uncertainty_rows(
            summary, drawn.summary, names, paired=command == "compare"
        )
        extra["posterior"] = drawn.posterior.as_dict()
    if auto is not None:
        extra["auto_replicates"] = auto
    if rerun_of is not None:
        extra["rerun_of"] = rerun_of
    return write_results(
        command,
        specs,
        frames,
        seed,
        out,
        [common.PROG, *argv],
        started,
        lambda folder: _plot(
            command, specs, timeseries, folder, None if drawn is None else drawn.timeseries
        ),
        extra,
    )


def _plot(
    command: str, specs: list[RunSpec], timeseries: Any, out: Path, drawn: Any = None
) -> None:
    """``run.png`` or ``compare.png``, with each scenario's interventions marked (and, with
    ``--posterior``, the lighter band of the replicates with their draws)."""
    from simulation.viz.plots import plot_compare, plot_run

    if command == "run":
        (spec,) = specs
        title = f"{spec.title} ({spec.name})"
        plot_run(
            timeseries, out / "run.png", title=title, interventions=spec.interventions, drawn=drawn
        )
    else:
        marks = {s.name: s.interventions for s in specs if s.interventions}
        plot_compare(timeseries, out / "compare.png", interventions=marks, drawn=drawn)


def _report(
    command: str,
    specs: list[RunSpec],
    summary: Any,
    seed: int,
    out: Path,
    auto: dict[str, Any] | None,
    drawn: Drawn | None = None,
) -> None:
    from simulation.report.tables import (
        difference_note,
        difference_table,
        differences,
        interval_note,
        summary_table,
        uncertainty_rows,
        uncertainty_table,
    )

    names = [s.name for s in specs]
    replicates = int(summary["replicate"].nunique())
    print(summary_table(summary, names))
    print(f"({interval_note(replicates, summary)}; base seed {seed})")
    files = ["timeseries.csv", "summary.csv"]
    if command == "compare":
        table = differences(summary, names)
        print()
        print(f"difference from {names[0]} (paired {CONFIDENCE_TEXT} interval)")
        print(difference_table(table))
        print(f"({difference_note(table, replicates)})")
        files.append("differences.csv")
    files.append("run.png" if command == "run" else "compare.png")
    if drawn is not None:
        paired = command == "compare"
        print()
        print(
            "with parameter uncertainty: each replicate also draws its parameters from the "
            f"{drawn.posterior.describe()}"
        )
        print(uncertainty_table(uncertainty_rows(summary, drawn.summary, names, paired)))
        what = "paired difference, " if paired else ""
        print(
            f"({what}mean [{CONFIDENCE_TEXT} t-interval] over {replicates} replicates; the first "
            "interval holds the seeds' randomness only, the second also the posterior's; "
            "parameter share: 1 - stochastic variance / total variance)"
        )
        files += ["timeseries_posterior.csv", "summary_posterior.csv"]
        files += ["differences_posterior.csv"] if paired else []
        files.append("uncertainty.csv")
    if auto is not None:
        print()
        if auto["reached"]:
            print(f"auto replicates: target reached after {replicates} replicates")
        else:
            print(
                f"auto replicates: MAXIMUM of {replicates} replicates reached before the "
                f"target; the intervals are wider than --ci-width {auto['ci_width']} asked"
            )
        print(f"  half-widths: {auto['summary']}")
    print()
    print(f"wrote {', '.join(files)} and manifest.json in {out}")


def _report_identical(source: Path, folder: Path, command: str, drawn: bool = False) -> bool:
    """Say whether the rerun's CSV files are byte for byte those of the original run."""
    from simulation.experiments.folders import compare_outputs

    names = ["timeseries.csv", "summary.csv"]
    if command == "compare":
        names.append("differences.csv")
    if drawn:
        names += ["timeseries_posterior.csv", "summary_posterior.csv", "uncertainty.csv"]
        names += ["differences_posterior.csv"] if command == "compare" else []
    same, differ, missing = compare_outputs(source, folder, names)
    if same:
        print(f"identical to {source}: {', '.join(same)}")
    if differ:
        print(f"DIFFERENT from {source}: {', '.join(differ)}")
    if missing:
        print(f"not in {source} to compare: {', '.join(missing)}")
    return not differ


def _note_other_version(record: dict[str, Any], source: Path) -> None:
    """A note on stderr when the manifest may have been written by other code than this."""
    from simulation.experiments.provenance import version_note

    note = version_note(record, source)
    if note is not None:
        print(f"{common.PROG}: note: {note}", file=sys.stderr)


@dataclass(frozen=True)
class Drawn:
    """The replicates run again with their posterior draws (``--posterior``)."""

    posterior: Posterior
    timeseries: Any
    summary: Any


def _posterior(args: argparse.Namespace) -> Posterior | None:
    """The ``--posterior`` folder, read and checked before anything runs."""
    if args.posterior is None:
        return None
    from simulation.experiments.posterior import load_posterior

    return load_posterior(args.posterior)


def _run_drawn(
    specs: list[RunSpec],
    seed: int,
    args: argparse.Namespace,
    posterior: Posterior | None,
    done: Any = None,
) -> Drawn | None:
    """The same replicates with their posterior draws (paired with the first set by seed)."""
    if posterior is None:
        return None
    from simulation.experiments.runner import run_specs

    # with --replicates auto, as many as the stochastic runs needed to reach --ci-width
    replicates = int(done["replicate"].nunique()) if done is not None else args.replicates
    timeseries, summary = run_specs(
        specs, seed, replicates, True, args.workers, args.scheduler, posterior=posterior
    )
    return Drawn(posterior, timeseries, summary)


def _recorded_posterior(record: dict[str, Any], source: Path) -> Posterior | None:
    """The posterior a result was made with, if any: the same file (by SHA-256) or an error."""
    entry = record.get("posterior")
    if entry is None:
        return None
    from simulation.experiments.posterior import recorded_posterior

    return recorded_posterior(entry, f"{source} was made with; a rerun needs the same file")


def _now() -> datetime:
    from simulation.experiments.provenance import utc_now

    return utc_now()
