"""The built wheel works outside the checkout: its scenario and experiment files come with it.

The wheel is built from a copy of the tracked files (the checkout is not touched), installed
without its dependencies into a fresh virtual environment that borrows this environment's
site-packages for them (so the test needs no network), and run from another folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md", "simulation", "scenarios", "experiments")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; returns its ``bin`` folder."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--", *SHIPPED],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    (wheel,) = dist.glob("dtsim-*.whl")
    # The report's template is package data too: `dtsim report` needs it in a wheel install.
    assert "simulation/report/templates/report.html" in zipfile.ZipFile(wheel).namelist()
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies from this environment, after the venv's own packages (a .pth line).
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DTSIM_SCENARIOS")}
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_runs_a_shipped_scenario_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    where = run(
        installed, "python", "-c", "import simulation; print(simulation.__file__)", cwd=tmp_path
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    done = run(
        installed,
        "dtsim",
        "run",
        "siloed",
        "--replicates",
        "2",
        "--weeks",
        "10",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "shadow IT" in done.stdout
    assert (tmp_path / "out" / "summary.csv").is_file()


def test_the_wheel_lists_every_shipped_scenario_experiment_and_targets_file(
    installed: Path, tmp_path: Path
) -> None:
    code = (
        "from simulation.experiments.scenarios import scenario_names\n"
        "from simulation.experiments.experiment import experiment_names\n"
        "from simulation.experiments.targets import list_targets, load_targets\n"
        "print(' '.join(scenario_names())); print(' '.join(experiment_names()))\n"
        "print(' '.join(list_targets())); print(len(load_targets('seed_facts').targets))\n"
    )
    listed = run(installed, "python", "-c", code, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    scenarios, experiments, targets, seed_facts = listed.stdout.splitlines()
    assert scenarios.split() == sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert experiments.split() == sorted(p.stem for p in (ROOT / "experiments").glob("*.toml"))
    shipped = ROOT / "experiments" / "targets"
    assert targets.split() == sorted(p.stem for p in shipped.glob("*.toml"))
    assert int(seed_facts) >= 15
