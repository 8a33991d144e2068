"""The conversion core shared by both Qiskit front-ends: binary objectives as dimod models, and back.

Both Qiskit modelling packages (qiskit-optimization's ``QuadraticProgram`` and qiskit-addon-opt-mapper's
``OptimizationProblem``) reduce a constrained integer problem to an *unconstrained binary minimisation* with
their own converters (integers as bits, constraints as penalties, maximisation as minimisation). What is
left is the same in both, and lives here, without importing either package:

* :class:`BinaryTerms`: a binary polynomial over variables ``0 .. n-1`` (``x_i^2 = x_i``, so each term is a
  *set* of variables), built from a program's constant, linear, quadratic and higher-order parts or from a
  dimod model, with every coefficient checked to be finite. :meth:`BinaryTerms.to_model` gives a
  :class:`dimod.BinaryQuadraticModel` when the degree is at most two, a :class:`dimod.BinaryPolynomial`
  otherwise.
* :func:`quadratize`: a binary polynomial as a BQM by :func:`dimod.make_quadratic`'s reduction (with
  deterministic tie-breaking), with a penalty strength that provably keeps every energy (see below) and the
  auxiliary variables listed to hide them.
* :func:`sample_model`: any dimod sampler on such a model (``sample_poly`` for a
  :class:`dimod.PolySampler`, otherwise the quadratization), returning the distinct states of the model's own
  variables with energies, probabilities and the sampler's timing (:class:`SampledStates`).
* :class:`ModelConversion`: the model with its labels and the package converter that reads a state back.

**Quadratization strength.** The reduction of :func:`dimod.make_quadratic` replaces a pair product ``u v``
by a new variable ``p`` and adds ``strength * (u v - 2 u p - 2 v p + 3 p)``, zero when ``p = u v`` and at
least ``strength`` otherwise. Terms of degree one and two are kept as they are; each term ``b * prod(x_T)`` of degree three or
more becomes ``b`` times a product of original and product variables. When every product is right, the BQM's
energy is exactly ``E(x)``; when one is wrong, each reduced term differs from ``b * prod(x_T)`` by at most
``|b|`` and the penalties add at least ``strength``. Hence with ``strength >= sum |b|`` over the terms of
degree three or more, the minimum of the BQM over the auxiliary variables is ``E(x)`` for *every* ``x``. That
sum is the default (it leaves out the quadratic part, often the largest: constraint penalties, for one).

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.qiskit.model import BinaryTerms, quadratize
    >>> terms = BinaryTerms.from_parts(3, constant=1.0, linear=[1.0, 0.0, 0.0], higher={(0, 1, 2): -2.0})
    >>> poly = terms.to_model(["a", "b", "c"])
    >>> type(poly).__name__, float(poly.energy({"a": 1, "b": 1, "c": 1}))
    ('BinaryPolynomial', 0.0)
    >>> reduced = quadratize(poly)
    >>> reduced.strength, len(reduced.hidden)
    (2.0, 1)
"""

from __future__ import annotations

import heapq
import itertools
import math
import numbers
import time
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dimod
import numpy as np
import numpy.typing as npt

from hiqlip_plugin.exceptions import SamplerOutputError

__all__ = [
    "BinaryTerms",
    "ModelConversion",
    "Quadratization",
    "SampledStates",
    "check_problem_finite",
    "check_positive",
    "check_sampler",
    "converted_labels",
    "program_names",
    "quadratize",
    "sample_model",
    "sampleset_distribution",
]

DimodModel = dimod.BinaryQuadraticModel | dimod.BinaryPolynomial


def _check_finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} is {value}: every coefficient must be a finite number")
    return value


def _sorted_labels(labels: Iterable[Hashable]) -> list[Hashable]:
    """Labels sorted (by type name and ``repr`` when they do not compare), an order free of hashing.

    A polynomial's terms are sets, whose order depends on per-process string hashes.
    """
    labels = list(labels)
    try:
        return sorted(labels)  # type: ignore[type-var]
    except TypeError:
        return sorted(labels, key=lambda v: (type(v).__name__, repr(v)))


