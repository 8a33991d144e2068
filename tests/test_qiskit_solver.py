"""DimodSolver and the qiskit-addon-opt-mapper conversions: higher order, quadratization, deep-net FGL."""

from __future__ import annotations

import importlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit_addon_opt_mapper import OptimizationError, OptimizationProblem
from qiskit_addon_opt_mapper.solvers import ScipyMilpSolver, SolverResultStatus
from qiskit_optimization import QuadraticProgram

from hiqlip_plugin import ReLUNetwork
from hiqlip_plugin.exceptions import ProblemTooLargeError, SamplerOutputError
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program, quadratic_program_to_bqm
from hiqlip_plugin.qiskit.fgl import (
    fgl_certificate,
    fgl_num_terms,
    fgl_optimization_problem,
    fgl_variable_names,
)
from hiqlip_plugin.qiskit.model import BinaryTerms, quadratize, sample_model, sampleset_distribution
from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
from hiqlip_plugin.qiskit.problem import (
    dimod_to_optimization_problem,
    optimization_problem_to_dimod,
)
from hiqlip_plugin.qiskit.solver import DimodSolver, DimodSolverResult

NAMES = ["a", "b", "c", "n", "s"]


def random_problem(seed: int, *, cubic: bool = True, quadratic_constraint: bool = True) -> OptimizationProblem:
    """Binaries a, b, c, an integer n in 0..2 and a spin s; integer coefficients; linear (and quadratic)
    constraints that the state drawn first always satisfies."""
    rng = np.random.default_rng(seed)
    problem = OptimizationProblem(f"random{seed}")
    for name in "abc":
        problem.binary_var(name)
    problem.integer_var(0, 2, "n")
    problem.spin_var("s")

    def coefficient() -> int:
        return int(rng.integers(-3, 4))

    linear = {v: coefficient() for v in NAMES}
    quadratic = {pair: coefficient() for pair in itertools.combinations(NAMES, 2) if rng.random() < 0.5}
    # sorted keys: the add-on sums permutations, and its converters fail on an order whose terms cancel
    higher = {3: {tuple(sorted(rng.choice(NAMES, 3, replace=False).tolist())): coefficient() or 1 for _ in range(2)}}
    sense = problem.maximize if rng.random() < 0.5 else problem.minimize
    sense(constant=coefficient(), linear=linear, quadratic=quadratic, higher_order=higher if cubic else None)
    problem.linear_constraint({"a": 1, "b": 1, "c": 1}, "==", int(rng.integers(1, 3)), "pick")
    problem.linear_constraint({"n": 1, "a": 1}, "<=", int(rng.integers(1, 3)), "cap")
    if quadratic_constraint:
        problem.quadratic_constraint(linear={"s": 1}, quadratic={("a", "n"): 1}, sense=">=", rhs=-1, name="q")
    return problem


def brute_force_optimum(problem: OptimizationProblem) -> float:
    """The optimum over every feasible assignment of the (bounded, discrete) variables."""
    domains = [range(int(v.lowerbound), int(v.upperbound) + 1) for v in problem.variables]
    domains = [[-1, 1] if v.vartype.name == "SPIN" else d for v, d in zip(problem.variables, domains, strict=True)]
    states = [list(x) for x in itertools.product(*domains)]
    values = [problem.objective.evaluate(x) for x in states if problem.is_feasible(x)]
    return max(values) if problem.objective.sense.name == "MAXIMIZE" else min(values)


def assert_result_conventions(result, problem):
    """The add-on's conventions: best sample first, fval = objective(x), feasibility, probabilities."""
    assert isinstance(result, DimodSolverResult)
    assert result.status is SolverResultStatus.SUCCESS and problem.is_feasible(result.x)
    assert result.fval == pytest.approx(problem.objective.evaluate(result.x))
    assert result.variable_names == [v.name for v in problem.variables]
    np.testing.assert_array_equal(result.samples[0].x, result.x)
    sense = problem.objective.sense.value
    keys = [(s.status.value, sense * s.fval) for s in result.samples]
    assert keys == sorted(keys)
    assert sum(s.probability for s in result.samples) == pytest.approx(1.0)
    assert len({tuple(s.x) for s in result.samples}) == len(result.samples)  # distinct
    for s in result.samples:
        assert s.fval == pytest.approx(problem.objective.evaluate(s.x))
        feasible = SolverResultStatus.SUCCESS if problem.is_feasible(s.x) else SolverResultStatus.INFEASIBLE
        assert s.status is feasible
    assert result.sampleset is result.raw_results and result.timing["wall_s"] >= 0.0


