"""QiskitSampler: Qiskit optimization algorithms and minimum eigensolvers as dimod samplers."""

from __future__ import annotations

import inspect
import itertools
import unittest

import dimod
import numpy as np
import pytest
from qiskit.primitives import BackendSamplerV2, StatevectorSampler
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_optimization.algorithms import MinimumEigenOptimizer
from qiskit_optimization.minimum_eigensolvers import QAOA, NumPyMinimumEigensolver
from qiskit_optimization.optimizers import COBYLA

from hiqlip_plugin.exceptions import SolverFailedError
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
from hiqlip_plugin.qiskit.sampler import (
    DEFAULT_MAX_NUM_VARIABLES,
    GRID_BITS,
    QiskitSampler,
    solver_program,
)


def qaoa(seed: int | None = None, maxiter: int = 50) -> QAOA:
    return QAOA(StatevectorSampler(seed=seed), COBYLA(maxiter=maxiter), reps=1)


def numpy_sampler() -> QiskitSampler:
    return QiskitSampler(MinimumEigenOptimizer(NumPyMinimumEigensolver()))


@dimod.testing.load_sampler_bqm_tests(numpy_sampler)
class TestNumPyConformance(unittest.TestCase):
    def test_api(self):
        dimod.testing.assert_sampler_api(numpy_sampler())


@dimod.testing.load_sampler_bqm_tests(lambda: QiskitSampler(qaoa(seed=0, maxiter=20)))
class TestQAOAConformance(unittest.TestCase):
    pass


def test_parameters_match_signature():
    sampler = numpy_sampler()
    assert set(sampler.parameters) == set(inspect.getfullargspec(sampler.sample).args) - {"self", "bqm"}


def random_bqm(n: int, seed: int, vartype: str = "SPIN") -> dimod.BinaryQuadraticModel:
    rng = np.random.default_rng(seed)
    labels = [("v", i) for i in range(n)]
    linear = dict(zip(labels, rng.normal(size=n), strict=True))
    quadratic = {(u, v): rng.normal() for u, v in itertools.combinations(labels, 2) if rng.random() < 0.6}
    return dimod.BQM(linear, quadratic, rng.normal(), vartype)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_qaoa_finds_the_ground_state_of_a_small_bqm(vartype):
    bqm = random_bqm(5, seed=1, vartype=vartype)
    sampleset = QiskitSampler(qaoa()).sample(bqm, seed=7)
    assert sampleset.vartype is bqm.vartype and set(sampleset.variables) == set(bqm.variables)
    dimod.testing.assert_sampleset_energies(sampleset, bqm)
    assert sampleset.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)
    probability = sampleset.record.probability
    assert len(sampleset) > 1 and np.all(probability > 0) and probability.sum() == pytest.approx(1.0, abs=1e-3)
    assert set(sampleset.info["timing"]) == {"preprocessing_ns", "sampling_ns", "postprocessing_ns"}


def test_num_reads_keeps_the_best_solutions():
    bqm = random_bqm(5, seed=2)
    sampler = QiskitSampler(qaoa())
    everything = sampler.sample(bqm, seed=3)
    best_two = sampler.sample(bqm, seed=3, num_reads=2)
    assert len(best_two) == 2
    np.testing.assert_allclose(best_two.record.energy, np.sort(everything.record.energy)[:2])


def test_same_seed_same_answer_and_primitive_seed_restored():
    bqm = random_bqm(4, seed=4)
    primitive = StatevectorSampler()
    sampler = QiskitSampler(QAOA(primitive, COBYLA(maxiter=30)))
    first, second = sampler.sample(bqm, seed=11), sampler.sample(bqm, seed=11)
    assert primitive.seed is None
    np.testing.assert_array_equal(first.record.sample, second.record.sample)
    np.testing.assert_array_equal(first.record.probability, second.record.probability)


def test_empty_bqm_gives_num_reads_empty_rows():
    sampler = QiskitSampler(qaoa())
    sampleset = sampler.sample(dimod.BQM({}, {}, 1.5, "SPIN"), num_reads=3)
    assert sampleset.record.sample.shape == (3, 0)
    np.testing.assert_array_equal(sampleset.record.energy, [1.5, 1.5, 1.5])