@dataclass(frozen=True, eq=False)
class BinaryTerms:
    """A polynomial in binary variables ``0 .. num_variables-1`` to minimise.

    Attributes:
        num_variables: Number of variables (some may appear in no term).
        constant: The constant term.
        terms: Non-zero coefficients keyed by the set of variables of each term (``x_i^2 = x_i``, so
            repeated indices merge).

    Examples:
        >>> from hiqlip_plugin.qiskit.model import BinaryTerms
        >>> terms = BinaryTerms.from_parts(2, quadratic={(0, 0): 2.0, (0, 1): -1.0, (1, 0): -1.0})
        >>> sorted((sorted(k), v) for k, v in terms.terms.items()), terms.degree
        ([([0], 2.0), ([0, 1], -2.0)], 2)
    """

    num_variables: int
    constant: float
    terms: dict[frozenset[int], float] = field(default_factory=dict)

    @classmethod
    def from_parts(
        cls,
        num_variables: int,
        *,
        constant: float = 0.0,
        linear: npt.ArrayLike | Mapping[int, float] | None = None,
        quadratic: Mapping[tuple[int, int], float] | None = None,
        higher: Mapping[tuple[int, ...], float] | None = None,
        names: Sequence[Hashable] | None = None,
    ) -> BinaryTerms:
        """Collect the parts of a binary objective, merging repeated indices and dropping zeros.

        Args:
            num_variables: Number of variables.
            constant: Constant term.
            linear: Coefficient per variable (a dense vector or ``{index: coefficient}``).
            quadratic: ``{(i, j): coefficient}`` (``i == j`` is a linear term).
            higher: ``{(i, j, k, ...): coefficient}`` of any degree.
            names: Names of the variables, used in error messages only (default: the indices).

        Raises:
            ValueError: If a coefficient is NaN or infinite (named in the message) or an index is out of
                range.

        Examples:
            >>> from hiqlip_plugin.qiskit.model import BinaryTerms
            >>> BinaryTerms.from_parts(2, linear=[1.0, 0.0], higher={(1, 0, 1): 2.0}).terms
            {frozenset({0}): 1.0, frozenset({0, 1}): 2.0}
            >>> BinaryTerms.from_parts(1, linear=[float("inf")], names=["a"])
            Traceback (most recent call last):
            ...
            ValueError: the coefficient of the term ('a',) is inf: every coefficient must be a finite number
        """
        items: list[tuple[tuple[int, ...], float]] = []
        if linear is not None:
            pairs = linear.items() if isinstance(linear, Mapping) else enumerate(np.asarray(linear).tolist())
            items.extend(((int(i),), v) for i, v in pairs)
        for part in (quadratic, higher):
            if part is not None:
                items.extend((tuple(int(i) for i in key), v) for key, v in part.items())
        terms: dict[frozenset[int], float] = {}
        for key, value in items:
            if any(not 0 <= i < num_variables for i in key):
                raise ValueError(f"term {key} refers to a variable outside 0..{num_variables - 1}")
            value = _check_finite(value, f"the coefficient of the term {key if names is None else tuple(names[i] for i in key)}")
            if value:
                term = frozenset(key)
                terms[term] = terms.get(term, 0.0) + value
        return cls(num_variables, _check_finite(constant, "the constant term"), {k: v for k, v in terms.items() if v})

    @classmethod
    def from_model(cls, model: DimodModel) -> tuple[BinaryTerms, list[Hashable]]:
        """Return the binary terms of a dimod BQM or binary polynomial, and the labels in index order.

        SPIN models are rewritten in binary variables ``x = (1 + s) / 2`` (same energy on corresponding
        states). The labels of a BQM are in ``bqm.variables`` order; those of a polynomial (whose terms are
        sets) are sorted, by type name and ``repr`` when they do not compare.

        Raises:
            TypeError: If ``model`` is neither a BQM nor a binary polynomial.
            ValueError: If a bias or the offset is NaN or infinite.

        Examples:
            >>> import dimod
            >>> from hiqlip_plugin.qiskit.model import BinaryTerms
            >>> terms, labels = BinaryTerms.from_model(dimod.BQM({"a": 1.0}, {}, 0.5, "SPIN"))
            >>> labels, terms.constant, terms.terms
            (['a'], -0.5, {frozenset({0}): 2.0})
        """
        if isinstance(model, dimod.BinaryQuadraticModel):
            binary = model.binary if model.vartype is dimod.SPIN else model
            labels = list(binary.variables)
            linear, (rows, cols, values), offset = binary.to_numpy_vectors(variable_order=labels)
            quadratic = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), values.tolist(), strict=True))
            terms = cls.from_parts(len(labels), constant=offset, linear=linear, quadratic=quadratic, names=labels)
            return terms, labels
        if isinstance(model, dimod.BinaryPolynomial):
            binary = model.to_binary() if model.vartype is dimod.SPIN else model
            labels = _sorted_labels(model.variables)
            index = {v: i for i, v in enumerate(labels)}
            constant = 0.0
            higher: dict[tuple[int, ...], float] = {}
            for term, bias in binary.items():
                if term:
                    higher[tuple(index[v] for v in term)] = bias
                else:
                    constant += _check_finite(bias, "the offset")
            return cls.from_parts(len(labels), constant=constant, higher=higher, names=labels), labels
        raise TypeError(f"expected a dimod.BinaryQuadraticModel or dimod.BinaryPolynomial, got {type(model).__name__}")

    @property
    def degree(self) -> int:
        """The largest number of variables in a term (0 for a constant)."""
        return max(map(len, self.terms), default=0)

    def by_degree(self) -> tuple[np.ndarray, dict[tuple[int, int], float], dict[int, dict[tuple[int, ...], float]]]:
        """Split the terms into a dense linear vector, ``{(i, j): c}`` with ``i < j``, and ``{k: {(i, ...): c}}``.

        Examples:
            >>> from hiqlip_plugin.qiskit.model import BinaryTerms
            >>> BinaryTerms.from_parts(3, higher={(2, 0, 1): 1.0, (1, 0): 2.0}).by_degree()
            (array([0., 0., 0.]), {(0, 1): 2.0}, {3: {(0, 1, 2): 1.0}})
        """
        linear = np.zeros(self.num_variables)
        quadratic: dict[tuple[int, int], float] = {}
        higher: dict[int, dict[tuple[int, ...], float]] = {}
        for term, value in self.terms.items():
            key = tuple(sorted(term))
            if len(key) == 1:
                linear[key[0]] = value
            elif len(key) == 2:
                quadratic[key] = value  # type: ignore[index]
            else:
                higher.setdefault(len(key), {})[key] = value
        return linear, quadratic, higher

    def to_model(self, labels: Sequence[Hashable]) -> DimodModel:
        """Return the BINARY dimod model with these labels: a BQM up to degree two, else a polynomial.

        Every label is a variable of the model, also those in no term.

        Raises:
            ValueError: If ``labels`` has the wrong length or repeats.

        Examples:
            >>> from hiqlip_plugin.qiskit.model import BinaryTerms
            >>> bqm = BinaryTerms.from_parts(2, constant=1.0, quadratic={(0, 1): -1.0}).to_model(["a", "b"])
            >>> type(bqm).__name__, float(bqm.energy({"a": 1, "b": 1}))
            ('BinaryQuadraticModel', 0.0)
        """
        labels = list(labels)
        if len(labels) != self.num_variables or len(set(labels)) != len(labels):
            raise ValueError(f"need {self.num_variables} distinct labels, got {labels!r}")
        if self.degree <= 2:
            bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
            bqm.add_variables_from((v, 0.0) for v in labels)
            for term, value in self.terms.items():
                if len(term) == 1:
                    bqm.add_linear(labels[next(iter(term))], value)
                else:
                    i, j = term
                    bqm.add_quadratic(labels[i], labels[j], value)
            bqm.offset = self.constant
            return bqm
        poly = {(v,): 0.0 for v in labels}
        poly.update({tuple(labels[i] for i in term): value for term, value in self.terms.items()})
        poly[()] = self.constant
        return dimod.BinaryPolynomial(poly, dimod.BINARY)


