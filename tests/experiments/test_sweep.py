"""Sweeps: the same store from every executor, resume after a kill, refusal of a changed
experiment, failed runs recorded and retried, the store contract."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import main
from simulation.experiments.engine import FAIL_RUNS_ENV
from simulation.experiments.experiment import load_experiment
from simulation.experiments.runner import replicate_seed
from simulation.experiments.store import STORE_FILE, runs_frame
from simulation.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[2]

EXPERIMENT = """\
title = "A test sweep"
scenario = "base.toml"
sampler = "grid"
seed = 3
replicates = {replicates}
series = ["shadow_share", "satisfaction"]

[parameters]
collaboration = [0.15, 0.75]
governance = [0.2, 0.8]
"""

SAME = ["run", "point", "replicate", "seed", "status", "params", "summary", "error"]
"""Columns that must not depend on the executor (elapsed and worker do)."""


@pytest.fixture
def experiment_file(tmp_path: Path, write_base: Callable[[Path], Path]) -> Callable[..., Path]:
    """Write the test experiment (2 x 2 grid, 200 customers, 15 weeks) and its base scenario."""
    write_base(tmp_path)

    def write(replicates: int = 3, name: str = "exp", extra: str = "") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(EXPERIMENT.format(replicates=replicates) + extra, encoding="utf-8")
        return path

    return write


def table(folder: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(folder / STORE_FILE)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def same_frame(folder: Path) -> pd.DataFrame:
    return runs_frame(folder)[SAME]


def series_rows(folder: Path) -> list[tuple]:
    return table(folder, "SELECT run, week, name, value FROM series ORDER BY run, week, name")


# --- executors -----------------------------------------------------------------------------


def test_every_executor_gives_the_same_store(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    path = experiment_file()
    reports = {
        "inline": run_sweep(path, tmp_path / "inline", workers=1, progress=False),
        "processes": run_sweep(path, tmp_path / "processes", workers=2, progress=False),
        "dask": run_sweep(path, tmp_path / "dask", scheduler="local:2", progress=False),
    }
    assert reports["inline"].executor == "in this process"
    assert reports["processes"].executor == "2 local processes"
    assert reports["dask"].executor.startswith("Dask LocalCluster, 2 workers")
    for report in reports.values():
        assert (report.ran, report.failed, report.stored_ok, report.total) == (12, 0, 12, 12)
    reference = same_frame(tmp_path / "inline")
    assert reference["run"].tolist() == list(range(12))
    assert reference["status"].eq("ok").all()
    for name in ("processes", "dask"):
        pd.testing.assert_frame_equal(same_frame(tmp_path / name), reference, obj=name)
        assert series_rows(tmp_path / name) == series_rows(tmp_path / "inline")
    # The runs of a sweep are those of dtsim run: replicate r of seed 3, same parameters.
    seeds = [replicate_seed(3, r) for r in range(3)]
    assert reference["seed"].tolist() == seeds * 4
    assert len(series_rows(tmp_path / "inline")) == 12 * 15 * 2


def test_store_follows_the_contract(experiment_file: Callable[..., Path], tmp_path: Path) -> None:
    path = experiment_file(replicates=2)
    out = tmp_path / "out"
    run_sweep(path, out, workers=1, progress=False, argv=["dtsim", "sweep", str(path)])
    experiment = load_experiment(path)
    assert (out / "experiment.toml").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    meta = dict(table(out, "SELECT key, value FROM meta"))
    assert meta["fingerprint"] == experiment.fingerprint()
    assert meta["experiment"] == path.read_text(encoding="utf-8")
    assert json.loads(meta["varied"]) == ["collaboration", "governance"]
    assert json.loads(meta["series"]) == ["shadow_share", "satisfaction"]
    assert meta["replicates"] == "2" and meta["n_runs"] == "8"
    outcomes = json.loads(meta["outcomes"])
    assert outcomes[:2] == ["ttm_all", "ttm_all_censored"] and "satisfaction" in outcomes
    assert table(out, "PRAGMA journal_mode") == [("wal",)]
    columns = [row[1] for row in table(out, "PRAGMA table_info(runs)")]
    assert columns == [
        "run", "point", "replicate", "seed", "status", "params", "summary", "error",
        "elapsed", "worker",
    ]  # fmt: skip
    assert [row[1] for row in table(out, "PRAGMA table_info(series)")] == [
        "run", "week", "name", "value",
    ]  # fmt: skip
    frame = runs_frame(out)
    for row in frame.itertuples():
        assert json.loads(row.params) == experiment.points()[row.point]
        summary = json.loads(row.summary)
        assert list(summary) == outcomes
        assert row.elapsed > 0 and ":" in row.worker and row.error is None
    with pytest.raises(sqlite3.IntegrityError):  # status is checked by the schema
        table(out, "INSERT INTO runs (run, point, replicate, seed, status, params) "
                   "VALUES (99, 0, 0, 0, 'maybe', '{}')")  # fmt: skip
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("dtsim", "python", "mesa", "numpy", "git_commit", "argv", "started", "finished"):
        assert key in record
    assert record["fingerprint"] == experiment.fingerprint()
    assert record["argv"] == ["dtsim", "sweep", str(path)]
    assert record["finished"] is not None and len(record["sessions"]) == 1


# --- resume --------------------------------------------------------------------------------


def test_killed_sweep_resumes_to_the_uninterrupted_result(
    experiment_file: Callable[..., Path], tmp_path: Path
) -> None:
    path = experiment_file(replicates=40)  # 160 runs
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "simulation", "sweep", str(path), "--out", str(out),
               "--workers", "2"]  # fmt: skip
    first = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the pool's workers die with it
    )
    stored = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if (out / STORE_FILE).exists():
                stored = table(out, "SELECT count(*) FROM runs")[0][0]
                if stored >= 5:
                    break
            time.sleep(0.01)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    before = table(out, "SELECT count(*) FROM runs")[0][0]
    assert 5 <= before < 160

    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    done = re.search(r"(\d+) runs done \((\d+) already in the store\), 0 failed", second.stdout)
    assert done, second.stdout
    assert (int(done[1]), int(done[2])) == (160 - before, before)

    reference = tmp_path / "uninterrupted"
    run_sweep(path, reference, workers=1, progress=False)
    assert table(out, "SELECT count(*), count(DISTINCT run) FROM runs") == [(160, 160)]
    pd.testing.assert_frame_equal(same_frame(out), same_frame(reference))
    assert series_rows(out) == series_rows(reference)
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(record["sessions"]) == 2 and record["sessions"][0]["finished"] is None

    # A third time there is nothing left to run.
    again = run_sweep(path, out, workers=2, progress=False)
    assert (again.ran, again.already, again.executor) == (0, 160, "nothing to run")


# --- refusals ------------------------------------------------------------------------------


def test_changed_experiment_is_refused_and_fresh_starts_over(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    path = experiment_file(replicates=2)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    # Rewording is not a change: the sweep resumes (with nothing to do).
    path.write_text(path.read_text().replace("A test sweep", "Reworded"), encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "0 runs done (8 already in the store)" in capsys.readouterr().out

    experiment_file(replicates=3)  # the same file, now 3 replicates
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert f"exp.toml changed since {out} was started (" in err[0]
    assert "replicates 2 -> 3" in err[0]
    assert err[0].endswith("use --fresh to start over or another --out")
    assert table(out, "SELECT count(*) FROM runs") == [(8,)]  # untouched

    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--fresh"]) == 0
    assert "12 runs done (0 already in the store)" in capsys.readouterr().out
    assert table(out, "SELECT count(*) FROM runs") == [(12,)]
    assert dict(table(out, "SELECT key, value FROM meta"))["n_runs"] == "12"


def test_fresh_clears_the_analyses_of_the_old_runs_and_refuses_before_deleting(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder where `dtsim discover` (or `sensitivity`, `report`) wrote beside the store is
    still a sweep's: --fresh starts over and deletes those files, which describe the runs it
    deletes, and keeps the figures folder. A user's own file is refused before anything is
    deleted (it once deleted the store, then refused)."""
    out = tmp_path / "out"
    path = experiment_file(replicates=1)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert main(["discover", str(out), "--outcome", "satisfaction", "--above", "0"]) == 0
    assert main(["report", str(out)]) == 0
    assert {"discovery.csv", "report.html", "figures"} <= {p.name for p in out.iterdir()}
    capsys.readouterr()

    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--fresh"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "folder holds other files (notes.txt)" in err[0], err
    assert table(out, "SELECT count(*) FROM runs") == [(4,)]  # nothing was deleted
    assert (out / "discovery.csv").exists()

    (out / "notes.txt").unlink()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--fresh"]) == 0
    assert "4 runs done (0 already in the store)" in capsys.readouterr().out
    held = {p.name for p in out.iterdir()}
    assert not held & {"discovery.csv", "report.html"}
    assert (out / "figures" / "discovery.png").exists()