def test_capacity():
    assert numpy_sampler().properties["max_num_variables"] == DEFAULT_MAX_NUM_VARIABLES
    assert QiskitSampler(qaoa(), max_num_variables=4).properties["max_num_variables"] == 4
    backend = GenericBackendV2(5, seed=1)
    pass_manager = generate_preset_pass_manager(optimization_level=1, backend=backend)
    backend_qaoa = QAOA(BackendSamplerV2(backend=backend), COBYLA(maxiter=5), pass_manager=pass_manager)
    assert QiskitSampler(backend_qaoa).properties["max_num_variables"] == 5
    with pytest.raises(ValueError, match="more than this sampler's max_num_variables=4"):
        QiskitSampler(qaoa(), max_num_variables=4).sample(random_bqm(5, seed=0))
    with pytest.raises(ValueError, match="at least 1"):
        QiskitSampler(qaoa(), max_num_variables=0)
    with pytest.raises(TypeError, match="integer"):
        QiskitSampler(qaoa(), max_num_variables=2.5)


def test_aer_sampler_capacity_and_answer():
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2

    simulator = AerSimulator()
    primitive = SamplerV2()
    pass_manager = generate_preset_pass_manager(optimization_level=1, target=simulator.target)
    sampler = QiskitSampler(QAOA(primitive, COBYLA(maxiter=40), pass_manager=pass_manager))
    assert sampler.properties["max_num_variables"] == simulator.num_qubits
    bqm = random_bqm(4, seed=5)
    first = sampler.sample(bqm, seed=2)
    assert first.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)
    np.testing.assert_array_equal(sampler.sample(bqm, seed=2).record.sample, first.record.sample)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"num_reads": 0}, ValueError),
        ({"num_reads": 1.5}, TypeError),
        ({"num_reads": True}, TypeError),
        ({"seed": -1}, ValueError),
        ({"seed": 2**32}, ValueError),
        ({"seed": "1"}, TypeError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        numpy_sampler().sample(random_bqm(2, seed=0), **kwargs)


def test_unknown_keyword_warns():
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning):
        numpy_sampler().sample(random_bqm(2, seed=0), num_sweeps=10)


def test_solver_types():
    with pytest.raises(TypeError, match="OptimizationAlgorithm or a minimum eigensolver"):
        QiskitSampler(dimod.ExactSolver())
    bqm = random_bqm(6, seed=6, vartype="BINARY")
    ground = dimod.ExactSolver().sample(bqm).first.energy
    for solver in (NumPyMinimumEigensolver(), DimodOptimizer(dimod.ExactSolver())):
        assert QiskitSampler(solver).sample(bqm).first.energy == pytest.approx(ground)


def test_failed_solver_raises():
    solver = NumPyMinimumEigensolver(filter_criterion=lambda *args: False)
    with pytest.raises(SolverFailedError, match="no solution"):
        QiskitSampler(solver).sample(random_bqm(3, seed=0))


def test_solver_program_is_exact_on_the_grid():
    bqm = dimod.BQM({"a": 0.0, "b": 1e-3}, {("a", "b"): -3e-3, ("b", "c"): 7e-4, ("a", "c"): 1.1e-3}, 5.0, "SPIN")
    operator, _ = solver_program(bqm).to_ising()
    assert "IIZ" not in operator.paulis.to_labels()  # the zero field of "a" stays exactly zero
    assert np.abs(operator.coeffs).max() == pytest.approx(0.768)  # scaled by 2**8 into [0.5, 1)
    scaled = np.abs(operator.coeffs.real) * 2**GRID_BITS
    np.testing.assert_array_equal(scaled, np.round(scaled))
    states = np.array(list(itertools.product([-1, 1], repeat=3)))
    energies = bqm.energies((states, ["a", "b", "c"]))
    qp = solver_program(bqm)
    solver_energies = [qp.objective.evaluate((s + 1) // 2) for s in states]
    assert np.argsort(energies).tolist() == np.argsort(solver_energies).tolist()


def test_hierarchical_qaoa_certifies_a_lipschitz_bound():
    from hiqlip_plugin.composites.hierarchical import HierarchicalComposite

    network = random_relu_network((6, 6, 2), seed=0)
    qubo = fgl_bqm(network, output=0)
    assert qubo.bqm.num_variables == 12
    child = QiskitSampler(qaoa(maxiter=30))
    sampler = HierarchicalComposite(child, max_subproblem_size=10)
    sampleset = sampler.sample(qubo.bqm, seed=0)
    assert sampleset.info["max_child_variables"] <= 10
    certificate = qubo.decode(sampleset.first.sample)
    assert certificate.verify(network)
    exact = dimod.ExactSolver().sample(qubo.bqm).first.energy
    assert certificate.value == pytest.approx(-sampleset.first.energy)
    assert certificate.value <= -exact + 1e-9
