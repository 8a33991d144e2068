"""Conversions between dimod BQMs and Qiskit quadratic programs / Pauli operators."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import SparsePauliOp
from qiskit_optimization import QiskitOptimizationError, QuadraticProgram

from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.qiskit.convert import (
    bqm_to_quadratic_program,
    pauli_operator_to_bqm,
    quadratic_program_to_bqm,
)
from hiqlip_plugin.qiskit.model import sampleset_distribution

ODD_LABELS = [0, "c", ("a",), (("a",),), frozenset({1}), -7, 2.5, "x0", ("s", 3), True]


def all_states(bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    """Every state of ``bqm`` in its vartype, rows in ``bqm.variables`` order."""
    values = sorted(bqm.vartype.value)
    states = list(itertools.product(values, repeat=bqm.num_variables))
    return np.array(states, dtype=np.int8).reshape(len(states), bqm.num_variables)


def to_bits(states: np.ndarray, vartype: dimod.Vartype) -> np.ndarray:
    return (states + 1) // 2 if vartype is dimod.SPIN else states


@st.composite
def small_bqms(draw) -> dimod.BinaryQuadraticModel:
    n = draw(st.integers(0, 5))
    labels = draw(st.permutations(ODD_LABELS))[:n] if draw(st.booleans()) else [f"v{i}" for i in range(n)]
    bias = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
    vartype = draw(st.sampled_from([dimod.SPIN, dimod.BINARY]))
    bqm = dimod.BinaryQuadraticModel(vartype)
    bqm.add_variables_from((v, draw(bias)) for v in labels)
    for u, v in itertools.combinations(labels, 2):
        if draw(st.booleans()):
            bqm.add_quadratic(u, v, draw(bias))
    bqm.offset = draw(bias)
    return bqm


@settings(max_examples=60, deadline=None)
@given(small_bqms())
def test_program_energy_agrees_on_every_state(bqm):
    qp = bqm_to_quadratic_program(bqm)
    assert qp.get_num_vars() == qp.get_num_binary_vars() == bqm.num_variables
    assert qp.objective.sense.name == "MINIMIZE" and not qp.linear_constraints
    states = all_states(bqm)
    expected = bqm.energies((states, bqm.variables))
    got = [qp.objective.evaluate(x) for x in to_bits(states, bqm.vartype)]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(small_bqms())
def test_round_trip_restores_the_bqm(bqm):
    qp = bqm_to_quadratic_program(bqm)
    back = quadratic_program_to_bqm(qp, vartype=bqm.vartype, labels=bqm.variables).bqm
    assert back.vartype is bqm.vartype
    dimod.testing.assert_bqm_almost_equal(back, bqm, places=9, ignore_zero_interactions=True)


@settings(max_examples=40, deadline=None)
@given(small_bqms().filter(lambda b: b.num_variables > 0))
def test_ising_operator_energy_agrees_on_every_state(bqm):
    operator, offset = bqm_to_quadratic_program(bqm).to_ising()
    ising = pauli_operator_to_bqm(operator)
    assert list(ising.variables) == list(range(bqm.num_variables))
    states = all_states(bqm)
    spins = 2 * to_bits(states, bqm.vartype).astype(np.int8) - 1
    np.testing.assert_allclose(
        ising.energies((spins, range(bqm.num_variables))) + offset,
        bqm.energies((states, bqm.variables)),
        rtol=1e-9,
        atol=1e-9,
    )


def test_string_labels_name_the_variables():
    bqm = dimod.BQM({"alpha": 1.0, "beta x": 0.0}, {}, 0.0, "BINARY")
    assert [v.name for v in bqm_to_quadratic_program(bqm).variables] == ["alpha", "beta x"]


@pytest.mark.parametrize("labels", [[0, 1], ["a", 1], ["a", ""], [("a",), "b"]])
def test_other_labels_get_positional_names(labels):
    bqm = dimod.BQM({v: 1.0 for v in labels}, {}, 0.0, "BINARY")
    assert [v.name for v in bqm_to_quadratic_program(bqm).variables] == ["x0", "x1"]


def test_spin_program_uses_binary_variables():
    bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")
    qp = bqm_to_quadratic_program(bqm, name="spin")
    assert qp.name == "spin"
    assert qp.objective.evaluate([0]) == -1.0 and qp.objective.evaluate([1]) == 1.0


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_empty_problem_round_trips(vartype):
    bqm = dimod.BQM(vartype)
    bqm.offset = 1.25
    qp = bqm_to_quadratic_program(bqm)
    assert qp.get_num_vars() == 0 and qp.objective.evaluate([]) == 1.25
    conversion = quadratic_program_to_bqm(qp, vartype=vartype)
    assert conversion.bqm.num_variables == 0 and conversion.bqm.offset == 1.25
    assert conversion.interpret({}).shape == (0,)


def test_maximisation_becomes_minimisation_of_minus_the_objective():
    qp = QuadraticProgram()
    qp.binary_var("a")
    qp.binary_var("b")
    qp.maximize(constant=1.0, linear={"a": 2.0}, quadratic={("a", "b"): 3.0})
    bqm = quadratic_program_to_bqm(qp).bqm
    for a, b in itertools.product([0, 1], repeat=2):
        assert bqm.energy({"a": a, "b": b}) == -qp.objective.evaluate([a, b])


def test_diagonal_quadratic_terms_become_fields():
    qp = QuadraticProgram()
    qp.binary_var("a")
    qp.minimize(quadratic={("a", "a"): 4.0})
    bqm = quadratic_program_to_bqm(qp).bqm
    assert dict(bqm.linear) == {"a": 4.0} and bqm.num_interactions == 0


def constrained_program() -> QuadraticProgram:
    """max n + 2y - n*y  s.t.  n + y <= 3,  n in 0..3,  y binary (optimum n = 3, y = 0 -> 3; n=2,y=1 -> 2)."""
    qp = QuadraticProgram("constrained")
    qp.integer_var(0, 3, "n")
    qp.binary_var("y")
    qp.maximize(linear={"n": 1.0, "y": 2.0}, quadratic={("n", "y"): -1.0})
    qp.linear_constraint({"n": 1, "y": 1}, "<=", 3, "cap")
    return qp


@pytest.mark.parametrize("penalty", [None, 20.0])
def test_constrained_integer_program_ground_state_is_the_optimum(penalty):
    qp = constrained_program()
    conversion = quadratic_program_to_bqm(qp, penalty=penalty)
    assert conversion.converter.penalty == (penalty or conversion.converter.penalty) > 0
    assert set(conversion.labels) == set(conversion.bqm.variables)
    assert {"n@0", "n@1", "y"} <= set(conversion.labels)
    best = dimod.ExactSolver().sample(conversion.bqm).first
    x = conversion.interpret(best.sample)
    feasible = [(n, y) for n in range(4) for y in range(2) if n + y <= 3]
    optimum = max(qp.objective.evaluate([n, y]) for n, y in feasible)
    assert qp.is_feasible(x) and qp.objective.evaluate(x) == optimum == 3.0
    assert best.energy == pytest.approx(-optimum)


def test_small_penalty_lets_infeasible_states_win():
    qp = QuadraticProgram()
    qp.binary_var("a")
    qp.binary_var("b")
    qp.maximize(linear={"a": 5.0, "b": 5.0})
    qp.linear_constraint({"a": 1, "b": 1}, "<=", 1)
    loose = quadratic_program_to_bqm(qp, penalty=0.1)
    x = loose.interpret(dimod.ExactSolver().sample(loose.bqm).first.sample)
    assert not qp.is_feasible(x)
    tight = quadratic_program_to_bqm(qp)
    assert qp.is_feasible(tight.interpret(dimod.ExactSolver().sample(tight.bqm).first.sample))


def test_spin_conversion_interprets_spins():
    qp = constrained_program()
    binary, spin = quadratic_program_to_bqm(qp), quadratic_program_to_bqm(qp, vartype="SPIN")
    assert spin.bqm.vartype is dimod.SPIN
    bits = {v: 1 for v in binary.labels}
    spins = {v: 1 for v in spin.labels}
    assert spin.bqm.energy(spins) == pytest.approx(binary.bqm.energy(bits))
    np.testing.assert_array_equal(spin.interpret(spins), binary.interpret(bits))


def test_labels_are_checked():
    qp = constrained_program()
    with pytest.raises(ValueError, match="labels has 1 entries"):
        quadratic_program_to_bqm(qp, labels=["only"])
    with pytest.raises(ValueError, match="collide"):
        quadratic_program_to_bqm(qp, labels=["n", "n@0"])
    assert quadratic_program_to_bqm(qp, labels=["n", ("y", 1)]).labels[2] == ("y", 1)


def test_interpret_rejects_bad_samples():
    conversion = quadratic_program_to_bqm(constrained_program())
    with pytest.raises(SamplerOutputError, match="lacks"):
        conversion.interpret({"y": 1})
    with pytest.raises(SamplerOutputError, match="values"):
        conversion.interpret({v: -1 for v in conversion.labels})


def test_incompatible_programs_are_rejected():
    qp = QuadraticProgram()
    qp.continuous_var(0.0, 1.0, "c")
    with pytest.raises(QiskitOptimizationError, match="Continuous"):
        quadratic_program_to_bqm(qp)


def test_pauli_sign_convention():
    # qubit 0 = 1 <=> Z_0 = -1 <=> s_0 = +1
    bqm = pauli_operator_to_bqm(SparsePauliOp(["IZ", "ZZ", "II"], [2.0, -1.0, 0.5]))
    assert bqm.vartype is dimod.SPIN
    assert bqm.linear[0] == -2.0 and bqm.linear[1] == 0.0
    assert bqm.quadratic[0, 1] == -1.0 and bqm.offset == 0.5


@pytest.mark.parametrize(
    ("operator", "match"),
    [
        (SparsePauliOp(["XI"], [1.0]), "X or Y"),
        (SparsePauliOp(["ZY"], [1.0]), "X or Y"),
        (SparsePauliOp(["ZZZ"], [1.0]), "3 qubits"),
        (SparsePauliOp(["ZZ"], [1.0j]), "complex"),
    ],
)
def test_pauli_operator_must_be_quadratic_and_diagonal(operator, match):
    with pytest.raises(ValueError, match=match):
        pauli_operator_to_bqm(operator)


def test_sampleset_distribution_counts_and_orders():
    ss = dimod.SampleSet.from_samples(
        ([[1, -1], [1, -1], [-1, -1], [1, -1]], ["p", "q"]), "SPIN", energy=0, num_occurrences=[1, 2, 1, 4]
    )
    states, probabilities = sampleset_distribution(ss, ["q", "p"])
    assert states.dtype == np.uint8
    table = {tuple(s): p for s, p in zip(states.tolist(), probabilities.tolist(), strict=True)}
    assert table == {(0, 1): 7 / 8, (0, 0): 1 / 8}


def test_sampleset_distribution_rejects_bad_samplesets():
    ss = dimod.SampleSet.from_samples(([[1]], ["a"]), "BINARY", energy=0)
    with pytest.raises(SamplerOutputError, match="other variables"):
        sampleset_distribution(ss, ["b"])
    with pytest.raises(SamplerOutputError, match="no samples"):
        sampleset_distribution(ss.truncate(0), ["a"])


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # qiskit's own arithmetic on inf
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_coefficients_are_rejected_both_ways(bad):
    # dimod -> Qiskit: a NaN or infinite bias, coupling or offset
    for bqm in (
        dimod.BQM({"a": bad}, {}, 0.0, "BINARY"),
        dimod.BQM({"a": 0.0, "b": 1.0}, {("a", "b"): bad}, 0.0, "SPIN"),
        dimod.BQM({"a": 1.0}, {}, bad, "SPIN"),
    ):
        with pytest.raises(ValueError, match="finite"):
            bqm_to_quadratic_program(bqm)
    # Qiskit -> dimod: objective, constraint coefficient, right-hand side, operator
    for part in ("constant", "linear", "quadratic", "constraint", "rhs"):
        qp = QuadraticProgram()
        qp.binary_var("a")
        qp.binary_var("b")
        qp.minimize(
            constant=bad if part == "constant" else 0.0,
            linear={"a": bad if part == "linear" else 1.0},
            quadratic={("a", "b"): bad if part == "quadratic" else 1.0},
        )
        qp.linear_constraint({"a": bad if part == "constraint" else 1, "b": 1}, "<=", bad if part == "rhs" else 1, "cap")
        with pytest.raises(ValueError, match="finite"):
            quadratic_program_to_bqm(qp)
    with pytest.raises(ValueError, match="finite"):
        pauli_operator_to_bqm(SparsePauliOp(["ZZ", "IZ"], [bad, 1.0]))
