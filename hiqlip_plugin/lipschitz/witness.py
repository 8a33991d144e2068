"""The witness search of :func:`~hiqlip_plugin.estimate_lipschitz`: the best of several methods, named.

The lower side of every bracket is a feasible point of the FGL problem (a
:class:`~hiqlip_plugin.lipschitz.formulation.Certificate`). :class:`WitnessSearch` runs several methods on
the same output, each on its share of the budget (:data:`TWO_LAYER_SHARES`, :data:`DEEP_SHARES`; without a
time limit each does a fixed amount of work, so the same seed gives the same witness), keeps the best
certificate and says which method found it (:attr:`WitnessResult.method`, one of :data:`METHODS`). With a
budget, a method gets the smaller of its share and what is left, and every method stops between its steps
(a bifurcation step, a flip sweep, an alternation), so the search holds its budget within one such step.

**Two layers, l_inf** (``max x^T A s``):

- :data:`BIFURCATION` (the Ising route, default): simulated bifurcation on the reduced objective of the
  smaller side (:func:`~hiqlip_plugin.samplers.reduced.reduced_bifurcation`: ``||A s||_1`` over the hidden
  side or ``sum_j max(0, (A^T x)_j)`` over the inputs, the other side being its closed-form best response at
  every step), every replica read out at every step; the best replica states of its runs are then polished
  by single-flip search, an iterated flip search around the best of them
  (:func:`~hiqlip_plugin.lipschitz.local_search.iterated_flip_search`: perturbed copies of the best point,
  each flip-searched) and alternating best responses. No quadratic model is built: memory ``O(d h)``.
- :data:`SAMPLER`: a dimod sampler on the FGL QUBO (:func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm`),
  through a :class:`~hiqlip_plugin.HierarchicalComposite` when the QUBO exceeds its capacity, via the shared
  step :func:`~hiqlip_plugin.lipschitz.sampled.sample_and_polish` (answer and energies checked, decoded,
  polished by alternating best responses). Run when the user gives a sampler, or a ``max_subproblem_size``
  (then the default :class:`~hiqlip_plugin.CIMSampler` is used).
- :data:`FLIP`: :func:`~hiqlip_plugin.lipschitz.local_search.one_side_flip_search` over the smaller side.
- :data:`ALTERNATING`: :func:`~hiqlip_plugin.lipschitz.local_search.alternating_best_response`.

**Deeper networks, l2, and l1 beyond enumeration**:

- :data:`LAYERED` (the Ising route): simulated bifurcation over the spins of every hidden layer with the
  input side eliminated in closed form (:func:`~hiqlip_plugin.lipschitz.deep.layered_bifurcation`);
- :data:`ASCENT`: closed-form block coordinate ascent from many random starts
  (:func:`~hiqlip_plugin.lipschitz.deep.deep_block_search` with ``max_sweeps=0``);
- :data:`BLOCK_MOVES` from the better of those two points (block sub-problems solved by reduced
  bifurcation, by the user's sampler through the shared step, or, for l1, exactly in closed form); they are
  named the winner only where they improve on their starting point;
- :data:`PERTURBED` (l_inf and l2) from the best point so far
  (:func:`~hiqlip_plugin.lipschitz.deep.perturbed_ascent`: a few input signs flipped, every layer
  re-solved in closed form), named only where it improves on that point.

Examples:
    >>> from hiqlip_plugin.lipschitz.witness import METHODS, WitnessSearch
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> net = random_relu_network((30, 20, 2), seed=0)
    >>> search = WitnessSearch(net, "inf")
    >>> found = search.two_layer(net.output_direction(output=0), seed=0, budget=None)
    >>> found.method in METHODS, found.certificate.verify(net)
    (True, True)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

from hiqlip_plugin.budget import MIN_SECONDS, Budget
from hiqlip_plugin.capacity import check_capacity, sampler_capacity
from hiqlip_plugin.lipschitz.deep import BIFURCATION as _BIFURCATION_SAMPLER
from hiqlip_plugin.lipschitz.deep import deep_block_search, layered_bifurcation, perturbed_ascent
from hiqlip_plugin.lipschitz.formulation import Certificate, Norm, bilinear_matrix, fgl_bqm
from hiqlip_plugin.lipschitz.local_search import (
    LocalSearchResult,
    alternating_best_response,
    iterated_flip_search,
    one_side_flip_search,
)
from hiqlip_plugin.lipschitz.sampled import sample_and_polish
from hiqlip_plugin.network import ReLUNetwork
from hiqlip_plugin.samplers.reduced import reduced_bifurcation

__all__ = [
    "WitnessResult",
    "WitnessSearch",
    "describe_sampler",
    "METHODS",
    "BIFURCATION",
    "SAMPLER",
    "FLIP",
    "ALTERNATING",
    "ASCENT",
    "LAYERED",
    "BLOCK_MOVES",
    "PERTURBED",
    "DEFAULT_CAPACITY",
    "TWO_LAYER_SHARES",
    "DEEP_SHARES",
    "WORK",
    "STEPS_PER_SPIN",
    "LAYERED_STEPS_PER_SPIN",
    "STEP_RANGE",
    "bifurcation_steps",
    "POLISH_SHARE",
]

BIFURCATION = "reduced bifurcation"
SAMPLER = "sampler"
FLIP = "one-side flip search"
ALTERNATING = "alternating best responses"
ASCENT = "closed-form block ascent"
LAYERED = "layered bifurcation"
BLOCK_MOVES = "block moves"
PERTURBED = "perturbed ascent"
METHODS: tuple[str, ...] = (BIFURCATION, SAMPLER, FLIP, ALTERNATING, LAYERED, ASCENT, BLOCK_MOVES, PERTURBED)
"""Names a :class:`WitnessResult` may report as its :attr:`~WitnessResult.method`."""

DEFAULT_CAPACITY = 100
"""Capacity (spins) of the default :class:`~hiqlip_plugin.CIMSampler` when :data:`SAMPLER` runs without a
user sampler; larger QUBOs go through the hierarchical composite."""

TWO_LAYER_SHARES: Mapping[str, float] = {BIFURCATION: 0.5, SAMPLER: 0.5, FLIP: 0.25, ALTERNATING: 0.25}
"""Share of a two-layer witness budget per method; the Ising routes that run split their 0.5 equally.
The classical searches saturate early (``docs/benchmarks.md``, witness section), so the Ising route gets
half."""

DEEP_SHARES: Mapping[str, float] = {LAYERED: 0.5, ASCENT: 0.2, BLOCK_MOVES: 0.2, PERTURBED: 0.1}
"""Share of a deep witness budget: layered bifurcation and closed-form ascent, block moves from the better
of their points, then perturbed ascent from the best point so far."""

POLISH_SHARE = 0.4
"""Part of the :data:`BIFURCATION` route's time kept for polishing its best replicas (single flips and the
iterated flip search around the best of them, then alternating best responses); its rounds of bifurcation
get the rest, and the polish stops between sweeps when the route's time is up. Without a time limit the
polish does fixed work (``WORK["perturbation_batches"]``), less than half the time of its rounds on
784-1024 nets."""

WORK: Mapping[str, int] = {
    "bifurcation_replicas": 32,
    "bifurcation_rounds": 3,
    "polish_starts": 8,
    "perturbation_batches": 3,
    "perturbation_batch_size": 16,
    "flip_restarts": 4,
    "alternating_restarts": 64,
    "layered_replicas": 64,
    "layered_rounds": 3,
    "ascent_restarts": 32,
    "block_move_restarts": 1,
    "perturbed_trials": 48,
}
"""The fixed work of each method when no time limit is given (then the same seed gives the same witness)."""

STEPS_PER_SPIN = 4
"""Two-layer bifurcation runs take this many steps per spin of the searched side, within :data:`STEP_RANGE`
(layered runs take :data:`LAYERED_STEPS_PER_SPIN`)."""

LAYERED_STEPS_PER_SPIN = 4
"""Steps per hidden unit of a layered bifurcation run, within :data:`STEP_RANGE`."""

STEP_RANGE = (200, 500)
"""Fewest and most steps of one bifurcation run. Measured (``docs/benchmarks.md``, witness section): on
784-128 and 784-256 nets 32 replicas of 500 steps matched or beat 16 of 1000 at less CPU time. Longer ramps
(2 steps per spin up to 1000) did better on 784-1024 alone but worse over the whole benchmark."""


def bifurcation_steps(num_spins: int, per_spin: int = STEPS_PER_SPIN) -> int:
    """Steps of one bifurcation run over ``num_spins`` spins: ``per_spin`` each, within :data:`STEP_RANGE`.

    Examples:
        >>> from hiqlip_plugin.lipschitz.witness import bifurcation_steps
        >>> bifurcation_steps(10), bifurcation_steps(100), bifurcation_steps(784)
        (200, 400, 500)
    """
    low, high = STEP_RANGE
    return int(min(high, max(low, per_spin * num_spins)))


def describe_sampler(sampler: Any) -> str:
    """A short description of a sampler and its composites.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.witness import describe_sampler
        >>> describe_sampler(dimod.ExactSolver())
        'ExactSolver'
    """
    children = getattr(sampler, "children", None)
    if children:
        size = getattr(sampler, "max_subproblem_size", None)
        return f"{type(sampler).__name__}({describe_sampler(children[0])}, max_subproblem_size={size})"
    return type(sampler).__name__


@dataclass(frozen=True, eq=False)
class WitnessResult:
    """The best witness of one output and how each method fared.

    Attributes:
        certificate: The best certificate: ``FGL >= certificate.value``.
        method: The method that found it (one of :data:`METHODS`).
        detail: What that method ran on (e.g. the sampler, the side searched).
        values: ``(method, best value)`` for every method run, in run order.

    Examples:
        >>> from hiqlip_plugin.lipschitz.witness import WitnessSearch
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((20, 12, 1), seed=3)
        >>> found = WitnessSearch(net, "inf").two_layer(net.output_direction(), seed=1, budget=None)
        >>> found.summary.startswith(found.method), dict(found.values)[found.method] == found.certificate.value
        (True, True)
    """

    certificate: Certificate
    method: str
    detail: str
    values: tuple[tuple[str, float], ...]

    @property
    def summary(self) -> str:
        """``"method (detail); runner-up other -0.31%"`` (or ``ties``): the line shown in reports."""
        text = f"{self.method} ({self.detail})" if self.detail else self.method
        others = [(name, value) for name, value in self.values if name != self.method]
        if others:
            name, value = max(others, key=lambda item: item[1])
            best = self.certificate.value
            gap = 100.0 * (best - value) / abs(best) if best else 0.0
            text += f"; runner-up {name} " + ("ties" if gap == 0 else f"-{gap:.2g}%")
        return text


def _seeds(seed: int | None, count: int) -> list[int]:
    return [int(v) for v in np.random.SeedSequence(seed).generate_state(count)]


def _clock(budget: float | None) -> Budget | None:
    """The witness budget as a deadline started now (``None``: fixed work)."""
    return None if budget is None else Budget(budget)


def _rounds(run: Callable[[int, float | None], tuple[Any, bool]], seed: int, count: int,
            limit: float | None) -> list[Any]:
    """Results of independent rounds ``run(round_seed, time_limit) -> (result, stopped_early)``.

    Without ``limit``, ``count`` rounds (fixed work); with it, rounds while a whole further round fits in
    what is left of ``limit`` (each round is given that rest as its limit).
    """
    rng = np.random.default_rng(seed)
    results: list[Any] = []
    remaining = limit
    for index in itertools.count():
        if remaining is None and index == count:
            break
        started = time.perf_counter()
        result, stopped = run(int(rng.integers(2**31)), remaining)
        results.append(result)
        if remaining is not None:
            spent = time.perf_counter() - started
            remaining -= spent
            if stopped or remaining < spent:
                break
    return results


def _share(budget: Budget | None, shares: Mapping[str, float], method: str, ising_routes: int = 1) -> float | None:
    """``method``'s share of the whole witness budget, but never more than what is left of it."""
    if budget is None:
        return None
    assert budget.time_limit is not None
    share = shares[method]
    return min(budget.time_limit * (share / ising_routes if method in (BIFURCATION, SAMPLER) else share),
               budget.seconds() or MIN_SECONDS)


