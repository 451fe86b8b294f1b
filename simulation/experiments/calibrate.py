"""Calibration: ABC-SMC (pyabc) of the parameters a targets file names, through the engine.

Why pyabc: the model has no likelihood, and ABC-SMC needs only simulations and a distance;
pyabc is maintained, keeps its whole history (every generation's particles, weights,
distances and tolerances) in one SQLite file, which makes a killed calibration resumable,
and has a Dask sampler for clusters. ELFI was the alternative; its strength (Bayesian
optimisation of expensive simulators) matters less here than a resumable history.

Each particle (a parameter set drawn by pyabc) is simulated at every lever setting the
targets need, ``replicates`` times, through :mod:`simulation.experiments.engine` (local
processes or Dask, as sweeps). Within a particle every setting uses the same replicate seeds
(common random numbers: differences between settings are not noise); each particle draws its
own base seed from pyabc's generator, seeded by the targets file's seed, so the posterior
carries the model's stochastic spread and the same file gives the same calibration.

A folder ``DIR`` holds ``abc.sqlite`` (pyabc's history), ``targets.toml`` (the file as first
run), ``posterior.parquet`` (the last generation: parameters and weights),
``populations.csv`` (tolerance, acceptance rate and effective sample size per generation),
``predictive.csv`` (the targets' simulated values in the last generation, with weights) and
``manifest.json``. Running the same command again continues from the last generation.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.engine import (
    POOL_MIN_RUNS,
    Executor,
    Job,
    Task,
    execute,
    open_executor,
)
from simulation.experiments.files import CSV_OPTIONS
from simulation.experiments.folders import RESULTS_DIR
from simulation.experiments.posterior import POSTERIOR_FILE
from simulation.experiments.runner import replicate_seed
from simulation.experiments.store import FIGURES_DIR
from simulation.experiments.targets import Targets, load_targets, setting_parameters
from simulation.stats import weighted_quantile
from simulation.text import one_line

HISTORY = "abc.sqlite"
TARGETS_FILE = "targets.toml"
POSTERIOR = POSTERIOR_FILE
POPULATIONS = "populations.csv"
PREDICTIVE = "predictive.csv"
MANIFEST = "manifest.json"
FIGURES = FIGURES_DIR
PROGRESS_EVERY = 50
STREAM_RUNS = 10**9
"""The streaming sampler's runs as the engine counts them: no end, it stops at the population."""
MIN_ESS_SHARE = 0.25
"""``--adopt`` refuses a posterior whose effective sample size is below this share of the
population: a few particles carrying all the weight are not a posterior to set defaults by."""
FILES = (HISTORY, TARGETS_FILE, POSTERIOR, POPULATIONS, PREDICTIVE, MANIFEST)


class CalibrationError(ValueError):
    """The calibration cannot start (a folder of other targets, no pyabc); one line."""


@dataclass(frozen=True)
class CalibrationReport:
    out: Path
    generations: int
    simulations: int
    posterior: pd.DataFrame
    populations: pd.DataFrame


def simulate(
    targets: Targets, theta: dict[str, float], seed: int, executor: Executor
) -> dict[str, float]:
    """Each target's simulated value for parameters ``theta``: its statistic of the replicate
    means of its outputs at its lever settings; every setting runs the same replicate seeds."""
    return simulate_many(targets, [(theta, seed)], executor)[0]


def simulate_many(
    targets: Targets, particles: list[tuple[dict[str, float], int]], executor: Executor
) -> list[dict[str, float]]:
    """:func:`simulate` for several ``(theta, seed)`` particles, their runs sent together."""
    tasks = [
        task
        for p, (theta, seed) in enumerate(particles)
        for task in _tasks(targets, p, theta, seed)
    ]
    summaries: dict[int, dict[str, float]] = {}
    for result in execute(executor, tasks, len(tasks)):
        if result["status"] == "ok":
            summaries[int(result["run"])] = result["summary"]
    return [_values(targets, summaries, p) for p in range(len(particles))]


def _tasks(targets: Targets, p: int, theta: dict[str, float], seed: int) -> list[tuple[Job, Task]]:
    """Particle ``p``'s runs: every setting, ``replicates`` times from the same seeds; run
    numbers ``p * runs_per_particle`` onwards."""
    settings, n = targets.settings, targets.replicates
    seeds = [replicate_seed(seed, r) for r in range(n)]
    tasks: list[tuple[Job, Task]] = []
    for s, at in enumerate(settings):
        job = Job(setting_parameters(targets.base, theta, at))
        first = (p * len(settings) + s) * n
        tasks += [(job, (first + r, {}, run_seed)) for r, run_seed in enumerate(seeds)]
    return tasks