def program_names(labels: Sequence[Hashable]) -> list[str]:
    """Variable names of a Qiskit program for dimod labels: the labels if all are non-empty strings, else ``x{i}``.

    Examples:
        >>> from hiqlip_plugin.qiskit.model import program_names
        >>> program_names(["a", "b"]), program_names([0, "b"])
        (['a', 'b'], ['x0', 'x1'])
    """
    if all(isinstance(v, str) and v for v in labels):
        return [str(v) for v in labels]
    return [f"x{i}" for i in range(len(labels))]


def converted_labels(
    program_variables: Sequence[str], converted_variables: Sequence[str], labels: Sequence[Hashable] | None
) -> list[Hashable]:
    """Model labels of a converted program's variables: ``labels`` for the original ones, names otherwise.

    Args:
        program_variables: Names of the original program's variables.
        converted_variables: Names of the converted program's variables (the converter keeps the original
            names and adds bits ``name@k`` and slacks).
        labels: Labels for the original variables, in order, or ``None`` for the names.

    Raises:
        ValueError: If ``labels`` has the wrong length or its labels repeat or collide with converter names.

    Examples:
        >>> from hiqlip_plugin.qiskit.model import converted_labels
        >>> converted_labels(["a", "n"], ["a", "n@0", "n@1"], [0, 1])
        [0, 'n@0', 'n@1']
    """
    if labels is None:
        return list(converted_variables)
    labels = list(labels)
    if len(labels) != len(program_variables):
        raise ValueError(f"labels has {len(labels)} entries, the program has {len(program_variables)} variables")
    relabel = dict(zip(program_variables, labels, strict=True))
    out = [relabel.get(n, n) for n in converted_variables]
    if len(set(out)) != len(out):
        raise ValueError("labels repeat or collide with the names of variables created by the converter")
    return out


