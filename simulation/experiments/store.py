"""The results store of a sweep: one SQLite file that every finished run is committed to.

The one module that touches the file. In the flow: :mod:`simulation.experiments.sweep` (the
coordinating process, and only it) writes through :func:`create` and :func:`write_result`;
the analysis, figures and reports read tidy frames through :func:`load_results`,
:func:`load_series` and :func:`read_meta` (any SQL client can read it too). A *design point*
is one setting of the varied parameters; its replicates differ only in the seed.

A sweep folder ``DIR`` holds:

- ``results.sqlite``: the store (WAL journal), tables below;
- ``experiment.toml``: the experiment file as it was first run;
- ``manifest.json``: versions, git commit, command lines, fingerprint, UTC times;
- ``.lock``: while a sweep runs, locked by it and holding its pid (a second sweep on the
  folder is refused; the kernel drops the lock when the process dies).

Tables (the contract the results side reads)::

    meta(key TEXT PRIMARY KEY, value TEXT)
        fingerprint, experiment (the TOML text), varied (JSON list, file order),
        outcomes (JSON list of summary keys), series (JSON list), replicates, n_runs,
        plus name, title, sampler, seed, n_points, weeks, design (canonical JSON),
        store_version, code (the engine's code_hash: a resume with other model code is
        refused)
    runs(run INTEGER PRIMARY KEY, point INTEGER, replicate INTEGER, seed INTEGER,
         status TEXT CHECK(status IN ('ok','failed')), params TEXT, summary TEXT,
         error TEXT, elapsed REAL, worker TEXT)
        params: JSON of the varied values; summary: JSON of simulation.model.reporters.summarize
        (NaN as null; null for a failed run); error: the last line of a failed run's
        traceback; elapsed: seconds the run took in its worker; worker: host:pid
    series(run INTEGER, week INTEGER, name TEXT, value REAL, PRIMARY KEY(run, week, name))
        the kept per-week reporters only (NaN as NULL)

Why SQLite: each run is committed in its own transaction, so a crash or a kill leaves the
store consistent with at most the in-flight runs missing; it is one file, queryable with
SQL from any language, and it is in Python's standard library. The journal is WAL with
``synchronous=NORMAL``: a commit survives the process being killed; after a power cut the
last few commits may be lost, never the file's consistency.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.files import CSV_OPTIONS
from simulation.model.params import PARAMETERS
from simulation.text import one_line

STORE_FILE = "results.sqlite"
EXPERIMENT_FILE = "experiment.toml"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
"""Held (``flock``) by the one sweep writing to the folder; holds its pid."""
FILES: tuple[str, ...] = (
    STORE_FILE,
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    EXPERIMENT_FILE,
    MANIFEST_FILE,
    LOCK_FILE,
)
"""Every file a sweep writes in its folder (``--fresh`` deletes these)."""

SENSITIVITY_CSV = "sensitivity.csv"
DISCOVERY_CSV = "discovery.csv"
REPORT_FILE = "report.html"
FIGURES_DIR = "figures"
ANALYSIS_FILES: tuple[str, ...] = (SENSITIVITY_CSV, DISCOVERY_CSV, REPORT_FILE)
"""What ``dtsim sensitivity``, ``discover`` and ``report`` write beside a sweep's store, from
its results: ``--fresh`` deletes them too (they describe the runs it deletes). The figures
folder (``dtsim plot``, the studies' figures) is theirs as well, but may hold a user's own
files, so ``--fresh`` leaves it; the next analysis writes its figures over the old ones."""

STORE_VERSION = 1

ID_COLUMNS: tuple[str, ...] = ("run", "point", "replicate", "seed")
"""First columns of :func:`load_results`, before the varied parameters."""

FORMATS: dict[str, str] = {"parquet": "results.parquet", "csv": "results.csv"}
"""Export formats of :func:`export_results` and the file each writes by default."""


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE runs (
    run INTEGER PRIMARY KEY,
    point INTEGER NOT NULL,
    replicate INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    params TEXT NOT NULL,
    summary TEXT,
    error TEXT,
    elapsed REAL,
    worker TEXT
);
CREATE TABLE series (
    run INTEGER NOT NULL,
    week INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run, week, name)
) WITHOUT ROWID;
"""


class StoreError(ValueError):
    """A folder holds no usable store, or one of another experiment, or it cannot be read;
    the message is one line."""


ResultsError = StoreError
"""The name the reading side's callers know (``from simulation import ...``)."""


class StoreWriteError(RuntimeError):
    """The system refused to write the store (a full disk, an I/O error); one line.

    A failed commit is rolled back, so the store holds every run committed before it.
    """


def database_error(path: Path, exc: sqlite3.Error) -> StoreError | StoreWriteError:
    """A damaged file is not a usable store (StoreError); anything else is the system
    refusing to write (StoreWriteError). Either way one line, not SQLite's traceback."""
    name = getattr(exc, "sqlite_errorname", "")
    text = one_line(str(exc))
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text:
        return StoreError(f"{path}: the store is damaged ({text})")
    return StoreWriteError(f"{path}: cannot write the store ({text})")


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode (readers never block the writer, nor it them)."""
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def update_meta(conn: sqlite3.Connection, values: Mapping[str, Any]) -> None:
    """Set meta keys of an open store (the wording and prices of a resumed experiment)."""
    with conn:
        conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [(key, _meta_text(value)) for key, value in values.items()],
        )


def create(path: Path, meta: Mapping[str, Any]) -> None:
    """Create a store with its schema and ``meta``, atomically.

    The file is built under a temporary name and renamed into place, so that a kill during
    creation leaves either no store or a complete one.
    """
    tmp = path.with_name(path.name + ".tmp")
    leftovers = (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        conn = connect(tmp)
        try:
            conn.execute("BEGIN")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(key, _meta_text(value)) for key, value in meta.items()],
            )
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:  # a full disk: leave no half-made store behind
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise


def meta_text(path: Path) -> dict[str, str]:
    """The ``meta`` table as text; StoreError when the file is not a complete store."""
    try:
        conn = connect(path, readonly=True)
        try:
            rows = conn.execute("SELECT key, value FROM meta").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a dtsim results store ({exc})") from None
    meta = dict(rows)
    if "fingerprint" not in meta:
        raise StoreError(f"{path}: not a complete dtsim results store (no fingerprint)")
    return meta


def run_statuses(conn: sqlite3.Connection) -> dict[int, str]:
    """Run id -> status of every run in the store."""
    return dict(conn.execute("SELECT run, status FROM runs"))


def write_result(
    conn: sqlite3.Connection,
    result: Mapping[str, Any],
    point: int,
    replicate: int,
    seed: int,
    params: Mapping[str, Any],
) -> bool:
    """Commit one finished run (and its series) in one transaction; True if it was new.

    ``INSERT OR IGNORE`` on the run id: a run delivered twice (a retried task) is stored
    once. A run stored as failed is replaced by a later successful delivery (``dtsim sweep
    --retry-failed``), in the same transaction, so the failed row goes only when the new one
    is in.
    """
    run = int(result["run"])
    ok = result["status"] == "ok"
    summary = json_text(result.get("summary")) if ok else None
    conn.execute("BEGIN IMMEDIATE")
    try:
        if ok:
            conn.execute("DELETE FROM runs WHERE run = ? AND status = 'failed'", (run,))
        cursor = conn.execute(
            "INSERT OR IGNORE INTO runs (run, point, replicate, seed, status, params, summary, "
            "error, elapsed, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run,
                point,
                replicate,
                seed,
                result["status"],
                json_text(dict(params)),
                summary,
                result.get("error"),
                result.get("elapsed"),
                result.get("worker"),
            ),
        )
        new = cursor.rowcount == 1
        if new and ok and result.get("series"):
            conn.executemany(
                "INSERT OR IGNORE INTO series (run, week, name, value) VALUES (?, ?, ?, ?)",
                ((run, week, name, _real(value)) for week, name, value in result["series"]),
            )
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may have rolled back already (a full disk does): roll back only what is
        # open, and let a failed rollback not hide the error that caused it.
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    return new


def json_text(value: Any) -> str:
    """JSON with NaN and infinities as null (JSON has no such numbers), numpy scalars as
    Python numbers; keys in their given order."""
    return json.dumps(_plain(value), allow_nan=False, separators=(",", ":"))


def runs_frame(folder: Path | str) -> Any:
    """The ``runs`` table of a sweep folder as a pandas frame, sorted by run (for checks;
    :func:`load_results` is the analysis entry point)."""
    import pandas as pd

    conn = connect(Path(folder) / STORE_FILE, readonly=True)
    try:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run", conn)
    finally:
        conn.close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


def _real(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _meta_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(_plain(value), allow_nan=False)


# --- reading: tidy frames ---------------------------------------------------------------


_META_KEYS: tuple[str, ...] = ("varied", "outcomes")
"""Keys a store's ``meta`` must hold for this module to read it."""


@dataclass(frozen=True)
class StoreMeta:
    """The ``meta`` table of a store, parsed."""

    folder: Path
    fingerprint: str
    experiment: str
    varied: tuple[str, ...]
    outcomes: tuple[str, ...]
    series: tuple[str, ...]
    replicates: int | None
    n_runs: int | None
    draws: tuple[int, ...] = ()
    """Each replicate's posterior particle, for a sweep run with ``--posterior``."""
    base: dict[str, Any] = field(default_factory=dict, hash=False)
    """The base scenario's full parameter set, as the design recorded it."""
    fixed: tuple[str, ...] | None = None
    """The parameters the base scenario sets itself (None: a store from before they were kept)."""
    posterior: dict[str, Any] | None = field(default=None, hash=False)
    """Which posterior the replicates drew from (``--posterior``), if any."""

    @property
    def table(self) -> dict[str, Any]:
        """The experiment file as stored, parsed; empty if the stored text is not TOML."""
        try:
            return tomllib.loads(self.experiment)
        except tomllib.TOMLDecodeError:
            return {}

    @property
    def title(self) -> str:
        """The experiment's ``title`` (or ``name``) from its TOML text, else the folder name."""
        table = self.table
        for key in ("title", "name"):
            if isinstance(table.get(key), str) and table[key].strip():
                return table[key].strip()
        return self.folder.name


# --- reading the store -----------------------------------------------------------------


def store_path(directory: str | Path) -> Path:
    """``DIR/results.sqlite``, checked to exist; a path to the store file itself is accepted."""
    folder = Path(directory)
    if folder.is_file() and folder.name == STORE_FILE:
        return folder
    if not folder.exists():
        raise StoreError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise StoreError(f"{folder}: not a folder; give the folder of a dtsim sweep")
    path = folder / STORE_FILE
    if not path.is_file():
        raise StoreError(f"{folder}: no {STORE_FILE}; not the folder of a dtsim sweep")
    return path


def read_meta(directory: str | Path) -> StoreMeta:
    """The parsed ``meta`` table of a sweep's store; StoreError when it is not a dtsim store."""
    path = store_path(directory)
    with _connect(path) as db:
        return _meta(db, path)


def load_results(directory: str | Path, include_failed: bool = False) -> pd.DataFrame:
    """One row per run: ids, the varied parameters, every summary key.

    Columns: ``run, point, replicate, seed`` (int64), ``draw`` (the replicate's posterior
    particle, for a sweep run with ``--posterior``), then the varied parameters in the
    experiment file's order, each in its declared type (:data:`simulation.model.params.PARAMETERS`),
    then the summary keys of the store's ``outcomes`` (float64; NaN where the run stored null
    or lacked the key). Rows are the runs with status ``ok``, by run number. With
    ``include_failed`` the failed runs are kept too, and ``status`` and ``error`` columns are
    added at the end (their outcomes are NaN). ``frame.attrs["varied"]`` lists the varied
    parameters, which :func:`best_settings` and :func:`pareto_set` read.
    """
    path = store_path(directory)
    with _connect(path) as db:
        meta = _meta(db, path)
        where = "" if include_failed else "WHERE status = 'ok'"
        rows = _query(
            db,
            path,
            "SELECT run, point, replicate, seed, status, params, summary, error "
            f"FROM runs {where} ORDER BY run",
        )
    ids = {c: np.array([r[i] for r in rows], dtype=np.int64) for i, c in enumerate(ID_COLUMNS)}
    params = [_json(r[5], path, r[0], "params") for r in rows]
    summaries = [_json(r[6], path, r[0], "summary") for r in rows]
    outcomes = list(meta.outcomes) or _keys_in_order(summaries)
    columns: dict[str, Any] = dict(ids)
    if meta.draws:
        if len(meta.draws) != (meta.replicates or 0):
            raise StoreError(
                f"{path}: meta draws has {len(meta.draws)} entries, not one a replicate"
            )
        columns["draw"] = np.array([meta.draws[r] for r in ids["replicate"]], dtype=np.int64)
    for name in meta.varied:
        columns[name] = _typed(name, [p.get(name) for p in params])
    for key in outcomes:
        if key in columns:
            raise StoreError(f"{path}: outcome {key!r} has the name of an id or parameter")
        columns[key] = np.array([_float(s.get(key)) for s in summaries], dtype=np.float64)
    if include_failed:
        columns["status"] = pd.Series([r[4] for r in rows], dtype="str")
        columns["error"] = pd.Series([r[7] for r in rows], dtype="object")
    frame = pd.DataFrame(columns)
    frame.attrs["varied"] = list(meta.varied)
    return frame


def load_series(directory: str | Path, names: Iterable[str] | None = None) -> pd.DataFrame:
    """The kept weekly reporters of the successful runs, long, with their design point.

    Columns: ``run, point, replicate``, the varied parameters, then ``week, name, value``;
    rows by run, then reporter (in the store's ``series`` order), then week. ``names`` keeps
    only those reporters.
    """
    path = store_path(directory)
    with _connect(path) as db:
        meta = _meta(db, path)
        wanted = None if names is None else list(dict.fromkeys(names))
        sql = (
            "SELECT s.run, s.week, s.name, s.value FROM series s JOIN runs r ON r.run = s.run "
            "WHERE r.status = 'ok'"
        )
        args: list[Any] = []
        if wanted is not None:
            sql += f" AND s.name IN ({', '.join('?' * len(wanted))})"
            args = wanted
        rows = _query(db, path, sql, args)
        run_rows = _query(
            db, path, "SELECT run, point, replicate, params FROM runs WHERE status = 'ok'"
        )
    runs = pd.DataFrame(
        {
            "run": np.array([r[0] for r in run_rows], dtype=np.int64),
            "point": np.array([r[1] for r in run_rows], dtype=np.int64),
            "replicate": np.array([r[2] for r in run_rows], dtype=np.int64),
        }
    )
    params = [_json(r[3], path, r[0], "params") for r in run_rows]
    for name in meta.varied:
        runs[name] = _typed(name, [p.get(name) for p in params])
    long = pd.DataFrame(
        {
            "run": np.array([r[0] for r in rows], dtype=np.int64),
            "week": np.array([r[1] for r in rows], dtype=np.int64),
            "name": pd.Series([r[2] for r in rows], dtype="str"),
            "value": np.array([_float(r[3]) for r in rows], dtype=np.float64),
        }
    )
    order = {name: i for i, name in enumerate(meta.series)}
    rank = long["name"].map(lambda n: order.get(n, len(order))).astype(np.int64)
    long = (
        long.assign(_rank=rank)
        .sort_values(["run", "_rank", "name", "week"], kind="stable")
        .drop(columns="_rank")
    )
    frame = runs.merge(long, on="run", how="inner", validate="one_to_many")
    frame = frame.reset_index(drop=True)
    frame.attrs["varied"] = list(meta.varied)
    return frame


# --- export ----------------------------------------------------------------------------


def export_results(directory: str | Path, fmt: str, out: str | Path | None = None) -> Path:
    """Write :func:`load_results` as ``DIR/results.parquet`` or ``DIR/results.csv``.

    ``out`` names another file (or a folder to write the default name into). The CSV uses
    :data:`CSV_OPTIONS`, so it is byte-identical for the same store; NaN is an empty field.
    The file is written beside its target and renamed into place, so a reader never sees half
    of it. Returns the path written.
    """
    if fmt not in FORMATS:
        raise StoreError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    frame = load_results(directory)
    folder = store_path(directory).parent
    target = folder / FORMATS[fmt] if out is None else Path(out)
    if target.is_dir():
        target = target / FORMATS[fmt]
    if not target.parent.is_dir():
        raise StoreError(f"{target}: folder {target.parent} does not exist")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise StoreError("parquet export needs pyarrow: pip install pyarrow") from None
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if fmt == "csv":
            frame.to_csv(temporary, **CSV_OPTIONS)
        else:
            frame.to_parquet(temporary, index=False)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; follow the umask
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


# --- design points ---------------------------------------------------------------------


def varied_columns(frame: pd.DataFrame) -> list[str]:
    """The varied parameters of a results frame: ``attrs["varied"]``, else its parameter columns."""
    varied = frame.attrs.get("varied")
    if varied is not None:
        return [name for name in varied if name in frame.columns]
    return [c for c in frame.columns if c in PARAMETERS]


# --- helpers ---------------------------------------------------------------------------


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection, closed on leaving the ``with`` block."""
    try:
        db = connect(path, readonly=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    try:
        yield db
    finally:
        db.close()


def _query(db: sqlite3.Connection, path: Path, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
    try:
        with closing(db.execute(sql, list(args))) as cursor:
            return cursor.fetchall()
    except sqlite3.DatabaseError as exc:
        raise _store_error(path, exc) from None


def _store_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """A locked store is busy (a sweep writing to it); anything else is not a dtsim store."""
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return StoreError(f"{path}: the store is busy ({exc}); try again in a moment")
    return StoreError(f"{path}: not a dtsim results store ({exc})")


def _meta(db: sqlite3.Connection, path: Path) -> StoreMeta:
    try:
        with closing(db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) as c:
            tables = {row[0] for row in c.fetchall()}
    except sqlite3.DatabaseError as exc:
        raise _store_error(path, exc) from None
    missing = sorted({"meta", "runs"} - tables)
    if missing:
        raise StoreError(f"{path}: not a dtsim results store (no {' or '.join(missing)} table)")
    values = dict(_query(db, path, "SELECT key, value FROM meta"))
    absent = [k for k in _META_KEYS if k not in values]
    if absent:
        raise StoreError(f"{path}: not a dtsim results store (meta lacks {', '.join(absent)})")

    def names(key: str, kind: type = str, what: str = "names") -> tuple[Any, ...]:
        text = values.get(key)
        if text is None:
            return ()
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(n, kind) for n in parsed):
            raise StoreError(f"{path}: meta {key} is not a JSON list of {what}: {text!r:.60}")
        return tuple(parsed)

    def number(key: str) -> int | None:
        try:
            return int(values[key]) if values.get(key) is not None else None
        except ValueError:
            raise StoreError(f"{path}: meta {key} is not a whole number: {values[key]!r}") from None

    return StoreMeta(
        folder=path.parent,
        fingerprint=str(values.get("fingerprint") or ""),
        experiment=str(values.get("experiment") or ""),
        varied=names("varied"),
        outcomes=names("outcomes"),
        series=names("series"),
        replicates=number("replicates"),
        n_runs=number("n_runs"),
        draws=names("draws", int, "whole numbers"),
        base=_object(values.get("design"), path, "design").get("base_parameters") or {},
        fixed=names("fixed") if "fixed" in values else None,
        posterior=_object(values.get("posterior"), path, "posterior") or None,
    )


def _object(text: str | None, path: Path, key: str) -> dict[str, Any]:
    """A meta value that holds a JSON object ({} when absent)."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise StoreError(f"{path}: meta {key} is not a JSON object: {text!r:.60}")
    return value


def _json(text: str | None, path: Path, run: int, column: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: run {run}: {column} is not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise StoreError(f"{path}: run {run}: {column} is not a JSON object")
    return value


def _float(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _typed(name: str, values: list[Any]) -> pd.Series:
    """A varied parameter's values in its declared type (nullable when a run lacks it)."""
    spec = PARAMETERS.get(name)
    if spec is None:
        return pd.Series(values)
    if spec.kind is int:
        if any(v is None for v in values):
            return pd.Series([None if v is None else int(v) for v in values], dtype="Int64")
        return pd.Series([int(v) for v in values], dtype=np.int64)
    return pd.Series([_float(v) for v in values], dtype=np.float64)


def _keys_in_order(summaries: list[dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for summary in summaries:
        keys.update(dict.fromkeys(summary))
    return list(keys)


def finished_runs(directory: str | Path) -> tuple[StoreMeta, pd.DataFrame, int]:
    """A store's meta, its successful runs (without status and error) and how many failed."""
    meta = read_meta(directory)
    everything = load_results(directory, include_failed=True)
    frame = everything[everything["status"] == "ok"].drop(columns=["status", "error"])
    frame.attrs["varied"] = list(meta.varied)
    return meta, frame, len(everything) - len(frame)


def ok_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (``status`` ok); a frame without a status is all finished."""
    if "status" in frame.columns:
        return frame[frame["status"] == "ok"]
    return frame


__all__ = [
    "CSV_OPTIONS",
    "EXPERIMENT_FILE",
    "FILES",
    "FORMATS",
    "ID_COLUMNS",
    "LOCK_FILE",
    "MANIFEST_FILE",
    "STORE_FILE",
    "STORE_VERSION",
    "ResultsError",
    "StoreError",
    "StoreMeta",
    "StoreWriteError",
    "connect",
    "create",
    "database_error",
    "export_results",
    "finished_runs",
    "json_text",
    "load_results",
    "load_series",
    "meta_text",
    "ok_runs",
    "read_meta",
    "run_statuses",
    "runs_frame",
    "store_path",
    "varied_columns",
    "write_result",
]
