"""A multilevel composite: any small-capacity sampler solves problems of any size, one window at a time.

:class:`HierarchicalComposite` runs V-cycles around its child sampler, which never sees more than
``max_subproblem_size`` variables:

1. **Coarsen** the model level after level, halving it (:func:`~hiqlip_plugin.composites.coarsening.coarsen`:
   sign-aware heavy-edge matching weighted by a low-rank vector relaxation, similarity matching for the
   same-side spins of bipartite models, random pairing as a fallback) until it fits. Every coarse state
   maps to a fine state of the same energy.
2. **Solve** the coarsest model with the child (the lowest-energy sample it returns).
3. **Refine** on the way back: project the state one level down, then re-solve windows of at most
   ``max_subproblem_size`` free spins with the child, the rest clamped and folded into the fields
   (:func:`~hiqlip_plugin.composites.coarsening.clamp`). A window is a breadth-first region of the coupling
   graph grown from the spin with the largest flip gain, its layers taken in order of flip gain plus a
   random jitter; each pass covers every spin once. A window's answer is accepted when its energy is not
   higher than the current one (ties accepted, so the search can move along plateaus; "not higher" allows
   a rounding tolerance of ``1e-12`` relative to the window's energy). Passes stop early when one does not
   lower the level's energy.
4. **Polish** (on by default) every V-cycle's state on the full model: a one-flip steepest descent
   (:func:`descend`), so every returned sample is a local minimum, or with ``polish="anneal"`` a
   low-temperature simulated anneal (:func:`anneal`) kept when it lowers the energy. Pass
   ``polish=False`` to measure the child alone.
5. **Iterate** (``cycles_per_read > 1``, or ``None`` to run until ``time_limit``): each further V-cycle
   coarsens around the read's state, so it can only improve it; with several reads it coarsens around the
   read's state and the best other read's (``recombine``): only pairs both states satisfy are merged, so
   every level contains both and the refinement picks, cluster by cluster, between them.

``time_limit`` and ``interrupt_function`` are checked before every child call, every coarsening level and
every relaxation step (and handed to a child that takes an ``interrupt_function``), so the call stops
within one indivisible step and returns each read's best state so far; ``info["stopped"]`` says why.

The child's capacity is :func:`~hiqlip_plugin.capacity.sampler_capacity` unless given: a child that
declares none (an exhaustive solver, simulated annealing) needs ``max_subproblem_size``.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.composites import HierarchicalComposite
    >>> sampler = HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=6)
    >>> bqm = dimod.generators.ran_r(1, 30, seed=1)
    >>> sampleset = sampler.sample(bqm, seed=0)
    >>> len(sampleset.variables), sampleset.info["max_child_variables"] <= 6
    (30, True)
"""

from __future__ import annotations

import itertools
import numbers
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp
from dwave.samplers import SimulatedAnnealingSampler, SteepestDescentSolver
from dwave.samplers.sa.sampler import default_beta_range
from tqdm.auto import tqdm

from hiqlip_plugin._validation import check_integer, check_positive
from hiqlip_plugin.capacity import largest_clique, sampler_capacity
from hiqlip_plugin.composites.coarsening import clamp, coarsen, neighbourhood, project, restrict
from hiqlip_plugin.ising import IsingArrays, checked_samples, ising_arrays

__all__ = [
    "HierarchicalComposite",
    "descend",
    "anneal",
    "ANNEAL_REHEAT",
    "RESERVED_CHILD_PARAMETERS",
    "STOPPED_BY_TIME_LIMIT",
    "STOPPED_BY_INTERRUPT",
]

RESERVED_CHILD_PARAMETERS = frozenset(
    {"num_reads", "seed", "initial_states", "initial_states_generator", "time_limit", "interrupt_function",
     "polish", "progress"}
)
"""Child parameters the composite sets itself (or replaces by its own of the same name); they are not
forwarded from :meth:`HierarchicalComposite.sample`'s keywords and not advertised as child parameters."""

STOPPED_BY_TIME_LIMIT = "time_limit"
"""``info['stopped']`` when ``time_limit`` ended the work early."""

STOPPED_BY_INTERRUPT = "interrupt"
"""``info['stopped']`` when ``interrupt_function`` ended the work early."""

ANNEAL_REHEAT = 100.0
"""Largest ratio of :func:`anneal`'s starting inverse temperature to the model's default hot one (chosen by
measurement on 784-256 Lipschitz QUBOs and 2000-node Max-Cut graphs: ``docs/benchmarks/hierarchical.md``)."""

