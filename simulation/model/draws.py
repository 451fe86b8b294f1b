"""Draws by identity: counter-based uniforms keyed by who draws, for what, and when.

A draw that a shared stream hands out in turn (the *k*-th uniform of the week) goes to
whoever asks *k*-th, so one different decision in a run with other levers shifts every later
draw to someone else, and two runs with one seed part. Here a draw is instead a function of
its identity: a 64-bit key per request, system or customer cell (the request's id, the
starting system's row or the cell's index stepped off a base the run draws once per kind,
`key_of`), a purpose, and a counter (the week, or the request's *n*-th decision). The same request, system or customer
gets the same uniform in both runs whatever happened to the others: common random numbers
that pair.

The generator is SplitMix64's output function (Steele, Lea & Flood 2014; the finaliser
Stafford's "Mix13"), a bijective 64-bit avalanche hash, applied to ``key + offset``: the
counter-based construction of Salmon et al. (2011, "Parallel random numbers: as easy as
1, 2, 3", the idea behind NumPy's ``Philox``) with a cheaper mixing function. Over arrays it
is a dozen NumPy operations for all the live systems or all the customers, not one call each;
for one request it is a few Python integer operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: the Weyl increment of SplitMix64
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 2.0**-53

# Purposes: a draw for one purpose never reuses another's. A system keeps the key of the
# request it came from (a request becomes at most one system: a launch or a workaround's
# exposure), so the system's purposes are distinct from the request's.
CHOICE = 1  # a marketing agent's logit choice for a request (counter: its n-th decision)
REWORK = 2  # whether a request's delivery misses (counter: its n-th delivery)
RETIRE = 5  # a live system retires this week (counter: the week)
FOUND = 6  # a live shadow tool is found this week
MIGRATE = 7  # a found tool is migrated rather than shut down
BREACH = 8  # a live system is breached this week
REACH = 9  # which customers a system's breach this week touches
NEWCOMER = 10  # the channels of a customer who joins a cell this week


def mix(z: int) -> int:
    """SplitMix64's output function of one 64-bit integer (a bijection)."""
    z &= MASK
    z = ((z ^ (z >> 30)) * _M1) & MASK
    z = ((z ^ (z >> 27)) * _M2) & MASK
    return z ^ (z >> 31)


@lru_cache(maxsize=65536)
def offset(purpose: int, counter: int) -> int:
    """The 64-bit offset added to every key for the ``counter``-th draw for ``purpose``."""
    return mix(mix(purpose * GOLDEN) + (counter + 1) * GOLDEN)


def uniform(key: int, purpose: int, counter: int) -> float:
    """One uniform on [0, 1) of identity ``key``, for ``purpose``, the ``counter``-th."""
    return (mix(key + offset(purpose, counter)) >> 11) * _UNIT


def uniforms(keys: np.ndarray, purpose: int, counter: int, salt: int = 0) -> np.ndarray:
    """A uniform on [0, 1) for each key (uint64 array), for ``purpose``, the ``counter``-th.

    The same as :func:`uniform` key by key (with ``salt`` added to every key: a second
    identity, the breached system of a customer cell's reach draw), as array operations.
    """
    return _unit(keys + np.uint64((offset(purpose, counter) + salt) & MASK))


def uniforms_for(keys: np.ndarray, draws: Iterable[tuple[int, int]]) -> np.ndarray:
    """``uniforms(keys, purpose, counter)`` for each (purpose, counter) of ``draws``, as the
    columns of one array: several draws per key at the cost of one."""
    shifts = np.array([offset(purpose, counter) for purpose, counter in draws], dtype=np.uint64)
    return _unit(keys[:, None] + shifts)


_S11, _S27, _S30, _S31 = (np.uint64(k) for k in (11, 27, 30, 31))
_M1_U, _M2_U = np.uint64(_M1), np.uint64(_M2)


def _unit(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function of a fresh uint64 array, in place, as floats in [0, 1)."""
    z ^= z >> _S30
    z *= _M1_U
    z ^= z >> _S27
    z *= _M2_U
    z ^= z >> _S31
    z >>= _S11
    return z * _UNIT


def keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` fresh 64-bit keys (uint64) from a stream: 8 random bytes each."""
    return np.frombuffer(rng.bytes(8 * n), dtype=np.uint64)


def key_of(base: int, index: int) -> int:
    """The key of identity ``index`` (0, 1, ...) of a kind whose run base is ``base``: the
    ``index``-th step of a Weyl sequence, SplitMix64's own input, so keys of one kind never
    collide and those of two kinds (random bases) almost surely not."""
    return (base + (index + 1) * GOLDEN) & MASK


def cell_keys(base: int, n: int) -> np.ndarray:
    """Keys of identities 0..n-1 (customer cells, say) as an array: `key_of` each."""
    cells = np.arange(1, n + 1, dtype=np.uint64)
    return cells * np.uint64(GOLDEN) + np.uint64(base)


__all__ = ["cell_keys", "key_of", "keys", "mix", "uniform", "uniforms", "uniforms_for"]
