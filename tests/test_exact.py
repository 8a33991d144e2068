"""Exact FGL: agreement with the BQM's ground state and with independent brute force in every norm."""

from __future__ import annotations

import dataclasses
import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.exceptions import ProblemTooLargeError
from hiqlip_plugin.ising import ising_arrays
from hiqlip_plugin.lipschitz.exact import MAX_BITS, enumeration_bits, exact_fgl
from hiqlip_plugin.lipschitz.formulation import fgl_bqm, input_label
from hiqlip_plugin.problems import random_relu_network

DUAL = {"inf": 1, "2": 2, "1": np.inf}


def brute_over_patterns(network: ReLUNetwork, c: np.ndarray, norm: str) -> float:
    """Every pattern of every hidden layer; the gradient as an explicit product of diagonal matrices."""
    best = -np.inf
    layers = [itertools.product((0, 1), repeat=w) for w in network.hidden_dims]
    for patterns in itertools.product(*layers):
        jacobian = np.eye(network.input_dim)
        for w, s in zip(network.weights[:-1], patterns, strict=True):
            jacobian = np.diag(np.array(s, dtype=float)) @ w @ jacobian
        g = c @ network.weights[-1] @ jacobian
        best = max(best, float(np.linalg.norm(g, ord=DUAL[norm])))
    return best


def brute_over_signs(network: ReLUNetwork, c: np.ndarray) -> float:
    """Two-layer l_inf FGL over the input side: max_x sum_j max(0, u_j (W x)_j), u = c^T W_2."""
    u = c @ network.weights[1]
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=network.input_dim)))
    return float(np.maximum((signs @ network.weights[0].T) * u, 0.0).sum(axis=1).max())


def bqm_minimum_by_inputs(bqm: dimod.BinaryQuadraticModel, d: int) -> float:
    """Minimum energy of a bipartite SPIN BQM: enumerate the input spins, minimise the hidden ones in closed form."""
    inputs = [input_label(i) for i in range(d)]
    hidden = [v for v in bqm.variables if v not in set(inputs)]
    arrays = ising_arrays(bqm, variable_order=inputs + hidden, sparse=False)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=d)))
    fields_on_hidden = signs @ arrays.coupling[:d, d:] + arrays.linear[d:]
    energies = signs @ arrays.linear[:d] - np.abs(fields_on_hidden).sum(axis=1) + arrays.offset
    return float(energies.min())


TWO_LAYER = [
    (3, 5, 2),
    (5, 9, 1),
    (8, 6, 3),
    (3, 12, 1),
    (6, 11, 2),
    (12, 7, 1),
    (1, 4, 1),
    (4, 1, 2),
]


@pytest.mark.parametrize("sizes", TWO_LAYER)
@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_two_layer_matches_brute_force(sizes, norm):
    net = random_relu_network(sizes, seed=sum(sizes))
    for k in range(net.output_dim):
        result = exact_fgl(net, output=k, norm=norm)
        expected = brute_over_patterns(net, net.output_direction(k), norm)
        assert result.value == pytest.approx(expected, rel=1e-10)
        assert result.certificate.verify(net)
        assert result.certificate.value == result.value
        assert result.certificate.norm == norm


@pytest.mark.parametrize("sizes", [(4, 10, 1), (6, 11, 2), (11, 5, 1), (10, 3, 2), (7, 7, 1)])
def test_input_side_and_hidden_side_agree(sizes):
    net = random_relu_network(sizes, seed=7)
    for k in range(net.output_dim):
        c = net.output_direction(k)
        over_signs, over_patterns = brute_over_signs(net, c), brute_over_patterns(net, c, "inf")
        assert over_signs == pytest.approx(over_patterns, rel=1e-10)
        assert exact_fgl(net, output=k).value == pytest.approx(over_signs, rel=1e-10)


@pytest.mark.parametrize("sizes", [(3, 5, 2), (5, 9, 1), (8, 6, 1), (3, 12, 1)])
def test_bqm_ground_state_is_minus_exact(sizes):
    net = random_relu_network(sizes, seed=1)
    for k in range(net.output_dim):
        qubo = fgl_bqm(net, output=k)
        ground = dimod.ExactSolver().sample(qubo.bqm).first
        exact = exact_fgl(net, output=k).value
        assert -ground.energy == pytest.approx(exact, rel=1e-10)
        assert qubo.decode(ground.sample).value == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize("sizes", [(12, 12, 1), (10, 12, 2), (12, 9, 1)])
def test_large_bqm_minimum_is_minus_exact(sizes):
    net = random_relu_network(sizes, seed=2)
    for k in range(net.output_dim):
        for homogeneous in (False, True):
            qubo = fgl_bqm(net, output=k, homogeneous=homogeneous)
            # the homogenising spin couples to inputs only, like the hidden spins, so it is minimised in closed form
            minimum = bqm_minimum_by_inputs(qubo.bqm, net.input_dim)
            assert -minimum == pytest.approx(exact_fgl(net, output=k).value, rel=1e-10)


