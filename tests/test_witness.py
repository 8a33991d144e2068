"""The witness search: best of its methods, named, reproducible, and never trusting a sampler's energies."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hiqlip_plugin import estimate_lipschitz, fgl_bqm
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.lipschitz import local_search, witness
from hiqlip_plugin.lipschitz.exact import enumeration_bits, exact_fgl
from hiqlip_plugin.lipschitz.formulation import bilinear_matrix
from hiqlip_plugin.lipschitz.local_search import alternating_best_response, one_side_flip_search
from hiqlip_plugin.lipschitz.sampled import sample_and_polish
from hiqlip_plugin.lipschitz.witness import (
    ALTERNATING,
    ASCENT,
    BIFURCATION,
    BLOCK_MOVES,
    FLIP,
    LAYERED,
    METHODS,
    PERTURBED,
    SAMPLER,
    WitnessSearch,
    describe_sampler,
)
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.samplers.reduced import reduced_bifurcation, reduced_values


class EnergyLiar:
    """Answers with the exact ground state but reports every energy shifted by ``shift``."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, shift: float = -1.0) -> None:
        self.shift = shift

    def sample(self, bqm, **kwargs):
        sampleset = dimod.ExactSolver().sample(bqm).truncate(4)
        return dimod.SampleSet.from_samples(
            (sampleset.record.sample, list(sampleset.variables)), bqm.vartype,
            energy=sampleset.record.energy + self.shift)


def method_of(estimate) -> str:
    return estimate.sampler.split(";")[0].split(" (")[0]


def test_report_names_the_method_that_found_the_witness():
    net = random_relu_network((60, 25, 2), seed=3)
    report = estimate_lipschitz(net, exact=False, seed=4, sampling=False, realizability=False)
    search = WitnessSearch(net, "inf")
    seeds = np.random.SeedSequence(4).generate_state(2)
    for estimate, seed in zip(report, seeds, strict=True):
        found = search.two_layer(estimate.direction, int(seed), None)
        assert method_of(estimate) == found.method
        assert found.method in (BIFURCATION, FLIP, ALTERNATING)
        assert estimate.lower == found.certificate.value == max(v for _, v in found.values)
        assert dict(found.values)[found.method] == found.certificate.value


def test_deep_report_names_ascent_or_block_moves():
    net = random_relu_network((20, 8, 8, 1), seed=0)
    estimate = estimate_lipschitz(net, exact=False, seed=0, sampling=False)[0]
    assert method_of(estimate) in (LAYERED, ASCENT, BLOCK_MOVES, PERTURBED)
    assert estimate.certificate.verify(net)


@pytest.mark.parametrize("sizes", [(40, 30, 2), (12, 200, 1), (15, 6, 7, 2)])
def test_same_seed_same_witness(sizes):
    net = random_relu_network(sizes, seed=1)
    search = WitnessSearch(net, "inf")
    run = search.two_layer if net.num_layers == 2 else search.deep
    c = net.output_direction(output=0)
    first, again = run(c, 7, None), run(c, 7, None)
    assert first.method == again.method and first.values == again.values
    assert first.certificate.to_dict() == again.certificate.to_dict()
    a = estimate_lipschitz(net, exact=False, seed=5, sampling=False).to_dict()["estimates"]
    b = estimate_lipschitz(net, exact=False, seed=5, sampling=False).to_dict()["estimates"]
    assert [(e["sampler"], e["certificate"]) for e in a] == [(e["sampler"], e["certificate"]) for e in b]


def test_default_is_the_best_of_its_methods_and_each_method_is_a_feasible_point():
    net = random_relu_network((80, 20, 1), seed=2)
    found = WitnessSearch(net, "inf").two_layer(net.output_direction(), seed=0, budget=None)
    names = [name for name, _ in found.values]
    assert names == [BIFURCATION, FLIP, ALTERNATING]
    assert found.certificate.value == max(v for _, v in found.values)
    assert found.certificate.value <= exact_fgl(net).value * (1 + 1e-12)


