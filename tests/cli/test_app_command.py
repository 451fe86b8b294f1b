"""``dtsim app`` as a process: a taken port is one line, a wide host is warned about, and the
solara server never outlives ``dtsim app`` (SIGTERM, SIGINT, SIGHUP forwarded; SIGKILL on Linux
through the kernel's parent-death signal)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from simulation.cli import app, main

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120
"""Seconds the server may take to answer (solara imports slowly on a busy machine)."""
GONE_WITHIN = 8
"""Seconds after the signal by which the server must be gone and its port free."""


def env() -> dict[str, str]:
    """This checkout first on the path of a ``python -m simulation`` child."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert app.is_loopback(host) is loopback


def test_a_host_beyond_this_machine_is_warned_about(monkeypatch, capsys) -> None:
    pytest.importorskip("solara", reason="the app needs the web libraries")
    served: list[list[str]] = []
    monkeypatch.setattr(app, "serve", lambda command: served.append(command) or 0)
    port = str(free_port())
    assert main(["app", "--host", "0.0.0.0", "--port", port]) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warning) == 1
    assert warning[0].startswith("dtsim app: warning: --host 0.0.0.0 ")
    assert "anyone who can reach port" in warning[0] and "run models" in warning[0]
    assert served and served[0][served[0].index("--host") + 1] == "0.0.0.0"

    assert main(["app", "--port", port]) == 0  # the default: this machine only, no warning
    assert "warning" not in capsys.readouterr().err
    assert served[1][served[1].index("--host") + 1] == "127.0.0.1"


def test_a_taken_port_is_one_line_with_a_free_one_to_try() -> None:
    pytest.importorskip("solara", reason="the app needs the web libraries")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "simulation", "app", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env(),
            cwd=ROOT,
        )
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, result.stderr
        assert "serving on" not in result.stdout
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert lines[0].startswith(f"dtsim: error: port {port} on 127.0.0.1 is taken")
        suggested = int(lines[0].rsplit("--port ", 1)[1])
        assert suggested != port and port_is_free(suggested)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_the_server_goes_with_dtsim_app(signum: int) -> None:
    pytest.importorskip("solara", reason="the app needs the web libraries")
    port = free_port()
    dtsim = subprocess.Popen(
        [sys.executable, "-m", "simulation", "app", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
        cwd=ROOT,
        start_new_session=True,  # a signal to this test's group does not reach it
    )
    server: list[int] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                assert dtsim.poll() is None, "dtsim app ended before serving"
                assert time.monotonic() < deadline, "dtsim app did not answer"
                time.sleep(0.5)
        server = children(dtsim.pid)
        assert server, "no server process under dtsim app"
        dtsim.send_signal(signum)
        status = dtsim.wait(timeout=GONE_WITHIN + 5)
        if signum == signal.SIGTERM:
            assert status == 0
        deadline = time.monotonic() + GONE_WITHIN
        while any(alive(pid) for pid in server) or not port_is_free(port):
            assert time.monotonic() < deadline, "the solara server outlived dtsim app"
            time.sleep(0.2)
    finally:
        if dtsim.poll() is None:
            dtsim.kill()
            dtsim.wait()
        for pid in server:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_classroom_prints_its_code_and_warns_beyond_this_machine(monkeypatch, capsys) -> None:
    """`dtsim classroom` (issue 14): the join code and both addresses are printed, the settings
    reach the server through its environment (not this process's), a host beyond loopback is
    warned about, and a bad scenario is one line before anything is served."""
    import os

    pytest.importorskip("solara", reason="the classroom needs the web libraries")
    served: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(app, "serve", lambda command, env=None: served.append((command, env)) or 0)
    port = str(free_port())
    argv = ["classroom", "--host", "0.0.0.0", "--port", port, "--quarters", "4", "--seed", "7"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "dtsim classroom: warning: --host 0.0.0.0 " in err
    command, env = served[0]
    code, key = env["DTSIM_CLASSROOM_CODE"], env["DTSIM_CLASSROOM_KEY"]
    assert f"join code:        {code}" in out and f"?teacher={key}" in out
    assert env["DTSIM_CLASSROOM_QUARTERS"] == "4" and env["DTSIM_CLASSROOM_SEED"] == "7"
    assert "DTSIM_CLASSROOM_CODE" not in os.environ
    assert command[command.index("run") + 1].endswith("classroom.py")
    assert main(["classroom", "--scenario", "nosuch", "--port", port]) == 2
    assert "unknown scenario 'nosuch'" in capsys.readouterr().err
    assert len(served) == 1
