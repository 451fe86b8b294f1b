"""The results store of a sweep: one SQLite file that every finished run is committed to.

In the flow: :mod:`simulation.experiments.sweep` (the coordinating process, and only it) writes here;
``simulation.experiments.results`` and any SQL client read. A sweep folder ``DIR`` holds:

- ``results.sqlite``: the store (WAL journal), tables below;
- ``experiment.toml``: the experiment file as it was first run;
- ``manifest.json``: versions, git commit, command lines, fingerprint, UTC times.

Tables (the contract the results side reads)::

    meta(key TEXT PRIMARY KEY, value TEXT)
        fingerprint, experiment (the TOML text), varied (JSON list, file order),
        outcomes (JSON list of summary keys), series (JSON list), replicates, n_runs,
        plus name, title, sampler, seed, n_points, weeks, design (canonical JSON),
        store_version
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STORE_FILE = "results.sqlite"
EXPERIMENT_FILE = "experiment.toml"
MANIFEST_FILE = "manifest.json"
FILES: tuple[str, ...] = (
    STORE_FILE,
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    EXPERIMENT_FILE,
    MANIFEST_FILE,
)
"""Every file a sweep writes in its folder (``--fresh`` deletes these and nothing else)."""

STORE_VERSION = 1

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
    """A folder holds no usable store, or one of another experiment; one line."""


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode (readers never block the writer, nor it them)."""
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def create(path: Path, meta: Mapping[str, Any]) -> None:
    """Create a store with its schema and ``meta``, atomically.

    The file is built under a temporary name and renamed into place, so that a kill during
    creation leaves either no store or a complete one.
    """
    tmp = path.with_name(path.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
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


def read_meta(path: Path) -> dict[str, str]:
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


def finished_runs(conn: sqlite3.Connection) -> dict[int, str]:
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
        conn.execute("ROLLBACK")
        raise
    return new


def json_text(value: Any) -> str:
    """JSON with NaN and infinities as null (JSON has no such numbers), numpy scalars as
    Python numbers; keys in their given order."""
    return json.dumps(_plain(value), allow_nan=False, separators=(",", ":"))


def runs_frame(folder: Path | str) -> Any:
    """The ``runs`` table of a sweep folder as a pandas frame, sorted by run (for checks;
    ``simulation.experiments.results.load_results`` is the analysis entry point)."""
    import pandas as pd

    conn = connect(Path(folder) / STORE_FILE, readonly=True)
    try:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run", conn)
    finally:
        conn.close()


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


__all__ = [
    "EXPERIMENT_FILE",
    "FILES",
    "MANIFEST_FILE",
    "STORE_FILE",
    "STORE_VERSION",
    "StoreError",
    "connect",
    "create",
    "finished_runs",
    "json_text",
    "read_meta",
    "runs_frame",
    "write_result",
]
