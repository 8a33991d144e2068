"""fgl_bqm, LipschitzQUBO and Certificate: the mapping from a network to an Ising problem."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import Certificate, ReLUNetwork, fgl_bqm
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.lipschitz.formulation import (
    HOMOGENISING_LABEL,
    bilinear_matrix,
    block_matrix,
    parse_norm,
    pattern_gradient,
)
from hiqlip_plugin.problems import random_relu_network


def brute_force(network, c, norm):
    """Max over all pattern tuples of the gradient norm (tiny nets only)."""
    q = {"inf": 1, "2": 2, "1": np.inf}[norm]
    best = -np.inf
    for bits in itertools.product([0, 1], repeat=sum(network.hidden_dims)):
        patterns, start = [], 0
        for width in network.hidden_dims:
            patterns.append(np.array(bits[start : start + width]))
            start += width
        best = max(best, np.linalg.norm(pattern_gradient(network, patterns, c), q))
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("homogeneous", [False, True])
def test_ground_state_is_minus_fgl(seed, homogeneous):
    net = random_relu_network((5, 6, 3), seed=seed)
    qubo = fgl_bqm(net, output=seed % 3, homogeneous=homogeneous)
    best = dimod.ExactSolver().sample(qubo.bqm).first
    exact = brute_force(net, qubo.direction, "inf")
    assert -best.energy == pytest.approx(exact, rel=1e-12)
    cert = qubo.decode(best.sample)
    assert cert.value == pytest.approx(exact, rel=1e-12)
    assert cert.verify(net)


@pytest.mark.parametrize("seed", range(3))
def test_l2_ground_state(seed):
    net = random_relu_network((7, 8, 2), seed=seed)
    qubo = fgl_bqm(net, output=1, norm=2)
    assert qubo.bqm.vartype is dimod.BINARY
    best = dimod.ExactSolver().sample(qubo.bqm).first
    assert np.sqrt(-best.energy) == pytest.approx(brute_force(net, qubo.direction, "2"), rel=1e-10)
    assert qubo.decode(best.sample).value == pytest.approx(np.sqrt(-best.energy), rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    d=st.integers(1, 6),
    h=st.integers(1, 6),
    homogeneous=st.booleans(),
    data=st.data(),
)
def test_decoded_value_is_minus_energy(seed, d, h, homogeneous, data):
    net = random_relu_network((d, h, 2), seed=seed)
    qubo = fgl_bqm(net, direction=[1.0, -0.3], homogeneous=homogeneous)
    spins = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=qubo.bqm.num_variables, max_size=qubo.bqm.num_variables))
    sample = dict(zip(qubo.bqm.variables, spins, strict=True))
    cert = qubo.decode(sample)
    assert cert.value == pytest.approx(-qubo.bqm.energy(sample), rel=1e-9, abs=1e-9)
    assert cert.verify(net)
    assert set(sample) == set(qubo.input_variables) | set(qubo.hidden_variables) | (
        {HOMOGENISING_LABEL} if homogeneous else set()
    )


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_deep_block_energy_matches_certificate(seed, data):
    net = random_relu_network((3, 4, 3, 2, 2), seed=seed)
    layer = data.draw(st.integers(0, 2))
    patterns = [np.array(data.draw(st.lists(st.integers(0, 1), min_size=w, max_size=w))) for w in net.hidden_dims]
    qubo = fgl_bqm(net, output=0, patterns=patterns, layer=layer)
    spins = data.draw(st.lists(st.sampled_from([-1, 1]), min_size=qubo.bqm.num_variables, max_size=qubo.bqm.num_variables))
    sample = dict(zip(qubo.bqm.variables, spins, strict=True))
    cert = qubo.decode(sample)
    assert cert.value == pytest.approx(-qubo.bqm.energy(sample), rel=1e-9, abs=1e-9)
    kept = [p for k, p in enumerate(cert.patterns) if k != layer]
    assert all(np.array_equal(a, b) for a, b in zip(kept, [p for k, p in enumerate(patterns) if k != layer], strict=True))


def test_block_matrix_reproduces_gradient():
    net = random_relu_network((4, 5, 3, 2), seed=7)
    rng = np.random.default_rng(0)
    patterns = [rng.integers(0, 2, size=w) for w in net.hidden_dims]
    c = np.array([0.3, -1.0])
    g = pattern_gradient(net, patterns, c)
    for layer in range(2):
        np.testing.assert_allclose(block_matrix(net, c, patterns, layer) @ patterns[layer], g)


def test_bilinear_matrix_definition():
    net = random_relu_network((4, 3, 2), seed=0)
    a = bilinear_matrix(net, output=1)
    np.testing.assert_allclose(a, net.weights[0].T * net.weights[1][1])


def test_certificate_verify_detects_tampering():
    net = random_relu_network((4, 3, 2), seed=0)
    cert = Certificate.from_patterns(net, [np.array([1, 0, 1])], net.output_direction(0), input_signs=[1, -1, 1, 1])
    assert cert.verify(net)
    forged = Certificate(cert.patterns, cert.direction, cert.norm, cert.value * 1.01, cert.input_signs)
    assert not forged.verify(net)
    other = random_relu_network((4, 5, 2), seed=0)
    assert not cert.verify(other)
    assert cert.to_dict()["patterns"] == [[1, 0, 1]]


def test_certificate_norms():
    net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
    values = {n: Certificate.from_patterns(net, [[1, 1]], [1.0], norm=n).value for n in ("inf", 2, 1)}
    assert values == {"inf": 7.0, 2: 5.0, 1: 4.0}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"norm": 1}, ValueError, "closed form"),
        ({"norm": 3}, ValueError, "unsupported norm"),
        ({"output": 5}, ValueError, "out of range"),
        ({}, ValueError, "choose one"),
    ],
)
def test_fgl_bqm_bad_arguments(kwargs, error, message):
    net = random_relu_network((3, 3, 2), seed=0)
    with pytest.raises(error, match=message):
        fgl_bqm(net, **kwargs)


def test_deep_network_needs_a_block():
    net = random_relu_network((3, 3, 3, 2), seed=0)
    with pytest.raises(ValueError, match="higher-order"):
        fgl_bqm(net, output=0)
    with pytest.raises(ValueError, match="pattern 1 must have shape"):
        fgl_bqm(net, output=0, patterns=[None, [1, 1]], layer=0)


def test_decode_rejects_garbage():
    net = random_relu_network((3, 3, 1), seed=0)
    qubo = fgl_bqm(net)
    good = dict.fromkeys(qubo.bqm.variables, 1)
    with pytest.raises(SamplerOutputError, match="lacks variable"):
        qubo.decode({k: v for k, v in good.items() if k != ("x", 0)})
    with pytest.raises(SamplerOutputError, match="SPIN"):
        qubo.decode({**good, ("s", 0): 0})


def test_parse_norm():
    assert [parse_norm(v) for v in (np.inf, "inf", "Linf", 2, "l2", 1.0, "1")] == ["inf", "inf", "inf", "2", "2", "1", "1"]
    for bad in (True, 0, "max", None, -np.inf):
        with pytest.raises(ValueError):
            parse_norm(bad)
