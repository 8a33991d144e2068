"""Realizability LP: reachable patterns are found with a witness input, impossible ones are refused."""

from __future__ import annotations

import numpy as np
import pytest

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.exceptions import SolverFailedError
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import Certificate
from hiqlip_plugin.lipschitz.realizability import (
    MARGIN_TOLERANCE,
    check_realizability,
    pattern_constraints,
)
from hiqlip_plugin.problems import random_relu_network


def same_patterns(first, second) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("sizes", [(3, 6, 1), (5, 8, 6, 2), (2, 4, 4, 4, 1), (10, 20, 3)])
def test_pattern_of_a_random_input_is_realizable(sizes):
    net = random_relu_network(sizes, seed=len(sizes))
    rng = np.random.default_rng(0)
    for x in rng.normal(scale=2.0, size=(5, net.input_dim)):
        patterns = net.activation_patterns(x)
        result = check_realizability(net, patterns)
        assert result.realizable
        assert MARGIN_TOLERANCE < result.margin <= 1.0
        assert same_patterns(net.activation_patterns(result.point), patterns)


def test_lp_point_has_the_certificate_gradient():
    net = random_relu_network((4, 7, 5, 2), seed=3)
    x = np.array([0.3, -1.2, 0.8, 2.0])
    cert = Certificate.from_patterns(
        net, net.activation_patterns(x), net.output_direction(1), norm=2
    )
    result = check_realizability(net, cert)
    assert result.realizable
    np.testing.assert_allclose(
        net.gradients(result.point, cert.direction), cert.gradient(net), rtol=1e-12
    )


def test_pattern_constraints_reproduce_pre_activations():
    net = random_relu_network((3, 5, 4, 1), seed=8)
    x = np.array([1.0, -0.5, 0.25])
    g, e = pattern_constraints(net, net.activation_patterns(x))
    hidden, pre = x, []
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        pre.append(w @ hidden + b)
        hidden = np.maximum(pre[-1], 0.0)
    np.testing.assert_allclose(g @ x + e, np.concatenate(pre), rtol=1e-12, atol=1e-12)


OPPOSITE = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, -2.0]]), np.ones((1, 2))])


@pytest.mark.parametrize(
    "pattern, possible", [([1, 1], False), ([0, 0], False), ([1, 0], True), ([0, 1], True)]
)
def test_opposite_units(pattern, possible):
    # w.x > 0 and -w.x > 0 is empty; w.x <= 0 and -w.x <= 0 is the line w.x = 0 (margin 0, no open set)
    result = check_realizability(OPPOSITE, [pattern])
    assert result.realizable is possible
    assert (result.point is not None) is possible
    if not possible:
        assert result.margin <= MARGIN_TOLERANCE


def test_unit_constant_on_the_region():
    # first layer all off: the second layer sees only its biases (+0.5, -0.5)
    net = ReLUNetwork(
        [np.array([[1.0], [1.0]]), np.array([[1.0, 1.0], [2.0, 0.0]]), np.ones((1, 2))],
        [np.zeros(2), np.array([0.5, -0.5]), None],
    )
    assert check_realizability(net, [[0, 0], [1, 0]]).realizable
    refused = check_realizability(net, [[0, 0], [1, 1]])
    assert not refused.realizable
    assert "constant pre-activation" in refused.status
    assert not check_realizability(net, [[0, 0], [0, 0]]).realizable
    # a unit with the constant pre-activation 0 is off, as activation_patterns says
    zero = ReLUNetwork(
        [np.array([[1.0]]), np.array([[1.0]]), np.ones((1, 1))], [np.zeros(1), np.zeros(1), None]
    )
    assert check_realizability(zero, [[0], [0]]).realizable
    assert not check_realizability(zero, [[0], [1]]).realizable


