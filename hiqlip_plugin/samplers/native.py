"""The compiled backend of the CIM kernels: replicas as lanes of one row-major state, stepped in C.

:mod:`hiqlip_plugin.samplers._kernels` (built from ``_kernels.c`` at install time when a C compiler is present)
runs chunks of Euler steps of the algorithms of :mod:`hiqlip_plugin.samplers.dynamics` over all replicas at
once. :class:`NativeMachine` owns the state it works on: the ``n x W`` float32 amplitudes, auxiliary variables
and signs, stored row-major so that the ``W`` replicas of one spin are contiguous (``W`` is the number of
replicas rounded up to a multiple of 8 lanes; the extra lanes copy the first replica and are dropped), and the
best sign vector of each replica with the step at which it was found.

Each step is one pass over the CSR coupling matrix in which every non-zero ``J_ij`` is broadcast and multiplied
into the ``W`` signs (or amplitudes) of spin ``j`` held in vector registers, followed by element-wise updates;
nothing is stored per step. The arithmetic is float32 and deterministic for a given machine.

Examples:
    >>> import itertools
    >>> import numpy as np
    >>> from hiqlip_plugin.samplers.native import NativeMachine
    >>> rng = np.random.default_rng(0)
    >>> upper = np.triu(rng.normal(size=(10, 10)), 1)
    >>> coupling = -(upper + upper.T) / 5                       # an SK spin glass, spectrum about [-1, 1]
    >>> def energy(s):
    ...     return -0.5 * np.einsum("bi,ij,bj->b", s, coupling, s)
    >>> ground = energy(np.array(list(itertools.product([-1, 1], repeat=10)))).min()
    >>> signs = rng.choice([-1, 1], size=(10, 8))                # 8 replicas as columns
    >>> machine = NativeMachine(coupling, signs, 0.001 * signs * rng.random((10, 8)))
    >>> machine.evaluate(step=0)
    >>> machine.dsb(np.linspace(0.0, 1.0, 300), first_step=1, dt=0.5, gain=1.0, heat=0.0)
    >>> spins, steps = machine.best()
    >>> spins.shape, bool(np.allclose(energy(spins), ground))
    ((8, 10), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

try:
    from hiqlip_plugin.samplers import _kernels
except ImportError:  # built without a C compiler: the numpy kernels of dynamics.py run instead
    _kernels = None

__all__ = ["LANES", "FIELD_REFRESH", "available", "require", "instruction_set", "NativeMachine"]

LANES = 8
"""Replicas are padded to a multiple of this many float32 lanes (one 256-bit vector)."""

FIELD_REFRESH = 64
"""The kernels recompute ``J signs`` in full at least every this many steps (in between they may add ``J``
times the change of the flipped spins), so that float32 rounding cannot accumulate."""

AMPLITUDE_KINDS = {"cac": 0, "cfc": 1, "simcim": 2}
"""Codes of the amplitude dynamics in the compiled kernel."""


def available() -> bool:
    """Whether the compiled kernels were built and import on this machine.

    Examples:
        >>> from hiqlip_plugin.samplers import native
        >>> isinstance(native.available(), bool)
        True
    """
    return _kernels is not None


def require() -> None:
    """Raise RuntimeError, naming the way out, if the compiled kernels are not available.

    Examples:
        >>> from hiqlip_plugin.samplers import native
        >>> native.require() if native.available() else None
    """
    if _kernels is None:
        raise RuntimeError("the compiled CIM kernels are not built in this installation (no C compiler at "
                           "install time); use backend='numpy'")


def instruction_set() -> str | None:
    """The vector instruction set the kernels use here (``'avx512'``, ``'avx2'``, ``'baseline'``), or None.

    Examples:
        >>> from hiqlip_plugin.samplers import native
        >>> native.instruction_set() in (None, "avx512", "avx2", "baseline")
        True
    """
    return None if _kernels is None else _kernels.instruction_set()


class NativeMachine:
    """The state of ``B`` replicas for the compiled kernels, and each replica's best signs so far.

    Args:
        coupling: Normalised symmetric coupling ``J`` (``n x n``, converted to float32 CSR); the energy of
            signs ``s`` is ``-1/2 s^T J s``.
        signs: ``(n, B)`` initial signs in {-1, +1}.
        amplitudes: ``(n, B)`` initial amplitudes (their signs should be ``signs``).
        refresh: Steps between full products ``J signs`` at the latest (1: every step, no updates from
            flipped spins).

    Attributes:
        n: Number of spins.
        num_replicas: ``B``.
        width: Lanes per spin, ``B`` rounded up to a multiple of :data:`LANES` (the extra lanes copy replica
            0 and are dropped by :meth:`best`).
        x: ``(n, width)`` amplitudes (positions for dSB).
        aux: ``(n, width)`` auxiliary variables: momenta (dSB), error variables (CAC, CFC), velocities (SimCIM).
        signs: ``(n, width)`` signs of ``x`` as float32 +-1.
        field: ``(n, width)`` ``J signs``, kept up to date by the kernels after :meth:`evaluate`.
        refresh: As given.

    Raises:
        RuntimeError: If the compiled kernels are not available (see :func:`available`).
        ValueError: If the shapes do not match.

    Examples:
        >>> import numpy as np
        >>> import scipy.sparse as sp
        >>> from hiqlip_plugin.samplers.native import NativeMachine
        >>> machine = NativeMachine(sp.csr_array((3, 3)), np.ones((3, 5)), np.zeros((3, 5)))
        >>> machine.num_replicas, machine.width
        (5, 8)
    """

    def __init__(self, coupling: sp.sparray | sp.spmatrix | np.ndarray, signs: np.ndarray,
                 amplitudes: np.ndarray, refresh: int = FIELD_REFRESH) -> None:
        require()
        if isinstance(refresh, bool) or not isinstance(refresh, (int, np.integer)) or refresh < 1:
            raise ValueError(f"refresh must be a positive integer, got {refresh!r}")
        self.refresh = int(refresh)
        matrix = sp.csr_array(coupling, dtype=np.float32)
        matrix.sum_duplicates()
        n = matrix.shape[0]
        signs = np.asarray(signs)
        amplitudes = np.asarray(amplitudes)
        if matrix.shape != (n, n) or signs.ndim != 2 or signs.shape[0] != n or amplitudes.shape != signs.shape:
            raise ValueError(f"coupling {matrix.shape}, signs {signs.shape} and amplitudes {amplitudes.shape} "
                             "must be (n, n), (n, B) and (n, B)")
        self.num_replicas = signs.shape[1]
        self.width = max(LANES, -(-self.num_replicas // LANES) * LANES)
        self.n = n
        self._indptr = matrix.indptr.astype(np.int64)
        self._offsets = matrix.indices.astype(np.int64) * self.width
        self._data = np.ascontiguousarray(matrix.data, dtype=np.float32)
        self.signs = self._padded(signs)
        self.x = self._padded(amplitudes)
        self.aux = np.zeros_like(self.x)
        self.field = np.zeros_like(self.x)
        self._energy = np.zeros(2 * self.width)      # energies, then their rounding scales
        self._best = self.signs.copy()
        self._best_energy = np.full(self.width, np.inf)
        self._best_step = np.zeros(self.width, dtype=np.int64)

    def _padded(self, values: np.ndarray) -> np.ndarray:
        """``(n, B)`` -> ``(n, W)`` float32, the extra lanes copying replica 0 (their results are dropped)."""
        padded = np.empty((self.n, self.width), dtype=np.float32)
        padded[:, :self.num_replicas] = values
        padded[:, self.num_replicas:] = values[:, :1] if self.num_replicas else 1.0
        return padded

    def _common(self) -> tuple:
        return (self._indptr, self._offsets, self._data, self._energy, self._best, self._best_energy,
                self._best_step)

    def set_auxiliary(self, value: float) -> None:
        """Set every auxiliary variable (error variables, momenta) to ``value``."""
        self.aux.fill(value)

    def evaluate(self, step: int) -> None:
        """Compute ``field = J signs`` and the energies of the signs; record the replicas they improve at ``step``."""
        _kernels.evaluate(*self._common(), self.signs, self.field, self.width, step)

    def dsb(self, schedule: np.ndarray, first_step: int, dt: float, gain: float, heat: float) -> None:
        """Run ``len(schedule)`` discrete simulated bifurcation steps (``aux`` holds the momenta).

        Step ``j`` uses the pump ``schedule[j]`` and is recorded as step ``first_step + j``. The kernel keeps
        :attr:`field` equal to ``J signs`` from step to step, updating it from the spins that flipped when that
        is cheaper than a product, so :meth:`evaluate` must have run before the first call.
        """
        _kernels.dsb(*self._common(), self.x, self.aux, self.signs, self.field,
                     np.ascontiguousarray(schedule, dtype=np.float64), self.width, first_step, self.refresh, dt, gain,
                     heat)

    def amplitude(self, kind: str, pump: np.ndarray, first_step: int, parameters: Sequence[float], *,
                  target: np.ndarray | None = None, noise: np.ndarray | None = None) -> None:
        """Run ``len(pump)`` steps of CAC, CFC or SimCIM (``aux``: error variables or velocities).

        Args:
            kind: ``"cac"``, ``"cfc"`` or ``"simcim"``.
            pump: Pump per step.
            first_step: Number of the first step; the signs left by step ``first_step + j`` are recorded as
                that step. :attr:`field` must hold ``J signs`` (:meth:`evaluate`); the kernel keeps it so, as
                :meth:`dsb` does.
            parameters: ``(dt, gain, beta, alpha, error_cap, momentum, noise)``; unused ones are ignored.
            target: Target squared amplitude per step (CAC only).
            noise: ``(len(pump), n, width)`` float32 standard normals (SimCIM only).
        """
        empty64, empty32 = np.empty(0), np.empty(0, dtype=np.float32)
        _kernels.amplitude(*self._common(), AMPLITUDE_KINDS[kind], self.x, self.aux, self.signs, self.field,
                           np.ascontiguousarray(pump, dtype=np.float64),
                           empty64 if target is None else np.ascontiguousarray(target, dtype=np.float64),
                           empty32 if noise is None else noise, self.width, first_step, self.refresh,
                           tuple(float(value) for value in parameters))

    def best(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the best signs ``(B, n)`` int8 and the step at which each replica found them."""
        return (np.ascontiguousarray(self._best[:, :self.num_replicas].T).astype(np.int8),
                self._best_step[:self.num_replicas].copy())