def test_l2_bqm_minimum_is_minus_square():
    net = random_relu_network((5, 10, 1), seed=3)
    ground = dimod.ExactSolver().sample(fgl_bqm(net, norm=2).bqm).first
    assert np.sqrt(-ground.energy) == pytest.approx(exact_fgl(net, norm=2).value, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3)),
    net_seed=st.integers(0, 2**16),
    spin_seed=st.integers(0, 2**16),
    homogeneous=st.booleans(),
)
def test_decoded_random_sample_value_is_minus_energy(sizes, net_seed, spin_seed, homogeneous):
    net = random_relu_network(sizes, seed=net_seed)
    k = net_seed % net.output_dim
    qubo = fgl_bqm(net, output=k, homogeneous=homogeneous)
    rng = np.random.default_rng(spin_seed)
    sample = {v: int(rng.choice((-1, 1))) for v in qubo.bqm.variables}
    cert = qubo.decode(sample)
    assert cert.value == pytest.approx(-qubo.bqm.energy(sample), rel=1e-9, abs=1e-12)
    assert cert.verify(net)
    assert cert.value <= exact_fgl(net, output=k).value + 1e-9


DEEP = [(3, 3, 2, 1), (2, 4, 3, 2), (4, 2, 3, 2, 1), (3, 2, 2, 3, 2), (5, 3, 4, 1)]


@pytest.mark.parametrize("sizes", DEEP)
@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_deep_matches_brute_force(sizes, norm):
    net = random_relu_network(sizes, seed=len(sizes))
    for k in range(net.output_dim):
        result = exact_fgl(net, output=k, norm=norm)
        assert result.value == pytest.approx(
            brute_over_patterns(net, net.output_direction(k), norm), rel=1e-10
        )
        assert result.certificate.verify(net)
        assert len(result.certificate.patterns) == len(net.hidden_dims)


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 64, 2**20])
@pytest.mark.parametrize("sizes", [(9, 6, 1), (5, 9, 1), (3, 4, 3, 1)])
def test_chunk_size_never_changes_the_answer(sizes, chunk_size):
    net = random_relu_network(sizes, seed=11)
    for norm in ("inf", "2", "1"):
        reference = exact_fgl(net, norm=norm)
        result = exact_fgl(net, norm=norm, chunk_size=chunk_size)
        assert result.value == pytest.approx(reference.value, rel=1e-12)
        assert result.num_enumerated == reference.num_enumerated


def test_direction_instead_of_output():
    net = random_relu_network((4, 6, 3), seed=5)
    c = np.array([0.5, -2.0, 1.0])
    assert exact_fgl(net, direction=c).value == pytest.approx(
        brute_over_patterns(net, c, "inf"), rel=1e-10
    )


def test_l1_closed_form_at_any_size():
    net = random_relu_network((300, 400, 1), seed=0)
    result = exact_fgl(net, norm=1)
    a = net.weights[0].T * net.weights[1][0]
    expected = max(np.maximum(a, 0).sum(axis=1).max(), np.maximum(-a, 0).sum(axis=1).max())
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.num_enumerated == 1


def test_num_enumerated_counts_cases():
    assert exact_fgl(random_relu_network((6, 10, 1), seed=0)).num_enumerated == 2**6
    assert exact_fgl(random_relu_network((10, 6, 1), seed=0)).num_enumerated == 2**6
    deep = random_relu_network((3, 4, 2, 1), seed=0)
    assert exact_fgl(deep).num_enumerated == 2 ** (2 + 3)
    assert exact_fgl(deep, norm=2).num_enumerated == 2 ** (2 + 4)
    assert exact_fgl(deep, norm=1).num_enumerated == 2**2


def test_enumeration_bits():
    net = random_relu_network((30, 20, 5, 1), seed=0)
    assert enumeration_bits(net) == 25
    assert enumeration_bits(net, 2) == 25
    assert enumeration_bits(net, "l1") == 5


def test_refuses_beyond_the_limit():
    with pytest.raises(ProblemTooLargeError, match=r"2\^30 cases.*max_bits=26"):
        exact_fgl(random_relu_network((30, 30, 1), seed=0))
    with pytest.raises(ProblemTooLargeError, match=r"max_bits=10"):
        exact_fgl(random_relu_network((4, 4, 4, 4, 1), seed=0), max_bits=10)
    with pytest.raises(ProblemTooLargeError):
        exact_fgl(random_relu_network((3, 40, 1), seed=0), norm=2)
    assert MAX_BITS == 26
    assert (
        exact_fgl(random_relu_network((4, 4, 4, 4, 1), seed=0), max_bits=12).num_enumerated == 2**12
    )


def test_quiet_by_default_and_progress_bar(capsys):
    net = random_relu_network((6, 9, 1), seed=0)
    exact_fgl(net)
    assert capsys.readouterr() == ("", "")
    exact_fgl(net, progress=True, chunk_size=8)
    assert "exact l_inf FGL" in capsys.readouterr().err


def test_result_is_read_only():
    result = exact_fgl(random_relu_network((3, 3, 1), seed=0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 0.0  # type: ignore[misc]
    assert result.wall_time >= 0 and result.norm == "inf"


def test_bad_inputs_are_refused():
    net = random_relu_network((3, 4, 2), seed=0)
    with pytest.raises(TypeError, match="ReLUNetwork"):
        exact_fgl(np.ones((3, 3)), output=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="norm"):
        exact_fgl(net, output=0, norm=3)
    with pytest.raises(ValueError, match="max_bits"):
        exact_fgl(net, output=0, max_bits=0)
    with pytest.raises(TypeError, match="chunk_size"):
        exact_fgl(net, output=0, chunk_size=True)
    with pytest.raises(ValueError, match="outputs"):
        exact_fgl(net)
    with pytest.raises(ValueError, match="out of range"):
        exact_fgl(net, output=5)
    with pytest.raises(ValueError, match="NaN"):
        exact_fgl(net, direction=[np.nan, 1.0])
