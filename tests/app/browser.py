"""`dtsim app` in headless Chromium: the one way the browser test and `benchmarks/bench_app.py`
start the server and the browser (Debian's `/usr/bin/chromium`, driven by Playwright)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ASSETS = Path(sys.prefix) / "share/solara/cdn/@widgetti/solara-vuetify3-app@5.2.0"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


FIGURE_JS = """() => {
  const box = document.querySelector('.dtsim-outcomes');
  if (!box) return '';
  const img = box.querySelector('img');
  if (img) return img.getAttribute('src') || '';
  const canvas = box.querySelector('canvas');
  return canvas ? canvas.toDataURL() : '';
}"""
"""What the first outcome figure shows: an image's data (drawn on the server) or a canvas's
pixels (drawn in the browser), so a change of either kind of figure can be seen."""


def missing() -> str | None:
    """Why the browser cannot run here (None when it can)."""
    if not Path(CHROMIUM).exists():
        return "no Chromium at /usr/bin/chromium (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    for asset in (ASSETS, ASSETS.parents[1] / "echarts@5.4.0"):
        if not asset.exists():
            return f"solara's page assets are not cached in {asset.parent} (.ci/solara_assets.sh)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(server: subprocess.Popen, url: str, within: float = 90.0) -> bool:  # type: ignore[type-arg]
    """Whether the server answers ``url`` with 200 before it exits or ``within`` seconds pass."""
    deadline = time.time() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                return False
            time.sleep(0.5)


@contextlib.contextmanager
def serving(env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[str]:
    """`dtsim app` on a free port of 127.0.0.1 until the block ends; yields its address.

    RuntimeError with the server's last output when it does not answer within 90 s."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation", "app", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        if not answers(server, url):
            out = server.stdout.read().decode() if server.stdout else ""
            raise RuntimeError(f"dtsim app did not start: {out[-2000:]}")
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
        if server.stdout:
            server.stdout.close()


@contextlib.contextmanager
def classroom(args: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    """`dtsim classroom` on a free port of 127.0.0.1 until the block ends; yields the students'
    address, the join code and the teacher's address, as it prints them."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation", "classroom", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    try:
        printed: dict[str, str] = {}
        assert server.stdout is not None
        while "teacher opens" not in printed:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError(f"dtsim classroom did not start: {printed}")
            if ":" in line and line.startswith("  "):
                key, _, value = line.strip().partition(":")
                printed[key.strip()] = value.strip().split()[0]
        url = f"http://127.0.0.1:{port}/"
        if not answers(server, url):
            raise RuntimeError("dtsim classroom did not answer")
        yield url, printed["join code"], printed["teacher opens"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
        if server.stdout:
            server.stdout.close()
