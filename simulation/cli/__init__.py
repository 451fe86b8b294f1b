"""``dtsim``: the command line, a thin client that parses, calls the layers below and shows.

One module per group of commands (:mod:`~simulation.cli.runs`, :mod:`~simulation.cli.sweeps`,
:mod:`~simulation.cli.validate`, :mod:`~simulation.cli.app`), sharing the argument types and
option groups of :mod:`~simulation.cli.common`. Those modules import pandas, matplotlib and
the model inside the commands that need them, so ``dtsim --help`` and ``dtsim scenarios``
start fast. Every user mistake ends as one line ``dtsim: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence

from simulation.cli import app, common, runs, sweeps, validate
from simulation.cli.common import UsageError
from simulation.experiments.folders import OUTPUT_FILES, FolderError
from simulation.experiments.scenarios import ScenarioError
from simulation.model.params import ParameterError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dtsim`` and ``python -m simulation``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)
        with _quiet_teardown_on_interrupt():
            status = args.handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return status
    except (common.UsageError, FolderError, ScenarioError, ParameterError) as exc:
        return common.fail(str(exc), 2)
    except ValueError as exc:
        from simulation.analysis.decision import DecisionError
        from simulation.experiments.posterior import PosteriorError
        from simulation.experiments.provenance import ManifestError
        from simulation.experiments.robustness import RobustnessError
        from simulation.experiments.store import ResultsError

        if isinstance(
            exc, ManifestError | ResultsError | RobustnessError | PosteriorError | DecisionError
        ):
            return common.fail(str(exc), 2)
        raise
    except common.CommandError as exc:
        return common.fail(str(exc), exc.status)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # `dtsim ... | head -1`: the reader has what it wanted
        _silence_stdout()
        return 0
    except OSError as exc:  # the file system refused (full disk, no permission): not a usage error
        where = f"{exc.filename}: " if exc.filename else ""
        return common.fail(f"{where}{exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        return common.fail("interrupted", 130)


@contextlib.contextmanager
def _quiet_teardown_on_interrupt() -> Iterator[None]:
    """On Ctrl-C, silence Dask's loggers before the interrupt unwinds: a cluster shut down
    on purpose logs closed connections (with tracebacks, from its own threads) that would
    bury the one line ``dtsim: error: interrupted``. The previous handler is restored."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    """The command line; option ranges come from :mod:`simulation.model.params`."""
    parser = common.Parser(
        prog=common.PROG,
        description="Agent-based simulator of marketing-IT collaboration in digital transformation.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {common.version()}")
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, metavar="COMMAND"
    )
    for group in (runs, sweeps, validate, app):
        group.add_commands(commands)
    validate.add_calibrate(commands)
    return parser


__all__ = ["OUTPUT_FILES", "UsageError", "build_parser", "main"]