def _expression_items(prefix: str, expression: Any) -> Iterator[tuple[str, float]]:
    for key, value in expression.to_dict(use_name=True).items():
        yield f"{prefix} coefficient of {key}", value


def _coefficients(prefix: str, element: Any) -> Iterator[tuple[str, float]]:
    """Coefficients of an objective or constraint, with a description of each."""
    for part in ("linear", "quadratic"):
        if (expression := getattr(element, part, None)) is not None:
            yield from _expression_items(f"{prefix} {part}", expression)
    for order, expression in getattr(element, "higher_order", {}).items():
        yield from _expression_items(f"{prefix} order-{order}", expression)


def check_problem_finite(problem: Any) -> None:
    """Raise if a coefficient, constant or right-hand side of a Qiskit program is NaN or infinite.

    Works for qiskit-optimization's ``QuadraticProgram`` and qiskit-addon-opt-mapper's
    ``OptimizationProblem`` alike (the same layout: an objective and linear, quadratic and, in the add-on,
    higher-order constraints with ``linear``, ``quadratic``, ``higher_order`` and ``rhs``).

    Raises:
        ValueError: Naming the first non-finite number and where it is.

    Examples:
        >>> from qiskit_optimization import QuadraticProgram
        >>> from hiqlip_plugin.qiskit.model import check_problem_finite
        >>> qp = QuadraticProgram()
        >>> _ = qp.binary_var("a")
        >>> qp.minimize(linear={"a": float("nan")})
        >>> check_problem_finite(qp)
        Traceback (most recent call last):
        ...
        ValueError: the objective linear coefficient of a is nan: every coefficient must be a finite number
    """
    objective = problem.objective
    items: list[Iterable[tuple[str, float]]] = [
        [("the objective constant", objective.constant)],
        _coefficients("the objective", objective),
    ]
    for kind in ("linear_constraints", "quadratic_constraints", "higher_order_constraints"):
        for constraint in getattr(problem, kind, []):
            prefix = f"constraint {constraint.name!r}:"
            items.append([(f"{prefix} the right-hand side", constraint.rhs)])
            items.append(_coefficients(prefix, constraint))
    for part in items:
        for what, value in part:
            _check_finite(value, what)


@dataclass(frozen=True, eq=False)
class Quadratization:
    """A binary polynomial as a BQM (:func:`quadratize`).

    Attributes:
        bqm: The BINARY BQM; for every assignment of the polynomial's variables, its minimum over
            :attr:`hidden` is the polynomial's energy.
        hidden: The product variables added by the reduction.
        strength: The penalty strength used.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import quadratize
        >>> reduced = quadratize(dimod.BinaryPolynomial({(0, 1, 2): 2.0, (0, 1, 3): 1.0}, "BINARY"))
        >>> reduced.hidden, reduced.strength, reduced.bqm.num_variables
        (('0*1',), 3.0, 5)
    """

    bqm: dimod.BinaryQuadraticModel
    hidden: tuple[Hashable, ...]
    strength: float


