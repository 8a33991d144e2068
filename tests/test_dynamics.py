"""Tests of the CIM array kernels: scaling, field spin, best-state tracking and ground states."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiqlip_plugin.samplers.dynamics import (
    ALGORITHMS,
    CAC,
    CFC,
    DSB,
    Dynamics,
    SimCIM,
    simulate,
    spectral_range,
    with_field_spin,
)

ALL_DYNAMICS = [cls() for cls in ALGORITHMS.values()]


def _energies(h: np.ndarray, coupling, spins: np.ndarray) -> np.ndarray:
    spins = np.asarray(spins, dtype=np.float64)
    return spins @ h + 0.5 * np.einsum("bi,bi->b", spins, (coupling @ spins.T).T)


def _ground_energy(h: np.ndarray, coupling) -> float:
    states = np.array(list(itertools.product([-1, 1], repeat=len(h))), dtype=np.float64)
    return float(_energies(h, coupling, states).min())


def _random_problem(seed: int, n: int, density: float, fields: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.normal(size=(n, n)) * (rng.random((n, n)) < density), 1)
    h = rng.normal(size=n) if fields else np.zeros(n)
    return h, upper + upper.T


def _random_starts(seed: int, replicas: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed + 1000).choice([-1, 1], size=(replicas, n))


class TestSpectralRange:
    def test_dense_matches_eigvalsh(self):
        _, coupling = _random_problem(0, 20, 1.0, False)
        values = np.linalg.eigvalsh(coupling)
        assert spectral_range(coupling) == pytest.approx((values[0], values[-1]))

    def test_lanczos_path_on_large_sparse_matrix(self):
        rng = np.random.default_rng(1)
        upper = sp.triu(sp.random_array((400, 400), density=0.02, rng=rng), 1)
        coupling = sp.csr_array(upper + upper.T)
        values = np.linalg.eigvalsh(coupling.toarray())
        low, high = spectral_range(coupling)
        assert low == pytest.approx(values[0], rel=1e-2)
        assert high == pytest.approx(values[-1], rel=1e-2)

    def test_reproducible(self):
        upper = sp.triu(sp.random_array((500, 500), density=0.05, rng=np.random.default_rng(2)), 1)
        coupling = sp.csr_array(upper + upper.T)
        assert spectral_range(coupling) == spectral_range(coupling)

    def test_positive_graph_has_large_perron_ratio(self):
        upper = np.triu(np.random.default_rng(3).random((200, 200)) < 0.06, 1).astype(float)
        low, high = spectral_range(upper + upper.T)
        assert high / -low > 1.5  # the Perron eigenvalue (the mean degree) dominates the bulk edge


class TestFieldSpin:
    @pytest.mark.parametrize("sparse", [False, True])
    def test_energies_are_preserved(self, sparse):
        h, coupling = _random_problem(4, 7, 0.6, True)
        matrix = sp.csr_array(coupling) if sparse else coupling
        extended = with_field_spin(h, matrix)
        assert sp.issparse(extended) == sparse
        states = np.array(list(itertools.product([-1, 1], repeat=7)), dtype=np.float64)
        for a in (-1, 1):
            with_a = np.hstack([states, np.full((len(states), 1), a)])
            assert np.allclose(_energies(np.zeros(8), extended, with_a), _energies(h, coupling, a * states))


class TestParameters:
    @pytest.mark.parametrize("cls, bad, error", [
        (CAC, dict(beta=-1.0), ValueError),
        (CAC, dict(ramp_fraction=0.0), ValueError),
        (CFC, dict(error_cap=0.0), ValueError),
        (DSB, dict(dt=-0.1), ValueError),
        (DSB, dict(heat=-0.5), ValueError),
        (DSB, dict(coupling_strength=float("inf")), ValueError),
        (SimCIM, dict(momentum=1.0), ValueError),
        (SimCIM, dict(noise=-1.0), ValueError),
        (SimCIM, dict(pump="deep"), TypeError),
        (CAC, dict(alpha=True), TypeError),
    ])
    def test_bad_values_are_rejected(self, cls, bad, error):
        key = next(iter(bad))
        with pytest.raises(error, match=key):
            cls(**bad)

    @pytest.mark.parametrize("dynamics", ALL_DYNAMICS, ids=lambda d: d.name)
    def test_default_step_shrinks_with_the_perron_ratio(self, dynamics):
        assert dynamics.time_step(4.0) <= dynamics.time_step(1.0)

    def test_dsb_guard_keeps_g1_like_step_small(self):
        # the symplectic guard: dt * sqrt(1 + xi r) stays well below 2 (G1 has r ~ 3.7 and fails at dt 1.25)
        dt = DSB().time_step(3.7)
        assert dt * np.sqrt(1 + 3.7) < 1.2
        assert DSB(dt=0.3).time_step(3.7) == 0.3

    def test_parameters_dict(self):
        assert DSB(heat=0.1).parameters() == {"dt": None, "coupling_strength": 1.25, "heat": 0.1}


class TestSimulate:
    @pytest.mark.parametrize("dynamics", ALL_DYNAMICS, ids=lambda d: d.name)
    @pytest.mark.parametrize("fields", [False, True])
    @pytest.mark.parametrize("density", [1.0, 0.3])
    def test_finds_ground_states(self, dynamics, fields, density, backend):
        hits = []
        for seed in range(4):
            h, coupling = _random_problem(seed, 12, density, fields)
            matrix = sp.csr_array(coupling) if density < 1 else coupling
            result = simulate(h, matrix, _random_starts(seed, 16, 12), dynamics, 300, seed=seed, backend=backend)
            found = _energies(h, coupling, result.spins)
            ground = _ground_energy(h, coupling)
            assert found.min() == pytest.approx(ground)
            hits.append(np.mean(np.isclose(found, ground)))
        assert np.mean(hits) > 0.5

    @pytest.mark.parametrize("dynamics", ALL_DYNAMICS, ids=lambda d: d.name)
    def test_same_seed_same_result(self, dynamics, backend):
        h, coupling = _random_problem(5, 30, 0.3, True)
        starts = _random_starts(5, 8, 30)
        first = simulate(h, coupling, starts, dynamics, 100, seed=11, backend=backend)
        second = simulate(h, coupling, starts, dynamics, 100, seed=11, backend=backend)
        assert np.array_equal(first.spins, second.spins)
        assert np.array_equal(first.best_step, second.best_step)

    def test_reads_are_never_worse_than_the_starts(self, backend):
        h, coupling = _random_problem(6, 10, 1.0, True)
        starts = _random_starts(6, 6, 10)
        result = simulate(h, coupling, starts, CAC(), 50, seed=0, backend=backend)
        assert np.all(_energies(h, coupling, result.spins) <= _energies(h, coupling, starts) + 1e-9)

    def test_zero_steps_returns_the_starts(self, backend):
        h, coupling = _random_problem(7, 9, 1.0, True)
        starts = _random_starts(7, 5, 9)
        result = simulate(h, coupling, starts, DSB(), 0, backend=backend)
        assert np.array_equal(result.spins, starts)
        assert result.num_steps == 0 and not result.stopped_early
        assert result.spins.dtype == np.int8

    def test_warm_start_at_the_ground_state_stays_there(self, backend):
        h, coupling = _random_problem(8, 10, 1.0, True)
        states = np.array(list(itertools.product([-1, 1], repeat=10)))
        ground = states[np.argmin(_energies(h, coupling, states))]
        result = simulate(h, coupling, np.tile(ground, (4, 1)), CFC(), 100, seed=0, backend=backend)
        assert np.all(result.spins == ground)
        assert np.all(result.best_step == 0)

    def test_stop_ends_the_run_with_valid_states(self, backend):
        h, coupling = _random_problem(9, 20, 0.5, True)
        calls = []

        def stop() -> bool:
            calls.append(1)
            return len(calls) >= 5

        result = simulate(h, coupling, _random_starts(9, 4, 20), SimCIM(), 100_000, seed=0, stop=stop,
                          backend=backend)
        assert len(calls) == 5 and result.stopped_early
        assert 5 <= result.num_steps < 100_000
        if backend == "numpy":
            assert result.num_steps == 5                 # called after every step
        assert set(np.unique(result.spins)) <= {-1, 1}
        assert np.all(result.best_step <= result.num_steps)

    def test_without_couplings_every_state_is_optimal(self, backend):
        result = simulate(np.zeros(4), np.zeros((4, 4)), _random_starts(0, 3, 4), DSB(), 20, backend=backend)
        assert result.scaling.coupling_scale == 1.0
        assert set(np.unique(result.spins)) <= {-1, 1}

    def test_empty_model(self, backend):
        result = simulate(np.zeros(0), np.zeros((0, 0)), np.zeros((3, 0)), CAC(), 100, backend=backend)
        assert result.spins.shape == (3, 0) and result.num_steps == 0

    def test_scaling_reports_the_field_spin_and_spectrum(self):
        h, coupling = _random_problem(10, 8, 1.0, True)
        extended = with_field_spin(h, coupling)
        low, high = spectral_range(extended)
        for dynamics, scale in ((CAC(), 1 / -low), (DSB(), 0.5 * np.sqrt(8) / np.linalg.norm(extended))):
            result = simulate(h, coupling, _random_starts(10, 2, 8), dynamics, 10)
            assert result.scaling.field_spin
            assert result.scaling.lambda_min == pytest.approx(low)
            assert result.scaling.coupling_scale == pytest.approx(scale)
            assert result.scaling.ratio == pytest.approx(high * scale)
            assert result.scaling.dt == pytest.approx(dynamics.time_step(high * scale))
            assert result.scaling.as_dict()["dt"] == result.scaling.dt

    def test_dsb_scale_follows_the_typical_field_not_a_hub(self):
        # A QUBO's fields on the field spin make one hub that dominates the spectrum; Goto's scale ignores it.
        h, coupling = _random_problem(13, 60, 0.3, False)
        hub = with_field_spin(np.full(60, 30.0), coupling)
        low, _ = spectral_range(hub)
        assert DSB().coupling_scale(hub, spectral_range(hub)) > 2 / -low

    def test_float64(self):
        h, coupling = _random_problem(11, 10, 1.0, False)
        result = simulate(h, coupling, _random_starts(11, 8, 10), DSB(), 200, seed=0, dtype=np.float64)
        assert _energies(h, coupling, result.spins).min() == pytest.approx(_ground_energy(h, coupling))

    @pytest.mark.parametrize("args, match", [
        ((np.zeros(3), np.zeros((3, 4)), np.ones((2, 3))), "shape"),
        ((np.zeros(3), np.zeros((3, 3)), np.ones((2, 4))), "initial_spins"),
        ((np.zeros(3), np.zeros((3, 3)), np.zeros((2, 3))), "-1 and \\+1"),
    ])
    def test_bad_inputs(self, args, match):
        with pytest.raises(ValueError, match=match):
            simulate(*args, DSB(), 10)

    @pytest.mark.parametrize("steps, error", [(-1, ValueError), (2.5, TypeError), (True, TypeError)])
    def test_bad_num_steps(self, steps, error):
        with pytest.raises(error, match="num_steps"):
            simulate(np.zeros(2), np.zeros((2, 2)), np.ones((1, 2)), DSB(), steps)

    def test_positive_graph_is_cut_well(self, backend):
        # all-positive weights (G1-like): a too-large step would collapse every replica to a trivial cut
        rng = np.random.default_rng(12)
        upper = np.triu(rng.random((300, 300)) < 0.06, 1).astype(np.float64)
        coupling = sp.csr_array(upper + upper.T)
        total = upper.sum()
        for dynamics in ALL_DYNAMICS:
            result = simulate(np.zeros(300), coupling, _random_starts(12, 8, 300), dynamics, 400, seed=0,
                              backend=backend)
            cuts = (total - _energies(np.zeros(300), coupling, result.spins)) / 2
            assert cuts.max() > 0.58 * total, dynamics.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 8), seed=st.integers(0, 2**16), algorithm=st.sampled_from(sorted(ALGORITHMS)))
def test_reads_are_valid_and_best_steps_bounded(backend, n, seed, algorithm):
    h, coupling = _random_problem(seed, n, 0.7, seed % 2 == 0)
    dynamics: Dynamics = ALGORITHMS[algorithm]()
    result = simulate(h, coupling, _random_starts(seed, 3, n), dynamics, 30, seed=seed, backend=backend)
    assert result.spins.shape == (3, n)
    assert set(np.unique(result.spins)) <= {-1, 1}
    assert np.all((0 <= result.best_step) & (result.best_step <= 30))


def test_numpy_best_states_use_the_rounding_threshold_of_the_c_kernels():
    # the compiled kernels replace a best state only when its energy is lower by more than
    # ROUNDING * sum_i |(J s)_i|; the numpy fallback must follow the same rule (a strict `<` counted float noise
    # on a revisited state as an improvement)
    from hiqlip_plugin.samplers.dynamics import ROUNDING, _BestStates

    rng = np.random.default_rng(0)
    coupling = rng.normal(size=(6, 6))
    coupling = coupling + coupling.T
    spins = rng.choice([-1.0, 1.0], size=(6, 2))
    field = coupling @ spins
    tracker = _BestStates(coupling, spins)
    scale = np.abs(field).sum(axis=0)
    # same signs, energies lower by 0.1 * ROUNDING * scale (rounding noise): not an improvement
    noisy = field + 0.2 * ROUNDING * scale * spins / spins.shape[0]
    tracker.update(1, spins, noisy)
    assert tracker.best_step.tolist() == [0, 0]
    # lower by 10 * ROUNDING * scale: an improvement
    better = field + 20 * ROUNDING * scale * spins / spins.shape[0]
    tracker.update(2, spins, better)
    assert tracker.best_step.tolist() == [2, 2]
