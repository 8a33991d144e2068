"""Gradient sampling: a real gradient norm, never above the exact FGL, reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.sampling import default_radius, dual_norm, sampled_lipschitz
from hiqlip_plugin.problems import random_relu_network

FAST = {"num_samples": 2000, "ascent_steps": 20, "num_ascent": 8}


@pytest.mark.parametrize("sizes", [(3, 8, 2), (10, 6, 1), (4, 5, 5, 2), (3, 3, 4, 3, 1)])
@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_below_exact_fgl_and_a_real_gradient(sizes, norm):
    net = random_relu_network(sizes, seed=len(sizes))
    for k in range(net.output_dim):
        bound = sampled_lipschitz(net, output=k, norm=norm, seed=k, **FAST)
        assert bound.value <= exact_fgl(net, output=k, norm=norm).value * (1 + 1e-12)
        gradient = net.gradients(bound.point, net.output_direction(k))
        np.testing.assert_array_equal(bound.gradient, gradient)
        expected = np.linalg.norm(gradient, ord={"inf": 1, "2": 2, "1": np.inf}[norm])
        assert bound.value == pytest.approx(expected, rel=1e-14)
        assert bound.norm == norm


def test_reaches_the_fgl_when_every_pattern_is_realizable():
    net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
    assert sampled_lipschitz(net, num_samples=200, seed=0).value == 7.0
    assert sampled_lipschitz(net, norm=2, num_samples=200, seed=0).value == 5.0
    assert sampled_lipschitz(net, norm=1, num_samples=200, seed=0).value == 4.0


def test_same_seed_same_answer():
    net = random_relu_network((6, 10, 3), seed=2)
    first = sampled_lipschitz(net, output=2, seed=7, **FAST)
    again = sampled_lipschitz(net, output=2, seed=7, **FAST)
    assert first.value == again.value
    np.testing.assert_array_equal(first.point, again.point)


def test_ascent_only_improves_and_counts_evaluations():
    net = random_relu_network((12, 16, 1), seed=4)
    plain = sampled_lipschitz(net, num_samples=300, ascent_steps=0, seed=3)
    refined = sampled_lipschitz(net, num_samples=300, ascent_steps=30, num_ascent=8, seed=3)
    assert refined.value >= plain.value
    assert plain.num_evaluations == 300
    assert refined.num_evaluations == 300 + 30 * 8


def test_points_stay_in_the_box():
    net = random_relu_network((5, 7, 1), seed=1)
    bound = sampled_lipschitz(net, radius=0.5, seed=0, **FAST)
    assert np.all(np.abs(bound.point) <= 0.5)


def test_default_radius_covers_first_layer_hyperplanes():
    net = ReLUNetwork(
        [np.array([[3.0, 4.0], [0.0, 0.0]]), np.ones((1, 2))], [np.array([-25.0, 7.0]), None]
    )
    assert default_radius(net) == 10.0  # distance 25 / 5 = 5; the zero row is ignored
    assert default_radius(random_relu_network((4, 4, 1), seed=0, biases=False)) == 5.0


def test_time_limit_stops_early():
    net = random_relu_network((6, 8, 1), seed=0)
    bound = sampled_lipschitz(net, num_samples=10**7, seed=0, time_limit=1e-9)
    assert bound.num_evaluations < 10**7
    assert bound.value == float(dual_norm(net.gradients(bound.point, [1.0]), "inf"))


def test_dual_norm():
    np.testing.assert_array_equal(dual_norm([[3.0, -4.0], [1.0, 0.0]], "inf"), [7.0, 1.0])
    assert float(dual_norm([3.0, -4.0], 2)) == 5.0
    assert float(dual_norm([3.0, -4.0], "l1")) == 4.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_samples": 0}, "num_samples"),
        ({"ascent_steps": -1}, "ascent_steps"),
        ({"radius": -1.0}, "radius"),
        ({"radius": np.nan}, "radius"),
        ({"time_limit": 0}, "time_limit"),
        ({"norm": "l3"}, "norm"),
        ({"direction": [np.nan]}, "NaN"),
    ],
)
def test_bad_inputs_are_refused(kwargs, message):
    net = random_relu_network((3, 4, 1), seed=0)
    with pytest.raises(ValueError, match=message):
        sampled_lipschitz(net, **kwargs)


def test_non_integer_counts_are_a_type_error():
    net = random_relu_network((3, 4, 1), seed=0)
    with pytest.raises(TypeError, match="num_ascent"):
        sampled_lipschitz(net, num_ascent=1.5)


@pytest.mark.parametrize(("kwargs", "error"), [({"seed": 0.5}, TypeError), ({"seed": "0"}, TypeError),
                                               ({"seed": -1}, ValueError), ({"time_limit": "1"}, TypeError),
                                               ({"time_limit": 0}, ValueError)])
def test_bad_seed_and_time_limit_name_the_argument(kwargs, error):
    net = random_relu_network((3, 4, 1), seed=0)
    with pytest.raises(error, match=next(iter(kwargs))):
        sampled_lipschitz(net, num_samples=10, **kwargs)