# ----------------------------------------------------------------------------- optimum against exact answers
@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_exact_sampler_finds_the_brute_force_optimum(seed, quadratic_constraint):
    problem = random_problem(seed, quadratic_constraint=quadratic_constraint)
    result = DimodSolver(dimod.ExactSolver()).solve(problem)  # a quadratic sampler: make_quadratic path
    assert_result_conventions(result, problem)
    assert result.quadratization is not None
    assert set(result.quadratization.hidden) == set(result.sampleset.variables) - set(result.conversion.labels)
    assert result.fval == pytest.approx(brute_force_optimum(problem))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_polynomial_sampler_agrees_with_the_quadratic_path(seed):
    problem = random_problem(seed)
    native = DimodSolver(dimod.ExactPolySolver()).solve(problem)
    assert native.quadratization is None and isinstance(native.conversion.model, dimod.BinaryPolynomial)
    assert_result_conventions(native, problem)
    assert native.fval == pytest.approx(brute_force_optimum(problem))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_linear_problems_agree_with_scipy_milp(seed):
    rng = np.random.default_rng(seed)
    problem = OptimizationProblem()
    problem.binary_var_list(4, name="x")
    problem.integer_var(0, 3, "n")
    names = [v.name for v in problem.variables]
    problem.maximize(linear=dict(zip(names, rng.integers(-5, 6, size=5).tolist(), strict=True)))
    problem.linear_constraint(dict(zip(names, rng.integers(0, 3, size=5).tolist(), strict=True)), "<=", 4)
    problem.linear_constraint({"x0": 1, "x1": 1}, ">=", 1)
    reference = ScipyMilpSolver().solve(problem)
    result = DimodSolver(dimod.ExactSolver()).solve(problem)
    assert isinstance(result.conversion.model, dimod.BinaryQuadraticModel) and result.quadratization is None
    assert_result_conventions(result, problem)
    assert result.fval == pytest.approx(reference.fval)


@pytest.mark.parametrize("seed", [0, 1])
def test_quadratic_problem_matches_the_qiskit_optimization_path(seed):
    """The same quadratic problem in both packages: two front-ends on one core, one optimum."""
    rng = np.random.default_rng(seed)
    linear = dict(zip(["a", "b", "n"], rng.integers(-3, 4, size=3).tolist(), strict=True))
    quadratic = {("a", "n"): int(rng.integers(-3, 4)), ("b", "n"): int(rng.integers(-3, 4))}
    twins = []
    for problem in (OptimizationProblem(), QuadraticProgram()):
        problem.binary_var("a")
        problem.binary_var("b")
        problem.integer_var(0, 3, "n")
        problem.maximize(linear=linear, quadratic=quadratic)
        problem.linear_constraint({"a": 1, "b": 1, "n": 1}, "<=", 3, "cap")
        twins.append(problem)
    ours = DimodSolver(dimod.ExactSolver()).solve(twins[0])
    theirs = DimodOptimizer(dimod.ExactSolver()).solve(twins[1])
    assert ours.fval == pytest.approx(theirs.fval) == pytest.approx(brute_force_optimum(twins[0]))
    np.testing.assert_array_equal(ours.x, theirs.x)


# ----------------------------------------------------------------------------- make_quadratic round trip
@st.composite
def polynomials(draw) -> dimod.BinaryPolynomial:
    n = draw(st.integers(1, 5))
    labels = draw(st.sampled_from([list(range(n)), [f"v{i}" for i in range(n)], ["a*b", "b", "a", "aux", "z"][:n]]))
    bias = st.floats(-4, 4, allow_nan=False, allow_infinity=False)
    terms = draw(st.lists(st.tuples(st.lists(st.sampled_from(labels), min_size=0, max_size=4), bias), max_size=8))
    poly = {tuple(term): value for term, value in terms}
    poly.update({(v,): draw(bias) for v in labels})
    return dimod.BinaryPolynomial(poly, draw(st.sampled_from([dimod.BINARY, dimod.SPIN])))


