"""Run an experiment's runs on local processes or a Dask cluster, into a resumable store.

In the flow: :mod:`simulation.experiments.experiment` (the runs) -> here (executors, batches, resume)
-> :mod:`simulation.experiments.store` (one SQLite file) -> ``simulation.experiments.results`` (tables, plots).
The model is reached through :func:`simulation.experiments.runner.run_model` only: parameters and a
seed in, a weekly frame and a summary out.

- Workers run batches of runs (:func:`run_batch`) and return plain results; they never
  touch the store. The coordinating process commits each run in its own transaction as its
  batch comes back, so a kill at any moment loses at most the runs in flight.
- At most ``WINDOW_PER_WORKER`` batches per worker are in flight, and runs are generated
  lazily, so the coordinator's memory does not grow with the number of runs.
- A run's seed depends only on the experiment seed and its index (see
  :mod:`simulation.experiments.experiment`), so the store's contents do not depend on the executor, on
  the order runs finish in, or on how many times the sweep was interrupted and resumed.

Executors: ``workers=1`` runs in this process; ``workers=N`` a pool of N spawned processes
(each imports the model once); ``scheduler="tcp://host:port"`` an existing Dask cluster;
``scheduler="local:N"`` a Dask ``LocalCluster`` of N single-threaded worker processes.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import socket
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.experiments.experiment import Experiment, Run, canonical_json, load_experiment
from simulation.experiments.store import (
    EXPERIMENT_FILE,
    FILES,
    MANIFEST_FILE,
    STORE_FILE,
    STORE_VERSION,
    StoreError,
    connect,
    create,
    finished_runs,
    read_meta,
    write_result,
)
from simulation.model.outputs import summary_names
from simulation.text import one_line

RESULTS_DIR = Path("results")
"""Default parent of a sweep's folder: ``results/<experiment name>/``."""

MAX_BATCH = 16
"""Most runs sent to a worker in one task (a default run takes about 60 ms)."""
BATCHES_PER_WORKER = 8
"""Batch size is ``ceil(remaining / (workers * BATCHES_PER_WORKER))``, 1..MAX_BATCH: large
while much remains (little per-task overhead), shrinking towards the end so the workers
finish together (guided self-scheduling, Polychronopoulos & Kuck 1987)."""
WINDOW_PER_WORKER = 4
"""Batches in flight per worker: enough to keep every worker busy, few enough that memory
stays flat whatever the number of runs."""

FAIL_RUNS_ENV = "DTSIM_SWEEP_FAIL_RUNS"
"""Test hook: comma-separated run ids that raise in the worker instead of running.
Read by the workers (it reaches spawned processes and Dask workers through the
environment); unset in normal use."""


class SweepError(ValueError):
    """The sweep cannot start (changed experiment, foreign folder, bad scheduler); one line."""


class ExecutorError(RuntimeError):
    """The executor broke down mid-sweep (a worker process died, the cluster went away).

    The runs finished so far are in the store; running the same command again resumes.
    """


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


# --- the worker side -----------------------------------------------------------------------


def run_batch(
    base: Mapping[str, Any],
    interventions: Sequence[Mapping[str, Any]],
    series: Sequence[str],
    batch: Sequence[tuple[int, Mapping[str, Any], int]],
) -> list[dict[str, Any]]:
    """Run ``(run id, varied values, seed)`` triples on ``base`` parameters; never raises.

    Each result is a plain dict (run, status, summary, series rows, error, elapsed, worker).
    A run that raises becomes a ``failed`` result carrying the last line of its traceback;
    the other runs of the batch go on.
    """
    from simulation.experiments.runner import run_model

    fail = _fail_runs()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    results = []
    for run, point, seed in batch:
        started = time.perf_counter()
        result: dict[str, Any] = {"run": run, "worker": worker, "series": [], "summary": None}
        try:
            if run in fail:
                raise RuntimeError(f"run {run} failed on purpose ({FAIL_RUNS_ENV})")
            frame, summary = run_model({**base, **point}, seed, interventions)
            result["summary"] = summary
            result["series"] = _series_rows(frame, series)
            result["status"], result["error"] = "ok", None
        except Exception as exc:
            result["status"], result["error"] = "failed", _last_line(exc)
        result["elapsed"] = time.perf_counter() - started
        results.append(result)
    return results


