"""Any dimod sampler as an ``OptimizationSolver`` of qiskit-addon-opt-mapper, higher-order problems included.

:class:`DimodSolver` is the add-on's counterpart of :class:`~hiqlip_plugin.qiskit.optimizer.DimodOptimizer`
(qiskit-optimization), on the same conversion core (:mod:`~hiqlip_plugin.qiskit.model`): the problem goes
through :func:`~hiqlip_plugin.qiskit.problem.optimization_problem_to_dimod` (the add-on's
``OptimizationProblemToHubo``: integers as bits, spins as bits, constraints as penalties, maximisation as
minimisation), and then

* a quadratic result (a BQM) goes to ``sampler.sample``;
* a higher-order result (a :class:`dimod.BinaryPolynomial`) goes to ``sampler.sample_poly`` when the sampler
  is a :class:`dimod.PolySampler` (e.g. :class:`dimod.ExactPolySolver`, :class:`dimod.HigherOrderComposite`),
  otherwise to ``sampler.sample`` of its :func:`~hiqlip_plugin.qiskit.model.quadratize` BQM (products as
  auxiliary variables, with a strength that keeps every energy), the auxiliary variables hidden.

Every distinct read is interpreted back into the original variables, with its objective value, feasibility
(``SUCCESS`` or ``INFEASIBLE``) and share of the reads, best first (feasible first, then by objective), as the
add-on's own solvers report samples. The result also carries the sample set and the sampler's timing
(:class:`DimodSolverResult`).

Examples:
    >>> import dimod
    >>> from qiskit_addon_opt_mapper import OptimizationProblem
    >>> from hiqlip_plugin.qiskit.solver import DimodSolver
    >>> problem = OptimizationProblem()
    >>> _ = problem.binary_var_list(3, name="x")
    >>> problem.maximize(linear={"x0": 1.0}, higher_order={3: {("x0", "x1", "x2"): 2.0}})
    >>> _ = problem.linear_constraint({"x1": 1, "x2": 1}, "<=", 1)
    >>> result = DimodSolver(dimod.ExactSolver()).solve(problem)
    >>> result.x.tolist(), float(result.fval), result.status.name
    ([1.0, 0.0, 0.0], 1.0, 'SUCCESS')
"""

from __future__ import annotations

from typing import Any

from hiqlip_plugin.qiskit.addon import require_addon

require_addon()

import dimod  # noqa: E402
from qiskit_addon_opt_mapper import OptimizationProblem  # noqa: E402
from qiskit_addon_opt_mapper.converters import OptimizationProblemToHubo  # noqa: E402
from qiskit_addon_opt_mapper.solvers import (  # noqa: E402
    OptimizationSolver,
    SolverResult,
    SolverResultStatus,
)
from qiskit_addon_opt_mapper.solvers.solver import SolutionSample  # noqa: E402

from hiqlip_plugin.qiskit.model import (  # noqa: E402
    Quadratization,
    check_positive,
    check_problem_finite,
    check_sampler,
    sample_model,
)
from hiqlip_plugin.qiskit.problem import ProblemConversion, optimization_problem_to_dimod  # noqa: E402

__all__ = ["DimodSolver", "DimodSolverResult"]


