"""Tests of HierarchicalComposite: the dimod contract, the capacity guarantee, validation and quality."""

from __future__ import annotations

import inspect
import time
import unittest

import dimod
import dimod.testing
import networkx as nx
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from dwave.samplers.sa.sampler import default_beta_range
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin.composites import HierarchicalComposite, hierarchical
from hiqlip_plugin.composites.coarsening import coarsen
from hiqlip_plugin.composites.hierarchical import (
    RESERVED_CHILD_PARAMETERS,
    STOPPED_BY_INTERRUPT,
    STOPPED_BY_TIME_LIMIT,
    anneal,
)
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.ising import ising_arrays
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import random_relu_network


@dimod.testing.load_sampler_bqm_tests(
    lambda: HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=2)
)
class TestSamplerKit(unittest.TestCase):
    """dimod's sampler test kit: empty, 1-, 2- and 3-variable BQMs, SPIN and BINARY, awkward labels."""


class CapacitySpy(dimod.ComposedSampler):
    """Records the size of every BQM (and every keyword) its child receives."""

    def __init__(self, child: dimod.Sampler, properties: dict | None = None) -> None:
        self._children = [child]
        self.sizes: list[int] = []
        self.calls: list[dict] = []
        self._properties = properties or {}

    @property
    def children(self):
        return self._children

    @property
    def parameters(self):
        return self.child.parameters.copy()

    @property
    def properties(self):
        return dict(self._properties)

    def sample(self, bqm, **kwargs):
        self.sizes.append(bqm.num_variables)
        self.calls.append(kwargs)
        return self.child.sample(bqm, **kwargs)


