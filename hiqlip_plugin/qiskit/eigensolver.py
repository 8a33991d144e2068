"""Any dimod sampler as a Qiskit sampling minimum eigensolver.

:class:`DimodMinimumEigensolver` implements qiskit-optimization's
:class:`~qiskit_optimization.minimum_eigensolvers.SamplingMinimumEigensolver` interface: the diagonal
``Z``/``ZZ`` operator is read as a SPIN model (``s = -Z``, see :mod:`hiqlip_plugin.qiskit.convert`), the
dimod sampler draws states, and the reads become the eigenstate's quasi-distribution. So a CIM, simulated
annealing or a multilevel composite drops into :class:`~qiskit_optimization.algorithms.MinimumEigenOptimizer`
and :class:`~qiskit_optimization.algorithms.RecursiveMinimumEigenOptimizer` wherever QAOA would.

Examples:
    >>> import dimod
    >>> from qiskit_optimization import QuadraticProgram
    >>> from qiskit_optimization.algorithms import MinimumEigenOptimizer
    >>> from hiqlip_plugin.qiskit.eigensolver import DimodMinimumEigensolver
    >>> qp = QuadraticProgram()
    >>> _ = qp.binary_var("a"), qp.binary_var("b")
    >>> qp.minimize(linear={"a": 1.0, "b": -2.0}, quadratic={("a", "b"): -3.0})
    >>> result = MinimumEigenOptimizer(DimodMinimumEigensolver(dimod.ExactSolver())).solve(qp)
    >>> result.x.tolist(), float(result.fval)
    ([1.0, 1.0], -4.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np
from qiskit.quantum_info import SparsePauliOp
from qiskit.quantum_info.operators.base_operator import BaseOperator
from qiskit.result import QuasiDistribution
from qiskit_optimization.minimum_eigensolvers import (
    SamplingMinimumEigensolver,
    SamplingMinimumEigensolverResult,
)

from hiqlip_plugin.qiskit.convert import pauli_operator_to_bqm
from hiqlip_plugin.qiskit.model import sampleset_distribution

__all__ = ["DimodMinimumEigensolver", "diagonal_values"]


def diagonal_values(operator: BaseOperator, states: np.ndarray) -> np.ndarray:
    """Return ``<b|operator|b>`` for computational basis states ``b``.

    Terms with an ``X`` or ``Y`` factor vanish on basis states; a ``Z`` string contributes
    ``(-1)^(number of its qubits set in b)`` times its coefficient.

    Args:
        operator: A Pauli operator (anything :class:`~qiskit.quantum_info.SparsePauliOp` accepts).
        states: Bits of shape ``(k, num_qubits)``; column ``i`` is qubit ``i``.

    Returns:
        Complex array of shape ``(k,)``.

    Raises:
        ValueError: If the states do not have one column per qubit.

    Examples:
        >>> import numpy as np
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> from hiqlip_plugin.qiskit.eigensolver import diagonal_values
        >>> op = SparsePauliOp(["IZ", "ZZ", "XI"], [1.0, 2.0, 5.0])
        >>> diagonal_values(op, np.array([[0, 0], [1, 0]])).real.tolist()
        [3.0, -3.0]
    """
    operator = SparsePauliOp(operator)
    bits = np.asarray(states, dtype=np.int64)
    if bits.ndim != 2 or bits.shape[1] != operator.num_qubits:
        raise ValueError(f"states must have shape (k, {operator.num_qubits}), got {bits.shape}")
    diagonal = ~np.any(operator.paulis.x, axis=1)
    z = operator.paulis.z[diagonal].astype(np.int64)
    signs = 1 - 2 * ((bits @ z.T) % 2)
    return signs @ np.asarray(operator.coeffs[diagonal], dtype=np.complex128)


class DimodMinimumEigensolver(SamplingMinimumEigensolver):
    """A dimod sampler as a :class:`~qiskit_optimization.minimum_eigensolvers.SamplingMinimumEigensolver`.

    Args:
        sampler: Any :class:`dimod.Sampler` (e.g. :class:`~hiqlip_plugin.CIMSampler`,
            ``dwave.samplers.SimulatedAnnealingSampler()``, :class:`dimod.ExactSolver`).
        **sample_kwargs: Keyword arguments for every ``sampler.sample`` call (``num_reads``, ``seed``...).

    The result of :meth:`compute_minimum_eigenvalue` holds the reads as the eigenstate
    (:class:`~qiskit.result.QuasiDistribution` over full-width bitstrings, qubit 0 rightmost, shares of
    the reads as probabilities), the lowest sampled eigenvalue as ``eigenvalue`` (an upper bound on the true
    minimum) and the state that reached it as ``best_measurement``. Auxiliary operators are evaluated exactly
    on that classical mixture of basis states, which is why :meth:`supports_aux_operators` is ``True`` (and
    what :class:`~qiskit_optimization.algorithms.MinimumEigenOptimizer` requires).
    :class:`~qiskit_optimization.algorithms.RecursiveMinimumEigenOptimizer` reads variable correlations from
    these probabilities, so give it a sampler whose reads concentrate on low energies (annealing, CIM with
    several reads), not :class:`dimod.ExactSolver`, whose reads are uniform over all states.

    Examples:
        >>> import dimod
        >>> from qiskit.quantum_info import SparsePauliOp
        >>> from hiqlip_plugin.qiskit.eigensolver import DimodMinimumEigensolver
        >>> solver = DimodMinimumEigensolver(dimod.ExactSolver())
        >>> result = solver.compute_minimum_eigenvalue(SparsePauliOp(["ZZ", "IZ"], [1.0, 0.5]))
        >>> float(result.eigenvalue), result.best_measurement["bitstring"]
        (-1.5, '01')
    """

    def __init__(self, sampler: dimod.Sampler, **sample_kwargs: Any) -> None:
        if not isinstance(sampler, dimod.Sampler):
            raise TypeError(f"sampler must be a dimod.Sampler, got {type(sampler).__name__}")
        self.sampler = sampler
        self.sample_kwargs = sample_kwargs

    @classmethod
    def supports_aux_operators(cls) -> bool:
        """Return ``True``: auxiliary operators are evaluated on the sampled distribution."""
        return True

    def compute_minimum_eigenvalue(
        self,
        operator: BaseOperator,
        aux_operators: list[BaseOperator] | Mapping[str, BaseOperator] | None = None,
    ) -> SamplingMinimumEigensolverResult:
        """Sample the ground state of a diagonal Z/ZZ operator with the dimod sampler.

        Args:
            operator: Diagonal operator with real coefficients, at most two ``Z`` per term.
            aux_operators: Operators (list or dict) whose expectation on the sampled distribution is
                returned in ``aux_operators_evaluated`` as ``(value, {"shots": reads})`` (``None`` entries are
                kept).

        Returns:
            A :class:`~qiskit_optimization.minimum_eigensolvers.SamplingMinimumEigensolverResult`.

        Raises:
            ValueError: If the operator acts on no qubit or is not a diagonal Z/ZZ operator.
            SamplerOutputError: If the sampler returns no samples or samples of other variables.
        """
        operator = SparsePauliOp(operator)
        if operator.num_qubits == 0:
            raise ValueError("the operator acts on no qubit")
        bqm = pauli_operator_to_bqm(operator)
        sampleset = self.sampler.sample(bqm, **self.sample_kwargs)
        states, probabilities = sampleset_distribution(sampleset, range(operator.num_qubits))
        values = diagonal_values(operator, states).real
        keys = ["".join(row) for row in states[:, ::-1].astype(str)]  # qubit 0 rightmost
        best = int(np.argmin(values))
        reads = int(sampleset.record.num_occurrences.sum())

        result = SamplingMinimumEigensolverResult()
        result.eigenvalue = float(values[best])
        result.eigenstate = QuasiDistribution(dict(zip(keys, probabilities.tolist(), strict=True)), shots=reads)
        result.best_measurement = {
            "state": int(keys[best], 2),
            "bitstring": keys[best],
            "value": float(values[best]),
            "probability": float(probabilities[best]),
        }
        if aux_operators is not None:
            result.aux_operators_evaluated = _evaluate_aux(aux_operators, states, probabilities, reads)
        return result


def _evaluate_aux(
    aux_operators: list[BaseOperator] | Mapping[str, BaseOperator],
    states: np.ndarray,
    probabilities: np.ndarray,
    reads: int,
) -> list[Any] | dict[str, Any]:
    """Expectation of each auxiliary operator over the sampled basis states, as ``(value, metadata)``."""

    def evaluate(op: BaseOperator | None) -> tuple[complex | float, dict[str, int]] | None:
        if op is None:
            return None
        value = complex(probabilities @ diagonal_values(op, states))
        return (value.real if value.imag == 0.0 else value), {"shots": reads}

    if isinstance(aux_operators, Mapping):
        return {name: evaluate(op) for name, op in aux_operators.items()}
    return [evaluate(op) for op in aux_operators]
