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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import dimod
import numpy as np
from dimod.typing import VartypeLike
from qiskit.quantum_info import SparsePauliOp
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.converters import QuadraticProgramToQubo

from hiqlip_plugin.exceptions import SamplerOutputError

__all__ = [
    "QuboConversion",
    "bqm_to_quadratic_program",
    "quadratic_program_to_bqm",
    "pauli_operator_to_bqm",
    "sampleset_distribution",
]


def _program_names(labels: Sequence[Hashable]) -> list[str]:
    """Qiskit variable names for dimod labels: the labels themselves if all are non-empty strings."""
    if all(isinstance(v, str) and v for v in labels):
        return [str(v) for v in labels]
    return [f"x{i}" for i in range(len(labels))]


def bqm_to_quadratic_program(bqm: dimod.BinaryQuadraticModel, *, name: str = "") -> QuadraticProgram:
    """Return an unconstrained binary quadratic program to minimise with the energy of ``bqm``.

    Args:
        bqm: Any dimod BQM (SPIN models are rewritten in binary variables ``x = (1 + s) / 2``).
        name: Name of the program.

    Returns:
        A :class:`~qiskit_optimization.QuadraticProgram` whose variable ``i`` stands for ``bqm.variables[i]``
        (named by the label when every label is a non-empty string, otherwise ``"x{i}"``), with
        ``objective.evaluate(x) == bqm.energy(sample)`` on every state.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program
        >>> qp = bqm_to_quadratic_program(dimod.BQM({0: 1.0, 1: 2.0}, {(0, 1): -3.0}, 1.0, "BINARY"))
        >>> [v.name for v in qp.variables], float(qp.objective.evaluate([1, 1]))
        (['x0', 'x1'], 1.0)
    """
    binary = bqm.binary if bqm.vartype is dimod.SPIN else bqm
    order = list(binary.variables)
    program = QuadraticProgram(name)
    for var_name in _program_names(order):
        program.binary_var(var_name)
    linear, (rows, cols, values), offset = binary.to_numpy_vectors(variable_order=order)
    quadratic = {(int(i), int(j)): float(v) for i, j, v in zip(rows, cols, values, strict=True)}
    program.minimize(constant=float(offset), linear=np.asarray(linear, dtype=np.float64), quadratic=quadratic)
    return program