def test_box_restricts_the_inputs():
    net = ReLUNetwork([np.array([[1.0]]), np.ones((1, 1))], [np.array([-10.0]), None])
    assert check_realizability(net, [[1]]).realizable
    assert not check_realizability(net, [[1]], box=(-5.0, 5.0)).realizable
    inside = check_realizability(net, [[0]], box=(np.array([-5.0]), np.array([5.0])))
    assert inside.realizable and -5.0 <= inside.point[0] <= 5.0


def test_margin_is_a_distance_and_is_capped():
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 0.0, -4.0])
    # region x1 > 0, x2 > 0, x1 + x2 < 4: inscribed circle radius 4 / (2 + sqrt 2)
    for scale in (1.0, 100.0):
        net = ReLUNetwork([scale * w, np.ones((1, 3))], [scale * b, None])
        result = check_realizability(net, [[1, 1, 0]], margin_cap=10.0)
        assert result.margin == pytest.approx(4.0 / (2.0 + np.sqrt(2.0)), rel=1e-7)
    assert check_realizability(net, [[1, 1, 0]], margin_cap=0.1).margin == pytest.approx(0.1)


def test_exact_witness_of_a_tiny_net_is_realizable():
    # W = I: every pattern of the first layer is an orthant, so the FGL is attained
    net = ReLUNetwork([np.eye(3), np.array([[1.0, -2.0, 0.5]])])
    result = check_realizability(net, exact_fgl(net).certificate)
    assert result.realizable
    assert (
        np.abs(net.gradients(result.point, [1.0])).sum()
        == pytest.approx(exact_fgl(net).value)
        == 3.5
    )


@pytest.mark.parametrize(
    "patterns, message",
    [
        ([[1, 0]], "expected 2 patterns"),
        ([[1, 0, 1], [1, 0]], r"shape \(2,\)"),
        ([[1, 0], [2, 0]], "0/1"),
        ([[1, 0], [np.nan, 1]], "0/1"),
    ],
)
def test_bad_patterns_are_refused(patterns, message):
    net = random_relu_network((2, 2, 2, 1), seed=0)
    with pytest.raises(ValueError, match=message):
        check_realizability(net, patterns)


def test_bad_options_are_refused():
    net = random_relu_network((2, 3, 1), seed=0)
    with pytest.raises(ValueError, match="margin_cap"):
        check_realizability(net, [[1, 0, 1]], margin_cap=0.0)
    with pytest.raises(ValueError, match="margin_cap"):
        check_realizability(net, [[1, 0, 1]], margin_cap=np.inf)
    with pytest.raises(ValueError, match="lo < hi"):
        check_realizability(net, [[1, 0, 1]], box=(1.0, 1.0))
    with pytest.raises(ValueError, match="box"):
        check_realizability(net, [[1, 0, 1]], box=(np.zeros(3), 1.0))
    with pytest.raises(ValueError, match="finite"):
        check_realizability(net, [[1, 0, 1]], box=(-np.inf, 1.0))


def test_realizable_rests_on_a_forward_pass(monkeypatch):
    # an LP answer whose point does not show the pattern (solver tolerance, a bad solver) is not trusted
    from types import SimpleNamespace

    from hiqlip_plugin.lipschitz import realizability

    net = ReLUNetwork([np.array([[1.0], [1.0]]), np.ones((1, 2))], [np.array([0.0, -1.0]), None])
    assert check_realizability(net, [[1, 0]]).realizable
    lying = SimpleNamespace(status=0, x=np.array([5.0, 0.5]), message="Optimization terminated successfully.")
    monkeypatch.setattr(realizability, "linprog", lambda *a, **k: lying)
    result = check_realizability(net, [[1, 0]])
    assert not result.realizable and result.point is None and "forward pass" in result.status


def test_margin_below_the_solver_tolerance_is_not_realizable():
    # at inputs near 1e9 a Chebyshev radius of 1e-7 is float noise, far below HiGHS's tolerance at that scale
    net = ReLUNetwork([np.array([[1.0], [1.0]]), np.ones((1, 2))], [np.array([-1e9, -1e9 - 2e-7]), None])
    result = check_realizability(net, [[1, 0]])
    assert not result.realizable and result.point is None
    # the same slab at unit scale, 1e-2 wide, is realizable and its point verified
    wide = ReLUNetwork([np.array([[1.0], [1.0]]), np.ones((1, 2))], [np.array([-1.0, -1.02]), None])
    result = check_realizability(wide, [[1, 0]])
    assert result.realizable
    assert [p.tolist() for p in wide.activation_patterns(result.point)] == [[1, 0]]


