"""The teaching app in a real browser: start `dtsim app`, move a lever, step, see it change.

Headless Chromium (Debian's `/usr/bin/chromium`) driven by Playwright. Skipped, with the
reason, when the browser, Playwright or solara's offline page assets are not on the machine
(`.ci/run` installs all three, so CI runs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not ASSETS.exists():
        pytest.skip(
            f"solara's page assets are not cached in {ASSETS.parent} (.ci/solara_assets.sh)"
        )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation", "app", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    out = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"dtsim app did not start: {out[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
        if server.stdout:
            server.stdout.close()


def image_src(page, selector: str) -> str:
    return page.locator(f"{selector} img").first.get_attribute("src") or ""


def test_app_moves_a_lever_steps_and_redraws(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(app_url, wait_until="networkidle", timeout=90_000)
            page.locator(".dtsim-outcomes img").first.wait_for(timeout=60_000)
            outcomes, agents = image_src(page, ".dtsim-outcomes"), image_src(page, ".dtsim-agents")
            assert outcomes and agents
            page.get_by_text("Siloed: tickets over the wall").first.wait_for(timeout=30_000)

            # move collaboration live: five steps of 0.05 from 0.15
            slider = page.locator(".dtsim-lever-collaboration [role=slider]").first
            slider.focus()
            for _ in range(5):
                slider.press("ArrowRight")
            page.get_by_text("last move: collaboration = 0.40", exact=False).wait_for(
                timeout=30_000
            )

            step = page.get_by_role("button", name="Step")
            for week in (1, 2, 3):
                step.click()
                page.get_by_text(f"week {week} of 156", exact=False).wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
            assert image_src(page, ".dtsim-outcomes") != outcomes  # the plots changed
            assert image_src(page, ".dtsim-agents") != agents  # the agent view changed
            assert "week 3" in page.locator(".dtsim-events").inner_text()

            shot = tmp_path / "app.png"
            if os.environ.get("DTSIM_SAVE_SCREENSHOT"):
                shot = ROOT / "docs" / "figures" / "app.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