def _reduce_by_pairs(
    terms: Mapping[frozenset[int], float], num_variables: int
) -> tuple[dict[tuple[int, ...], float], list[tuple[int, int, int]]]:
    """Pair substitution until every term has degree <= 2: the most frequent pair first, ties to the smallest.

    Returns the reduced terms (sorted index tuples) and the products ``(u, v, p)``, ``p`` a new index.
    """
    reduced: dict[tuple[int, ...], float] = {}
    high: dict[int, tuple[int, ...]] = {}
    biases: dict[int, float] = {}
    for key, bias in terms.items():
        term = tuple(sorted(key))
        if len(term) <= 2:
            reduced[term] = reduced.get(term, 0.0) + bias
        else:
            high[len(high)] = term
            biases[len(biases)] = bias
    containing: dict[tuple[int, int], set[int]] = {}
    for tid, term in high.items():
        for pair in itertools.combinations(term, 2):
            containing.setdefault(pair, set()).add(tid)
    heap = [(-len(ids), pair) for pair, ids in containing.items()]
    heapq.heapify(heap)
    products: list[tuple[int, int, int]] = []
    while heap:
        count, pair = heapq.heappop(heap)
        ids = containing.get(pair, set())
        if len(ids) != -count:  # stale entry: the count changed since it was pushed
            if ids:
                heapq.heappush(heap, (-len(ids), pair))
            continue
        product = num_variables + len(products)
        products.append((*pair, product))
        for tid in sorted(ids):
            old = high.pop(tid)
            for other in itertools.combinations(old, 2):
                containing[other].discard(tid)
                if not containing[other]:
                    del containing[other]
            term = (*(v for v in old if v not in pair), product)  # the product index is the largest
            if len(term) <= 2:
                reduced[term] = reduced.get(term, 0.0) + biases[tid]
                continue
            high[tid] = term
            for other in itertools.combinations(term, 2):
                containing.setdefault(other, set()).add(tid)
                heapq.heappush(heap, (-len(containing[other]), other))
    return reduced, products


def quadratize(poly: dimod.BinaryPolynomial, strength: float | None = None) -> Quadratization:
    """Reduce a binary polynomial to a BQM the way :func:`dimod.make_quadratic` does, keeping every energy.

    The reduction is dimod's (pairs replaced by product variables ``p = u v`` constrained by its AND-gate
    penalty ``strength * (u v - 2 u p - 2 v p + 3 p)``, the most frequent pair first), with one difference:
    ties are broken by variable order, not by hashing, so the BQM, and hence a seeded sampler's answer, is the
    same in every process (``dimod.make_quadratic`` picks among equally frequent pairs by the hash of its
    string product labels, which Python randomises per process).

    Args:
        poly: A BINARY or SPIN :class:`dimod.BinaryPolynomial` (SPIN is rewritten in bits ``(1 + s) / 2``,
            so the BQM's variables are bits).
        strength: Penalty of a wrong product. Default: the sum of the absolute coefficients of the terms of
            degree three or more (in bits), which keeps ``min over hidden = E(x)`` for every ``x`` (module
            docstring); a smaller value may not. 1.0 for a polynomial without such terms.

    Returns:
        A :class:`Quadratization`; every variable of ``poly`` is a variable of its BQM (sorted labels first),
        and each product is labelled ``"u*v"`` like dimod's (prefixed with ``_`` until it is new).

    Raises:
        ValueError: If ``strength`` is not positive and finite, or a coefficient is not finite.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import quadratize
        >>> poly = dimod.BinaryPolynomial({("a", "b", "c"): -1.0}, "BINARY")
        >>> reduced = quadratize(poly)
        >>> exact = dimod.ExactSolver().sample(reduced.bqm)
        >>> float(exact.first.energy), reduced.hidden, reduced.strength
        (-1.0, ('a*b',), 1.0)
    """
    terms, labels = BinaryTerms.from_model(poly)
    total = sum(abs(bias) for term, bias in terms.terms.items() if len(term) > 2)
    strength = float(total if total > 0 else 1.0) if strength is None else check_positive(strength, "strength")
    reduced, products = _reduce_by_pairs(terms.terms, terms.num_variables)
    names: list[Hashable] = list(labels)
    taken = set(labels)
    for u, v, _ in products:
        name = f"{names[u]}*{names[v]}"
        while name in taken:
            name = "_" + name
        taken.add(name)
        names.append(name)
    bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
    bqm.add_variables_from((v, 0.0) for v in names)
    bqm.offset = terms.constant
    for term, bias in reduced.items():
        if len(term) == 1:
            bqm.add_linear(names[term[0]], bias)
        else:
            bqm.add_quadratic(names[term[0]], names[term[1]], bias)
    for u, v, p in products:  # dimod.generators.and_gate(u, v, p), scaled by the strength
        bqm.add_quadratic(names[u], names[v], strength)
        bqm.add_quadratic(names[u], names[p], -2.0 * strength)
        bqm.add_quadratic(names[v], names[p], -2.0 * strength)
        bqm.add_linear(names[p], 3.0 * strength)
    return Quadratization(bqm=bqm, hidden=tuple(names[len(labels) :]), strength=strength)


