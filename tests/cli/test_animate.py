"""``dtsim animate`` (issue 14): a run, or runs side by side with the same seed, drawn week by
week into a GIF for slides; a bad output name is one line and leaves nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from simulation.cli import main

CDO = """\
title = "A small firm whose CDO arrives"
story = "Small enough for a test."

[parameters]
n_customers = 300
warmup_weeks = 4
weeks = 12

[[interventions]]
week = 6
label = "CDO appointed"
collaboration = 0.8
"""


def test_animate_writes_a_gif_of_the_runs_week_by_week(
    write_scenario, small_scenario: Path, tmp_path: Path, capsys
) -> None:
    cdo = write_scenario(CDO, name="cdo")
    out = tmp_path / "slides.gif"
    argv = ["animate", str(cdo), "--compare", str(small_scenario), "--out", str(out)]
    assert main([*argv, "--weeks", "12", "--fps", "10"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as gif:
        # every second week: 6 frames at 10 a second, the last held 2 s longer (Pillow
        # merges the repeated frames into one of longer duration)
        assert gif.n_frames == 6
        gif.seek(0)
        first = gif.convert("RGB").tobytes()
        assert gif.info["duration"] == 100
        gif.seek(5)
        last = gif.convert("RGB").tobytes()
        assert gif.info["duration"] == 100 + 2000
    assert first != last
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".gif"] == ["slides.gif"]


@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("slides.png", "allowed a .gif or .mp4 file name"),
        ("missing/slides.gif", "does not exist"),
    ],
)
def test_a_bad_output_is_one_line(
    small_scenario: Path, tmp_path: Path, capsys, out: str, said: str
) -> None:
    argv = ["animate", str(small_scenario), "--weeks", "4", "--out", str(tmp_path / out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and "\n" not in err
    assert list(tmp_path.iterdir()) == [] or not any(p.suffix == ".gif" for p in tmp_path.iterdir())


@pytest.mark.skipif(shutil.which("ffmpeg") is not None, reason="ffmpeg is installed here")
def test_an_mp4_without_ffmpeg_says_so(small_scenario: Path, tmp_path: Path, capsys) -> None:
    argv = ["animate", str(small_scenario), "--weeks", "4", "--out", str(tmp_path / "a.mp4")]
    assert main(argv) == 2
    assert "needs ffmpeg" in capsys.readouterr().err
