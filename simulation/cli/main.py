"""The ``dtsim`` command: scenarios, runs and comparisons, reruns, sweeps and their analysis
(sensitivity, export, plots, discovery, reports), validation, and the teaching app.

Thin by design: it parses, calls :mod:`simulation.experiments.runner`, :mod:`simulation.report.tables` and
:mod:`simulation.viz.plots`, and prints. Those (and pandas, matplotlib, the model) are imported
inside the commands that need them, so ``dtsim --help`` and ``dtsim scenarios`` start fast.
Every user mistake ends as one line ``dtsim: error: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from simulation.experiments.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario
from simulation.model.params import LEVERS, PARAMETERS, ParameterError, check_value, resolve
from simulation.text import render_table

if TYPE_CHECKING:
    from simulation.experiments.runner import RunSpec

PROG = "dtsim"
RESULTS_DIR = Path("results")
OUTPUT_FILES: frozenset[str] = frozenset(
    {
        "timeseries.csv",
        "summary.csv",
        "differences.csv",
        "run.png",
        "compare.png",
        "manifest.json",
    }
)
"""Everything a command writes; a folder holding only these may be written again."""

AUTO = "auto"
FIRST_BATCH = 10
BATCH = 5
MAX_REPLICATES = 200
"""``--replicates auto``: replicates 0..9 first, then 5 more at a time, at most 200."""
CONFIDENCE_TEXT = "95%"

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
    except ValueError as exc:
        from simulation.experiments.runner import ManifestError
        from simulation.experiments.store import ResultsError

        if isinstance(exc, ManifestError | ResultsError):
            return _fail(str(exc), 2)
        raise
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except OSError as exc:  # the file system refused (full disk, no permission): not a usage error
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def build_parser() -> argparse.ArgumentParser:
    """The command line; option ranges come from :mod:`simulation.model.params`."""
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
        metavar="R|auto",
        help="runs per scenario, for the 95%% intervals (default 10); replicate r always has "
        "the same seed, in every scenario; 'auto': add replicates until --ci-width is reached",
    )
    options.add_argument(
        "--ci-width",
        type=_ci_width,
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
        type=_max_replicates,
        default=None,
        metavar="N",
        help=f"with --replicates auto: stop at N replicates even if too wide (default {MAX_REPLICATES})",
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
    rerun.set_defaults(handler=cmd_rerun)

    sweep = commands.add_parser(
        "sweep",
        help="run an experiment (experiments/*.toml): every point and replicate, committed "
        "run by run to DIR/results.sqlite; the same command resumes where it stopped",
    )
    _sweep_options(sweep, "experiment name in experiments/ or path to a .toml file")
    sweep.set_defaults(handler=cmd_sweep)

    sensitivity = commands.add_parser(
        "sensitivity",
        help="Sobol' indices or Morris screening of an experiment with sampler saltelli or "
        "morris: runs (or resumes) its sweep, writes DIR/sensitivity.csv and a figure",
    )
    _sweep_options(
        sensitivity,
        "experiment name in experiments/ or path to a .toml file (sampler saltelli or morris)",
    )
    sensitivity.set_defaults(handler=cmd_sensitivity)

    export = commands.add_parser(
        "export", help="write a sweep's results as one table (parquet or csv)"
    )
    export.add_argument("folder", type=Path, metavar="DIR", help="a sweep's results folder")
    export.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="default parquet"
    )
    export.add_argument(
        "--out", type=Path, default=None, help="file or folder (default: DIR/results.FORMAT)"
    )
    export.set_defaults(handler=cmd_export)

    plot = commands.add_parser(
        "plot", help="figures of a sweep (heatmaps, lines, trade-off), best settings, Pareto set"
    )
    plot.add_argument("folder", type=Path, metavar="DIR", help="a sweep's results folder")
    plot.add_argument("--out", type=Path, default=None, help="folder (default: DIR/figures)")
    plot.set_defaults(handler=cmd_plot)

    validate = commands.add_parser(
        "validate", help="check the stylized facts F1-F7; exit status 1 if any fails"
    )
    validate.add_argument(
        "--replicates",
        type=_replicate_count,
        default=20,
        metavar="R",
        help="runs per setting (default 20)",
    )
    validate.add_argument(
        "--seed", type=_seed, default=12345, help="base random seed (default 12345)"
    )
    validate.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="worker processes (default: one per core); 1 runs in this process",
    )
    validate.add_argument(
        "--markdown",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the table as markdown, with command, date and git commit",
    )
    validate.set_defaults(handler=cmd_validate)

    app = commands.add_parser(
        "app", help="the teaching app in the browser: one run, live levers, plots and agents"
    )
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1: this machine only)",
    )
    app.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    app.set_defaults(handler=cmd_app)

    discover = commands.add_parser(
        "discover",
        help="scenario discovery (PRIM): the ranges of the varied parameters where the "
        "outcomes meet conditions; DIR/discovery.csv and DIR/figures/discovery.png",
    )
    discover.add_argument("folder", type=Path, metavar="DIR", help="a sweep's results folder")
    discover.add_argument(
        "--outcome",
        dest="conditions",
        action=_OutcomeAction,
        default=[],
        metavar="NAME",
        help="an outcome (summary key); follow each by --below X or --above X; several "
        "--outcome conditions must all hold",
    )
    for word in ("below", "above"):
        discover.add_argument(
            f"--{word}",
            dest="conditions",
            action=_ThresholdAction,
            metavar="X",
            help=f"the preceding --outcome must be {word} X (strictly)",
        )
    discover.add_argument(
        "--min-density",
        type=_share,
        default=0.8,
        metavar="D",
        help="the chosen box is the widest (highest coverage) on the peeling trajectory "
        "whose density is at least D (default 0.8)",
    )
    discover.add_argument(
        "--means",
        action="store_true",
        help="cases are the design points' replicate means instead of the runs",
    )
    discover.set_defaults(handler=cmd_discover)

    report = commands.add_parser(
        "report",
        help="one self-contained HTML page on a sweep: what was run, figures, trade-offs, "
        "best settings, sensitivity and discovery when present",
    )
    report.add_argument("folder", type=Path, metavar="DIR", help="a sweep's results folder")
    report.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="default DIR/report.html"
    )
    report.set_defaults(handler=cmd_report)
    return parser


class _OutcomeAction(argparse.Action):
    """``--outcome NAME``: starts a condition; its --below/--above comes next."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        conditions = list(getattr(namespace, self.dest, None) or [])
        if conditions and conditions[-1][1] is None:
            raise argparse.ArgumentError(
                self, f"--outcome {conditions[-1][0]} needs --below X or --above X after it"
            )
        conditions.append((values, None, None))
        setattr(namespace, self.dest, conditions)


