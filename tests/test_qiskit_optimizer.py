"""DimodOptimizer and DimodMinimumEigensolver: dimod samplers inside qiskit-optimization."""

from __future__ import annotations

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit.result import QuasiDistribution
from qiskit_optimization import QiskitOptimizationError, QuadraticProgram
from qiskit_optimization.algorithms import (
    MinimumEigenOptimizer,
    OptimizationResultStatus,
    RecursiveMinimumEigenOptimizer,
)
from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver

from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program
from hiqlip_plugin.qiskit.eigensolver import DimodMinimumEigensolver, diagonal_values
from hiqlip_plugin.qiskit.optimizer import DimodOptimizer


def random_program(seed: int, constrained: bool = True) -> QuadraticProgram:
    """A small random program: 3 binaries and one integer 0..2, with an equality and an inequality."""
    rng = np.random.default_rng(seed)
    qp = QuadraticProgram(f"random{seed}")
    names = ["a", "b", "c"]
    for name in names:
        qp.binary_var(name)
    qp.integer_var(0, 2, "n")
    names.append("n")
    linear = dict(zip(names, rng.integers(-4, 5, size=4).tolist(), strict=True))
    quadratic = {(u, v): int(rng.integers(-3, 4)) for i, u in enumerate(names) for v in names[i + 1 :]}
    (qp.maximize if seed % 2 else qp.minimize)(linear=linear, quadratic=quadratic)
    if constrained:
        qp.linear_constraint({"a": 1, "b": 1, "c": 1}, "==", 1, "one_of")
        qp.linear_constraint({"n": 1, "a": 1}, "<=", 2, "cap")
    return qp


def assert_result_conventions(result, problem):
    """qiskit-optimization's conventions: best sample first, fval = objective(x), consistent status."""
    assert result.status is OptimizationResultStatus.SUCCESS
    assert result.fval == pytest.approx(problem.objective.evaluate(result.x))
    assert problem.is_feasible(result.x)
    assert [v.name for v in result.variables] == [v.name for v in problem.variables]
    np.testing.assert_array_equal(result.samples[0].x, result.x)
    sense = problem.objective.sense.value
    keys = [(s.status.value, sense * s.fval) for s in result.samples]
    assert keys == sorted(keys)
    assert sum(s.probability for s in result.samples) == pytest.approx(1.0)
    for s in result.samples:
        assert s.fval == pytest.approx(problem.objective.evaluate(s.x))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_sampler_matches_numpy_eigensolver(seed):
    problem = random_program(seed)
    reference = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(problem)
    result = DimodOptimizer(dimod.ExactSolver()).solve(problem)
    assert_result_conventions(result, problem)
    assert result.fval == pytest.approx(reference.fval)
    assert isinstance(result.raw_results, dimod.SampleSet)
    assert len(result.samples) > 1


def test_simulated_annealing_with_sample_kwargs():
    problem = random_program(1)
    optimizer = DimodOptimizer(SimulatedAnnealingSampler(), num_reads=50, seed=3)
    result = optimizer.solve(problem)
    assert_result_conventions(result, problem)
    assert len(result.raw_results) == 50
    assert result.fval == pytest.approx(MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(problem).fval)
    again = optimizer.solve(problem)
    np.testing.assert_array_equal(again.raw_results.record.sample, result.raw_results.record.sample)


