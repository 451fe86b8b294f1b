"""``dtsim app``: the teaching app, served by solara on this machine."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
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

    room = commands.add_parser(
        "classroom",
        help="a CMO-CIO role-play for a class: teams of two run a firm a quarter at a time; "
        "prints a join code, the students' address and the teacher's",
    )
    room.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1: this machine only; the room's network "
        "address, e.g. 0.0.0.0, lets students join from their own machines)",
    )
    room.add_argument("--port", type=common.port, default=8766, help="port (default 8766)")
    room.add_argument("--scenario", default="siloed", help="every team's firm (default siloed)")
    room.add_argument("--seed", type=common.seed, default=0, help="every firm's seed (default 0)")
    room.add_argument(
        "--quarters", type=common.quarters, default=6, help="rounds of 13 weeks, 1..16 (default 6)"
    )
    room.add_argument(
        "--round-seconds",
        type=common.round_seconds,
        default=0,
        help="a timer for each quarter, 0..3600 s; when it runs out every team plays on its "
        "last decisions (default 0: no timer; the teacher ends each quarter)",
    )
    room.set_defaults(handler=cmd_classroom)


def cmd_app(args: argparse.Namespace) -> int:
    """``dtsim app``: serve :mod:`simulation.app.app` with solara's server until stopped.

    Runs ``solara run`` in this Python (solara and the web libraries are imported by that
    process only, so ``dtsim --help`` stays light). The port is tried first, so a taken one
    is one line, not a server that starts and dies; the server goes with this process
    (signals forwarded, and on Linux the kernel stops it if this process is killed).
    """
    app = Path(__file__).resolve().parents[1] / "app" / "app.py"
    command = _prepare(args, "app", app)
    print(f"dtsim app: serving on {address_of(args.host, args.port)} (Ctrl-C to stop)", flush=True)
    return serve(command)


def cmd_classroom(args: argparse.Namespace) -> int:
    """``dtsim classroom``: serve :mod:`simulation.app.classroom` with a new join code."""
    import secrets

    from simulation.app.room import CODE_LENGTH, CODE_LETTERS
    from simulation.experiments.scenarios import load_scenario

    scenario = load_scenario(args.scenario)  # a bad scenario is one line, before serving
    page = Path(__file__).resolve().parents[1] / "app" / "classroom.py"
    command = _prepare(args, "classroom", page)
    code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
    key = secrets.token_urlsafe(12)
    settings = {
        **os.environ,
        **{
            "DTSIM_CLASSROOM_CODE": code,
            "DTSIM_CLASSROOM_KEY": key,
            "DTSIM_CLASSROOM_SCENARIO": str(scenario.path or scenario.name),
            "DTSIM_CLASSROOM_SEED": str(args.seed),
            "DTSIM_CLASSROOM_QUARTERS": str(args.quarters),
            "DTSIM_CLASSROOM_ROUND_SECONDS": str(args.round_seconds),
        },
    }
    # every interface: the students need this machine's address on the room's network
    shown = "THIS-MACHINE'S-ADDRESS" if args.host in ("0.0.0.0", "::") else args.host
    print(f"dtsim classroom: {scenario.title} ({scenario.name}), seed {args.seed}, "
          f"{args.quarters} quarters", flush=True)  # fmt: skip
    print(f"  join code:        {code}")
    print(f"  students open:    {address_of(shown, args.port)}")
    print(f"  teacher opens:    {address_of(shown, args.port)}?teacher={key}  (keep this one)")
    print("  (Ctrl-C to stop)", flush=True)
    return serve(command, settings)


def address_of(host: str, port: int) -> str:
    """The page's address (an IPv6 host in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _prepare(args: argparse.Namespace, name: str, page: Path) -> list[str]:
    """Checks before serving a page (web libraries, address, port, cached scripts) and the
    server's command."""
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        raise common.UsageError(f'the {name} needs the web libraries: pip install -e ".[app]"')
    address = resolve(args.host, args.port)
    warning = host_warning(args.host, args.port)
    if warning:
        print(f"{common.PROG} {name}: warning: {warning}", file=sys.stderr)
    check_port(args.host, args.port, address)
    cdn = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not all((cdn / name).is_dir() for name in ASSETS):
        print(
            f"{common.PROG} {name}: note: solara loads its page scripts from cdn.jsdelivr.net; on "
            "a machine without internet run `bash .ci/solara_assets.sh` once to cache them",
            file=sys.stderr,
        )
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(page),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
    ]


