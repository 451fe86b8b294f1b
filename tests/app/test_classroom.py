"""`dtsim classroom` in real browsers (issue 14): a teacher, a CMO and a CIO of one team, and
the CMO of a second team, each in a browser context of their own, play two quarters through
the real pages. Decisions reach the model, a quarter waits for both roles (or the teacher),
and the debrief lists both teams. Skipped, with the reason, where the browser is missing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, classroom, missing


def join(browser, url: str, code: str, team: str, role: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url, wait_until="networkidle", timeout=90_000)
    page.locator(".dtsim-code input").fill(code)
    page.locator(".dtsim-team input").fill(team)
    page.locator(".dtsim-role").get_by_role("button", name=role).click()
    page.get_by_role("button", name="join").click()
    page.get_by_text(f"Team {team}: you are the {role}").wait_for(timeout=30_000)
    return page


def slide(page, index: int, presses: int) -> None:  # type: ignore[no-untyped-def]
    """Move the decision's ``index``-th slider by ``presses`` steps of 0.05."""
    slider = page.locator(".dtsim-decide [role=slider]").nth(index)
    slider.focus()
    for _ in range(presses):
        slider.press("ArrowRight")


def decide(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="decide").click()
    page.locator(".dtsim-waiting").wait_for(timeout=30_000)


def test_two_teams_play_two_quarters(tmp_path: Path) -> None:
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    args = ("--quarters", "2", "--seed", "1")
    with classroom(args) as (url, code, teacher_url), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            teacher = browser.new_context(accept_downloads=True).new_page()
            teacher.goto(teacher_url, wait_until="networkidle", timeout=90_000)
            teacher.get_by_text(f"join code: {code}").wait_for(timeout=30_000)

            alpha_cmo = join(browser, url, code, "Alpha", "CMO")
            alpha_cio = join(browser, url, code, "Alpha", "CIO")
            beta_cmo = join(browser, url, code, "Beta", "CMO")
            teacher.get_by_text("Beta").wait_for(timeout=30_000)
            teacher.get_by_role("button", name="open quarter 1").click()

            # Alpha's CMO: marketing's budget 0.25 -> 0.50, effort 0.50 -> 0.80
            alpha_cmo.locator(".dtsim-decide").wait_for(timeout=30_000)
            slide(alpha_cmo, 0, 5)
            slide(alpha_cmo, 1, 6)
            alpha_cmo.get_by_text("marketing's share of the change budget: 0.50").wait_for()
            decide(alpha_cmo)
            assert "Waiting for your CIO" in alpha_cmo.locator(".dtsim-waiting").inner_text()
            # the quarter waits for the CIO
            teams = teacher.locator(".dtsim-teams")
            teams.get_by_text(re.compile(r"quarters played 0; waiting for CIO")).first.wait_for(
                timeout=30_000
            )
            # Alpha's CIO: governance 0.50 -> 0.70, effort stays 0.50: Alpha plays quarter 1
            alpha_cio.locator(".dtsim-decide").wait_for(timeout=30_000)
            slide(alpha_cio, 0, 4)
            decide(alpha_cio)
            alpha_cio.get_by_text("Your scorecard after quarter 1").wait_for(timeout=60_000)
            ran = alpha_cio.locator(".dtsim-events").inner_text()
            assert "collaboration 0.50" in ran and "governance 0.70" in ran
            assert "marketing's budget 0.50" in ran

            # Beta has no CIO: its CMO decides, the teacher ends the quarter
            beta_cmo.locator(".dtsim-decide").wait_for(timeout=30_000)
            decide(beta_cmo)
            teacher.get_by_role("button", name="end this quarter now").click()
            teacher.get_by_text("quarter 2 of 2").wait_for(timeout=60_000)
            beta_cmo.get_by_text("Your scorecard after quarter 1").wait_for(timeout=60_000)

            # quarter 2: the last decisions stand as the sliders' starting values
            for page in (alpha_cmo, alpha_cio, beta_cmo):
                page.locator(".dtsim-decide").wait_for(timeout=30_000)
                decide(page)
            teacher.get_by_role("button", name="end this quarter now").click()
            teacher.get_by_text("the game is over").wait_for(timeout=60_000)
            debrief = teacher.locator(".dtsim-debrief")
            debrief.get_by_text("Team 1 (Alpha)", exact=False).wait_for(timeout=60_000)
            assert "Team 2 (Beta)" in debrief.inner_text()
            debrief.locator(".dtsim-frontier img").wait_for(timeout=60_000)  # the frontier
            assert teacher.locator(".dtsim-leaderboard").get_by_text("Alpha").count() == 1
            with teacher.expect_download(timeout=60_000) as download:
                teacher.get_by_role("button", name="download the debrief (HTML)").click()
            saved = tmp_path / "debrief.html"
            download.value.save_as(saved)
            html = saved.read_text(encoding="utf-8")
            assert "team 1: Alpha" in html and "team 2: Beta" in html
            if os.environ.get("DTSIM_SAVE_SCREENSHOT"):
                figures = Path(__file__).resolve().parents[2] / "docs" / "figures"
                teacher.set_viewport_size({"width": 1280, "height": 1500})
                teacher.wait_for_timeout(1500)
                teacher.screenshot(path=str(figures / "classroom_teacher.png"), full_page=True)
                alpha_cio.screenshot(path=str(figures / "classroom_cio.png"), full_page=True)
        finally:
            browser.close()
