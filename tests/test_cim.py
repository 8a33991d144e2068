"""Tests of CIMSampler: the dimod sampler contract, arguments, reproducibility, time limits and quality."""

from __future__ import annotations

import inspect
import itertools
import unittest
import warnings

import dimod
import dimod.testing
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import cut_value, maxcut_bqm, random_relu_network
from hiqlip_plugin.samplers import native
from hiqlip_plugin.samplers.cim import DEFAULT_NUM_READS, CIMSampler, default_num_steps

ALGORITHMS = CIMSampler().properties["algorithms"]


@dimod.testing.load_sampler_bqm_tests(CIMSampler)
class TestDimodKit(unittest.TestCase):
    """The ~32 generated tests of dimod's sampler test kit (empty, 1-3 variables, odd labels, all BQM types)."""


def _random_bqm(seed: int, n: int, density: float, fields: bool, vartype=dimod.SPIN) -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    linear = {f"v{i}": float(rng.normal()) if fields else 0.0 for i in range(n)}
    quadratic = {(f"v{i}", f"v{j}"): float(rng.normal()) for i in range(n) for j in range(i + 1, n)
                 if rng.random() < density}
    return dimod.BQM(linear, quadratic, float(rng.normal()), vartype)


class TestContract:
    def test_api(self):
        dimod.testing.assert_sampler_api(CIMSampler())
        assert isinstance(CIMSampler(), dimod.Initialized)

    def test_parameters_match_the_signature(self):
        sampler = CIMSampler()
        arguments = set(inspect.getfullargspec(sampler.sample).args) - {"self", "bqm"}
        assert set(sampler.parameters) == arguments

    def test_properties(self):
        properties = CIMSampler().properties
        assert set(properties["algorithms"]) == {"cac", "cfc", "simcim", "dsb"}
        assert properties["default_algorithm"] in properties["algorithms"]
        for name, defaults in properties["algorithm_parameters"].items():
            assert set(defaults) <= set(CIMSampler().parameters), name

    def test_context_manager(self):
        with CIMSampler() as sampler:
            assert len(sampler.sample_ising({"a": 1.0}, {}, num_reads=2, num_steps=5)) == 2

    def test_unknown_keyword_warns(self):
        with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning):
            CIMSampler().sample_ising({"a": 1.0}, {}, num_steps=5, not_a_parameter=3)

    @pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
    def test_energies_and_vartype(self, vartype):
        bqm = _random_bqm(0, 15, 0.4, True, vartype)
        sampleset = CIMSampler().sample(bqm, num_reads=6, num_steps=50, seed=0)
        assert sampleset.vartype is vartype
        assert len(sampleset) == 6
        dimod.testing.assert_sampleset_energies(sampleset, bqm)

    def test_odd_labels(self):
        bqm = dimod.BQM({(("a",),): 1.0, 0: -0.5, "c": 0.2}, {((("a",),), 0): -1.0, (0, "c"): 2.0}, 0.0, "SPIN")
        sampleset = CIMSampler().sample(bqm, num_reads=4, num_steps=50, seed=1)
        assert set(sampleset.variables) == set(bqm.variables)
        dimod.testing.assert_sampleset_energies(sampleset, bqm)

    @pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
    def test_empty_bqm(self, vartype):
        sampleset = CIMSampler().sample(dimod.BQM({}, {}, 1.5, vartype), num_reads=5)
        assert sampleset.record.sample.shape == (5, 0)
        assert np.all(sampleset.record.energy == 1.5)
        assert sampleset.vartype is vartype

    def test_default_num_reads(self):
        bqm = _random_bqm(1, 5, 0.5, True)
        assert len(CIMSampler().sample(bqm, num_steps=5)) == DEFAULT_NUM_READS
        states = [dict.fromkeys(bqm.variables, 1)] * 3
        assert len(CIMSampler().sample(bqm, num_steps=5, initial_states=states)) == 3

    @pytest.mark.parametrize("n, steps", [(5, 1000), (400, 1600)])
    def test_default_num_steps_grow_with_the_problem(self, n, steps):
        bqm = _random_bqm(1, n, 4 / n, True)
        sampleset = CIMSampler().sample(bqm, num_reads=2, seed=0)
        assert sampleset.info["num_steps"] == steps == default_num_steps(n)
        assert np.all(sampleset.record.best_step <= steps)
        properties = CIMSampler().properties
        assert properties["default_steps_per_variable"] * n == steps or n * 4 < properties["default_step_range"][0]

    def test_info(self):
        bqm = _random_bqm(2, 10, 0.5, True)
        sampleset = CIMSampler().sample(bqm, num_reads=3, num_steps=40, algorithm="cfc", seed=2)
        info = sampleset.info
        assert set(info["timing"]) == {"preprocessing_ns", "sampling_ns", "postprocessing_ns"}
        assert all(isinstance(value, int) and value >= 0 for value in info["timing"].values())
        assert info["algorithm"] == "cfc" and info["num_steps"] == 40 and not info["stopped_early"]
        assert info["backend"] == ("native" if native.available() else "numpy")
        assert info["scaling"]["field_spin"] and info["scaling"]["lambda_min"] < 0
        assert info["parameters"]["dt"] == info["scaling"]["dt"] > 0
        assert np.all((0 <= sampleset.record.best_step) & (sampleset.record.best_step <= 40))


