"""How fast the teaching app plays and answers, measured in headless Chromium (issue 14).

    python benchmarks/bench_app.py [--timeout 120] [--width 1280 --height 720] [--screenshot PNG]

Starts `dtsim app` on a free port of 127.0.0.1 (as `tests/app/test_app.py` does, through
`tests/app/browser.py`), opens it in Debian's Chromium through Playwright, and prints:

- **ready**: seconds from opening the address to the outcome figure on screen;
- **step**: seconds from a click on Step to the week's text and the new outcome figure;
- **slider**: seconds from a key press on the collaboration slider to the new figure;
- **play**: a whole run played from week 0 (▶) until the page's own week counter shows the
  last week, in weeks per second, with the number of distinct figures the browser received
  (how often the plots were redrawn); then the same at the fastest speed the app offers.

Targets (issue 14): play ≥ 10 weeks/s (a 156-week run in under 20 s), a slider's effect
within 0.5 s, the page ready within 5 s. Figures are printed with PASS or MISS; the run
fails only when the app does not start. Each figure is one measurement on a machine whose
speed drifts: run it twice before quoting a number.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "app"))

from browser import ARGS, CHROMIUM, FIGURE_JS, missing, serving  # noqa: E402

WEEK = re.compile(r"week (\d+) of (\d+)")
TARGET_WEEKS_PER_S = 10.0
TARGET_SLIDER_S = 0.5
TARGET_READY_S = 5.0


def week_now(page) -> int:  # type: ignore[no-untyped-def]
    """The week the page shows (its lever panel's counter)."""
    match = WEEK.search(page.locator(".dtsim-week").first.inner_text())
    return int(match[1]) if match else -1


def figure_src(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate(FIGURE_JS))


def wait_for_new_figure(page, old: str, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds until the outcome figure differs from ``old``."""
    start = time.perf_counter()
    while figure_src(page) == old:
        if time.perf_counter() - start > timeout:
            return float("inf")
        page.wait_for_timeout(10)
    return time.perf_counter() - start


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="most seconds a run may play")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--screenshot", type=Path, help="save the page after playing")
    args = parser.parse_args()
    reason = missing()
    if reason:
        print(f"bench_app: cannot run: {reason}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with serving() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            start = time.perf_counter()
            page.goto(url, timeout=90_000)
            page.locator(".dtsim-outcomes img, .dtsim-outcomes canvas").first.wait_for(
                timeout=90_000
            )
            ready = time.perf_counter() - start
            page.wait_for_timeout(1000)

            # Three single weeks (a line of one point draws nothing); the third is timed.
            button = page.get_by_role("button", name=re.compile(r"^(Step|one week)$"))
            for week in (1, 2, 3):
                old = figure_src(page)
                start = time.perf_counter()
                button.click()
                page.get_by_text(f"week {week} of", exact=False).first.wait_for(timeout=30_000)
                step = time.perf_counter() - start + wait_for_new_figure(page, old)

            old = figure_src(page)
            slider = page.locator(".dtsim-lever-collaboration [role=slider]").first
            slider.focus()
            start = time.perf_counter()
            slider.press("ArrowRight")
            moved = wait_for_new_figure(page, old)

            play = page.get_by_role("button", name=re.compile(r"^(▶|❚❚)"))
            restart = page.get_by_role("button", name=re.compile(r"^(Reset|restart)$"))

            def whole_run() -> tuple[float, int, int]:
                """Seconds from ▶ to the last week on the page; weeks; figures seen."""
                restart.click()
                page.get_by_text("week 0 of", exact=False).first.wait_for(timeout=30_000)
                page.wait_for_timeout(500)
                weeks = int(WEEK.search(page.locator(".dtsim-week").first.inner_text())[2])
                seen = {figure_src(page)}
                play.click()
                start = time.perf_counter()
                while week_now(page) < weeks:
                    if time.perf_counter() - start > args.timeout:
                        break
                    seen.add(figure_src(page))
                    page.wait_for_timeout(50)
                return time.perf_counter() - start, week_now(page), len(seen) - 1

            elapsed, weeks, figures = whole_run()
            rate = weeks / elapsed
            if args.screenshot:
                page.screenshot(path=str(args.screenshot))
            fastest = None
            speed = page.locator(".dtsim-speed")
            if speed.count():  # the fastest speed the app offers: the headroom
                speed.first.click()
                page.get_by_text("as fast as it goes").last.click()
                page.wait_for_timeout(300)
                fast_elapsed, fast_weeks, _ = whole_run()
                fastest = fast_weeks / fast_elapsed
        finally:
            browser.close()
    print(f"viewport {args.width}x{args.height}")
    print(
        f"  ready  {ready:6.2f} s            target <= {TARGET_READY_S} s  {verdict(ready <= TARGET_READY_S)}"
    )
    print(f"  step   {step:6.2f} s (click to new figure)")
    print(
        f"  slider {moved:6.2f} s            target <= {TARGET_SLIDER_S} s  {verdict(moved <= TARGET_SLIDER_S)}"
    )
    print(
        f"  play   {rate:6.2f} weeks/s at the default speed: {weeks} weeks in {elapsed:.1f} s, "
        f"{figures} redraws  target >= {TARGET_WEEKS_PER_S}  "
        f"{verdict(round(rate, 1) >= TARGET_WEEKS_PER_S)}"
    )
    if fastest is not None:
        print(f"  play   {fastest:6.2f} weeks/s at the fastest speed ('as fast as it goes')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