def _values(targets: Targets, summaries: dict[int, dict[str, float]], p: int) -> dict[str, float]:
    """Particle ``p``'s targets from its runs' summaries (a failed run is left out)."""
    settings, n = targets.settings, targets.replicates

    def mean(setting: dict[str, float], output: str) -> float:
        first = (p * len(settings) + settings.index(setting)) * n
        runs = [summaries.get(first + r) for r in range(n)]
        found = [run.get(output, math.nan) for run in runs if run is not None]
        finite = [v for v in found if v is not None and math.isfinite(v)]
        return float(np.mean(finite)) if finite else math.nan

    return {target.name: target.statistic(mean) for target in targets.targets}


def distance(targets: Targets, simulated: dict[str, float]) -> float:
    """Weighted root mean square of the targets' distances (0 when every one is in its band)."""
    total = sum(t.weight * t.distance(simulated[t.name]) ** 2 for t in targets.targets)
    weights = sum(t.weight for t in targets.targets)
    return math.sqrt(total / weights)


def calibrate(
    targets: Targets | str | Path,
    out: Path | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    argv: list[str] | None = None,
    progress: bool = False,
) -> CalibrationReport:
    """Run (or continue) the calibration into ``out``; write its tables; return them.

    ``progress`` prints a line to stderr every :data:`PROGRESS_EVERY` particles (pyabc's
    own log gives one per generation)."""
    try:
        import pyabc
    except ImportError:
        raise CalibrationError("dtsim calibrate needs pyabc: pip install pyabc") from None
    import logging

    targets = targets if isinstance(targets, Targets) else load_targets(targets)
    assert targets.path is not None or out is not None
    stem = targets.path.stem if targets.path is not None else "targets"
    folder = Path(out) if out is not None else RESULTS_DIR / f"calibration-{stem}"
    history_url = _prepare(folder, targets, fresh)
    logging.getLogger("ABC").setLevel(logging.INFO)
    n_tasks = len(targets.settings) * targets.replicates
    prior = pyabc.Distribution(
        **{
            name: pyabc.RV("uniform", low, high - low)
            for name, (low, high) in targets.priors.items()
        }
    )
    observed = {t.name: (t.low + t.high) / 2 for t in targets.targets}
    with open_executor(workers, scheduler, n_tasks, min_pool=POOL_MIN_RUNS) as executor:
        model = _Model(targets, executor, progress)

        def smc() -> Any:
            return pyabc.ABCSMC(
                model,
                prior,
                lambda x, x0: distance(targets, x),
                population_size=targets.population,
                transitions=pyabc.MultivariateNormalTransition(scaling=targets.kernel_scaling),
                sampler=_streaming_sampler(pyabc, model),
            )

        # One generation at a time, each by a new sampler object that loads the history (as
        # pyabc resumes) and from its own seed: a calibration killed and resumed gives the
        # same particles as one that ran through.
        done = _generations_done(folder)
        if done == 0:
            np.random.seed(_generation_seed(targets.seed, -1))
            smc().new(history_url, observed)
        failure = None
        for generation in range(done, targets.generations):
            abc = smc()
            abc.load(history_url, 1)
            np.random.seed(_generation_seed(targets.seed, generation))
            try:
                abc.run(max_nr_populations=1)
            except Exception as exc:  # pyabc's own checks, e.g. weights that are all NaN
                failure = (generation, exc)
                break
        abc = smc()
        abc.load(history_url, 1)
        history = abc.history
    if _generations_done(folder) > done:  # a new posterior: checks of the old one are stale
        _forget_checks(folder)
    report = _write(folder, targets, history, argv)
    if failure is not None:
        generation, error = failure
        said = one_line(str(error)) or type(error).__name__
        raise CalibrationError(
            f"generation {generation} failed in pyabc ({said});"
            f" the {report.generations} generations before it are kept in {folder} (last "
            f"effective sample size {report.populations['ess'].iloc[-1]:.1f} of "
            f"{targets.population}: the importance weights have degenerated)"
        )
    return report