def min_over_hidden(reduced, labels):
    """For every assignment of ``labels``: the minimum BQM energy over the hidden variables."""
    exact = dimod.ExactSolver().sample(reduced if isinstance(reduced, dimod.BinaryQuadraticModel) else reduced.bqm)
    columns = [exact.variables.index(v) for v in labels]
    best: dict[tuple, float] = {}
    for row, energy in zip(exact.record.sample[:, columns].tolist(), exact.record.energy.tolist(), strict=True):
        best[tuple(row)] = min(best.get(tuple(row), np.inf), energy)
    return best


@settings(max_examples=60, deadline=None)
@given(polynomials())
def test_quadratization_keeps_every_energy(poly):
    reduced = quadratize(poly)
    labels = sorted(poly.variables, key=repr)
    assert set(reduced.bqm.variables) == set(labels) | set(reduced.hidden)
    assert not set(reduced.hidden) & set(labels)
    binary = poly.to_binary() if poly.vartype is dimod.SPIN else poly
    theirs = dimod.make_quadratic(binary, reduced.strength, dimod.BINARY)  # the same strength suffices there
    theirs.add_variables_from((v, 0.0) for v in labels)
    for table in (min_over_hidden(reduced, labels), min_over_hidden(theirs, labels)):
        for bits, energy in table.items():
            values = [2 * b - 1 for b in bits] if poly.vartype is dimod.SPIN else list(bits)
            assert energy == pytest.approx(poly.energy(dict(zip(labels, values, strict=True))), abs=1e-9)


QUADRATIZE = """
import dimod
from hiqlip_plugin.qiskit.model import quadratize
poly = {(f"x{i}", f"a{j}", f"b{k}"): 1.0 + i + 2 * j + 3 * k for i in range(3) for j in range(3) for k in range(2)}
bqm = quadratize(dimod.BinaryPolynomial(poly, "BINARY")).bqm
print(list(bqm.variables), sorted(map(sorted, bqm.quadratic)), sorted(bqm.linear.values()))
"""


@pytest.mark.slow
def test_quadratization_is_the_same_in_every_process():
    """dimod.make_quadratic breaks ties by string hashes (randomised per process); quadratize does not."""
    root = Path(__file__).resolve().parents[1]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", QUADRATIZE],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1 and "*" in outputs.pop()


def test_too_weak_strength_loses_energies():
    poly = dimod.BinaryPolynomial({("a", "b", "c"): -10.0}, dimod.BINARY)
    weak = min_over_hidden(quadratize(poly, strength=0.5), ["a", "b", "c"])
    energies = {x: poly.energy(dict(zip("abc", x, strict=True))) for x in weak}
    assert any(weak[x] < energies[x] - 1.0 for x in weak)  # a wrong product pays too little
    assert all(weak[x] <= energies[x] for x in weak)
    with pytest.raises(ValueError, match="strength"):
        quadratize(poly, strength=0.0)
    with pytest.raises(ValueError, match="strength"):
        quadratize(poly, strength=float("inf"))


def test_hidden_variables_are_dropped_and_states_merged():
    poly = dimod.BinaryPolynomial({("a", "b", "c"): -1.0}, dimod.BINARY)
    found = sample_model(dimod.ExactSolver(), poly, ["a", "b", "c"])
    assert found.states.shape == (8, 3) and found.probabilities.sum() == pytest.approx(1.0)
    assert found.sampleset.variables.index("a") >= 0 and len(found.sampleset.variables) == 4
    np.testing.assert_allclose(found.energies, poly.energies((found.states, ["a", "b", "c"])))
    with pytest.raises(SamplerOutputError, match="other variables"):
        sampleset_distribution(found.sampleset, ["a", "b", "c"])