def _fails_first(monkeypatch, calls):
    """Make HiGHS fail on the first LP only (as it did on a badly scaled row of the digits_deep net)."""
    from types import SimpleNamespace

    from hiqlip_plugin.lipschitz import realizability

    solve = realizability.linprog

    def flaky(*args, **kwargs):
        calls.append(kwargs.get("A_ub"))
        if len(calls) == 1:
            return SimpleNamespace(status=4, x=None, message="HiGHS Status 15: model_status is Unknown")
        return solve(*args, **kwargs)

    monkeypatch.setattr(realizability, "linprog", flaky)


def test_a_failed_lp_is_solved_again_with_nearly_constant_rows_held(monkeypatch):
    # unit 1's pre-activation barely depends on x (row norm 1e-10 of unit 0's): the re-solve holds it constant
    # and returns only a point that passes the forward check, saying so in the status
    net = ReLUNetwork([np.array([[1.0], [1e-10]]), np.ones((1, 2))], [np.array([0.0, 0.5]), None])
    calls: list = []
    _fails_first(monkeypatch, calls)
    result = check_realizability(net, [[1, 1]])
    assert len(calls) == 2 and calls[0].shape[0] == 2 and calls[1].shape[0] == 1
    assert result.realizable and "held constant" in result.status
    assert [p.tolist() for p in net.activation_patterns(result.point)] == [[1, 1]]


def test_a_failed_lp_never_becomes_a_negative_answer(monkeypatch):
    # against its pattern the nearly constant unit could still flip at |x| ~ 5e9: undecided, not "unrealizable"
    net = ReLUNetwork([np.array([[1.0], [1e-10]]), np.ones((1, 2))], [np.array([0.0, -0.5]), None])
    _fails_first(monkeypatch, [])
    with pytest.raises(SolverFailedError, match="nearly constant.*undecided"):
        check_realizability(net, [[1, 1]])


def test_a_failed_lp_whose_re_solve_finds_no_point_is_undecided(monkeypatch):
    # the re-solve dropped a row, so its "no point" proves nothing about the original LP
    net = ReLUNetwork([np.array([[1.0], [1e-10]]), np.ones((1, 2))], [np.array([0.0, 0.5]), None])
    _fails_first(monkeypatch, [])
    with pytest.raises(SolverFailedError, match="no verified point.*undecided"):
        check_realizability(net, [[1, 1]], box=(-1.0, -0.5))  # unit 0 is negative on the whole box


def test_the_estimate_survives_an_undecided_realizability_lp(monkeypatch):
    from hiqlip_plugin import estimate_lipschitz
    from hiqlip_plugin.lipschitz import estimate

    def undecided(*args, **kwargs):
        raise SolverFailedError("the realizability LP did not solve: HiGHS Status 15")

    monkeypatch.setattr(estimate, "check_realizability", undecided)
    result = estimate_lipschitz(random_relu_network((6, 5, 4, 1), seed=0), exact=False, seed=0)[0]
    assert result.attained is None
    assert any("realizability undecided" in note for note in result.notes)


def test_bundled_deep_example_output_8_completes():
    # Regression: HiGHS stopped with an unknown status on this output's witness pattern (a hidden unit whose
    # gradient row has norm 1e-11) and the whole `hiqlip estimate --example digits_deep` failed.
    from hiqlip_plugin import estimate_lipschitz
    from hiqlip_plugin.examples import digits_deep_mlp

    estimate = estimate_lipschitz(digits_deep_mlp(), outputs=8, seed=0)[0]
    assert estimate.lower <= estimate.upper and estimate.attained in (True, False, None)