class _FixedSampler(dimod.Sampler):
    """Answers every BQM with the same sample set."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, sampleset: dimod.SampleSet):
        self.sampleset = sampleset

    def sample(self, bqm, **kwargs):
        return self.sampleset


def test_infeasible_samples_are_reported():
    problem = QuadraticProgram()
    problem.binary_var("a")
    problem.binary_var("b")
    problem.maximize(linear={"a": 5.0, "b": 5.0})
    problem.linear_constraint({"a": 1, "b": 1}, "==", 1)
    result = DimodOptimizer(dimod.ExactSolver(), penalty=0.1).solve(problem)
    assert result.raw_results.first.sample == {"a": 1, "b": 1}  # the penalty is too small
    assert result.status is OptimizationResultStatus.SUCCESS  # but feasible samples are sorted first
    assert result.samples[-1].status is OptimizationResultStatus.INFEASIBLE
    only_infeasible = dimod.SampleSet.from_samples({"a": 1, "b": 1}, "BINARY", 0)
    top = DimodOptimizer(_FixedSampler(only_infeasible)).solve(problem)
    assert top.status is OptimizationResultStatus.INFEASIBLE and top.x.tolist() == [1.0, 1.0]


def test_sampler_answering_other_variables_is_rejected():
    wrong = dimod.SampleSet.from_samples(([[0]], ["zz"]), "BINARY", energy=0)
    with pytest.raises(SamplerOutputError, match="other variables"):
        DimodOptimizer(_FixedSampler(wrong)).solve(random_program(0))


def test_incompatible_problems_are_rejected():
    problem = QuadraticProgram()
    problem.continuous_var(0.0, 1.0, "c")
    problem.binary_var("b")
    problem.quadratic_constraint(quadratic={("b", "b"): 1.0}, sense="<=", rhs=1.0)
    optimizer = DimodOptimizer(dimod.ExactSolver())
    message = optimizer.get_compatibility_msg(problem)
    assert "Continuous" in message and "Quadratic constraints" in message
    assert not optimizer.is_compatible(problem) and optimizer.is_compatible(random_program(0))
    with pytest.raises(QiskitOptimizationError, match="Incompatible problem"):
        optimizer.solve(problem)


@pytest.mark.filterwarnings("ignore:All bqm biases are zero")
@pytest.mark.parametrize("sampler", [dimod.ExactSolver(), SimulatedAnnealingSampler()])
def test_empty_program(sampler):
    problem = QuadraticProgram()
    problem.minimize(constant=2.5)
    result = DimodOptimizer(sampler).solve(problem)
    assert result.x.shape == (0,) and result.fval == 2.5
    assert result.status is OptimizationResultStatus.SUCCESS and len(result.samples) == 1


def test_constructor_checks():
    with pytest.raises(TypeError, match="dimod.Sampler"):
        DimodOptimizer(NumPyMinimumEigensolver())
    with pytest.raises(ValueError, match="penalty"):
        DimodOptimizer(dimod.ExactSolver(), penalty=0.0)
    with pytest.raises(TypeError, match="dimod.Sampler"):
        DimodMinimumEigensolver("not a sampler")


def random_operator(num_qubits: int, seed: int) -> SparsePauliOp:
    rng = np.random.default_rng(seed)
    terms = [("I" * num_qubits, float(rng.normal()))]
    for i in range(num_qubits):
        terms.append(("I" * (num_qubits - 1 - i) + "Z" + "I" * i, float(rng.normal())))
        for j in range(i + 1, num_qubits):
            label = ["I"] * num_qubits
            label[num_qubits - 1 - i] = label[num_qubits - 1 - j] = "Z"
            terms.append(("".join(label), float(rng.normal())))
    return SparsePauliOp.from_list(terms)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_eigensolver_finds_the_minimum_eigenvalue(seed):
    operator = random_operator(5, seed)
    result = DimodMinimumEigensolver(dimod.ExactSolver()).compute_minimum_eigenvalue(operator)
    reference = NumPyMinimumEigensolver().compute_minimum_eigenvalue(operator)
    assert result.eigenvalue == pytest.approx(reference.eigenvalue.real)
    assert isinstance(result.eigenstate, QuasiDistribution)
    assert len(result.eigenstate) == 32 and sum(result.eigenstate.values()) == pytest.approx(1.0)
    best = result.best_measurement
    assert best["state"] == int(best["bitstring"], 2) and len(best["bitstring"]) == 5
    assert best["probability"] == pytest.approx(1 / 32)
    bits = np.array([[int(b) for b in reversed(best["bitstring"])]])
    assert diagonal_values(operator, bits).real[0] == pytest.approx(best["value"]) == result.eigenvalue
    # the eigenvalue of the best bitstring, read back through qiskit's own dense diagonal
    assert np.diag(operator.to_matrix()).real[best["state"]] == pytest.approx(result.eigenvalue)


def test_eigensolver_evaluates_aux_operators():
    operator = SparsePauliOp(["ZZ", "IZ"], [1.0, 0.5])
    sampler = _FixedSampler(dimod.SampleSet.from_samples(([[1, -1], [1, -1], [-1, -1]], [0, 1]), "SPIN", 0))
    solver = DimodMinimumEigensolver(sampler)
    aux = [SparsePauliOp(["IZ"]), SparsePauliOp(["XI"]), None]
    result = solver.compute_minimum_eigenvalue(operator, aux_operators=aux)
    # qubit 0 = 1 (Z0 = -1) in 2 of 3 reads
    assert result.aux_operators_evaluated[0][0] == pytest.approx(2 / 3 * -1 + 1 / 3 * 1)
    assert result.aux_operators_evaluated[1][0] == 0.0 and result.aux_operators_evaluated[2] is None
    assert result.aux_operators_evaluated[0][1] == {"shots": 3}
    named = solver.compute_minimum_eigenvalue(operator, aux_operators={"z1": SparsePauliOp(["ZI"])})
    assert named.aux_operators_evaluated["z1"][0] == pytest.approx(1.0)
    assert result.eigenstate.binary_probabilities() == pytest.approx({"01": 2 / 3, "00": 1 / 3})


def test_eigensolver_rejects_non_ising_operators():
    solver = DimodMinimumEigensolver(dimod.ExactSolver())
    with pytest.raises(ValueError, match="X or Y"):
        solver.compute_minimum_eigenvalue(SparsePauliOp(["XZ"]))
    with pytest.raises(ValueError, match="no qubit"):
        solver.compute_minimum_eigenvalue(SparsePauliOp([""]))
    assert DimodMinimumEigensolver.supports_aux_operators()


@pytest.mark.parametrize("seed", [0, 1])
def test_eigensolver_inside_minimum_eigen_optimizer(seed):
    problem = random_program(seed)
    reference = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(problem)
    result = MinimumEigenOptimizer(DimodMinimumEigensolver(SimulatedAnnealingSampler(), num_reads=30, seed=1)).solve(
        problem
    )
    assert_result_conventions(result, problem)
    assert result.fval == pytest.approx(reference.fval)


def test_eigensolver_inside_recursive_optimizer():
    problem = random_program(2, constrained=False)
    reference = RecursiveMinimumEigenOptimizer(MinimumEigenOptimizer(NumPyMinimumEigensolver()), min_num_vars=2)
    annealer = DimodMinimumEigensolver(SimulatedAnnealingSampler(), num_reads=20, seed=5)
    ours = RecursiveMinimumEigenOptimizer(MinimumEigenOptimizer(annealer), min_num_vars=2)
    expected, got = reference.solve(problem), ours.solve(problem)
    assert got.status is OptimizationResultStatus.SUCCESS
    assert got.fval == pytest.approx(expected.fval)
    assert got.fval == pytest.approx(problem.objective.evaluate(got.x))


def test_lipschitz_program_optimum_agrees_across_solvers():
    from hiqlip_plugin.samplers.cim import CIMSampler

    network = random_relu_network((6, 6, 2), seed=0)
    qubo = fgl_bqm(network, output=0)
    exact = dimod.ExactSolver().sample(qubo.bqm).first
    program = bqm_to_quadratic_program(qubo.bqm)
    numpy_result = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(program)
    cim_result = DimodOptimizer(CIMSampler(), num_reads=20, seed=0).solve(program)
    assert numpy_result.fval == pytest.approx(exact.energy)
    assert cim_result.fval == pytest.approx(exact.energy)
    sample = dict(zip(qubo.bqm.variables, 2 * cim_result.x.astype(int) - 1, strict=True))
    certificate = qubo.decode(sample)
    assert certificate.verify(network) and certificate.value == pytest.approx(-exact.energy)
