"""Every count and file size dtsim accepts has a limit, and long work is announced first.

A typo (``replicates = 10000000000``, ``count = 10000000``, ``dtsim run /dev/zero``) should
end in one line naming the limit, not in a hang, a ``MemoryError`` or the kernel killing
the process. The limits are far above any study these machines can run; the run-count
limit can be lifted on purpose (``--yes``), the others cannot.

The cost estimate is a rough guide, measured on the development machine (2 cores, one
run per core; ``benchmarks/bench_cost.py`` prints the figures): a week costs about
0.5 ms, plus 70 ns per customer, plus 24 µs per marketing agent at the default request
rate (more requests mean more work), plus 2 µs per IT agent.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1_000_000
"""Largest scenario, experiment or manifest file read (the shipped ones are a few kB)."""
MAX_REPLICATES = 10_000
"""Most replicates of one scenario or design point."""
MAX_SAMPLES = 1_000_000
"""Most points a sampler may draw (``samples``)."""
MAX_COUNT = 1_000
"""Most values of one grid parameter (``count`` or a list)."""
CONFIRM_RUNS = 100_000
"""Designs with more runs than this need ``--yes`` (about five core-hours at the defaults)."""
MAX_RUNS = 100_000_000
"""No design may have more runs than this, ``--yes`` or not (the store would not hold it)."""
WARN_SECONDS = 3600.0
"""Work estimated to take longer than this is announced before it starts."""

SECONDS_PER_WEEK = 0.5e-3
SECONDS_PER_CUSTOMER_WEEK = 7e-8
SECONDS_PER_MARKETER_WEEK = 2.4e-5
SECONDS_PER_IT_WEEK = 2e-6
DEFAULT_REQUEST_RATE = 0.3


class LimitError(ValueError):
    """A count or a file beyond its limit; the message is one line naming the limit."""


def check_input_file(path: Path, where: str, kind: str, error: type[Exception]) -> None:
    """Refuse what is not a regular file (a FIFO would hang, /dev/zero never ends) and a file
    larger than :data:`MAX_FILE_BYTES`, before reading a byte of it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{where}: no such {kind} file") from None
    except OSError as exc:
        raise error(f"{where}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{where}: is a folder, not {article(kind)} {kind} file") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{where}: not a regular file; allowed: {article(kind)} {kind} file (.toml)")
    if info.st_size > MAX_FILE_BYTES:
        raise error(
            f"{where}: {info.st_size:,} bytes; allowed at most {MAX_FILE_BYTES:,} bytes "
            f"for {article(kind)} {kind} file"
        )


def read_bounded(path: Path) -> bytes:
    """At most :data:`MAX_FILE_BYTES` + 1 bytes of a file (it may grow after the check)."""
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def check_runs(n_runs: int, what: str, confirmed: bool) -> None:
    """Refuse more runs than :data:`MAX_RUNS`, and more than :data:`CONFIRM_RUNS` unless
    ``confirmed`` (``--yes``): a design that large is more often a typo than a plan."""
    if n_runs > MAX_RUNS:
        raise LimitError(f"{what}: {n_runs:,} runs; allowed at most {MAX_RUNS:,}")
    if n_runs > CONFIRM_RUNS and not confirmed:
        raise LimitError(
            f"{what}: {n_runs:,} runs, more than {CONFIRM_RUNS:,}; if that is meant, add --yes"
        )


def run_seconds(params: Mapping[str, Any]) -> float:
    """Rough seconds one run of these parameters takes on one core (see the module's note)."""
    weeks = int(params.get("weeks", 156)) + int(params.get("warmup_weeks", 26))
    rate = float(params.get("request_rate", DEFAULT_REQUEST_RATE)) / DEFAULT_REQUEST_RATE
    per_week = (
        SECONDS_PER_WEEK
        + SECONDS_PER_CUSTOMER_WEEK * int(params.get("n_customers", 2000))
        + SECONDS_PER_MARKETER_WEEK * int(params.get("n_marketing", 12)) * max(rate, 0.1)
        + SECONDS_PER_IT_WEEK * int(params.get("n_it", 8))
    )
    return weeks * per_week


def cost_note(seconds: float, workers: int) -> str | None:
    """A one-line warning when work is estimated to take longer than :data:`WARN_SECONDS`."""
    wall = seconds / max(1, workers)
    if wall <= WARN_SECONDS:
        return None
    return (
        f"this will take about {wall / 3600:.1f} h on {workers} "
        f"{'core' if workers == 1 else 'cores'} (a rough estimate from the sizes); "
        "Ctrl-C stops it"
    )


__all__ = [
    "CONFIRM_RUNS",
    "MAX_COUNT",
    "MAX_FILE_BYTES",
    "MAX_REPLICATES",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "LimitError",
    "check_input_file",
    "check_runs",
    "cost_note",
    "read_bounded",
    "run_seconds",
]
