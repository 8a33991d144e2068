"""Tests of the mixing-method SDP solver and its certified dual bound (hiqlip_plugin.sdp.mixing)."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import _verified
from hiqlip_plugin.exceptions import ProblemTooLargeError
from hiqlip_plugin.sdp import mixing
from hiqlip_plugin.sdp.mixing import (
    MixingResult,
    certified_dual_bound,
    colour_classes,
    default_rank,
    hyperplane_rounding,
    mixing_sdp,
)

# Reference optima: Clarabel (interior point, ~1e-8 relative) where it is fast, SCS (first order) at m = 200.
REFERENCE_RTOL = {"CLARABEL": 1e-7, "SCS": 1e-5}


def bipartite_cost(d: int, n: int, seed: int) -> np.ndarray:
    """``[[0, N], [N^T, 0]]`` with a Gaussian ``d x n`` block, the shape of the l_inf Lipschitz SDP."""
    block = np.random.default_rng(seed).normal(size=(d, n))
    return np.block([[np.zeros((d, d)), block], [block.T, np.zeros((n, n))]])


def dense_cost(m: int, seed: int) -> np.ndarray:
    """A dense symmetric Gaussian matrix (diagonal included)."""
    a = np.random.default_rng(seed).normal(size=(m, m))
    return (a + a.T) / 2


INSTANCES = {
    ("bipartite", 20): (lambda: bipartite_cost(14, 6, 1), "CLARABEL"),
    ("dense", 20): (lambda: dense_cost(20, 2), "CLARABEL"),
    ("bipartite", 60): (lambda: bipartite_cost(45, 15, 3), "CLARABEL"),
    ("dense", 60): (lambda: dense_cost(60, 4), "CLARABEL"),
    ("bipartite", 200): (lambda: bipartite_cost(150, 50, 5), "SCS"),
}


@functools.cache
def instance(kind: str, m: int) -> tuple[np.ndarray, float, str]:
    """Cost matrix, reference SDP optimum (cvxpy) and the solver that computed it."""
    make, solver = INSTANCES[(kind, m)]
    cost = make()
    x = cp.Variable((m, m), symmetric=True)
    problem = cp.Problem(cp.Maximize(cp.trace(cost @ x)), [cp.diag(x) == 1, x >> 0])
    options = {"eps": 1e-7} if solver == "SCS" else {}
    value = problem.solve(solver=solver, **options)
    assert problem.status == "optimal"
    return cost, float(value), solver


def brute_force_max(cost: np.ndarray) -> float:
    """``max x^T C x`` over all spin vectors."""
    spins = np.array(list(itertools.product((-1.0, 1.0), repeat=cost.shape[0])))
    return float(np.max(np.einsum("si,ij,sj->s", spins, cost, spins)))


# ----------------------------------------------------------------------------- agreement with cvxpy
@pytest.mark.parametrize("kind, m", list(INSTANCES))
def test_dual_bound_is_above_and_close_to_cvxpy_optimum(kind, m):
    cost, optimum, solver = instance(kind, m)
    result = mixing_sdp(cost, seed=0)
    assert result.converged
    assert result.dual_bound >= optimum - REFERENCE_RTOL[solver] * abs(optimum)
    assert result.dual_bound <= optimum + 1e-3 * abs(optimum)
    assert result.primal <= result.dual_bound
    assert result.gap <= 1e-6


@pytest.mark.parametrize("max_iter", [0, 1])
@pytest.mark.parametrize("kind, m", [("bipartite", 60), ("dense", 60)])
def test_bound_is_sound_for_unconverged_factors(kind, m, max_iter):
    cost, optimum, solver = instance(kind, m)
    result = mixing_sdp(cost, max_iter=max_iter, seed=1)
    assert result.iterations == max_iter
    assert not result.converged
    assert result.dual_bound >= optimum - REFERENCE_RTOL[solver] * abs(optimum)
    assert result.primal <= result.dual_bound


def test_tighter_tolerance_gives_tighter_certified_gap():
    cost, optimum, _ = instance("bipartite", 60)
    loose = mixing_sdp(cost, tol=1e-2, seed=0)
    tight = mixing_sdp(cost, tol=1e-9, seed=0)
    assert loose.converged and tight.converged
    assert loose.gap <= 1e-2 and tight.gap <= 1e-9
    assert tight.iterations > loose.iterations
    assert tight.dual_bound <= loose.dual_bound


def test_sparse_input_matches_dense_and_uses_more_than_two_colours():
    cost, optimum, solver = instance("dense", 60)
    rng = np.random.default_rng(7)
    mask = np.triu(rng.random(cost.shape) < 0.15, 1)
    sparse_cost = np.where(mask | mask.T, cost, 0.0)
    np.fill_diagonal(sparse_cost, np.diag(cost))
    assert len(colour_classes(sparse_cost)) > 2
    dense_result = mixing_sdp(sparse_cost, seed=0)
    sparse_result = mixing_sdp(sp.csr_array(sparse_cost), seed=0)
    assert sparse_result.dual_bound == pytest.approx(dense_result.dual_bound, rel=1e-6)
    accurate = mixing_sdp(
        sparse_cost, seed=1, tol=1e-10
    )  # its primal is a lower bound on the optimum
    assert sparse_result.dual_bound >= accurate.primal


def test_diagonal_shifts_the_objective_and_enters_y():
    cost, optimum, solver = instance("bipartite", 20)
    diagonal = np.linspace(-1.0, 2.0, cost.shape[0])
    base = mixing_sdp(cost, seed=0)
    shifted = mixing_sdp(cost + np.diag(diagonal), seed=0)
    assert shifted.primal == pytest.approx(base.primal + diagonal.sum(), rel=1e-12)
    assert shifted.dual_bound == pytest.approx(base.dual_bound + diagonal.sum(), rel=1e-9)
    np.testing.assert_allclose(shifted.y, base.y + diagonal, rtol=1e-9)


# ----------------------------------------------------------------------------- the certificate
def test_certified_dual_bound_holds_for_any_multipliers():
    cost, optimum, solver = instance("dense", 20)
    rng = np.random.default_rng(3)
    for _ in range(5):
        y = rng.normal(scale=10.0, size=cost.shape[0])
        bound = certified_dual_bound(cost, y)
        assert bound.value >= optimum
        assert bound.lambda_max >= np.linalg.eigvalsh(cost - np.diag(y))[-1]


def test_certified_dual_bound_reproduces_the_solver_bound():
    cost, _, _ = instance("dense", 20)
    result = mixing_sdp(cost, seed=0)
    assert certified_dual_bound(cost, result.y).value == pytest.approx(result.dual_bound, rel=1e-12)


def test_bad_eigenvalue_estimate_is_caught_by_the_verification(monkeypatch):
    cost, optimum, solver = instance("bipartite", 60)
    monkeypatch.setattr(_verified, "lambda_min_estimate", lambda matrix: 1e3)  # lambda_max estimated at -1e3
    result = mixing_sdp(cost, seed=0, max_iter=50)
    assert result.lambda_max >= np.linalg.eigvalsh(cost - np.diag(result.y))[-1]
    assert result.dual_bound >= optimum - REFERENCE_RTOL[solver] * abs(optimum)


def test_nearly_symmetric_input_is_accepted_and_still_sound():
    cost, optimum, solver = instance("dense", 20)
    noisy = cost + np.triu(np.full(cost.shape, 1e-13), 1)
    result = mixing_sdp(noisy, seed=0)
    assert result.dual_bound >= optimum - REFERENCE_RTOL[solver] * abs(optimum)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 10),
    data=st.data(),
    max_iter=st.integers(0, 30),
    as_sparse=st.booleans(),
)
def test_bound_is_above_every_spin_vector(m, data, max_iter, as_sparse):
    entry = st.one_of(st.just(0.0), st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False))
    upper = np.array(data.draw(st.lists(entry, min_size=m * m, max_size=m * m))).reshape(m, m)
    cost = np.triu(upper) + np.triu(upper, 1).T
    result = mixing_sdp(sp.csr_array(cost) if as_sparse else cost, max_iter=max_iter, seed=0)
    assert result.dual_bound >= brute_force_max(cost)
    assert result.primal <= result.dual_bound


# ----------------------------------------------------------------------------- result and rounding
def test_result_is_read_only_with_unit_columns():
    cost, _, _ = instance("bipartite", 20)
    result = mixing_sdp(cost, seed=0)
    assert result.factors.shape == (default_rank(20), 20)
    np.testing.assert_allclose(np.linalg.norm(result.factors, axis=0), 1.0, rtol=1e-12)
    assert result.primal == pytest.approx(
        float(np.sum(cost * (result.factors.T @ result.factors))), rel=1e-10
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.primal = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        result.y[0] = 0.0
    with pytest.raises(ValueError):
        result.factors[0, 0] = 0.0


def test_same_seed_same_result_and_other_seed_other_start():
    cost, _, _ = instance("dense", 20)
    first = mixing_sdp(cost, seed=5, max_iter=3)
    second = mixing_sdp(cost, seed=5, max_iter=3)
    other = mixing_sdp(cost, seed=6, max_iter=3)
    np.testing.assert_array_equal(first.factors, second.factors)
    assert first.dual_bound == second.dual_bound
    assert not np.array_equal(first.factors, other.factors)


def test_rank_and_time_limit():
    cost, optimum, solver = instance("bipartite", 20)
    result = mixing_sdp(cost, rank=3, seed=0, time_limit=1e-9)
    assert result.factors.shape == (3, 20)
    assert result.iterations == 1 and not result.converged
    assert result.dual_bound >= optimum - REFERENCE_RTOL[solver] * abs(optimum)


def test_hyperplane_rounding_gives_spin_witnesses():
    cost, optimum, _ = instance("bipartite", 60)
    result = mixing_sdp(cost, seed=0)
    spins = hyperplane_rounding(result, 50, seed=0)
    assert spins.dtype == np.int8 and spins.shape == (50, 60)
    assert set(np.unique(spins).tolist()) <= {-1, 1}
    values = np.einsum("si,ij,sj->s", spins.astype(float), cost, spins.astype(float))
    assert np.all(values <= optimum * (1 + 1e-7))
    assert (
        values.max() >= 0.8 * result.primal
    )  # Goemans-Williamson: a good fraction of the SDP value
    np.testing.assert_array_equal(spins, hyperplane_rounding(result.factors, 50, seed=0))
    assert not np.array_equal(spins, hyperplane_rounding(result, 50, seed=1))


def test_hyperplane_rounding_ties_go_to_plus_one():
    factors = np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]])
    spins = hyperplane_rounding(factors, 10, seed=0)
    assert np.all(spins[:, 0] == 1)
    assert np.all(spins[:, 1] == -spins[:, 2])


# ----------------------------------------------------------------------------- colouring
def test_colour_classes_are_independent_sets_partitioning_the_variables():
    rng = np.random.default_rng(0)
    graph = np.triu(rng.random((40, 40)) < 0.2, 1)
    cost = (graph | graph.T).astype(float)
    cost[5, :] = cost[:, 5] = 0.0  # an isolated vertex
    classes = colour_classes(cost)
    assert sorted(np.concatenate(classes).tolist()) == list(range(40))
    for members in classes:
        assert not np.any(cost[np.ix_(members, members)])


def test_colour_classes_of_bipartite_and_complete_graphs():
    assert sorted(len(c) for c in colour_classes(bipartite_cost(30, 11, 0))) == [11, 30]
    complete = np.ones((6, 6))
    assert len(colour_classes(complete)) == 6
    assert len(colour_classes(sp.csr_array(complete))) == 6


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "cost, message",
    [
        (np.zeros((0, 0)), "empty"),
        ([], "empty"),
        (np.zeros((2, 3)), "square"),
        (np.zeros((2, 2, 2)), "square"),
        (np.array([[0.0, 1.0], [2.0, 0.0]]), "not symmetric"),
        (np.array([[0.0, np.nan], [np.nan, 0.0]]), "NaN"),
        (np.array([[np.inf, 0.0], [0.0, 0.0]]), "infinite"),
        (np.array([[0, 1j], [1j, 0]]), "real"),
        (sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]])), "not symmetric"),
    ],
)
def test_bad_cost_raises_value_error(cost, message):
    with pytest.raises(ValueError, match=message):
        mixing_sdp(cost)
    with pytest.raises(ValueError, match=message):
        certified_dual_bound(cost, np.zeros(2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rank": 0}, "rank"),
        ({"rank": 2.5}, "rank"),
        ({"max_iter": -1}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"tol": float("nan")}, "tol"),
        ({"time_limit": 0.0}, "time_limit"),
        ({"eig_tol": 2.0}, "eig_tol"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mixing_sdp(np.eye(3), **kwargs)


def test_bad_rounding_and_multiplier_arguments():
    with pytest.raises(ValueError, match="num_samples"):
        hyperplane_rounding(np.ones((2, 3)), 0)
    with pytest.raises(ValueError, match="factors"):
        hyperplane_rounding(np.ones(3))
    with pytest.raises(ValueError, match="y must be"):
        certified_dual_bound(np.eye(3), np.zeros(2))


def test_too_large_problem_raises(monkeypatch):
    monkeypatch.setattr(mixing, "MAX_CERTIFIED_SIZE", 5)
    with pytest.raises(ProblemTooLargeError, match="at most 5"):
        mixing_sdp(np.eye(6))


def test_mixing_result_is_exported():
    from hiqlip_plugin.sdp import MixingResult as exported

    assert exported is MixingResult


def test_asymmetry_is_found_in_every_row_block_of_a_large_dense_cost():
    # The symmetry check runs over blocks of rows; a defect in the last block is still refused.
    rng = np.random.default_rng(0)
    upper = np.triu(rng.normal(size=(600, 600)), 1)
    cost = upper + upper.T
    cost[599, 3] += 1e-3
    with pytest.raises(ValueError, match="not symmetric"):
        mixing_sdp(cost, max_iter=1)


def test_dense_cost_is_not_modified():
    cost, _, _ = instance("dense", 20)
    kept = cost.copy()
    mixing_sdp(cost, seed=0, max_iter=5)
    np.testing.assert_array_equal(cost, kept)
