"""``dtsim validate`` and ``dtsim calibrate``: the model held against the facts and targets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from simulation.cli import common


def add_commands(commands: Any) -> None:
    """The subcommand of this module, on the ``dtsim`` parser."""
    validate = commands.add_parser(
        "validate", help="check the stylized facts F1-F7; exit status 1 if any fails"
    )
    validate.add_argument(
        "--replicates",
        type=common.replicate_count,
        default=20,
        metavar="R",
        help="runs per setting (default 20)",
    )
    validate.add_argument(
        "--seed", type=common.seed, default=12345, help="base random seed (default 12345)"
    )
    common.executor_options(validate, "one per core")
    validate.add_argument(
        "--markdown",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the table as markdown, with command, date and git commit",
    )
    validate.add_argument(
        "--robustness",
        action="store_true",
        help="instead: F1-F7 under one-at-a-time -20%%/+20%% moves of every non-lever "
        "parameter; one CSV row per move, written as it is done (rerun to resume); exit 1 "
        "if a move breaks a fact",
    )
    validate.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --robustness: the CSV table (default results/robustness-R<replicates>-seed<seed>.csv)",
    )
    validate.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """``dtsim validate``: F1-F7 measured and checked; exit status 1 if any fact fails."""
    import shlex

    from simulation.experiments import validation

    if args.robustness:
        from simulation.experiments import robustness
        from simulation.experiments.folders import RESULTS_DIR

        name = f"robustness-R{args.replicates}-seed{args.seed}.csv"
        out = args.out or RESULTS_DIR / name
        return robustness.main(args.replicates, args.seed, args.workers, out, args.scheduler)
    if args.out is not None:
        raise common.UsageError("--out needs --robustness (the fact table goes to --markdown)")
    return validation.main(
        args.replicates,
        args.seed,
        args.workers,
        markdown_path=args.markdown,
        scheduler=args.scheduler,
        command=f"{common.PROG} {shlex.join(args.argv)}",
    )


def add_calibrate(commands: Any) -> None:
    """``dtsim calibrate``: ABC-SMC of a targets file's parameters."""
    calibrate = commands.add_parser(
        "calibrate",
        help="calibrate parameters to a targets file with ABC-SMC (pyabc): posterior, "
        "diagnostics and figures in DIR; the same command resumes a killed calibration",
    )
    calibrate.add_argument("targets", type=Path, metavar="TARGETS", help="a targets .toml file")
    calibrate.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="calibration folder (default results/calibration-<targets>/)",
    )
    common.executor_options(calibrate, "one per core")
    calibrate.add_argument(
        "--fresh", action="store_true", help="delete DIR's calibration and start over"
    )
    calibrate.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``dtsim calibrate``: run or resume; print the posterior summary; write the figures."""
    from simulation.experiments.calibrate import CalibrationError, calibrate, summary_lines
    from simulation.experiments.targets import TargetsError, load_targets

    try:
        targets = load_targets(args.targets)
        report = calibrate(
            targets,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            argv=[common.PROG, *args.argv],
        )
    except (TargetsError, CalibrationError) as exc:
        raise common.UsageError(str(exc)) from None
    import pandas as pd

    from simulation.experiments.calibrate import PREDICTIVE
    from simulation.viz.calibration_plots import (
        diagnostics_figure,
        posterior_figure,
        predictive_figure,
    )

    figures = report.out / "figures"
    figures.mkdir(exist_ok=True)
    paths = [
        *posterior_figure(report.posterior, targets, figures),
        *predictive_figure(pd.read_csv(report.out / PREDICTIVE), targets, figures),
        *diagnostics_figure(report.populations, figures),
    ]
    for line in summary_lines(report, targets):
        print(line)
    print(f"wrote {len(paths)} figures in {figures}")
    return 0
