"""Conversions between dimod binary quadratic models and Qiskit quadratic programs and operators.

Three directions, each exact on every state:

* :func:`bqm_to_quadratic_program`: a :class:`dimod.BinaryQuadraticModel` becomes an unconstrained binary
  :class:`~qiskit_optimization.QuadraticProgram` to minimise. Variable ``i`` of the program is
  ``bqm.variables[i]``; it is named by its label when every label is a non-empty string, otherwise
  ``"x{i}"``. SPIN models are rewritten with ``x = (1 + s) / 2`` (dimod's ``bqm.binary``), so
  ``program.objective.evaluate(x) == bqm.energy(s)``.
* :func:`quadratic_program_to_bqm`: any program that qiskit's
  :class:`~qiskit_optimization.converters.QuadraticProgramToQubo` accepts (binary and integer variables,
  linear constraints) becomes a BINARY (or SPIN) BQM to minimise. Integer variables are expanded into bits and
  constraints become penalties; a maximisation becomes a minimisation of minus the objective, so the energy
  of a feasible state is ``objective`` (minimise) or ``-objective`` (maximise). The returned
  :class:`QuboConversion` keeps the converter to map samples back with :meth:`QuboConversion.interpret`.
* :func:`pauli_operator_to_bqm`: a diagonal ``Z``/``ZZ`` :class:`~qiskit.quantum_info.SparsePauliOp` (the
  output of :meth:`QuadraticProgram.to_ising`) becomes a SPIN BQM over the qubit indices.

**Sign convention.** Qiskit writes a binary variable as ``x = (1 - Z) / 2`` (``x = 1`` is ``Z = -1``,
i.e. the basis state ``|1>``), dimod as ``x = (1 + s) / 2``. Hence ``s = -Z``: fields change sign,
couplings do not, and qubit ``i`` of a basis state index (little-endian, bit ``2**i``) is 1 exactly when
spin ``i`` is ``+1``.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program, quadratic_program_to_bqm
    >>> bqm = dimod.BQM({"a": 1.0, "b": -1.0}, {("a", "b"): 2.0}, 0.5, "SPIN")
    >>> qp = bqm_to_quadratic_program(bqm)
    >>> [v.name for v in qp.variables]
    ['a', 'b']
    >>> float(qp.objective.evaluate([1, 0])), float(bqm.energy({"a": 1, "b": -1}))
    (0.5, 0.5)
    >>> back = quadratic_program_to_bqm(qp, vartype="SPIN").bqm
    >>> float(back.energy({"a": 1, "b": -1}))
    0.5
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import dimod
import numpy as np
from dimod.typing import VartypeLike
from qiskit.quantum_info import SparsePauliOp
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.converters import QuadraticProgramToQubo

from hiqlip_plugin.qiskit.model import (
    BinaryTerms,
    ModelConversion,
    check_problem_finite,
    converted_labels,
    program_names,
)

__all__ = [
    "QuboConversion",
    "bqm_to_quadratic_program",
    "quadratic_program_to_bqm",
    "pauli_operator_to_bqm",
]


def bqm_to_quadratic_program(bqm: dimod.BinaryQuadraticModel, *, name: str = "") -> QuadraticProgram:
    """Return an unconstrained binary quadratic program to minimise with the energy of ``bqm``.

    Args:
        bqm: Any dimod BQM (SPIN models are rewritten in binary variables ``x = (1 + s) / 2``).
        name: Name of the program.

    Returns:
        A :class:`~qiskit_optimization.QuadraticProgram` whose variable ``i`` stands for ``bqm.variables[i]``
        (named by the label when every label is a non-empty string, otherwise ``"x{i}"``), with
        ``objective.evaluate(x) == bqm.energy(sample)`` on every state.

    Raises:
        TypeError: If ``bqm`` is not a :class:`dimod.BinaryQuadraticModel`.
        ValueError: If a bias or the offset is NaN or infinite.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program
        >>> qp = bqm_to_quadratic_program(dimod.BQM({0: 1.0, 1: 2.0}, {(0, 1): -3.0}, 1.0, "BINARY"))
        >>> [v.name for v in qp.variables], float(qp.objective.evaluate([1, 1]))
        (['x0', 'x1'], 1.0)
    """
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(f"bqm must be a dimod.BinaryQuadraticModel, got {type(bqm).__name__}")
    terms, labels = BinaryTerms.from_model(bqm)
    linear, quadratic, _ = terms.by_degree()
    program = QuadraticProgram(name)
    for var_name in program_names(labels):
        program.binary_var(var_name)
    program.minimize(constant=terms.constant, linear=linear, quadratic=quadratic)
    return program


@dataclass(frozen=True, eq=False)
class QuboConversion(ModelConversion):
    """A quadratic program as a BQM to minimise, with what is needed to read samples back.

    Built by :func:`quadratic_program_to_bqm`; :attr:`model` is the BQM (also :attr:`bqm`), BINARY or SPIN.
    Its energy is the objective of the converted program: the original objective (minimise) or minus it
    (maximise), plus penalties for violated constraints. :attr:`converter` is the
    :class:`~qiskit_optimization.converters.QuadraticProgramToQubo` that produced :attr:`qubo`; its
    ``penalty`` is the weight used (the derived one when none was given).

    Attributes:
        program: The original program.
        qubo: The converted unconstrained binary minimisation program.

    Examples:
        >>> from qiskit_optimization import QuadraticProgram
        >>> from hiqlip_plugin.qiskit.convert import quadratic_program_to_bqm
        >>> qp = QuadraticProgram()
        >>> _ = qp.integer_var(0, 3, "n")
        >>> qp.maximize(linear={"n": 1.0})
        >>> conversion = quadratic_program_to_bqm(qp)
        >>> conversion.labels
        ('n@0', 'n@1')
        >>> conversion.interpret({"n@0": 1, "n@1": 1}).tolist(), float(conversion.bqm.energy({"n@0": 1, "n@1": 1}))
        ([3.0], -3.0)
    """

    program: QuadraticProgram
    qubo: QuadraticProgram

    @property
    def bqm(self) -> dimod.BinaryQuadraticModel:
        """The BQM (same as :attr:`model`)."""
        return self.model  # type: ignore[return-value]


def quadratic_program_to_bqm(
    program: QuadraticProgram,
    *,
    penalty: float | None = None,
    vartype: VartypeLike = dimod.BINARY,
    labels: Sequence[Hashable] | None = None,
) -> QuboConversion:
    """Convert a quadratic program into a BQM to minimise, through qiskit's ``QuadraticProgramToQubo``.

    Args:
        program: A program with binary and integer variables and linear constraints (what
            :class:`~qiskit_optimization.converters.QuadraticProgramToQubo` accepts).
        penalty: Weight of the constraint penalties. ``None`` lets qiskit derive one from the objective:
            ``1 + (max - min linear coefficient) + (max - min quadratic coefficient)``, which makes every
            violation cost more than any objective gain when the constraints have integer coefficients
            (``1e5`` otherwise). Give one explicitly to rescale.
        vartype: Vartype of the returned BQM (the energy is the same on corresponding states).
        labels: BQM labels for the program's own variables, in the order of ``program.variables`` (e.g.
            ``bqm.variables`` to undo :func:`bqm_to_quadratic_program`). Variables created by the converter
            (the bits ``name@k`` of integer variables, constraint slacks) keep qiskit's names. By default
            every BQM variable is labelled by its qiskit name.

    Returns:
        A :class:`QuboConversion`.

    Raises:
        qiskit_optimization.QiskitOptimizationError: If the program has continuous variables or quadratic
            constraints.
        ValueError: If a coefficient, constant or right-hand side is NaN or infinite, or ``labels`` has the
            wrong length or its labels repeat or collide with converter names.

    Examples:
        >>> from qiskit_optimization import QuadraticProgram
        >>> from hiqlip_plugin.qiskit.convert import quadratic_program_to_bqm
        >>> qp = QuadraticProgram()
        >>> _ = qp.binary_var("a"), qp.binary_var("b")
        >>> qp.minimize(linear={"a": -1.0, "b": -1.0})
        >>> qp.linear_constraint({"a": 1, "b": 1}, "==", 1)
        <LinearConstraint: a + b == 1 'c0'>
        >>> bqm = quadratic_program_to_bqm(qp, penalty=10.0).bqm
        >>> float(bqm.energy({"a": 1, "b": 0})), float(bqm.energy({"a": 1, "b": 1}))
        (-1.0, 8.0)
    """
    vartype = dimod.as_vartype(vartype)
    check_problem_finite(program)
    converter = QuadraticProgramToQubo(penalty=penalty)
    qubo = converter.convert(program)
    out_labels = converted_labels(
        [v.name for v in program.variables], [v.name for v in qubo.variables], labels
    )
    objective = qubo.objective
    terms = BinaryTerms.from_parts(
        qubo.get_num_vars(),
        constant=objective.constant,
        linear=objective.linear.to_array(),
        quadratic=objective.quadratic.to_dict(),
    )
    bqm = terms.to_model(out_labels)
    bqm.change_vartype(vartype, inplace=True)
    return QuboConversion(
        model=bqm, labels=tuple(out_labels), converter=converter, program=program, qubo=qubo
    )


def pauli_operator_to_bqm(operator: SparsePauliOp) -> dimod.BinaryQuadraticModel:
    """Return the SPIN BQM over qubits ``0 .. n-1`` whose energy is the diagonal of a Z/ZZ operator.

    With ``s_i = -Z_i``, a term ``c Z_i`` is the field ``h_i = -c``, a term ``c Z_i Z_j`` the coupling
    ``J_ij = c`` and ``c I`` the offset, so ``bqm.energy(s) = <b|operator|b>`` where bit ``i`` of ``b`` is
    ``(1 + s_i) / 2``.

    Args:
        operator: A :class:`~qiskit.quantum_info.SparsePauliOp` with real coefficients and terms made of
            ``I`` and at most two ``Z`` factors (e.g. from :meth:`QuadraticProgram.to_ising`).

    Returns:
        A SPIN BQM with every qubit index as a variable.

    Raises:
        ValueError: If a term has an ``X`` or ``Y`` factor or more than two ``Z`` factors, or a coefficient
            is not real or not finite.

    Examples:
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> from hiqlip_plugin.qiskit.convert import pauli_operator_to_bqm
        >>> bqm = pauli_operator_to_bqm(SparsePauliOp(["IZ", "ZZ", "II"], [2.0, -1.0, 0.5]))
        >>> bqm.linear[0], bqm.quadratic[0, 1], bqm.offset
        (np.float64(-2.0), np.float64(-1.0), np.float64(0.5))
    """
    operator = SparsePauliOp(operator).simplify(atol=0.0)
    coeffs = np.asarray(operator.coeffs)
    if not np.all(np.isfinite(coeffs)):
        raise ValueError("the operator has NaN or infinite coefficients: every coefficient must be a finite number")
    if np.any(np.abs(coeffs.imag) > 1e-12 * np.maximum(1.0, np.abs(coeffs.real))):
        raise ValueError("the operator has complex coefficients: it is not a real diagonal Hamiltonian")
    if np.any(operator.paulis.x):
        raise ValueError("the operator has X or Y factors: only diagonal Z/ZZ operators map to an Ising model")
    bqm = dimod.BinaryQuadraticModel(dimod.SPIN)
    bqm.add_variables_from((q, 0.0) for q in range(operator.num_qubits))
    for z, c in zip(operator.paulis.z, coeffs.real.tolist(), strict=True):
        qubits = np.flatnonzero(z).tolist()
        if len(qubits) == 0:
            bqm.offset += c
        elif len(qubits) == 1:
            bqm.add_linear(qubits[0], -c)
        elif len(qubits) == 2:
            bqm.add_quadratic(qubits[0], qubits[1], c)
        else:
            raise ValueError(f"a term acts on {len(qubits)} qubits: only Z and ZZ terms map to an Ising model")
    return bqm
