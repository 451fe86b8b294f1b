"""The engine: one way of running many models, whichever command asks and wherever they run."""

from __future__ import annotations

import pandas as pd
import pytest

from simulation.experiments import engine
from simulation.experiments.engine import InProcess, Job, execute, open_executor
from simulation.experiments.runner import RunError, replicate_batches, run_specs, scenario_spec

JOB = Job({})


def test_consecutive_tasks_of_a_job_share_a_batch_and_jobs_never_mix() -> None:
    """A batch carries one job: tasks of two jobs interleaved go out in separate batches."""
    sent: list[tuple[Job, list]] = []

    class Recorder(engine.Executor):
        workers = 1

        def batch_size(self, remaining: int) -> int:
            return 3

        def map_unordered(self, batches):
            for job, batch in batches:
                sent.append((job, batch))
                yield [{"run": run} for run, _, _ in batch]

    a, b = Job({"weeks": 1}), Job({"weeks": 2})
    order = [a, a, a, a, b, b, a]
    tasks = [(job, (i, {}, 0)) for i, job in enumerate(order)]
    runs = [r["run"] for r in execute(Recorder(), tasks, len(tasks))]
    assert runs == list(range(len(order)))
    assert [(job is a, [t[0] for t in batch]) for job, batch in sent] == [
        (True, [0, 1, 2]),
        (True, [3]),
        (False, [4, 5]),
        (True, [6]),
    ]


def test_a_run_delivered_twice_is_yielded_once() -> None:
    class Twice(engine.Executor):
        def map_unordered(self, batches):
            for _, batch in batches:
                results = [{"run": run} for run, _, _ in batch]
                yield results
                yield results

    runs = [r["run"] for r in execute(Twice(), [(JOB, (i, {}, 0)) for i in range(4)], 4)]
    assert sorted(runs) == [0, 1, 2, 3]


def test_bad_options_are_refused_before_anything_starts() -> None:
    with pytest.raises(engine.SchedulerError, match="not both"):
        open_executor(2, "local:2", 10)
    with pytest.raises(engine.SchedulerError, match="at least 1"):
        open_executor(0, None, 10)
    with pytest.raises(engine.SchedulerError, match="local:N"):
        engine.check_scheduler("local:x")


def test_default_workers_stay_in_process_for_few_runs() -> None:
    assert isinstance(open_executor(None, None, 3, min_pool=8), InProcess)
    assert isinstance(open_executor(4, None, 1), InProcess)  # one run needs no pool


def test_run_specs_give_the_same_frames_in_processes_as_in_this_process() -> None:
    """`dtsim run` and `compare` run on the engine: two processes, the same numbers."""
    specs = [scenario_spec("partnership", weeks=6), scenario_spec("siloed", weeks=6)]
    serial = run_specs(specs, 3, 3, workers=1)
    pooled = run_specs(specs, 3, 3, workers=2)
    for one, two in zip(serial, pooled, strict=True):
        pd.testing.assert_frame_equal(one, two)
    assert list(serial[1]["scenario"]) == ["partnership"] * 3 + ["siloed"] * 3
    assert list(serial[1]["replicate"]) == [0, 1, 2] * 2
    batched = list(replicate_batches(specs, 3, maximum=3, first_batch=2, batch=1, workers=2))
    for one, two in zip(serial, batched[-1], strict=True):
        pd.testing.assert_frame_equal(one, two)


def test_a_failing_replicate_names_its_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.FAIL_RUNS_ENV, "1")
    with pytest.raises(RunError, match=r"siloed: replicate 1 \(seed \d+\) failed: RuntimeError"):
        run_specs([scenario_spec("siloed", weeks=2)], 0, 2)


# --- bounded memory ------------------------------------------------------------------------


def test_batches_in_flight_are_bounded() -> None:
    """The window never holds more than WINDOW_PER_WORKER batches per worker, and batches are
    drawn from the pending runs only as they are sent."""
    from concurrent.futures import Future

    drawn = in_flight = peak = 0

    class Instant(engine._Windowed):
        workers = 3

        def submit(self, job, batch):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            future: Future = Future()
            future.set_result([{"run": run} for run, _, _ in batch])
            return future

        def wait_any(self, pending):
            nonlocal in_flight
            done = {next(iter(pending))}
            in_flight -= 1
            return done, pending - done

    def batches():
        nonlocal drawn
        for i in range(1000):
            drawn += 1
            yield JOB, [(i, {}, 0)]

    executor = Instant()
    seen = 0
    for results in executor.map_unordered(batches()):
        seen += len(results)
        assert drawn - seen <= engine.WINDOW_PER_WORKER * 3
    assert seen == 1000
    assert peak == engine.WINDOW_PER_WORKER * 3
    # Batch sizes shrink as the end nears, from at most MAX_BATCH down to 1.
    assert executor.batch_size(10_000) == engine.MAX_BATCH
    assert executor.batch_size(1) == 1


