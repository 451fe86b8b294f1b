"""Run an experiment's runs on local processes or a Dask cluster, into a resumable store.

In the flow: :mod:`simulation.experiments.experiment` (the runs) -> the engine
(:mod:`simulation.experiments.engine`: executors, batches) -> here (what is left to run,
resume, the manifest) -> :mod:`simulation.experiments.store` (one SQLite file, and the tidy
frames read from it).

- Workers never touch the store. This coordinating process commits each run in its own
  transaction as its batch comes back, so a kill at any moment loses at most the runs in
  flight; the engine keeps a bounded window of batches in flight and runs are generated
  lazily, so memory does not grow with the number of runs.
- A run's seed depends only on the experiment seed and its index (see
  :mod:`simulation.experiments.experiment`), so the store's contents do not depend on the
  executor, on the order runs finish in, or on how many times the sweep was interrupted and
  resumed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.experiments.engine import (
    ExecutorError,
    Job,
    SchedulerError,
    Task,
    code_hash,
    execute,
    open_executor,
    progress_bar,
)
from simulation.experiments.experiment import Experiment, Run, canonical_json, load_experiment
from simulation.experiments.folders import RESULTS_DIR
from simulation.experiments.limits import LimitError, check_runs
from simulation.experiments.store import (
    ANALYSIS_FILES,
    EXPERIMENT_FILE,
    FIGURES_DIR,
    FILES,
    LOCK_FILE,
    MANIFEST_FILE,
    STORE_FILE,
    STORE_VERSION,
    StoreError,
    StoreWriteError,
    connect,
    create,
    database_error,
    meta_text,
    run_statuses,
    update_meta,
    write_result,
)
from simulation.model.outputs import summary_names


class SweepError(ValueError):
    """The sweep cannot start (changed experiment, foreign folder, bad scheduler); one line."""


@dataclass(frozen=True)
class SweepReport:
    """What one call of :func:`run_sweep` did, and what the store holds afterwards."""

    experiment: str
    out: Path
    executor: str
    total: int
    already: int
    ran: int
    failed: int
    stored_ok: int
    stored_failed: int
    wall: float

    @property
    def store(self) -> Path:
        return self.out / STORE_FILE

    @property
    def runs_per_s(self) -> float:
        return self.ran / self.wall if self.wall > 0 else math.nan

    @property
    def complete(self) -> bool:
        return self.stored_ok + self.stored_failed == self.total

    def lines(self, command: str | None = None) -> list[str]:
        """The end-of-sweep summary, as printed by ``dtsim sweep``."""
        rate = f"{self.runs_per_s:.1f} runs/s" if self.ran else "-"
        lines = [
            f"sweep {self.experiment}: {self.ran} runs done ({self.already} already in the "
            f"store), {self.failed} failed, in {_duration(self.wall)}: {rate} "
            f"({self.executor})",
        ]
        held = self.stored_ok + self.stored_failed
        state = "all ok" if self.stored_failed == 0 else f"{self.stored_failed} failed"
        lines.append(f"store: {self.store} ({held} of {self.total} runs, {state})")
        if self.stored_failed:
            again = f"{command} --retry-failed" if command else "--retry-failed"
            lines.append(
                f"{self.stored_failed} runs failed (stored with their parameters, seeds and "
                f"errors); re-run them with: {again}"
            )
        return lines


# --- the coordinating side -----------------------------------------------------------------


def run_sweep(
    experiment: Experiment | str | Path,
    out: Path | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    argv: Sequence[str] | None = None,
    confirmed: bool = False,
) -> SweepReport:
    """Run every run of ``experiment`` not yet in ``out``'s store; return what was done.

    ``out`` defaults to ``results/<experiment name>/``, so the same call resumes. A store
    made by a different design (another fingerprint) is refused unless ``fresh``, which
    deletes it first. Failed runs in the store are run again only with ``retry_failed``.
    ``workers`` (default: one per core) and ``scheduler`` (a Dask address or ``local:N``)
    choose the executor; ``argv`` is recorded in the manifest. A design of more than
    :data:`~simulation.experiments.limits.CONFIRM_RUNS` runs needs ``confirmed``.
    """
    experiment = load_experiment(experiment)
    try:
        check_runs(experiment.n_runs, experiment.where, confirmed)
    except LimitError as exc:
        raise SweepError(str(exc)) from None
    folder = Path(out) if out is not None else RESULTS_DIR / experiment.name
    started_at = _utc_now()
    open_executor(workers, scheduler, 0).close()  # refuse bad options before touching the folder
    with _folder_lock(folder), _store_errors(folder / STORE_FILE):
        return _sweep(
            experiment, folder, workers, scheduler, fresh, retry_failed, progress, argv, started_at
        )


def _sweep(
    experiment: Experiment,
    folder: Path,
    workers: int | None,
    scheduler: str | None,
    fresh: bool,
    retry_failed: bool,
    progress: bool,
    argv: Sequence[str] | None,
    started_at: str,
) -> SweepReport:
    """:func:`run_sweep` once the folder is locked."""
    conn, created = _open_store(experiment, folder, fresh)
    try:
        stored = run_statuses(conn)
        skip = {r for r, status in stored.items() if status == "ok" or not retry_failed}
        pending = (run for run in experiment.iter_runs() if run.index not in skip)
        n_pending = experiment.n_runs - len(skip)
        clock = time.perf_counter()  # the wall time includes starting the pool or cluster
        try:
            executor = open_executor(workers, scheduler, n_pending)
        except SchedulerError:
            if created:  # leave no empty store behind an unreachable cluster
                conn.close()
                _remove_store(folder)
            raise
        try:
            _write_manifest(folder, experiment, argv, started_at, None, executor.name, None)
        except BaseException:  # a full disk: stop the workers just started
            executor.abort()
            raise
        if progress:
            print(
                f"{experiment.name}: {experiment.n_points} points x {experiment.replicates} "
                f"replicates = {experiment.n_runs} runs; {len(skip)} in the store, "
                f"{n_pending} to run ({executor.name})",
                file=sys.stderr,
            )
        job = Job(
            experiment.base_parameters,
            tuple(dict(item) for item in experiment.interventions),
            tuple(experiment.series),
            timeout=experiment.time_limit,
        )
        inflight: dict[int, Run] = {}
        draws = experiment.draws

        def tasks() -> Iterator[tuple[Job, Task]]:
            for run in pending:
                inflight[run.index] = run
                yield job, (run.index, {**draws[run.replicate][1], **run.params}, run.seed)

        ran = failed = 0
        bar = progress_bar(experiment.n_runs, len(skip), progress)
        try:
            with executor:  # on Ctrl-C or an error: aborted at once, queued batches dropped
                for result in execute(executor, tasks(), n_pending):
                    run = inflight.pop(int(result["run"]))
                    write_result(conn, result, run.point, run.replicate, run.seed, run.params)
                    ran += 1
                    failed += result["status"] != "ok"
                    bar.update(1)
        except ExecutorError as exc:
            raise ExecutorError(
                f"{exc}; the finished runs are stored: run the same command again to resume"
            ) from None
        finally:
            bar.close()
        wall = time.perf_counter() - clock
        counts = dict(conn.execute("SELECT status, count(*) FROM runs GROUP BY status"))
    finally:
        conn.close()
    report = SweepReport(
        experiment=experiment.name,
        out=folder,
        executor=executor.name,
        total=experiment.n_runs,
        already=len(skip),
        ran=ran,
        failed=failed,
        stored_ok=counts.get("ok", 0),
        stored_failed=counts.get("failed", 0),
        wall=wall,
    )
    _write_manifest(folder, experiment, argv, started_at, _utc_now(), executor.name, report)
    return report


# --- the folder ----------------------------------------------------------------------------


def _open_store(experiment: Experiment, folder: Path, fresh: bool) -> tuple[Any, bool]:
    """A connection to the store of ``folder``, created for ``experiment`` if there is none;
    and whether it was created now."""
    store = folder / STORE_FILE
    if folder.is_dir() and (fresh or not store.exists()):
        # Refused before anything is deleted: --fresh never leaves a folder half cleared.
        ours = {*FILES, *ANALYSIS_FILES, FIGURES_DIR}
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in ours)
        foreign = [n for n in foreign if not n.startswith(STORE_FILE + ".tmp")]
        if foreign:
            raise SweepError(
                f"--out {folder}: folder holds other files ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}) and no sweep store; choose a new or "
                "empty folder"
            )
    if fresh and folder.is_dir():
        for name in (*FILES, *ANALYSIS_FILES):
            if name != LOCK_FILE:  # ours, held
                (folder / name).unlink(missing_ok=True)
    fingerprint = experiment.fingerprint()
    if store.exists():
        try:
            meta = meta_text(store)
        except StoreError as exc:
            raise SweepError(f"{exc}; use --fresh to start over or another --out") from None
        if meta["fingerprint"] != fingerprint:
            raise SweepError(
                f"{experiment.where} changed since {folder} was started "
                f"({_changes(meta.get('design'), experiment.design())}); "
                "use --fresh to start over or another --out"
            )
        code = code_hash()
        if meta.get("code", code) != code:  # a store from before code hashes resumes
            raise SweepError(
                f"{folder} was started with other dtsim model code (code {meta['code'][:12]}, "
                f"now {code[:12]}): its runs and new ones would not be comparable; use --fresh "
                "to start over or another --out"
            )
        conn = connect(store)
        if meta.get("experiment") != experiment.text:
            # The same design (fingerprint) reworded or repriced: keep the file as it is now,
            # so the report and the decision use its title and [money].
            update_meta(conn, {"experiment": experiment.text, "title": experiment.title})
            _copy_experiment(experiment, folder)
        return conn, False
    folder.mkdir(parents=True, exist_ok=True)
    _copy_experiment(experiment, folder)
    create(store, store_meta(experiment))
    return connect(store), True


def _copy_experiment(experiment: Experiment, folder: Path) -> None:
    """The experiment file beside its store, as it is now."""
    if experiment.path is not None:
        shutil.copyfile(experiment.path, folder / EXPERIMENT_FILE)
    else:
        (folder / EXPERIMENT_FILE).write_text(experiment.text, encoding="utf-8")


def _remove_store(folder: Path) -> None:
    """Delete the files a sweep writes in ``folder`` (the lock goes, and a folder this sweep
    made, when the lock is released)."""
    for name in FILES:
        if name != LOCK_FILE:
            (folder / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _store_errors(store: Path) -> Iterator[None]:
    """SQLite's errors as one line: a damaged store is refused (SweepError); a full disk or
    an I/O error ends the sweep (StoreWriteError) with the runs committed before kept."""
    try:
        yield
    except sqlite3.Error as exc:
        error = database_error(store, exc)
        if isinstance(error, StoreError):
            raise SweepError(f"{error}; use --fresh to start over or another --out") from None
        raise StoreWriteError(
            f"{error}; the runs stored before are kept: make room and run the same command "
            "again to resume"
        ) from None


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``DIR/.lock`` while the sweep runs: a second sweep on the folder is refused.

    Two sweeps on one store would compute the same runs twice, or race to create it. The
    lock is ``flock``, which the kernel releases when the process ends however it ends, so
    the lock of a killed sweep never blocks its resume. The file holds the holder's pid (for
    the refusal's message) and is removed on release; a folder made here goes too if empty.
    """
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder}: exists and is not a folder")
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    try:
        handle = _acquire(path, folder)
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    try:
        yield
    finally:
        if handle is not None:
            path.unlink(missing_ok=True)
            handle.close()
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _acquire(path: Path, folder: Path) -> Any:
    """The open, locked lock file with our pid in it; SweepError naming the holder's pid."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return None
    while True:
        handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held until released
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise SweepError(
                f"--out {folder}: another sweep ({who}) is running on this folder; wait for "
                "it to end or stop it, then run the same command again to resume"
            ) from None
        try:  # the holder before us may have removed the file after we opened it
            current = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def store_meta(experiment: Experiment) -> dict[str, Any]:
    """The ``meta`` table of a new store (values as text; lists as JSON)."""
    design = experiment.design()
    return {
        "store_version": STORE_VERSION,
        "fingerprint": experiment.fingerprint(),
        "code": code_hash(),
        "name": experiment.name,
        "title": experiment.title,
        "experiment": experiment.text,
        "sampler": experiment.sampler,
        "seed": experiment.seed,
        "varied": json.dumps(experiment.varied),
        "outcomes": json.dumps(outcome_names()),
        "series": json.dumps(list(experiment.series)),
        "replicates": experiment.replicates,
        "n_points": experiment.n_points,
        "n_runs": experiment.n_runs,
        "weeks": experiment.weeks,
        "design": canonical_json(design),
        "fixed": json.dumps(sorted(experiment.fixed)),
        **_posterior_meta(experiment),
    }


def _posterior_meta(experiment: Experiment) -> dict[str, Any]:
    """With a posterior: which one, and each replicate's particle (``load_results``' draw)."""
    if experiment.posterior is None:
        return {}
    draws = experiment.draws
    return {
        "posterior": json.dumps(experiment.posterior.as_dict()),
        "draws": json.dumps([draws[r][0] for r in range(experiment.replicates)]),
    }


def outcome_names() -> list[str]:
    """The keys of a run's summary (declared in :mod:`simulation.model.outputs`)."""
    return summary_names()


