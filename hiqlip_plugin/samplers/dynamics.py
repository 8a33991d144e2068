"""Pure array kernels of the simulated Coherent Ising Machine: CAC, CFC, SimCIM and discrete simulated bifurcation.

Every kernel minimises the SPIN energy of :mod:`hiqlip_plugin.ising`,

.. math::

    E(s) = h^T s + \\tfrac12 s^T S s, \\qquad s \\in \\{-1, +1\\}^n,

by integrating the amplitudes ``x`` of ``B`` replicas at once, stored as the columns of one ``n x B`` float
matrix, so that each step costs one pass over the couplings for all replicas. Two backends integrate the
same equations: the compiled kernels of :mod:`hiqlip_plugin.samplers.native` (float32, the default when
built) and the numpy ones of this module (one matrix product per step, dense BLAS or CSC through
:mod:`scipy.sparse`; float32 or float64). :func:`simulate` runs the whole pipeline:

1. **Field spin.** Non-zero fields ``h`` become couplings ``S[i, a] = h_i`` to one auxiliary spin ``a``
   (:func:`with_field_spin`); every read-out is multiplied by ``a``. The dynamics stay homogeneous (no bias
   toward the sign the fields favour while the amplitudes are small) and the spectral scaling below covers the
   fields too. This is what simulated bifurcation does.
2. **Scaling.** The packages' convention ``J = -c S`` (feedback ``+J x`` lowers the energy) needs a scale
   ``c`` (:meth:`Dynamics.coupling_scale`). The amplitude dynamics normalise by the top of the spectrum,
   ``c = 1 / |lambda_min(S)|``, so the spectrum of ``J`` is ``[-r, 1]`` with
   ``r = lambda_max(S) / |lambda_min(S)|`` (:func:`spectral_range`, a few Lanczos iterations). Discrete
   simulated bifurcation uses Goto's ``c0 = 0.5 sqrt(n - 1) / ||S||_F``, which measures the typical local
   field rather than one extreme mode: on G-set graphs the two agree within a few per cent, but where one
   hub dominates the spectrum (the fields of a QUBO carried by the field spin, as in the OR-Library bqp
   instances) the spectral scale under-drives every other coupling by a factor of about 5.
3. **Stable step.** Each algorithm bounds its default Euler step by ``r = c lambda_max(S)``, the magnitude
   of the most negative eigenvalue of ``J`` (:meth:`Dynamics.time_step`): too large a step makes that mode
   oscillate and collapses all-positive graphs to a trivial cut.
4. **Best states.** Only the best ``sign(x)`` of each replica and the step at which it was found are kept
   (never trajectories). The energy of ``sign(x)`` needs ``J sign(x)``: discrete simulated bifurcation
   computes it anyway; the numpy amplitude dynamics recompute it for the replicas whose signs changed. The
   compiled kernels keep ``J sign(x)`` from step to step for every algorithm, adding ``J`` times the change
   of the spins that flipped when that is cheaper than a product (late in a run few flip).

Examples:
    >>> import itertools
    >>> import numpy as np
    >>> from hiqlip_plugin.samplers.dynamics import DSB, simulate
    >>> rng = np.random.default_rng(0)
    >>> upper = np.triu(rng.normal(size=(10, 10)), 1)
    >>> coupling = upper + upper.T                                      # an SK spin glass
    >>> def energy(s):
    ...     return 0.5 * np.einsum("bi,ij,bj->b", s, coupling, s)
    >>> ground = energy(np.array(list(itertools.product([-1, 1], repeat=10)))).min()
    >>> result = simulate(np.zeros(10), coupling, rng.choice([-1, 1], size=(8, 10)), DSB(), 300, seed=0)
    >>> result.spins.shape, bool(np.isclose(energy(result.spins).min(), ground))
    ((8, 10), True)
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla
import scipy.sparse as sp

from hiqlip_plugin.samplers import native
from hiqlip_plugin.samplers.native import NativeMachine

__all__ = [
    "Dynamics",
    "CAC",
    "CFC",
    "SimCIM",
    "DSB",
    "ALGORITHMS",
    "Scaling",
    "DynamicsResult",
    "spectral_range",
    "with_field_spin",
    "BACKENDS",
    "resolve_backend",
    "simulate",
    "ROUNDING",
]

Matrix = np.ndarray | sp.csr_array | sp.csc_array
"""A symmetric coupling matrix: dense array, CSR or CSC (the same operator, as it is symmetric)."""

Trajectory = Iterator[tuple[np.ndarray, np.ndarray | None]]
"""What :meth:`Dynamics.trajectory` yields after each step: the signs ``sign(x)`` (``n x B`` floats) and, when
the step computed it anyway, ``J @ sign(x)`` (else ``None``)."""

_DENSE_EIGEN_LIMIT = 64
"""Spectra of matrices up to this size are computed densely (exact, and faster than Lanczos there)."""

_LANCZOS_STEPS = 24
"""Most Lanczos steps of :func:`spectral_range` for larger matrices."""

_LANCZOS_CHECK = 4
""":func:`spectral_range` stops early when both extreme Ritz values moved by less than 1e-4 (relative) over
this many steps."""

BACKENDS = ("auto", "native", "numpy")
"""Kernels :func:`simulate` can run: the compiled ones of :mod:`hiqlip_plugin.samplers.native` (float32), the
numpy/scipy ones of this module (float32 or float64), or ``"auto"``: native when built and float32."""

ROUNDING = 1e-5
"""A replica's best state is replaced only by an energy lower by more than ``ROUNDING * sum_i |s_i (J s)_i|``
(the same rule, and value, as ``ROUNDING`` in the compiled kernels ``_kernels.c``)."""

_CHUNK_SECONDS = 0.01
"""With a ``stop`` rule or a progress bar, compiled steps run in chunks of about this many seconds."""

_NOISE_CHUNK_VALUES = 1 << 22
"""At most this many noise values (16 MiB) are drawn at once for compiled SimCIM steps."""


class Dynamics(ABC):
    """One CIM-type algorithm: its parameters, its stable step and its Euler integrator.

    Subclasses are frozen dataclasses; their fields are the algorithm's parameters with documented defaults.
    ``dt=None`` means "the default step, bounded for stability by the spectrum" (:meth:`time_step`).
    """

    name: ClassVar[str]
    initial_amplitude: ClassVar[float]
    """Amplitudes start at ``s0 * u`` for initial spins ``s0``, ``u`` uniform in ``[0, initial_amplitude)``."""
    initial_auxiliary: ClassVar[float] = 0.0
    """Initial value of the auxiliary variables (error variables, momenta) of every spin."""

    dt: float | None

    _positive: ClassVar[frozenset[str]] = frozenset({"dt", "coupling_strength"})
    _non_negative: ClassVar[frozenset[str]] = frozenset()
    _fractions: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def time_step(self, ratio: float) -> float:
        """Return the Euler step for a coupling matrix ``J`` whose most negative eigenvalue is ``-ratio``."""

    def coupling_scale(self, coupling: Matrix, spectrum: tuple[float, float]) -> float:
        """Return ``c`` of ``J = -c S``: by default ``1 / |lambda_min(S)|``, so that the top of ``J`` is 1.

        Args:
            coupling: The symmetric matrix ``S`` (with the field spin, if any).
            spectrum: ``(lambda_min, lambda_max)`` of ``S``.

        Returns:
            The scale; 1 when ``S`` has no negative eigenvalue (no couplings).

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin.samplers.dynamics import CAC
            >>> CAC().coupling_scale(np.array([[0.0, 2.0], [2.0, 0.0]]), (-2.0, 2.0))
            0.5
        """
        low = spectrum[0]
        return 1.0 / -low if low < 0 else 1.0

    @abstractmethod
    def schedule(self, num_steps: int) -> np.ndarray:
        """Return the per-step control values (pumps, targets) as rows of a ``(k, num_steps)`` array."""

    @abstractmethod
    def native_steps(self, machine: NativeMachine, schedule: np.ndarray, first_step: int, dt: float,
                     rng: np.random.Generator) -> None:
        """Run the steps of the columns of ``schedule`` (a slice of :meth:`schedule`) with the compiled kernels.

        Args:
            machine: The replicas' state (its auxiliary variables set to :attr:`initial_auxiliary` before the
                first step).
            schedule: Control values of the steps to run, one column per step.
            first_step: Number of the first of them (steps count from 1).
            dt: Euler step.
            rng: Source of the noise, for the stochastic algorithms.
        """

    @abstractmethod
    def trajectory(self, coupling: Matrix, x: np.ndarray, num_steps: int, dt: float,
                   rng: np.random.Generator) -> Trajectory:
        """Integrate ``num_steps`` steps from amplitudes ``x`` (``n x B``, updated in place).

        Args:
            coupling: The normalised package matrix ``J`` (spectrum ``[-r, 1]``).
            x: Initial amplitudes, one replica per column; modified in place.
            num_steps: Number of Euler steps (schedules are stretched over it).
            dt: Euler step.
            rng: Source of the noise, for the stochastic algorithms.

        Yields:
            After each step, the signs of the amplitudes and ``J @ signs`` if the step computed it, else None.
        """

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{self.name} parameter {key!r} must be a number, got {value!r}")
            if not np.isfinite(value):
                raise ValueError(f"{self.name} parameter {key!r} must be finite, got {value!r}")
            if key in self._positive and value <= 0:
                raise ValueError(f"{self.name} parameter {key!r} must be positive, got {value!r}")
            if key in self._non_negative and value < 0:
                raise ValueError(f"{self.name} parameter {key!r} must be non-negative, got {value!r}")
            if key in self._fractions and not 0 < value <= 1:
                raise ValueError(f"{self.name} parameter {key!r} must be in (0, 1], got {value!r}")

    def parameters(self) -> dict[str, Any]:
        """Return the parameters as a dict (``dt`` as given, ``None`` for automatic).

        Examples:
            >>> from hiqlip_plugin.samplers.dynamics import DSB
            >>> DSB(coupling_strength=0.8).parameters()["coupling_strength"]
            0.8
        """
        return asdict(self)


def _ramp(start: float, stop: float, num_steps: int, fraction: float) -> np.ndarray:
    """Linear ramp from ``start`` to ``stop`` over ``fraction`` of the steps, then constant."""
    ramp_steps = int(fraction * num_steps)
    return np.concatenate([np.linspace(start, stop, ramp_steps), np.full(num_steps - ramp_steps, stop)])


class _Signs:
    """``sign(x)`` with zeros read as +1 (never 0), into a reused buffer."""

    def __init__(self, x: np.ndarray) -> None:
        self.out = np.empty_like(x)
        self.mask = np.empty(x.shape, dtype=bool)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        np.greater_equal(x, 0.0, out=self.mask)
        np.copyto(self.out, self.mask)
        self.out *= 2.0
        self.out -= 1.0
        return self.out


@dataclass(frozen=True)
class CAC(Dynamics):
    """Chaotic amplitude control (Leleu et al. 2019, 2021), in the form of mindquantum's ``CAC``.

    .. math::

        \\dot x = -x^3 + (p - 1) x + \\xi e (J x), \\qquad
        \\dot e = -\\beta e (x^2 - \\alpha), \\qquad |x| \\le 1.5 \\sqrt{\\alpha},

    with the pump ``p`` ramped from ``pump_start`` to 1 and the target amplitude ``alpha`` from 1 to
    ``alpha`` over the first ``ramp_fraction`` of the steps; the error variables ``e`` start at 1 and are
    capped at ``error_cap``.

    Args:
        dt: Euler step; default ``min(0.075, 1.9 / (3 x_max^2 + xi r))`` with ``x_max^2 = 2.25 alpha``: the
            forward-Euler guard ``dt |(p - 1) - 3 x^2 + xi e lambda| < 2`` at ``e = 1`` for the most negative
            eigenvalue ``lambda = -r`` of ``J``.
        coupling_strength: ``xi``, the feedback gain in units of the top eigenvalue of ``J``.
        beta: Rate of the error variables.
        alpha: Final target squared amplitude.
        pump_start: Initial pump (1 is the bifurcation point of an uncoupled amplitude).
        error_cap: Upper bound of the error variables (keeps the Euler step stable).
        ramp_fraction: Fraction of the steps over which ``p`` and ``alpha`` are ramped.

    Examples:
        >>> from hiqlip_plugin.samplers.dynamics import CAC
        >>> CAC().time_step(ratio=1.0), round(CAC().time_step(ratio=3.7), 4)
        (0.075, 0.0606)
    """

    name: ClassVar[str] = "cac"
    initial_amplitude: ClassVar[float] = 0.1
    initial_auxiliary: ClassVar[float] = 1.0
    dt: float | None = None
    coupling_strength: float = 3.0
    beta: float = 0.3
    alpha: float = 3.0
    pump_start: float = -0.5
    error_cap: float = 30.0
    ramp_fraction: float = 0.9

    _positive: ClassVar[frozenset[str]] = frozenset({"dt", "coupling_strength", "beta", "alpha", "error_cap"})
    _fractions: ClassVar[frozenset[str]] = frozenset({"ramp_fraction"})

    def time_step(self, ratio: float) -> float:
        if self.dt is not None:
            return float(self.dt)
        return min(0.075, 1.9 / (3.0 * 2.25 * self.alpha + self.coupling_strength * ratio))

    def schedule(self, num_steps: int) -> np.ndarray:
        """Rows: the pump ``p`` and the target squared amplitude ``alpha`` of each step."""
        return np.stack([_ramp(self.pump_start, 1.0, num_steps, self.ramp_fraction),
                         _ramp(1.0, self.alpha, num_steps, self.ramp_fraction)])

    def native_steps(self, machine: NativeMachine, schedule: np.ndarray, first_step: int, dt: float,
                     rng: np.random.Generator) -> None:
        machine.amplitude("cac", schedule[0], first_step, (dt, self.coupling_strength, self.beta, self.alpha,
                                                            self.error_cap, 0.0, 0.0), target=schedule[1])

    def trajectory(self, coupling: Matrix, x: np.ndarray, num_steps: int, dt: float,
                   rng: np.random.Generator) -> Trajectory:
        pump, target = self.schedule(num_steps)
        error = np.full_like(x, self.initial_auxiliary)
        work = np.empty_like(x)
        signs = _Signs(x)
        for p, a in zip(pump, target, strict=True):
            feedback = coupling @ x
            feedback *= error
            feedback *= self.coupling_strength
            np.multiply(x, x, out=work)
            np.subtract(p - 1.0, work, out=work)
            work *= x
            work += feedback
            work *= dt
            x += work
            np.multiply(x, x, out=work)
            work -= a
            work *= -dt * self.beta
            work += 1.0
            error *= work
            np.minimum(error, self.error_cap, out=error)
            limit = 1.5 * np.sqrt(a)
            np.clip(x, -limit, limit, out=x)
            yield signs(x), None


@dataclass(frozen=True)
class CFC(Dynamics):
    """Chaotic feedback control (mindquantum's ``CFC``): the error variables regulate the feedback.

    .. math::

        z = \\xi e (J x), \\qquad \\dot x = -x^3 + (p - 1) x + z, \\qquad
        \\dot e = -\\beta e (z^2 - \\alpha), \\qquad |x| \\le 1.5,\\; e \\ge 0.01,

    with ``p`` ramped from ``pump_start`` to 1 over the first ``ramp_fraction`` of the steps.

    Args:
        dt: Euler step; default ``min(0.1, 1.9 / (3 * 1.5^2 + xi r))`` (the guard of :class:`CAC`).
        coupling_strength: ``xi`` in units of the top eigenvalue of ``J``.
        beta: Rate of the error variables.
        alpha: Target squared feedback.
        pump_start: Initial pump.
        error_cap: Upper bound of the error variables.
        ramp_fraction: Fraction of the steps over which ``p`` is ramped.

    Examples:
        >>> from hiqlip_plugin.samplers.dynamics import CFC
        >>> CFC(beta=0.2).beta
        0.2
    """

    name: ClassVar[str] = "cfc"
    initial_amplitude: ClassVar[float] = 0.1
    initial_auxiliary: ClassVar[float] = 1.0
    dt: float | None = None
    coupling_strength: float = 3.0
    beta: float = 0.15
    alpha: float = 1.0
    pump_start: float = -1.0
    error_cap: float = 30.0
    ramp_fraction: float = 0.9

    _positive: ClassVar[frozenset[str]] = frozenset({"dt", "coupling_strength", "beta", "alpha", "error_cap"})
    _fractions: ClassVar[frozenset[str]] = frozenset({"ramp_fraction"})

    def time_step(self, ratio: float) -> float:
        if self.dt is not None:
            return float(self.dt)
        return min(0.1, 1.9 / (3.0 * 2.25 + self.coupling_strength * ratio))

    def schedule(self, num_steps: int) -> np.ndarray:
        """One row: the pump ``p`` of each step."""
        return _ramp(self.pump_start, 1.0, num_steps, self.ramp_fraction)[None, :]

    def native_steps(self, machine: NativeMachine, schedule: np.ndarray, first_step: int, dt: float,
                     rng: np.random.Generator) -> None:
        machine.amplitude("cfc", schedule[0], first_step, (dt, self.coupling_strength, self.beta, self.alpha,
                                                            self.error_cap, 0.0, 0.0))

    def trajectory(self, coupling: Matrix, x: np.ndarray, num_steps: int, dt: float,
                   rng: np.random.Generator) -> Trajectory:
        (pump,) = self.schedule(num_steps)
        error = np.full_like(x, self.initial_auxiliary)
        work = np.empty_like(x)
        signs = _Signs(x)
        for p in pump:
            feedback = coupling @ x
            feedback *= error
            feedback *= self.coupling_strength
            np.multiply(x, x, out=work)
            np.subtract(p - 1.0, work, out=work)
            work *= x
            work += feedback
            work *= dt
            x += work
            np.clip(x, -1.5, 1.5, out=x)
            np.multiply(feedback, feedback, out=work)
            work -= self.alpha
            work *= -dt * self.beta
            work += 1.0
            error *= work
            np.clip(error, 0.01, self.error_cap, out=error)
            yield signs(x), None


@dataclass(frozen=True)
class SimCIM(Dynamics):
    """SimCIM (Tiunov, Ulanov, Lvovsky 2019), in the form of mindquantum's ``SimCIM``.

    .. math::

        g = p_t x + \\xi J x + \\sigma \\mathcal N(0, 1), \\qquad
        \\Delta \\leftarrow \\mu \\Delta + (1 - \\mu) g, \\qquad
        x \\leftarrow x + \\Delta \\text{ where } |x + \\Delta| < 1,

    with ``p_t = pump * (tanh(linspace(-3, 3)) - 1)``. Gradient-like updates with momentum: ``dt`` scales the
    coupling and the noise relative to the pump.

    Args:
        dt: Step; default ``min(1, 1.9 * (1 + momentum) / ((1 - momentum) * (2 pump + xi * r)))``.
        coupling_strength: ``xi`` in units of the top eigenvalue of ``J``.
        momentum: ``mu``.
        noise: ``sigma``, standard deviation of the Gaussian noise per step.
        pump: ``pt``, depth of the pump-loss ramp.

    Examples:
        >>> from hiqlip_plugin.samplers.dynamics import SimCIM
        >>> SimCIM().time_step(ratio=1.0)
        1.0
    """

    name: ClassVar[str] = "simcim"
    initial_amplitude: ClassVar[float] = 1e-3
    dt: float | None = None
    coupling_strength: float = 2.0
    momentum: float = 0.9
    noise: float = 0.03
    pump: float = 6.5

    _non_negative: ClassVar[frozenset[str]] = frozenset({"noise", "pump"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"simcim parameter 'momentum' must be in [0, 1), got {self.momentum!r}")

    def time_step(self, ratio: float) -> float:
        if self.dt is not None:
            return float(self.dt)
        heavy_ball_limit = 2.0 * (1.0 + self.momentum) / (1.0 - self.momentum)
        return min(1.0, 0.95 * heavy_ball_limit / (2.0 * self.pump + self.coupling_strength * ratio))

    def schedule(self, num_steps: int) -> np.ndarray:
        """One row: the pump-loss term ``p_t`` of each step."""
        return ((np.tanh(np.linspace(-3.0, 3.0, num_steps)) - 1.0) * self.pump)[None, :]

    def native_steps(self, machine: NativeMachine, schedule: np.ndarray, first_step: int, dt: float,
                     rng: np.random.Generator) -> None:
        parameters = (dt, self.coupling_strength, 0.0, 0.0, 0.0, self.momentum, self.noise)
        per_call = max(1, _NOISE_CHUNK_VALUES // max(1, machine.n * machine.width))
        for start in range(0, schedule.shape[1], per_call):       # bounded noise buffers
            pump = schedule[0, start:start + per_call]
            noise = rng.standard_normal((len(pump), machine.n, machine.width), dtype=np.float32)
            machine.amplitude("simcim", pump, first_step + start, parameters, noise=noise)

    def trajectory(self, coupling: Matrix, x: np.ndarray, num_steps: int, dt: float,
                   rng: np.random.Generator) -> Trajectory:
        (pump,) = self.schedule(num_steps)
        velocity = np.full_like(x, self.initial_auxiliary)
        work = np.empty_like(x)
        inside = np.empty(x.shape, dtype=bool)
        signs = _Signs(x)
        for p in pump:
            force = coupling @ x
            force *= dt * self.coupling_strength
            np.multiply(x, p * dt, out=work)
            force += work
            rng.standard_normal(out=work, dtype=work.dtype)
            work *= dt * self.noise
            force += work
            velocity *= self.momentum
            force *= 1.0 - self.momentum
            velocity += force
            np.add(x, velocity, out=work)
            np.abs(work, out=work)
            np.less(work, 1.0, out=inside)
            np.multiply(velocity, inside, out=work)
            x += work
            yield signs(x), None


@dataclass(frozen=True)
class DSB(Dynamics):
    """Discrete simulated bifurcation (Goto et al., Sci. Adv. 7, eabe7953 (2021)), symplectic Euler.

    .. math::

        y \\mathrel{+}= -\\Delta t\\,(1 - a_t)\\, x, \\qquad x \\mathrel{+}= \\Delta t\\, y, \\qquad
        y \\mathrel{+}= \\Delta t\\, \\xi\\, J \\operatorname{sign}(x),

    with inelastic walls at ``|x| = 1`` (``x`` clipped, ``y = 0``) and ``a_t`` ramped linearly from 0 to 1.
    The product ``J sign(x)`` also gives the energy of the read-out, so tracking is free. ``J = -c S`` with
    Goto's ``c = c0 = 0.5 sqrt(n - 1) / ||S||_F`` (:meth:`coupling_scale`).

    Args:
        dt: Euler step; default ``min(1, 1.1 / sqrt(1 + xi * r))`` with ``-r`` the most negative eigenvalue of
            ``J`` (the symplectic guard ``dt sqrt(1 + xi r) < 2`` with a margin: G1 needs ``dt <= 0.75``).
        coupling_strength: ``xi`` in units of ``c0``; default 1.25. Measured (``benchmarks/cim_tuning.py``,
            2000 steps, 512 replicas): the share of replicas reaching the best-known cut was, for
            ``xi`` = 1 / 1.25 / 1.5, 3.1 / 5.1 / 8.4 % on G1, 5.9 / 8.0 / 4.5 % on G43, 2.5 / 0.4 / 0.2 % on
            G11, 32 / 30 / 31 % on bqp250-1 and 17 / 21 / 21 % on bqp250-5. On G-set graphs ``c0`` is
            0.86-1.00 times ``1 / |lambda_min(S)|``; on bqp250, whose field spin dominates the spectrum, it is
            4.7 times that, and with the spectral scale only 4.7-5.1 % of the replicas reached the optimum.
        heat: Heating coefficient of the heated variant (``y += dt * heat * y_previous``); 0 disables it.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.dynamics import DSB
        >>> round(DSB().time_step(ratio=1.0), 3)                # 1.1 / sqrt(1 + 1.25)
        0.733
        >>> round(DSB().coupling_scale(np.array([[0.0, 2.0], [2.0, 0.0]]), (-2.0, 2.0)), 4)  # 0.5 / sqrt(8)
        0.1768
    """

    name: ClassVar[str] = "dsb"
    initial_amplitude: ClassVar[float] = 1e-3
    dt: float | None = None
    coupling_strength: float = 1.25
    heat: float = 0.0

    _non_negative: ClassVar[frozenset[str]] = frozenset({"heat"})

    def time_step(self, ratio: float) -> float:
        if self.dt is not None:
            return float(self.dt)
        return min(1.0, 1.1 / float(np.sqrt(1.0 + self.coupling_strength * ratio)))

    def coupling_scale(self, coupling: Matrix, spectrum: tuple[float, float]) -> float:
        """Return Goto's ``c0 = 0.5 sqrt(n - 1) / ||S||_F`` (1 without couplings)."""
        values = coupling.data if sp.issparse(coupling) else coupling
        frobenius = float(np.sqrt(np.sum(np.square(values, dtype=np.float64))))
        return 0.5 * float(np.sqrt(max(coupling.shape[0] - 1, 1))) / frobenius if frobenius > 0 else 1.0

    def schedule(self, num_steps: int) -> np.ndarray:
        """One row: the pump ``a_t`` of each step, linear from 0 to 1."""
        return np.linspace(0.0, 1.0, num_steps)[None, :]

    def native_steps(self, machine: NativeMachine, schedule: np.ndarray, first_step: int, dt: float,
                     rng: np.random.Generator) -> None:
        machine.dsb(schedule[0], first_step, dt, self.coupling_strength, self.heat)

    def trajectory(self, coupling: Matrix, x: np.ndarray, num_steps: int, dt: float,
                   rng: np.random.Generator) -> Trajectory:
        velocity = np.full_like(x, self.initial_auxiliary)
        previous = np.empty_like(x) if self.heat else None
        work = np.empty_like(x)
        inside = np.empty(x.shape, dtype=bool)
        signs = _Signs(x)
        for a in self.schedule(num_steps)[0]:
            if previous is not None:
                np.copyto(previous, velocity)
            np.multiply(x, dt * (1.0 - a), out=work)
            velocity -= work
            np.multiply(velocity, dt, out=work)
            x += work
            np.abs(x, out=work)
            np.less_equal(work, 1.0, out=inside)
            velocity *= inside
            np.clip(x, -1.0, 1.0, out=x)
            spins = signs(x)
            field = coupling @ spins
            np.multiply(field, dt * self.coupling_strength, out=work)
            velocity += work
            if previous is not None:
                previous *= dt * self.heat
                velocity += previous
            yield spins, field


ALGORITHMS: dict[str, type[Dynamics]] = {cls.name: cls for cls in (CAC, CFC, SimCIM, DSB)}
"""The algorithms by name."""


@dataclass(frozen=True)
class Scaling:
    """How :func:`simulate` scaled a problem.

    Attributes:
        lambda_min: Smallest eigenvalue of the (field-spin extended) coupling matrix ``S``.
        lambda_max: Largest eigenvalue of ``S``.
        coupling_scale: The factor ``c`` of ``J = -c S`` (:meth:`Dynamics.coupling_scale`; 1 when ``S = 0``).
        dt: The Euler step used.
        field_spin: Whether an auxiliary spin carried the fields.

    Examples:
        >>> from hiqlip_plugin.samplers.dynamics import Scaling
        >>> Scaling(-2.0, 2.0, 0.5, 0.7, False).ratio
        1.0
    """

    lambda_min: float
    lambda_max: float
    coupling_scale: float
    dt: float
    field_spin: bool

    @property
    def ratio(self) -> float:
        """``r = c lambda_max``: the most negative eigenvalue of ``J`` is ``-r`` (with the spectral scale
        ``c = 1 / |lambda_min|``, the spectrum of ``J`` is ``[-r, 1]``)."""
        return self.lambda_max * self.coupling_scale

    def as_dict(self) -> dict[str, float | bool]:
        """Return the attributes and :attr:`ratio` as a plain dict (for ``SampleSet.info``)."""
        return {**asdict(self), "ratio": self.ratio}


@dataclass(frozen=True)
class DynamicsResult:
    """Output of :func:`simulate`.

    Attributes:
        spins: Best state of each replica, ``(B, n)`` int8 in {-1, +1}.
        best_step: Number of steps run when each replica first reached its best state (0: its initial state).
        num_steps: Steps run (fewer than requested if stopped early).
        stopped_early: Whether ``stop`` ended the run before ``num_steps``.
        scaling: The scaling and step used.
    """

    spins: np.ndarray
    best_step: np.ndarray
    num_steps: int
    stopped_early: bool
    scaling: Scaling


def spectral_range(coupling: npt.ArrayLike | sp.sparray | sp.spmatrix) -> tuple[float, float]:
    """Return ``(lambda_min, lambda_max)`` of a symmetric matrix.

    Matrices of up to :data:`_DENSE_EIGEN_LIMIT` rows are solved densely. Larger ones take the extreme Ritz
    values of one Lanczos run of at most :data:`_LANCZOS_STEPS` steps with full reorthogonalisation and a fixed
    start vector (reproducible), which stops once both ends have settled; both come from the same Krylov
    space. Ritz values lie inside the spectrum; on G1, G11, G14, G43, bqp250-1 and Lipschitz QUBOs of 848 and
    1040 spins they were within 0.4 % of the extremes (0.7 % at G11's top), in 0.5-9 ms against 3-109 ms for
    a dense ``eigvalsh`` (``benchmarks/cim_tuning.py``).

    Args:
        coupling: Symmetric ``n x n`` matrix (dense or sparse), ``n >= 1``.

    Returns:
        The extreme eigenvalues as floats.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.dynamics import spectral_range
        >>> [round(v, 6) for v in spectral_range(np.array([[0.0, 2.0], [2.0, 0.0]]))]
        [-2.0, 2.0]
    """
    n = coupling.shape[0]
    if n <= _DENSE_EIGEN_LIMIT:
        dense = coupling.toarray() if sp.issparse(coupling) else np.asarray(coupling)
        values = np.linalg.eigvalsh(dense.astype(np.float64))
        return float(values[0]), float(values[-1])
    operator = sp.csr_array(coupling, dtype=np.float64) if sp.issparse(coupling) else np.asarray(
        coupling, dtype=np.float64)
    steps = min(n, _LANCZOS_STEPS)
    basis = np.zeros((steps, n))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    vector = np.random.default_rng(0).standard_normal(n)
    vector /= np.linalg.norm(vector)
    previous = None
    for k in range(steps):
        basis[k] = vector
        w = operator @ vector
        alpha[k] = vector @ w
        for _ in range(2):                       # twice is enough (Kahan-Parlett)
            w -= basis[:k + 1].T @ (basis[:k + 1] @ w)
        beta[k] = np.linalg.norm(w)
        if beta[k] <= 1e-12 * max(1.0, float(np.abs(alpha[:k + 1]).max())):
            break                                # an invariant subspace: its Ritz values are exact
        if k % _LANCZOS_CHECK == _LANCZOS_CHECK - 1:
            values = sla.eigvalsh_tridiagonal(alpha[:k + 1], beta[:k])[[0, -1]]
            if previous is not None and np.all(np.abs(values - previous) <= 1e-4 * np.abs(values).max()):
                break                            # both ends have settled
            previous = values
        vector = w / beta[k]
    values = sla.eigvalsh_tridiagonal(alpha[:k + 1], beta[:k])
    return float(values[0]), float(values[-1])


def with_field_spin(linear: npt.ArrayLike, coupling: Matrix) -> Matrix:
    """Append one spin ``a`` coupled to spin ``i`` by ``h_i``: a field-free model with the same energies.

    ``E'(s', a) = 1/2 s'^T S s' + a h^T s'`` equals ``E(a s')``, so the minimisers are those of ``E`` times
    ``a``.

    Args:
        linear: Fields ``h`` of shape ``(n,)``.
        coupling: Symmetric ``n x n`` coupling ``S`` (dense or CSR).

    Returns:
        The ``(n + 1) x (n + 1)`` matrix, of the same kind as ``coupling``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.dynamics import with_field_spin
        >>> with_field_spin([1.0, -2.0], np.zeros((2, 2))).tolist()
        [[0.0, 0.0, 1.0], [0.0, 0.0, -2.0], [1.0, -2.0, 0.0]]
    """
    h = np.asarray(linear, dtype=coupling.dtype)[:, None]
    if sp.issparse(coupling):
        return sp.csr_array(sp.block_array([[coupling, h], [h.T, None]], format="csr"), dtype=coupling.dtype)
    return np.block([[coupling, h], [h.T, np.zeros((1, 1), dtype=coupling.dtype)]])


class _BestStates:
    """Best ``sign(x)`` of each replica under the normalised energy ``-1/2 s^T J s``.

    A state replaces a replica's best only if its energy is lower by more than :data:`ROUNDING` times
    ``sum_i |s_i (J s)_i|``, the rule of the compiled kernels: float32 fields make energies uncertain by a
    few float32 epsilons of that sum, and a revisited best state must not count as new.

    When the step did not compute ``J @ s``, it is recomputed only for the replicas whose signs changed (a
    product restricted to those columns). Updating it from the flipped spins alone (a sparse-sparse product)
    measured no faster than a full product on G-set graphs.
    """

    def __init__(self, coupling: Matrix, spins: np.ndarray) -> None:
        self.coupling = coupling
        self.spins = spins.copy()
        self.energies, self.magnitudes = self._energies(spins, coupling @ spins)
        self.best = spins.copy()
        self.best_energy = self.energies.copy()
        self.best_step = np.zeros(spins.shape[1], dtype=np.int64)

    @staticmethod
    def _energies(spins: np.ndarray, field: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Energies ``-1/2 sum_i s_i field_i`` and rounding scales ``sum_i |field_i|`` per replica (float64)."""
        field = np.asarray(field, dtype=np.float64)
        return -0.5 * np.einsum("ij,ij->j", spins, field), np.abs(field).sum(axis=0)

    def update(self, step: int, spins: np.ndarray, field: np.ndarray | None) -> None:
        """Record the replicas whose signs ``spins`` beat their best (``field = J @ spins`` if known)."""
        if field is not None:
            self.energies, self.magnitudes = self._energies(spins, field)
        else:
            changed = np.flatnonzero(np.any(spins != self.spins, axis=0))
            if len(changed) == 0:
                return
            if len(changed) == spins.shape[1]:
                self.energies, self.magnitudes = self._energies(spins, self.coupling @ spins)
            else:
                columns = spins[:, changed]
                self.energies[changed], self.magnitudes[changed] = self._energies(columns, self.coupling @ columns)
            np.copyto(self.spins, spins)
        improved = self.energies < self.best_energy - ROUNDING * self.magnitudes
        if improved.any():
            self.best_energy[improved] = self.energies[improved]
            self.best[:, improved] = spins[:, improved]
            self.best_step[improved] = step


def simulate(
    linear: npt.ArrayLike,
    coupling: npt.ArrayLike | sp.sparray | sp.spmatrix,
    initial_spins: npt.ArrayLike,
    dynamics: Dynamics,
    num_steps: int,
    *,
    seed: int | np.random.Generator | None = None,
    stop: Callable[[], bool] | None = None,
    dtype: npt.DTypeLike = np.float32,
    progress: bool = False,
    backend: str = "auto",
) -> DynamicsResult:
    """Minimise ``h.s + 1/2 s^T S s`` with ``B`` replicas of a CIM-type dynamics; keep each replica's best state.

    Args:
        linear: Fields ``h`` of shape ``(n,)``.
        coupling: Symmetric coupling ``S`` with zero diagonal, ``(n, n)``, dense or sparse (kept sparse).
        initial_spins: ``(B, n)`` spins in {-1, +1}; replica ``b`` starts at amplitudes
            ``initial_spins[b] * u`` with ``u`` uniform in ``[0, dynamics.initial_amplitude)`` (random
            magnitudes break the symmetries a symmetric start would keep), so a good state can warm-start the
            search; it also counts as the replica's best state at step 0.
        dynamics: The algorithm and its parameters (:class:`CAC`, :class:`CFC`, :class:`SimCIM`, :class:`DSB`).
        num_steps: Number of Euler steps (0 returns the initial states; so does a model without variables).
        seed: Seed or generator of the initial magnitudes and of the noise (:class:`SimCIM`); same seed, same
            result.
        stop: Called between steps (after every step with the numpy kernels, about every 10 ms with the
            compiled ones); returning True ends the run with the best states so far.
        dtype: Floating type of the amplitudes and of ``J`` (float32 is about twice as fast as float64; the
            compiled kernels are float32 only).
        progress: Show a tqdm progress bar.
        backend: ``"native"`` (compiled kernels, :mod:`hiqlip_plugin.samplers.native`), ``"numpy"`` or
            ``"auto"`` (see :func:`resolve_backend`). Both integrate the same equations; their float32 sums
            run in different orders, so the same seed gives the same result for a given backend only.

    Returns:
        The best state of each replica, the step at which it was found and the scaling used.

    Raises:
        TypeError: If ``num_steps`` is not an integer.
        ValueError: If the shapes do not match, ``num_steps < 0``, an initial spin is not +-1, or the backend
            is unknown or cannot run ``dtype``.
        RuntimeError: If ``backend="native"`` and the compiled kernels are not built.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.dynamics import CAC, simulate
        >>> coupling = np.array([[0.0, -1.0], [-1.0, 0.0]])            # ferromagnetic pair
        >>> result = simulate([0.5, 0.5], coupling, [[1, -1]], CAC(), num_steps=200)
        >>> result.spins.tolist(), result.scaling.field_spin
        ([[-1, -1]], True)
    """
    h = np.asarray(linear, dtype=np.float64)
    matrix = sp.csr_array(coupling, dtype=dtype) if sp.issparse(coupling) else np.asarray(coupling, dtype=dtype)
    starts = np.asarray(initial_spins)
    n = h.shape[0]
    if h.ndim != 1 or matrix.shape != (n, n):
        raise ValueError(f"linear has shape {h.shape} but coupling has shape {matrix.shape}; expected (n,), (n, n)")
    if starts.ndim != 2 or starts.shape[1] != n:
        raise ValueError(f"initial_spins must have shape (num_replicas, {n}), got {starts.shape}")
    if not np.all(np.abs(starts) == 1):
        raise ValueError("initial_spins must contain only -1 and +1")
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)):
        raise TypeError(f"num_steps must be a non-negative integer, got {num_steps!r}")
    if num_steps < 0:
        raise ValueError(f"num_steps must be a non-negative integer, got {num_steps!r}")
    use_native = resolve_backend(backend, dtype) == "native"
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    field_spin = bool(np.any(h))
    if field_spin:
        matrix = with_field_spin(h, matrix)
        starts = np.hstack([starts, np.ones((starts.shape[0], 1), dtype=starts.dtype)])
    if n == 0:
        num_steps = 0
        low, high = 0.0, 0.0
    else:
        low, high = spectral_range(matrix)
    scale = dynamics.coupling_scale(matrix, (low, high))
    normalised = (matrix * (-scale)).astype(dtype)
    ratio = high * scale
    dt = dynamics.time_step(ratio)
    scaling = Scaling(lambda_min=low, lambda_max=high, coupling_scale=scale, dt=dt, field_spin=field_spin)

    spins = np.ascontiguousarray(starts.T, dtype=dtype)
    x = spins * rng.uniform(0.0, dynamics.initial_amplitude, size=spins.shape).astype(dtype)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(num_steps), desc=f"CIM {dynamics.name}")
    run = _run_native if use_native else _run_numpy
    try:
        best, best_step, steps_run, stopped_early = run(dynamics, normalised, spins, x, int(num_steps), dt, rng,
                                                        stop, bar)
    finally:
        if bar is not None:
            bar.close()
    if field_spin:
        best = best[:, :-1] * best[:, -1:]
    return DynamicsResult(
        spins=np.ascontiguousarray(best),
        best_step=best_step,
        num_steps=steps_run,
        stopped_early=stopped_early,
        scaling=scaling,
    )


_Run = tuple[np.ndarray, np.ndarray, int, bool]
"""What a backend runner returns: best spins ``(B, n)`` int8, their steps, steps run, stopped early."""


def _run_numpy(dynamics: Dynamics, coupling: Matrix, spins: np.ndarray, x: np.ndarray, num_steps: int, dt: float,
               rng: np.random.Generator, stop: Callable[[], bool] | None, bar: Any) -> _Run:
    """Step the numpy kernel of ``dynamics`` one step at a time, tracking the best states."""
    if sp.issparse(coupling):
        # J is symmetric, so its CSC form is the same operator; scipy's CSC-times-dense kernel measured 5-25 %
        # faster than the CSR one on G1, G43 and bqp250 (8-64 replicas, float32, one thread), most at 8.
        coupling = sp.csc_array(coupling)
    tracker = _BestStates(coupling, spins)
    steps_run = 0
    for steps_run, (signs, field) in enumerate(dynamics.trajectory(coupling, x, num_steps, dt, rng), start=1):
        tracker.update(steps_run, signs, field)
        if bar is not None:
            bar.update(1)
        if stop is not None and steps_run < num_steps and stop():
            return tracker.best.T.astype(np.int8), tracker.best_step, steps_run, True
    return tracker.best.T.astype(np.int8), tracker.best_step, steps_run, False


def _run_native(dynamics: Dynamics, coupling: Matrix, spins: np.ndarray, x: np.ndarray, num_steps: int,
                dt: float, rng: np.random.Generator, stop: Callable[[], bool] | None, bar: Any) -> _Run:
    """Run the compiled kernel of ``dynamics`` in chunks of steps (one chunk without stop rule or progress)."""
    machine = NativeMachine(coupling, spins, x)
    machine.set_auxiliary(dynamics.initial_auxiliary)
    machine.evaluate(step=0)
    schedule = dynamics.schedule(num_steps)
    chunked = stop is not None or bar is not None
    chunk = min(num_steps, 4) if chunked else num_steps
    done, stopped = 0, False
    while done < num_steps:
        size = min(chunk, num_steps - done)
        started = time.perf_counter()
        dynamics.native_steps(machine, schedule[:, done:done + size], done + 1, dt, rng)
        done += size
        if bar is not None:
            bar.update(size)
        if stop is not None and done < num_steps and stop():
            stopped = True
            break
        if chunked:
            per_step = (time.perf_counter() - started) / size
            chunk = int(max(1, _CHUNK_SECONDS / max(per_step, 1e-9)))
    best, best_step = machine.best()
    return best, best_step, done, stopped


def resolve_backend(backend: str, dtype: npt.DTypeLike = np.float32) -> str:
    """Return the backend ``"native"`` or ``"numpy"`` that :func:`simulate` runs for ``backend`` and ``dtype``.

    ``"auto"`` is ``"native"`` when the compiled kernels are built and ``dtype`` is float32, else ``"numpy"``.

    Args:
        backend: One of :data:`BACKENDS`.
        dtype: Floating type of the run.

    Returns:
        ``"native"`` or ``"numpy"``.

    Raises:
        ValueError: For an unknown backend, or ``"native"`` with a dtype other than float32.
        RuntimeError: For ``"native"`` when the compiled kernels are not built.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.dynamics import resolve_backend
        >>> resolve_backend("auto", np.float64), resolve_backend("numpy")
        ('numpy', 'numpy')
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
    single = np.dtype(dtype) == np.float32
    if backend == "auto":
        return "native" if single and native.available() else "numpy"
    if backend == "native":
        if not single:
            raise ValueError(f"the native backend runs float32 only, got dtype {np.dtype(dtype)}")
        native.require()
    return backend
