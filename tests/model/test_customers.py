"""The vectorised customer update against plain references."""

from __future__ import annotations

import numpy as np
import pytest
from customer_loop import check_loop_matches

from simulation.model.customers import CustomerPopulation, grid_shape
from simulation.model.model import DigitalTransformationModel
from simulation.model.params import defaults


def _reference_neighbour_mean(pop: CustomerPopulation, values: np.ndarray) -> np.ndarray:
    """Mean over the 8 torus neighbours that are active, by explicit rolls of the grid."""
    rows, cols = pop.shape
    n = pop.n
    layers = []
    for layer in (values * pop.active, pop.active.astype(float)):
        grid = np.zeros(rows * cols)
        grid[:n] = layer
        grid = grid.reshape(rows, cols)
        total = sum(
            np.roll(np.roll(grid, di, axis=0), dj, axis=1)
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if (di, dj) != (0, 0)
        )
        layers.append(total.ravel()[:n])
    sums, counts = layers
    return np.where(counts > 0.5, sums / np.maximum(counts, 1e-12), values)


@pytest.mark.parametrize("n", [1, 10, 997, 2000])
def test_word_of_mouth_matches_a_reference(n: int) -> None:
    rng = np.random.default_rng(n)
    pop = CustomerPopulation(n, defaults(), rng)
    pop.active[rng.random(n) < 0.2] = False
    values = rng.random(n)
    got = pop._neighbour_mean(values)
    np.testing.assert_allclose(got, _reference_neighbour_mean(pop, values), atol=1e-12)
    if n >= 10 and pop.active.sum() > 1:
        assert not np.array_equal(got, values)  # neighbours really pull


def test_word_of_mouth_pulls_towards_neighbours() -> None:
    """One unhappy customer among happy ones is pulled up by its neighbours."""
    p = {**defaults(), "churn_max": 0.0, "bass_innovation": 0.0, "bass_imitation": 0.0}
    pop = CustomerPopulation(400, p, np.random.default_rng(0))
    quality = np.full(4, 0.5)
    pop.start(quality)
    pop.satisfaction[:] = 0.9
    pop.satisfaction[210] = 0.1
    before = pop.satisfaction[210]
    pop.update(quality, None)
    assert pop.satisfaction[210] > before + p["word_of_mouth"] * 0.7


def test_grid_holds_every_customer() -> None:
    for n in (1, 2, 10, 2000, 2001):
        rows, cols = grid_shape(n)
        assert rows * cols >= n
        assert rows * cols - n < cols


@pytest.mark.parametrize(("n", "weeks"), [(10, 40), (1_000, 26)])
def test_vectorised_update_equals_the_per_agent_loop(n: int, weeks: int) -> None:
    """Same state, same draws: satisfaction and expectation to rounding, churn, arrivals and
    channels exactly, with random breach hits (the loop is a classic one-call-per-agent ABM)."""
    quality = DigitalTransformationModel(rng=12345).channel_quality().copy()
    max_diff, same = check_loop_matches(n, weeks, quality)
    assert same, "churn, arrivals or channels differ from the per-agent loop"
    assert max_diff <= 1e-12, max_diff