def test_foreign_folder_and_bad_options_are_refused(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = experiment_file(replicates=1)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    cases = [
        (["--out", str(foreign)], "folder holds other files (notes.txt) and no sweep store"),
        (["--workers", "0"], "argument --workers: must be at least 1"),
        (["--workers", "2", "--scheduler", "local:2"], "not allowed with argument"),
        (
            ["--scheduler", "somewhere"],
            "allowed a Dask scheduler address (tcp://HOST:PORT) or local:N",
        ),
        (["--scheduler", "local:none"], "allowed local:N with N a whole number >= 1"),
    ]
    for options, expected in cases:
        assert main(["sweep", str(path), *options]) == 2, options
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], (options, err)
    assert not Path("results", "exp").exists()


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_runs_are_stored_and_retried(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: int,
) -> None:
    path = experiment_file(replicates=2)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", str(workers)]
    monkeypatch.setenv(FAIL_RUNS_ENV, "1,6")  # reaches spawned workers through the environment
    assert main(command) == 1
    printed = capsys.readouterr().out
    assert "8 runs done (0 already in the store), 2 failed" in printed
    again = f"dtsim {shlex.join(command)} --retry-failed"
    assert "2 runs failed (stored with their parameters, seeds and errors); " in printed
    assert f"re-run them with: {again}\n" in printed
    frame = runs_frame(out)
    failed = frame[frame["status"] == "failed"]
    assert failed["run"].tolist() == [1, 6]
    assert failed["summary"].isna().all()
    assert (
        failed["error"]
        .str.fullmatch(r"RuntimeError: run \d failed on purpose \(DTSIM_SWEEP_FAIL_RUNS\)")
        .all()
    )
    assert failed["seed"].tolist() == [replicate_seed(3, 1), replicate_seed(3, 0)]
    assert json.loads(failed["params"].iloc[1]) == {"collaboration": 0.75, "governance": 0.8}
    assert table(out, "SELECT count(*) FROM series WHERE run IN (1, 6)") == [(0,)]

    monkeypatch.delenv(FAIL_RUNS_ENV)
    assert main(command) == 1  # failed runs are not run again unasked
    assert "0 runs done (8 already in the store)" in capsys.readouterr().out
    assert main([*command, "--retry-failed"]) == 0
    assert "2 runs done (6 already in the store), 0 failed" in capsys.readouterr().out

    clean = tmp_path / "clean"
    run_sweep(path, clean, workers=1, progress=False)
    pd.testing.assert_frame_equal(same_frame(out), same_frame(clean))
    assert series_rows(out) == series_rows(clean)


