"""Smoke test of the benchmark script: it runs, exits 0 and prints every labelled figure.

Timings are not checked (they depend on the machine); only that each figure is printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_model.py"

NUMBER = r"[0-9][0-9.,e+-]*"
EXPECTED = [
    *(
        rf"vectorised n=\s*{n}: +{NUMBER} M customer-steps/s +{NUMBER} ns/customer-step"
        for n in ("1,000", "10,000", "100,000")
    ),
    rf"linearity: per-customer cost 100k/1k = {NUMBER}",
    rf"loop vs vectorised, same state and draws .* max \|diff\| .* = {NUMBER}, .* -> (MATCH|MISMATCH)",
    *(rf"loop +n=\s*{n}: +{NUMBER} M customer-steps/s" for n in ("1,000", "10,000")),
    *(rf"speed ratio vectorised / loop at n={n}: {NUMBER}x" for n in ("1,000", "10,000")),
    rf"default run \(construct \+ run, 2,000 customers\): best {NUMBER} ms, median {NUMBER} ms",
    rf"default construction alone: best {NUMBER} ms",
    rf"run with +10,000 customers: best {NUMBER} ms",
    rf"run with 100,000 customers: best {NUMBER} ms",
    rf"tracemalloc peak, one default run: {NUMBER} MB",
    rf"ru_maxrss, this process at the end .*: {NUMBER} MB",
    r"target >= 20 M customer-steps/s at 10,000 customers .* (PASS|MISS)$",
    r"target default run <= 50 ms after import .* (PASS|MISS)$",
    r"target cost linear in customers .* (PASS|MISS)$",
]


def test_quick_benchmark_prints_every_labelled_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    missing = [p for p in EXPECTED if not re.search(p, done.stdout, flags=re.MULTILINE)]
    assert not missing, f"missing lines {missing} in:\n{done.stdout}"