class _ThresholdAction(argparse.Action):
    """``--below X`` / ``--above X``: the threshold of the last --outcome."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        word = (option_string or "--below").lstrip("-")
        conditions = list(getattr(namespace, self.dest, None) or [])
        if not conditions or conditions[-1][1] is not None:
            raise argparse.ArgumentError(self, f"--{word} needs an --outcome NAME before it")
        try:
            threshold = float(values)
        except ValueError:
            raise argparse.ArgumentError(self, f"not a number: {values!r}") from None
        if not math.isfinite(threshold):
            raise argparse.ArgumentError(self, f"not a finite number: {values!r}")
        conditions[-1] = (conditions[-1][0], word, threshold)
        setattr(namespace, self.dest, conditions)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


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
    out = _check_out(args.out)
    print(f"{scenario.name}: {scenario.title}")
    print(textwrap.fill(scenario.story, width=88))
    print()
    started = _now()
    timeseries, summary, auto = _run([spec], args, paired=False)
    folder = _finish("run", [spec], timeseries, summary, args.seed, out, args.argv, started, auto)
    _report("run", [spec], summary, args.seed, folder, auto)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``dtsim compare``: the same replicates (same seeds) of each scenario, side by side."""
    _check_replicate_options(args)
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios; use `dtsim run` for one")
    scenarios = [load_scenario(s) for s in args.scenarios]
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise UsageError(
                f"scenario {name!r} given more than once; compare needs distinct names"
            )
    specs = _specs(scenarios, args.weeks)
    out = _check_out(args.out)
    for scenario in scenarios:
        print(f"{scenario.name}: {scenario.title}")
    print()
    started = _now()
    timeseries, summary, auto = _run(specs, args, paired=True)
    folder = _finish(
        "compare", specs, timeseries, summary, args.seed, out, args.argv, started, auto
    )
    _report("compare", specs, summary, args.seed, folder, auto)
    return 0


