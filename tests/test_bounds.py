"""Tests of hiqlip_plugin.lipschitz.bounds: every bound is >= the brute-force FGL, and solvers fail loudly."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError
from hiqlip_plugin.lipschitz.bounds import UpperBound, _lmi_pencil, product_bound, sdp_bound
from hiqlip_plugin.lipschitz.formulation import pattern_gradient
from hiqlip_plugin.problems import random_relu_network

K_G = 1.783  # Grothendieck's constant is below this
REL = 1e-9  # slack for comparing a certified bound with a float64 brute-force value

TWO_LAYER = [(5, 6, 2), (4, 8, 1), (7, 5, 3)]
DEEP = [(3, 4, 4, 1), (4, 3, 3, 3, 1), (5, 4, 3, 2)]


def brute_force_fgl(network: ReLUNetwork, output: int, norm: str) -> float:
    """max ||g||_q over all 0/1 patterns of every hidden layer (tiny networks only)."""
    c = network.output_direction(output)
    q = {"inf": 1, "2": 2, "1": np.inf}[norm]
    best = 0.0
    for bits in itertools.product((0, 1), repeat=sum(network.hidden_dims)):
        bounds = np.cumsum((0, *network.hidden_dims))
        patterns = [np.array(bits[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        best = max(best, float(np.linalg.norm(pattern_gradient(network, patterns, c), q)))
    return best


def assert_above(bound: UpperBound, exact: float) -> None:
    assert bound.value >= exact * (1 - REL), (bound, exact)


# ------------------------------------------------------------------ product bound
@pytest.mark.parametrize("sizes", TWO_LAYER + DEEP)
@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_product_bound_is_sound(sizes, norm):
    net = random_relu_network(sizes, seed=3)
    bound = product_bound(net, 0, norm=norm)
    assert_above(bound, brute_force_fgl(net, 0, norm))
    assert bound.method == "product" and bound.solver == "closed form" and bound.norm == norm
    assert bound.value == min(bound.details["operator_norm_product"], bound.details["interval"])
    assert bound.details["selected"] in ("operator_norm_product", "interval")


def test_operator_norm_product_matches_the_textbook_formulas():
    net = random_relu_network((6, 5, 4, 3), seed=0)
    w1, w2, w3 = net.weights
    head = w3[1]
    expected = {
        "inf": np.linalg.norm(w1.T, 1)
        * np.linalg.norm(w2.T, 1)
        * np.linalg.norm(head, 1),  # GeoLIP's product
        "2": np.linalg.norm(w1, 2) * np.linalg.norm(w2, 2) * np.linalg.norm(head, 2),
        "1": np.linalg.norm(w1, 1) * np.linalg.norm(w2, 1) * np.linalg.norm(head, np.inf),
    }
    for norm, value in expected.items():
        got = product_bound(net, 1, norm=norm).details["operator_norm_product"]
        assert got == pytest.approx(value, rel=1e-12)
        assert got >= value


def test_interval_bound_is_the_row_formula_for_two_layers():
    net = random_relu_network((6, 7, 1), seed=4)
    a = net.weights[0].T * net.weights[1][0]
    rows = np.maximum(np.maximum(a, 0).sum(axis=1), -np.minimum(a, 0).sum(axis=1))
    assert product_bound(net).details["interval"] == pytest.approx(rows.sum(), rel=1e-12)
    # for l1 the interval bound is the exact FGL of a two-layer network
    assert product_bound(net, norm=1).value == pytest.approx(
        brute_force_fgl(net, 0, "1"), rel=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=3, max_size=4),
    seed=st.integers(0, 2**16),
    norm=st.sampled_from(["inf", "2", "1"]),
)
def test_product_bound_property(sizes, seed, norm):
    net = random_relu_network(sizes, seed=seed)
    bound = product_bound(net, 0, norm=norm)
    assert_above(bound, brute_force_fgl(net, 0, norm))
    if norm != "2":  # interval arithmetic never loses to the operator-norm product for l_inf and l1
        assert bound.details["interval"] <= bound.details["operator_norm_product"] * (1 + 1e-12)


def test_product_bound_scales_with_the_direction():
    net = random_relu_network((4, 5, 3), seed=1)
    c = np.array([0.5, -1.0, 2.0])
    assert product_bound(net, direction=3 * c).value == pytest.approx(
        3 * product_bound(net, direction=c).value
    )


# --------------------------------------------------------------------- SDP bounds
@pytest.mark.parametrize("sizes", TWO_LAYER)
@pytest.mark.parametrize("norm", ["inf", "2"])
def test_natural_sdp_is_sound_and_tight(sizes, norm):
    net = random_relu_network(sizes, seed=5)
    exact = brute_force_fgl(net, 0, norm)
    bound = sdp_bound(net, 0, norm=norm, seed=0)
    assert (bound.method, bound.solver, bound.status) == ("natural_sdp", "mixing", "converged")
    assert_above(bound, exact)
    ratio = K_G if norm == "inf" else math.sqrt(math.pi / 2)
    assert bound.value <= ratio * exact
    assert bound.value <= product_bound(net, 0, norm=norm).value
    assert bound.details["solver_value"] <= bound.details["certified_sdp_value"]


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("solver", ["CLARABEL", "SCS"])
def test_cvxpy_and_mixing_agree_on_the_natural_sdp(norm, solver):
    net = random_relu_network((6, 7, 2), seed=2)
    mixing = sdp_bound(net, 1, norm=norm, method="natural", solver="mixing", seed=0)
    cvx = sdp_bound(net, 1, norm=norm, method="natural", solver=solver)
    assert cvx.solver == solver and cvx.status == "optimal"
    assert cvx.value == pytest.approx(mixing.value, rel=1e-4)
    assert_above(cvx, brute_force_fgl(net, 1, norm))


@pytest.mark.parametrize("sizes", TWO_LAYER)
def test_two_layer_lmi_methods_match_the_natural_sdp(sizes):
    net = random_relu_network(sizes, seed=6)
    for norm, method in (("inf", "dual"), ("2", "lipsdp")):
        natural = sdp_bound(net, 0, norm=norm, method="natural", seed=0)
        lmi = sdp_bound(net, 0, norm=norm, method=method)
        exact = brute_force_fgl(net, 0, norm)
        assert_above(natural, exact)
        assert_above(lmi, exact)
        assert lmi.value == pytest.approx(natural.value, rel=1e-4)


@pytest.mark.parametrize("sizes", DEEP)
@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("solver, status", [("first_order", "converged"), ("CLARABEL", "optimal")])
def test_deep_sdp_bounds_are_sound(sizes, norm, solver, status):
    net = random_relu_network(sizes, seed=7)
    for output in range(net.output_dim):
        exact = brute_force_fgl(net, output, norm)
        bound = sdp_bound(net, output, norm=norm, solver=solver)
        assert bound.method == ("dual_sdp" if norm == "inf" else "lipsdp_neuron")
        assert (bound.solver, bound.status) == (solver, status)
        assert_above(bound, exact)
        assert bound.value <= product_bound(net, output, norm=norm).value
        assert bound.details.get("correction", 0.0) >= 0.0


def test_lipsdp_with_thin_svd_reduction_is_sound():
    net = random_relu_network((9, 3, 3, 1), seed=8)  # d > n_1: W_1 is replaced by U S
    bound = sdp_bound(net, norm=2, method="lipsdp", solver="CLARABEL")
    assert bound.details["lmi_size"] == 3 + 3 + 3
    assert bound.details["lmi_block"] == 3 + 3
    assert_above(bound, brute_force_fgl(net, 0, "2"))


@pytest.mark.parametrize("norm, method, seed", [("inf", "dual", 0), ("2", "lipsdp", 1)])
def test_loose_solver_output_is_corrected_into_a_sound_bound(norm, method, seed):
    net = random_relu_network((4, 3, 3, 3, 1), seed=seed)
    exact = brute_force_fgl(net, 0, norm)
    bound = sdp_bound(net, norm=norm, method=method, solver="SCS", tol=1e-2)
    raw = bound.details["solver_value"]
    raw = raw / 2 if norm == "inf" else math.sqrt(raw)
    assert raw < exact  # the solver's own objective is NOT a bound here...
    assert bound.details["correction"] > 0
    assert_above(bound, exact)  # ...the corrected value is


@pytest.mark.parametrize("norm, method", [("inf", "dual"), ("2", "lipsdp")])
def test_lmi_pencil_quadratic_form(norm, method):
    """z^T G z = objective terms - sum of the neurons' quadratic constraints, for z built from any pattern."""
    net = random_relu_network((3, 4, 2, 1), seed=9)
    c = net.output_direction(0)
    pencil = _lmi_pencil(net, c, norm)
    rng = np.random.default_rng(0)
    v = rng.uniform(0.1, 2.0, pencil.coefficients.shape[1])
    x = rng.uniform(-1, 1, 3)
    deltas = [rng.uniform(0, 1, 4), rng.uniform(0, 1, 2)]
    pre1 = net.weights[0] @ x
    w1 = deltas[0] * pre1
    pre2 = net.weights[1] @ w1
    w2 = deltas[1] * pre2
    tau = v[-6:]
    qc = 2 * np.sum(tau * np.concatenate([w1 * (pre1 - w1), w2 * (pre2 - w2)]))
    gx = c @ net.weights[2] @ w2
    if norm == "inf":
        z = np.concatenate([[1.0], x, w1, w2])
        lam = v[1:4]
        expected = v[0] - np.sum(lam * (1 - x**2)) - 2 * gx - qc
    else:
        z = np.concatenate([x, w1, w2])
        expected = v[0] * x @ x - gx**2 - qc
    assert z @ pencil.matrix(v) @ z == pytest.approx(expected, rel=1e-12)
    assert z @ z <= pencil.radius_sq
    assert np.all(np.abs(z) <= pencil.scales * (1 + 1e-12))


