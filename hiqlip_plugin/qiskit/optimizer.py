"""Any dimod sampler as a Qiskit optimization algorithm.

:class:`DimodOptimizer` is a qiskit-optimization
:class:`~qiskit_optimization.algorithms.OptimizationAlgorithm`: the program goes through
:func:`~hiqlip_plugin.qiskit.convert.quadratic_program_to_bqm` (integer variables as bits, linear
constraints as penalties, maximisation as minimisation), the dimod sampler solves the BQM, and every distinct
read is interpreted back into an :class:`~qiskit_optimization.algorithms.OptimizationResult` sample, best
first, exactly as :class:`~qiskit_optimization.algorithms.MinimumEigenOptimizer` reports its samples.

Examples:
    >>> import dimod
    >>> from qiskit_optimization import QuadraticProgram
    >>> from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
    >>> qp = QuadraticProgram()
    >>> _ = qp.integer_var(0, 3, "n"), qp.binary_var("y")
    >>> qp.maximize(linear={"n": 1.0, "y": 2.0})
    >>> _ = qp.linear_constraint({"n": 1, "y": 1}, "<=", 3)
    >>> result = DimodOptimizer(dimod.ExactSolver()).solve(qp)
    >>> result.x.tolist(), float(result.fval), result.status.name
    ([2.0, 1.0], 4.0, 'SUCCESS')
"""

from __future__ import annotations

from typing import Any

import dimod
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.algorithms import (
    OptimizationAlgorithm,
    OptimizationResult,
    OptimizationResultStatus,
    SolutionSample,
)
from qiskit_optimization.converters import QuadraticProgramToQubo

from hiqlip_plugin.qiskit.convert import quadratic_program_to_bqm
from hiqlip_plugin.qiskit.model import check_positive, check_problem_finite, sample_model

__all__ = ["DimodOptimizer"]


class DimodOptimizer(OptimizationAlgorithm):
    """Solve quadratic programs with a dimod sampler.

    Args:
        sampler: Any :class:`dimod.Sampler` (e.g. :class:`~hiqlip_plugin.CIMSampler`,
            :class:`~hiqlip_plugin.HierarchicalComposite`, ``dwave.samplers.SimulatedAnnealingSampler()``,
            :class:`dimod.ExactSolver`).
        penalty: Weight of the constraint penalties; ``None`` lets qiskit derive one from the objective's
            coefficient range (see :func:`~hiqlip_plugin.qiskit.convert.quadratic_program_to_bqm`).
        **sample_kwargs: Keyword arguments for every ``sampler.sample`` call (``num_reads``, ``seed``...).

    :meth:`solve` returns an :class:`~qiskit_optimization.algorithms.OptimizationResult` whose ``samples``
    are the distinct reads, interpreted in the original program, sorted feasible first and then by
    objective (best first), with their share of the reads as ``probability``; ``x`` and ``fval`` are those of
    the first sample and ``raw_results`` is the sampler's :class:`dimod.SampleSet`.

    Examples:
        >>> import dimod
        >>> from qiskit_optimization import QuadraticProgram
        >>> from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
        >>> qp = QuadraticProgram()
        >>> _ = qp.binary_var("a"), qp.binary_var("b")
        >>> qp.minimize(quadratic={("a", "b"): -1.0})
        >>> result = DimodOptimizer(dimod.ExactSolver()).solve(qp)
        >>> result.x.tolist(), len(result.samples), type(result.raw_results).__name__
        ([1.0, 1.0], 4, 'SampleSet')
    """

    def __init__(self, sampler: dimod.Sampler, *, penalty: float | None = None, **sample_kwargs: Any) -> None:
        if not isinstance(sampler, dimod.Sampler):
            raise TypeError(f"sampler must be a dimod.Sampler, got {type(sampler).__name__}")
        self.sampler = sampler
        self.penalty = check_positive(penalty, "penalty")
        self.sample_kwargs = sample_kwargs

    def get_compatibility_msg(self, problem: QuadraticProgram) -> str:
        """Return why ``problem`` cannot become a QUBO ("" if it can).

        Continuous variables, quadratic constraints and inequality constraints with fractional
        coefficients are rejected, as by
        :class:`~qiskit_optimization.converters.QuadraticProgramToQubo`.

        Examples:
            >>> import dimod
            >>> from qiskit_optimization import QuadraticProgram
            >>> from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
            >>> qp = QuadraticProgram()
            >>> _ = qp.continuous_var(0.0, 1.0, "c")
            >>> DimodOptimizer(dimod.ExactSolver()).get_compatibility_msg(qp)
            'Continuous variables are not supported! '
        """
        return QuadraticProgramToQubo.get_compatibility_msg(problem)

    def solve(self, problem: QuadraticProgram) -> OptimizationResult:
        """Convert ``problem`` to a BQM, sample it and interpret the reads.

        Args:
            problem: A program with binary and integer variables and linear constraints.

        Returns:
            An :class:`~qiskit_optimization.algorithms.OptimizationResult` (status ``SUCCESS`` when the best
            read is feasible, ``INFEASIBLE`` otherwise).

        Raises:
            QiskitOptimizationError: If the problem is incompatible (see :meth:`get_compatibility_msg`).
            ValueError: If a coefficient, constant or right-hand side of the problem is NaN or infinite.
            SamplerOutputError: If the sampler returns no samples or samples of other variables.
        """
        check_problem_finite(problem)  # before the compatibility check, which misreads NaN
        self._verify_compatibility(problem)
        conversion = quadratic_program_to_bqm(problem, penalty=self.penalty)
        sampled = sample_model(self.sampler, conversion.bqm, conversion.labels, **self.sample_kwargs)
        return sampled.interpret(self, problem, conversion, SolutionSample, OptimizationResultStatus.SUCCESS)
