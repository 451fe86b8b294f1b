"""The one engine that runs many models: in this process, in local processes, or on Dask.

``dtsim run``, ``compare``, ``validate`` and ``sweep`` (and the sensitivity and discovery
studies on top of it) all hand their runs to :func:`execute`, so every command uses the
same cores the same way and gives the same numbers whichever executor ran them: a run's
numbers depend only on its parameters and its seed.

- A run is a :data:`Task` ``(run id, varied values, seed)`` under a :class:`Job` (the base
  parameters, interventions and what to send back), so a sweep's thousands of runs share
  one base and a comparison's scenarios each have their own.
- Workers run batches (:func:`run_batch`) and return plain results; they never write a
  file. A run that raises becomes a ``failed`` result with the last line of its traceback.
- At most ``WINDOW_PER_WORKER`` batches per worker are in flight and tasks are drawn
  lazily, so the caller's memory does not grow with the number of runs.

Executors: ``workers=1`` runs in this process; ``workers=N`` a pool of N spawned processes
(each imports the model once); ``scheduler="tcp://host:port"`` an existing Dask cluster;
``scheduler="local:N"`` a Dask ``LocalCluster`` of N single-threaded worker processes.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import socket
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from simulation.text import one_line

MAX_BATCH = 16
"""Most runs sent to a worker in one task (a default run takes about 60 ms)."""
BATCHES_PER_WORKER = 8
"""Batch size is ``ceil(remaining / (workers * BATCHES_PER_WORKER))``, 1..MAX_BATCH: large
while much remains (little per-task overhead), shrinking towards the end so the workers
finish together (guided self-scheduling, Polychronopoulos & Kuck 1987)."""
WINDOW_PER_WORKER = 4
"""Batches in flight per worker: enough to keep every worker busy, few enough that memory
stays flat whatever the number of runs."""
POOL_MIN_RUNS = 8
"""With the default number of workers, fewer runs than this run in this process: starting
a pool of spawned processes (about a second each) would cost more than it saves."""

FAIL_RUNS_ENV = "DTSIM_SWEEP_FAIL_RUNS"
"""Test hook: comma-separated run ids that raise in the worker instead of running.
Read by the workers (it reaches spawned processes and Dask workers through the
environment); unset in normal use."""

CODE_ENV = "DTSIM_WORKER_CODE"
"""Test hook: the code hash a worker reports instead of its own (a worker of another version)."""
CODE_FILES: tuple[str, ...] = ("model", "experiments/run.py")
"""What :func:`code_hash` covers, under ``simulation/``: the code that computes a run."""

HANG_RUNS_ENV = "DTSIM_SWEEP_HANG_RUNS"
"""Test hook: comma-separated run ids that never end (until their time limit stops them)."""

Task = tuple[int, Mapping[str, Any], int]
"""One run: its id, the values that differ from the job's base parameters (and any
intervention factors, :mod:`simulation.experiments.factors`), its seed."""


class SchedulerError(ValueError):
    """The executor cannot start (bad or unreachable scheduler, bad worker count); one line."""


class ExecutorError(RuntimeError):
    """The executor broke down mid-way (a worker process died, the cluster went away).

    Results already returned are kept by the caller (a sweep's are in its store).
    """


@dataclass(frozen=True)
class Job:
    """What the runs of a batch share: base parameters, interventions, what to send back.

    ``series``: the weekly reporters returned as ``(week, name, value)`` rows (a sweep's
    store keeps only these); ``frame``: return the whole weekly frame instead (run, compare);
    ``timeout``: seconds a run may take before it is stopped and returned as failed.
    """

    base: Mapping[str, Any]
    interventions: tuple[Mapping[str, Any], ...] = ()
    series: tuple[str, ...] = ()
    frame: bool = False
    timeout: float | None = None


# --- the worker side -----------------------------------------------------------------------


def run_batch(job: Job, batch: Iterable[Task]) -> list[dict[str, Any]]:
    """Run a batch of tasks under one job; never raises.

    Each result is a plain dict: run, status (``ok``/``failed``), summary, series rows,
    frame (with ``job.frame``), error, elapsed seconds, worker (host:pid), code (this
    worker's :func:`code_hash`).
    """
    from simulation.experiments.factors import apply_factors
    from simulation.experiments.run import run_model, series_rows
    from simulation.model import model, reporters  # noqa: F401 - before any run's clock starts

    fail = _runs_in(FAIL_RUNS_ENV)
    hang = _runs_in(HANG_RUNS_ENV)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    code = os.environ.get(CODE_ENV) or code_hash()
    results = []
    for run, point, seed in batch:
        started = time.perf_counter()
        result: dict[str, Any] = {
            "run": run,
            "worker": worker,
            "series": [],
            "summary": None,
            "frame": None,
            "code": code,
        }
        try:
            if run in fail:
                raise RuntimeError(f"run {run} failed on purpose ({FAIL_RUNS_ENV})")
            with time_limit(job.timeout):
                while run in hang:  # a model change that loops, for the tests
                    time.sleep(0.01)
                params, interventions = apply_factors(point, job.interventions)
                frame, summary = run_model({**job.base, **params}, seed, interventions, job.timeout)
            result["summary"] = summary
            result["series"] = series_rows(frame, job.series)
            if job.frame:
                result["frame"] = frame
            result["status"], result["error"] = "ok", None
        except Exception as exc:
            result["status"], result["error"] = "failed", _last_line(exc)
        result["elapsed"] = time.perf_counter() - started
        results.append(result)
    return results


@functools.cache
def code_hash(calibrated: bool = True) -> str:
    """SHA-256 over the code that computes a run (:data:`CODE_FILES`), once a process.

    A Dask worker with another dtsim would compute other numbers under the same seeds; its
    results carry its hash, so the coordinator can refuse them (:func:`execute`), and a
    store records the hash it was started with. ``calibrated=False`` leaves out the
    calibrated defaults (``model/calibrated.toml``): the identity of runs that set every
    calibrated parameter themselves (a calibration's load screens), which an adoption does
    not change.
    """
    import hashlib
    from pathlib import Path

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for entry in CODE_FILES:
        target = package / entry
        if target.is_dir():
            toml = [*target.rglob("calibrated.toml")] if calibrated else []
            files = sorted([*target.rglob("*.py"), *toml])
        else:
            files = [target]
        for path in files:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class CodeMismatchError(ExecutorError):
    """A worker runs other dtsim code than the coordinator; its results are not used."""


def _last_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return " ".join(lines[-1].split()) if lines else type(exc).__name__


def _runs_in(variable: str) -> frozenset[int]:
    text = os.environ.get(variable, "")
    return frozenset(int(part) for part in text.split(",") if part.strip())


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """TimeoutError in this block after ``seconds``, even in the middle of a week.

    A SIGALRM timer, so only in a process's main thread (this process, a pool worker); in a
    Dask worker's thread the check :func:`~simulation.experiments.run.run_model` makes
    after every week is the limit. The previous handler and timer are restored.
    """
    import signal
    import threading

    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if seconds is None or not usable:
        yield
        return
    from simulation.experiments.run import timeout_message

    armed = True

    def expire(signum: int, frame: Any) -> None:
        if armed:
            raise TimeoutError(timeout_message(seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        armed = False
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


PARENT_POLL = 0.5
"""Seconds between a pool worker's checks that its coordinator is still alive."""


def _init_worker(parent: int | None = None) -> None:
    """Pool worker start: leave Ctrl-C to the coordinator, and exit when it is gone.

    A coordinator killed with SIGKILL cannot stop its workers, and an idle worker blocked
    on the task queue would wait forever (each holds the model, ~150 MB). A daemon thread
    watches the parent pid: when the worker is orphaned it exits, and the last one to go
    closes multiprocessing's resource tracker's pipe, so that goes too.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        threading.Thread(
            target=_watch_parent, args=(parent,), name="dtsim-parent-watch", daemon=True
        ).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)  # orphaned: no cleanup to wait for, nothing of ours to flush


# --- the coordinating side -----------------------------------------------------------------


def execute(
    executor: Executor, tasks: Iterable[tuple[Job, Task]], n_tasks: int
) -> Iterator[dict[str, Any]]:
    """Send ``(job, task)`` pairs in batches through a sliding window; yield each result.

    Results come in the order they finish; the caller matches them by ``result["run"]``.
    Consecutive tasks of the same job share a batch. A run delivered twice (a Dask retry)
    is yielded once. A result computed by other code (another :func:`code_hash`) ends the
    work with CodeMismatchError: numbers of two versions are never mixed.
    """
    tasks = iter(tasks)
    seen: set[int] = set()
    lookahead: list[tuple[Job, Task]] = []

    def batches() -> Iterator[tuple[Job, list[Task]]]:
        remaining = n_tasks
        while remaining > 0:
            size = executor.batch_size(remaining)
            chunk = lookahead[:1]
            lookahead.clear()
            for item in tasks:
                if chunk and (item[0] is not chunk[0][0] or len(chunk) >= size):
                    lookahead.append(item)
                    break
                chunk.append(item)
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk[0][0], [task for _, task in chunk]

    own = code_hash()
    for results in executor.map_unordered(batches()):
        for result in results:
            if "status" in result and result.get("code") != own:
                raise CodeMismatchError(
                    f"worker {result.get('worker')} runs other dtsim code than this process "
                    f"(code {str(result.get('code'))[:12]}, here {own[:12]}): its results are not "
                    "stored; install the same dtsim on every worker"
                )
            run = int(result["run"])
            if run not in seen:
                seen.add(run)
                yield result


class Executor:
    """Runs batches somewhere; yields each batch's results as it completes."""

    name = "in this process"
    workers = 1

    def batch_size(self, remaining: int) -> int:
        share = math.ceil(remaining / (self.workers * BATCHES_PER_WORKER))
        return max(1, min(MAX_BATCH, share))

    def map_unordered(
        self, batches: Iterable[tuple[Job, list[Task]]]
    ) -> Iterator[list[dict[str, Any]]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release processes and connections (safe to call twice)."""

    def abort(self) -> None:
        """Stop at once (Ctrl-C, an error): drop the queued batches, end the running ones.

        Results already returned are the caller's (a sweep's are committed); the runs in
        flight are lost and run again on resume. Safe to call twice, or after close.
        """
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class InProcess(Executor):
    """One worker: no pool, no pickling; one run per batch, so each result comes at once."""

    def batch_size(self, remaining: int) -> int:
        return 1

    def map_unordered(self, batches):
        for job, batch in batches:
            yield run_batch(job, batch)


class _Windowed(Executor):
    """Futures-based executors: keep ``WINDOW_PER_WORKER * workers`` batches in flight."""

    def submit(self, job: Job, batch: list[Task]) -> Any:
        raise NotImplementedError

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        raise NotImplementedError

    pending: set[Any] | frozenset[Any] = frozenset()
    """The futures in flight (for :meth:`Executor.abort` to cancel)."""

    def map_unordered(self, batches):
        window = WINDOW_PER_WORKER * self.workers
        self.pending = set()
        batches = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(self.pending) < window:
                item = next(batches, None)
                if item is None:
                    exhausted = True
                    break
                self.pending.add(self.submit(*item))
            if not self.pending:
                return
            done, self.pending = self.wait_any(self.pending)
            for future in done:
                yield self.result(future)

    def result(self, future: Any) -> list[dict[str, Any]]:
        return future.result()


class ProcessPool(_Windowed):
    """``workers=N``: N spawned processes (spawn: no state forked from the coordinator)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        self.name = f"{workers} local processes"
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )

    def submit(self, job: Job, batch: list[Task]) -> Any:
        return self.pool.submit(run_batch, job, batch)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, not_done = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(not_done)

    def result(self, future: Any) -> list[dict[str, Any]]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise ExecutorError(f"a worker process died ({one_line(str(exc))})") from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Terminate the workers rather than wait for their batches (up to MAX_BATCH runs)."""
        processes = dict(getattr(self.pool, "_processes", None) or {})
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.join(timeout=5)
        self.pool.shutdown(wait=True)


class Dask(_Windowed):
    """``scheduler=...``: an existing Dask cluster, or a LocalCluster started for the work."""

    def __init__(self, scheduler: str) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise SchedulerError(
                "--scheduler needs dask[distributed]; pip install 'dask[distributed]'"
            ) from None
        self.cluster = None
        if scheduler.startswith("local:"):
            n = _local_workers(scheduler)
            self.cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",  # this machine only; a random free port for the dashboard,
                dashboard_address="127.0.0.1:0",  # (None still means 8787 in distributed)
            )
            self.client = Client(self.cluster)
            self.name = f"Dask LocalCluster, {n} workers"
        else:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise SchedulerError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler ({one_line(str(exc))})"
                ) from None
            try:
                self.client.wait_for_workers(1, timeout=120)
            except TimeoutError:
                self.client.close()
                raise SchedulerError(
                    f"--scheduler {scheduler}: no Dask worker joined within 120 s; start one with "
                    f"`dask worker {scheduler}`"
                ) from None
            self.name = f"Dask cluster at {scheduler}"
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.name += f", {self.workers} threads" if self.cluster is None else ""

    def submit(self, job: Job, batch: list[Task]) -> Any:
        return self.client.submit(run_batch, job, batch, pure=False)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from dask.distributed import wait

        done, not_done = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(not_done)

    def result(self, future: Any) -> list[dict[str, Any]]:
        try:
            results = future.result()
        except Exception as exc:  # KilledWorker, lost scheduler: the cluster, not a run
            raise ExecutorError(
                f"the Dask cluster failed a batch ({type(exc).__name__}: {one_line(str(exc))})"
            ) from None
        future.release()
        return results

    def abort(self) -> None:
        """Drop the queued batches; a LocalCluster's workers are killed rather than waited
        for (a nanny gives a busy worker 4 s), a remote cluster's finish their current batch."""
        import logging

        client = getattr(self, "client", None)
        cluster = self.cluster
        if client is not None and cluster is None and self.pending:  # ours go with the cluster
            with contextlib.suppress(Exception):
                client.cancel(list(self.pending), force=True)
        if cluster is not None:
            # Killed workers are meant: no "lost computed tasks" or "killing" warnings.
            loggers = [logging.getLogger(f"distributed.{n}") for n in ("nanny", "scheduler")]
            levels = [logger.level for logger in loggers]
            for logger in loggers:
                logger.setLevel(logging.ERROR)
            try:
                cluster.sync(_stop_nannies, list(cluster.workers.values()))
            except Exception:  # close() below ends them the slow way
                pass
            finally:
                for logger, level in zip(loggers, levels, strict=True):
                    logger.setLevel(level)
        self.close()

    def close(self) -> None:
        client = getattr(self, "client", None)
        self.client = None  # type: ignore[assignment]  # closed: no client from here on
        if client is not None:
            client.close()
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            cluster.close()


async def _stop_nannies(nannies: list[Any]) -> None:
    """Close a LocalCluster's nannies and kill their workers outright (a worker asked to
    close cancels its batch with a warning on stderr; a killed one says nothing)."""
    import asyncio
    import signal

    pids = [n.pid for n in nannies]
    closing = [asyncio.ensure_future(n.close(timeout=0.5)) for n in nannies]
    await asyncio.sleep(0)  # every nanny is closing now, so none restarts its worker
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    await asyncio.gather(*closing, return_exceptions=True)


def open_executor(
    workers: int | None, scheduler: str | None, n_tasks: int, min_pool: int = 0
) -> Executor:
    """The executor for ``n_tasks`` runs; close it (or use it as a context manager).

    ``workers=None`` means one per core, but in this process when there are fewer than
    ``min_pool`` runs (a pool would cost more than it saves); ``scheduler`` a Dask address
    or ``local:N``.
    """
    if workers is not None and scheduler is not None:
        raise SchedulerError("give workers or scheduler, not both")
    if workers is not None and workers < 1:
        raise SchedulerError(f"workers must be at least 1, got {workers}")
    if n_tasks == 0:  # start no pool, reach no cluster
        nothing = InProcess()
        nothing.name = "nothing to run"
        return nothing
    if scheduler is not None:
        return Dask(scheduler)
    if workers is None:
        workers = cores() if n_tasks >= min_pool else 1
    n = min(workers, n_tasks)
    if n == 1:
        return InProcess()
    return ProcessPool(n)


def _local_workers(scheduler: str) -> int:
    text = scheduler.removeprefix("local:")
    if not text.isdigit() or int(text) < 1:
        raise SchedulerError(f"--scheduler {scheduler}: allowed local:N with N a whole number >= 1")
    return int(text)


def check_scheduler(scheduler: str) -> str:
    """Check the form of a ``--scheduler`` value before anything starts."""
    if scheduler.startswith("local:"):
        _local_workers(scheduler)
    elif "://" not in scheduler:
        raise SchedulerError(
            f"--scheduler {scheduler}: allowed a Dask scheduler address (tcp://HOST:PORT) "
            "or local:N"
        )
    return scheduler


def cores() -> int:
    """Cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def progress_bar(
    total: int, initial: int = 0, enabled: bool = True, desc: str | None = None, leave: bool = True
) -> Any:
    """The one progress bar of long work: runs done, on stderr."""
    import sys

    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit="run",
        file=sys.stderr,
        disable=not enabled,
        smoothing=0.05,
        dynamic_ncols=True,
        leave=leave,
    )