def sampleset_distribution(
    sampleset: dimod.SampleSet, variables: Iterable[Hashable], hidden: Iterable[Hashable] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct states of a sample set as bits, with their empirical probabilities.

    Args:
        sampleset: Samples of a BINARY or SPIN problem (SPIN values are mapped to bits by ``(1 + s) / 2``).
        variables: The order of the columns of the returned states.
        hidden: Further variables of the sample set to drop (e.g. :attr:`Quadratization.hidden`); states
            equal on ``variables`` are merged. ``variables`` and ``hidden`` must together be the sample set's
            variables.

    Returns:
        ``(states, probabilities)``: distinct 0/1 states of shape ``(k, n)`` (``uint8``, in order of first
        appearance) and their share of the reads (``num_occurrences`` over the total), summing to one.
        Without variables, the single empty state with probability one.

    Raises:
        SamplerOutputError: If the sample set has no rows (but variables) or other variables.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import sampleset_distribution
        >>> ss = dimod.SampleSet.from_samples([{"a": -1, "b": 1}] * 3 + [{"a": 1, "b": 1}], "SPIN", 0)
        >>> states, probabilities = sampleset_distribution(ss, ["b", "a"])
        >>> states.tolist(), probabilities.tolist()
        ([[1, 0], [1, 1]], [0.75, 0.25])
        >>> sampleset_distribution(ss, ["b"], hidden=["a"])[0].tolist()
        [[1]]
    """
    order, dropped = list(variables), list(hidden)
    expected = set(order) | set(dropped)
    if len(order) + len(dropped) != len(sampleset.variables) or expected != set(sampleset.variables):
        raise SamplerOutputError("the sampler returned samples of other variables than the problem's")
    if not order:  # an empty problem has exactly one state, however many rows the sampler returned
        return np.zeros((1, 0), dtype=np.uint8), np.ones(1)
    if len(sampleset) == 0:
        raise SamplerOutputError("the sampler returned no samples")
    columns = [sampleset.variables.index(v) for v in order]
    values = sampleset.record.sample[:, columns]
    bits = ((values + 1) // 2 if sampleset.vartype is dimod.SPIN else values).astype(np.uint8)
    states, first, inverse = np.unique(bits, axis=0, return_index=True, return_inverse=True)
    occurrences = np.bincount(inverse.ravel(), weights=sampleset.record.num_occurrences, minlength=len(states))
    by_appearance = np.argsort(first, kind="stable")
    return states[by_appearance], occurrences[by_appearance] / occurrences.sum()


@dataclass(frozen=True, eq=False)
class SampledStates:
    """What a sampler found for a model (:func:`sample_model`).

    Attributes:
        states: Distinct 0/1 states of the model's variables, shape ``(k, n)`` (``uint8``); auxiliary
            variables of a quadratization are not included.
        energies: The model's energy of each state (for a polynomial, the polynomial's, not the penalised
            BQM's).
        probabilities: Share of the reads of each state (sums to one).
        sampleset: The sampler's own :class:`dimod.SampleSet` (with auxiliary variables, if any).
        timing: ``{"wall_s": seconds of the sample call including resolving the sample set, "sampler":
            the sampler's own info["timing"] ({} if it reports none)}``.
        quadratization: The :class:`Quadratization` sampled, if the polynomial was reduced to a BQM.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import sample_model
        >>> bqm = dimod.BQM({"a": -1.0}, {("a", "b"): 2.0}, 0.0, "SPIN")
        >>> found = sample_model(dimod.ExactSolver(), bqm, ["a", "b"])
        >>> found.states.tolist(), found.energies.tolist(), found.quadratization is None
        ([[0, 0], [1, 0], [1, 1], [0, 1]], [3.0, -3.0, 1.0, -1.0], True)
    """

    states: np.ndarray
    energies: np.ndarray
    probabilities: np.ndarray
    sampleset: dimod.SampleSet
    timing: dict[str, Any]
    quadratization: Quadratization | None = None

    def interpret(
        self,
        algorithm: Any,
        problem: Any,
        conversion: ModelConversion,
        solution_sample: type,
        success: Any,
        /,
        **result_kwargs: Any,
    ) -> Any:
        """Return the Qiskit result of ``problem`` from these states, built by the package's own methods.

        Each state becomes a raw ``solution_sample`` of the converted program (``x`` the bits, ``fval`` the
        energy, ``probability``, status ``success``); ``algorithm._interpret_samples`` maps them to the
        original variables (merging equal ones, recomputing objective and feasibility, best first) and
        ``algorithm._interpret`` builds the result of the best, as qiskit-optimization's
        ``OptimizationAlgorithm`` and the add-on's ``OptimizationSolver`` both do for their own solvers.

        Args:
            algorithm: The calling ``OptimizationAlgorithm`` or ``OptimizationSolver``.
            problem: The original problem.
            conversion: Its conversion (whose ``converter`` reads the bits back).
            solution_sample: The package's ``SolutionSample`` class.
            success: The package's ``SUCCESS`` status.
            **result_kwargs: Further arguments of ``_interpret`` (e.g. ``result_class``, and the arguments
                of that class; the arguments above are positional only, so a result may take a
                ``conversion``).

        Examples:
            >>> import dimod
            >>> from qiskit_optimization import QuadraticProgram
            >>> from qiskit_optimization.algorithms import OptimizationResultStatus, SolutionSample
            >>> from hiqlip_plugin.qiskit.convert import quadratic_program_to_bqm
            >>> from hiqlip_plugin.qiskit.model import sample_model
            >>> from hiqlip_plugin.qiskit.optimizer import DimodOptimizer
            >>> qp = QuadraticProgram()
            >>> _ = qp.integer_var(0, 3, "n")
            >>> qp.maximize(linear={"n": 1.0})
            >>> conversion = quadratic_program_to_bqm(qp)
            >>> found = sample_model(dimod.ExactSolver(), conversion.model, conversion.labels)
            >>> optimizer = DimodOptimizer(dimod.ExactSolver())
            >>> success = OptimizationResultStatus.SUCCESS
            >>> result = found.interpret(optimizer, qp, conversion, SolutionSample, success)
            >>> result.x.tolist(), [s.x.tolist() for s in result.samples]
            ([3.0], [[3.0], [2.0], [1.0], [0.0]])
        """
        raw_samples = [
            solution_sample(x=x.astype(np.float64), fval=float(e), probability=float(p), status=success)
            for x, e, p in zip(self.states, self.energies, self.probabilities, strict=True)
        ]
        samples, best = algorithm._interpret_samples(problem, raw_samples, conversion.converter)
        return algorithm._interpret(
            x=best.x,
            problem=problem,
            converters=conversion.converter,
            samples=samples,
            raw_results=self.sampleset,
            **result_kwargs,
        )


def check_sampler(sampler: Any) -> Any:
    """Return ``sampler`` if it is a :class:`dimod.Sampler` or :class:`dimod.PolySampler`, else raise TypeError.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import check_sampler
        >>> check_sampler(dimod.ExactPolySolver()).__class__.__name__
        'ExactPolySolver'
    """
    if not isinstance(sampler, dimod.Sampler | dimod.PolySampler):
        raise TypeError(f"sampler must be a dimod.Sampler or dimod.PolySampler, got {type(sampler).__name__}")
    return sampler


def check_positive(value: float | None, name: str) -> float | None:
    """Return ``value`` as a float if it is positive and finite, ``None`` if it is ``None``; else raise ValueError.

    For the optional weights (constraint ``penalty``, quadratization ``strength``), where ``None`` means
    "derive one".

    Examples:
        >>> from hiqlip_plugin.qiskit.model import check_positive
        >>> check_positive(2, "penalty"), check_positive(None, "penalty")
        (2.0, None)
        >>> check_positive(0.0, "strength")
        Traceback (most recent call last):
        ...
        ValueError: strength must be positive and finite (or None to derive one), got 0.0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite (or None to derive one), got {value!r}")
    return float(value)


def _as_polynomial(bqm: dimod.BinaryQuadraticModel) -> dimod.BinaryPolynomial:
    poly: dict[tuple[Hashable, ...], float] = {(v,): float(b) for v, b in bqm.linear.items()}
    poly.update({(u, v): float(b) for (u, v), b in bqm.quadratic.items()})
    poly[()] = float(bqm.offset)
    return dimod.BinaryPolynomial(poly, bqm.vartype)


def sample_model(
    sampler: Any,
    model: DimodModel,
    labels: Sequence[Hashable],
    *,
    strength: float | None = None,
    **sample_kwargs: Any,
) -> SampledStates:
    """Sample a BQM or binary polynomial with any dimod sampler and read the states back.

    A BQM goes to ``sampler.sample`` (to ``sample_poly`` if the sampler only samples polynomials); a
    polynomial goes to ``sample_poly`` of a :class:`dimod.PolySampler`, otherwise to ``sampler.sample`` of
    its :func:`quadratize` BQM, with the auxiliary variables dropped from the states.

    Args:
        sampler: A :class:`dimod.Sampler` or :class:`dimod.PolySampler`.
        model: The model.
        labels: The model's variables, in the column order of the returned states.
        strength: Quadratization strength (see :func:`quadratize`).
        **sample_kwargs: Keyword arguments of the sample call.

    Returns:
        :class:`SampledStates`.

    Raises:
        SamplerOutputError: If the sampler returns no samples or samples of other variables.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.model import sample_model
        >>> poly = dimod.BinaryPolynomial({("a", "b", "c"): -1.0, ("a",): 0.5}, "BINARY")
        >>> found = sample_model(dimod.ExactSolver(), poly, ["a", "b", "c"])
        >>> len(found.states), float(found.energies.min()), sorted(found.timing)
        (8, -0.5, ['sampler', 'wall_s'])
    """
    check_sampler(sampler)
    labels = list(labels)
    quadratization = None
    polynomial = isinstance(model, dimod.BinaryPolynomial)
    started = time.perf_counter()
    if isinstance(sampler, dimod.PolySampler) and (polynomial or not isinstance(sampler, dimod.Sampler)):
        sampleset = sampler.sample_poly(model if polynomial else _as_polynomial(model), **sample_kwargs)
    elif polynomial:
        quadratization = quadratize(model, strength)
        sampleset = sampler.sample(quadratization.bqm, **sample_kwargs)
    else:
        sampleset = sampler.sample(model, **sample_kwargs)
    sampleset.resolve()
    wall = time.perf_counter() - started
    hidden = quadratization.hidden if quadratization is not None else ()
    states, probabilities = sampleset_distribution(sampleset, labels, hidden)
    values = 2 * states.astype(np.int8) - 1 if model.vartype is dimod.SPIN else states
    energies = np.asarray(model.energies((values, labels)), dtype=np.float64) if labels else np.full(1, model.energy({}))
    return SampledStates(
        states=states,
        energies=energies,
        probabilities=probabilities,
        sampleset=sampleset,
        timing={"wall_s": wall, "sampler": dict(sampleset.info.get("timing", {}))},
        quadratization=quadratization,
    )


@dataclass(frozen=True, eq=False)
class ModelConversion:
    """A Qiskit program as a dimod model to minimise, with the package converter that reads states back.

    Attributes:
        model: The BQM or binary polynomial. Its energy is the objective of the converted unconstrained
            program: the original objective (minimise) or minus it (maximise), plus constraint penalties.
        labels: The model label of each variable of the converted program, in order.
        converter: The package's converter (``QuadraticProgramToQubo`` or ``OptimizationProblemToHubo``);
            its ``interpret`` maps bits of the converted program to the original variables.

    Examples:
        >>> import dimod
        >>> from qiskit_optimization import QuadraticProgram
        >>> from qiskit_optimization.converters import QuadraticProgramToQubo
        >>> from hiqlip_plugin.qiskit.model import ModelConversion
        >>> qp = QuadraticProgram()
        >>> _ = qp.integer_var(0, 2, "n")
        >>> converter = QuadraticProgramToQubo()
        >>> [v.name for v in converter.convert(qp).variables]
        ['n@0', 'n@1']
        >>> bqm = dimod.BQM({"n@0": 0.0, "n@1": 0.0}, {}, 0.0, "BINARY")
        >>> ModelConversion(bqm, ("n@0", "n@1"), converter).interpret({"n@0": 1, "n@1": 1}).tolist()
        [2.0]
    """

    model: DimodModel
    labels: tuple[Hashable, ...]
    converter: Any

    def interpret(self, sample: Mapping[Hashable, float]) -> np.ndarray:
        """Return the values of the original program's variables for one sample of :attr:`model`.

        Args:
            sample: A value for every label of :attr:`model` (0/1, or -1/+1 for a SPIN model); other keys
                (auxiliary variables) are ignored.

        Returns:
            The assignment of the original program (integers decoded from their bits, slack variables
            dropped), as floats.

        Raises:
            SamplerOutputError: If a label is missing or a value is not of the model's vartype.
        """
        try:
            values = np.array([sample[v] for v in self.labels], dtype=np.float64)
        except KeyError as err:
            raise SamplerOutputError(f"sample lacks variable {err.args[0]!r}") from None
        if not np.all(np.isin(values, list(self.model.vartype.value))):
            raise SamplerOutputError(f"sample values must be in {sorted(self.model.vartype.value)}")
        bits = (values + 1) / 2 if self.model.vartype is dimod.SPIN else values
        return np.asarray(self.converter.interpret(bits), dtype=np.float64)
