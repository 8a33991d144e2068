"""deep_block_search and adjacent_blocks_qubo: exact block moves on networks with several hidden layers."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin import fgl_bqm
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.lipschitz.deep import (
    adjacent_blocks_qubo,
    deep_block_search,
    layer_label,
    perturbed_ascent,
)
from hiqlip_plugin.lipschitz.formulation import pattern_gradient
from hiqlip_plugin.problems import random_relu_network

DUAL = {"inf": 1, 2: 2}


def all_pattern_sets(network):
    """Every tuple of 0/1 patterns, one per hidden layer."""
    widths = network.hidden_dims
    for bits in itertools.product([0, 1], repeat=sum(widths)):
        bounds = np.cumsum((0, *widths))
        yield [np.array(bits[a:b]) for a, b in itertools.pairwise(bounds)]


def brute_force_fgl(network, c, norm):
    q = DUAL[norm]
    return max(
        np.linalg.norm(pattern_gradient(network, p, c), q) for p in all_pattern_sets(network)
    )


class RecordingSampler(dimod.Sampler):
    """ExactSolver that records the keyword arguments of every call and advertises a ``seed`` parameter."""

    parameters = {"seed": []}
    properties: dict = {}

    def __init__(self):
        self.calls = []
        self.bqms = []

    def sample(self, bqm, **kwargs):
        self.calls.append(kwargs)
        self.bqms.append(bqm)
        return dimod.ExactSolver().sample(bqm)


class BrokenSampler(dimod.Sampler):
    """Answers every BQM with a fixed malformed reply built by ``reply(bqm)``."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, reply):
        self.reply = reply

    def sample(self, bqm, **kwargs):
        return self.reply(bqm)


SAMPLERS = {"exact": dimod.ExactSolver, "sa": SimulatedAnnealingSampler}


# ------------------------------------------------------------------ against brute force
@pytest.mark.parametrize("sampler_name", sorted(SAMPLERS))
@pytest.mark.parametrize("norm", ["inf", 2])
@pytest.mark.parametrize(("sizes", "output"), [((5, 4, 4, 1), 0), ((4, 3, 3, 3, 2), 1)])
def test_value_is_a_lower_bound_and_usually_the_fgl(sizes, output, norm, sampler_name):
    hits = 0
    for seed in range(10):
        net = random_relu_network(sizes, seed=seed)
        c = net.output_direction(output)
        exact = brute_force_fgl(net, c, norm)
        result = deep_block_search(
            net, output, norm=norm, sampler=SAMPLERS[sampler_name](), seed=seed
        )
        assert result.certificate.verify(net)
        assert result.value <= exact * (1 + 1e-9)
        assert result.value == pytest.approx(
            np.linalg.norm(pattern_gradient(net, result.certificate.patterns, c), DUAL[norm]),
            rel=1e-12,
        )
        hits += result.value >= exact * (1 - 1e-9)
    assert hits >= 8


@pytest.mark.parametrize("norm", ["inf", 2])
def test_sampler_moves_escape_where_closed_form_polishing_stalls(norm):
    polished_hits = searched_hits = 0
    for seed in range(10):
        net = random_relu_network((4, 3, 3, 3, 2), seed=seed)
        exact = brute_force_fgl(net, net.output_direction(0), norm)
        common = {"norm": norm, "sampler": dimod.ExactSolver(), "num_restarts": 1, "seed": seed}
        polished_hits += deep_block_search(net, 0, max_sweeps=0, **common).value >= exact * (
            1 - 1e-9
        )
        searched_hits += deep_block_search(net, 0, **common).value >= exact * (1 - 1e-9)
    assert searched_hits > polished_hits


