"""A simulated Coherent Ising Machine as a dimod sampler.

:class:`CIMSampler` is a thin dimod shell around the array kernels of :mod:`hiqlip_plugin.samplers.dynamics`:
it converts any BQM (SPIN or BINARY, any labels) to Ising arrays, runs ``num_reads`` replicas of the chosen
dynamics together (one matrix product per step for all of them), and returns each replica's best state with
energies recomputed by dimod in float64.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.samplers.cim import CIMSampler
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -1.0, ("b", "c"): 1.0}, 0.0, "SPIN")
    >>> sampleset = CIMSampler().sample(bqm, num_reads=8, num_steps=100, seed=1)
    >>> float(sampleset.first.energy)
    -3.0
    >>> {v: int(s) for v, s in sampleset.first.sample.items()}
    {'a': -1, 'b': -1, 'c': 1}
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import fields
from numbers import Integral, Real
from typing import Any

import dimod
import numpy as np
import numpy.typing as npt
from dimod.typing import SamplesLike

from hiqlip_plugin._validation import check_integer
from hiqlip_plugin.ising import ising_arrays
from hiqlip_plugin.samplers import native
from hiqlip_plugin.samplers.dynamics import ALGORITHMS, BACKENDS, resolve_backend, simulate

__all__ = [
    "CIMSampler",
    "DEFAULT_ALGORITHM",
    "DEFAULT_NUM_READS",
    "DEFAULT_STEPS_PER_VARIABLE",
    "DEFAULT_STEP_RANGE",
    "default_num_steps",
    "SPARSE_DENSITY",
]

DEFAULT_ALGORITHM = "dsb"
"""The algorithm used when ``algorithm`` is not given (the best of the four in ``docs/benchmarks/gset.md``)."""

DEFAULT_NUM_READS = 8
"""Replicas run when neither ``num_reads`` nor ``initial_states`` is given. Replicas are the CIM's parallelism
(they share every pass over the couplings), but the compiled kernels hold 8 of them in one vector register, so
beyond 8 a step costs about proportionally more (16: 1.85-2.1x, ``benchmarks/cim_tuning.py``), and a smaller
batch reaches its first good state sooner: the median time to the best-known cut at 8 replicas was
0.104 / 0.081 / 0.008 s on G1 / G43 / bqp250-1 against 0.184 / 0.164 / 0.014 s at 16 in the same run of
``benchmarks/gset.py`` (``docs/benchmarks/gset.md``)."""

DEFAULT_STEPS_PER_VARIABLE = 4
"""Without ``num_steps``, a run takes this many Euler steps per variable, within :data:`DEFAULT_STEP_RANGE`.