_SEED_BOUND = 2**31 - 1
"""Child seeds are drawn below this bound (the range every dwave-samplers solver accepts)."""


def _capacity(child: dimod.Sampler, max_subproblem_size: int | None) -> int:
    if max_subproblem_size is None:
        max_subproblem_size = sampler_capacity(child)
        if max_subproblem_size is None:
            raise ValueError(
                f"{type(child).__name__} declares no capacity (no properties['max_num_variables'] and no "
                "structured graph), so the size of its sub-problems is unknown; pass max_subproblem_size= "
                "(e.g. 100 for a 100-spin machine; an exhaustive solver such as dimod.ExactSolver needs 20 "
                "or fewer)"
            )
        if max_subproblem_size < 2:
            raise ValueError(
                f"{type(child).__name__} takes at most {max_subproblem_size} variable(s) of a dense problem, "
                "too few to decompose with; declare a larger capacity with "
                "hiqlip_plugin.hardware.CapacityComposite or pass max_subproblem_size="
            )
    return check_integer(max_subproblem_size, "max_subproblem_size", 2)


def _check_bqm(bqm: Any) -> None:
    if isinstance(bqm, dimod.BinaryQuadraticModel):
        return
    if isinstance(bqm, dimod.ConstrainedQuadraticModel):
        fix = "convert it with dimod.cqm_to_bqm(cqm, lagrange_multiplier=...) and pass the BQM"
    elif isinstance(bqm, Mapping):
        fix = ("build one with dimod.BinaryQuadraticModel(linear, quadratic, offset, vartype), "
               "dimod.BQM.from_qubo(Q) or dimod.BQM.from_ising(h, J)")
    else:
        fix = "build a dimod.BinaryQuadraticModel"
    raise TypeError(
        f"HierarchicalComposite samples a dimod.BinaryQuadraticModel, got a {type(bqm).__name__}: {fix}"
    )


def _not_higher(new: float, old: float) -> bool:
    """``new <= old`` up to rounding (``1e-12`` relative): the acceptance rule of refinement."""
    return new <= old + 1e-12 * max(1.0, abs(old))


def _to_bqm(problem: IsingArrays) -> dimod.BinaryQuadraticModel:
    upper = sp.triu(problem.coupling, k=1).tocoo()
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        problem.linear,
        (upper.row, upper.col, upper.data),
        problem.offset,
        dimod.SPIN,
        variable_order=problem.variables,
    )


def descend(model: dimod.BinaryQuadraticModel, problem: IsingArrays, state: np.ndarray) -> np.ndarray:
    """One-flip steepest descent of a SPIN ``state`` (``problem.variables`` order) on ``model``.

    Args:
        model: The SPIN BQM of ``problem`` (variables ``problem.variables``).
        problem: The same model as arrays.
        state: A state, entries +-1, in ``problem.variables`` order.

    Returns:
        The one-flip local minimum reached (float64 +-1 entries).

    Examples:
        >>> import dimod
        >>> import numpy as np
        >>> from hiqlip_plugin.ising import ising_arrays
        >>> from hiqlip_plugin.composites.hierarchical import descend
        >>> bqm = dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN")
        >>> descend(bqm, ising_arrays(bqm), np.array([1.0, -1.0])).tolist() in ([1.0, 1.0], [-1.0, -1.0])
        True
    """
    sampleset = SteepestDescentSolver().sample(
        model, initial_states=(np.asarray(state, dtype=np.int8)[None, :], list(problem.variables))
    )
    return checked_samples(sampleset, model)[0].astype(np.float64)


