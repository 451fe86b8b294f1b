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
    common.fact_replicates_option(validate, "--replicates", "runs per setting")
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
    calibrate.add_argument(
        "targets",
        metavar="TARGETS",
        help="a targets .toml file, or a shipped one by name (seed_facts)",
    )
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
    calibrate.add_argument(
        "--adopt",
        action="store_true",
        help="in a checkout: make the posterior point estimate the model's defaults "
        "(simulation/model/calibrated.toml), measure F1-F7 at them and write "
        "docs/CALIBRATION.md",
    )
    calibrate.add_argument(
        "--point",
        choices=("median", "checked", "robust"),
        default="median",
        help="with --adopt: the defaults are each marginal's weighted median (default); the "
        "particle that met every target deepest inside its bands in --check (checked); or "
        "the deepest of those whose F1-F7 hold under ±20%% moves of the parameters that set "
        "IT's load, screened at 10 replicates (robust; resumable)",
    )
    common.fact_replicates_option(
        calibrate, "--facts-replicates", "with --adopt: replicates per setting of the F1-F7 check"
    )
    calibrate.add_argument(
        "--robustness",
        type=Path,
        default=None,
        metavar="CSV",
        help="with --adopt: a `dtsim validate --robustness` table measured at the adopted "
        "defaults, for the page",
    )
    calibrate.add_argument(
        "--check",
        type=common.replicate_count,
        default=None,
        metavar="R",
        help="after the calibration: simulate every posterior particle and the point "
        "estimate again at R replicates (DIR/check-R<R>-seed<S>.csv, resumable) and print "
        "how many meet every target",
    )
    calibrate.add_argument(
        "--check-seed",
        type=common.seed,
        default=1,
        metavar="S",
        help="with --check: the seed of its replicates (default 1)",
    )
    calibrate.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``dtsim calibrate``: run or resume; print the posterior summary; write the figures."""
    import sys

    from simulation.experiments.calibrate import CalibrationError, calibrate, summary_lines
    from simulation.experiments.firm import locate_profile, profile_targets
    from simulation.experiments.targets import TargetsError, load_targets

    if args.point != "median" and not args.adopt:
        raise common.UsageError(f"--point {args.point}: only with --adopt")
    if args.point != "median" and args.check is None:
        raise common.UsageError(f"--point {args.point}: needs --check R, the check it reads")
    try:
        profile = locate_profile(args.targets)
        targets = profile_targets(profile) if profile else load_targets(args.targets)
        report = calibrate(
            targets,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            argv=[common.PROG, *args.argv],
            progress=True,
        )
    except (TargetsError, CalibrationError) as exc:
        raise common.UsageError(str(exc)) from None
    import pandas as pd

    from simulation.experiments.calibrate import FIGURES, PREDICTIVE
    from simulation.viz.calibration_plots import (
        diagnostics_figure,
        posterior_figure,
        predictive_figure,
    )

    figures = report.out / FIGURES
    figures.mkdir(exist_ok=True)
    paths = [
        *posterior_figure(report.posterior, targets, figures),
        *predictive_figure(pd.read_csv(report.out / PREDICTIVE), targets, figures),
        *diagnostics_figure(report.populations, figures),
    ]
    for line in summary_lines(report, targets):
        print(line)
    print(f"wrote {len(paths)} figures in {figures}")
    check = None
    if args.check is not None:
        from simulation.experiments.calibrate import check_lines, check_path, check_posterior

        check = check_posterior(
            report.out, args.check, args.check_seed, args.workers, args.scheduler, progress=True
        )
        for line in check_lines(check, targets):
            print(line)
        print(f"wrote {check_path(report.out, args.check, args.check_seed)}")
    if not args.adopt:
        return 0
    chosen = None
    if args.point != "median":
        from simulation.experiments.calibrate import best_checked, screen

        assert check is not None  # refused above without --check

        if args.point == "checked":
            chosen = best_checked(check, targets)
        else:
            chosen = screen(
                report.out,
                check,
                targets,
                seed=args.check_seed,
                workers=args.workers,
                scheduler=args.scheduler,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
        if chosen is None:
            from simulation.experiments.calibrate import CHECK_POINT

            particles = check[check["particle"] != CHECK_POINT]
            meets = int((particles["misses"] == 0).sum())
            why = (
                f"none of the {len(particles)} posterior particles meets every target"
                if args.point == "checked" or not meets
                else f"none of the {meets} particles that meet every target keeps F1-F7 under "
                f"the load screen (screen-*.csv in {report.out})"
            )
            raise common.UsageError(f"--point {args.point}: {why} in the check; not adopted")
    choice = None
    if chosen is not None:
        from simulation.report.calibration import choice_text

        choice = choice_text(
            report.out, check, targets, args.point, args.check, args.check_seed, chosen
        )
    return _adopt(args, report, targets, figures, chosen, choice)


def _adopt(
    args: argparse.Namespace,
    report: Any,
    targets: Any,
    figures: Path,
    chosen: int | None,
    choice: str | None,
) -> int:
    """``--adopt``: the point estimate becomes the defaults; F1-F7 at them; the page."""
    import shlex
    import shutil
    import sys
    import time

    from simulation.experiments import robustness, validation
    from simulation.experiments.calibrate import (
        point_estimate,
        write_calibrated,
    )
    from simulation.model.params import CALIBRATED_FILE, DECLARED
    from simulation.report.calibration import page

    root = CALIBRATED_FILE.parents[2]
    docs = root / "docs"
    if not (root / "pyproject.toml").is_file() or not docs.is_dir():
        raise common.UsageError(
            f"--adopt writes the model's defaults and docs/CALIBRATION.md of a checkout; "
            f"{root} is not one (install with pip install -e .)"
        )
    from simulation.experiments.calibrate import MIN_ESS_SHARE

    ess = float(report.populations["ess"].iloc[-1])
    if ess < MIN_ESS_SHARE * targets.population:
        raise common.UsageError(
            f"--adopt: the last generation's effective sample size is {ess:.1f} of "
            f"{targets.population} particles (below {MIN_ESS_SHARE:.0%}): the weights have "
            "degenerated and the posterior is a few particles; not adopted"
        )
    if args.robustness is not None and not args.robustness.is_file():
        raise common.UsageError(f"--robustness {args.robustness}: no such file")
    estimate = point_estimate(report.posterior, targets, chosen)
    write_calibrated(estimate, report.out, CALIBRATED_FILE, args.point)
    print(f"adopted the point estimate as the defaults: {CALIBRATED_FILE}")
    point = {name: value for name, (value, _, _) in estimate.items()}
    replicates, seed = args.facts_replicates, 12345
    plan = validation.build_plan(replicates, base=point)
    total = len(plan.settings) * replicates
    print(f"measuring F1-F7 at them: {total} runs", file=sys.stderr)
    started = time.perf_counter()
    runs = validation.measure(plan, workers=args.workers, seed=seed, scheduler=args.scheduler)
    facts = validation.check_facts(runs)
    note = (
        f"Measured by the same harness as `dtsim validate --replicates {replicates} --seed "
        f"{seed}` ({total} runs, {time.perf_counter() - started:.0f} s), with the adopted "
        "defaults."
    )
    table = None
    if args.robustness is not None:
        rows = robustness.read_rows(args.robustness)
        table = robustness.markdown(rows, args.robustness)
    shown = docs / "figures" / "calibration"
    shown.mkdir(parents=True, exist_ok=True)
    for name in ("posterior.png", "predictive.png", "abc_diagnostics.png"):
        shutil.copyfile(figures / name, shown / name)
    command = shlex.join([common.PROG, *args.argv])
    text = page(
        report.out,
        targets,
        estimate,
        {name: DECLARED[name] for name in targets.priors},
        facts,
        note,
        command,
        table,
        args.point,
        choice,
    )
    (docs / "CALIBRATION.md").write_text(text, encoding="utf-8")
    print(validation.summary_line(facts))
    print(f"wrote {docs / 'CALIBRATION.md'} and its figures in {shown}")
    return 0 if all(f.passed for f in facts) else 1