@pytest.mark.parametrize("norm", ["inf", 2])
def test_two_layer_network_reaches_the_bqm_ground_state(norm):
    net = random_relu_network((6, 7, 2), seed=11)
    qubo = fgl_bqm(net, output=0, norm=norm)
    ground = -dimod.ExactSolver().sample(qubo.bqm).first.energy
    exact = ground if norm == "inf" else np.sqrt(ground)
    result = deep_block_search(
        net, output=0, norm=norm, sampler=dimod.ExactSolver(), num_restarts=1, seed=0
    )
    assert result.value == pytest.approx(exact, rel=1e-12)
    assert result.num_sampler_calls >= 1


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    widths=st.lists(st.integers(1, 3), min_size=2, max_size=3),
    d=st.integers(1, 4),
    norm=st.sampled_from(["inf", 2]),
)
def test_never_above_brute_force(seed, widths, d, norm):
    net = random_relu_network((d, *widths, 2), seed=seed)
    result = deep_block_search(
        net, direction=[1.0, -0.5], norm=norm, sampler=dimod.ExactSolver(), seed=seed
    )
    assert result.certificate.verify(net)
    assert result.value <= brute_force_fgl(net, np.array([1.0, -0.5]), norm) * (1 + 1e-9)


# ------------------------------------------------------------------ the adjacent-block QUBO
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), data=st.data())
def test_adjacent_blocks_energy_is_minus_the_objective(seed, data):
    net = random_relu_network((4, 3, 5, 2, 4, 2), seed=seed)
    rng = np.random.default_rng(seed)
    layer = data.draw(st.integers(0, 2))
    x = rng.choice([-1, 1], size=net.input_dim)
    patterns = [rng.integers(0, 2, size=w) for w in net.hidden_dims]
    c = np.array([0.7, -1.3])
    qubo = adjacent_blocks_qubo(net, direction=c, patterns=patterns, input_signs=x, layer=layer)
    sample = {layer_label(layer, j): int(v) for j, v in enumerate(patterns[layer])}
    sample.update({layer_label(layer + 1, k): int(v) for k, v in enumerate(patterns[layer + 1])})
    objective = x @ pattern_gradient(net, patterns, c)
    assert qubo.bqm.energy(sample) == pytest.approx(-objective, rel=1e-9, abs=1e-12)
    cert = qubo.decode(sample)
    assert cert.value == pytest.approx(objective, rel=1e-9, abs=1e-12)
    assert cert.verify(net)


def test_adjacent_blocks_matrix_entries():
    net = random_relu_network((3, 4, 5, 2, 1), seed=4)
    x, s3 = np.array([1, -1, 1]), np.array([1, 0])
    qubo = adjacent_blocks_qubo(net, patterns=[None, None, s3], input_signs=x, layer=0)
    w1, w2, w3, w4 = net.weights
    u, v = w1 @ x, w3.T @ (s3 * w4[0])
    for j, k in itertools.product(range(4), range(5)):
        assert qubo.matrix[j, k] == pytest.approx(u[j] * w2[k, j] * v[k], rel=1e-12)
    assert qubo.bqm.vartype is dimod.BINARY
    assert (
        qubo.patterns[2].tolist() == [1, 0]
        and qubo.patterns[0] is None
        and qubo.patterns[1] is None
    )


