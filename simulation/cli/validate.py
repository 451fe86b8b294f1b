"""``dtsim validate``: the stylized facts F1-F7 measured and checked."""

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
    validate.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """``dtsim validate``: F1-F7 measured and checked; exit status 1 if any fact fails."""
    import shlex

    from simulation.experiments import validation

    return validation.main(
        args.replicates,
        args.seed,
        args.workers,
        markdown_path=args.markdown,
        scheduler=args.scheduler,
        command=f"{common.PROG} {shlex.join(args.argv)}",
    )
