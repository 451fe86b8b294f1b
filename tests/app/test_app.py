"""The teaching app in a real browser: start `dtsim app`, move a lever, step, see it change.

Headless Chromium (Debian's `/usr/bin/chromium`) driven by Playwright. Skipped, with the
reason, when the browser, Playwright or solara's offline page assets are not on the machine
(`.ci/run` installs all three, so CI runs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, FIGURE_JS, ROOT, missing, serving

HEADLINE = ("time_to_market", "shadow_share", "breaches_total", "satisfaction")
"""The first screen's plots (simulation.app.app.HEADLINE; not imported: solara is optional)."""

EVIL_STORY = 'Look: <img src=x onerror="window.__xss=1"> and [click me](javascript:alert(1)).'
"""A story that ran script in the page when it was rendered as Markdown."""


def skip_without_browser() -> None:
    reason = missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def app_url() -> Iterator[str]:
    skip_without_browser()
    with serving() as url:
        yield url


def figure(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate(FIGURE_JS))


def canvas(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(f"{selector} canvas").first.evaluate("c => c.toDataURL()"))


def test_app_moves_a_lever_steps_plays_and_redraws(app_url: str, tmp_path: Path) -> None:
    """Issue 14: the page a class sees at 1280x720, a live lever, single weeks, play and pause."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(app_url, wait_until="networkidle", timeout=90_000)
            page.locator(".dtsim-plot-satisfaction canvas").first.wait_for(timeout=60_000)
            page.get_by_text("Siloed: tickets over the wall").first.wait_for(timeout=30_000)
            # Projector-ready: the levers and the four headline plots fit the first screen,
            # text is 14 px or more, and Mesa's developer controls are gone.
            for selector in (".dtsim-levers", *(f".dtsim-plot-{c}" for c in HEADLINE)):
                box = page.locator(selector).first.bounding_box()
                assert box is not None and box["y"] + box["height"] <= 720, selector
            size = page.locator(".dtsim-monitor-label").first.evaluate(
                "e => parseFloat(getComputedStyle(e).fontSize)"
            )
            assert size >= 14
            assert page.get_by_text("Render Interval").count() == 0
            assert page.get_by_text("Use Threads").count() == 0
            outcomes, customers = figure(page), canvas(page, ".dtsim-plot-customers")
            assert outcomes and customers

            # move collaboration live: five steps of 0.05 from 0.15, the value beside it
            slider = page.locator(".dtsim-lever-collaboration [role=slider]").first
            slider.focus()
            for _ in range(5):
                slider.press("ArrowRight")
            page.get_by_text("last move: collaboration = 0.40", exact=False).wait_for(
                timeout=30_000
            )
            value = page.locator(".dtsim-lever-collaboration .dtsim-lever-value").first
            assert value.inner_text().strip() == "0.40"

            step = page.get_by_role("button", name="one week")
            for week in (1, 2, 3):
                step.click()
                page.get_by_text(f"week {week} of 156", exact=False).wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
            assert figure(page) != outcomes  # the plots changed
            assert canvas(page, ".dtsim-plot-customers") != customers  # the agents changed
            assert "week 3" in page.locator(".dtsim-events").inner_text()
            assert page.locator(".dtsim-monitor-value").count() == 4

            # play, then pause: the weeks run on by themselves, and stop
            page.get_by_role("button", name="▶ play").click()
            page.wait_for_function(
                "() => /week (2\\d|[3-9]\\d|1\\d\\d) of/.test("
                "document.querySelector('.dtsim-week').innerText)",
                timeout=60_000,
            )
            page.get_by_role("button", name="❚❚ pause").click()
            page.get_by_role("button", name="▶ play").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            paused = page.locator(".dtsim-week").inner_text()
            page.wait_for_timeout(1000)
            assert page.locator(".dtsim-week").inner_text() == paused

            # runs side by side: pin this run, restart at other levers, compare; replicates
            page.get_by_role("button", name="pin this run").click()
            page.get_by_text("pinned: siloed, seed 0", exact=False).wait_for(timeout=30_000)
            page.get_by_role("button", name="restart").click()
            page.get_by_text("week 0 of 156", exact=False).wait_for(timeout=30_000)
            for _ in range(3):
                page.get_by_role("button", name="one week").click()
            page.get_by_text("week 3 of 156", exact=False).wait_for(timeout=30_000)
            page.locator(".dtsim-difference").first.wait_for(timeout=30_000)
            assert page.locator(".dtsim-difference").count() == 4
            assert "vs pinned: " in page.locator(".dtsim-difference").first.inner_text()
            page.get_by_role("button", name="10 replicates: show the spread").click()
            page.get_by_text("shaded: 10 replicates", exact=False).wait_for(timeout=60_000)
            for selector in (".dtsim-levers", *(f".dtsim-plot-{c}" for c in HEADLINE)):
                box = page.locator(selector).first.bounding_box()
                assert box is not None and box["y"] + box["height"] <= 720, selector

            page.wait_for_timeout(500)
            shot = tmp_path / "app.png"
            if os.environ.get("DTSIM_SAVE_SCREENSHOT"):
                shot = ROOT / "docs" / "figures" / "app.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000

            # the Info panel, and the run to take away
            page.get_by_role("button", name="info").click()
            page.get_by_text("What to watch").wait_for(timeout=30_000)
            page.get_by_role("button", name="hide info").click()
            page.get_by_text("What to watch").wait_for(state="hidden", timeout=30_000)
            with page.expect_download(timeout=30_000) as download:
                page.get_by_role("button", name="download the run (CSV)").click()
            saved = tmp_path / "run.csv"
            download.value.save_as(saved)
            rows = saved.read_text(encoding="utf-8").splitlines()
            assert rows[0].startswith("scenario,replicate,seed,week,") and len(rows) == 1 + 3

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
            page.get_by_text("the story").first.click()
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