def test_adjacent_blocks_ground_state_is_the_best_pair():
    net = random_relu_network((3, 3, 3, 3, 1), seed=8)
    x, s0 = np.array([1, 1, -1]), np.array([0, 1, 1])
    qubo = adjacent_blocks_qubo(net, patterns=[s0, None, None], input_signs=x, layer=1)
    best = dimod.ExactSolver().sample(qubo.bqm).first
    c = net.output_direction()
    pairs = itertools.product(itertools.product([0, 1], repeat=3), repeat=2)
    expected = max(x @ pattern_gradient(net, [s0, np.array(a), np.array(b)], c) for a, b in pairs)
    assert -best.energy == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer": 2}, "layer"),
        ({"layer": -1}, "layer"),
        ({"input_signs": [1, 0, 1]}, "input_signs"),
        ({"input_signs": [1, 1]}, "input_signs"),
        ({"patterns": [None, None]}, "patterns"),
        ({"patterns": [None, None, [1, 2]]}, "pattern 2"),
    ],
)
def test_adjacent_blocks_bad_input(kwargs, message):
    net = random_relu_network((3, 2, 2, 2, 1), seed=0)
    args = {"patterns": [None, None, [1, 0]], "input_signs": [1, -1, 1], "layer": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        adjacent_blocks_qubo(net, **args)


def test_adjacent_blocks_need_two_hidden_layers():
    with pytest.raises(ValueError, match="two hidden layers"):
        adjacent_blocks_qubo(
            random_relu_network((2, 2, 1), seed=0), patterns=[None], input_signs=[1, 1], layer=0
        )


def test_adjacent_blocks_decode_rejects_bad_samples():
    net = random_relu_network((2, 2, 2, 1), seed=0)
    qubo = adjacent_blocks_qubo(net, patterns=[None, None], input_signs=[1, 1], layer=0)
    sample = dict.fromkeys(qubo.bqm.variables, 1)
    with pytest.raises(SamplerOutputError, match="BINARY"):
        qubo.decode({**sample, layer_label(1, 0): -1})
    del sample[layer_label(0, 1)]
    with pytest.raises(SamplerOutputError, match="lacks"):
        qubo.decode(sample)


# ------------------------------------------------------------------ the search's contract
def test_same_seed_same_result():
    net = random_relu_network((6, 5, 5, 4, 2), seed=3)
    first, second = (deep_block_search(net, output=0, seed=42, num_restarts=3) for _ in range(2))
    assert first.value == second.value
    assert first.history == second.history
    assert first.num_sampler_calls == second.num_sampler_calls
    for a, b in zip(first.certificate.patterns, second.certificate.patterns, strict=True):
        assert np.array_equal(a, b)


def test_time_limit_returns_a_valid_result():
    net = random_relu_network((6, 5, 5, 1), seed=1)
    result = deep_block_search(net, sampler=dimod.ExactSolver(), time_limit=1e-9, seed=0)
    assert result.timed_out
    assert result.num_sampler_calls == 0
    assert result.certificate.verify(net)
    assert result.value > 0


def test_sampler_moves_never_lose_value_and_history_is_monotone():
    for seed in range(5):
        net = random_relu_network((5, 4, 4, 4, 1), seed=seed)
        polished = deep_block_search(net, max_sweeps=0, num_restarts=3, seed=seed)
        searched = deep_block_search(net, num_restarts=3, seed=seed)  # simulated annealing
        assert polished.num_sampler_calls == 0 and polished.history == ()
        assert searched.value >= polished.value
        assert list(searched.history) == sorted(searched.history)
        assert searched.history[-1] == searched.value
        assert searched.num_sweeps == len(searched.history)


def test_initial_patterns_at_the_optimum_are_kept():
    net = random_relu_network((4, 3, 3, 3, 1), seed=5)
    c = net.output_direction()
    best = max(all_pattern_sets(net), key=lambda p: np.abs(pattern_gradient(net, p, c)).sum())
    result = deep_block_search(
        net, sampler=dimod.ExactSolver(), num_restarts=1, initial_patterns=best, seed=0
    )
    assert result.value == pytest.approx(np.abs(pattern_gradient(net, best, c)).sum(), rel=1e-12)


def test_linf_certificate_carries_the_sign_of_the_gradient():
    net = random_relu_network((5, 4, 4, 2), seed=2)
    cert = deep_block_search(
        net, output=1, sampler=dimod.ExactSolver(), num_restarts=2, seed=0
    ).certificate
    g = cert.gradient(net)
    assert cert.norm == "inf"
    assert np.array_equal(cert.input_signs, np.where(g >= 0, 1, -1))
    assert cert.value == pytest.approx(np.abs(g).sum(), rel=1e-12)


def test_seeds_are_passed_to_samplers_that_take_them():
    net = random_relu_network((4, 3, 3, 1), seed=0)
    recorder = RecordingSampler()
    result = deep_block_search(net, sampler=recorder, num_restarts=2, seed=0)
    assert len(recorder.calls) == result.num_sampler_calls > 0
    seeds = [call["seed"] for call in recorder.calls]
    assert all(isinstance(s, int) for s in seeds) and len(set(seeds)) > 1
    fixed = RecordingSampler()
    deep_block_search(net, sampler=fixed, sampler_kwargs={"seed": 7}, num_restarts=1, seed=0)
    assert {call["seed"] for call in fixed.calls} == {7}


def test_l2_uses_one_block_moves_only():
    net = random_relu_network((4, 3, 3, 3, 1), seed=6)
    recorder = RecordingSampler()
    deep_block_search(net, norm=2, sampler=recorder, num_restarts=1, seed=0)
    assert recorder.bqms
    for bqm in recorder.bqms:
        assert bqm.vartype is dimod.BINARY
        assert {label[0] for label in bqm.variables} == {"s"} and len(bqm) == 3


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sampler": "annealing"}, ValueError, "bifurcation"),
        ({"norm": "l3"}, ValueError, "norm"),
        ({"num_restarts": 0}, ValueError, "num_restarts"),
        ({"num_restarts": 2.5}, TypeError, "num_restarts"),
        ({"max_sweeps": -1}, ValueError, "max_sweeps"),
        ({"time_limit": 0}, ValueError, "time_limit"),
        ({"time_limit": "1"}, ValueError, "time_limit"),
        ({"time_limit": True}, ValueError, "time_limit"),
        ({"sampler": object()}, TypeError, "sample"),
        ({"initial_patterns": [[1, 0, 1], [1, 1]]}, ValueError, "pattern 1"),
        ({"initial_patterns": [[1, 0, 1], [1, 2, 0]]}, ValueError, "pattern 1"),
        ({"initial_patterns": [[1, 0, 1]]}, ValueError, "patterns"),
        ({"output": 3}, ValueError, "out of range"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    net = random_relu_network((3, 3, 3, 2), seed=0)
    args = {"output": 0, **kwargs}
    with pytest.raises(error, match=message):
        deep_block_search(net, **args)


def test_network_must_be_a_relu_network():
    with pytest.raises(TypeError, match="ReLUNetwork"):
        deep_block_search([np.eye(2), np.ones((1, 2))])


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (lambda bqm: "not a sampleset", "SampleSet"),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                (np.empty((0, bqm.num_variables)), list(bqm.variables)), bqm.vartype, []
            ),
            "no samples",
        ),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                [dict.fromkeys(list(bqm.variables)[1:], 1)], bqm.vartype, [0.0]
            ),
            "not the",
        ),
        (
            lambda bqm: dimod.SampleSet.from_samples(
                [dict.fromkeys(bqm.variables, 3)], bqm.vartype, [0.0]
            ),
            "values",
        ),
    ],
)
@pytest.mark.parametrize("norm", ["inf", 2])
def test_invalid_sampler_answers_raise(reply, message, norm):
    net = random_relu_network((3, 3, 3, 1), seed=0)
    with pytest.raises(SamplerOutputError, match=message):
        deep_block_search(net, norm=norm, sampler=BrokenSampler(reply), num_restarts=1, seed=0)


