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
4. **Polish** (on by default): a one-flip steepest descent on the full model
   (:class:`dwave.samplers.SteepestDescentSolver`), so every returned sample is a local minimum. Pass
   ``polish=False`` to measure the child alone.

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

import time
from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp
from dwave.samplers import SteepestDescentSolver
from tqdm.auto import tqdm

from hiqlip_plugin._validation import check_integer
from hiqlip_plugin.composites.coarsening import clamp, coarsen, neighbourhood, project, restrict
from hiqlip_plugin.ising import IsingArrays, checked_samples, ising_arrays

__all__ = ["HierarchicalComposite", "CAPACITY_PROPERTIES", "DEFAULT_SUBPROBLEM_SIZE"]

CAPACITY_PROPERTIES = ("max_num_variables", "num_qubits")
"""Child properties read, in this order, as the child's capacity when ``max_subproblem_size`` is ``None``."""

DEFAULT_SUBPROBLEM_SIZE = 100
"""Capacity used when neither the argument nor the child's properties give one."""

_SEED_BOUND = 2**31 - 1
"""Child seeds are drawn below this bound (the range every dwave-samplers solver accepts)."""


def _capacity(child: dimod.Sampler, max_subproblem_size: int | None) -> int:
    if max_subproblem_size is None:
        advertised = [
            child.properties[key] for key in CAPACITY_PROPERTIES if key in child.properties
        ]
        max_subproblem_size = advertised[0] if advertised else DEFAULT_SUBPROBLEM_SIZE
    return check_integer(max_subproblem_size, "max_subproblem_size", 2)


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


class _VCycles:
    """State of one :meth:`HierarchicalComposite.sample` call: child, random stream, deadline, tallies."""

    def __init__(
        self,
        child: dimod.Sampler,
        capacity: int,
        rng: np.random.Generator,
        deadline: float | None,
        child_parameters: Mapping[str, Any],
        randomness: float,
    ) -> None:
        self.child = child
        self.capacity = capacity
        self.rng = rng
        self.deadline = deadline
        self.child_parameters = dict(child_parameters)
        self.randomness = randomness
        self.num_child_calls = 0
        self.max_child_variables = 0
        self.child_ns = 0
        self.time_limit_reached = False

    def expired(self) -> bool:
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.time_limit_reached = True
        return self.time_limit_reached

    def call(
        self, bqm: dimod.BinaryQuadraticModel, **parameters: Any
    ) -> tuple[dimod.SampleSet, np.ndarray]:
        """Hand ``bqm`` to the child; return its sampleset and checked samples (``bqm.variables`` order)."""
        if "seed" in self.child.parameters:
            parameters["seed"] = int(self.rng.integers(_SEED_BOUND))
        start = time.perf_counter_ns()
        sampleset = self.child.sample(bqm, **{**self.child_parameters, **parameters})
        samples = checked_samples(sampleset, bqm)
        self.child_ns += time.perf_counter_ns() - start
        self.num_child_calls += 1
        self.max_child_variables = max(self.max_child_variables, bqm.num_variables)
        return sampleset, samples

    def solve(self, problem: IsingArrays) -> np.ndarray:
        """The child's lowest-energy state of ``problem`` (energies recomputed here, in float64)."""
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
                if self.expired():
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
            "time_limit_reached": self.time_limit_reached,
            "timing": {**timing, "child_ns": self.child_ns},
        }


