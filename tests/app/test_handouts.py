"""One printable page per lesson (issue 14): a handout for each lesson of docs/teaching.md,
short enough for one page, and lesson 5's scenario file, which no slider can replace."""

from __future__ import annotations

import re
from pathlib import Path

from simulation.experiments.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HANDOUTS = ROOT / "docs" / "handouts"
MOST_WORDS = 350
"""About what fits one A4 or Letter page with a table and headings."""


def test_every_lesson_has_a_one_page_handout_with_its_title() -> None:
    teaching = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    lessons = re.findall(r'^## Lesson (\d) — "(.+)"$', teaching, flags=re.M)
    assert len(lessons) == 5
    index = (HANDOUTS / "README.md").read_text(encoding="utf-8")
    for number, title in lessons:
        handout = HANDOUTS / f"lesson-{number}.md"
        text = handout.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"# Lesson {number}: {title}"
        assert len(text.split()) <= MOST_WORDS, handout.name
        assert f"(lesson-{number}.md)" in index
        # the measured answer stays with the teacher: the handout points to it
        assert f"docs/teaching.md, Lesson {number}" in text


def test_lesson_5s_scenario_file_loads_and_stops_delivery() -> None:
    scenario = load_scenario(HANDOUTS / "delivery_stop.toml")
    assert scenario.params["delivery_stop_week"] == 52
    siloed = load_scenario("siloed")
    assert {k: scenario.params[k] for k in siloed.params} == siloed.params
