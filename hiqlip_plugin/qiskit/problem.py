"""Conversions between qiskit-addon-opt-mapper's ``OptimizationProblem`` and dimod, higher order included.

* :func:`optimization_problem_to_dimod`: a problem with binary, integer and spin variables, a polynomial
  objective of any degree and linear, quadratic or higher-order constraints (what the add-on's
  :class:`~qiskit_addon_opt_mapper.converters.OptimizationProblemToHubo` accepts) becomes a dimod model to
  minimise: a :class:`dimod.BinaryQuadraticModel` when the converted objective has degree at most two, a
  :class:`dimod.BinaryPolynomial` otherwise (reduce it for quadratic samplers with
  :func:`~hiqlip_plugin.qiskit.model.quadratize`). Integers become bits, spins ``s = 1 - 2 b``, constraints
  penalties, a maximisation a minimisation of minus the objective, all by the add-on's own converter, so the
  energy of a feasible state is the objective (minimise) or minus it (maximise).
* :func:`dimod_to_optimization_problem`: a BQM or binary polynomial becomes an unconstrained binary
  ``OptimizationProblem`` to minimise with the same energy (SPIN models in bits ``x = (1 + s) / 2``;
  variables named as in :func:`~hiqlip_plugin.qiskit.convert.bqm_to_quadratic_program`).

Both reject NaN and infinite coefficients with a :class:`ValueError` naming the coefficient. The add-on is
optional (:mod:`~hiqlip_plugin.qiskit.addon`).

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.qiskit.problem import dimod_to_optimization_problem, optimization_problem_to_dimod
    >>> poly = dimod.BinaryPolynomial({("a", "b", "c"): -2.0, ("a",): 1.0}, "BINARY")
    >>> problem = dimod_to_optimization_problem(poly)
    >>> [v.name for v in problem.variables], float(problem.objective.evaluate([1, 1, 1]))
    (['a', 'b', 'c'], -1.0)
    >>> back = optimization_problem_to_dimod(problem).model
    >>> type(back).__name__, float(back.energy({"a": 1, "b": 1, "c": 1}))
    ('BinaryPolynomial', -1.0)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import dimod
from dimod.typing import VartypeLike

from hiqlip_plugin.qiskit.addon import require_addon

require_addon()

from qiskit_addon_opt_mapper import OptimizationProblem  # noqa: E402
from qiskit_addon_opt_mapper.converters import OptimizationProblemToHubo  # noqa: E402

from hiqlip_plugin.qiskit.model import (  # noqa: E402
    BinaryTerms,
    DimodModel,
    ModelConversion,
    check_positive,
    check_problem_finite,
    converted_labels,
    program_names,
)

__all__ = ["ProblemConversion", "dimod_to_optimization_problem", "optimization_problem_to_dimod"]


@dataclass(frozen=True, eq=False)
class ProblemConversion(ModelConversion):
    """An ``OptimizationProblem`` as a dimod model to minimise (:func:`optimization_problem_to_dimod`).

    :attr:`model` is a BQM (degree at most two) or a binary polynomial; :attr:`converter` is the add-on's
    :class:`~qiskit_addon_opt_mapper.converters.OptimizationProblemToHubo` (its ``penalty`` is the weight
    used); :meth:`interpret` maps a sample back to the original variables.

    Attributes:
        problem: The original problem.
        converted: The unconstrained binary minimisation problem produced by the converter.

    Examples:
        >>> from qiskit_addon_opt_mapper import OptimizationProblem
        >>> from hiqlip_plugin.qiskit.problem import optimization_problem_to_dimod
        >>> problem = OptimizationProblem()
        >>> _ = problem.integer_var(0, 3, "n"), problem.spin_var("s")
        >>> problem.maximize(linear={"n": 1.0, "s": 1.0})
        >>> conversion = optimization_problem_to_dimod(problem)
        >>> conversion.labels
        ('n@0', 'n@1', 's@bin')
        >>> conversion.interpret({"n@0": 1, "n@1": 1, "s@bin": 0}).tolist()
        [3.0, 1.0]
    """

    problem: OptimizationProblem
    converted: OptimizationProblem


def optimization_problem_to_dimod(
    problem: OptimizationProblem,
    *,
    penalty: float | None = None,
    vartype: VartypeLike = dimod.BINARY,
    labels: Sequence[Hashable] | None = None,
) -> ProblemConversion:
    """Convert an ``OptimizationProblem`` into a dimod model to minimise, through ``OptimizationProblemToHubo``.

    Args:
        problem: A problem without continuous variables (constraint coefficients must be integers when
            inequalities need slack variables, as the add-on requires).
        penalty: Weight of the constraint penalties; ``None`` lets the add-on derive one from the
            objective's coefficient range.
        vartype: Vartype of the returned model (the energy is the same on corresponding states).
        labels: Model labels for the problem's own variables, in order (converter-made variables, e.g. the
            bits ``name@k`` of integers, keep the add-on's names). By default, the add-on's names.

    Returns:
        A :class:`ProblemConversion`.

    Raises:
        qiskit_addon_opt_mapper.OptimizationError: If the add-on cannot convert the problem.
        ValueError: If a coefficient, constant or right-hand side is NaN or infinite, ``penalty`` is not
            positive, or ``labels`` has the wrong length or collides with converter names.

    Examples:
        >>> from qiskit_addon_opt_mapper import OptimizationProblem
        >>> from hiqlip_plugin.qiskit.problem import optimization_problem_to_dimod
        >>> problem = OptimizationProblem()
        >>> _ = problem.binary_var_list(3, name="x")
        >>> problem.minimize(higher_order={3: {("x0", "x1", "x2"): -1.0}})
        >>> _ = problem.linear_constraint({"x0": 1, "x1": 1}, "<=", 1)
        >>> model = optimization_problem_to_dimod(problem, penalty=5.0).model
        >>> float(model.energy({"x0": 1, "x1": 1, "x2": 1})), float(model.energy({"x0": 1, "x1": 0, "x2": 1}))
        (4.0, 0.0)
    """
    vartype = dimod.as_vartype(vartype)
    check_problem_finite(problem)
    converter = OptimizationProblemToHubo(penalty=check_positive(penalty, "penalty"))
    converted = converter.convert(problem)
    out_labels = converted_labels(
        [v.name for v in problem.variables], [v.name for v in converted.variables], labels
    )
    objective = converted.objective
    higher = {key: value for part in objective.higher_order.values() for key, value in part.to_dict().items()}
    terms = BinaryTerms.from_parts(
        converted.get_num_vars(),
        constant=objective.constant,
        linear=objective.linear.to_array(),
        quadratic=objective.quadratic.to_dict(),
        higher=higher,
    )
    model = terms.to_model(out_labels)
    if vartype is dimod.SPIN:
        model = model.spin if isinstance(model, dimod.BinaryQuadraticModel) else model.to_spin()
    return ProblemConversion(
        model=model, labels=tuple(out_labels), converter=converter, problem=problem, converted=converted
    )


def dimod_to_optimization_problem(model: DimodModel, *, name: str = "") -> OptimizationProblem:
    """Return an unconstrained binary ``OptimizationProblem`` to minimise with the energy of ``model``.

    Args:
        model: A :class:`dimod.BinaryQuadraticModel` or :class:`dimod.BinaryPolynomial` (SPIN models are
            rewritten in bits ``x = (1 + s) / 2``).
        name: Name of the problem.

    Returns:
        A problem whose variable ``i`` stands for the model's ``i``-th variable (``bqm.variables`` order; for
        a polynomial, sorted labels), named by the label when every label is a
        non-empty string, otherwise ``"x{i}"``, with ``objective.evaluate(x) == model.energy(sample)``.

    Raises:
        TypeError: If ``model`` is neither a BQM nor a binary polynomial.
        ValueError: If a bias or the offset is NaN or infinite.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.problem import dimod_to_optimization_problem
        >>> problem = dimod_to_optimization_problem(dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "SPIN"))
        >>> float(problem.objective.evaluate([1, 1])), float(problem.objective.evaluate([1, 0]))
        (-1.0, 3.0)
    """
    terms, labels = BinaryTerms.from_model(model)
    linear, quadratic, higher = terms.by_degree()
    problem = OptimizationProblem(name)
    for var_name in program_names(labels):
        problem.binary_var(var_name)
    problem.minimize(constant=terms.constant, linear=linear, quadratic=quadratic, higher_order=higher or None)
    return problem