def _changes(old_text: str | None, new: dict[str, Any]) -> str:
    """What differs between a store's design and this one, in a few words."""
    try:
        old = json.loads(old_text) if old_text else {}
    except json.JSONDecodeError:
        old = {}
    words = []
    if ("posterior" in old) != ("posterior" in new):
        words.append("now with --posterior" if "posterior" in new else "now without --posterior")
    for key, value in new.items():
        before = old.get(key)
        if before == json.loads(canonical_json(value)):
            continue
        if key == "posterior" and "posterior" in old:
            words.append("another posterior file")
        elif key in ("posterior", "fixed"):
            continue
        elif key in ("points", "seeds", "design"):
            words.append(f"{key} differ")
        elif key == "base_parameters" and isinstance(before, dict):
            names = sorted(k for k in set(before) | set(value) if before.get(k) != value.get(k))
            shown = ", ".join(f"{k} {before.get(k)} -> {value.get(k)}" for k in names[:3])
            words.append(f"base parameters: {shown}{', ...' if len(names) > 3 else ''}")
        elif isinstance(value, int | float | str) and isinstance(before, int | float | str):
            words.append(f"{key} {before} -> {value}")
        else:
            words.append(f"{key} differ")
    if not words:
        words.append("another dtsim store layout" if old else "design not recorded")
    return "; ".join(words[:4])