ASSETS = ("@widgetti", "echarts@5.4.0")
"""The page's scripts in solara's local cache (``.ci/solara_assets.sh``): solara's page and
the plots' library."""
LOOPBACK_NAMES = {"localhost"}
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")
"""Signals that stop ``dtsim app``: each is passed on to the server, which is then waited for."""
STOP_GRACE = 10.0
"""Seconds the server has to stop after a forwarded signal before it is killed."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` serves this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str, port: int) -> str | None:
    """What to tell the user who serves beyond this machine: the page runs models for anyone."""
    if is_loopback(host):
        return None
    return (
        f"--host {host} opens the app beyond this machine: anyone who can reach port {port} "
        "can run models on it (the default 127.0.0.1 keeps it to this machine)"
    )


def resolve(host: str, port: int) -> tuple[int, int, int, Any]:
    """The address the server will bind (family, type, protocol, address); a host that is not
    an address is a one-line error."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise common.UsageError(
            f"--host {host}: not an address of this machine ({exc.strerror})"
        ) from None
    family, kind, proto, _, address = infos[0]
    return family, kind, proto, address


def check_port(host: str, port: int, address: tuple[int, int, int, Any]) -> None:
    """Bind ``host:port`` once and let it go, so a taken port is a one-line error (exit 2),
    not a server that says it is serving and then dies (exit 3).

    SO_REUSEADDR as the server sets it: a port left in TIME_WAIT by a stopped app is free.
    """
    import errno
    import socket

    family, kind, proto, where = address
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(where)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise common.UsageError(
                    f"port {port} on {host} is taken (another dtsim app?); "
                    f"try --port {free_port(host, port)}"
                ) from None
            raise common.UsageError(f"cannot serve on {host}:{port}: {exc.strerror}") from None


def free_port(host: str, near: int) -> int:
    """A port free on ``host`` right now: the next few after ``near``, else one the system picks."""
    import socket

    family = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]
    candidates = [p for p in range(near + 1, near + 21) if p <= 65535] + [0]
    for candidate in candidates:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise common.UsageError(f"no free port on {host}")


def serve(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run the server until it ends or a stop signal comes; never leave it running.

    The server gets its own process group, so a Ctrl-C in the terminal reaches it once, from
    here; SIGTERM, SIGINT and SIGHUP to this process are forwarded and the server waited for
    (killed after :data:`STOP_GRACE` seconds). Exit status 0 when stopped by a signal.
    """
    import signal
    import subprocess
    import time

    received: list[int] = []
    server = subprocess.Popen(
        command, env=env, process_group=0, preexec_fn=die_with_parent(os.getpid())
    )

    def forward(signum: int, frame: object) -> None:
        received.append(signum)
        if server.poll() is None:
            server.send_signal(signum)

    stops = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, forward) for signum in stops}
    deadline: float | None = None
    try:
        while True:
            try:
                status = server.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if received and deadline is None:
                    deadline = time.monotonic() + STOP_GRACE
                if deadline is not None and time.monotonic() > deadline:
                    server.kill()
    finally:
        if server.poll() is None:  # an error in this process: do not leave the server behind
            server.kill()
            server.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if received else status


def die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has Linux send the server SIGTERM when ``parent`` dies (even by
    SIGKILL, which cannot be forwarded); None where ``prctl`` does not exist."""
    if not sys.platform.startswith("linux"):
        return None

    def arrange() -> None:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl: nobody will stop us
            os.kill(os.getpid(), signal.SIGTERM)

    return arrange