def cmd_rerun(args: argparse.Namespace) -> int:
    """``dtsim rerun``: a run or comparison again, from its folder's manifest alone.

    The scenarios are the parameters and interventions recorded in the manifest (scenario
    files are not read again, so a rerun survives edited or deleted files), with the same base
    seed and number of replicates. The CSV files are then compared with the original ones.
    """
    from simulation.experiments.runner import read_manifest, run_specs

    source: Path = args.folder
    record, specs = read_manifest(source)
    out = _check_out(args.out)
    if out is not None and out.resolve() == source.resolve():
        raise UsageError(f"--out {out}: is the folder being rerun; choose a new or empty folder")
    command, seed, replicates = record["command"], record["seed"], record["replicates"]
    _note_other_version(record, source)
    names = ", ".join(s.name for s in specs)
    print(f"rerun of {source}: dtsim {command} {names}")
    print(f"{replicates} replicates, base seed {seed}, recorded {record.get('started') or '?'}")
    print()
    started = _now()
    timeseries, summary = run_specs(specs, seed, replicates, progress=True)
    rerun_of = {
        "folder": str(source),
        "argv": record.get("argv"),
        "started": record.get("started"),
        "git_commit": record.get("git_commit"),
    }
    folder = _finish(
        command, specs, timeseries, summary, seed, out, args.argv, started, None, rerun_of
    )
    _report(command, specs, summary, seed, folder, None)
    # Exit 1 when a file differs, so that scripts and CI can check a reproduction.
    return 0 if _report_identical(source, folder, command) else 1


def cmd_sweep(args: argparse.Namespace) -> int:
    """``dtsim sweep``: an experiment's runs into its store, resumed if it was started.

    Exit status 0 when every run is stored as ok, 1 when some are stored as failed (or the
    executor broke down: the finished runs are kept), 2 for a bad experiment or folder.
    """
    import shlex

    from simulation.experiments.engine import ExecutorError, SchedulerError
    from simulation.experiments.experiment import ExperimentError
    from simulation.experiments.sweep import SweepError, print_summary, run_sweep

    try:
        experiment = _open_experiment(args)
        report = run_sweep(
            experiment,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            retry_failed=args.retry_failed,
            progress=True,
            argv=[PROG, *args.argv],
        )
    except (ExperimentError, SweepError, SchedulerError) as exc:
        raise UsageError(str(exc)) from None
    except ExecutorError as exc:
        return _fail(str(exc), 1)
    again = [a for a in args.argv if a not in ("--fresh", "--retry-failed")]
    print_summary(report, command=f"{PROG} {shlex.join(again)}")
    from simulation.experiments.store import ResultsError
    from simulation.report.best import print_best

    print()
    try:
        print_best(report.out)
    except ResultsError as exc:  # e.g. no run ok yet: the sweep itself is done, say why
        print(f"{PROG}: note: {' '.join(str(exc).split())}", file=sys.stderr)
    return 1 if report.stored_failed else 0