# ------------------------------------------------------------------ l1 and reduced-bifurcation block moves
def brute_force_l1(network, c):
    return max(np.abs(pattern_gradient(network, p, c)).max() for p in all_pattern_sets(network))


@pytest.mark.parametrize("sizes", [(5, 4, 4, 1), (4, 3, 3, 3, 2), (6, 7, 1)])
def test_l1_block_search_is_a_lower_bound_and_usually_the_fgl(sizes):
    hits = 0
    for seed in range(4):
        net = random_relu_network(sizes, seed=seed)
        c = net.output_direction(output=0)
        result = deep_block_search(net, output=0, norm=1, seed=seed)
        exact = brute_force_l1(net, c)
        assert result.certificate.norm == "1" and result.certificate.verify(net)
        assert result.num_sampler_calls == 0
        assert result.value <= exact * (1 + 1e-12)
        hits += result.value == pytest.approx(exact, rel=1e-12)
        if net.num_layers == 2:  # one block: the closed form is exact
            assert result.value == pytest.approx(exact, rel=1e-12)
    assert hits >= 3


@pytest.mark.parametrize("norm", ["inf", 2])
def test_bifurcation_block_moves_never_lose_and_are_reproducible(norm):
    net = random_relu_network((6, 5, 4, 1), seed=2)
    closed = deep_block_search(net, norm=norm, max_sweeps=0, num_restarts=4, seed=3)
    moves = deep_block_search(net, norm=norm, sampler="bifurcation", num_restarts=4, seed=3)
    again = deep_block_search(net, norm=norm, sampler="bifurcation", num_restarts=4, seed=3)
    assert moves.value >= closed.value and moves.num_sampler_calls > 0
    assert moves.certificate.to_dict() == again.certificate.to_dict()
    assert moves.value <= brute_force_fgl(net, net.output_direction(), norm) * (1 + 1e-12)