def test_sampler_route_runs_when_a_sampler_or_capacity_is_given():
    net = random_relu_network((10, 6, 1), seed=0)
    spy = dimod.TrackingComposite(dimod.ExactSolver())
    found = WitnessSearch(net, "inf", sampler=spy, max_subproblem_size=8).two_layer(
        net.output_direction(), seed=0, budget=None)
    assert [name for name, _ in found.values] == [SAMPLER, FLIP, ALTERNATING]
    assert spy.inputs and all(len(call["bqm"].variables) <= 8 for call in spy.inputs)
    cim = WitnessSearch(net, "inf", max_subproblem_size=100).two_layer(net.output_direction(), seed=0, budget=None)
    assert [name for name, _ in cim.values] == [BIFURCATION, SAMPLER, FLIP, ALTERNATING]
    assert describe_sampler(spy) == "TrackingComposite(ExactSolver, max_subproblem_size=None)"


def test_budget_gives_a_valid_witness():
    net = random_relu_network((100, 50, 1), seed=0)
    found = WitnessSearch(net, "inf").two_layer(net.output_direction(), seed=0, budget=0.3)
    assert found.certificate.verify(net) and found.method in METHODS


class Ticks:
    """A fake ``time`` module whose clock advances one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


def test_local_searches_stop_inside_their_first_batch_at_the_time_limit(monkeypatch):
    # With the clock past the limit at once, no sweep / alternation may run: the start comes back as it was
    # (before the fix the first batch always ran all its sweeps, so a limit was overrun by a whole batch).
    monkeypatch.setattr(local_search, "time", Ticks())
    a = np.random.default_rng(0).normal(size=(30, 20))
    start = np.zeros(20)
    flipped = one_side_flip_search(a, side="s", initial=start, num_restarts=1, time_limit=0.5, seed=0)
    assert flipped.value == 0.0 and not flipped.s.any()
    x0 = np.where(np.random.default_rng(1).normal(size=30) > 0, 1.0, -1.0)
    alternated = alternating_best_response(a, initial_x=x0, num_restarts=1, time_limit=0.5)
    assert np.array_equal(alternated.x, x0)
    assert alternating_best_response(a, initial_x=x0, num_restarts=1).value > alternated.value


@pytest.mark.parametrize("budget", [0.05, 0.2])
def test_every_witness_step_gets_a_time_limit_within_the_budget(monkeypatch, budget):
    # Every call of the two-layer portfolio, the polish of the bifurcation replicas included, is given a limit,
    # and none exceeds the witness budget (before the fix the polish ran without one).
    limits: list[tuple[str, float | None]] = []

    def spy(name, function):
        def wrapped(*args, **kwargs):
            limits.append((name, kwargs.get("time_limit")))
            return function(*args, **kwargs)
        monkeypatch.setattr(witness, name, wrapped)

    for name in ("reduced_bifurcation", "iterated_flip_search", "one_side_flip_search", "alternating_best_response"):
        spy(name, getattr(witness, name))
    net = random_relu_network((60, 40, 1), seed=0)
    WitnessSearch(net, "inf").two_layer(net.output_direction(), seed=0, budget=budget)
    assert len(limits) >= 5
    assert all(limit is not None and 0 < limit <= budget for _, limit in limits), limits


def test_shared_step_rejects_a_sampler_whose_energies_disagree():
    qubo = fgl_bqm(random_relu_network((4, 3, 1), seed=0))
    with pytest.raises(SamplerOutputError, match="energies that disagree"):
        sample_and_polish(EnergyLiar(), qubo.bqm, qubo.decode, lambda cert: cert)
    honest = sample_and_polish(EnergyLiar(shift=0.0), qubo.bqm, qubo.decode, lambda cert: cert)
    assert honest.raw.value == pytest.approx(-honest.energy)


@pytest.mark.parametrize("sizes", [(8, 5, 1), (6, 4, 4, 1)])
def test_both_paths_refuse_lying_samplers(sizes):
    net = random_relu_network(sizes, seed=1)
    with pytest.raises(SamplerOutputError, match="energies that disagree"):
        estimate_lipschitz(net, sampler=EnergyLiar(), exact=False, seed=0)


@pytest.mark.parametrize(("d", "h", "seed"), [(10, 120, 0), (12, 300, 1), (14, 200, 2)])
def test_thin_nets_exact_recovery_without_enumeration(d, h, seed):
    net = random_relu_network((d, h, 1), seed=seed)
    estimate = estimate_lipschitz(net, exact=False, seed=seed, sampling=False, realizability=False)[0]
    assert estimate.lower == pytest.approx(exact_fgl(net).value, rel=1e-9)


def test_l1_on_a_deep_net_beyond_enumeration():
    net = random_relu_network((5, 6, 11, 11, 2), seed=0)
    assert enumeration_bits(net, norm=1) > 20
    report = estimate_lipschitz(net, norm=1, seed=0, sampling=False)
    for estimate in report:
        assert not estimate.exact or estimate.lower == estimate.upper
        assert estimate.certificate.norm == "1" and estimate.certificate.verify(net)
        assert 0 < estimate.lower <= estimate.upper * (1 + 1e-12)
        assert method_of(estimate) in (LAYERED, ASCENT, BLOCK_MOVES, PERTURBED)


def test_l2_two_layer_goes_through_the_block_search():
    net = random_relu_network((30, 24, 1), seed=2)
    found = WitnessSearch(net, "2").two_layer(net.output_direction(), seed=0, budget=None)
    assert found.method in (LAYERED, ASCENT, BLOCK_MOVES, PERTURBED)
    assert found.certificate.value == pytest.approx(exact_fgl(net, norm=2).value, rel=1e-9)


# ------------------------------------------------------------------ the reduced-objective kernel
@pytest.mark.parametrize(("codes", "objective"), [("binary", "l1"), ("spin", "relu"), ("binary", "l2"),
                                                  ("binary", "relu")])
@settings(max_examples=15, deadline=None)
@given(matrix=arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)),
                     elements=st.floats(-3, 3, allow_nan=False)), seed=st.integers(0, 2**16))
def test_reduced_bifurcation_is_feasible_and_below_brute_force(codes, objective, matrix, seed):
    result = reduced_bifurcation(matrix, codes=codes, objective=objective, num_replicas=3, num_steps=40,
                                 seed=seed)
    values = (0, 1) if codes == "binary" else (-1, 1)
    assert np.isin(result.codes, values).all() and result.codes.shape == (3, matrix.shape[1])
    np.testing.assert_allclose(result.values, reduced_values(matrix, result.codes, objective))
    every = np.array(list(itertools.product(values, repeat=matrix.shape[1])))
    assert result.values.max() <= reduced_values(matrix, every, objective).max() + 1e-9


def test_reduced_bifurcation_finds_the_two_layer_optimum():
    net = random_relu_network((14, 40, 1), seed=4)
    a = bilinear_matrix(net)
    result = reduced_bifurcation(a.T, codes="spin", objective="relu", num_replicas=16, num_steps=600, seed=0)
    assert result.values.max() == pytest.approx(exact_fgl(net).value, rel=1e-9)


def test_reduced_bifurcation_time_limit_and_bad_input():
    a = np.random.default_rng(0).normal(size=(50, 40))
    stopped = reduced_bifurcation(a, codes="binary", objective="l1", num_steps=10**6, time_limit=0.05, seed=0)
    assert stopped.stopped_early and stopped.num_steps < 10**6
    for kwargs, message in [({"codes": "ternary", "objective": "l1"}, "codes"),
                            ({"codes": "spin", "objective": "l3"}, "objective"),
                            ({"codes": "spin", "objective": "l1", "coupling_strength": 0}, "coupling_strength")]:
        with pytest.raises(ValueError, match=message):
            reduced_bifurcation(a, **kwargs)
    with pytest.raises(ValueError, match="finite"):
        reduced_bifurcation(np.full((2, 2), np.nan), codes="spin", objective="l1")
    with pytest.raises(TypeError, match="num_steps"):
        reduced_bifurcation(a, codes="spin", objective="l1", num_steps=2.5)