class WitnessSearch:
    """Runs the witness methods for one network (shared across outputs).

    Args:
        network: The network.
        norm: Input norm (canonical name).
        sampler: A dimod sampler for the :data:`SAMPLER` route (``None``: that route runs only when
            ``max_subproblem_size`` is given, with a :class:`~hiqlip_plugin.CIMSampler`).
        max_subproblem_size: Capacity of the sampler; larger QUBOs go through the hierarchical composite.
            Defaults to the sampler's advertised capacity
            (:func:`~hiqlip_plugin.capacity.sampler_capacity`).
        sampler_kwargs: Extra keyword arguments for ``sampler.sample``.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.witness import WitnessSearch
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((6, 5, 1), seed=0)
        >>> search = WitnessSearch(net, "inf", sampler=dimod.ExactSolver())
        >>> [name for name, _ in search.two_layer(net.output_direction(), seed=0, budget=None).values]
        ['sampler', 'one-side flip search', 'alternating best responses']
    """

    def __init__(self, network: ReLUNetwork, norm: Norm, sampler: dimod.Sampler | None = None,
                 max_subproblem_size: int | None = None, sampler_kwargs: Mapping[str, Any] | None = None) -> None:
        self.network = network
        self.norm = norm
        self.kwargs = dict(sampler_kwargs or {})
        self.user_sampler = sampler
        self.max_subproblem_size = (
            None if max_subproblem_size is None else check_capacity(max_subproblem_size, "max_subproblem_size")
        )

    @property
    def uses_sampler(self) -> bool:
        """Whether the :data:`SAMPLER` route runs (a sampler or a capacity was given)."""
        return self.user_sampler is not None or self.max_subproblem_size is not None

    def sampler_for(self, num_variables: int) -> dimod.Sampler:
        """The sampler of the :data:`SAMPLER` route, wrapped in the composite above its capacity."""
        from hiqlip_plugin.composites.hierarchical import HierarchicalComposite

        if self.user_sampler is None:
            from hiqlip_plugin.samplers.cim import CIMSampler

            base: dimod.Sampler = CIMSampler()
            capacity = DEFAULT_CAPACITY if self.max_subproblem_size is None else self.max_subproblem_size
        else:
            base = self.user_sampler
            capacity = sampler_capacity(base) if self.max_subproblem_size is None else self.max_subproblem_size
        if capacity is not None and num_variables > capacity:
            return HierarchicalComposite(base, max_subproblem_size=capacity)
        return base

    # ------------------------------------------------------------------ two layers, l_inf
    def two_layer(self, direction: np.ndarray, seed: int | None, budget: float | None) -> WitnessResult:
        """The best two-layer witness (l_inf; other norms go to :meth:`deep`'s block searches)."""
        if self.norm != "inf":
            return self.deep(direction, seed, budget)
        clock = _clock(budget)
        a = bilinear_matrix(self.network, direction=direction)
        side = "s" if a.shape[1] <= a.shape[0] else "x"
        side_name = "hidden side" if side == "s" else "input side"
        routes = int(self.user_sampler is None) + int(self.uses_sampler)
        seeds = _seeds(seed, 4)
        found: list[tuple[str, str, LocalSearchResult]] = []
        if self.user_sampler is None:
            found.append((BIFURCATION, side_name,
                          self._bifurcation(a, side, seeds[0], _share(clock, TWO_LAYER_SHARES, BIFURCATION, routes))))
        if self.uses_sampler:
            found.append(self._sampler_route(a, direction, seeds[1],
                                             _share(clock, TWO_LAYER_SHARES, SAMPLER, routes)))
        flip_limit = _share(clock, TWO_LAYER_SHARES, FLIP)
        found.append((FLIP, side_name, one_side_flip_search(
            a, side=side, seed=seeds[2], time_limit=flip_limit,
            num_restarts=WORK["flip_restarts"] if flip_limit is None else None)))
        alternating_limit = _share(clock, TWO_LAYER_SHARES, ALTERNATING)
        found.append((ALTERNATING, "", alternating_best_response(
            a, seed=seeds[3], time_limit=alternating_limit,
            num_restarts=WORK["alternating_restarts"] if alternating_limit is None else None)))
        certificates = [Certificate.from_patterns(self.network, [r.s], direction, input_signs=r.x)
                        for _, _, r in found]
        k = max(range(len(found)), key=lambda i: certificates[i].value)  # ties: the first
        return WitnessResult(certificates[k], found[k][0], found[k][1],
                             tuple((name, cert.value) for (name, _, _), cert in zip(found, certificates, strict=True)))

    def _bifurcation(self, a: np.ndarray, side: str, seed: int, limit: float | None) -> LocalSearchResult:
        """Reduced bifurcation on ``side`` (rounds until ``1 - POLISH_SHARE`` of ``limit``), its best replicas
        polished by the iterated flip search and ABR in the rest."""
        matrix, codes, objective = (a, "binary", "l1") if side == "s" else (a.T, "spin", "relu")
        route = _clock(limit)

        def run(round_seed: int, remaining: float | None) -> tuple[Any, bool]:
            result = reduced_bifurcation(matrix, codes=codes, objective=objective, seed=round_seed,
                                         num_replicas=WORK["bifurcation_replicas"],
                                         num_steps=bifurcation_steps(matrix.shape[1]), time_limit=remaining)
            return result, result.stopped_early

        results = _rounds(run, seed, WORK["bifurcation_rounds"], None if limit is None else limit * (1 - POLISH_SHARE))
        order = np.argsort(-np.concatenate([r.values for r in results]), kind="stable")[: WORK["polish_starts"]]
        polished = iterated_flip_search(
            a, np.vstack([r.codes for r in results])[order], side=side, seed=seed,
            batch_size=WORK["perturbation_batch_size"],
            num_batches=WORK["perturbation_batches"] if route is None else None,
            time_limit=None if route is None else route.seconds())
        return alternating_best_response(a, initial_x=polished.x, initial_s=polished.s, num_restarts=1,
                                         time_limit=None if route is None else route.seconds())

    def _sampler_route(self, a: np.ndarray, direction: np.ndarray, seed: int,
                       limit: float | None) -> tuple[str, str, LocalSearchResult]:
        qubo = fgl_bqm(self.network, direction=direction, norm="inf")
        sampler = self.sampler_for(qubo.bqm.num_variables)

        def polish(certificate: Certificate) -> LocalSearchResult:
            assert certificate.input_signs is not None
            return alternating_best_response(a, initial_x=certificate.input_signs,
                                             initial_s=certificate.patterns[0], num_restarts=1)

        step = sample_and_polish(sampler, qubo.bqm, qubo.decode, polish, sampler_kwargs=self.kwargs, seed=seed,
                                 time_limit=limit)
        return SAMPLER, describe_sampler(sampler), step.polished

    # ------------------------------------------------------------------ block searches
    def deep(self, direction: np.ndarray, seed: int | None, budget: float | None) -> WitnessResult:
        """Layered bifurcation and closed-form block ascent, block moves from the better point, then (l_inf,
        l2) perturbed ascent from the best."""
        seeds = _seeds(seed, 4)
        clock = _clock(budget)
        steps = bifurcation_steps(sum(self.network.hidden_dims), LAYERED_STEPS_PER_SPIN)

        def run(round_seed: int, remaining: float | None) -> tuple[Any, bool]:
            result = layered_bifurcation(self.network, direction=direction, norm=self.norm, seed=round_seed,
                                         num_replicas=WORK["layered_replicas"], num_steps=steps,
                                         time_limit=remaining)
            return result, result.num_steps < steps

        rounds = _rounds(run, seeds[0], WORK["layered_rounds"], _share(clock, DEEP_SHARES, LAYERED))
        _, patterns = max(((float(np.max(r.values)), r.patterns[int(np.argmax(r.values))]) for r in rounds),
                               key=lambda item: item[0])  # ties: the first round
        layered_certificate = Certificate.from_patterns(self.network, patterns, direction, norm=self.norm)
        ascent_limit = _share(clock, DEEP_SHARES, ASCENT)
        ascent = deep_block_search(
            self.network, direction=direction, norm=self.norm, max_sweeps=0, seed=seeds[1],
            time_limit=ascent_limit,
            num_restarts=WORK["ascent_restarts"] if ascent_limit is None else 2**62)
        if self.norm == "1":
            sampler, detail, kwargs = _BIFURCATION_SAMPLER, "exact l1 blocks", None
        elif self.uses_sampler:
            widest = max(self.network.input_dim, *self.network.hidden_dims) + max(self.network.hidden_dims)
            sampler = self.sampler_for(widest)
            detail, kwargs = describe_sampler(sampler), self.kwargs or None
        else:
            sampler, detail, kwargs = _BIFURCATION_SAMPLER, BIFURCATION, None
        start = max((layered_certificate, ascent.certificate), key=lambda cert: cert.value)
        moves = deep_block_search(
            self.network, direction=direction, norm=self.norm, sampler=sampler, sampler_kwargs=kwargs,
            num_restarts=WORK["block_move_restarts"], seed=seeds[2],
            time_limit=_share(clock, DEEP_SHARES, BLOCK_MOVES), initial_patterns=list(start.patterns))
        found = [(LAYERED, "", layered_certificate), (ASCENT, "", ascent.certificate),
                 (BLOCK_MOVES, detail, moves.certificate)]
        if self.norm != "1":
            perturbed_limit = _share(clock, DEEP_SHARES, PERTURBED)
            start = max((cert for _, _, cert in found), key=lambda cert: cert.value)
            found.append((PERTURBED, "", perturbed_ascent(
                self.network, start.patterns, direction=direction, norm=self.norm, seed=seeds[3],
                num_trials=WORK["perturbed_trials"] if perturbed_limit is None else None,
                time_limit=perturbed_limit)))
        values = tuple((name, cert.value) for name, _, cert in found)
        # Block moves and perturbed ascent count as the winner only where they improve on their start.
        best = max(range(len(found)), key=lambda i: found[i][2].value)
        return WitnessResult(found[best][2], found[best][0], found[best][1], values)