@pytest.mark.parametrize("norm", ["inf", 2, 1])
def test_layered_bifurcation_patterns_are_feasible_and_below_brute_force(norm):
    from hiqlip_plugin.lipschitz.deep import layered_bifurcation

    for seed in range(3):
        net = random_relu_network((5, 4, 3, 1), seed=seed)
        c = net.output_direction()
        result = layered_bifurcation(net, norm=norm, num_replicas=6, num_steps=150, seed=seed)
        dual = {"inf": 1, 2: 2, 1: np.inf}[norm]
        for patterns, value in zip(result.patterns, result.values, strict=True):
            assert value == pytest.approx(np.linalg.norm(pattern_gradient(net, patterns, c), dual), rel=1e-12)
        best = brute_force_l1(net, c) if norm == 1 else brute_force_fgl(net, c, norm)
        assert result.values.max() <= best * (1 + 1e-12)
        assert result.values.max() >= 0.9 * best


def test_perturbed_ascent_improves_on_closed_form_ascent():
    # From one polished closed-form start, flipping a few input signs and re-solving every layer climbs
    # further on most 60-30-30-1 nets (7 of the first 8 seeds; the search never ends below its start).
    improved = 0
    for seed in range(6):
        net = random_relu_network((60, 30, 30, 1), seed=seed)
        start = deep_block_search(net, max_sweeps=0, num_restarts=1, seed=seed).certificate
        found = perturbed_ascent(net, start.patterns, num_trials=32, seed=seed)
        assert found.verify(net) and found.value >= start.value * (1 - 1e-12)
        improved += found.value > start.value * (1 + 1e-9)
    assert improved >= 4


@pytest.mark.parametrize("norm", ["inf", 2])
@pytest.mark.parametrize("sizes", [(4, 3, 3, 1), (3, 2, 2, 2, 2)])
def test_perturbed_ascent_is_a_certificate_below_brute_force(norm, sizes):
    net = random_relu_network(sizes, seed=sum(sizes))
    c = net.output_direction(0)
    start = deep_block_search(net, direction=c, norm=norm, max_sweeps=0, num_restarts=1, seed=0).certificate
    found = perturbed_ascent(net, start.patterns, direction=c, norm=norm, num_trials=8, seed=1)
    assert found.verify(net) and found.norm == ("inf" if norm == "inf" else "2")
    assert start.value * (1 - 1e-12) <= found.value <= brute_force_fgl(net, c, norm) * (1 + 1e-12)


def test_perturbed_ascent_is_seeded_and_honours_a_time_limit():
    net = random_relu_network((40, 20, 20, 1), seed=3)
    start = deep_block_search(net, max_sweeps=0, num_restarts=1, seed=0).certificate
    first = perturbed_ascent(net, start.patterns, num_trials=10, seed=5)
    again = perturbed_ascent(net, start.patterns, num_trials=10, seed=5)
    assert first.value == again.value
    assert all(np.array_equal(p, q) for p, q in zip(first.patterns, again.patterns, strict=True))
    timed = perturbed_ascent(net, start.patterns, num_trials=None, time_limit=0.05, seed=5)
    assert timed.verify(net) and timed.value >= start.value * (1 - 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"norm": 1}, ValueError, "l1"),
        ({"perturbation": 0.0}, ValueError, "perturbation"),
        ({"perturbation": 2.0}, ValueError, "perturbation"),
        ({"num_trials": None}, ValueError, "time_limit"),
        ({"time_limit": -1.0}, ValueError, "time_limit"),
        ({"num_trials": 2.5}, TypeError, "num_trials"),
    ],
)
def test_perturbed_ascent_refuses_bad_arguments(kwargs, error, message):
    net = random_relu_network((5, 3, 3, 1), seed=0)
    with pytest.raises(error, match=message):
        perturbed_ascent(net, [np.ones(3), np.ones(3)], **kwargs)
    with pytest.raises(ValueError):
        perturbed_ascent(net, [np.ones(3)])