# ----------------------------------------------------------------------------- conversions both ways
@settings(max_examples=40, deadline=None)
@given(polynomials())
def test_dimod_problem_round_trip_keeps_energies(poly):
    problem = dimod_to_optimization_problem(poly)
    back = optimization_problem_to_dimod(problem, vartype=poly.vartype)
    labels = sorted(poly.variables, key=repr)
    names = [v.name for v in problem.variables]
    values = sorted(poly.vartype.value)
    for state in itertools.product(values, repeat=len(labels)):
        sample = dict(zip(labels, state, strict=True))
        ordered = [sample[v] for v in _problem_order(poly)]
        bits = [(v + 1) // 2 for v in ordered] if poly.vartype is dimod.SPIN else ordered
        expected = poly.energy(sample)
        assert problem.objective.evaluate(bits) == pytest.approx(expected, abs=1e-9)
        assert back.model.energy(dict(zip(names, ordered, strict=True))) == pytest.approx(expected, abs=1e-9)


def _problem_order(poly):
    """The variable order of dimod_to_optimization_problem (that of BinaryTerms.from_model)."""
    return BinaryTerms.from_model(poly)[1]


def test_bqm_round_trip_through_the_addon():
    bqm = dimod.BQM({"a": 1.0, "b": -2.0}, {("a", "b"): 3.0}, 0.5, "SPIN")
    problem = dimod_to_optimization_problem(bqm, name="bqm")
    assert problem.name == "bqm" and not problem.objective.higher_order
    back = optimization_problem_to_dimod(problem, vartype="SPIN", labels=bqm.variables).model
    dimod.testing.assert_bqm_almost_equal(back, bqm, places=9, ignore_zero_interactions=True)


def test_conversion_interprets_integers_and_spins():
    problem = OptimizationProblem()
    problem.integer_var(0, 3, "n")
    problem.spin_var("s")
    problem.maximize(linear={"n": 1.0}, higher_order={3: {("n", "n", "s"): 1.0}})
    conversion = optimization_problem_to_dimod(problem)
    assert conversion.labels == ("n@0", "n@1", "s@bin") and conversion.converted.get_num_vars() == 3
    for bits in itertools.product([0, 1], repeat=3):
        x = conversion.interpret(dict(zip(conversion.labels, bits, strict=True)))
        assert conversion.model.energy(dict(zip(conversion.labels, bits, strict=True))) == pytest.approx(
            -problem.objective.evaluate(x)
        )
    spin = optimization_problem_to_dimod(problem, vartype="SPIN")
    assert spin.model.vartype is dimod.SPIN
    np.testing.assert_array_equal(spin.interpret({v: 1 for v in spin.labels}), conversion.interpret({v: 1 for v in spin.labels}))
    with pytest.raises(SamplerOutputError, match="lacks"):
        conversion.interpret({"n@0": 1})
    with pytest.raises(ValueError, match="labels has 1"):
        optimization_problem_to_dimod(problem, labels=["only"])


# ----------------------------------------------------------------------------- NaN and infinity, both ways
BAD = [float("nan"), float("inf"), -float("inf")]


@pytest.mark.parametrize("bad", BAD)
def test_non_finite_dimod_models_are_rejected(bad):
    models = [
        dimod.BQM({"a": bad}, {}, 0.0, "BINARY"),
        dimod.BQM({"a": 1.0, "b": 0.0}, {("a", "b"): bad}, 0.0, "SPIN"),
        dimod.BQM({"a": 1.0}, {}, bad, "BINARY"),
        dimod.BinaryPolynomial({("a", "b", "c"): bad}, "BINARY"),
        dimod.BinaryPolynomial({(): bad, ("a",): 1.0}, "SPIN"),
    ]
    for model in models:
        with pytest.raises(ValueError, match="finite"):
            dimod_to_optimization_problem(model)
        if isinstance(model, dimod.BinaryQuadraticModel):
            with pytest.raises(ValueError, match="finite"):
                bqm_to_quadratic_program(model)
        else:
            with pytest.raises(ValueError, match="finite"):
                quadratize(model)


@pytest.mark.parametrize("bad", BAD)
def test_non_finite_programs_are_rejected(bad):
    def addon(part: str) -> OptimizationProblem:
        problem = OptimizationProblem()
        problem.binary_var_list(3, name="x")
        coefficient = {"objective": bad, "higher": 1.0}.get(part, 1.0)
        problem.minimize(linear={"x0": coefficient}, higher_order={3: {("x0", "x1", "x2"): bad if part == "higher" else 1.0}})
        if part == "rhs":
            problem.linear_constraint({"x0": 1}, "<=", bad)
        if part == "constraint":
            problem.higher_order_constraint(higher_order={3: {("x0", "x1", "x2"): bad}}, sense="<=", rhs=1)
        return problem

    for part in ("objective", "higher", "rhs", "constraint"):
        problem = addon(part)
        with pytest.raises(ValueError, match="finite"):
            optimization_problem_to_dimod(problem)
        with pytest.raises(ValueError, match="finite"):
            DimodSolver(dimod.ExactSolver()).solve(problem)
    program = QuadraticProgram()
    program.binary_var("a")
    program.binary_var("b")
    program.minimize(quadratic={("a", "b"): bad})
    with pytest.raises(ValueError, match="objective quadratic coefficient"):
        quadratic_program_to_bqm(program)
    program.minimize(linear={"a": 1.0})
    program.linear_constraint({"a": 1, "b": 1}, "<=", bad, "cap")
    with pytest.raises(ValueError, match="'cap'"):
        DimodOptimizer(dimod.ExactSolver()).solve(program)


# ----------------------------------------------------------------------------- solver behaviour
def test_simulated_annealing_with_sample_kwargs_is_reproducible():
    problem = random_problem(4)
    solver = DimodSolver(SimulatedAnnealingSampler(), num_reads=40, seed=7)
    result = solver.solve(problem)
    assert len(result.sampleset) == 40
    assert result.fval == pytest.approx(brute_force_optimum(problem))
    again = solver.solve(problem)
    np.testing.assert_array_equal(again.sampleset.record.sample, result.sampleset.record.sample)


def test_sampler_timing_is_carried():
    from hiqlip_plugin.samplers.cim import CIMSampler

    problem = random_problem(5, cubic=False, quadratic_constraint=False)
    result = DimodSolver(CIMSampler(), num_reads=4, seed=0).solve(problem)
    assert result.timing["sampler"] == result.sampleset.info["timing"] and result.timing["sampler"]
    assert result.status is SolverResultStatus.SUCCESS


def test_infeasible_samples_are_reported():
    problem = OptimizationProblem()
    problem.binary_var_list(3, name="x")
    problem.maximize(linear={"x0": 5.0, "x1": 5.0}, higher_order={3: {("x0", "x1", "x2"): 1.0}})
    problem.linear_constraint({"x0": 1, "x1": 1}, "==", 1)
    result = DimodSolver(dimod.ExactPolySolver(), penalty=0.1).solve(problem)
    assert result.status is SolverResultStatus.SUCCESS  # feasible samples are sorted first
    assert result.samples[-1].status is SolverResultStatus.INFEASIBLE


def test_incompatible_problems_and_bad_arguments_are_rejected():
    problem = OptimizationProblem()
    problem.continuous_var(0.0, 1.0, "c")
    solver = DimodSolver(dimod.ExactSolver())
    assert "Continuous" in solver.get_compatibility_msg(problem) and not solver.is_compatible(problem)
    assert solver.is_compatible(random_problem(0))
    with pytest.raises(OptimizationError, match="Incompatible"):
        solver.solve(problem)
    with pytest.raises(TypeError, match="dimod.Sampler"):
        DimodSolver(ScipyMilpSolver())
    with pytest.raises(ValueError, match="penalty"):
        DimodSolver(dimod.ExactSolver(), penalty=-1.0)
    with pytest.raises(ValueError, match="penalty"):
        DimodSolver(dimod.ExactSolver(), penalty=float("nan"))
    with pytest.raises(ValueError, match="strength"):
        DimodSolver(dimod.ExactSolver(), strength=0.0)


@pytest.mark.filterwarnings("ignore:All bqm biases are zero")
@pytest.mark.parametrize("sampler", [dimod.ExactSolver(), dimod.ExactPolySolver(), SimulatedAnnealingSampler()])
def test_empty_problem(sampler):
    problem = OptimizationProblem()
    problem.minimize(constant=2.5)
    result = DimodSolver(sampler).solve(problem)
    assert result.x.shape == (0,) and result.fval == 2.5 and len(result.samples) == 1


def test_polysampler_receives_quadratic_problems_as_polynomials():
    problem = random_problem(1, cubic=False, quadratic_constraint=False)
    result = DimodSolver(dimod.ExactPolySolver()).solve(problem)
    assert isinstance(result.conversion.model, dimod.BinaryQuadraticModel)
    assert result.fval == pytest.approx(brute_force_optimum(problem))


# ----------------------------------------------------------------------------- the deep-network FGL
def chain_value(network: ReLUNetwork, x: np.ndarray, patterns: list[np.ndarray], c: np.ndarray) -> float:
    """x^T W1^T D(s1) W2^T ... D(s_{L-1}) W_L^T c, straight from the weights."""
    v = c @ network.weights[-1]
    for w, s in zip(network.weights[-2::-1], patterns[::-1], strict=True):
        v = (v * s) @ w
    return float(v @ x)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([(3, 2, 2), (2, 3, 2, 2), (2, 2, 2, 2, 1)]), st.integers(0, 100), st.data())
