"""Qiskit optimization integration, both directions.

* dimod -> Qiskit: :class:`DimodOptimizer` (any dimod sampler as a qiskit-optimization
  ``OptimizationAlgorithm``) and :class:`DimodMinimumEigensolver` (as a ``SamplingMinimumEigensolver``, for
  ``MinimumEigenOptimizer`` and ``RecursiveMinimumEigenOptimizer``).
* Qiskit -> dimod: :class:`QiskitSampler` (QAOA, SamplingVQE or any optimization algorithm as a
  ``dimod.Sampler`` with a ``max_num_variables`` capacity, e.g. the child of
  :class:`~hiqlip_plugin.HierarchicalComposite`).
* Conversions: :func:`bqm_to_quadratic_program`, :func:`quadratic_program_to_bqm`,
  :func:`pauli_operator_to_bqm` (sign convention ``s = -Z``).

``import hiqlip_plugin`` does not import Qiskit; importing this subpackage does.

Examples:
    >>> import dimod
    >>> from qiskit_optimization.algorithms import MinimumEigenOptimizer
    >>> from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver
    >>> from hiqlip_plugin.qiskit import DimodOptimizer, bqm_to_quadratic_program
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> qp = bqm_to_quadratic_program(bqm)
    >>> exact = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(qp)
    >>> float(DimodOptimizer(dimod.ExactSolver()).solve(qp).fval) == float(exact.fval) == -3.0
    True
"""

from __future__ import annotations

from hiqlip_plugin.qiskit.convert import (
    QuboConversion,
    bqm_to_quadratic_program,
    pauli_operator_to_bqm,
    quadratic_program_to_bqm,
)
from hiqlip_plugin.qiskit.model import sampleset_distribution
from hiqlip_plugin.qiskit.eigensolver import DimodMinimumEigensolver
from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
from hiqlip_plugin.qiskit.sampler import QiskitSampler

__all__ = [
    "DimodMinimumEigensolver",
    "DimodOptimizer",
    "QiskitSampler",
    "QuboConversion",
    "bqm_to_quadratic_program",
    "pauli_operator_to_bqm",
    "quadratic_program_to_bqm",
    "sampleset_distribution",
]