class TestArguments:
    @pytest.mark.parametrize("kwargs, error, match", [
        (dict(num_reads=0), ValueError, "num_reads"),
        (dict(num_reads=2.5), TypeError, "num_reads"),
        (dict(num_steps=-1), ValueError, "num_steps"),
        (dict(num_steps=10.0), TypeError, "num_steps"),
        (dict(algorithm="annealing"), ValueError, "unknown algorithm"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=2**32), ValueError, "seed"),
        (dict(seed=1.5), TypeError, "seed"),
        (dict(time_limit=0), ValueError, "time_limit"),
        (dict(time_limit="1s"), TypeError, "time_limit"),
        (dict(interrupt_function=3), TypeError, "interrupt_function"),
        (dict(dtype=np.int32), ValueError, "dtype"),
        (dict(backend="gpu"), ValueError, "backend"),
        (dict(backend="native", dtype=np.float64), ValueError, "float32"),
        (dict(algorithm="cac", heat=0.1), ValueError, "heat"),
        (dict(algorithm="dsb", momentum=0.5), ValueError, "momentum"),
        (dict(algorithm="simcim", momentum=2.0), ValueError, "momentum"),
        (dict(dt=-1.0), ValueError, "dt"),
        (dict(initial_states_generator="zeros"), ValueError, "initial_states_generator"),
    ])
    def test_bad_arguments(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            CIMSampler().sample(_random_bqm(3, 4, 1.0, True), num_steps=kwargs.pop("num_steps", 5), **kwargs)

    def test_seed_range_ends(self):
        bqm = _random_bqm(3, 4, 1.0, True)
        for seed in (0, 2**32 - 1):
            assert len(CIMSampler().sample(bqm, num_reads=1, num_steps=5, seed=seed)) == 1

    def test_algorithm_parameters_reach_the_dynamics(self):
        sampleset = CIMSampler().sample(_random_bqm(4, 6, 1.0, True), num_reads=2, num_steps=5, algorithm="dsb",
                                        dt=0.3, heat=0.05)
        assert sampleset.info["parameters"] == {"dt": 0.3, "coupling_strength": 1.25, "heat": 0.05}


class TestReproducibility:
    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    def test_same_seed_same_samples(self, algorithm):
        bqm = _random_bqm(5, 30, 0.3, True)
        first = CIMSampler().sample(bqm, num_reads=8, num_steps=60, algorithm=algorithm, seed=7)
        second = CIMSampler().sample(bqm, num_reads=8, num_steps=60, algorithm=algorithm, seed=7)
        assert np.array_equal(first.record.sample, second.record.sample)
        assert np.array_equal(first.record.best_step, second.record.best_step)

    def test_different_seeds_differ(self):
        bqm = _random_bqm(6, 40, 0.3, False)
        samples = [CIMSampler().sample(bqm, num_reads=8, num_steps=20, seed=seed).record.sample for seed in (1, 2)]
        assert not np.array_equal(samples[0], samples[1])


class TestStopping:
    def test_time_limit_stops_early_with_valid_samples(self):
        bqm = _random_bqm(7, 60, 0.5, True)
        sampleset = CIMSampler().sample(bqm, num_reads=4, num_steps=10**7, time_limit=0.2, seed=0)
        assert sampleset.info["stopped_early"]
        assert 1 <= sampleset.info["num_steps"] < 10**7
        dimod.testing.assert_sampleset_energies(sampleset, bqm)

    def test_interrupt_function(self, backend):
        calls = []

        def interrupt() -> bool:
            calls.append(1)
            return len(calls) >= 3

        sampleset = CIMSampler().sample(_random_bqm(8, 10, 0.5, True), num_reads=2, num_steps=10**6,
                                        interrupt_function=interrupt, seed=0, backend=backend)
        assert len(calls) == 3 and sampleset.info["stopped_early"]
        assert 3 <= sampleset.info["num_steps"] < 10**6
        assert sampleset.info["num_steps"] == 3 or backend == "native"    # native checks between chunks

    def test_zero_steps_is_refused(self):
        # zero steps would hand back the unoptimised initial states as if they were samples
        bqm = _random_bqm(9, 6, 1.0, True)
        states = np.random.default_rng(0).choice([-1, 1], size=(3, 6))
        with pytest.raises(ValueError, match="num_steps"):
            CIMSampler().sample(bqm, num_steps=0, initial_states=(states, list(bqm.variables)))

    @pytest.mark.parametrize(("kwargs", "error"), [
        ({"seed": 1.5}, TypeError), ({"seed": "1"}, TypeError), ({"seed": -1}, ValueError),
        ({"time_limit": "2"}, TypeError), ({"time_limit": 0}, ValueError), ({"num_steps": 2.0}, TypeError),
        ({"num_reads": 0}, ValueError),
    ])
    def test_bad_scalars_name_the_argument(self, kwargs, error):
        name = next(iter(kwargs))
        with pytest.raises(error, match=name):
            CIMSampler().sample(_random_bqm(9, 6, 1.0, True), **kwargs)


class TestQuality:
    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    def test_finds_ground_states(self, algorithm):
        # 12 problems of 14 variables: dense and sparse, with and without fields, SPIN and BINARY
        found, hit_rates = [], []
        for density, fields, seed in itertools.product((1.0, 0.3), (False, True), range(3)):
            bqm = _random_bqm(100 + seed, 14, density, fields, dimod.BINARY if seed == 2 else dimod.SPIN)
            ground = dimod.ExactSolver().sample(bqm).first.energy
            sampleset = CIMSampler().sample(bqm, num_reads=16, num_steps=300, algorithm=algorithm, seed=seed)
            hits = np.isclose(sampleset.record.energy, ground)
            found.append(hits.any())
            hit_rates.append(hits.mean())
        assert sum(found) >= 11, found
        assert np.mean(hit_rates) > 0.5

    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    def test_lipschitz_qubo(self, algorithm):
        network = random_relu_network((40, 12, 3), seed=1)
        exact = exact_fgl(network, output=0).value
        sampleset = CIMSampler().sample(fgl_bqm(network, output=0).bqm, num_reads=16, num_steps=500,
                                        algorithm=algorithm, seed=0)
        assert -sampleset.first.energy == pytest.approx(exact)

    def test_warm_start_is_never_lost(self):
        bqm = _random_bqm(10, 12, 1.0, True)
        ground = dimod.ExactSolver().sample(bqm).first.sample
        sampleset = CIMSampler().sample(bqm, num_steps=50, initial_states=[ground] * 4, seed=0)
        assert np.allclose(sampleset.record.energy, bqm.energy(ground))
        assert np.all(sampleset.record.best_step == 0)

    def test_polish_ends_in_local_minima(self):
        bqm = _random_bqm(11, 40, 0.3, True)
        raw = CIMSampler().sample(bqm, num_reads=8, num_steps=10, seed=3)
        polished = CIMSampler().sample(bqm, num_reads=8, num_steps=10, seed=3, polish=True)
        assert polished.info["polish"] and not raw.info["polish"]
        assert polished.first.energy <= raw.first.energy
        for sample, energy in polished.data(["sample", "energy"]):
            for v in bqm.variables:
                assert bqm.energy({**sample, v: -sample[v]}) >= energy - 1e-9

    def test_g1(self, shared_data):
        bqm = maxcut_bqm(shared_data / "gset" / "G1.txt")
        for algorithm in ALGORITHMS:
            sampleset = CIMSampler().sample(bqm, num_reads=8, num_steps=300, algorithm=algorithm, seed=0)
            assert cut_value(bqm, sampleset.first.energy) > 11450, algorithm   # best known 11624


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(0, 7),
    seed=st.integers(0, 2**16),
    vartype=st.sampled_from([dimod.SPIN, dimod.BINARY]),
    algorithm=st.sampled_from(ALGORITHMS),
)
def test_energies_agree_with_the_bqm(n, seed, vartype, algorithm):
    bqm = _random_bqm(seed, n, 0.6, seed % 2 == 0, vartype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampleset = CIMSampler().sample(bqm, num_reads=3, num_steps=20, algorithm=algorithm, seed=seed)
    assert np.allclose(sampleset.record.energy, bqm.energies(sampleset))
