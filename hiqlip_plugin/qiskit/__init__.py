"""Qiskit integration, both directions, for both Qiskit modelling packages.

* qiskit-optimization 0.7 (``QuadraticProgram``): :class:`DimodOptimizer` (any dimod sampler as an
  ``OptimizationAlgorithm``) and :class:`DimodMinimumEigensolver` (as a ``SamplingMinimumEigensolver``, for
  ``MinimumEigenOptimizer`` and ``RecursiveMinimumEigenOptimizer``); conversions
  :func:`bqm_to_quadratic_program`, :func:`quadratic_program_to_bqm`, :func:`pauli_operator_to_bqm`
  (sign convention ``s = -Z``).
* qiskit-addon-opt-mapper (``OptimizationProblem``, higher order included; the optional extra
  ``qiskit-addon``): :class:`DimodSolver` (any dimod sampler as an ``OptimizationSolver``), conversions
  :func:`optimization_problem_to_dimod` and :func:`dimod_to_optimization_problem`, and the deep-network
  l_inf FGL as a problem, :func:`fgl_optimization_problem` / :func:`fgl_certificate`. These names are loaded
  on first use, so this package imports without the add-on (a clear ``ImportError`` names the extra).
* Qiskit -> dimod: :class:`QiskitSampler` (QAOA, SamplingVQE or any optimization algorithm as a
  ``dimod.Sampler`` with a ``max_num_variables`` capacity, e.g. the child of
  :class:`~hiqlip_plugin.HierarchicalComposite`).

Both front-ends share one conversion core, :mod:`hiqlip_plugin.qiskit.model`. ``import hiqlip_plugin`` does
not import Qiskit; importing this subpackage does.

Examples:
    >>> import dimod
    >>> from qiskit_optimization.algorithms import MinimumEigenOptimizer
    >>> from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver
    >>> from hiqlip_plugin.qiskit import DimodOptimizer, DimodSolver, bqm_to_quadratic_program
    >>> from hiqlip_plugin.qiskit import dimod_to_optimization_problem
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> qp = bqm_to_quadratic_program(bqm)
    >>> exact = MinimumEigenOptimizer(NumPyMinimumEigensolver()).solve(qp)
    >>> float(DimodOptimizer(dimod.ExactSolver()).solve(qp).fval) == float(exact.fval) == -3.0
    True
    >>> float(DimodSolver(dimod.ExactSolver()).solve(dimod_to_optimization_problem(bqm)).fval)
    -3.0
"""

from __future__ import annotations

import importlib
from typing import Any

from hiqlip_plugin.qiskit.convert import (
    QuboConversion,
    bqm_to_quadratic_program,
    pauli_operator_to_bqm,
    quadratic_program_to_bqm,
)
from hiqlip_plugin.qiskit.eigensolver import DimodMinimumEigensolver
from hiqlip_plugin.qiskit.model import sampleset_distribution
from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
from hiqlip_plugin.qiskit.sampler import QiskitSampler

__all__ = [
    "DimodMinimumEigensolver",
    "DimodOptimizer",
    "DimodSolver",
    "DimodSolverResult",
    "ProblemConversion",
    "QiskitSampler",
    "QuboConversion",
    "bqm_to_quadratic_program",
    "dimod_to_optimization_problem",
    "fgl_certificate",
    "fgl_optimization_problem",
    "optimization_problem_to_dimod",
    "pauli_operator_to_bqm",
    "quadratic_program_to_bqm",
    "sampleset_distribution",
]

_ADDON_NAMES = {
    "DimodSolver": "solver",
    "DimodSolverResult": "solver",
    "ProblemConversion": "problem",
    "dimod_to_optimization_problem": "problem",
    "optimization_problem_to_dimod": "problem",
    "fgl_certificate": "fgl",
    "fgl_optimization_problem": "fgl",
}
"""Names defined on qiskit-addon-opt-mapper, and their module, imported on first access."""


def __getattr__(name: str) -> Any:
    """Import the add-on names on first use (:mod:`hiqlip_plugin.qiskit.addon`).

    Examples:
        >>> import hiqlip_plugin.qiskit
        >>> hiqlip_plugin.qiskit.DimodSolver.__module__
        'hiqlip_plugin.qiskit.solver'
    """
    if name in _ADDON_NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_ADDON_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """List the add-on names too.

    Examples:
        >>> import hiqlip_plugin.qiskit
        >>> "fgl_optimization_problem" in dir(hiqlip_plugin.qiskit)
        True
    """
    return sorted({*globals(), *_ADDON_NAMES})
