"""A Qiskit optimization algorithm or minimum eigensolver as a dimod sampler.

:class:`QiskitSampler` turns a BQM into a :class:`~qiskit_optimization.QuadraticProgram`
(:func:`solver_program`: :func:`~hiqlip_plugin.qiskit.convert.bqm_to_quadratic_program` of the normalised
model), solves it with a qiskit-optimization
algorithm, typically ``MinimumEigenOptimizer(QAOA(...))`` on a V2 sampler primitive, and returns the
solution samples of the result as a :class:`dimod.SampleSet` in the BQM's labels and vartype. Its
``properties['max_num_variables']`` tells capacity-aware composites such as
:class:`~hiqlip_plugin.HierarchicalComposite` how large a sub-problem it takes.

Examples:
    >>> import dimod
    >>> from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver
    >>> from hiqlip_plugin.qiskit.sampler import QiskitSampler
    >>> sampler = QiskitSampler(NumPyMinimumEigensolver())
    >>> sampler.properties["max_num_variables"]
    20
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> sampler.sample(bqm).first.sample == {"a": -1, "b": -1}
    True
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dimod
import numpy as np
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.algorithms import (
    MinimumEigenOptimizer,
    OptimizationAlgorithm,
    OptimizationResultStatus,
)
from qiskit_optimization.utils import algorithm_globals

from hiqlip_plugin.exceptions import SamplerOutputError, SolverFailedError
from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program

__all__ = ["QiskitSampler", "solver_program", "DEFAULT_MAX_NUM_VARIABLES", "GRID_BITS"]

DEFAULT_MAX_NUM_VARIABLES = 20
"""Capacity of a solver without a backend (statevector simulation or exact diagonalisation: ``2**n`` states)."""

_MAX_SEED = 2**32 - 1

GRID_BITS = 40
"""The solver sees biases rounded to multiples of ``2**-GRID_BITS`` after scaling (see :func:`solver_program`)."""


def solver_program(bqm: dimod.BinaryQuadraticModel) -> QuadraticProgram:
    """Return the program :class:`QiskitSampler` hands to its solver: ``bqm`` normalised on a dyadic grid.

    The SPIN form of ``bqm`` is scaled by a power of two so that its largest bias lies in ``[0.5, 1)``,
    rounded to multiples of ``2**-GRID_BITS`` and stripped of its offset, then converted by
    :func:`~hiqlip_plugin.qiskit.convert.bqm_to_quadratic_program`. On this grid the SPIN -> BINARY -> Ising
    arithmetic (of dimod, then of ``QuadraticProgram.to_ising``) is exact, so a zero field stays exactly zero
    instead of becoming a round-off residue such as ``-3e-18``: Qiskit 2.6 cannot hash a QAOA circuit whose
    rotation angle has a negative coefficient of magnitude below about ``1e-14`` (``OverflowError: can't
    convert negative int to unsigned``), which the clamped windows of
    :class:`~hiqlip_plugin.HierarchicalComposite` would otherwise trigger. Scaling by a positive constant
    keeps every minimiser; the rounding moves energies by at most ``2**-GRID_BITS`` of the largest bias
    per term.

    Args:
        bqm: Any BQM.

    Returns:
        A binary minimisation program with variable ``i`` standing for ``bqm.variables[i]``.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.qiskit.sampler import solver_program
        >>> from hiqlip_plugin.qiskit.convert import bqm_to_quadratic_program
        >>> bqm = dimod.BQM({"a": 0.0, "b": 0.1}, {("a", "b"): -0.3, ("b", "c"): 0.7, ("a", "c"): 0.11}, 0, "SPIN")
        >>> bqm_to_quadratic_program(bqm).to_ising()[0].paulis.to_labels()  # 'IIZ': a residue of a's zero field
        ['IIZ', 'IZI', 'IZZ', 'ZIZ', 'ZZI']
        >>> solver_program(bqm).to_ising()[0].paulis.to_labels()
        ['IZI', 'IZZ', 'ZIZ', 'ZZI']
    """
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    order = list(bqm.variables)
    linear, (rows, cols, values), _ = spin.to_numpy_vectors(variable_order=order)
    largest = max(np.abs(linear).max(initial=0.0), np.abs(values).max(initial=0.0))
    exponent = np.frexp(largest)[1] if largest > 0 else 0  # largest = m * 2**exponent, 0.5 <= m < 1

    def snap(biases: np.ndarray) -> np.ndarray:
        return np.round(np.ldexp(biases, GRID_BITS - exponent)) * 2.0**-GRID_BITS

    grid = dimod.BinaryQuadraticModel.from_numpy_vectors(
        snap(linear), (rows, cols, snap(values)), 0.0, dimod.SPIN, variable_order=order
    )
    return bqm_to_quadratic_program(grid)


def _as_optimizer(solver: Any) -> OptimizationAlgorithm:
    """The solver itself if it is an optimization algorithm, else a MinimumEigenOptimizer around it."""
    if isinstance(solver, OptimizationAlgorithm):
        return solver
    if callable(getattr(solver, "compute_minimum_eigenvalue", None)):
        return MinimumEigenOptimizer(solver)
    raise TypeError(
        "solver must be a qiskit_optimization OptimizationAlgorithm or a minimum eigensolver "
        f"(SamplingMinimumEigensolver, NumPyMinimumEigensolver), got {type(solver).__name__}"
    )


def _primitive(solver: Any) -> Any:
    """The sampler primitive behind a solver (``solver.min_eigen_solver.sampler``), or ``None``."""
    eigensolver = getattr(solver, "min_eigen_solver", solver)
    return getattr(eigensolver, "sampler", None)


def _backend_qubits(primitive: Any) -> int | None:
    """Number of qubits of the primitive's backend (``backend`` or Aer's ``_backend``), or ``None``."""
    backend = getattr(primitive, "backend", None) or getattr(primitive, "_backend", None)
    if callable(backend) and not hasattr(backend, "num_qubits"):  # qiskit-ibm-runtime samplers: a method
        backend = backend()
    if backend is None:
        return None
    qubits = getattr(backend, "num_qubits", None)
    if qubits is None and getattr(backend, "target", None) is not None:
        qubits = backend.target.num_qubits
    return int(qubits) if qubits else None


@contextmanager
def _seeded(primitive: Any, seed: int | None) -> Iterator[None]:
    """Seed qiskit-optimization's globals and, while solving, the primitive's simulator."""
    if seed is None:
        yield
        return
    algorithm_globals.random_seed = seed
    options = getattr(primitive, "options", None)
    if hasattr(options, "seed_simulator"):  # qiskit BackendSamplerV2
        target, attribute = options, "seed_simulator"
    elif hasattr(getattr(options, "simulator", None), "seed_simulator"):  # qiskit-ibm-runtime samplers
        target, attribute = options.simulator, "seed_simulator"
    elif hasattr(primitive, "_seed"):  # StatevectorSampler, qiskit-aer SamplerV2
        target, attribute = primitive, "_seed"
    else:
        yield
        return
    previous = getattr(target, attribute)
    setattr(target, attribute, seed)
    try:
        yield
    finally:
        setattr(target, attribute, previous)


def _check_count(name: str, value: Any, *, upper: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0 or (name == "num_reads" and value < 1) or (upper is not None and value > upper):
        bounds = f"between 0 and {upper}" if upper is not None else "at least 1"
        raise ValueError(f"{name} must be {bounds}, got {value}")


class QiskitSampler(dimod.Sampler):
    """A dimod sampler that solves each BQM with a Qiskit optimization algorithm.

    Args:
        solver: A :class:`~qiskit_optimization.algorithms.OptimizationAlgorithm` (e.g.
            ``MinimumEigenOptimizer(QAOA(...))``, ``RecursiveMinimumEigenOptimizer(...)``) or a minimum
            eigensolver (``QAOA``, ``SamplingVQE``, ``NumPyMinimumEigensolver``), which is wrapped in a
            :class:`~qiskit_optimization.algorithms.MinimumEigenOptimizer`.
        max_num_variables: Largest BQM accepted. By default the number of qubits of the solver's backend
            (``BackendSamplerV2(backend)``, qiskit-aer ``SamplerV2``), else
            :data:`DEFAULT_MAX_NUM_VARIABLES` (statevector simulation, exact diagonalisation).

    Raises:
        TypeError: If ``solver`` is neither an optimization algorithm nor a minimum eigensolver.
        ValueError: If ``max_num_variables`` is not a positive integer.

    Examples:
        >>> import dimod
        >>> from qiskit.primitives import StatevectorSampler
        >>> from qiskit_optimization.minimum_eigensolvers import QAOA
        >>> from qiskit_optimization.optimizers import COBYLA
        >>> from hiqlip_plugin.qiskit.sampler import QiskitSampler
        >>> qaoa = QAOA(StatevectorSampler(), COBYLA(maxiter=30))
        >>> sampler = QiskitSampler(qaoa, max_num_variables=6)
        >>> ss = sampler.sample_ising({0: 1.0, 1: 1.0}, {(0, 1): -1.0}, seed=1)
        >>> ss.first.sample == {0: -1, 1: -1}, float(ss.first.energy)
        (True, -3.0)
    """

    parameters: dict[str, list[str]] = None  # type: ignore[assignment]
    """Keyword arguments accepted by :meth:`sample`: ``num_reads`` and ``seed``."""

    properties: dict[str, Any] = None  # type: ignore[assignment]
    """``max_num_variables``: the largest BQM this sampler solves."""

    def __init__(self, solver: Any, *, max_num_variables: int | None = None) -> None:
        self.solver = solver
        self.optimizer = _as_optimizer(solver)
        self._primitive = _primitive(self.optimizer)
        if max_num_variables is None:
            max_num_variables = _backend_qubits(self._primitive) or DEFAULT_MAX_NUM_VARIABLES
        _check_count("max_num_variables", max_num_variables)
        if max_num_variables < 1:
            raise ValueError(f"max_num_variables must be at least 1, got {max_num_variables}")
        self.parameters = {"num_reads": [], "seed": []}
        self.properties = {"max_num_variables": int(max_num_variables)}

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        num_reads: int | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> dimod.SampleSet:
        """Solve ``bqm`` with the Qiskit solver.

        Args:
            bqm: The BQM (any vartype and labels) with at most ``properties['max_num_variables']``
                variables.
            num_reads: Keep the ``num_reads`` lowest-energy distinct solutions of the solver's answer (all
                of them by default; fewer if it found fewer). An empty BQM gives ``num_reads`` (default 1)
                empty rows.
            seed: Seed (0 .. 2**32 - 1) of ``qiskit_optimization.utils.algorithm_globals`` (QAOA's random
                initial point) and, during the call, of the primitive's simulator (``StatevectorSampler``,
                ``BackendSamplerV2``, qiskit-aer ``SamplerV2``): with a seed, answers from these simulators
                are reproducible; hardware is not. Setting it re-seeds the global generator.
            **kwargs: Unknown keywords are ignored with a :class:`dimod.exceptions.SamplerUnknownArgWarning`.

        Returns:
            A :class:`dimod.SampleSet` in the BQM's vartype and labels with energies from the BQM, a
            ``probability`` vector (the probability the solver gave each solution, e.g. the QAOA state's
            measurement frequency) and ``info['timing']`` in nanoseconds.

        Raises:
            ValueError: If the BQM has more variables than ``max_num_variables``, or for a bad
                ``num_reads``/``seed`` value (TypeError for a non-integer).
            SolverFailedError: If the solver returns no solution.
            SamplerOutputError: If the solver's solutions are not 0/1 vectors of the BQM's size.
        """
        self.remove_unknown_kwargs(**kwargs)
        if num_reads is not None:
            _check_count("num_reads", num_reads)
        if seed is not None:
            _check_count("seed", seed, upper=_MAX_SEED)
        capacity = self.properties["max_num_variables"]
        if bqm.num_variables > capacity:
            raise ValueError(
                f"the BQM has {bqm.num_variables} variables, more than this sampler's "
                f"max_num_variables={capacity}; decompose it, e.g. with HierarchicalComposite"
            )
        start = time.perf_counter_ns()
        program = solver_program(bqm)
        prepared = time.perf_counter_ns()
        if bqm.num_variables == 0:
            bits, probability = np.zeros((num_reads or 1, 0)), np.ones(num_reads or 1)
        else:
            bits, probability = self._solve(program, seed)
        solved = time.perf_counter_ns()
        values = (2 * bits - 1 if bqm.vartype is dimod.SPIN else bits).astype(np.int8)
        sampleset = dimod.SampleSet.from_samples_bqm(
            (values, list(bqm.variables)), bqm, probability=probability
        )
        sampleset.info["timing"] = {
            "preprocessing_ns": prepared - start,
            "sampling_ns": solved - prepared,
            "postprocessing_ns": time.perf_counter_ns() - solved,
        }
        if num_reads is not None and bqm.num_variables > 0:
            return sampleset.truncate(num_reads)
        return sampleset

    def _solve(self, program: QuadraticProgram, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Solve a non-empty program: its solutions as 0/1 rows and their probabilities."""
        with _seeded(self._primitive, seed):
            result = self.optimizer.solve(program)
        if result.x is None or result.status is OptimizationResultStatus.FAILURE:
            raise SolverFailedError(f"{type(self.optimizer).__name__} found no solution")
        bits = np.array([s.x for s in result.samples], dtype=np.float64)
        if bits.shape[1:] != (program.get_num_vars(),) or not np.all((bits == 0) | (bits == 1)):
            raise SamplerOutputError("the solver's solutions are not 0/1 vectors of the BQM's variables")
        return bits, np.array([s.probability for s in result.samples], dtype=np.float64)