class GarbageSampler(dimod.Sampler):
    """Answers every BQM wrongly, in the way named by ``mode``."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def sample(self, bqm, **kwargs):
        good = dimod.ExactSolver().sample(bqm).truncate(1)
        labels = list(bqm.variables)
        if self.mode == "not a sampleset":
            return good.first.sample
        if self.mode == "missing variable":
            return dimod.SampleSet.from_samples(
                ([[1] * (len(labels) - 1)], labels[1:]), bqm.vartype, [0.0]
            )
        if self.mode == "bad values":
            return dimod.SampleSet.from_samples(([[3] * len(labels)], labels), bqm.vartype, [0.0])
        if self.mode == "wrong vartype":
            return good.change_vartype(dimod.BINARY, inplace=False)
        return dimod.SampleSet.from_samples(([], labels), bqm.vartype, [])  # no samples


def spin_glass(n: int, edges: int, seed: int) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    graph = nx.gnm_random_graph(n, edges, seed=seed)
    return dimod.BQM(
        {}, {(u, v): float(rng.choice([-1.0, 1.0])) for u, v in graph.edges}, 0.0, "SPIN"
    )


def one_flip_minimum(bqm: dimod.BinaryQuadraticModel, sample) -> bool:
    energy = bqm.energy(sample)
    flip = {dimod.SPIN: lambda x: -x, dimod.BINARY: lambda x: 1 - x}[bqm.vartype]
    return all(bqm.energy({**sample, v: flip(sample[v])}) >= energy - 1e-9 for v in bqm.variables)


@st.composite
def bqms(draw):
    """Random BQMs up to 60 variables: SPIN or BINARY, with fields, often disconnected, mixed labels."""
    n = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    density = draw(st.floats(0.0, 0.3))
    bqm = dimod.generators.gnp_random_bqm(
        n, density, draw(st.sampled_from(["SPIN", "BINARY"])), random_state=seed
    )
    bqm.add_linear_from({v: float(rng.normal()) for v in bqm.variables})
    if draw(st.booleans()):
        bqm.relabel_variables({v: ("v", v) if v % 2 else str(v) for v in bqm.variables})
    return bqm


class TestComposite:
    def test_api(self):
        sampler = HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=4)
        dimod.testing.assert_sampler_api(sampler)
        dimod.testing.assert_composite_api(sampler)

    def test_parameters_and_properties(self):
        child = SimulatedAnnealingSampler()
        sampler = HierarchicalComposite(child, max_subproblem_size=20)
        spec = inspect.getfullargspec(sampler.sample)
        own = set(spec.args + spec.kwonlyargs) - {"self", "bqm"}
        forwarded = set(child.parameters) - RESERVED_CHILD_PARAMETERS
        assert set(sampler.parameters) == own | forwarded
        # the child's initial_states_generator cannot be honoured, so it is not advertised
        assert "initial_states_generator" in child.parameters
        assert "initial_states_generator" not in sampler.parameters
        assert sampler.properties == {
            "child_properties": child.properties,
            "max_subproblem_size": 20,
        }
        assert sampler.properties["child_properties"] is not child.properties

    @pytest.mark.parametrize(
        ("properties", "expected"),
        [({"max_num_variables": 12}, 12), ({"max_num_variables": 12, "num_qubits": 30}, 12)],
    )
    def test_default_capacity_from_child_properties(self, properties, expected):
        sampler = HierarchicalComposite(CapacitySpy(dimod.ExactSolver(), properties))
        assert sampler.max_subproblem_size == expected

    @pytest.mark.parametrize("properties", [{}, {"num_qubits": 30}])
    def test_child_without_declared_capacity_needs_a_size(self, properties):
        # issue 12: HierarchicalComposite(dimod.ExactSolver()) handed ExactSolver 100 variables
        with pytest.raises(ValueError, match="declares no capacity.*max_subproblem_size="):
            HierarchicalComposite(CapacitySpy(dimod.ExactSolver(), properties))
        with pytest.raises(ValueError, match="ExactSolver declares no capacity"):
            HierarchicalComposite(dimod.ExactSolver())

    def test_structured_child_gets_clique_labels(self):
        nodes = ["q0", "q1", "q2", "q3", "q4", "q5"]
        complete = dimod.StructureComposite(
            dimod.ExactSolver(), nodes, [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1 :]]
        )
        spy = CapacitySpy(complete)
        sampler = HierarchicalComposite(complete)
        assert sampler.max_subproblem_size == 6
        sampler._children = [spy]  # watch the calls of the structured child
        bqm = spin_glass(30, 60, 1)
        sampleset = sampler.sample(bqm, seed=0)
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)
        assert max(spy.sizes) <= 6
        fits = sampler.sample(dimod.BQM({"x": 1.0}, {("x", "y"): -1.0}, 0.0, "SPIN"))
        assert set(fits.variables) == {"x", "y"} and fits.first.energy == -2.0

    def test_sparse_structured_child_is_sized_by_its_cliques(self):
        square = dimod.StructureComposite(
            dimod.ExactSolver(), [0, 1, 2, 3], [(0, 1), (1, 2), (2, 3), (0, 3)]
        )
        assert HierarchicalComposite(square).max_subproblem_size == 2
        with pytest.raises(ValueError, match="largest clique"):
            HierarchicalComposite(square, max_subproblem_size=4)

    @pytest.mark.parametrize(
        ("problem", "match"),
        [
            (dimod.ConstrainedQuadraticModel(), "cqm_to_bqm"),
            ({"a": 1.0}, "BinaryQuadraticModel"),
            ([[0, 1], [1, 0]], "BinaryQuadraticModel"),
        ],
        ids=["cqm", "dict", "list"],
    )
    def test_not_a_bqm(self, problem, match):
        # issue 12: a CQM or a dict died in arithmetic
        with pytest.raises(TypeError, match=match):
            HierarchicalComposite(dimod.ExactSolver(), 4).sample(problem)

    @pytest.mark.parametrize(
        ("size", "error"), [(1, ValueError), (0, ValueError), (2.5, TypeError), (True, TypeError)]
    )
    def test_bad_capacity(self, size, error):
        with pytest.raises(error, match="max_subproblem_size"):
            HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=size)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"coarsening_ratio": 0.3},
            {"coarsening_ratio": 1.0},
            {"randomness": -1.0},
            {"relaxation_rank": -1},
        ],
    )
    def test_bad_constructor_arguments(self, kwargs):
        with pytest.raises(ValueError):
            HierarchicalComposite(dimod.ExactSolver(), 4, **kwargs)

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"num_reads": 0}, ValueError),
            ({"num_reads": 1.5}, TypeError),
            ({"refinement_passes": -1}, ValueError),
            ({"cycles_per_read": 0}, ValueError),
            ({"time_limit": 0}, ValueError),
            ({"time_limit": "1"}, TypeError),
            ({"time_limit": float("nan")}, ValueError),
            ({"seed": 1.5}, TypeError),
            ({"seed": -1}, ValueError),
            ({"interrupt_function": 3}, ValueError),
            ({"initial_states": [[1] * 3]}, ValueError),  # not the BQM's variables
            ({"initial_states": [[1] * 10] * 3, "num_reads": 2}, ValueError),
            ({"child_num_reads": 2}, ValueError),  # ExactSolver has no num_reads
        ],
    )
    def test_bad_sample_arguments(self, kwargs, error):
        with pytest.raises(error):
            HierarchicalComposite(dimod.ExactSolver(), 4).sample(spin_glass(10, 20, 0), **kwargs)

    def test_unknown_keyword_warns(self):
        with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning):
            HierarchicalComposite(dimod.ExactSolver(), 4).sample(
                spin_glass(8, 10, 0), not_a_parameter=1
            )


class TestCapacity:
    @settings(max_examples=25, deadline=None)
    @given(
        bqm=bqms(),
        capacity=st.integers(2, 10),
        seed=st.integers(0, 100),
        reads=st.integers(1, 2),
        cycles=st.integers(1, 2),
        recombine=st.booleans(),
        seeded=st.booleans(),
        rank=st.sampled_from([0, 8]),
    )
    def test_child_never_sees_more_than_capacity(
        self, bqm, capacity, seed, reads, cycles, recombine, seeded, rank
    ):
        spy = CapacitySpy(dimod.ExactSolver())
        sampler = HierarchicalComposite(
            spy, max_subproblem_size=capacity, relaxation_iterations=30, relaxation_rank=rank
        )
        initial = (
            dimod.SampleSet.from_samples_bqm(
                (np.random.default_rng(seed).choice(list(bqm.vartype.value), (1, len(bqm))), list(bqm.variables)),
                bqm,
            )
            if seeded
            else None
        )
        sampleset = sampler.sample(
            bqm,
            seed=seed,
            refinement_passes=2,
            num_reads=reads,
            cycles_per_read=cycles,
            recombine=recombine,
            initial_states=initial,
        )
        assert len(sampleset) == reads or (bqm.num_variables <= capacity and not seeded)
        assert (spy.sizes or bqm.num_variables == 0) and max(spy.sizes, default=0) <= capacity
        assert sampleset.info["max_child_variables"] == max(spy.sizes, default=0)
        assert sampleset.info["num_child_calls"] == len(spy.sizes)
        assert set(sampleset.variables) == set(bqm.variables)
        assert sampleset.vartype is bqm.vartype
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)

    def test_fitting_bqm_keeps_the_child_info(self):
        child = SimulatedAnnealingSampler()
        sampleset = HierarchicalComposite(child, max_subproblem_size=10).sample(
            spin_glass(8, 12, 1), num_reads=2, seed=0
        )
        own = child.sample(spin_glass(8, 12, 1), num_reads=2, seed=0).info
        assert set(own) <= set(sampleset.info) and sampleset.info["beta_range"] == own["beta_range"]
        assert sampleset.info["num_child_calls"] == 1 and sampleset.info["stopped"] is None

    def test_fitting_bqm_goes_to_the_child_unchanged(self):
        child = dimod.TrackingComposite(dimod.ExactSolver())
        bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -1.0}, 0.5, "BINARY")
        sampleset = HierarchicalComposite(child, max_subproblem_size=2).sample(bqm)
        assert child.input["bqm"] is bqm
        assert len(sampleset) == 4  # all of ExactSolver's samples
        assert sampleset.info["levels"] == [2] and sampleset.info["num_child_calls"] == 1

    def test_fitting_bqm_receives_num_reads_and_a_seed(self):
        spy = CapacitySpy(SimulatedAnnealingSampler())
        sampleset = HierarchicalComposite(spy, max_subproblem_size=10).sample(
            spin_glass(8, 12, 1), num_reads=3
        )
        assert len(sampleset) == 3 and spy.calls[0]["num_reads"] == 3 and "seed" in spy.calls[0]

    def test_fitting_bqm_prefers_num_reads_over_child_num_reads(self):
        spy = CapacitySpy(SimulatedAnnealingSampler())
        sampler = HierarchicalComposite(spy, max_subproblem_size=10)
        sampleset = sampler.sample(spin_glass(8, 12, 1), num_reads=3, child_num_reads=5)
        assert len(sampleset) == 3 and spy.calls[0]["num_reads"] == 3

    @pytest.mark.filterwarnings("ignore:All bqm biases are zero")
    @pytest.mark.parametrize("child", [dimod.ExactSolver(), SimulatedAnnealingSampler()])
    @pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
    def test_empty_bqm(self, child, vartype):
        bqm = dimod.BQM({}, {}, 1.5, vartype)
        sampleset = HierarchicalComposite(child, 2).sample(bqm)
        assert len(sampleset.variables) == 0 and sampleset.vartype is bqm.vartype
        assert np.all(sampleset.record.energy == 1.5)


class TestSampling:
    def test_num_reads_and_info(self):
        bqm = spin_glass(40, 80, 2)
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 8).sample(bqm, num_reads=3, seed=0)
        assert len(sampleset) == 3
        info = sampleset.info
        assert info["levels"] == [40, 20, 10, 8]
        assert set(info["timing"]) == {
            "coarsen_ns",
            "solve_ns",
            "refine_ns",
            "polish_ns",
            "child_ns",
        }
        assert all(isinstance(t, int) and t >= 0 for t in info["timing"].values())
        assert info["stopped"] is None

    def test_binary_and_awkward_labels(self):
        bqm = spin_glass(30, 60, 3).binary
        bqm.relabel_variables({v: (("x",), v) if v % 3 else f"v{v}" for v in bqm.variables})
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 5).sample(bqm, seed=1)
        assert sampleset.vartype is dimod.BINARY and set(sampleset.variables) == set(bqm.variables)
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)

    def test_same_seed_same_result(self):
        bqm = spin_glass(60, 150, 4)
        sampler = HierarchicalComposite(SimulatedAnnealingSampler(), 12)
        a = sampler.sample(bqm, num_reads=2, seed=7, num_sweeps=100)
        b = sampler.sample(bqm, num_reads=2, seed=7, num_sweeps=100)
        assert np.array_equal(a.record.sample, b.record.sample)

    def test_child_seeds_derive_from_the_seed(self):
        def seeds(seed):
            spy = CapacitySpy(SimulatedAnnealingSampler())
            HierarchicalComposite(spy, 10).sample(spin_glass(30, 60, 5), seed=seed, num_sweeps=50)
            return [call["seed"] for call in spy.calls]

        assert seeds(3) == seeds(3) != seeds(4)
        assert len(set(seeds(3))) > 1

    def test_child_parameters_and_child_num_reads_are_forwarded(self):
        spy = CapacitySpy(SimulatedAnnealingSampler())
        HierarchicalComposite(spy, 10).sample(
            spin_glass(30, 60, 6), seed=0, num_sweeps=37, child_num_reads=4
        )
        assert all(call["num_sweeps"] == 37 and call["num_reads"] == 4 for call in spy.calls)

    def test_polish_gives_one_flip_minima(self):
        bqm = spin_glass(50, 150, 8)
        bqm.add_linear_from({v: 0.3 for v in range(0, 50, 3)})
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 4).sample(bqm, num_reads=2, seed=0)
        assert all(one_flip_minimum(bqm, sample) for sample in sampleset.samples())

    def test_anneal_polish_never_worse_than_the_cycle(self):
        bqm = spin_glass(120, 360, 17)
        sampler = HierarchicalComposite(dimod.ExactSolver(), 8)
        plain = sampler.sample(bqm, seed=2, polish=False, num_reads=2)
        annealed = sampler.sample(bqm, seed=2, polish="anneal", anneal_sweeps=200, num_reads=2)
        assert annealed.first.energy <= plain.first.energy
        dimod.testing.asserts.assert_sampleset_energies(annealed, bqm)

    def test_anneal_polish_computes_the_temperature_range_once(self, monkeypatch):
        calls = []

        def counted(model):
            calls.append(model.num_variables)
            return default_beta_range(model)

        monkeypatch.setattr(hierarchical, "default_beta_range", counted)
        bqm = spin_glass(60, 180, 21)
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 8).sample(
            bqm, seed=0, polish="anneal", anneal_sweeps=50, num_reads=3, cycles_per_read=2
        )
        assert calls == [60]  # six anneals, one range
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)

    def test_anneal_with_a_known_range_is_the_same_anneal(self):
        bqm = spin_glass(40, 120, 22)
        problem, start = ising_arrays(bqm, sparse=True), np.ones(40)
        known = anneal(bqm, problem, start, 100, 3, default_beta_range(bqm))
        np.testing.assert_array_equal(known, anneal(bqm, problem, start, 100, 3))

    def test_each_cycle_continues_the_last_relaxation(self, monkeypatch):
        starts = []

        def recording(*args, embedding=None, **kwargs):
            starts.append(embedding)
            return coarsen(*args, embedding=embedding, **kwargs)

        monkeypatch.setattr(hierarchical, "coarsen", recording)
        spy = CapacitySpy(dimod.ExactSolver())
        HierarchicalComposite(spy, 8).sample(spin_glass(60, 180, 23), seed=0, cycles_per_read=3)
        assert starts[0] is None and starts[1] is not None and starts[2] is not None
        assert not np.array_equal(starts[1], starts[2])  # the third cycle starts where the second ended
        assert max(spy.sizes) <= 8

    @pytest.mark.parametrize(("polish", "error"), [("tabu", ValueError), (2, ValueError)])
    def test_bad_polish(self, polish, error):
        with pytest.raises(error, match="polish"):
            HierarchicalComposite(dimod.ExactSolver(), 4).sample(spin_glass(10, 20, 0), polish=polish)
        with pytest.raises(ValueError, match="anneal_sweeps"):
            HierarchicalComposite(dimod.ExactSolver(), 4).sample(
                spin_glass(10, 20, 0), polish="anneal", anneal_sweeps=0
            )

    def test_cycles_until_stopped(self):
        spy = CapacitySpy(dimod.ExactSolver())
        fired = []

        def interrupt():
            fired.append(len(spy.sizes) >= 40)
            return fired[-1]

        sampleset = HierarchicalComposite(spy, 8).sample(
            spin_glass(60, 180, 18), num_reads=2, cycles_per_read=None, seed=0,
            interrupt_function=interrupt,
        )
        assert len(spy.sizes) == 40 and sampleset.info["stopped"] == STOPPED_BY_INTERRUPT
        assert max(spy.sizes) <= 8  # the spy rule holds for time-driven rounds too
        with pytest.raises(ValueError, match="cycles_per_read=None"):
            HierarchicalComposite(spy, 8).sample(spin_glass(60, 180, 18), cycles_per_read=None)

    @pytest.mark.parametrize("recombine", [False, True])
    def test_more_cycles_never_worse_per_read(self, recombine):
        bqm = spin_glass(80, 240, 19)
        sampler = HierarchicalComposite(dimod.ExactSolver(), 6)
        one = sampler.sample(bqm, seed=5, polish=False, refinement_passes=1, num_reads=3)
        more = sampler.sample(
            bqm, seed=5, polish=False, refinement_passes=1, num_reads=3, cycles_per_read=3,
            recombine=recombine,
        )
        # the first round is the same; later rounds start from each read's state and never lose it
        assert np.all(more.record.energy <= one.record.energy + 1e-9)

    def test_more_cycles_never_worse(self):
        bqm = spin_glass(80, 240, 9)
        sampler = HierarchicalComposite(dimod.ExactSolver(), 6)
        one = sampler.sample(bqm, seed=5, polish=False, refinement_passes=1)
        three = sampler.sample(bqm, seed=5, polish=False, refinement_passes=1, cycles_per_read=3)
        assert three.first.energy <= one.first.energy

    def test_time_limit_still_returns_every_read(self):
        bqm = spin_glass(100, 300, 10)
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 8).sample(
            bqm, num_reads=2, time_limit=1e-6
        )
        assert len(sampleset) == 2 and sampleset.info["stopped"] == STOPPED_BY_TIME_LIMIT
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)

    def test_spent_time_limit_skips_coarsening(self):
        # issue 12: coarsening a large BQM ignored time_limit (8.7 s for 0.1 s on a dense model)
        spy = CapacitySpy(dimod.ExactSolver())
        bqm = dimod.generators.ran_r(1, 300, seed=0)
        sampleset = HierarchicalComposite(spy, 8).sample(bqm, time_limit=1e-9, seed=0)
        assert spy.sizes == [] and sampleset.info["levels"] == [300]
        assert sampleset.info["stopped"] == STOPPED_BY_TIME_LIMIT
        assert one_flip_minimum(bqm, sampleset.first.sample)  # a random state, polished

    @pytest.mark.parametrize("k", [1, 3, 7])
    def test_interrupt_after_k_child_calls(self, k):
        spy = CapacitySpy(dimod.ExactSolver())
        checks = []

        def interrupt():
            checks.append(len(spy.sizes))
            return len(spy.sizes) >= k

        bqm = spin_glass(120, 360, 12)
        sampler = HierarchicalComposite(spy, 8)
        sampleset = sampler.sample(
            bqm, num_reads=2, cycles_per_read=3, seed=0, interrupt_function=interrupt
        )
        assert len(spy.sizes) == k  # no child call starts once it fired
        assert sampleset.info["stopped"] == STOPPED_BY_INTERRUPT
        assert sampleset.info["num_child_calls"] == k
        assert checks.count(k) == 1  # not called again after it fired
        assert len(sampleset) == 2
        dimod.testing.asserts.assert_sampleset_energies(sampleset, bqm)
        # the interrupted reads are no worse than the best state the search had
        full = sampler.sample(bqm, num_reads=2, cycles_per_read=3, seed=0)
        assert full.info["num_child_calls"] > k and full.info["stopped"] is None

    def test_time_limit_holds_within_one_child_call(self):
        class Sleeping(dimod.Sampler):
            parameters: dict = {}
            properties: dict = {}

            def __init__(self):
                self.starts = []

            def sample(self, bqm, **kwargs):
                self.starts.append(time.perf_counter())
                time.sleep(0.05)
                return dimod.ExactSolver().sample(bqm)

        child, limit = Sleeping(), 0.3
        start = time.perf_counter()
        sampleset = HierarchicalComposite(child, 6).sample(
            spin_glass(40, 80, 13), cycles_per_read=None, time_limit=limit, seed=0
        )
        elapsed = time.perf_counter() - start
        assert sampleset.info["stopped"] == STOPPED_BY_TIME_LIMIT
        # no call starts after the deadline (the composite's deadline is set just after `start`) ...
        assert all(t - start < limit + 0.05 for t in child.starts)
        # ... so the call ends within one child call (0.05 s) of it, plus the final descent
        assert elapsed < limit + 0.05 + 0.5

    def test_child_with_an_interrupt_parameter_receives_the_budget(self):
        spy = CapacitySpy(SimulatedAnnealingSampler())
        HierarchicalComposite(spy, 10).sample(
            spin_glass(30, 60, 5), seed=0, num_sweeps=20, time_limit=60.0
        )
        assert all(callable(call["interrupt_function"]) for call in spy.calls)
        assert not any(call["interrupt_function"]() for call in spy.calls)
        spy.calls.clear()
        HierarchicalComposite(spy, 10).sample(spin_glass(30, 60, 5), seed=0, num_sweeps=20)
        assert all("interrupt_function" not in call for call in spy.calls)

    @pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
    def test_initial_states_round_trip(self, vartype):
        bqm = spin_glass(60, 180, 14).change_vartype(vartype, inplace=False)
        sampler = HierarchicalComposite(dimod.ExactSolver(), 8)
        first = sampler.sample(bqm, num_reads=3, seed=1)
        again = sampler.sample(bqm, initial_states=first, refinement_passes=0, polish=False, seed=2)
        assert len(again) == 3
        assert again.record.sample.tolist() == first.record.sample.tolist()
        better = sampler.sample(bqm, initial_states=first, seed=3)
        assert np.all(better.record.energy <= first.record.energy + 1e-9)

    def test_initial_states_seed_the_first_reads_only(self):
        bqm = spin_glass(60, 180, 15)
        state = {v: 1 for v in bqm.variables}
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 8).sample(
            bqm, initial_states=state, num_reads=3, seed=0, refinement_passes=0, polish=False
        )
        assert len(sampleset) == 3
        assert [1] * 60 in sampleset.record.sample.tolist()

    def test_fitting_bqm_with_initial_states_is_never_worse(self):
        bqm = spin_glass(6, 12, 16)
        best = dimod.ExactSolver().sample(bqm).first
        sampleset = HierarchicalComposite(SimulatedAnnealingSampler(), 8).sample(
            bqm, initial_states=best.sample, num_sweeps=1, seed=0
        )
        assert sampleset.first.energy == best.energy

    def test_progress_bar_only_when_asked(self, capsys):
        sampler = HierarchicalComposite(dimod.ExactSolver(), 8)
        sampler.sample(spin_glass(20, 30, 0), seed=0)
        assert capsys.readouterr().err == ""
        sampler.sample(spin_glass(20, 30, 0), seed=0, progress=True)
        assert "V-cycles" in capsys.readouterr().err

    @pytest.mark.parametrize(
        "mode", ["not a sampleset", "missing variable", "bad values", "wrong vartype", "empty"]
    )
    @pytest.mark.parametrize(
        "bqm",
        [dimod.BQM({0: 1.0, 1: -1.0, 2: 0.5}, {}, 0, "SPIN"), spin_glass(12, 24, 0)],
        ids=["fits", "coarsened"],
    )
    def test_garbage_from_the_child_is_rejected(self, mode, bqm):
        with pytest.raises(SamplerOutputError):
            HierarchicalComposite(GarbageSampler(mode), 4).sample(bqm)


class TestQuality:
    """A 16-variable exact child solves 200-variable problems to within a few percent of long SA runs."""

    @pytest.mark.parametrize(
        "bqm",
        [
            spin_glass(200, 600, 11),
            fgl_bqm(random_relu_network((150, 50, 2), seed=3), output=0).bqm,
        ],
        ids=["spin-glass", "lipschitz"],
    )
    def test_close_to_simulated_annealing(self, bqm):
        reference = (
            SimulatedAnnealingSampler()
            .sample(bqm, num_reads=10, num_sweeps=1000, seed=0)
            .first.energy
        )
        sampleset = HierarchicalComposite(dimod.ExactSolver(), 16).sample(
            bqm, seed=0, refinement_passes=2
        )
        assert sampleset.info["max_child_variables"] == 16
        assert sampleset.first.energy <= 0.97 * reference  # energies are negative: within 3 %
