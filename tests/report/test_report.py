"""`dtsim report`: one self-contained HTML file that a browser renders with its figures."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from simulation.cli import main
from simulation.experiments.sweep import run_sweep

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

EXPERIMENT = """\
title = "A report test <sweep>"
description = "Does the report say what was run & show it?"
scenario = "base.toml"
sampler = "grid"
seed = 3
replicates = 2

[parameters]
collaboration = [0.15, 0.75]
governance = [0.2, 0.8]
"""

SENSITIVITY = """\
outcome,parameter,mu_star,mu_star_conf,sigma
satisfaction,governance,0.01,0.002,0.003
satisfaction,collaboration,0.04,0.01,0.02
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, write_base: Callable[[Path], Path]) -> Path:
    folder = tmp_path_factory.mktemp("report")
    write_base(folder)
    path = folder / "exp.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    out = folder / "sweep"
    run_sweep(path, out, workers=1, progress=False, argv=["dtsim", "sweep", str(path)])
    (out / "sensitivity.csv").write_text(SENSITIVITY, encoding="utf-8")
    assert main(["discover", str(out), "--outcome", "satisfaction", "--above", "0"]) == 0
    assert main(["report", str(out), "--out", str(folder / "page" / "r.html")]) == 0
    return folder / "page" / "r.html"


def test_report_is_one_self_contained_file(report: Path) -> None:
    assert [p.name for p in report.parent.iterdir()] == ["r.html"]
    text = report.read_text(encoding="utf-8")
    assert "<title>A report test &lt;sweep&gt; - dtsim report</title>" in text
    assert "Does the report say what was run &amp; show it?" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text and "<link" not in text
    images = re.findall(r'<img [^>]*src="([^"]+)"', text)
    assert len(images) >= 6  # 4 heatmaps, the trade-off, the regret, the discovery figure
    assert 'alt="Regret of each setting: how far it falls behind the best setting' in text
    assert all(src.startswith("data:image/png;base64,") for src in images)
    for heading in (
        "What was run",
        "Best setting per outcome",
        "Trade-off frontier",
        "Sensitivity ranking",
        "Scenario discovery",
    ):
        assert f"<h2>{heading}</h2>" in text
    assert "8 ok, 0 failed" in text
    assert "commit " in text  # from manifest.json
    # the whole question: the lever not varied and what base.toml sets itself
    assert "<dt>levers held fixed</dt><dd>marketing_budget 0.25</dd>" in text
    assert "<dt>parameters the base scenario sets</dt><dd>n_customers 200, warmup_weeks 4" in text
    assert '<p class="decision"><strong>Recommended: ' in text
    assert "(equal: none were given, --weights)" in text
    # the sensitivity table is ranked by mu* within an outcome
    assert text.index('<td class="l">collaboration</td><td>0.04') < text.index(
        '<td class="l">governance</td><td>0.01'
    )


def test_report_defaults_to_the_sweep_folder(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = report.parent.parent / "sweep"
    (sweep / "sensitivity.csv").unlink()
    (sweep / "discovery.csv").unlink()
    assert main(["report", str(sweep)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {sweep / 'report.html'}"
    text = (sweep / "report.html").read_text(encoding="utf-8")
    assert "Sensitivity ranking" not in text and "Scenario discovery" not in text


def test_report_refuses_a_folder_without_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not the folder of a dtsim sweep" in err


def test_report_renders_in_chromium(report: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            assert page.title() == "A report test <sweep> - dtsim report"
            widths = page.evaluate(
                "Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)"
            )
            assert len(widths) >= 5 and all(w > 0 for w in widths)
            assert not [u for u in requests if not u.startswith(("file:", "data:"))]
        finally:
            browser.close()


def test_text_from_files_is_shown_as_text_never_as_html(report: Path, tmp_path: Path) -> None:
    """The template autoescapes: markup in a CSV cell reaches the page as visible text."""
    from simulation.report.report import report_html

    sweep = tmp_path / "sweep"
    shutil.copytree(report.parent.parent / "sweep", sweep)
    attack = '<img src=x onerror="alert(1)">'
    (sweep / "sensitivity.csv").write_text(
        f"outcome,parameter,mu_star\nsatisfaction,{attack.replace(chr(34), '')},0.1\n",
        encoding="utf-8",
    )
    text = report_html(sweep)
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<script" not in text
