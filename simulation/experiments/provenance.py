"""Provenance: what a results folder records so that it can be traced and run again.

A run's or comparison's ``manifest.json`` holds the package and library versions, the git
commit (and whether the tree had changes), the command line, the base seed and every
replicate's seed, and each scenario's full parameters and interventions (a
:class:`~simulation.experiments.runner.RunSpec`). :func:`read_manifest` checks all of it
before ``dtsim rerun`` runs anything, as strictly as a scenario file is checked.
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.files import check_name
from simulation.experiments.limits import check_input_file, read_bounded
from simulation.experiments.runner import RunSpec, replicate_seed
from simulation.model.interventions import parse as parse_interventions
from simulation.model.params import ParameterError, resolve

MANIFEST_VERSION = 1
"""Layout of ``manifest.json``; :func:`specs_from_manifest` reads only this version."""

COMMANDS: tuple[str, ...] = ("run", "compare")
"""The commands whose results folders can be rerun from their manifest."""


class ManifestError(ValueError):
    """A manifest cannot be read or rerun; the message is one line."""


def manifest(
    command: str,
    specs: Sequence[RunSpec],
    seed: int,
    replicates: int,
    argv: Sequence[str] = (),
    started: datetime | None = None,
    finished: datetime | None = None,
) -> dict[str, Any]:
    """What a results folder needs to be traced to, and rerun as, the run that made it.

    The manifest: package and library versions, the git commit (and whether the tree
    had changes), the command line, the base seed and every replicate's seed, and each
    scenario's full parameters and interventions. Clock times live here only, never in the
    CSV files, so those stay byte-identical for the same inputs.
    """
    commit, dirty = git_state()
    return {
        "manifest_version": MANIFEST_VERSION,
        "dtsim": _version("dtsim"),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
        "mesa": _version("mesa"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "command": command,
        "argv": list(argv),
        "started": _iso(started),
        "finished": _iso(finished),
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": [replicate_seed(seed, r) for r in range(replicates)],
        "scenarios": [spec.as_dict() for spec in specs],
    }


def utc_now() -> datetime:
    """Now, in UTC, to the second (the manifest's clock)."""
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def read_manifest(folder: Path) -> tuple[dict[str, Any], list[RunSpec]]:
    """The manifest of a results folder and its scenarios, checked for a rerun.

    Raises ManifestError (one line) for a missing folder or manifest, broken JSON, a manifest
    of another layout version, or recorded seeds, parameters or interventions that do not
    hold together.
    """
    if not folder.exists():
        raise ManifestError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ManifestError(
            f"{folder}: not a folder; give a results folder of dtsim run or compare"
        )
    path = folder / "manifest.json"
    if not path.is_file():
        raise ManifestError(
            f"{folder}: no manifest.json; only results folders of dtsim run or compare can be rerun"
        )
    check_input_file(path, str(path), "manifest", ManifestError)
    try:
        record = json.loads(read_bounded(path).decode("utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(record, dict):
        raise ManifestError(f"{path}: not a dtsim manifest (a JSON object is expected)")
    version = record.get("manifest_version")
    if version != MANIFEST_VERSION:
        written = f"dtsim {record['dtsim']}" if isinstance(record.get("dtsim"), str) else "unknown"
        found = "none" if version is None else repr(version)
        raise ManifestError(
            f"{path}: manifest version {found} (written by {written}) cannot be rerun; "
            f"this dtsim {_version('dtsim')} reads manifest version {MANIFEST_VERSION}"
        )
    if record.get("command") not in COMMANDS:
        raise ManifestError(
            f"{path}: command = {record.get('command')!r}; allowed: {', '.join(COMMANDS)}"
        )
    seed, replicates = record.get("seed"), record.get("replicates")
    for key, value, low in (("seed", seed, 0), ("replicates", replicates, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ManifestError(f"{path}: {key} = {value!r}; allowed a whole number >= {low}")
    assert isinstance(seed, int) and isinstance(replicates, int)  # checked just above
    seeds = record.get("replicate_seeds")
    if seeds != [replicate_seed(seed, r) for r in range(replicates)]:
        raise ManifestError(
            f"{path}: replicate_seeds do not match seed {seed} and {replicates} replicates"
        )
    return record, specs_from_manifest(record, str(path))


def specs_from_manifest(record: Mapping[str, Any], where: str = "manifest") -> list[RunSpec]:
    """The scenarios recorded in a manifest, as run: parameters and interventions validated."""
    entries = record.get("scenarios")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{where}: scenarios must be a non-empty list")
    if record.get("command") == "run" and len(entries) != 1:
        raise ManifestError(f"{where}: a run records one scenario, found {len(entries)}")
    if record.get("command") == "compare" and len(entries) < 2:
        raise ManifestError(f"{where}: a comparison records two or more scenarios")
    specs = []
    for i, entry in enumerate(entries):
        at = f"{where}: scenarios[{i}]"
        if not isinstance(entry, dict):
            raise ManifestError(f"{at} must be an object")
        name, title = entry.get("name"), entry.get("title")
        params, interventions = entry.get("parameters"), entry.get("interventions")
        if not isinstance(name, str) or not name or not isinstance(title, str):
            raise ManifestError(f"{at}: name and title must be strings")
        check_name(name, at, ManifestError)
        if not isinstance(params, dict) or not isinstance(interventions, list):
            raise ManifestError(f"{at}: parameters must be an object and interventions a list")
        try:
            resolved = resolve(params)
            if set(params) != set(resolved):
                missing = sorted(set(resolved) - set(params))
                raise ParameterError(f"parameters lack {', '.join(missing[:3])}")
            parse_interventions(interventions, resolved["weeks"])
        except ParameterError as exc:
            raise ManifestError(f"{at} ({name}): {exc}") from None
        specs.append(
            RunSpec(
                name=name,
                title=title,
                parameters=resolved,
                interventions=tuple(dict(item) for item in interventions),
                overrides=dict(entry.get("overrides") or {}),
                file=entry.get("file"),
                file_sha256=entry.get("file_sha256"),
            )
        )
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ManifestError(f"{where}: scenario names are not distinct: {names}")
    return specs


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_state() -> tuple[str | None, bool | None]:
    """The checkout's commit and whether tracked files differ from it; (None, None) outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head, bool(status)


def version_note(record: Mapping[str, Any], source: Path) -> str | None:
    """Why a rerun of ``source`` may not repeat its numbers (other code wrote it), or None."""
    here = manifest("run", [], 0, 0)
    then = (record.get("dtsim"), record.get("git_commit"), record.get("git_dirty"))
    now = (here["dtsim"], here["git_commit"], here["git_dirty"])

    def say(version: Any, commit: Any, dirty: Any) -> str:
        where = f" at commit {str(commit)[:10]}" if commit else ""
        return f"dtsim {version}{where}{' with uncommitted changes' if dirty else ''}"

    if then != now:
        return (
            f"{source} was written by {say(*then)}; this is {say(*now)}, so the numbers may differ"
        )
    if now[2]:
        return (
            f"{source} was written by {say(*then)}, as is this checkout; if the code changed "
            "in between, the numbers may differ"
        )
    return None


__all__ = [
    "COMMANDS",
    "MANIFEST_VERSION",
    "ManifestError",
    "git_state",
    "manifest",
    "read_manifest",
    "specs_from_manifest",
    "utc_now",
    "version_note",
]
