"""``dtsim app``: the teaching app, served by solara on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulation.cli import common


def add_commands(commands: Any) -> None:
    """The subcommand of this module, on the ``dtsim`` parser."""
    app = commands.add_parser(
        "app", help="the teaching app in the browser: one run, live levers, plots and agents"
    )
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1: this machine only)",
    )
    app.add_argument("--port", type=common.port, default=8765, help="port (default 8765)")
    app.set_defaults(handler=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    """``dtsim app``: serve :mod:`simulation.app.app` with solara's server until Ctrl-C.

    Runs ``solara run`` in this Python (solara and the web libraries are imported by that
    process only, so ``dtsim --help`` stays light).
    """
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        raise common.UsageError('the app needs the web libraries: pip install -e ".[app]"')
    app = Path(__file__).resolve().parents[1] / "app" / "app.py"
    assets = Path(sys.prefix) / "share" / "solara" / "cdn" / "@widgetti"
    if not assets.is_dir():
        print(
            f"{common.PROG} app: note: solara loads its page scripts from cdn.jsdelivr.net; on a machine "
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