def test_mixing_route_is_deterministic():
    net = random_relu_network((8, 6, 1), seed=10)
    assert sdp_bound(net, seed=4).value == sdp_bound(net, seed=4).value


def test_auto_for_l1_returns_the_product_bound():
    net = random_relu_network((4, 3, 3, 1), seed=0)
    bound = sdp_bound(net, norm=1)
    assert bound.method == "product"
    assert bound.value == product_bound(net, norm=1).value


def test_direction_and_output_agree():
    net = random_relu_network((4, 5, 3), seed=11)
    by_index = sdp_bound(net, 2, solver="CLARABEL")
    by_direction = sdp_bound(net, direction=[0.0, 0.0, 1.0], solver="CLARABEL")
    assert by_index.value == by_direction.value


# ------------------------------------------------------------------- failures
@pytest.mark.parametrize("method", ["natural", "dual"])
def test_unconverged_solver_raises(method):
    net = random_relu_network((5, 6, 1), seed=0)
    with pytest.raises(SolverFailedError, match="status"):
        sdp_bound(net, method=method, solver="SCS", solver_options={"max_iters": 2})


def test_too_large_for_cvxpy_raises():
    net = random_relu_network((30, 10, 1), seed=0)
    with pytest.raises(ProblemTooLargeError, match="max_size"):
        sdp_bound(net, solver="CLARABEL", max_size=40)  # side 30 + 10 + 1
    deep = random_relu_network((3, 6, 7, 1), seed=0)
    assert sdp_bound(deep, solver="CLARABEL", max_size=13).details["lmi_block"] == 13  # layers 6 + 7
    with pytest.raises(ProblemTooLargeError, match="block of side 13"):
        sdp_bound(deep, solver="CLARABEL", max_size=12)
    assert sdp_bound(deep, max_size=1).solver == "first_order"  # no size limit


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"norm": 3}, "unsupported norm"),
        ({"method": "natural"}, "two-layer"),
        ({"method": "dual", "norm": 2}, "lipsdp"),
        ({"method": "lipsdp", "norm": "inf"}, "dual"),
        ({"method": "natural", "norm": 1}, "l1"),
        ({"method": "dual", "solver": "mixing"}, "natural SDP only"),
        ({"method": "magic"}, "unknown method"),
        ({"solver": "MOSEK"}, "unknown solver"),
        ({"tol": 0.0}, "tol"),
        ({"time_limit": -1.0}, "time_limit"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    net = random_relu_network((3, 3, 3, 1), seed=0)
    with pytest.raises(ValueError, match=match):
        sdp_bound(net, **kwargs)


def test_product_bound_rejects_bad_norm_and_output():
    net = random_relu_network((3, 3, 2), seed=0)
    with pytest.raises(ValueError, match="unsupported norm"):
        product_bound(net, 0, norm=3)
    with pytest.raises(ValueError, match="outputs"):
        product_bound(net)


@pytest.mark.parametrize(("norm", "homogeneous"), [("inf", False), ("inf", True), (2, False)])
def test_sdp_initial_states_are_good_warm_starts(norm, homogeneous):
    import dimod

    from hiqlip_plugin import CIMSampler, fgl_bqm
    from hiqlip_plugin.lipschitz.bounds import sdp_initial_states
    from hiqlip_plugin.lipschitz.exact import exact_fgl

    net = random_relu_network((30, 12, 2), seed=4)
    qubo = fgl_bqm(net, output=1, norm=norm, homogeneous=homogeneous)
    states, labels = sdp_initial_states(qubo, num_samples=16, seed=0)
    assert set(labels) == set(qubo.bqm.variables) and states.shape == (16, len(labels))
    assert set(np.unique(states)) <= set(qubo.bqm.vartype.value)
    values = [qubo.decode(dict(zip(labels, row, strict=True))).value for row in states]
    exact = exact_fgl(net, output=1, norm=norm).value
    # the roundings are feasible points, and on this small net the best one is close to optimal
    assert max(values) <= exact * (1 + 1e-12) and max(values) >= 0.8 * exact
    sampleset = CIMSampler().sample(qubo.bqm, initial_states=(states, labels), num_reads=16, num_steps=200, seed=0)
    dimod.testing.assert_sampleset_energies(sampleset, qubo.bqm)
    assert qubo.decode(sampleset.first.sample).verify(net)