def _open_experiment(args: argparse.Namespace, check=None, check_error=Exception):
    """The experiment of ``sweep``/``sensitivity``: scheduler reachable, file valid, notes
    and title printed. `check` refuses a design the command cannot use (a usage error)."""
    from simulation.experiments.engine import check_scheduler
    from simulation.experiments.experiment import load_experiment

    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    experiment = load_experiment(args.experiment)
    if check is not None:
        try:
            check(experiment)
        except check_error as exc:
            raise UsageError(str(exc)) from None
    for note in experiment.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    print(f"{experiment.name}: {experiment.title}")
    return experiment


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``dtsim sensitivity``: the experiment's sweep (resumed), then SALib per headline outcome.

    Exit status 0 when the analysis is written, 1 when runs failed or the executor broke
    down (the finished runs are kept), 2 for a bad experiment, folder or design.
    """
    from simulation.analysis.sensitivity import SensitivityError, format_table, method_of
    from simulation.experiments.engine import ExecutorError, SchedulerError
    from simulation.experiments.experiment import ExperimentError
    from simulation.experiments.sweep import SweepError
    from simulation.report.studies import run_sensitivity

    try:
        experiment = _open_experiment(args, check=method_of, check_error=SensitivityError)
        report = run_sensitivity(
            experiment,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            retry_failed=args.retry_failed,
            progress=True,
            argv=[PROG, *args.argv],
        )
    except (ExperimentError, SweepError, SchedulerError) as exc:
        raise UsageError(str(exc)) from None
    except ExecutorError as exc:
        return _fail(str(exc), 1)
    except SensitivityError as exc:
        return _fail(str(exc), 1)
    sweep = report.sweep
    print(
        f"sweep {experiment.name}: {sweep.ran} runs done, {sweep.failed} failed, "
        f"in {sweep.wall:.1f} s; store {sweep.store}"
    )
    print()
    print(format_table(report.table, report.method))
    print()
    for path in [report.csv, *report.figures]:
        print(f"wrote {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``dtsim export``: a sweep's results as one tidy table (one row per run)."""
    from simulation.experiments.store import export_results

    path = export_results(args.folder, args.format, args.out)
    print(f"wrote {path}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """``dtsim plot``: the figures a sweep's shape calls for (heatmaps, lines, trade-offs)."""
    from simulation.report.best import print_best
    from simulation.viz.sweep_plots import plot_results

    paths = plot_results(args.folder, args.out)
    for path in paths:
        print(f"wrote {path}")
    print()
    print_best(args.folder)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """``dtsim discover``: PRIM over a sweep's runs; the chosen box printed and saved."""
    if not args.conditions:
        raise UsageError("discover needs at least one --outcome NAME --below X (or --above X)")
    if args.conditions[-1][1] is None:
        raise UsageError(
            f"--outcome {args.conditions[-1][0]} needs --below X or --above X after it"
        )
    from simulation.analysis.discovery import Condition, discover
    from simulation.report.studies import write_discovery

    conditions = [Condition(name, word, value) for name, word, value in args.conditions]
    found = discover(args.folder, conditions, min_density=args.min_density, means=args.means)
    print(found.text())
    print()
    for path in write_discovery(args.folder, found):
        print(f"wrote {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``dtsim report``: one self-contained HTML page on a sweep."""
    from simulation.report.report import write_report

    path = write_report(args.folder, args.out)
    print(f"wrote {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``dtsim validate``: F1-F7 measured and checked; exit status 1 if any fact fails."""
    import shlex

    from simulation.experiments import validation

    return validation.main(
        args.replicates,
        args.seed,
        args.workers,
        markdown_path=args.markdown,
        command=f"{PROG} {shlex.join(args.argv)}",
    )


def cmd_app(args: argparse.Namespace) -> int:
    """``dtsim app``: serve :mod:`simulation.app.app` with solara's server until Ctrl-C.

    Runs ``solara run`` in this Python (solara and the web libraries are imported by that
    process only, so ``dtsim --help`` stays light).
    """
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        raise UsageError('the app needs the web libraries: pip install -e ".[app]"')
    app = Path(__file__).resolve().parents[1] / "app" / "app.py"
    assets = Path(sys.prefix) / "share" / "solara" / "cdn" / "@widgetti"
    if not assets.is_dir():
        print(
            f"{PROG} app: note: solara loads its page scripts from cdn.jsdelivr.net; on a machine "
            "without internet run `bash .ci/solara_assets.sh` once to cache them",
            file=sys.stderr,
        )
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
    ]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"dtsim app: serving on http://{host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    return subprocess.call(command)


def _specs(scenarios: list[Scenario], weeks: int | None) -> list[RunSpec]:
    """The scenarios resolved for running; an intervention past ``--weeks`` is a usage error."""
    from simulation.experiments.runner import scenario_spec

    try:
        return [scenario_spec(s, weeks) for s in scenarios]
    except ParameterError as exc:
        if weeks is None:
            raise
        raise ParameterError(f"{exc} (with --weeks {weeks})") from None


def _check_replicate_options(args: argparse.Namespace) -> None:
    """``--ci-width`` and ``--max-replicates`` belong to ``--replicates auto``, and it to them."""
    auto = args.replicates == AUTO
    if auto and args.ci_width is None:
        raise UsageError(
            "--replicates auto needs --ci-width W (e.g. 0.05: half-widths at most 5% of the mean)"
        )
    if not auto and args.ci_width is not None:
        raise UsageError("--ci-width needs --replicates auto")
    if not auto and args.max_replicates is not None:
        raise UsageError("--max-replicates needs --replicates auto")


def _run(
    specs: list[RunSpec], args: argparse.Namespace, paired: bool
) -> tuple[Any, Any, dict[str, Any] | None]:
    """Run the specs: a fixed number of replicates, or batches until the widths are reached."""
    from simulation.experiments.runner import replicate_batches, run_specs

    if args.replicates != AUTO:
        return (*run_specs(specs, args.seed, args.replicates, progress=True), None)

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
        specs, args.seed, maximum, first_batch=FIRST_BATCH, batch=BATCH, progress=True
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
) -> Path:
    """Create the results folder; write the CSV files, the figure and the manifest into it.

    The manifest is written last, with the finishing time: a folder without one did not
    finish.
    """
    from simulation.experiments.runner import manifest

    names = [s.name for s in specs]
    parts = names if command == "run" else ["compare", *names]
    if out is None:
        out = _fresh_dir(RESULTS_DIR, "-".join(["rerun", *parts] if rerun_of else parts))
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:  # a rerun replaces what an earlier command wrote, all of it
            (out / name).unlink(missing_ok=True)
    timeseries.to_csv(out / "timeseries.csv", **CSV_OPTIONS)
    summary.to_csv(out / "summary.csv", **CSV_OPTIONS)
    if command == "compare":
        from simulation.report.tables import differences

        differences(summary, names).to_csv(out / "differences.csv", **CSV_OPTIONS)
    _plot(command, specs, timeseries, out)
    replicates = int(summary["replicate"].nunique())
    record = manifest(command, specs, seed, replicates, [PROG, *argv], started, _now())
    if auto is not None:
        record["auto_replicates"] = auto
    if rerun_of is not None:
        record["rerun_of"] = rerun_of
    text = json.dumps(_json_safe(record), indent=2, allow_nan=False)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return out


def _plot(command: str, specs: list[RunSpec], timeseries: Any, out: Path) -> None:
    """``run.png`` or ``compare.png``, with each scenario's interventions marked."""
    from simulation.viz.plots import plot_compare, plot_run

    if command == "run":
        (spec,) = specs
        title = f"{spec.title} ({spec.name})"
        plot_run(timeseries, out / "run.png", title=title, interventions=spec.interventions)
    else:
        marks = {s.name: s.interventions for s in specs if s.interventions}
        plot_compare(timeseries, out / "compare.png", interventions=marks)


def _json_safe(value: Any) -> Any:
    """NaN and infinity as null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


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
    command: str,
    specs: list[RunSpec],
    summary: Any,
    seed: int,
    out: Path,
    auto: dict[str, Any] | None,
) -> None:
    from simulation.report.tables import (
        difference_note,
        difference_table,
        differences,
        interval_note,
        summary_table,
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


def _report_identical(source: Path, folder: Path, command: str) -> bool:
    """Say whether the rerun's CSV files are byte for byte those of the original run."""
    names = ["timeseries.csv", "summary.csv"]
    if command == "compare":
        names.append("differences.csv")
    same = [
        n
        for n in names
        if (source / n).is_file() and (source / n).read_bytes() == (folder / n).read_bytes()
    ]
    missing = [n for n in names if not (source / n).is_file()]
    differ = [n for n in names if n not in same and n not in missing]
    if same:
        print(f"identical to {source}: {', '.join(same)}")
    if differ:
        print(f"DIFFERENT from {source}: {', '.join(differ)}")
    if missing:
        print(f"not in {source} to compare: {', '.join(missing)}")
    return not differ


def _note_other_version(record: dict[str, Any], source: Path) -> None:
    """A note on stderr when the manifest may have been written by other code than this."""
    from simulation.experiments.runner import manifest

    here = manifest("run", [], 0, 0)
    then = (record.get("dtsim"), record.get("git_commit"), record.get("git_dirty"))
    now = (here["dtsim"], here["git_commit"], here["git_dirty"])

    def say(version: Any, commit: Any, dirty: Any) -> str:
        where = f" at commit {str(commit)[:10]}" if commit else ""
        return f"dtsim {version}{where}{' with uncommitted changes' if dirty else ''}"

    if then != now:
        print(
            f"{PROG}: note: {source} was written by {say(*then)}; this is {say(*now)}, "
            "so the numbers may differ",
            file=sys.stderr,
        )
    elif now[2]:
        print(
            f"{PROG}: note: {source} was written by {say(*then)}, as is this checkout; "
            "if the code changed in between, the numbers may differ",
            file=sys.stderr,
        )


def _now() -> datetime:
    from simulation.experiments.runner import utc_now

    return utc_now()


def _seed(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _replicates(text: str) -> int | str:
    if text == AUTO:
        return AUTO
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 or 'auto', got {text!r}")
    return value


def _replicate_count(text: str) -> int:
    """A number of replicates, without ``auto`` (``dtsim validate`` runs a fixed design)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of replicates >= 1, got {text!r}")
    return value


def _max_replicates(text: str) -> int:
    value = _integer(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text!r}")
    return value


def _ci_width(text: str) -> tuple[str, dict[str, tuple[float, bool]]]:
    from simulation.report.tables import parse_ci_width

    try:
        return text, parse_ci_width(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _weeks(text: str) -> int:
    try:
        return int(check_value("weeks", _integer(text)))
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sweep_options(parser: argparse.ArgumentParser, what: str) -> None:
    """The options of every command that runs a sweep into a resumable store (one set)."""
    parser.add_argument("experiment", metavar="EXPERIMENT", help=what)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"sweep folder (default {RESULTS_DIR}/<experiment>/); a folder holding this "
        "experiment's store is resumed",
    )
    executors = parser.add_mutually_exclusive_group()
    executors.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="local worker processes (default: one per core); 1 runs in this process",
    )
    executors.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: its scheduler's address (tcp://HOST:PORT), or local:N "
        "for a Dask LocalCluster of N single-threaded worker processes",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="delete DIR's store and start the sweep over"
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run again the runs stored as failed"
    )


def _workers(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1..65535, got {text!r}")
    return value


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
