"""What every ``dtsim`` command shares: the error type, argument types, option groups, output.

Every user mistake ends as one line ``dtsim: error: ...`` on stderr and exit status 2; the
argument types here give that line for a bad number before any command starts.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from simulation.experiments.folders import RESULTS_DIR
from simulation.experiments.limits import CONFIRM_RUNS, MAX_REPLICATES
from simulation.model.params import ParameterError, check_value

PROG = "dtsim"
AUTO = "auto"
"""``--replicates auto``: add replicates until the intervals are narrow enough."""


class UsageError(Exception):
    """A bad command line or output folder; reported as one line, exit status 2."""


class CommandError(Exception):
    """A command that ran but could not finish (an executor broke down); one line and
    ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting, so errors stay one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def seed(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def replicates(text: str) -> int | str:
    if text == AUTO:
        return AUTO
    value = integer(text)
    if not 1 <= value <= MAX_REPLICATES:
        raise argparse.ArgumentTypeError(
            f"must be from 1 to {MAX_REPLICATES:,} or 'auto', got {text!r}"
        )
    return value


def replicate_count(text: str) -> int:
    """A number of replicates, without ``auto`` (``dtsim validate`` runs a fixed design)."""
    value = integer(text)
    if not 1 <= value <= MAX_REPLICATES:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of replicates from 1 to {MAX_REPLICATES:,}, got {text!r}"
        )
    return value


def max_replicates(text: str) -> int:
    value = integer(text)
    if not 2 <= value <= MAX_REPLICATES:
        raise argparse.ArgumentTypeError(f"must be from 2 to {MAX_REPLICATES:,}, got {text!r}")
    return value


def ci_width(text: str) -> tuple[str, dict[str, tuple[float, bool]]]:
    from simulation.report.tables import parse_ci_width

    try:
        return text, parse_ci_width(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def weeks(text: str) -> int:
    try:
        return int(check_value("weeks", integer(text)))
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def workers(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def whole_in(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``; ``what`` names them in the
    message ("must be {what}, got ...")."""

    def parse(text: str) -> int:
        value = integer(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


port = whole_in(1, 65535, "a port number 1..65535")
fps = whole_in(1, 60, "1..60 frames a second")
quarters = whole_in(1, 16, "1..16 quarters")


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def round_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be 0..3600 seconds, got {text}")
    return value


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def fail(message: str, status: int) -> int:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return status


def version() -> str:
    from importlib import metadata

    try:
        return metadata.version("dtsim")
    except metadata.PackageNotFoundError:
        return "unknown"


class OutcomeAction(argparse.Action):
    """``--outcome NAME``: starts a condition; its --below/--above comes next."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        conditions = list(getattr(namespace, self.dest, None) or [])
        if conditions and conditions[-1][1] is None:
            raise argparse.ArgumentError(
                self, f"--outcome {conditions[-1][0]} needs --below X or --above X after it"
            )
        conditions.append((values, None, None))
        setattr(namespace, self.dest, conditions)


class ThresholdAction(argparse.Action):
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


def sweep_options(parser: argparse.ArgumentParser, what: str) -> None:
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
    executor_options(parser, "one per core")
    parser.add_argument(
        "--fresh", action="store_true", help="delete DIR's store and start the sweep over"
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run again the runs stored as failed"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"run a design of more than {CONFIRM_RUNS:,} runs (refused without it: a design "
        "that large is more often a typo than a plan)",
    )
    parser.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="CAL",
        help="a calibration's output folder: replicate r of every design point also takes "
        "posterior draw r (resampled by weight from the experiment's seed), so the results "
        "carry the firm's parameter uncertainty, paired over the points (default: none)",
    )


def decision_options(parser: argparse.ArgumentParser) -> None:
    """What matters to the user, for the recommendation that opens a sweep's results."""
    parser.add_argument(
        "--weights",
        default=None,
        metavar="W",
        help="weights over outcomes for the recommendation, e.g. "
        "'ttm_all=1,breaches_per_year=2,satisfaction=3' (default: every headline outcome 1)",
    )
    parser.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="COND",
        help="a threshold every replicate should meet, e.g. 'breaches_per_year<14' "
        "(repeatable); the recommendation prefers the setting that meets all most often",
    )


def fact_replicates_option(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """The replicates per setting of the F1-F7 check (``validate``, ``calibrate --adopt``):
    20 by default, the count the facts' bands and the robustness table are stated at."""
    parser.add_argument(
        flag, type=replicate_count, default=20, metavar="R", help=f"{help} (default 20)"
    )


def executor_options(parser: argparse.ArgumentParser, default: str) -> None:
    """``--workers N`` or ``--scheduler ADDRESS``: where the runs go (the numbers do not
    depend on it); one group for every command that runs many models."""
    executors = parser.add_mutually_exclusive_group()
    executors.add_argument(
        "--workers",
        type=workers,
        default=None,
        metavar="N",
        help=f"local worker processes (default: {default}); 1 runs in this process",
    )
    executors.add_argument(
        "--scheduler",
        type=scheduler,
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: its scheduler's address (tcp://HOST:PORT), or local:N "
        "for a Dask LocalCluster of N single-threaded worker processes",
    )


def scheduler(text: str) -> str:
    from simulation.experiments.engine import SchedulerError, check_scheduler

    try:
        return check_scheduler(text)
    except SchedulerError as exc:
        reason = str(exc).removeprefix(f"--scheduler {text}: ")
        raise argparse.ArgumentTypeError(f"got {text!r}; {reason}") from None