def test_a_local_dask_cluster_starts_beside_another_one_and_listens_here_only() -> None:
    """CI failed when port 8787 (Dask's default dashboard) was taken by another cluster:
    ``dashboard_address=None`` does not turn the dashboard off in distributed."""
    import socket

    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # already taken by someone else: the case this test is about
    try:
        with open_executor(None, "local:1", 1) as executor:
            assert isinstance(executor, engine.Dask)
            assert executor.client.scheduler.address.startswith("tcp://127.0.0.1:")
    finally:
        holder.close()


# --- time limits ---------------------------------------------------------------------------


def test_a_time_limit_does_not_change_the_numbers() -> None:
    """With a limit the weeks are stepped by run_model, as model.run() steps them."""
    from simulation.experiments.runner import run_model

    params = dict(scenario_spec("partnership", weeks=6).parameters)
    frame, summary = run_model(params, 11)
    timed_frame, timed_summary = run_model(params, 11, timeout=600)
    pd.testing.assert_frame_equal(frame, timed_frame)
    assert summary == pytest.approx(timed_summary, rel=0, abs=0, nan_ok=True)


def test_a_run_past_its_limit_stops_after_the_week_even_without_signals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a thread (a Dask worker's) there is no SIGALRM: the check after each week stops it."""
    import threading
    import time

    from simulation.experiments.runner import run_model
    from simulation.model.model import DigitalTransformationModel

    step = DigitalTransformationModel.step

    def slow(self: DigitalTransformationModel) -> None:
        time.sleep(0.1)
        step(self)

    monkeypatch.setattr(DigitalTransformationModel, "step", slow)
    params = dict(scenario_spec("partnership", weeks=100).parameters)
    caught: list[BaseException] = []

    def run() -> None:
        try:
            with engine.time_limit(0.3):  # no timer outside the main thread: a no-op
                run_model(params, 0, timeout=0.3)
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=run)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=30)
    assert time.monotonic() - started < 5
    assert len(caught) == 1 and isinstance(caught[0], TimeoutError)
    assert str(caught[0]) == "the run took longer than run_timeout = 0.3 s and was stopped"


def test_a_week_that_never_ends_is_stopped_by_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulation.model.model import DigitalTransformationModel

    def forever(self: DigitalTransformationModel) -> None:
        while True:
            pass

    monkeypatch.setattr(DigitalTransformationModel, "step", forever)
    job = Job(dict(scenario_spec("partnership", weeks=4).parameters), timeout=0.5)
    (result,) = engine.run_batch(job, [(0, {}, 0)])
    assert result["status"] == "failed"
    assert result["error"].startswith("TimeoutError: the run took longer than run_timeout = 0.5 s")
    assert result["elapsed"] < 5


def test_the_code_hash_covers_what_computes_a_run_and_screens_leave_out_the_defaults(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash reads `simulation/model/` and `experiments/run.py` only: a change to how runs
    are scheduled or tabulated keeps earlier stores and robustness tables valid. Without the
    calibrated defaults (a screen sets them all itself) an adoption does not change it."""
    import shutil
    from pathlib import Path

    package = Path(engine.__file__).resolve().parents[1]
    copy = tmp_path / "simulation"
    shutil.copytree(package / "model", copy / "model", ignore=shutil.ignore_patterns("*.toml"))
    (copy / "experiments").mkdir()
    shutil.copy(package / "experiments" / "run.py", copy / "experiments" / "run.py")
    monkeypatch.setattr(engine, "__file__", str(copy / "experiments" / "engine.py"))

    def hashes() -> tuple[str, str]:
        engine.code_hash.cache_clear()
        return engine.code_hash(), engine.code_hash(calibrated=False)

    try:
        before = hashes()
        (copy / "experiments" / "runner.py").write_text("# scheduling\n", encoding="utf-8")
        assert hashes() == before
        (copy / "model" / "calibrated.toml").write_text("[parameters]\n", encoding="utf-8")
        adopted = hashes()
        assert adopted[0] != before[0] and adopted[1] == before[1]
        with open(copy / "experiments" / "run.py", "a", encoding="utf-8") as handle:
            handle.write("# a change to how a run is computed\n")
        assert hashes()[1] != before[1]
    finally:
        monkeypatch.undo()
        engine.code_hash.cache_clear()