def _write_manifest(
    folder: Path,
    experiment: Experiment,
    argv: Sequence[str] | None,
    started: str,
    finished: str | None,
    executor: str,
    report: SweepReport | None,
) -> None:
    """``manifest.json``: versions, git commit, fingerprint, and one entry per invocation.

    Written when a sweep starts (``finished`` null) and when it ends; ``started`` is the
    first invocation's, ``finished`` the last completed one's.
    """
    from simulation.experiments.provenance import manifest

    path = folder / MANIFEST_FILE
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        sessions = old.get("sessions", []) if isinstance(old, dict) else []
    except (OSError, json.JSONDecodeError):
        sessions = []
    session: dict[str, Any] = {
        "argv": list(argv) if argv is not None else None,
        "started": started,
        "finished": finished,
        "executor": executor,
    }
    if report is not None:
        session.update(ran=report.ran, failed=report.failed, wall_s=round(report.wall, 3))
    if sessions and sessions[-1].get("started") == started:
        sessions[-1] = session
    else:
        sessions.append(session)
    record = manifest("sweep", [], experiment.seed, experiment.replicates, argv or ())
    record.pop("scenarios", None)
    record.update(
        {
            "argv": session["argv"],
            "started": sessions[0]["started"],
            "finished": finished,
            "fingerprint": experiment.fingerprint(),
            "code": code_hash(),
            "experiment": {
                "name": experiment.name,
                "title": experiment.title,
                "file": str(experiment.path) if experiment.path else None,
                "sampler": experiment.sampler,
                "samples": experiment.samples,
                "varied": experiment.varied,
                "n_points": experiment.n_points,
                "n_runs": experiment.n_runs,
                "weeks": experiment.weeks,
                "series": list(experiment.series),
                "run_timeout": experiment.time_limit,
            },
            "base_scenario": {
                "scenario": experiment.scenario,
                "parameters": experiment.base_parameters,
                "interventions": [dict(item) for item in experiment.interventions],
            },
            "store": STORE_FILE,
            "sessions": sessions,
        }
    )
    tmp = path.with_name(path.name + ".tmp")
    from simulation.experiments.store import json_text

    try:
        tmp.write_text(json.dumps(json.loads(json_text(record)), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:  # a full disk: keep the old manifest, leave no half-written one
        tmp.unlink(missing_ok=True)
        raise


def _utc_now() -> str:
    from simulation.experiments.provenance import utc_now

    return utc_now().isoformat().replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return (
        f"{minutes} min {secs:02d} s"
        if minutes < 60
        else f"{minutes // 60} h {minutes % 60:02d} min"
    )


def print_summary(report: SweepReport, command: str | None = None, file: Any = None) -> None:
    for line in report.lines(command):
        print(line, file=file or sys.stdout)


__all__ = [
    "ExecutorError",
    "StoreWriteError",
    "SweepError",
    "SweepReport",
    "outcome_names",
    "print_summary",
    "run_sweep",
    "store_meta",
]