Longer pump ramps make each replica likelier to reach the optimum, and larger problems need longer ones: at 8
replicas the median time to the best-known cut was shortest near 800 steps on the 251-spin bqp250 instances and
near 3000 on the 800-spin G1 and the 1000-spin G43; the rule's 1004, 3200 and 4000 steps were within 1.3x of
those times (``benchmarks/cim_tuning.py``, ``docs/benchmarks/cim_tuning.md``)."""

DEFAULT_STEP_RANGE = (1000, 10_000)
"""Fewest and most Euler steps of the default :func:`default_num_steps`."""

SPARSE_DENSITY = 0.25
"""With the numpy kernels, couplings are stored sparse when at most this fraction of the pairs interact (CSR,
multiplied as CSC by :func:`~hiqlip_plugin.samplers.dynamics.simulate`): with one BLAS thread a sparse product
over 64 replicas measured faster than a dense one up to about 20 % density (and on G1, 6 %, 1.5-3.4x faster at
8-128 replicas). The compiled kernels always take CSR."""

_SEED_LIMIT = 2**32

_ALGORITHM_KEYWORDS = ("dt", "coupling_strength", "beta", "alpha", "pump_start", "error_cap", "ramp_fraction",
                       "momentum", "noise", "pump", "heat")


def default_num_steps(num_variables: int) -> int:
    """Return the Euler steps a run takes when ``num_steps`` is not given.

    :data:`DEFAULT_STEPS_PER_VARIABLE` per variable, clipped to :data:`DEFAULT_STEP_RANGE`.

    Args:
        num_variables: Variables of the BQM.

    Returns:
        The number of steps.

    Examples:
        >>> from hiqlip_plugin.samplers.cim import default_num_steps
        >>> default_num_steps(10), default_num_steps(800), default_num_steps(10**5)
        (1000, 3200, 10000)
    """
    low, high = DEFAULT_STEP_RANGE
    return int(min(high, max(low, DEFAULT_STEPS_PER_VARIABLE * num_variables)))


def _stop_rule(start: float, time_limit: float | None,
               interrupt_function: Callable[[], Any] | None) -> Callable[[], bool] | None:
    """One ``stop`` callback from a time limit (seconds after ``start``) and an interrupt callable."""
    if time_limit is None and interrupt_function is None:
        return None
    end = None if time_limit is None else start + time_limit

    def stop() -> bool:
        if end is not None and time.perf_counter() >= end:
            return True
        return interrupt_function is not None and bool(interrupt_function())

    return stop


def _check_seed(seed: Any) -> int:
    if seed is None:
        return int(np.random.default_rng().integers(_SEED_LIMIT))
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"'seed' should be None or an integer between 0 and 2**32 - 1, got {seed!r}")
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"'seed' should be an integer between 0 and 2**32 - 1, got {seed!r}")
    return int(seed)


def _check_time_limit(time_limit: Any) -> float | None:
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, Real):
        raise TypeError(f"'time_limit' should be None or a positive number of seconds, got {time_limit!r}")
    if not time_limit > 0:
        raise ValueError(f"'time_limit' should be a positive number of seconds, got {time_limit!r}")
    return float(time_limit)


def _check_dtype(dtype: npt.DTypeLike) -> np.dtype:
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"'dtype' should be numpy.float32 or numpy.float64, got {dtype!r}") from error
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"'dtype' should be numpy.float32 or numpy.float64, got {dtype!r}")
    return resolved


class CIMSampler(dimod.Sampler, dimod.Initialized):
    """A simulated Coherent Ising Machine (CAC, CFC, SimCIM or discrete simulated bifurcation).

    All replicas evolve together as the columns of one ``n x num_reads`` float32 matrix, one pass over the
    couplings per step (compiled kernels that hold the replicas of each spin in vector registers, or numpy /
    scipy products); each read is the best state its replica visited. See :mod:`hiqlip_plugin.samplers.dynamics` for
    the equations, the automatic spectral scaling (no hand tuning: couplings are normalised by the extreme
    eigenvalues of the coupling matrix and the Euler step is bounded by their ratio) and the treatment of
    linear biases (an auxiliary spin).

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.samplers.cim import CIMSampler
        >>> sampler = CIMSampler()
        >>> bqm = dimod.generators.ran_r(1, 12, seed=3)
        >>> sampleset = sampler.sample(bqm, num_reads=16, num_steps=300, seed=5)
        >>> bool(sampleset.first.energy == dimod.ExactSolver().sample(bqm).first.energy)
        True
        >>> sampleset.info["algorithm"], sampleset.info["num_steps"]
        ('dsb', 300)
    """

    parameters: dict[str, list[str]] = None  # type: ignore[assignment]
    """Keyword arguments accepted by :meth:`sample`, each with the properties it relates to.

    Examples:
        >>> from hiqlip_plugin.samplers.cim import CIMSampler
        >>> CIMSampler().parameters["algorithm"]
        ['algorithms']
    """

    properties: dict[str, Any] = None  # type: ignore[assignment]
    """Information about the sampler.

    * ``algorithms``: the names accepted by ``algorithm``.
    * ``backends``: the values accepted by ``backend``; ``native_instruction_set``: the vector instructions
      the compiled kernels use on this machine (``'avx512'``, ``'avx2'``, ``'baseline'``), None if they are
      not built.
    * ``default_algorithm``, ``default_num_reads``: what ``None`` means; ``default_steps_per_variable`` and
      ``default_step_range``: the rule of :func:`default_num_steps`.
    * ``algorithm_parameters``: for each algorithm, its keyword parameters and their defaults
      (``dt=None`` is the automatic, stability-bounded step).

    Examples:
        >>> from hiqlip_plugin.samplers.cim import CIMSampler
        >>> CIMSampler().properties["algorithm_parameters"]["dsb"]
        {'dt': None, 'coupling_strength': 1.25, 'heat': 0.0}
    """

    def __init__(self) -> None:
        self.parameters = {
            "num_reads": [],
            "num_steps": [],
            "algorithm": ["algorithms"],
            "seed": [],
            "time_limit": [],
            "interrupt_function": [],
            "initial_states": [],
            "initial_states_generator": [],
            "dtype": [],
            "backend": ["backends"],
            "polish": [],
            "progress": [],
            **{key: ["algorithm_parameters"] for key in _ALGORITHM_KEYWORDS},
        }
        self.properties = {
            "algorithms": tuple(ALGORITHMS),
            "backends": BACKENDS,
            "native_instruction_set": native.instruction_set(),
            "default_algorithm": DEFAULT_ALGORITHM,
            "default_num_reads": DEFAULT_NUM_READS,
            "default_steps_per_variable": DEFAULT_STEPS_PER_VARIABLE,
            "default_step_range": DEFAULT_STEP_RANGE,
            "algorithm_parameters": {
                name: {field.name: field.default for field in fields(cls)} for name, cls in ALGORITHMS.items()
            },
        }

    def _initial_spins(self, spin_bqm: dimod.BinaryQuadraticModel, initial_states: SamplesLike | None,
                       generator: str, num_reads: int | None, seed: int) -> tuple[list, np.ndarray]:
        """The variable order and the ``(num_reads, n)`` initial spins.

        Random starts without given states are drawn here (from a stream derived from ``seed``, apart from the
        one of the amplitudes): :meth:`dimod.Initialized.parse_initial_states` would also compute their
        energies (2.6 ms for 64 reads of G1, ``benchmarks/cim_tuning.py``). Everything else goes through it.
        """
        if initial_states is None and generator == "random":
            reads = check_integer(num_reads, "num_reads", 1)
            rng = np.random.default_rng((seed, 1))
            return list(spin_bqm.variables), rng.choice(np.array([-1, 1], dtype=np.int8),
                                                        size=(reads, spin_bqm.num_variables))
        parsed = self.parse_initial_states(spin_bqm, initial_states=initial_states,
                                           initial_states_generator=generator, num_reads=num_reads, seed=seed)
        return list(parsed.initial_states.variables), parsed.initial_states.record.sample

    def sample(
        self,
        bqm: dimod.BinaryQuadraticModel,
        num_reads: int | None = None,
        num_steps: int | None = None,
        algorithm: str = DEFAULT_ALGORITHM,
        seed: int | None = None,
        time_limit: float | None = None,
        interrupt_function: Callable[[], Any] | None = None,
        initial_states: SamplesLike | None = None,
        initial_states_generator: str = "random",
        dtype: npt.DTypeLike = np.float32,
        backend: str = "auto",
        polish: bool = False,
        progress: bool = False,
        dt: float | None = None,
        coupling_strength: float | None = None,
        beta: float | None = None,
        alpha: float | None = None,
        pump_start: float | None = None,
        error_cap: float | None = None,
        ramp_fraction: float | None = None,
        momentum: float | None = None,
        noise: float | None = None,
        pump: float | None = None,
        heat: float | None = None,
        **kwargs: Any,
    ) -> dimod.SampleSet:
        """Sample from a binary quadratic model.

        Args:
            bqm: Any dimod BQM (SPIN or BINARY; any hashable labels).
            num_reads: Number of replicas, each giving one read. Default: ``len(initial_states)`` if given,
                else :data:`DEFAULT_NUM_READS` (8; dimod samplers default to 1, but replicas share each pass
                over the couplings, so a CIM is run with several).
            num_steps: Euler steps (default :func:`default_num_steps`: 4 per variable, at least 1000 and at
                most 10,000); the pump schedules are stretched
                over them. At least 1 (no steps would return the unoptimised initial states).
            algorithm: ``"dsb"`` (discrete simulated bifurcation, the default), ``"cac"`` (chaotic amplitude
                control), ``"cfc"`` (chaotic feedback control) or ``"simcim"``.
            seed: Seed (0 to 2**32 - 1) of the initial states and of the noise; same seed, same result.
            time_limit: Seconds after the call starts at which the run stops (checked between steps: about
                every 10 ms with the compiled kernels, after every step with numpy; at least one step runs),
                returning the best states so far. ``info["stopped_early"]`` tells.
            interrupt_function: Callable with no arguments, called when ``time_limit`` is checked; a true
                return value stops the run like ``time_limit``.
            initial_states: Warm starts, one per replica (see :meth:`dimod.Initialized.parse_initial_states`);
                replica ``b`` starts at amplitudes ``s_b * u`` with small random magnitudes ``u`` (below
                0.1 for CAC/CFC, 0.001 for SimCIM/dSB), so the dynamics begin from the given signs, and the
                state counts as the replica's best at step 0 (the reads are never worse than the warm starts).
            initial_states_generator: ``"random"``, ``"tile"`` or ``"none"``: how to complete fewer initial
                states than ``num_reads``.
            dtype: ``numpy.float32`` (default, about twice as fast) or ``numpy.float64`` amplitudes (numpy
                backend only).
            backend: ``"auto"`` (default: the compiled kernels when built and ``dtype`` is float32, else
                numpy), ``"native"`` or ``"numpy"``. Same seed, same result for a given backend; the two sum
                in different orders, so their float32 trajectories part after a while.
            polish: Finish each read with a greedy one-flip steepest descent
                (:class:`dwave.samplers.SteepestDescentSolver`). Off by default, so that the reads show what the
                dynamics found; on G-set graphs it rarely changes the best read (the dynamics end in local
                minima), it only tidies up short runs. Its time counts in ``postprocessing_ns``.
            progress: Show a tqdm progress bar over the steps.
            dt: Euler step; default: the algorithm's step bounded for stability by the spectrum.
            coupling_strength: Feedback gain ``xi`` in units of the top eigenvalue of the normalised coupling.
            beta: Rate of the error variables (``"cac"``, ``"cfc"``).
            alpha: Target squared amplitude (``"cac"``) or squared feedback (``"cfc"``).
            pump_start: Initial pump of the ramp to 1 (``"cac"``, ``"cfc"``).
            error_cap: Upper bound of the error variables (``"cac"``, ``"cfc"``).
            ramp_fraction: Fraction of the steps over which pumps are ramped (``"cac"``, ``"cfc"``).
            momentum: Momentum (``"simcim"``).
            noise: Standard deviation of the noise per step (``"simcim"``).
            pump: Depth of the pump-loss ramp (``"simcim"``).
            heat: Heating coefficient (``"dsb"``; 0 is plain dSB).
            **kwargs: Unknown keywords are ignored with a :class:`dimod.exceptions.SamplerUnknownArgWarning`.

            Algorithm parameters left at ``None`` take the defaults listed in
            ``properties["algorithm_parameters"]``; giving one that the algorithm does not use is an error.

        Returns:
            One read per replica with dimod-computed energies, the per-read vector ``best_step`` (steps run
            when the replica first reached its read; 0 for its initial state) and ``info`` with ``timing``
            (``preprocessing_ns``, ``sampling_ns``, ``postprocessing_ns``), ``algorithm``, ``backend`` (the
            one that ran), ``parameters``
            (with the step used), ``num_steps`` (steps run), ``stopped_early``, ``polish`` and ``scaling``
            (``lambda_min``, ``lambda_max`` of the coupling matrix, ``coupling_scale``, ``ratio``, ``dt``,
            ``field_spin``).

        Raises:
            TypeError: For arguments of the wrong type (e.g. a float ``num_steps``).
            ValueError: For out-of-range arguments, an unknown algorithm or backend, ``backend="native"``
                with float64, or an algorithm parameter the algorithm does not use.
            RuntimeError: For ``backend="native"`` when the compiled kernels are not built.

        Examples:
            >>> import dimod
            >>> from hiqlip_plugin.samplers.cim import CIMSampler
            >>> bqm = dimod.BQM.from_qubo({(0, 0): -1.0, (1, 1): -1.0, (0, 1): 2.0})
            >>> sampleset = CIMSampler().sample(bqm, num_reads=4, algorithm="cac", num_steps=200, seed=0)
            >>> float(sampleset.first.energy), sampleset.vartype is dimod.BINARY
            (-1.0, True)
        """
        start = time.perf_counter()
        start_ns = time.perf_counter_ns()
        self.remove_unknown_kwargs(**kwargs)

        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}; choose one of {sorted(ALGORITHMS)}")
        steps = default_num_steps(bqm.num_variables) if num_steps is None else check_integer(num_steps, "num_steps", 1)
        if num_reads is None and initial_states is None:
            num_reads = DEFAULT_NUM_READS
        seed = _check_seed(seed)
        time_limit = _check_time_limit(time_limit)
        if interrupt_function is not None and not callable(interrupt_function):
            raise TypeError(f"'interrupt_function' should be callable, got {interrupt_function!r}")
        resolved_dtype = _check_dtype(dtype)
        resolved_backend = resolve_backend(backend, resolved_dtype)
        given = dict(dt=dt, coupling_strength=coupling_strength, beta=beta, alpha=alpha, pump_start=pump_start,
                     error_cap=error_cap, ramp_fraction=ramp_fraction, momentum=momentum, noise=noise,
                     pump=pump, heat=heat)
        dynamics_class = ALGORITHMS[algorithm]
        accepted = {field.name for field in fields(dynamics_class)}
        chosen = {key: value for key, value in given.items() if value is not None}
        unused = sorted(set(chosen) - accepted)
        if unused:
            raise ValueError(f"{unused} do not apply to algorithm {algorithm!r}, whose parameters are "
                             f"{sorted(accepted)}")
        dynamics = dynamics_class(**chosen)

        original_vartype = bqm.vartype
        spin_bqm = bqm.spin if original_vartype is dimod.BINARY else bqm
        variables, starts = self._initial_spins(spin_bqm, initial_states, initial_states_generator, num_reads,
                                                seed)
        density = spin_bqm.num_interactions / max(1.0, len(variables) * (len(variables) - 1) / 2)
        arrays = ising_arrays(spin_bqm, variable_order=variables, dtype=resolved_dtype,
                              sparse=resolved_backend == "native" or density <= SPARSE_DENSITY)

        sampling_start = time.perf_counter_ns()
        result = simulate(arrays.linear, arrays.coupling, starts, dynamics, steps, seed=seed,
                          stop=_stop_rule(start, time_limit, interrupt_function), dtype=resolved_dtype,
                          progress=progress, backend=resolved_backend)
        postprocessing_start = time.perf_counter_ns()

        spins = result.spins
        if polish and variables:
            from dwave.samplers import SteepestDescentSolver

            polished = SteepestDescentSolver().sample(spin_bqm, initial_states=(spins, variables))
            order = [polished.variables.index(v) for v in variables]
            spins = polished.record.sample[:, order]
        info = {
            "algorithm": algorithm,
            "backend": resolved_backend,
            "parameters": {**dynamics.parameters(), "dt": result.scaling.dt},
            "num_steps": result.num_steps,
            "stopped_early": result.stopped_early,
            "polish": bool(polish),
            "scaling": result.scaling.as_dict(),
        }
        sampleset = dimod.SampleSet.from_samples_bqm((spins, variables), spin_bqm, info=info,
                                                     best_step=result.best_step)
        sampleset.change_vartype(original_vartype, inplace=True)
        sampleset.info["timing"] = {
            "preprocessing_ns": sampling_start - start_ns,
            "sampling_ns": postprocessing_start - sampling_start,
            "postprocessing_ns": time.perf_counter_ns() - postprocessing_start,
        }
        return sampleset