def test_fgl_polynomial_is_the_chain_on_every_drawn_assignment(sizes, seed, data):
    network = random_relu_network(sizes, seed=seed)
    output = data.draw(st.integers(0, network.output_dim - 1))
    problem = fgl_optimization_problem(network, output)
    assert [v.name for v in problem.variables] == fgl_variable_names(network)
    assert problem.objective.sense.name == "MAXIMIZE" and not problem.linear_constraints
    bits = np.array(data.draw(st.lists(st.integers(0, 1), min_size=problem.get_num_vars(), max_size=problem.get_num_vars())))
    bounds = np.cumsum((network.input_dim, *network.hidden_dims))
    patterns = [bits[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    c = network.output_direction(output)
    expected = chain_value(network, 2 * bits[: network.input_dim] - 1, patterns, c)
    assert problem.objective.evaluate(bits) == pytest.approx(expected, abs=1e-12)
    certificate = fgl_certificate(network, bits, output)
    assert certificate.value >= expected - 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_layer_fgl_optimum_equals_exact_fgl(seed):
    network = random_relu_network((3, 3, 3, 1), seed=seed)
    problem = fgl_optimization_problem(network)
    assert sorted(problem.objective.higher_order) == [3]
    result = DimodSolver(dimod.ExactPolySolver()).solve(problem)
    exact = exact_fgl(network)
    assert result.fval == pytest.approx(exact.value, rel=1e-12)
    certificate = fgl_certificate(network, result.x)
    assert certificate.verify(network) and certificate.value == pytest.approx(exact.value, rel=1e-12)


@pytest.mark.slow
def test_three_layer_fgl_through_quadratization_equals_exact_fgl():
    network = random_relu_network((3, 3, 3, 1), seed=3)
    result = DimodSolver(dimod.ExactSolver()).solve(fgl_optimization_problem(network))
    assert result.quadratization is not None and result.quadratization.hidden
    assert result.fval == pytest.approx(exact_fgl(network).value, rel=1e-12)


def test_four_layer_fgl_with_a_direction():
    network = random_relu_network((2, 2, 2, 2, 2), seed=4)
    direction = np.array([1.0, -0.5])
    problem = fgl_optimization_problem(network, direction=direction)
    assert sorted(problem.objective.higher_order) == [3, 4]
    result = DimodSolver(dimod.ExactPolySolver()).solve(problem)
    assert result.fval == pytest.approx(exact_fgl(network, direction=direction).value, rel=1e-12)


def test_fgl_size_limit_and_arguments():
    network = random_relu_network((10, 20, 20, 1), seed=0)
    assert fgl_num_terms(network) == 11 * 20 * 20
    with pytest.raises(ProblemTooLargeError, match="max_terms=1000"):
        fgl_optimization_problem(network, max_terms=1000)
    with pytest.raises(ValueError, match="l_inf"):
        fgl_optimization_problem(random_relu_network((2, 2, 1), seed=0), norm=2)
    with pytest.raises(TypeError, match="ReLUNetwork"):
        fgl_optimization_problem(np.eye(2))
    with pytest.raises(ValueError, match="values in"):
        fgl_certificate(random_relu_network((2, 2, 1), seed=0), [1, 0, 2, 1])


# ----------------------------------------------------------------------------- the add-on is optional
ADDON_MODULES = ["hiqlip_plugin.qiskit.problem", "hiqlip_plugin.qiskit.solver", "hiqlip_plugin.qiskit.fgl"]


def test_missing_addon_gives_a_clear_message(monkeypatch):
    import hiqlip_plugin.qiskit as package

    monkeypatch.setitem(sys.modules, "qiskit_addon_opt_mapper", None)  # "not installed"
    for name in ADDON_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
        with pytest.raises(ImportError, match=r"hiqlip-plugin\[qiskit-addon\]"):
            importlib.import_module(name)
    with pytest.raises(ImportError, match="qiskit-addon-opt-mapper, which is not installed"):
        package.DimodSolver  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        package.Nothing  # noqa: B018
    # the qiskit-optimization front-end does not need the add-on
    program = bqm_to_quadratic_program(dimod.BQM({"a": -1.0}, {}, 0.0, "BINARY"))
    assert package.DimodOptimizer(dimod.ExactSolver()).solve(program).fval == -1.0
