"""Draws by identity: counter-based uniforms keyed by who draws, for what, and when.

A draw that a shared stream hands out in turn (the *k*-th uniform of the week) goes to
whoever asks *k*-th, so one different decision in a run with other levers shifts every later
draw to someone else, and two runs with one seed part. Here a draw is instead a function of
its identity: a 64-bit key per request, system or customer cell (itself drawn, a fixed number
per identity, from a stream whose position never depends on a decision), a purpose, and a
counter (the week, or the request's *n*-th decision). The same request, system or customer
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

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: the Weyl increment of SplitMix64
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 2.0**-53

# Purposes: a draw for one purpose never reuses another's.
CHOICE = 1  # a marketing agent's logit choice for a request (counter: its n-th decision)
REWORK = 2  # whether a request's delivery misses (counter: its n-th delivery)
SYSTEM = 3  # the key of the system a request's launch adds to the estate
WORKAROUND = 4  # the key of the exposure a workaround adds to the estate
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


def offset(purpose: int, counter: int) -> int:
    """The 64-bit offset added to every key for the ``counter``-th draw for ``purpose``."""
    return mix(mix(purpose * GOLDEN) + (counter + 1) * GOLDEN)


def derive(key: int, purpose: int) -> int:
    """A new identity's key from its parent's (a request's system from the request)."""
    return mix(key ^ mix(purpose * GOLDEN))


def uniform(key: int, purpose: int, counter: int) -> float:
    """One uniform on [0, 1) of identity ``key``, for ``purpose``, the ``counter``-th."""
    return (mix(key + offset(purpose, counter)) >> 11) * _UNIT


def uniforms(keys: np.ndarray, purpose: int, counter: int, salt: int = 0) -> np.ndarray:
    """A uniform on [0, 1) for each key (uint64 array), for ``purpose``, the ``counter``-th.

    The same as :func:`uniform` key by key (with ``salt`` added to every key: a second
    identity, the breached system of a customer cell's reach draw), as array operations.
    """
    z = keys + np.uint64((offset(purpose, counter) + salt) & MASK)
    z ^= z >> np.uint64(30)
    z *= np.uint64(_M1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_M2)
    z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    return z * _UNIT


def keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` fresh identity keys (uint64) from a stream: one draw each."""
    return rng.integers(0, MASK, n, dtype=np.uint64, endpoint=True)


def cell_keys(run_key: int, n: int) -> np.ndarray:
    """Keys of ``n`` fixed identities (customer cells) of a run: a Weyl sequence off its key."""
    cells = np.arange(1, n + 1, dtype=np.uint64)
    return cells * np.uint64(GOLDEN) + np.uint64(mix(run_key))


__all__ = ["cell_keys", "derive", "keys", "mix", "uniform", "uniforms"]
