"""Tests of the first-order chain-LMI solver (hiqlip_plugin.sdp.lmi) and its use by sdp_bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import ReLUNetwork, estimate_lipschitz
from hiqlip_plugin.exceptions import SolverFailedError
from hiqlip_plugin.lipschitz.bounds import joint_l2_bound, sdp_bound
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.sdp import lmi as lmi_module
from hiqlip_plugin.sdp.lmi import ChainLMI, solve_chain_lmi, verify_chain_lmi

NORM_KIND = {"inf": "diagonal", "2": "scalar"}


def chain(net: ReLUNetwork, norm: str, output: int = 0) -> ChainLMI:
    return ChainLMI(tuple(net.weights[:-1]), net.weights[-1][output], NORM_KIND[norm])


def fgl_value(result, norm: str) -> float:
    return result.objective / 2 if norm == "inf" else math.sqrt(result.objective)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=4, max_size=5),
    seed=st.integers(0, 2**16),
    norm=st.sampled_from(["inf", "2"]),
)
def test_bound_is_above_the_exact_fgl(sizes, seed, norm):
    net = random_relu_network(sizes, seed=seed)
    exact = exact_fgl(net, 0, norm=norm).value
    bound = sdp_bound(net, 0, norm=norm)
    assert bound.solver == "first_order"
    assert bound.value >= exact * (1 - 1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(
    "sizes, seed", [((4, 3, 3, 1), 0), ((10, 8, 8, 2), 1), ((20, 16, 16, 16, 1), 2), ((30, 24, 24, 1), 3)]
)
@pytest.mark.parametrize("norm", ["inf", "2"])
def test_agrees_with_clarabel(sizes, seed, norm):
    net = random_relu_network(sizes, seed=seed)
    first = sdp_bound(net, 0, norm=norm, solver="first_order")
    try:
        reference = sdp_bound(net, 0, norm=norm, solver="CLARABEL", max_size=None)
    except SolverFailedError:
        pytest.skip("Clarabel did not converge")
    assert first.value == pytest.approx(reference.value, rel=1e-3)


def test_joint_bound_agrees_with_a_direct_cvxpy_lipsdp():
    cp = pytest.importorskip("cvxpy")
    net = random_relu_network((6, 5, 4, 3), seed=1)
    w1, w2, w3 = net.weights
    d, n1, n2 = 6, 5, 4
    size = d + n1 + n2
    rho, t1, t2 = cp.Variable(nonneg=True), cp.Variable(n1, nonneg=True), cp.Variable(n2, nonneg=True)
    g = rho * np.diag([1.0] * d + [0.0] * (n1 + n2)) - np.pad(w3.T @ w3, ((d + n1, 0), (d + n1, 0)))
    for prev, cur, w, tau in ((0, d, w1, t1), (d, d + n1, w2, t2)):
        for j in range(w.shape[0]):
            a, e = np.zeros(size), np.zeros(size)
            a[prev : prev + w.shape[1]], e[cur + j] = w[j], 1.0
            g = g + tau[j] * (2 * np.outer(e, e) - np.outer(a, e) - np.outer(e, a))
    cp.Problem(cp.Minimize(rho), [(g + g.T) / 2 >> 0]).solve(solver="CLARABEL")
    assert joint_l2_bound(net).value == pytest.approx(math.sqrt(rho.value), rel=1e-3)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_infeasible_multipliers_are_rejected(norm):
    net = random_relu_network((6, 5, 4, 1), seed=4)
    problem = chain(net, norm)
    result = solve_chain_lmi(problem)
    p, taus = result.input_multipliers, result.neuron_multipliers
    assert verify_chain_lmi(problem, result.objective, p, taus) > 0
    # below the optimum nothing is feasible: the objective 10% too small must fail the test
    assert verify_chain_lmi(problem, 0.9 * result.solver_value, p, taus) <= 0
    broken = (taus[0], 50.0 * taus[1])  # M loses positive definiteness
    assert verify_chain_lmi(problem, result.objective, p, broken) <= 0
    negative = (-taus[0], taus[1])
    assert verify_chain_lmi(problem, result.objective, p, negative) == -math.inf


def test_a_failed_certificate_raises(monkeypatch):
    monkeypatch.setattr(lmi_module, "verify_chain_lmi", lambda *args: -1.0)
    with pytest.raises(SolverFailedError, match="could not be certified"):
        solve_chain_lmi(chain(random_relu_network((4, 3, 3, 1), seed=0), "inf"))


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("layer, k", [(0, 7), (1, -40), (2, 300)])
def test_scaling_one_layer_by_a_power_of_two_scales_the_bound_exactly(norm, layer, k):
    net = random_relu_network((5, 4, 4, 2), seed=5)
    weights = list(net.weights)
    weights[layer] = np.ldexp(weights[layer], k)
    base = sdp_bound(net, 1, norm=norm)
    scaled = sdp_bound(ReLUNetwork(weights), 1, norm=norm)
    assert scaled.value == np.ldexp(base.value, k)


def test_time_limit_returns_a_certified_bound():
    net = random_relu_network((30, 24, 24, 24, 1), seed=6)
    full = sdp_bound(net, norm="inf")
    stopped = sdp_bound(net, norm="inf", time_limit=0.05)
    assert stopped.status == "not converged"
    assert stopped.value >= full.value * (1 - 1e-3)  # both certified: neither is below the SDP optimum
    assert stopped.details["iterations"] < full.details["iterations"]


def test_joint_bound_is_above_every_sampled_jacobian_norm():
    net = random_relu_network((8, 7, 6, 4), seed=7)
    report = estimate_lipschitz(net, norm=2, outputs="joint", seed=0)
    row = report[0]
    x = np.random.default_rng(1).uniform(-3, 3, size=(2000, 8))
    patterns = net.activation_patterns(x)
    jac = np.stack([net.weights[-1]] * len(x))
    for w, s in zip(reversed(net.weights[:-1]), reversed(patterns), strict=True):
        jac = (jac * s[:, None, :]) @ w
    largest = float(np.max(np.linalg.norm(jac, 2, axis=(1, 2))))
    assert row.upper >= largest
    assert row.upper >= row.lower and row.sampled <= row.upper
    assert row.lower == pytest.approx(row.sampled, rel=1e-9)
    assert row.certificate.verify(net)
    assert "joint" in row.upper_method and "lower bound on the" in row.notes[0]


def test_joint_requires_l2():
    with pytest.raises(ValueError, match="norm=2"):
        estimate_lipschitz(random_relu_network((3, 3, 3, 2), seed=0), outputs="joint")


def test_zero_target_gives_zero():
    problem = ChainLMI((np.ones((2, 2)), np.ones((1, 2))), np.zeros(1), "diagonal")
    assert solve_chain_lmi(problem).objective == 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"couplings": (np.ones((2, 3)), np.ones((1, 3))), "target": np.ones(1), "inputs": "scalar"}, "columns"),
        ({"couplings": (np.ones((2, 3)),), "target": np.ones(3), "inputs": "scalar"}, "shape"),
        ({"couplings": (np.ones((2, 3)),), "target": np.ones((2, 2)), "inputs": "diagonal"}, "shape"),
        ({"couplings": (np.ones((2, 3)),), "target": np.ones(2), "inputs": "full"}, "inputs"),
        ({"couplings": (np.full((2, 3), np.nan),), "target": np.ones(2), "inputs": "scalar"}, "NaN"),
    ],
)
def test_bad_chain_data_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ChainLMI(**kwargs)


def test_first_order_refuses_the_natural_sdp():
    with pytest.raises(ValueError, match="mixing"):
        sdp_bound(random_relu_network((3, 3, 1), seed=0), method="natural", solver="first_order")


@pytest.mark.parametrize("kwargs", [{"time_limit": "2"}, {"tol": "1e-6"}, {"time_limit": float("nan")}])
def test_bad_tolerances_and_limits_name_the_argument(kwargs):
    from hiqlip_plugin.lipschitz.bounds import sdp_bound
    from hiqlip_plugin.problems import random_relu_network

    name = next(iter(kwargs))
    with pytest.raises((TypeError, ValueError), match=name):
        sdp_bound(random_relu_network((4, 3, 3, 1), seed=0), **kwargs)
