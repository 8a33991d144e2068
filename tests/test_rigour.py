"""No false bound at any weight scale: exact power-of-two prescaling (hiqlip_plugin._verified) end to end."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import ReLUNetwork, estimate_lipschitz
from hiqlip_plugin._verified import (
    certified_min_eigenvalue,
    ldexp_down,
    ldexp_up,
    prescale,
    scaled_norm,
)
from hiqlip_plugin.exceptions import FloatRangeError, InvalidNetworkError
from hiqlip_plugin.lipschitz.bounds import product_bound, sdp_bound
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import Certificate
from hiqlip_plugin.problems import random_relu_network


def scaled(net: ReLUNetwork, factors) -> ReLUNetwork:
    return ReLUNetwork([w * f for w, f in zip(net.weights, factors, strict=True)], net.biases)


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("factor", [1e-100, 1e100])
def test_extreme_scales_end_to_end(norm, factor):
    base = random_relu_network((6, 5, 2), seed=0)
    net = scaled(base, [factor, factor])
    expected = estimate_lipschitz(base, outputs=0, norm=norm, seed=0)[0]
    row = estimate_lipschitz(net, outputs=0, norm=norm, seed=0)[0]
    assert row.exact  # enumerated
    assert 0 < row.lower <= row.upper
    assert row.lower == pytest.approx(expected.lower * factor**2, rel=1e-9)
    assert row.upper == pytest.approx(expected.upper * factor**2, rel=1e-6)
    assert row.sampled is None or row.sampled <= row.upper


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_deep_net_at_extreme_scales(norm):
    base = random_relu_network((5, 4, 4, 1), seed=1)
    for factor in (1e-100, 1e100):
        net = scaled(base, [factor] * 3)
        exact = exact_fgl(net, norm=norm).value
        assert exact > 0
        for bound in (product_bound(net, norm=norm), sdp_bound(net, norm=norm)):
            assert bound.value >= exact > 0


def test_overflowing_constant_is_a_clear_error():
    net = scaled(random_relu_network((4, 3, 1), seed=2), [1e300, 1e300])
    with pytest.raises(FloatRangeError, match="overflows float64"):
        estimate_lipschitz(net, outputs=0, seed=0)
    with pytest.raises(FloatRangeError, match="rescale|divide the weights"):
        sdp_bound(net)


@settings(max_examples=15, deadline=None)
@given(
    depth=st.integers(2, 3),
    exponents=st.lists(st.integers(-300, 300), min_size=3, max_size=3),
    seed=st.integers(0, 2**16),
    norm=st.sampled_from(["inf", "2"]),
)
def test_every_upper_bound_is_above_the_exact_fgl_at_any_power_of_two(depth, exponents, seed, norm):
    sizes = (4, 3, 2, 1)[: depth] + (1,) if depth == 2 else (4, 3, 3, 1)
    base = random_relu_network(sizes, seed=seed)
    k = exponents[:depth]
    net = ReLUNetwork([np.ldexp(w, e) for w, e in zip(base.weights, k, strict=True)])
    exact = exact_fgl(net, norm=norm).value
    assert exact == ldexp_down(exact_fgl(base, norm=norm).value, sum(k))
    for bound in (product_bound(net, norm=norm), sdp_bound(net, norm=norm, seed=0)):
        assert bound.value >= exact
        reference = product_bound(base, norm=norm) if bound.method == "product" else sdp_bound(base, norm=norm, seed=0)
        assert bound.value == ldexp_up(reference.value, sum(k))  # scales exactly


def test_certificate_value_does_not_underflow():
    net = scaled(random_relu_network((3, 3, 1), seed=3), [1e-160, 1e-160])
    cert = Certificate.from_patterns(net, [[1, 1, 1]], [1.0], norm=2)
    assert cert.value > 0 and cert.verify(net)


def test_directed_rounding_helpers():
    assert ldexp_up(1.0, -1080) > 0 and ldexp_down(1.0, -1080) == 0.0
    assert ldexp_up(1.5, -1074) >= 1.5 * 2.0**-1074
    assert ldexp_down(3.0, -1074) <= 3.0 * 2.0**-1074
    with pytest.raises(FloatRangeError):
        ldexp_up(1.0, 1100)
    assert scaled_norm(np.array([3e-200, 4e-200]), 2) == pytest.approx(5e-200, rel=1e-15)
    assert scaled_norm(np.array([3e200, 4e200]), 2) == pytest.approx(5e200, rel=1e-15)


def test_prescale_is_exact_and_refuses_what_it_cannot_scale_exactly():
    net = ReLUNetwork([np.array([[3.0, -1e-30]]), np.array([[2.0**-700]])])
    result = prescale(net)
    assert result.exponent == 1 - 700
    for original, factor, w in zip(net.weights, (1, -700), result.network.weights, strict=True):
        assert np.array_equal(np.ldexp(w, factor), original)
    with pytest.raises(InvalidNetworkError, match="exponent range"):
        prescale(ReLUNetwork([np.array([[1e300, 1e-300]]), np.ones((1, 1))]))


def test_certified_min_eigenvalue_can_fail_and_accounts_for_errors():
    a = np.array([[1.0, 0.0], [0.0, 1e-3]])
    assert certified_min_eigenvalue(a) > 0
    assert certified_min_eigenvalue(a, np.full((2, 2), 1e-3)) <= 0  # the error could make it singular
    assert certified_min_eigenvalue(-a) < 0
