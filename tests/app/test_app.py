"""The teaching app in a real browser: start `dtsim app`, move a lever, step, see it change.

Headless Chromium (Debian's `/usr/bin/chromium`) driven by Playwright. Skipped, with the
reason, when the browser, Playwright or solara's offline page assets are not on the machine
(`.ci/run` installs all three, so CI runs it).
"""

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

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ASSETS = Path(sys.prefix) / "share/solara/cdn/@widgetti/solara-vuetify3-app@5.2.0"
EVIL_STORY = 'Look: <img src=x onerror="window.__xss=1"> and [click me](javascript:alert(1)).'
"""A story that ran script in the page when it was rendered as Markdown."""
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


def skip_without_browser() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not ASSETS.exists():
        pytest.skip(
            f"solara's page assets are not cached in {ASSETS.parent} (.ci/solara_assets.sh)"
        )


@contextlib.contextmanager
def serving(env: dict[str, str] | None = None) -> Iterator[str]:
    """`dtsim app` on a free port until the block ends; yields its address."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulation", "app", "--port", str(port)],
        cwd=ROOT,
        env=env,
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


@pytest.fixture
def app_url() -> Iterator[str]:
    skip_without_browser()
    with serving() as url:
        yield url


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


def test_a_scenario_story_cannot_run_script_in_the_page(tmp_path: Path) -> None:
    """The default scenario's story holds an ``<img onerror>`` and a ``javascript:`` link: the
    page shows them as text, and the script does not run."""
    from playwright.sync_api import sync_playwright

    skip_without_browser()
    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    siloed = folder / "siloed.toml"
    text = siloed.read_text(encoding="utf-8")
    start = text.index('story = """')
    end = text.index('"""', start + len('story = """')) + 3
    siloed.write_text(f"{text[:start]}story = '{EVIL_STORY}'{text[end:]}", encoding="utf-8")
    with serving({**os.environ, "DTSIM_SCENARIOS": str(folder)}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(url, wait_until="networkidle", timeout=90_000)
            page.locator(".dtsim-scenario").get_by_text("Look:", exact=False).first.wait_for(
                timeout=60_000
            )
            page.wait_for_timeout(1000)
            assert page.evaluate("typeof window.__xss") == "undefined"
            scenario = page.locator(".dtsim-scenario")
            assert scenario.locator("img").count() == 0
            assert page.locator("a[href^='javascript:']").count() == 0
            assert EVIL_STORY in scenario.inner_text()
        finally:
            browser.close()