def anneal(
    model: dimod.BinaryQuadraticModel,
    problem: IsingArrays,
    state: np.ndarray,
    sweeps: int,
    seed: int,
    default_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """A low-temperature simulated anneal from ``state``, kept only if it ends lower.

    The anneal (:class:`dwave.samplers.SimulatedAnnealingSampler`, geometric schedule) runs to
    ``beta_cold`` from ``min(sqrt(beta_hot * beta_cold), ANNEAL_REHEAT * beta_hot)``, where ``beta_hot``
    and ``beta_cold`` are the default inverse temperatures of ``model``
    (``dwave.samplers.sa.sampler.default_beta_range``): half-way on a log scale, hot enough to leave the
    state's local minimum and too cold to forget it, but never colder than :data:`ANNEAL_REHEAT` times the
    hot end (models with tiny energy gaps, such as the Lipschitz QUBOs, have an extreme cold end).

    Args:
        model: The SPIN BQM of ``problem`` (variables ``problem.variables``).
        problem: The same model as arrays.
        state: A state, entries +-1, in ``problem.variables`` order.
        sweeps: Number of sweeps.
        seed: Seed of the anneal.
        default_range: ``default_beta_range(model)`` when already known (it depends on the model only and
            costs a pass over its couplings in Python, more than a short anneal of a large model: callers
            that anneal one model many times compute it once); ``None`` computes it.

    Returns:
        The annealed state if its energy is lower, else ``state`` (float64 +-1 entries).

    Examples:
        >>> import dimod
        >>> import numpy as np
        >>> from hiqlip_plugin.ising import ising_arrays
        >>> from hiqlip_plugin.composites.hierarchical import anneal
        >>> bqm = dimod.generators.ran_r(1, 20, seed=0)
        >>> problem, start = ising_arrays(bqm, sparse=True), np.ones(20)
        >>> bool(problem.energies(anneal(bqm, problem, start, 200, 0)) <= problem.energies(start))
        True
    """
    hot, cold = default_beta_range(model) if default_range is None else default_range
    sampleset = SimulatedAnnealingSampler().sample(
        model,
        initial_states=(np.asarray(state, dtype=np.int8)[None, :], list(problem.variables)),
        beta_range=(float(min(np.sqrt(hot * cold), ANNEAL_REHEAT * hot)), cold),
        num_sweeps=sweeps,
        seed=seed,
    )
    candidate = checked_samples(sampleset, model)[0].astype(np.float64)
    start = np.asarray(state, dtype=np.float64)
    return candidate if problem.energies(candidate) < problem.energies(start) else start


class _Budget:
    """The stop rule of one call: a deadline and a user interrupt, checked between indivisible steps.

    Calling it returns whether to stop; the first reason found (:data:`STOPPED_BY_TIME_LIMIT` or
    :data:`STOPPED_BY_INTERRUPT`) sticks in :attr:`stopped`, and the interrupt is not called again.
    """

    def __init__(self, time_limit: float | None, interrupt: Callable[[], Any] | None) -> None:
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.interrupt = interrupt
        self.stopped: str | None = None

    @property
    def active(self) -> bool:
        return self.deadline is not None or self.interrupt is not None

    def __call__(self) -> bool:
        if self.stopped is None:
            if self.deadline is not None and time.perf_counter() >= self.deadline:
                self.stopped = STOPPED_BY_TIME_LIMIT
            elif self.interrupt is not None and self.interrupt():
                self.stopped = STOPPED_BY_INTERRUPT
        return self.stopped is not None


class _VCycles:
    """State of one :meth:`HierarchicalComposite.sample` call: child, random stream, budget, tallies."""

    def __init__(
        self,
        child: dimod.Sampler,
        capacity: int,
        rng: np.random.Generator,
        budget: _Budget,
        child_parameters: Mapping[str, Any],
        randomness: float,
        labels: list[Hashable] | None,
    ) -> None:
        self.child = child
        self.capacity = capacity
        self.rng = rng
        self.budget = budget
        self.child_parameters = dict(child_parameters)
        self.randomness = randomness
        self.labels = labels
        self.embedding: np.ndarray | None = None  # the last cycle's finest relaxation, continued
        self.num_child_calls = 0
        self.max_child_variables = 0
        self.child_ns = 0

    def call(
        self, bqm: dimod.BinaryQuadraticModel, **parameters: Any
    ) -> tuple[dimod.SampleSet, np.ndarray]:
        """Hand ``bqm`` to the child; return its sampleset and checked samples (``bqm.variables`` order).

        A structured child gets the BQM relabelled onto a clique of its graph (``labels``); the child's
        ``interrupt_function``, when it has one and a budget is set, is the budget, so a long child call
        also ends when the composite's time is up.
        """
        if "seed" in self.child.parameters:
            parameters["seed"] = int(self.rng.integers(_SEED_BOUND))
        if self.budget.active and "interrupt_function" in self.child.parameters:
            parameters["interrupt_function"] = self.budget
        sent = bqm
        if self.labels is not None:
            sent = bqm.relabel_variables(
                dict(zip(bqm.variables, self.labels, strict=False)), inplace=False
            )
        start = time.perf_counter_ns()
        sampleset = self.child.sample(sent, **{**self.child_parameters, **parameters})
        samples = checked_samples(sampleset, sent)
        if self.labels is not None:
            sampleset = sampleset.relabel_variables(
                dict(zip(self.labels, bqm.variables, strict=False)), inplace=False
            )
        self.child_ns += time.perf_counter_ns() - start
        self.num_child_calls += 1
        self.max_child_variables = max(self.max_child_variables, bqm.num_variables)
        return sampleset, samples

    def solve(self, problem: IsingArrays) -> np.ndarray:
        """The child's lowest-energy state of ``problem`` (energies recomputed here, in float64)."""
        if problem.num_variables == 0:  # the empty state: nothing to ask
            return np.zeros(0)
        _, samples = self.call(_to_bqm(problem))
        return samples[np.argmin(problem.energies(samples))].astype(np.float64)

    def refine(self, problem: IsingArrays, state: np.ndarray, passes: int) -> np.ndarray:
        """Improve ``state`` by window re-solves, at most ``passes`` passes over every spin."""
        z = np.array(state, dtype=np.float64)
        n = problem.num_variables
        size = min(self.capacity, n)
        coupling = problem.coupling
        fields = problem.local_fields(z)
        energy = float(problem.energies(z))
        for _ in range(passes):
            start_energy = energy
            uncovered = np.ones(n, dtype=bool)
            while uncovered.any():
                if self.budget():
                    return z
                gain = 2.0 * z * fields
                scale = float(np.mean(np.abs(fields))) or 1.0
                priority = gain + self.randomness * scale * self.rng.random(n)
                free = neighbourhood(coupling, priority, size, uncovered)
                if len(free) < size:
                    others = np.ones(n, dtype=bool)
                    others[free] = False
                    free = neighbourhood(coupling, priority, size, others, start=free)
                uncovered[free] = False
                window = clamp(problem, z, free, fields)
                candidate = self.solve(window)
                current = z[free]
                new_energy, old_energy = window.energies(np.stack([candidate, current]))
                if _not_higher(float(new_energy), float(old_energy)) and np.any(
                    candidate != current
                ):
                    fields += (candidate - current) @ coupling[free]
                    z[free] = candidate
            energy = float(problem.energies(z))
            if _not_higher(start_energy, energy):
                break
        return z

    def info(self, levels: list[int], timing: dict[str, int]) -> dict[str, Any]:
        """The ``info`` of the returned sampleset."""
        return {
            "levels": levels,
            "num_child_calls": self.num_child_calls,
            "max_child_variables": self.max_child_variables,
            "stopped": self.budget.stopped,
            "timing": {**timing, "child_ns": self.child_ns},
        }


class HierarchicalComposite(dimod.ComposedSampler, dimod.Initialized):
    """Multilevel composite: coarsen, solve the coarsest level with the child, refine window by window.

    The child never receives a BQM with more than :attr:`max_subproblem_size` variables; each returned
    sample is a full assignment of the input BQM (its labels and vartype) with the BQM's own energy. The
    algorithm is described in :mod:`hiqlip_plugin.composites.hierarchical`. Every sub-problem handed to the
    child is a SPIN BQM labelled by integers, or, for a structured child (:class:`dimod.Structured`), by
    the nodes of a largest clique of its graph (:func:`~hiqlip_plugin.capacity.largest_clique`).

    Args:
        child: Any dimod sampler (e.g. :class:`~hiqlip_plugin.samplers.cim.CIMSampler`, a QPU sampler, a
            Qiskit adapter).
        max_subproblem_size: The child's capacity, at least 2. ``None`` takes
            :func:`~hiqlip_plugin.capacity.sampler_capacity` of the child (its
            ``properties['max_num_variables']``, else the largest clique of a structured child's graph);
            a child that declares neither (simulated annealing, the simulated CIM, an exhaustive solver)
            needs the size given.
        coarsening_ratio: Size of each level relative to the finer one, in ``[0.5, 1)`` (``0.5`` halves).
        randomness: Weight of the random jitter added to the flip gains when windows are chosen (``0``:
            pure gain order), relative to the mean absolute local field.
        relaxation_rank: Rank of the vector relaxation that weighs the matching
            (:func:`~hiqlip_plugin.composites.coarsening.relaxation`); ``0`` gives plain heavy-edge matching
            on ``|J|`` and coupling-row similarity.
        relaxation_iterations: Relaxation steps on the finest level (a fifth of them on coarser levels,
            started from the aggregated vectors).

    Raises:
        ValueError: If ``max_subproblem_size < 2``, is ``None`` for a child that declares no capacity,
            exceeds the largest clique of a structured child, or another argument is out of range.
        TypeError: If ``max_subproblem_size``, ``relaxation_rank`` or ``relaxation_iterations`` is not an int.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.composites import HierarchicalComposite
        >>> sampler = HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=4)
        >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -1.0, ("b", "c"): 1.0, ("c", "d"): -1.0,
        ...                  ("d", "e"): 1.0}, 0.0, "SPIN")
        >>> sampleset = sampler.sample(bqm, seed=1)
        >>> float(sampleset.first.energy), sampleset.info["levels"]
        (-5.0, [5, 4])
    """

    parameters: dict[str, list[str]] = None  # type: ignore[assignment]
    """Keyword arguments of :meth:`sample`: its own (``num_reads``, ``seed``, ``initial_states``,
    ``refinement_passes``, ``cycles_per_read``, ``recombine``, ``polish``, ``time_limit``,
    ``interrupt_function``, ``progress``, ``child_num_reads``) and the child's parameters that are
    forwarded to every child call (all but :data:`RESERVED_CHILD_PARAMETERS`)."""

    properties: dict[str, Any] = None  # type: ignore[assignment]
    """``{'child_properties': <copy of the child's>, 'max_subproblem_size': <capacity>}``."""

    def __init__(
        self,
        child: dimod.Sampler,
        max_subproblem_size: int | None = None,
        *,
        coarsening_ratio: float = 0.5,
        randomness: float = 1.0,
        relaxation_rank: int = 8,
        relaxation_iterations: int = 300,
    ) -> None:
        if not 0.5 <= coarsening_ratio < 1.0:
            raise ValueError(f"coarsening_ratio must be in [0.5, 1), got {coarsening_ratio}")
        if not randomness >= 0.0:
            raise ValueError(f"randomness must be non-negative, got {randomness}")
        self.relaxation_rank = check_integer(relaxation_rank, "relaxation_rank", 0)
        self.relaxation_iterations = check_integer(relaxation_iterations, "relaxation_iterations", 0)
        self._children = [child]
        self.max_subproblem_size = _capacity(child, max_subproblem_size)
        self._labels: list[Hashable] | None = None
        if isinstance(child, dimod.Structured):
            clique = largest_clique(child)
            if self.max_subproblem_size > len(clique):
                raise ValueError(
                    f"max_subproblem_size={self.max_subproblem_size} exceeds the largest clique ({len(clique)} "
                    f"nodes) of the structured child {type(child).__name__}, which cannot take a dense "
                    "sub-problem that large; embed it (e.g. dwave.system.EmbeddingComposite) and declare the "
                    "embedded size with hiqlip_plugin.hardware.CapacityComposite"
                )
            self._labels = clique[: self.max_subproblem_size]
        self.coarsening_ratio = float(coarsening_ratio)
        self.randomness = float(randomness)
        self.parameters = {
            key: value for key, value in child.parameters.items() if key not in RESERVED_CHILD_PARAMETERS
        }
        self.parameters.update(
            num_reads=[],
            seed=[],
            initial_states=[],
            refinement_passes=[],
            cycles_per_read=[],
            recombine=[],
            polish=[],
            anneal_sweeps=[],
            time_limit=[],
            interrupt_function=[],
            progress=[],
            child_num_reads=[],
        )
        self.properties = {
            "child_properties": child.properties.copy(),
            "max_subproblem_size": self.max_subproblem_size,
        }

    @property
    def children(self) -> list[dimod.Sampler]:
        """The child sampler, as a one-element list."""
        return self._children

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        num_reads: int | None = None,
        seed: int | None = None,
        *,
        initial_states: dimod.typing.SamplesLike | None = None,
        refinement_passes: int = 4,
        cycles_per_read: int | None = 1,
        recombine: bool = True,
        polish: bool | str = True,
        anneal_sweeps: int = 1000,
        time_limit: float | None = None,
        interrupt_function: Callable[[], Any] | None = None,
        progress: bool = False,
        child_num_reads: int | None = None,
        **child_parameters: Any,
    ) -> dimod.SampleSet:
        """Sample a BQM of any size with multilevel V-cycles.

        A BQM that already fits (``num_variables <= max_subproblem_size``, the empty one included) and
        comes without ``initial_states`` goes to the child unchanged, with ``num_reads`` (when given and
        accepted by the child; it overrides ``child_num_reads``), a derived ``seed`` and the child
        parameters; the child's samples are returned with the child's ``info``, to which the composite's
        entries are added (a key the child already uses keeps the child's value).

        Otherwise each read runs ``cycles_per_read`` V-cycles. The first starts from scratch, or from the
        read's initial state (it then coarsens around it, as below). Each further cycle coarsens around
        the read's current state (only pairs it satisfies are merged, so every level contains it and the
        coarse levels move whole clusters) and can only lower its energy; with ``recombine`` and several
        reads it coarsens around the current state AND the best other read's state (only pairs both satisfy
        are merged, so the levels contain both, and the refinement recombines them), starting from the
        former. Cycles run round by round over the reads.

        Args:
            bqm: The model, SPIN or BINARY, any labels.
            num_reads: Number of reads (one full sample each). Defaults to the number of initial states,
                else 1.
            seed: Seed of the composite's generator; every random choice and every child seed (passed as
                ``seed=`` when the child accepts one) derives from it, so a seed repeats the result with a
                deterministic child (and without ``time_limit``).
            initial_states: Samples-like (see :func:`dimod.as_samples`) over the BQM's variables, in its
                vartype: read ``i`` starts at state ``i`` (more states than ``num_reads`` is an error;
                reads beyond the states start from scratch). Such a read is never worse than its initial
                state: with ``refinement_passes=0`` and ``polish=False`` the state comes back unchanged.
            refinement_passes: Largest number of window passes per level (each covers every spin once).
            cycles_per_read: V-cycles per read; ``None`` repeats rounds of cycles until ``time_limit`` or
                ``interrupt_function`` stops them (one of the two is then required).
            recombine: Let further cycles coarsen around two reads' states (see above); ignored with one read.
            polish: Classical finish of every V-cycle's state on the full model (it also runs after
                ``time_limit`` or ``interrupt_function`` has stopped the rest): ``True`` or ``"descent"``, a
                one-flip steepest descent (:class:`dwave.samplers.SteepestDescentSolver`), so every sample
                is a one-flip local minimum; ``"anneal"``, a low-temperature simulated anneal from the
                state (:func:`anneal`), kept only when it lowers the energy (once the budget is spent, a
                descent instead); ``False``, none (the child's work alone).
            anneal_sweeps: Sweeps of each ``"anneal"`` polish.
            time_limit: Wall-clock budget in seconds. It is checked before every child call, every
                coarsening level and every relaxation step, and a child with an ``interrupt_function``
                parameter receives a function that is true once the budget is spent; after that no further
                child call starts. Each read returns its best state so far: a read whose first V-cycle did
                not reach a child call returns its initial state, or a random state (before polishing).
            interrupt_function: Callable with no arguments, called where ``time_limit`` is checked; once it
                returns a true value the work stops as for ``time_limit`` (it is not called again).
            progress: Show a tqdm bar over the rounds of V-cycles.
            child_num_reads: ``num_reads`` of each child call (the child's default when ``None``).
            **child_parameters: Forwarded to every child call (the child's parameters, less
                :data:`RESERVED_CHILD_PARAMETERS`, which the composite sets itself).

        Returns:
            A :class:`dimod.SampleSet` over the BQM's variables with its energies. ``info`` holds
            ``'levels'`` (sizes of the hierarchy, finest first), ``'num_child_calls'``,
            ``'max_child_variables'`` (the largest BQM the child received), ``'stopped'`` (``None``,
            :data:`STOPPED_BY_TIME_LIMIT` or :data:`STOPPED_BY_INTERRUPT`) and ``'timing'``:
            ``coarsen_ns``, ``solve_ns`` (coarsest levels), ``refine_ns``, ``polish_ns`` and ``child_ns``
            (time inside the child, within solve and refine).

        Raises:
            TypeError: If ``bqm`` is not a :class:`dimod.BinaryQuadraticModel` (the message names the
                conversion), ``num_reads``, ``seed``, ``refinement_passes``, ``cycles_per_read`` or
                ``child_num_reads`` is not an int, or ``time_limit`` is not a number.
            ValueError: If one of them is out of range, ``time_limit`` is not positive and finite,
                ``interrupt_function`` is not callable, ``cycles_per_read`` is ``None`` without either,
                ``initial_states`` do not match the BQM or outnumber ``num_reads``, or
                ``child_num_reads`` is given to a child without a ``num_reads`` parameter.
            SamplerOutputError: If the child returns something that is not a sampleset of its BQM.

        Examples:
            >>> import dimod
            >>> from hiqlip_plugin.composites import HierarchicalComposite
            >>> sampler = HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=8)
            >>> bqm = dimod.generators.ran_r(1, 40, seed=0).binary
            >>> sampleset = sampler.sample(bqm, num_reads=2, seed=3)
            >>> len(sampleset), sampleset.vartype is dimod.BINARY, sampleset.info["levels"]
            (2, True, [40, 20, 10, 8])
            >>> again = sampler.sample(bqm, initial_states=sampleset, refinement_passes=0, polish=False)
            >>> bool((again.record.sample == sampleset.record.sample).all())
            True
        """
        start = time.perf_counter_ns()
        _check_bqm(bqm)
        child_parameters = self.remove_unknown_kwargs(**child_parameters)
        passes = check_integer(refinement_passes, "refinement_passes", 0)
        if cycles_per_read is not None:
            cycles_per_read = check_integer(cycles_per_read, "cycles_per_read", 1)
        elif time_limit is None and interrupt_function is None:
            raise ValueError(
                "cycles_per_read=None cycles until stopped: give time_limit or interrupt_function"
            )
        if time_limit is not None:
            if isinstance(time_limit, (bool, str)) or not isinstance(time_limit, numbers.Real):
                raise TypeError(f"time_limit must be a number of seconds, got {time_limit!r}")
            time_limit = check_positive(time_limit, "time_limit")
        if seed is not None:
            check_integer(seed, "seed", 0)
        if interrupt_function is not None and not callable(interrupt_function):
            raise ValueError(f"interrupt_function must be callable, got {interrupt_function!r}")
        if child_num_reads is not None:
            check_integer(child_num_reads, "child_num_reads", 1)
            if "num_reads" not in self.child.parameters:
                raise ValueError(
                    "child_num_reads is given but the child has no num_reads parameter"
                )
            child_parameters["num_reads"] = child_num_reads
        initial = self._initial_states(bqm, initial_states)
        if num_reads is None:
            reads = max(1, len(initial))
        else:
            reads = check_integer(num_reads, "num_reads", 1)
            if len(initial) > reads:
                raise ValueError(
                    f"initial_states holds {len(initial)} states for num_reads={reads}: pass at most "
                    "num_reads states, or num_reads=None to take one read per state"
                )
        rng = np.random.default_rng(seed)
        budget = _Budget(time_limit, interrupt_function)
        cycles = _VCycles(
            self.child, self.max_subproblem_size, rng, budget, child_parameters, self.randomness,
            self._labels,
        )
        timing = dict.fromkeys(("coarsen_ns", "solve_ns", "refine_ns", "polish_ns"), 0)

        if bqm.num_variables <= self.max_subproblem_size and not len(initial):
            direct = (
                {"num_reads": num_reads}
                if num_reads is not None and "num_reads" in self.child.parameters
                else {}
            )
            sampleset, _ = cycles.call(bqm, **direct)
            timing["solve_ns"] = time.perf_counter_ns() - start
            info = {**cycles.info([bqm.num_variables], timing), **sampleset.info}
            return dimod.SampleSet(sampleset.record, sampleset.variables, info, sampleset.vartype)

        problem = ising_arrays(bqm, sparse=True)
        model = bqm if bqm.vartype is dimod.SPIN else bqm.spin
        finish = self._finisher(model, problem, polish, anneal_sweeps, rng, budget)
        states: list[np.ndarray | None] = [
            initial[r].astype(np.float64) if r < len(initial) else None for r in range(reads)
        ]
        levels: list[int] = [problem.num_variables]
        rounds = itertools.count() if cycles_per_read is None else range(cycles_per_read)
        for cycle in tqdm(rounds, disable=not progress, desc="V-cycles"):
            if cycle and budget():
                break
            for r in range(reads):
                if cycle and budget():
                    break
                guide = None if states[r] is None else [states[r]]
                if cycle and recombine and reads > 1:
                    energies = problem.energies(np.array([s for k, s in enumerate(states) if k != r]))
                    partner = [s for k, s in enumerate(states) if k != r][int(np.argmin(energies))]
                    if np.any(partner != states[r]):
                        guide.append(partner)
                states[r], levels = self._v_cycle(cycles, problem, states[r], guide, passes, timing)
                if finish is not None:
                    tick = time.perf_counter_ns()
                    states[r] = finish(states[r])
                    timing["polish_ns"] += time.perf_counter_ns() - tick
        spins = np.array(states, dtype=np.int8)
        samples = spins if bqm.vartype is dimod.SPIN else (spins + 1) // 2
        info = cycles.info(levels, timing)
        return dimod.SampleSet.from_samples_bqm((samples, list(bqm.variables)), bqm, info=info)

    @staticmethod
    def _finisher(
        model: dimod.BinaryQuadraticModel,
        problem: IsingArrays,
        polish: bool | str,
        sweeps: int,
        rng: np.random.Generator,
        budget: _Budget,
    ) -> Callable[[np.ndarray], np.ndarray] | None:
        """The classical finish of each V-cycle named by ``polish`` (``None`` for none).

        ``model`` is the input's SPIN form, whose variables are ``problem.variables``.
        """
        if polish is False:
            return None
        if polish is not True and polish not in ("descent", "anneal"):
            raise ValueError(f"polish must be True, False, 'descent' or 'anneal', got {polish!r}")
        sweeps = check_integer(sweeps, "anneal_sweeps", 1) if polish == "anneal" else 0
        default_range: list[tuple[float, float]] = []  # computed at the first anneal, then reused

        def finish(state: np.ndarray) -> np.ndarray:
            if polish == "anneal" and not budget():
                if not default_range:
                    default_range.append(default_beta_range(model))
                return anneal(
                    model, problem, state, sweeps, int(rng.integers(_SEED_BOUND)), default_range[0]
                )
            return descend(model, problem, state)

        return finish

    def _initial_states(self, bqm: dimod.BinaryQuadraticModel, initial_states: Any) -> np.ndarray:
        """The initial states as SPIN rows in ``bqm.variables`` order (``(0, n)`` when none are given)."""
        if initial_states is None:
            return np.zeros((0, bqm.num_variables), dtype=np.int8)
        parsed = self.parse_initial_states(
            bqm, initial_states=initial_states, initial_states_generator="none"
        ).initial_states
        spins = checked_samples(parsed, bqm).astype(np.int8)
        return spins if bqm.vartype is dimod.SPIN else 2 * spins - 1

    def _v_cycle(
        self,
        cycles: _VCycles,
        problem: IsingArrays,
        state: np.ndarray | None,
        guide: list[np.ndarray] | None,
        passes: int,
        timing: dict[str, int],
    ) -> tuple[np.ndarray, list[int]]:
        """One V-cycle from ``state`` (``None``: from scratch); every level contains the ``guide`` states.

        A given ``state`` seeds every level, so the result is never worse than it.
        """
        tick = time.perf_counter_ns()
        hierarchy = coarsen(
            problem,
            self.max_subproblem_size,
            ratio=self.coarsening_ratio,
            seed=cycles.rng,
            state=None if guide is None else np.array(guide),
            rank=self.relaxation_rank,
            iterations=self.relaxation_iterations,
            stop=cycles.budget,
            embedding=cycles.embedding,
        )
        if hierarchy.embedding is not None:  # each cycle continues the finest relaxation of the last
            cycles.embedding = hierarchy.embedding
        timing["coarsen_ns"] += (tock := time.perf_counter_ns()) - tick
        coarsest = hierarchy.problems[-1]
        if state is not None:
            coarse = state
            for membership in hierarchy.memberships:
                coarse = restrict(membership, coarse)
            coarse = cycles.refine(coarsest, coarse, passes)
        elif cycles.budget() or coarsest.num_variables > self.max_subproblem_size:
            coarse = cycles.rng.choice([-1.0, 1.0], size=coarsest.num_variables)
        else:
            coarse = cycles.solve(coarsest)
        timing["solve_ns"] += (tick := time.perf_counter_ns()) - tock
        for level in reversed(range(len(hierarchy.memberships))):
            coarse = cycles.refine(
                hierarchy.problems[level], project(hierarchy.memberships[level], coarse), passes
            )
        timing["refine_ns"] += time.perf_counter_ns() - tick
        return coarse, list(hierarchy.sizes)
