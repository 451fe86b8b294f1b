"""``dtsim sweep``, ``sensitivity``, ``export``, ``plot``, ``discover`` and ``report``:
an experiment into its resumable store, and everything read from a store.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulation.cli import common


def add_commands(commands: Any) -> None:
    """The subcommands of this module, on the ``dtsim`` parser."""
    sweep = commands.add_parser(
        "sweep",
        help="run an experiment (experiments/*.toml): every point and replicate, committed "
        "run by run to DIR/results.sqlite; the same command resumes where it stopped",
    )
    common.sweep_options(sweep, "experiment name in experiments/ or path to a .toml file")
    common.decision_options(sweep)
    sweep.set_defaults(handler=cmd_sweep)

    sensitivity = commands.add_parser(
        "sensitivity",
        help="Sobol' indices or Morris screening of an experiment with sampler saltelli or "
        "morris: runs (or resumes) its sweep, writes DIR/sensitivity.csv and a figure",
    )
    common.sweep_options(
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

    discover = commands.add_parser(
        "discover",
        help="scenario discovery (PRIM): the ranges of the varied parameters where the "
        "outcomes meet conditions; DIR/discovery.csv and DIR/figures/discovery.png",
    )
    discover.add_argument("folder", type=Path, metavar="DIR", help="a sweep's results folder")
    discover.add_argument(
        "--outcome",
        dest="conditions",
        action=common.OutcomeAction,
        default=[],
        metavar="NAME",
        help="an outcome (summary key); follow each by --below X or --above X; several "
        "--outcome conditions must all hold",
    )
    for word in ("below", "above"):
        discover.add_argument(
            f"--{word}",
            dest="conditions",
            action=common.ThresholdAction,
            metavar="X",
            help=f"the preceding --outcome must be {word} X (strictly)",
        )
    discover.add_argument(
        "--min-density",
        type=common.share,
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
    report.add_argument(
        "folder", type=Path, metavar="DIR", help="a sweep's or a calibration's results folder"
    )
    report.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="default DIR/report.html"
    )
    common.decision_options(report)
    report.set_defaults(handler=cmd_report)


def cmd_sweep(args: argparse.Namespace) -> int:
    """``dtsim sweep``: an experiment's runs into its store, resumed if it was started.

    Exit status 0 when every run is stored as ok, 1 when some are stored as failed (or the
    executor broke down: the finished runs are kept), 2 for a bad experiment or folder.
    """
    import shlex

    from simulation.experiments.sweep import print_summary, run_sweep

    _check_decision(args)
    with _sweep_errors():
        report = run_sweep(_open_experiment(args), args.out, **_sweep_settings(args))
    again = [a for a in args.argv if a not in ("--fresh", "--retry-failed")]
    print_summary(report, command=f"{common.PROG} {shlex.join(again)}")
    from simulation.experiments.store import ResultsError
    from simulation.report.best import decision_report, print_best

    print()
    try:
        print(decision_report(report.out, args.weights, args.require))
        print()
        print_best(report.out)
    except ResultsError as exc:  # e.g. no run ok yet: the sweep itself is done, say why
        print(f"{common.PROG}: note: {' '.join(str(exc).split())}", file=sys.stderr)
    return 1 if report.stored_failed else 0


def _check_decision(args: argparse.Namespace) -> None:
    """``--weights`` and ``--require`` read before anything runs (one line when wrong)."""
    from simulation.analysis.decision import parse_requirement, parse_weights

    parse_weights(args.weights)
    for text in args.require:
        parse_requirement(text)


def _sweep_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of `run_sweep` (and the studies on it) from the shared options."""
    return {
        "workers": args.workers,
        "scheduler": args.scheduler,
        "fresh": args.fresh,
        "retry_failed": args.retry_failed,
        "progress": True,
        "argv": [common.PROG, *args.argv],
        "confirmed": args.yes,
    }


@contextlib.contextmanager
def _sweep_errors() -> Iterator[None]:
    """A bad experiment, folder, store or scheduler is a usage error (exit 2); an executor
    that broke down or a store that cannot be written (full disk) exits 1 (the finished runs
    are stored)."""
    from simulation.experiments.engine import ExecutorError, SchedulerError
    from simulation.experiments.experiment import ExperimentError
    from simulation.experiments.sweep import StoreWriteError, SweepError

    try:
        yield
    except (ExperimentError, SweepError, SchedulerError) as exc:
        raise common.UsageError(str(exc)) from None
    except (ExecutorError, StoreWriteError) as exc:
        raise common.CommandError(str(exc), 1) from None


def _open_experiment(args: argparse.Namespace, check=None, check_error=Exception):
    """The experiment of ``sweep``/``sensitivity``: file valid, notes
    and title printed. `check` refuses a design the command cannot use (a usage error)."""
    from simulation.experiments.experiment import load_experiment
    from simulation.experiments.limits import cost_note, run_seconds

    experiment = load_experiment(args.experiment)
    if args.posterior is not None:
        from simulation.experiments.posterior import load_posterior

        posterior = load_posterior(args.posterior)
        experiment = experiment.with_posterior(posterior)
        print(
            f"{common.PROG}: note: every replicate draws from the {posterior.describe()}",
            file=sys.stderr,
        )
    if check is not None:
        try:
            check(experiment)
        except check_error as exc:
            raise common.UsageError(str(exc)) from None
    for note in experiment.notes:
        print(f"{common.PROG}: note: {note}", file=sys.stderr)
    print(f"{experiment.name}: {experiment.title}")
    cost = cost_note(experiment.n_runs * run_seconds(experiment.base_parameters), _cores(args))
    if cost is not None:
        print(f"{common.PROG}: note: {cost}", file=sys.stderr)
    return experiment


def _cores(args: argparse.Namespace) -> int:
    from simulation.experiments.engine import cores

    return args.workers or cores()


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``dtsim sensitivity``: the experiment's sweep (resumed), then SALib per headline outcome.

    Exit status 0 when the analysis is written, 1 when runs failed or the executor broke
    down (the finished runs are kept), 2 for a bad experiment, folder or design.
    """
    from simulation.analysis.sensitivity import SensitivityError, format_table, method_of
    from simulation.report.studies import run_sensitivity

    try:
        with _sweep_errors():
            experiment = _open_experiment(args, check=method_of, check_error=SensitivityError)
            report = run_sensitivity(experiment, args.out, **_sweep_settings(args))
    except SensitivityError as exc:
        return common.fail(str(exc), 1)
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
        raise common.UsageError(
            "discover needs at least one --outcome NAME --below X (or --above X)"
        )
    if args.conditions[-1][1] is None:
        raise common.UsageError(
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
    """``dtsim report``: one self-contained HTML page on a sweep or a calibration."""
    from simulation.report.report import write_report

    _check_decision(args)
    try:
        path = write_report(args.folder, args.out, args.weights, args.require)
    except FileNotFoundError as exc:
        raise common.UsageError(str(exc)) from None
    print(f"wrote {path}")
    return 0