@dataclass(frozen=True, eq=False)
class QuboConversion:
    """A quadratic program as a BQM to minimise, with what is needed to read samples back.

    Built by :func:`quadratic_program_to_bqm`.

    Attributes:
        bqm: The BQM (BINARY or SPIN). Its energy is the objective of the converted program: the original
            objective (minimise) or minus it (maximise), plus penalties for violated constraints.
        program: The original program.
        qubo: The converted unconstrained binary minimisation program.
        converter: The :class:`~qiskit_optimization.converters.QuadraticProgramToQubo` that produced
            :attr:`qubo`; its ``penalty`` is the weight used (the derived one when none was given).
        labels: The BQM label of each variable of :attr:`qubo`, in order.

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

    bqm: dimod.BinaryQuadraticModel
    program: QuadraticProgram
    qubo: QuadraticProgram
    converter: QuadraticProgramToQubo
    labels: tuple[Hashable, ...]

    def interpret(self, sample: Mapping[Hashable, float]) -> np.ndarray:
        """Return the values of the original program's variables for one sample of :attr:`bqm`.

        Args:
            sample: A value for every label of :attr:`bqm` (0/1, or -1/+1 for a SPIN model).

        Returns:
            The assignment ``x`` of :attr:`program` (integers decoded from their bits, slack variables
            dropped), as floats.

        Raises:
            SamplerOutputError: If a label is missing or a value is not of the BQM's vartype.
        """
        try:
            values = np.array([sample[v] for v in self.labels], dtype=np.float64)
        except KeyError as err:
            raise SamplerOutputError(f"sample lacks variable {err.args[0]!r}") from None
        if not np.all(np.isin(values, list(self.bqm.vartype.value))):
            raise SamplerOutputError(f"sample values must be in {sorted(self.bqm.vartype.value)}")
        bits = (values + 1) / 2 if self.bqm.vartype is dimod.SPIN else values
        return np.asarray(self.converter.interpret(bits), dtype=np.float64)


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
        ValueError: If ``labels`` has the wrong length or its labels repeat or collide with converter names.

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
    converter = QuadraticProgramToQubo(penalty=penalty)
    qubo = converter.convert(program)
    names = [v.name for v in qubo.variables]
    out_labels: list[Hashable] = names
    if labels is not None:
        labels = list(labels)
        if len(labels) != program.get_num_vars():
            raise ValueError(f"labels has {len(labels)} entries, the program has {program.get_num_vars()} variables")
        relabel = dict(zip((v.name for v in program.variables), labels, strict=True))
        out_labels = [relabel.get(n, n) for n in names]
        if len(set(out_labels)) != len(out_labels):
            raise ValueError("labels repeat or collide with the names of variables created by the converter")
    bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
    bqm.add_variables_from(zip(out_labels, qubo.objective.linear.to_array().tolist(), strict=True))
    for (i, j), bias in qubo.objective.quadratic.to_dict().items():
        if i == j:
            bqm.add_linear(out_labels[i], bias)  # x^2 = x for a bit
        else:
            bqm.add_quadratic(out_labels[i], out_labels[j], bias)
    bqm.offset = float(qubo.objective.constant)
    bqm.change_vartype(vartype, inplace=True)
    return QuboConversion(bqm=bqm, program=program, qubo=qubo, converter=converter, labels=tuple(out_labels))


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
            is not real.

    Examples:
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> from hiqlip_plugin.qiskit.convert import pauli_operator_to_bqm
        >>> bqm = pauli_operator_to_bqm(SparsePauliOp(["IZ", "ZZ", "II"], [2.0, -1.0, 0.5]))
        >>> bqm.linear[0], bqm.quadratic[0, 1], bqm.offset
        (np.float64(-2.0), np.float64(-1.0), np.float64(0.5))
    """
    operator = SparsePauliOp(operator).simplify(atol=0.0)
    coeffs = np.asarray(operator.coeffs)
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


def sampleset_distribution(
    sampleset: dimod.SampleSet, variables: Iterable[Hashable]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct states of a sample set as bits, with their empirical probabilities.

    Args:
        sampleset: Samples of a BINARY or SPIN problem (SPIN values are mapped to bits by ``(1 + s) / 2``).
        variables: The order of the columns of the returned states; must be the sample set's variables.

    Returns:
        ``(states, probabilities)``: distinct 0/1 states of shape ``(k, n)`` (``uint8``) and their share of
        the reads (``num_occurrences`` over the total), summing to one. Without variables, the single empty
        state with probability one.

    Raises:
        SamplerOutputError: If the sample set has no rows (but variables) or its variables are not
            ``variables``.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.convert import sampleset_distribution
        >>> ss = dimod.SampleSet.from_samples([{"a": -1, "b": 1}] * 3 + [{"a": 1, "b": 1}], "SPIN", 0)
        >>> states, probabilities = sampleset_distribution(ss, ["b", "a"])
        >>> states.tolist(), probabilities.tolist()
        ([[1, 0], [1, 1]], [0.75, 0.25])
    """
    order = list(variables)
    if len(order) != len(sampleset.variables) or set(order) != set(sampleset.variables):
        raise SamplerOutputError("the sampler returned samples of other variables than the problem's")
    if not order:  # an empty problem has exactly one state, however many rows the sampler returned
        return np.zeros((1, 0), dtype=np.uint8), np.ones(1)
    if len(sampleset) == 0:
        raise SamplerOutputError("the sampler returned no samples")
    aggregated = sampleset.aggregate()
    columns = [aggregated.variables.index(v) for v in order]
    values = aggregated.record.sample[:, columns]
    states = (values + 1) // 2 if aggregated.vartype is dimod.SPIN else values
    occurrences = aggregated.record.num_occurrences.astype(np.float64)
    return states.astype(np.uint8), occurrences / occurrences.sum()
