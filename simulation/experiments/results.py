"""Reading a sweep's results store: tidy frames, exports, the best settings and the Pareto set.

Sits after the sweep runner in the flow (``simulation/experiments/sweep`` writes ``DIR/results.sqlite``;
this module only reads it, never the model): parameters in, tidy frame out, then statistics
over design points. Matplotlib is not imported here; the figures are in
:mod:`simulation.viz.sweep_plots`.

The store (written by the sweep runner) holds three tables:

- ``meta(key, value)``: ``fingerprint``, ``experiment`` (the experiment's TOML text),
  ``varied`` (JSON list of the varied parameters, in file order), ``outcomes`` (JSON list of
  summary keys), ``series`` (JSON list of the weekly reporters kept), ``replicates``,
  ``n_runs``;
- ``runs(run, point, replicate, seed, status, params, summary, error, elapsed, worker)``:
  one row per run; ``params`` and ``summary`` are JSON objects (NaN stored as null);
- ``series(run, week, name, value)``: the kept weekly reporters, long.

A *design point* is one setting of the varied parameters; its replicates differ only in the
seed. Everything here that ranks settings works on the replicate means of design points.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.model.params import PARAMETERS

STORE = "results.sqlite"
"""File name of the store inside a sweep's folder."""

ID_COLUMNS: tuple[str, ...] = ("run", "point", "replicate", "seed")
"""First columns of :func:`load_results`, before the varied parameters."""

FORMATS: dict[str, str] = {"parquet": "results.parquet", "csv": "results.csv"}
"""Export formats of :func:`export_results` and the file each writes by default."""

CSV_OPTIONS: dict[str, Any] = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}
"""Fixed formatting, so the same store gives a byte-identical CSV file (as ``dtsim run``)."""

_META_KEYS: tuple[str, ...] = ("varied", "outcomes")
"""Keys a store's ``meta`` must hold for this module to read it."""


class ResultsError(ValueError):
    """A sweep folder or store cannot be read; the message is one line."""


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
    if folder.is_file() and folder.name == STORE:
        return folder
    if not folder.exists():
        raise ResultsError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ResultsError(f"{folder}: not a folder; give the folder of a dtsim sweep")
    path = folder / STORE
    if not path.is_file():
        raise ResultsError(f"{folder}: no {STORE}; not the folder of a dtsim sweep")
    return path


def read_meta(directory: str | Path) -> StoreMeta:
    """The parsed ``meta`` table of a sweep's store; ResultsError when it is not a dtsim store."""
    path = store_path(directory)
    with _connect(path) as db:
        return _meta(db, path)


def load_results(directory: str | Path, include_failed: bool = False) -> pd.DataFrame:
    """One row per run: ids, the varied parameters, every summary key.

    Columns: ``run, point, replicate, seed`` (int64), then the varied parameters in the
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
    for name in meta.varied:
        columns[name] = _typed(name, [p.get(name) for p in params])
    for key in outcomes:
        if key in columns:
            raise ResultsError(f"{path}: outcome {key!r} has the name of an id or parameter")
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
        raise ResultsError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    frame = load_results(directory)
    folder = store_path(directory).parent
    target = folder / FORMATS[fmt] if out is None else Path(out)
    if target.is_dir():
        target = target / FORMATS[fmt]
    if not target.parent.is_dir():
        raise ResultsError(f"{target}: folder {target.parent} does not exist")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ResultsError("parquet export needs pyarrow: pip install pyarrow") from None
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if fmt == "csv":
            frame.to_csv(temporary, **CSV_OPTIONS)
        else:
            frame.to_parquet(temporary, index=False)
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


class _Connection:
    """A read-only SQLite connection that is closed on leaving the ``with`` block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise ResultsError(f"{path}: cannot open ({exc})") from None

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def _connect(path: Path) -> _Connection:
    return _Connection(path)


def _query(db: sqlite3.Connection, path: Path, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
    try:
        with closing(db.execute(sql, list(args))) as cursor:
            return cursor.fetchall()
    except sqlite3.DatabaseError as exc:
        raise _store_error(path, exc) from None


def _store_error(path: Path, exc: sqlite3.DatabaseError) -> ResultsError:
    """A locked store is busy (a sweep writing to it); anything else is not a dtsim store."""
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return ResultsError(f"{path}: the store is busy ({exc}); try again in a moment")
    return ResultsError(f"{path}: not a dtsim results store ({exc})")


def _meta(db: sqlite3.Connection, path: Path) -> StoreMeta:
    try:
        with closing(db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) as c:
            tables = {row[0] for row in c.fetchall()}
    except sqlite3.DatabaseError as exc:
        raise _store_error(path, exc) from None
    missing = sorted({"meta", "runs"} - tables)
    if missing:
        raise ResultsError(f"{path}: not a dtsim results store (no {' or '.join(missing)} table)")
    values = dict(_query(db, path, "SELECT key, value FROM meta"))
    absent = [k for k in _META_KEYS if k not in values]
    if absent:
        raise ResultsError(f"{path}: not a dtsim results store (meta lacks {', '.join(absent)})")

    def names(key: str) -> tuple[str, ...]:
        text = values.get(key)
        if text is None:
            return ()
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(n, str) for n in parsed):
            raise ResultsError(f"{path}: meta {key} is not a JSON list of names: {text!r:.60}")
        return tuple(parsed)

    def number(key: str) -> int | None:
        try:
            return int(values[key]) if values.get(key) is not None else None
        except ValueError:
            raise ResultsError(
                f"{path}: meta {key} is not a whole number: {values[key]!r}"
            ) from None

    return StoreMeta(
        folder=path.parent,
        fingerprint=str(values.get("fingerprint") or ""),
        experiment=str(values.get("experiment") or ""),
        varied=names("varied"),
        outcomes=names("outcomes"),
        series=names("series"),
        replicates=number("replicates"),
        n_runs=number("n_runs"),
    )


def _json(text: str | None, path: Path, run: int, column: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: run {run}: {column} is not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ResultsError(f"{path}: run {run}: {column} is not a JSON object")
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
    "FORMATS",
    "ID_COLUMNS",
    "STORE",
    "ResultsError",
    "StoreMeta",
    "export_results",
    "finished_runs",
    "load_results",
    "load_series",
    "ok_runs",
    "read_meta",
    "store_path",
    "varied_columns",
]