class DimodSolverResult(SolverResult):
    """A :class:`~qiskit_addon_opt_mapper.solvers.SolverResult` with what the dimod sampler returned.

    ``samples`` are the distinct reads in the original variables (objective value ``fval``, feasibility
    ``status``, share of the reads ``probability``), best first; ``x`` and ``fval`` are those of the first;
    ``raw_results`` is the :class:`dimod.SampleSet`.

    Args:
        conversion: The :class:`~hiqlip_plugin.qiskit.problem.ProblemConversion` that was sampled.
        timing: See :attr:`timing`.
        quadratization: The quadratization sampled, when a polynomial went to a quadratic sampler.
        **kwargs: The arguments of :class:`~qiskit_addon_opt_mapper.solvers.SolverResult`.

    Examples:
        >>> import dimod
        >>> from qiskit_addon_opt_mapper import OptimizationProblem
        >>> from hiqlip_plugin.qiskit.solver import DimodSolver
        >>> problem = OptimizationProblem()
        >>> _ = problem.binary_var("a")
        >>> problem.minimize(linear={"a": -1.0})
        >>> result = DimodSolver(dimod.ExactSolver()).solve(problem)
        >>> len(result.sampleset), sorted(result.timing), result.quadratization is None
        (2, ['sampler', 'wall_s'], True)
    """

    def __init__(
        self,
        *,
        conversion: ProblemConversion,
        timing: dict[str, Any],
        quadratization: Quadratization | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._conversion = conversion
        self._timing = timing
        self._quadratization = quadratization

    @property
    def sampleset(self) -> dimod.SampleSet:
        """The sampler's sample set (also ``raw_results``), auxiliary variables included."""
        return self.raw_results

    @property
    def timing(self) -> dict[str, Any]:
        """``{"wall_s": seconds of the sample call, "sampler": the sampler's info["timing"] or {}}``."""
        return self._timing

    @property
    def conversion(self) -> ProblemConversion:
        """The problem as the dimod model that was sampled."""
        return self._conversion

    @property
    def quadratization(self) -> Quadratization | None:
        """The BQM sampled in place of a polynomial, for a sampler without ``sample_poly`` (else ``None``)."""
        return self._quadratization


class DimodSolver(OptimizationSolver):
    """Solve ``OptimizationProblem`` instances, higher-order ones included, with a dimod sampler.

    Args:
        sampler: Any :class:`dimod.Sampler` (e.g. :class:`~hiqlip_plugin.CIMSampler`,
            :class:`~hiqlip_plugin.HierarchicalComposite`, ``dwave.samplers.SimulatedAnnealingSampler()``, a
            QPU) or :class:`dimod.PolySampler`.
        penalty: Weight of the constraint penalties; ``None`` lets the add-on derive one.
        strength: Quadratization strength for polynomials sent to a quadratic sampler (default: the sum of
            the absolute coefficients of degree three or more, which keeps every energy; see
            :func:`~hiqlip_plugin.qiskit.model.quadratize`).
        **sample_kwargs: Keyword arguments for every sample call (``num_reads``, ``seed``...).

    Raises:
        TypeError: If ``sampler`` is not a dimod sampler.
        ValueError: If ``penalty`` or ``strength`` is not positive and finite.

    Examples:
        >>> import dimod
        >>> from qiskit_addon_opt_mapper import OptimizationProblem
        >>> from hiqlip_plugin.qiskit.solver import DimodSolver
        >>> problem = OptimizationProblem()
        >>> _ = problem.integer_var(0, 3, "n")
        >>> problem.minimize(linear={"n": 1.0}, quadratic={("n", "n"): -1.0})
        >>> result = DimodSolver(dimod.ExactPolySolver()).solve(problem)
        >>> result.x.tolist(), float(result.fval), len(result.samples)
        ([3.0], -6.0, 4)
    """

    def __init__(
        self, sampler: Any, *, penalty: float | None = None, strength: float | None = None, **sample_kwargs: Any
    ) -> None:
        self.sampler = check_sampler(sampler)
        self.penalty = check_positive(penalty, "penalty")
        self.strength = check_positive(strength, "strength")
        self.sample_kwargs = sample_kwargs

    def get_compatibility_msg(self, problem: OptimizationProblem) -> str:
        """Return why ``problem`` cannot become an unconstrained binary polynomial ("" if it can).

        Continuous variables, and inequality constraints with fractional coefficients (their slack
        variables must be integers), are rejected, as by the add-on's ``OptimizationProblemToHubo``.

        Examples:
            >>> import dimod
            >>> from qiskit_addon_opt_mapper import OptimizationProblem
            >>> from hiqlip_plugin.qiskit.solver import DimodSolver
            >>> problem = OptimizationProblem()
            >>> _ = problem.continuous_var(0.0, 1.0, "c")
            >>> DimodSolver(dimod.ExactSolver()).get_compatibility_msg(problem)
            'Continuous variables are not supported. '
        """
        return OptimizationProblemToHubo.get_compatibility_msg(problem)

    def solve(self, problem: OptimizationProblem) -> DimodSolverResult:
        """Convert ``problem`` to a dimod model, sample it and interpret the reads.

        Args:
            problem: A problem with binary, integer and spin variables, any polynomial objective and
                constraints the add-on can penalise.

        Returns:
            A :class:`DimodSolverResult` (status ``SUCCESS`` when the best read is feasible, ``INFEASIBLE``
            otherwise).

        Raises:
            qiskit_addon_opt_mapper.OptimizationError: If the problem is incompatible (see
                :meth:`get_compatibility_msg`).
            ValueError: If a coefficient of the problem is NaN or infinite.
            SamplerOutputError: If the sampler returns no samples or samples of other variables.
        """
        check_problem_finite(problem)  # before the compatibility check, which misreads NaN
        self._verify_compatibility(problem)
        conversion = optimization_problem_to_dimod(problem, penalty=self.penalty)
        sampled = sample_model(
            self.sampler, conversion.model, conversion.labels, strength=self.strength, **self.sample_kwargs
        )
        return sampled.interpret(  # type: ignore[no-any-return]
            self,
            problem,
            conversion,
            SolutionSample,
            SolverResultStatus.SUCCESS,
            result_class=DimodSolverResult,
            conversion=conversion,
            timing=sampled.timing,
            quadratization=sampled.quadratization,
        )