def test_sweep_help_is_light() -> None:
    code = (
        "import sys\nfrom simulation.cli import main\n"
        "assert main(['sweep', '--help']) == 0\n"
        "assert 'matplotlib' not in sys.modules and 'dask' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--retry-failed" in done.stdout and "--scheduler" in done.stdout


def test_sweep_then_export_and_plot_through_the_cli(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The strategist's path: sweep, best settings printed, tidy table out, figures written."""
    out = tmp_path / "out"
    assert main(["sweep", str(experiment_file(2)), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "Pareto" in printed
    assert main(["export", str(out), "--format", "csv"]) == 0
    frame = pd.read_csv(out / "results.csv")
    assert len(frame) == 8
    assert {"collaboration", "governance", "replicate", "seed", "ttm_all"} <= set(frame.columns)
    assert main(["export", str(out), "--format", "parquet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "results.parquet"), frame, check_dtype=False
    )
    assert main(["plot", str(out)]) == 0
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"heatmap_ttm_all.png", "heatmap_satisfaction.svg", "tradeoff.png"} <= figures


def test_export_of_a_folder_without_results_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dtsim: error:") and "\n" not in err and str(tmp_path) in err


# --- hardening (issue 11) ------------------------------------------------------------------


def error_lines(err: str) -> list[str]:
    """The lines of stderr that are not the progress bar or its heading; checked to be one
    line ``dtsim: error: ...`` and no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.startswith("dtsim:")]
    assert len(lines) == 1 and lines[0].startswith("dtsim: error: "), err
    return lines


def _sweep_process(path: Path, out: Path, *options: str, **kwargs) -> subprocess.Popen:
    """``dtsim sweep`` in a child process (its own session, so a test can kill its group).

    A suite started in the background by a shell (``bash .ci/run &``) inherits SIGINT
    ignored, and so would the child, which would then never see the Ctrl-C a test sends:
    the child gets SIGINT's default, as a terminal gives it."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a Python handler would not survive exec
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "simulation", "sweep", str(path), "--out", str(out), *options],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=kwargs.pop("stderr", subprocess.DEVNULL),
            start_new_session=True,
            **kwargs,
        )
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_for_runs(process: subprocess.Popen, out: Path, n: int, timeout: float = 60) -> None:
    """Wait until the store of ``out`` holds ``n`` runs (the sweep is well under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if (out / STORE_FILE).exists():
            with contextlib.suppress(sqlite3.Error):
                if table(out, "SELECT count(*) FROM runs")[0][0] >= n:
                    return
        time.sleep(0.02)
    raise AssertionError(f"the sweep stored fewer than {n} runs (exit {process.poll()})")


def test_a_second_sweep_on_a_folder_is_refused_and_a_killed_ones_lock_is_not_stale(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = experiment_file(replicates=20)  # 80 runs: seconds in one process
    out = tmp_path / "out"
    first = _sweep_process(path, out, "--workers", "1")
    try:
        _wait_for_runs(first, out, 2)
        assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert f"another sweep (process {first.pid}) is running on this folder" in err[0]
        assert first.poll() is None  # the first goes on, untouched
        names = {p.name for p in out.iterdir()}
        assert names <= {STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm",
                         "experiment.toml", "manifest.json", ".lock"}  # fmt: skip
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert (out / ".lock").read_text().strip() == str(first.pid)  # left by the killed sweep
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "already in the store), 0 failed" in capsys.readouterr().out
    assert table(out, "SELECT count(*) FROM runs") == [(80,)]
    assert not (out / ".lock").exists()


def test_a_full_disk_ends_the_sweep_in_one_line_and_keeps_the_store(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SQLite's own full-disk error (SQLITE_FULL), injected by capping the file's pages."""
    from simulation.experiments import sweep

    path = experiment_file(replicates=10)
    out = tmp_path / "out"
    real = sweep.connect

    def small_disk(store: Path, readonly: bool = False) -> sqlite3.Connection:
        conn = real(store, readonly)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        return conn

    monkeypatch.setattr(sweep, "connect", small_disk)
    command = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(command) == 1
    err = error_lines(capsys.readouterr().err)
    assert err[0].startswith(f"dtsim: error: {out / STORE_FILE}: cannot write the store (")
    assert "database or disk is full" in err[0] and err[0].endswith("again to resume")
    stored = table(out, "SELECT count(*) FROM runs")[0][0]
    assert 0 < stored < 40
    assert table(out, "PRAGMA integrity_check") == [("ok",)]
    # Every stored run is whole: its series rows went in with it, or neither did.
    assert table(out, "SELECT count(*) FROM series") == [(stored * 15 * 2,)]
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]

    monkeypatch.setattr(sweep, "connect", real)  # room again: the same command resumes
    assert main(command) == 0
    assert f"{40 - stored} runs done ({stored} already in the store)" in capsys.readouterr().out


def test_a_full_disk_writing_the_manifest_is_one_line(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import errno

    out = tmp_path / "out"
    real = Path.write_text

    def full(self: Path, *args, **kwargs) -> int:
        if self.name.endswith(".tmp"):
            real(self, "{", encoding="utf-8")  # half written, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["sweep", str(experiment_file(1)), "--out", str(out), "--workers", "1"]) == 1
    err = error_lines(capsys.readouterr().err)
    assert "No space left on device" in err[0], err
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]


@pytest.mark.parametrize("damage", ["all", "after the header"])
def test_a_damaged_store_is_one_line_on_resume_and_left_as_it_is(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    import random

    path = experiment_file(replicates=10)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(command) == 0
    capsys.readouterr()
    store = out / STORE_FILE
    size = store.stat().st_size
    start = 0 if damage == "all" else size // 2
    with store.open("r+b") as handle:
        handle.seek(start)
        handle.write(random.Random(11).randbytes(size - start))
    before = store.read_bytes()
    assert main(command) == 2
    err = error_lines(capsys.readouterr().err)
    assert str(store) in err[0] and err[0].endswith("use --fresh to start over or another --out")
    assert store.read_bytes() == before
    assert main([*command, "--fresh"]) == 0


SLOW = """\
title = "Runs of a second or so"
scenario = "siloed"
sampler = "grid"
seed = 0
replicates = 100
weeks = 260

[parameters]
collaboration = [0.15, 0.45, 0.75]
"""
"""300 runs at the default sizes: batches of 16 runs that take several seconds each."""

EXECUTORS = [["--workers", "2"], ["--scheduler", "local:2"]]


def _workers_of(process: subprocess.Popen, out: Path, n: int, timeout: float = 60) -> list:
    """The child processes of a sweep once its ``n`` workers are up (and a little more)."""
    psutil = pytest.importorskip("psutil")
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        children = parent.children(recursive=True)
        started = (out / "manifest.json").exists()  # written once the executor is up
        if started and sum("spawn_main" in " ".join(c.cmdline()) for c in children) >= n:
            time.sleep(2)  # the workers import the model and take their first batches
            return parent.children(recursive=True)
        time.sleep(0.1)
    raise AssertionError(f"the sweep's {n} workers did not start (exit {process.poll()})")


def _alive(processes: list) -> list[int]:
    import psutil

    alive = []
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
    return alive


def _kill_all(processes: list) -> None:
    import psutil

    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()


@pytest.mark.parametrize("options", EXECUTORS, ids=["processes", "dask"])
def test_workers_do_not_outlive_a_killed_coordinator(tmp_path: Path, options: list[str]) -> None:
    path = tmp_path / "slow.toml"
    path.write_text(SLOW, encoding="utf-8")
    sweep = _sweep_process(path, tmp_path / "out", *options)
    children: list = []
    try:
        children = _workers_of(sweep, tmp_path / "out", 2)
        assert len(children) >= 3  # two workers and multiprocessing's resource tracker
        os.kill(sweep.pid, signal.SIGKILL)  # the coordinator only, not its group
        sweep.wait(timeout=30)
        deadline = time.monotonic() + 5
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children), [" ".join(c.cmdline())[:60] for c in children]
    finally:
        if sweep.poll() is None:
            sweep.kill()
        _kill_all(children)


@pytest.mark.parametrize("options", EXECUTORS, ids=["processes", "dask"])
def test_ctrl_c_stops_a_sweep_within_seconds(tmp_path: Path, options: list[str]) -> None:
    """Queued batches are dropped and running ones ended, not waited for (~10 s here)."""
    path = tmp_path / "slow.toml"
    path.write_text(SLOW, encoding="utf-8")
    out = tmp_path / "out"
    sweep = _sweep_process(path, out, *options, stderr=subprocess.PIPE, text=True)
    children: list = []
    try:
        children = _workers_of(sweep, out, 2)
        started = time.monotonic()
        sweep.send_signal(signal.SIGINT)
        _, err = sweep.communicate(timeout=60)
        took = time.monotonic() - started
        assert sweep.returncode == 130, err
        assert took < 5, f"Ctrl-C took {took:.1f} s"
        assert error_lines(err) == ["dtsim: error: interrupted"]
        deadline = time.monotonic() + 5
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children)
        assert table(out, "PRAGMA integrity_check") == [("ok",)]
        assert not (out / ".lock").exists()
    finally:
        if sweep.poll() is None:
            sweep.kill()
        _kill_all(children)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_hangs_is_stopped_at_its_time_limit_and_stored_as_failed(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: int,
) -> None:
    from simulation.experiments.engine import HANG_RUNS_ENV

    path = experiment_file(replicates=2)
    path.write_text("run_timeout = 1\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.setenv(HANG_RUNS_ENV, "3")  # run 3 never ends (reaches spawned workers too)
    started = time.monotonic()
    assert main(["sweep", str(path), "--out", str(out), "--workers", str(workers)]) == 1
    assert time.monotonic() - started < 60
    assert "8 runs done (0 already in the store), 1 failed" in capsys.readouterr().out
    frame = runs_frame(out)
    failed = frame[frame["status"] == "failed"]
    assert failed["run"].tolist() == [3]
    assert failed["error"].iloc[0] == (
        "TimeoutError: the run took longer than run_timeout = 1 s and was stopped"
    )
    assert failed["seed"].tolist() == [replicate_seed(3, 1)]
    assert json.loads(failed["params"].iloc[0]) == {"collaboration": 0.15, "governance": 0.8}
    assert 1 <= failed["elapsed"].iloc[0] < 10
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert record["experiment"]["run_timeout"] == 1


@pytest.mark.parametrize(
    "options", [["--workers", "1"], ["--workers", "2"], ["--scheduler", "local:1"]]
)
def test_results_of_a_worker_with_other_code_are_refused(
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
) -> None:
    from simulation.experiments.engine import CODE_ENV, code_hash

    path = experiment_file(replicates=1)
    out = tmp_path / "out"
    monkeypatch.setenv(CODE_ENV, "f" * 64)  # every worker reports another dtsim's hash
    assert main(["sweep", str(path), "--out", str(out), *options]) == 1
    err = error_lines(capsys.readouterr().err)
    assert "runs other dtsim code than this process (code ffffffffffff, here " in err[0]
    assert f"here {code_hash()[:12]})" in err[0] and "install the same dtsim" in err[0]
    assert table(out, "SELECT count(*) FROM runs") == [(0,)]
    assert dict(table(out, "SELECT key, value FROM meta"))["code"] == code_hash()


def test_a_store_started_with_other_code_is_not_resumed(
    experiment_file: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = experiment_file(replicates=1)
    out = tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(command) == 0
    with contextlib.closing(sqlite3.connect(out / STORE_FILE)) as db, db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'code'", ("0" * 64,))
    capsys.readouterr()
    assert main(command) == 2
    err = error_lines(capsys.readouterr().err)
    assert "was started with other dtsim model code (code 000000000000, now " in err[0]
    assert err[0].endswith("use --fresh to start over or another --out")
    assert main([*command, "--fresh"]) == 0