def _series_rows(frame: Any, series: Sequence[str]) -> list[tuple[int, str, float]]:
    if not series:
        return []
    weeks = [int(w) for w in frame["week"].tolist()]
    return [
        (week, name, value)
        for name in series
        for week, value in zip(weeks, frame[name].tolist(), strict=True)
    ]


def _last_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return " ".join(lines[-1].split()) if lines else type(exc).__name__


def _fail_runs() -> frozenset[int]:
    text = os.environ.get(FAIL_RUNS_ENV, "")
    return frozenset(int(part) for part in text.split(",") if part.strip())


def _init_worker() -> None:
    """Pool worker start: leave Ctrl-C to the coordinator; import the model once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
) -> SweepReport:
    """Run every run of ``experiment`` not yet in ``out``'s store; return what was done.

    ``out`` defaults to ``results/<experiment name>/``, so the same call resumes. A store
    made by a different design (another fingerprint) is refused unless ``fresh``, which
    deletes it first. Failed runs in the store are run again only with ``retry_failed``.
    ``workers`` (default: one per core) and ``scheduler`` (a Dask address or ``local:N``)
    choose the executor; ``argv`` is recorded in the manifest.
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give workers or scheduler, not both")
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be at least 1, got {workers}")
    experiment = load_experiment(experiment)
    folder = Path(out) if out is not None else RESULTS_DIR / experiment.name
    started_at = _utc_now()
    conn, created = _open_store(experiment, folder, fresh)
    try:
        stored = finished_runs(conn)
        skip = {r for r, status in stored.items() if status == "ok" or not retry_failed}
        pending = (run for run in experiment.iter_runs() if run.index not in skip)
        n_pending = experiment.n_runs - len(skip)
        clock = time.perf_counter()  # the wall time includes starting the pool or cluster
        try:
            executor = _executor(workers, scheduler, n_pending)
        except SweepError:
            if created:  # leave no empty store behind an unreachable cluster
                conn.close()
                _remove_store(folder)
            raise
        _write_manifest(folder, experiment, argv, started_at, None, executor.name, None)
        if progress:
            print(
                f"{experiment.name}: {experiment.n_points} points x {experiment.replicates} "
                f"replicates = {experiment.n_runs} runs; {len(skip)} in the store, "
                f"{n_pending} to run ({executor.name})",
                file=sys.stderr,
            )
        ran = failed = 0
        bar = _bar(experiment.n_runs, len(skip), progress)
        try:
            for result, run in _execute(executor, experiment, pending, n_pending):
                write_result(conn, result, run.point, run.replicate, run.seed, run.params)
                ran += 1
                failed += result["status"] != "ok"
                bar.update(1)
        finally:
            bar.close()
            executor.close()
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


def _execute(
    executor: _Executor, experiment: Experiment, pending: Iterator[Run], n_pending: int
) -> Iterator[tuple[dict[str, Any], Run]]:
    """Send the pending runs in batches through a sliding window; yield (result, run).

    Runs are drawn from ``pending`` only as batches are sent, so at most
    ``window * MAX_BATCH`` runs are held at any time.
    """
    base = experiment.base_parameters
    interventions = [dict(item) for item in experiment.interventions]
    series = list(experiment.series)
    inflight: dict[int, Run] = {}

    def batches() -> Iterator[list[tuple[int, Mapping[str, Any], int]]]:
        remaining = n_pending
        while remaining > 0:
            size = executor.batch_size(remaining)
            chunk = [run for _, run in zip(range(size), pending, strict=False)]
            if not chunk:
                return
            remaining -= len(chunk)
            for run in chunk:
                inflight[run.index] = run
            yield [(run.index, run.params, run.seed) for run in chunk]

    for results in executor.map_unordered(base, interventions, series, batches()):
        for result in results:
            run = inflight.pop(int(result["run"]), None)
            if run is not None:  # None: a duplicate delivery of a run already written
                yield result, run