class _Model:
    """The model function pyabc calls: simulates at once, or, for the streaming sampler,
    notes the proposal (recording) or answers from results already simulated (replaying).

    pyabc proposes a particle and simulates it in one call (``simulate_one``), so a sampler
    cannot keep the workers busy with several particles without giving up the order of
    pyabc's generator, on which a resumed calibration equalling an uninterrupted one rests.
    The streaming sampler therefore calls ``simulate_one`` twice per particle, from two
    copies of the generator's state: once recording (the proposal and its seed are noted,
    the answer is NaN, which no tolerance accepts), and, when the particle's runs are back,
    once replaying, in proposal order. A proposal draws the same numbers whatever the model
    answers, so the particles are exactly those of pyabc's one-at-a-time sampler."""

    def __init__(self, targets: Targets, executor: Executor, progress: bool) -> None:
        self.targets, self.executor, self.progress = targets, executor, progress
        self.recording = False
        self.recorded: list[tuple[dict[str, float], int]] = []
        self.ready: deque[tuple[tuple[dict[str, float], int], dict[str, float]]] = deque()
        self.simulated = 0
        self.started = time.perf_counter()

    def __call__(self, theta: dict[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))  # pyabc's generator, seeded per generation
        theta = dict(theta)
        if self.recording:
            self.recorded.append((theta, seed))
            return {t.name: math.nan for t in self.targets.targets}
        if self.ready:
            (expected, expected_seed), values = self.ready.popleft()
            if (expected, expected_seed) != (theta, seed):  # pragma: no cover - a pyabc change
                raise CalibrationError("the replayed particle differs from the recorded one")
        else:  # another sampler (the tests compare with pyabc's own)
            values = simulate(self.targets, theta, seed, self.executor)
        self.simulated += 1
        if self.progress and self.simulated % PROGRESS_EVERY == 0:
            elapsed = time.perf_counter() - self.started
            runs = self.simulated * len(self.targets.settings) * self.targets.replicates
            print(
                f"  {self.simulated:,} particles simulated ({runs:,} runs) in {elapsed:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        return values


def _streaming_sampler(pyabc: Any, model: _Model) -> Any:
    """A pyabc sampler that keeps the workers busy: it proposes particles as the engine asks
    for runs and accepts them in proposal order as their runs come back, stopping at the
    population. Same particles, weights and number of simulations as pyabc's
    ``SingleCoreSampler``, whatever the workers (:class:`_Model`); at most the runs in
    flight when the population is full are wasted."""

    class Streaming(pyabc.sampler.Sampler):
        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Any,
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            targets = model.targets
            per = len(targets.settings) * targets.replicates
            sample = self._create_empty_sample()
            state = {"record": np.random.get_state(), "replay": np.random.get_state()}
            model.recorded, model.ready = [], deque()

            def proposals() -> Iterator[tuple[Job, Task]]:
                while True:
                    np.random.set_state(state["record"])
                    model.recording = True
                    simulate_one()
                    model.recording = False
                    state["record"] = np.random.get_state()
                    p = len(model.recorded) - 1
                    yield from _tasks(targets, p, *model.recorded[p])

            summaries: dict[int, dict[str, float]] = {}
            back: list[int] = []  # runs back, per particle
            evaluations = 0
            for result in execute(model.executor, proposals(), STREAM_RUNS):
                run = int(result["run"])
                if result["status"] == "ok":
                    summaries[run] = result["summary"]
                p = run // per
                back += [0] * (p + 1 - len(back))
                back[p] += 1
                while evaluations < len(back) and back[evaluations] == per:
                    values = _values(targets, summaries, evaluations)
                    model.ready.append((model.recorded[evaluations], values))
                    np.random.set_state(state["replay"])
                    sample.append(simulate_one())
                    state["replay"] = np.random.get_state()
                    evaluations += 1
                    if sample.n_accepted >= n:
                        break
                if sample.n_accepted >= n:
                    break
            self.nr_evaluations_ = evaluations
            return sample

    return Streaming()


def _prepare(folder: Path, targets: Targets, fresh: bool) -> str:
    """The folder, checked: new, or holding a calibration of the same targets text."""
    if folder.exists() and not folder.is_dir():
        raise CalibrationError(f"--out {folder}: exists and is not a folder")
    if fresh and folder.is_dir():
        for name in FILES:
            (folder / name).unlink(missing_ok=True)
        _forget_checks(folder)
        figures = folder / FIGURES
        if figures.is_dir():  # the command's figures; a folder of anything else stays
            for figure in [*figures.glob("*.png"), *figures.glob("*.svg")]:
                figure.unlink()
            if not any(figures.iterdir()):
                figures.rmdir()
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / TARGETS_FILE
    if copy.exists():
        if not _same_calibration(copy.read_text(encoding="utf-8"), targets.text):
            raise CalibrationError(
                f"--out {folder}: holds a calibration of other targets ({TARGETS_FILE} differs); "
                "use --fresh to start over or another --out"
            )
        copy.write_text(targets.text, encoding="utf-8")  # more generations: the file now run
    else:
        others = sorted(p.name for p in folder.iterdir() if p.name not in FILES)
        if others:
            raise CalibrationError(
                f"--out {folder}: folder holds other files ({', '.join(others[:3])}); choose a "
                "new or empty folder"
            )
        copy.write_text(targets.text, encoding="utf-8")
    return f"sqlite:///{(folder / HISTORY).resolve()}"


def _forget_checks(folder: Path) -> None:
    """Delete the checks and screens of a posterior that is gone: their rows name particles
    by their row in ``posterior.parquet``, which now holds others."""
    for stale in [
        *folder.glob("check-R*-seed*.csv"),
        *folder.glob("screen-R*-seed*-particle*.csv"),
    ]:
        stale.unlink()


def _same_calibration(before: str, now: str) -> bool:
    """Whether two targets texts define the same calibration: equal but for comments and
    the number of generations, so raising ``generations`` continues a calibration."""
    import tomllib

    def content(text: str) -> dict[str, Any]:
        data = tomllib.loads(text)
        data.pop("generations", None)
        return data

    try:
        return content(before) == content(now)
    except tomllib.TOMLDecodeError:
        return False


def _generations_done(folder: Path) -> int:
    import sqlite3

    try:
        conn = sqlite3.connect(f"{(folder / HISTORY).resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT count(*) FROM populations WHERE t >= 0").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return 0
    return int(rows[0]) if rows else 0


def _generation_seed(seed: int, generation: int) -> int:
    """The generator's seed for one generation: fixed by the file's seed alone."""
    key = (generation + 1,)  # -1: the prior's calibration sample
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


def _write(
    folder: Path, targets: Targets, history: Any, argv: list[str] | None
) -> CalibrationReport:
    """The posterior, the per-generation diagnostics, the predictive values, the manifest."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = frame.reset_index(drop=True)
    posterior["weight"] = np.asarray(weights, float)
    _atomic(folder / POSTERIOR, lambda p: posterior.to_parquet(p, index=False))
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0].reset_index(drop=True)
    ess = []
    for t in populations["t"]:
        _, w = history.get_distribution(m=0, t=int(t))
        w = np.asarray(w, float)
        ess.append(float(w.sum() ** 2 / (w**2).sum()))
    table = pd.DataFrame(
        {
            "generation": populations["t"].astype(int),
            "tolerance": populations["epsilon"].astype(float),
            "simulations": populations["samples"].astype(int),
            "particles": populations["particles"].astype(int),
            "acceptance": populations["particles"] / populations["samples"],
            "ess": ess,
        }
    )
    _atomic(folder / POPULATIONS, lambda p: table.to_csv(p, **CSV_OPTIONS))
    weights_stats, stats = history.get_weighted_sum_stats(t=history.max_t)
    predictive = pd.DataFrame(stats)
    predictive["weight"] = np.asarray(weights_stats, float)
    _atomic(folder / PREDICTIVE, lambda p: predictive.to_csv(p, **CSV_OPTIONS))
    from simulation.experiments.provenance import manifest, utc_now

    record = manifest("calibrate", [], targets.seed, targets.replicates, argv or ())
    record.pop("scenarios", None)
    record.update(
        {
            "finished": utc_now().isoformat().replace("+00:00", "Z"),
            "targets": {
                "title": targets.title,
                "file": str(targets.path) if targets.path else None,
                "population": targets.population,
                "generations": targets.generations,
                "priors": {k: list(v) for k, v in targets.priors.items()},
                "base": targets.base,
            },
            "generations_done": len(table),
            "model_runs": int(table["simulations"].sum())
            * len(targets.settings)
            * targets.replicates,
            "files": list(FILES),
        }
    )
    _atomic(folder / MANIFEST, lambda p: Path(p).write_text(json.dumps(record, indent=2) + "\n"))
    return CalibrationReport(
        out=folder,
        generations=len(table),
        simulations=int(table["simulations"].sum()),
        posterior=posterior,
        populations=table,
    )


def point_estimate(
    posterior: pd.DataFrame,
    targets: Targets,
    chosen: int | None = None,
) -> dict[str, tuple[float, float, float]]:
    """Each calibrated parameter's point estimate (3 significant figures) and its central
    95% interval: the defaults ``--adopt`` writes.

    Without ``chosen``, the weighted marginal medians: no one particle's luck with its seeds
    becomes the defaults. With ``chosen``, that posterior row's values: a particle the check
    (:func:`best_checked`) or the screen (:func:`screen`) chose, because a posterior shaped
    like a ridge has marginal medians off the ridge, where the targets fail
    (docs/calibrate.md)."""
    w = posterior["weight"].to_numpy(float)
    out = {}
    for name in targets.priors:
        x = posterior[name].to_numpy(float)
        low, high = (weighted_quantile(x, w, q) for q in (0.025, 0.975))
        if chosen is None:
            value = _figures(weighted_quantile(x, w, 0.5))
            out[name] = (min(max(value, low), high), low, high)
        else:  # a particle may lie outside the marginal's central 95%: the interval widens
            value = _figures(float(posterior[name].iloc[chosen]))
            out[name] = (value, min(low, value), max(high, value))
    return out


def _figures(value: float) -> float:
    """A default as adopted: three significant figures."""
    return float(f"{value:.3g}")


def particle_point(posterior: pd.DataFrame, targets: Targets, particle: int) -> dict[str, float]:
    """A posterior particle's values as ``--adopt`` would write them."""
    return {name: _figures(float(posterior[name].iloc[particle])) for name in targets.priors}


def best_checked(check: pd.DataFrame, targets: Targets) -> int | None:
    """The posterior row of the checked particle that met every target deepest inside its
    bands, or None when none met them all (the first of :func:`ranked_checked`)."""
    ranked = ranked_checked(check, targets)
    return ranked[0] if ranked else None


def ranked_checked(check: pd.DataFrame, targets: Targets) -> list[int]:
    """The posterior rows of the checked particles that met every target, deepest inside
    their bands first.

    Every particle that meets every target has distance 0, so the distance cannot rank them;
    the margin does: each target's room to the nearer edge of its band, in band widths (or
    tolerances), and the particle whose smallest room is largest. Its facts hold furthest
    from the edges, the least likely to be undone by other seeds or a firm that differs a
    little (ties: the lower row)."""
    meets = check[(check["particle"] != CHECK_POINT) & (check["misses"] == 0)]
    ranked = meets.assign(margin=margins(meets, targets)).sort_values(
        ["margin", "particle"], ascending=[False, True])  # fmt: skip
    return [int(p) for p in ranked["particle"]]


LOAD: tuple[str, ...] = (
    "n_it",
    "request_rate",
    "n_marketing",
    "needs_it_share",
    "effort_mean",
    "change_budget",
    "team_rate",
    "review_work",
    "review_capacity",
    "it_core_capacity",
    "it_request_ratio",
    "channels_per_request",
)
"""The parameters that set the load on IT's queue: the work marketing and IT raise, and the
capacity that reviews and builds it. A queue's knee is crossed by moving these: the hand-set
defaults lost F1 at ``request_rate`` and ``change_budget`` ±20%, the fifth calibration's
particle at ``n_it``, ``n_marketing``, ``request_rate`` and ``needs_it_share`` (docs/calibrate.md).
``--point robust`` screens candidates under their moves, the likeliest to break first."""
SCREEN_REPLICATES = 10
"""Replicates per setting of the F1-F7 plan in a candidate's screen."""

POINTS = {
    "median": "the weighted median of each marginal",
    "checked": "the posterior particle that met every target, deepest inside its bands, when "
    "checked again at more replicates (--check)",
    "robust": "the posterior particle that met every target when checked again at more "
    "replicates (--check), deepest inside its bands among those whose F1-F7 held under every "
    f"±20% move of the {len(LOAD)} parameters that set IT's load ({SCREEN_REPLICATES} "
    "replicates)",
}
"""The point estimates ``--adopt`` can make the defaults, as its page names them."""


def screen_path(folder: Path, replicates: int, seed: int, particle: int) -> Path:
    return Path(folder) / f"screen-R{replicates}-seed{seed}-particle{particle}.csv"


def screen(
    folder: Path | str,
    check: pd.DataFrame,
    targets: Targets,
    replicates: int = SCREEN_REPLICATES,
    seed: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Any = None,
) -> int | None:
    """The particle ``--point robust`` adopts: of the checked particles that met every
    target, deepest inside first (:func:`ranked_checked`), the first whose F1-F7 all hold
    under each ±20% move of :data:`LOAD` around the values it would be adopted with; None
    when no candidate holds.

    A candidate is dropped at its first move that breaks a fact. Each candidate's moves go
    to ``screen-R<replicates>-seed<seed>-particle<p>.csv`` in the folder as they finish (the
    robustness table's format), so a killed screen resumes. The full check of every
    parameter at 20 replicates (``dtsim validate --robustness``) follows the adoption; this
    screen only chooses which particle to adopt."""
    from simulation.experiments.robustness import RobustnessError, robustness

    folder = Path(folder)
    posterior = pd.read_parquet(folder / POSTERIOR)
    candidates = ranked_checked(check, targets)
    for n, particle in enumerate(candidates, 1):
        if progress is not None:
            progress(f"screen: candidate {n} of {len(candidates)}, particle {particle}")
        path = screen_path(folder, replicates, seed, particle)
        try:
            rows = robustness(
                path,
                replicates,
                seed,
                workers,
                scheduler,
                names=LOAD,
                base=particle_point(posterior, targets, particle),
                progress=progress,
                until_failure=True,
                calibrated=False,
            )
        except RobustnessError as exc:
            raise RobustnessError(
                f"{path}: a screen measured with other model code (the model changed since); "
                f"delete {folder}/screen-*.csv to screen again"
            ) from exc
        if not any(r["failed"] for r in rows):
            return particle
    return None


def margins(check: pd.DataFrame, targets: Targets) -> pd.Series:
    """Each checked row's smallest room inside its targets' bands, in band widths (or
    tolerances); negative for a row that misses one."""
    room = [
        np.minimum(check[t.name] - t.low, t.high - check[t.name]) / t.scale for t in targets.targets
    ]
    return pd.concat(room, axis=1).min(axis=1)


def write_calibrated(
    estimate: dict[str, tuple[float, float, float]],
    folder: Path,
    path: Path,
    point: str = "median",
) -> None:
    """``simulation/model/calibrated.toml``: the point estimates params.py adopts."""
    lines = [
        f"# The calibrated defaults: the posterior point estimate ({POINTS[point]}) of each",
        "# parameter and its posterior interval. Written by `dtsim calibrate --adopt` from",
        f"# {folder.name}/ (docs/CALIBRATION.md); do not edit by hand.",
        "",
        "[parameters]",
    ]
    for name, (value, low, high) in estimate.items():
        lines.append(f"{name} = {{ value = {value!r}, low = {low!r}, high = {high!r} }}")
    _atomic(path, lambda p: Path(p).write_text("\n".join(lines) + "\n", encoding="utf-8"))


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(str(tmp))
    os.replace(tmp, path)


CHECK_POINT = -1
"""The ``particle`` of the point estimate's row in a posterior check."""


def check_path(folder: Path, replicates: int, seed: int) -> Path:
    return Path(folder) / f"check-R{replicates}-seed{seed}.csv"


def check_posterior(
    folder: Path | str,
    replicates: int,
    seed: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every posterior particle, and the point estimate, simulated again at ``replicates``
    replicates from ``seed``: whether the targets hold beyond the one particle's luck.

    The calibration accepts a particle on few replicates, so its predictive values carry
    that noise; this is the check before adopting. One row per parameter set (``particle``
    its row in ``posterior.parquet``, :data:`CHECK_POINT` the point estimate), appended to
    ``check-R<replicates>-seed<seed>.csv`` in the folder as each finishes: a killed check
    resumes where it stopped."""
    import dataclasses

    folder = Path(folder)
    if not (folder / POSTERIOR).is_file():
        raise CalibrationError(f"{folder}: no {POSTERIOR}; run the calibration first")
    targets = dataclasses.replace(load_targets(folder / TARGETS_FILE), replicates=replicates)
    posterior = pd.read_parquet(folder / POSTERIOR)
    sets = {CHECK_POINT: {k: v for k, (v, _, _) in point_estimate(posterior, targets).items()}}
    weights = {CHECK_POINT: 0.0}
    for i, (_, row) in enumerate(posterior.iterrows()):
        sets[i] = {name: float(row[name]) for name in targets.priors}
        weights[i] = float(row["weight"])
    path = check_path(folder, replicates, seed)
    done = set(pd.read_csv(path)["particle"].astype(int)) if path.is_file() else set()
    names = [t.name for t in targets.targets]
    started = time.perf_counter()
    tasks = len(targets.settings) * replicates
    with open_executor(workers, scheduler, tasks, min_pool=POOL_MIN_RUNS) as executor:
        for n, (particle, theta) in enumerate(sets.items(), 1):
            if particle in done:
                continue
            sim = simulate(targets, theta, seed, executor)
            out = [t.name for t in targets.targets if not t.low <= sim[t.name] <= t.high]
            row = {
                "particle": particle,
                "weight": weights[particle],
                "distance": distance(targets, sim),
                "misses": len(out),
                **{name: sim[name] for name in names},
            }
            new = not path.is_file()
            pd.DataFrame([row]).to_csv(path, mode="a", header=new, **CSV_OPTIONS)
            if progress and n % PROGRESS_EVERY == 0:
                elapsed = time.perf_counter() - started
                print(f"  {n} of {len(sets)} checked in {elapsed:.0f} s", file=sys.stderr)
    return pd.read_csv(path)


def check_lines(check: pd.DataFrame, targets: Targets) -> list[str]:
    """A posterior check in words: how many particles meet every target, and each target's
    misses, most missed first; then the point estimate's misses with their values."""
    particles = check[check["particle"] != CHECK_POINT]
    lines = [
        f"{int((particles['misses'] == 0).sum())} of {len(particles)} posterior particles "
        "meet every target; particles out of each target's band:"
    ]
    missed = {
        t.name: int((~particles[t.name].between(t.low, t.high)).sum()) for t in targets.targets
    }
    width = max(map(len, missed))
    for name, count in sorted(missed.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<{width}}  {count}")
    best = best_checked(check, targets)
    if best is not None:
        room = float(margins(check[check["particle"] == best], targets).iloc[0])
        lines.append(
            f"deepest inside every band: particle {best} (its nearest band edge "
            f"{room:.2f} band widths away; --adopt --point checked adopts it)"
        )
    point = check[check["particle"] == CHECK_POINT]
    if len(point):
        row = point.iloc[0]
        outs = [
            f"{t.name} {row[t.name]:.3g} (band {t.low:g}-{t.high:g})"
            for t in targets.targets
            if not t.low <= row[t.name] <= t.high
        ]
        lines.append(
            f"the point estimate misses {len(outs)}" + (": " + "; ".join(outs) if outs else "")
        )
    return lines


def summary_lines(report: CalibrationReport, targets: Targets) -> list[str]:
    """What a researcher reads first: each parameter's weighted mean and 95% interval."""
    lines = [
        f"calibration: {report.generations} generations, {report.simulations} particles "
        f"simulated; posterior of {len(report.posterior)} particles in {report.out}"
    ]
    weights = report.posterior["weight"].to_numpy()
    for name in targets.priors:
        values = report.posterior[name].to_numpy()
        low = weighted_quantile(values, weights, 0.025)
        high = weighted_quantile(values, weights, 0.975)
        mean = float(np.average(values, weights=weights))
        lines.append(f"  {name}: {mean:.4g} [{low:.4g}, {high:.4g}] (prior {targets.priors[name]})")
    last = report.populations.iloc[-1]
    lines.append(
        f"  last generation: tolerance {last['tolerance']:.3g}, acceptance "
        f"{last['acceptance']:.2f}, effective sample size {last['ess']:.0f}"
    )
    return lines


__all__ = [
    "FILES",
    "LOAD",
    "CalibrationError",
    "CalibrationReport",
    "calibrate",
    "check_lines",
    "check_posterior",
    "distance",
    "particle_point",
    "point_estimate",
    "ranked_checked",
    "screen",
    "simulate",
    "summary_lines",
    "write_calibrated",
]