class HierarchicalComposite(dimod.ComposedSampler):
    """Multilevel composite: coarsen, solve the coarsest level with the child, refine window by window.

    The child never receives a BQM with more than :attr:`max_subproblem_size` variables; each returned
    sample is a full assignment of the input BQM (its labels and vartype) with the BQM's own energy. The
    algorithm is described in :mod:`hiqlip_plugin.composites.hierarchical`. Every sub-problem handed to the
    child is a SPIN BQM labelled by integers.

    Args:
        child: Any dimod sampler (e.g. :class:`~hiqlip_plugin.samplers.cim.CIMSampler`, a QPU sampler, a
            Qiskit adapter).
        max_subproblem_size: The child's capacity, at least 2. ``None`` reads the child's properties
            ``'max_num_variables'`` then ``'num_qubits'`` (see :data:`CAPACITY_PROPERTIES`), else
            :data:`DEFAULT_SUBPROBLEM_SIZE` (100).
        coarsening_ratio: Size of each level relative to the finer one, in ``[0.5, 1)`` (``0.5`` halves).
        randomness: Weight of the random jitter added to the flip gains when windows are chosen (``0``:
            pure gain order), relative to the mean absolute local field.
        relaxation_rank: Rank of the vector relaxation that weighs the matching
            (:func:`~hiqlip_plugin.composites.coarsening.relaxation`); ``0`` gives plain heavy-edge matching
            on ``|J|`` and coupling-row similarity.
        relaxation_iterations: Relaxation steps on the finest level (a fifth of them on coarser levels,
            started from the aggregated vectors).

    Raises:
        ValueError: If ``max_subproblem_size < 2`` or another argument is out of range.
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
    """Keyword arguments of :meth:`sample`: the child's, plus ``num_reads``, ``seed``,
    ``refinement_passes``, ``cycles_per_read``, ``polish``, ``time_limit``, ``progress`` and
    ``child_num_reads``."""

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
        self.coarsening_ratio = float(coarsening_ratio)
        self.randomness = float(randomness)
        self.parameters = child.parameters.copy()
        self.parameters.update(
            num_reads=[],
            seed=[],
            refinement_passes=[],
            cycles_per_read=[],
            polish=[],
            time_limit=[],
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
        refinement_passes: int = 4,
        cycles_per_read: int = 1,
        polish: bool = True,
        time_limit: float | None = None,
        progress: bool = False,
        child_num_reads: int | None = None,
        **child_parameters: Any,
    ) -> dimod.SampleSet:
        """Sample a BQM of any size with independent multilevel V-cycles.

        A BQM that already fits (``num_variables <= max_subproblem_size``, the empty one included) goes to
        the child unchanged, with ``num_reads`` (when given and accepted by the child; it overrides
        ``child_num_reads``), a derived ``seed`` and the child parameters; the child's samples are returned
        with this composite's ``info``.

        Args:
            bqm: The model, SPIN or BINARY, any labels.
            num_reads: Number of V-cycles (each with its own random matching); one full sample per cycle.
                Defaults to 1.
            seed: Seed of the composite's generator; every random choice and every child seed (passed as
                ``seed=`` when the child accepts one) derives from it, so a seed repeats the result with a
                deterministic child.
            refinement_passes: Largest number of window passes per level (each covers every spin once).
            cycles_per_read: V-cycles per read: the first starts from scratch, each further one coarsens
                around the read's current state (only pairs it satisfies are merged, so the coarse levels
                contain it and move whole clusters) and can only lower its energy.
            polish: Finish each sample with a one-flip steepest descent on the full model.
            time_limit: Wall-clock budget in seconds, checked before each refinement window; once spent,
                the remaining windows and further ``cycles_per_read`` are skipped, but every read still
                runs its first V-cycle's coarsening, coarsest solve and projections (so ``num_reads``
                samples are always returned).
            progress: Show a tqdm bar over the V-cycles.
            child_num_reads: ``num_reads`` of each child call (the child's default when ``None``).
            **child_parameters: Forwarded to every child call. The composite's own keywords shadow child
                parameters of the same name (a child's ``polish`` or ``time_limit`` cannot be set).

        Returns:
            A :class:`dimod.SampleSet` over the BQM's variables with its energies. ``info`` holds
            ``'levels'`` (sizes of the hierarchy, finest first), ``'num_child_calls'``,
            ``'max_child_variables'`` (the largest BQM the child received), ``'time_limit_reached'`` and
            ``'timing'``: ``coarsen_ns``, ``solve_ns`` (coarsest levels), ``refine_ns``, ``polish_ns``
            and ``child_ns`` (time inside the child, within solve and refine).

        Raises:
            TypeError: If ``num_reads``, ``refinement_passes``, ``cycles_per_read`` or ``child_num_reads`` is
                not an int.
            ValueError: If one of them is out of range, ``time_limit`` is not positive, or
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
        """
        start = time.perf_counter_ns()
        child_parameters = self.remove_unknown_kwargs(**child_parameters)
        reads = 1 if num_reads is None else check_integer(num_reads, "num_reads", 1)
        passes = check_integer(refinement_passes, "refinement_passes", 0)
        cycles_per_read = check_integer(cycles_per_read, "cycles_per_read", 1)
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
        if child_num_reads is not None:
            check_integer(child_num_reads, "child_num_reads", 1)
            if "num_reads" not in self.child.parameters:
                raise ValueError(
                    "child_num_reads is given but the child has no num_reads parameter"
                )
            child_parameters["num_reads"] = child_num_reads
        rng = np.random.default_rng(seed)
        deadline = None if time_limit is None else time.perf_counter() + float(time_limit)
        cycles = _VCycles(
            self.child, self.max_subproblem_size, rng, deadline, child_parameters, self.randomness
        )
        timing = dict.fromkeys(("coarsen_ns", "solve_ns", "refine_ns", "polish_ns"), 0)

        if bqm.num_variables <= self.max_subproblem_size:
            direct = (
                {"num_reads": num_reads}
                if num_reads is not None and "num_reads" in self.child.parameters
                else {}
            )
            sampleset, _ = cycles.call(bqm, **direct)
            timing["solve_ns"] = time.perf_counter_ns() - start
            sampleset = sampleset.copy()
            sampleset.info.clear()
            sampleset.info.update(cycles.info([bqm.num_variables], timing))
            return sampleset

        problem = ising_arrays(bqm, sparse=True)
        states = []
        levels: list[int] = []
        for _ in tqdm(range(reads), disable=not progress, desc="V-cycles"):
            state = None
            for _ in range(cycles_per_read):
                if state is not None and cycles.expired():
                    break
                state, levels = self._v_cycle(cycles, problem, state, passes, timing)
            states.append(state)
        spins = np.array(states, dtype=np.int8)
        samples = spins if bqm.vartype is dimod.SPIN else (spins + 1) // 2
        if polish:
            tick = time.perf_counter_ns()
            polished = SteepestDescentSolver().sample(
                bqm, initial_states=(samples, problem.variables)
            )
            samples = checked_samples(polished, bqm)
            timing["polish_ns"] = time.perf_counter_ns() - tick
        info = cycles.info(levels, timing)
        return dimod.SampleSet.from_samples_bqm((samples, list(bqm.variables)), bqm, info=info)

    def _v_cycle(
        self,
        cycles: _VCycles,
        problem: IsingArrays,
        state: np.ndarray | None,
        passes: int,
        timing: dict[str, int],
    ) -> tuple[np.ndarray, list[int]]:
        """One V-cycle; a given ``state`` guides the coarsening and seeds every level (never gets worse)."""
        tick = time.perf_counter_ns()
        hierarchy = coarsen(
            problem,
            self.max_subproblem_size,
            ratio=self.coarsening_ratio,
            seed=cycles.rng,
            state=state,
            rank=self.relaxation_rank,
            iterations=self.relaxation_iterations,
        )
        timing["coarsen_ns"] += (tock := time.perf_counter_ns()) - tick
        if state is None:
            coarse = cycles.solve(hierarchy.problems[-1])
        else:
            for membership in hierarchy.memberships:
                state = restrict(membership, state)
            coarse = cycles.refine(hierarchy.problems[-1], state, passes)
        timing["solve_ns"] += (tick := time.perf_counter_ns()) - tock
        for level in reversed(range(len(hierarchy.memberships))):
            coarse = cycles.refine(
                hierarchy.problems[level], project(hierarchy.memberships[level], coarse), passes
            )
        timing["refine_ns"] += time.perf_counter_ns() - tick
        return coarse, list(hierarchy.sizes)