class _Executor:
    """Runs batches somewhere; yields each batch's results as it completes."""

    name = "in this process"
    workers = 1

    def batch_size(self, remaining: int) -> int:
        share = math.ceil(remaining / (self.workers * BATCHES_PER_WORKER))
        return max(1, min(MAX_BATCH, share))

    def map_unordered(
        self,
        base: Mapping[str, Any],
        interventions: list[dict[str, Any]],
        series: list[str],
        batches: Iterable[list[tuple[int, Mapping[str, Any], int]]],
    ) -> Iterator[list[dict[str, Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release processes and connections (safe to call twice)."""


class _InProcess(_Executor):
    """``--workers 1``: no pool, no pickling; one run per batch, so each is written at once."""

    def batch_size(self, remaining: int) -> int:
        return 1

    def map_unordered(self, base, interventions, series, batches):
        for batch in batches:
            yield run_batch(base, interventions, series, batch)


class _Windowed(_Executor):
    """Futures-based executors: keep ``WINDOW_PER_WORKER * workers`` batches in flight."""

    def submit(self, *args: Any) -> Any:
        raise NotImplementedError

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        raise NotImplementedError

    def map_unordered(self, base, interventions, series, batches):
        window = WINDOW_PER_WORKER * self.workers
        pending: set[Any] = set()
        batches = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                    break
                pending.add(self.submit(base, interventions, series, batch))
            if not pending:
                return
            done, pending = self.wait_any(pending)
            for future in done:
                yield self.result(future)

    def result(self, future: Any) -> list[dict[str, Any]]:
        return future.result()


class _ProcessPool(_Windowed):
    """``--workers N``: N spawned processes (spawn: no state forked from the coordinator)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        self.name = f"{workers} local processes"
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        )

    def submit(self, *args: Any) -> Any:
        return self.pool.submit(run_batch, *args)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, not_done = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(not_done)

    def result(self, future: Any) -> list[dict[str, Any]]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise ExecutorError(
                f"a worker process died ({one_line(str(exc))}); the finished runs are "
                "stored: run the same command again to resume"
            ) from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask(_Windowed):
    """``--scheduler``: an existing Dask cluster, or a LocalCluster started for the sweep."""

    def __init__(self, scheduler: str) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise SweepError(
                "--scheduler needs dask[distributed]; pip install 'dask[distributed]'"
            ) from None
        self.cluster = None
        if scheduler.startswith("local:"):
            n = _local_workers(scheduler)
            self.cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client = Client(self.cluster)
            self.name = f"Dask LocalCluster, {n} workers"
        else:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise SweepError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler ({one_line(str(exc))})"
                ) from None
            try:
                self.client.wait_for_workers(1, timeout=120)
            except TimeoutError:
                self.client.close()
                raise SweepError(
                    f"--scheduler {scheduler}: no Dask worker joined within 120 s; start one with "
                    f"`dask worker {scheduler}`"
                ) from None
            self.name = f"Dask cluster at {scheduler}"
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.name += f", {self.workers} threads" if self.cluster is None else ""

    def submit(self, *args: Any) -> Any:
        return self.client.submit(run_batch, *args, pure=False)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from dask.distributed import wait

        done, not_done = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(not_done)

    def result(self, future: Any) -> list[dict[str, Any]]:
        try:
            results = future.result()
        except Exception as exc:  # KilledWorker, lost scheduler: the cluster, not a run
            raise ExecutorError(
                f"the Dask cluster failed a batch ({type(exc).__name__}: "
                f"{one_line(str(exc))}); the finished runs are stored: run the same command "
                "again to resume"
            ) from None
        future.release()
        return results

    def close(self) -> None:
        client = getattr(self, "client", None)
        self.client = None  # type: ignore[assignment]  # closed: no client from here on
        if client is not None:
            client.close()
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            cluster.close()


def _executor(workers: int | None, scheduler: str | None, n_pending: int) -> _Executor:
    if n_pending == 0:  # start no pool, reach no cluster
        nothing = _InProcess()
        nothing.name = "nothing to run"
        return nothing
    if scheduler is not None:
        return _Dask(scheduler)
    n = workers if workers is not None else _cores()
    if n == 1:
        return _InProcess()
    return _ProcessPool(n)


def _local_workers(scheduler: str) -> int:
    text = scheduler.removeprefix("local:")
    if not text.isdigit() or int(text) < 1:
        raise SweepError(f"--scheduler {scheduler}: allowed local:N with N a whole number >= 1")
    return int(text)


def check_scheduler(scheduler: str) -> str:
    """Check the form of a ``--scheduler`` value before anything starts."""
    if scheduler.startswith("local:"):
        _local_workers(scheduler)
    elif "://" not in scheduler:
        raise SweepError(
            f"--scheduler {scheduler}: allowed a Dask scheduler address (tcp://HOST:PORT) "
            "or local:N"
        )
    return scheduler


def _cores() -> int:
    """Cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _bar(total: int, initial: int, progress: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        smoothing=0.05,
        dynamic_ncols=True,
    )


# --- the folder ----------------------------------------------------------------------------


def _open_store(experiment: Experiment, folder: Path, fresh: bool) -> tuple[Any, bool]:
    """A connection to the store of ``folder``, created for ``experiment`` if there is none;
    and whether it was created now."""
    store = folder / STORE_FILE
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder}: exists and is not a folder")
    if fresh and folder.is_dir():
        for name in FILES:
            (folder / name).unlink(missing_ok=True)
    fingerprint = experiment.fingerprint()
    if store.exists():
        try:
            meta = read_meta(store)
        except StoreError as exc:
            raise SweepError(f"{exc}; use --fresh to start over or another --out") from None
        if meta["fingerprint"] != fingerprint:
            raise SweepError(
                f"{experiment.where} changed since {folder} was started "
                f"({_changes(meta.get('design'), experiment.design())}); "
                "use --fresh to start over or another --out"
            )
        return connect(store), False
    if folder.is_dir():
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in FILES)
        foreign = [n for n in foreign if not n.startswith(STORE_FILE + ".tmp")]
        if foreign:
            raise SweepError(
                f"--out {folder}: folder holds other files ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}) and no sweep store; choose a new or "
                "empty folder"
            )
    folder.mkdir(parents=True, exist_ok=True)
    if experiment.path is not None:
        shutil.copyfile(experiment.path, folder / EXPERIMENT_FILE)
    else:
        (folder / EXPERIMENT_FILE).write_text(experiment.text, encoding="utf-8")
    create(store, store_meta(experiment))
    return connect(store), True


def _remove_store(folder: Path) -> None:
    """Delete the files a sweep writes in ``folder``, and the folder if that empties it."""
    for name in FILES:
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def store_meta(experiment: Experiment) -> dict[str, Any]:
    """The ``meta`` table of a new store (values as text; lists as JSON)."""
    design = experiment.design()
    return {
        "store_version": STORE_VERSION,
        "fingerprint": experiment.fingerprint(),
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
    for key, value in new.items():
        before = old.get(key)
        if before == json.loads(canonical_json(value)):
            continue
        if key in ("points", "seeds", "design"):
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
    from simulation.experiments.runner import manifest

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

    tmp.write_text(json.dumps(json.loads(json_text(record)), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _utc_now() -> str:
    from simulation.experiments.runner import utc_now

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
    "FAIL_RUNS_ENV",
    "RESULTS_DIR",
    "ExecutorError",
    "SweepError",
    "SweepReport",
    "check_scheduler",
    "outcome_names",
    "print_summary",
    "run_batch",
    "run_sweep",
    "store_meta",
]
