"""Simulated bifurcation on a reduced objective ``max_c phi(M c)``: one side of a bipartite problem eliminated.

The two-layer l_inf FGL problem ``max_{x in {-1,1}^d, s in {0,1}^h} x^T A s`` has a closed-form best
response on each side, so either side can be eliminated exactly, leaving a convex function of a linear image
of the other side's codes:

========================  ===============  ============  ================================
problem                   codes ``c``      ``M``         ``phi(y)``
========================  ===============  ============  ================================
l_inf, hidden side        ``s`` binary     ``A``         ``||y||_1`` (``x = sign(A s)``)
l_inf, input side         ``x`` spin       ``A^T``       ``sum_j max(0, y_j)``
l2 (``max ||A s||_2``)    ``s`` binary     ``A``         ``||y||_2``
two adjacent layers       ``s_l`` binary   ``K^T``       ``sum_k max(0, y_k)``
========================  ===============  ============  ================================

:func:`reduced_bifurcation` runs discrete simulated bifurcation (the dynamics of
:class:`~hiqlip_plugin.samplers.dynamics.DSB`) over spins ``q`` of the codes only, with the coupling field
``J sign(q)`` replaced by the (sub)gradient of ``f(c) = phi(M c)`` at the read-out:

.. math::

    p \\mathrel{+}= -\\Delta t\\,(1 - a_t)\\, q, \\qquad q \\mathrel{+}= \\Delta t\\, p, \\qquad
    p \\mathrel{+}= \\Delta t\\, \\xi\\, c_0\\, \\nabla_q f(c(\\operatorname{sign} q)),

with inelastic walls at ``|q| = 1`` and ``a_t`` ramped linearly from 0 to 1; binary codes are
``c = (1 + q) / 2``. For the hidden side of the l_inf problem the gradient is ``A^T sign(A s) / 2``: the
field the full bipartite Ising model would exert on the hidden spins with the input spins at their best
response at every step. Each step costs two passes over ``M`` for all replicas together (the image, then
the gradient); the image also gives the value ``f`` of every replica's read-out for free, so each replica's
best state is tracked at every step. The scale ``c0`` is ``0.5 / rms(grad f)`` at the start, the analogue of
Goto's ``0.5 sqrt(n) / ||J||_F``. Memory is ``O(m n + (m + n) B)`` for ``B`` replicas: no quadratic model is
built.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.samplers.reduced import reduced_bifurcation
    >>> a = np.array([[1.0, 1.0], [2.0, -1.0]])
    >>> result = reduced_bifurcation(a, codes="binary", objective="l1", num_replicas=4, num_steps=50, seed=0)
    >>> float(result.values.max()), result.codes.shape
    (3.0, (4, 2))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hiqlip_plugin._validation import check_integer, check_positive

__all__ = ["ReducedResult", "reduced_bifurcation", "reduced_values", "bifurcate", "DEFAULT_COUPLING_STRENGTH",
           "OBJECTIVES"]

Codes = Literal["spin", "binary"]
Objective = Literal["l1", "relu", "l2"]

OBJECTIVES: tuple[str, ...] = ("l1", "relu", "l2")
"""The convex functions ``phi`` of the image: ``||y||_1``, ``sum_j max(0, y_j)``, ``||y||_2``."""

DEFAULT_COUPLING_STRENGTH = 1.0
"""Default ``xi`` of :func:`reduced_bifurcation`: on random 784-256 and 784-1024 bipartite problems, 0.6,
1 and 2 gave best values within 0.05 % of each other, and 1 had the best median replica
(``docs/benchmarks.md``, witness section)."""

_DT = 0.5
"""Euler step of the symplectic integration."""

_INITIAL_AMPLITUDE = 1e-3


@dataclass(frozen=True, eq=False)
class ReducedResult:
    """Best state of each replica of :func:`reduced_bifurcation`.

    Attributes:
        codes: Best code of each replica, int8 of shape ``(B, n)``: 0/1 (binary) or -1/+1 (spin).
        values: ``f`` of each best code (float64, recomputed at the end), shape ``(B,)``.
        num_steps: Steps run.
        stopped_early: Whether ``time_limit`` or ``stop`` ended the run.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.reduced import reduced_bifurcation
        >>> result = reduced_bifurcation(np.eye(3), codes="spin", objective="relu", num_replicas=2,
        ...                              num_steps=10, seed=1)
        >>> result.num_steps, result.stopped_early, result.values.tolist()
        (10, False, [3.0, 3.0])
    """

    codes: np.ndarray
    values: np.ndarray
    num_steps: int
    stopped_early: bool


def _phi(objective: str, image: np.ndarray) -> np.ndarray:
    if objective == "l1":
        return np.abs(image).sum(axis=0)
    if objective == "relu":
        return np.maximum(image, 0).sum(axis=0)
    return np.sqrt(np.square(image).sum(axis=0))


def _phi_gradient(objective: str, image: np.ndarray) -> np.ndarray:
    """A subgradient of ``phi`` at each column of ``image`` (ties go to the active side)."""
    if objective == "l1":
        return np.where(image >= 0, 1.0, -1.0).astype(image.dtype)
    if objective == "relu":
        return (image > 0).astype(image.dtype)
    length = np.sqrt(np.square(image).sum(axis=0, keepdims=True))
    return image / np.where(length > 0, length, 1.0)


def _check(codes: str, objective: str) -> None:
    if codes not in ("spin", "binary"):
        raise ValueError(f"codes must be 'spin' or 'binary', got {codes!r}")
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")


def reduced_values(matrix: npt.ArrayLike, codes: npt.ArrayLike, objective: Objective) -> np.ndarray:
    """Return ``phi(M c)`` for each code ``c`` (rows of ``codes``), in float64.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.reduced import reduced_values
        >>> a = np.array([[1.0, 1.0], [2.0, -1.0]])
        >>> reduced_values(a, [[1, 0], [1, 1]], "l1").tolist(), reduced_values(a.T, [[1, 1]], "relu").tolist()
        ([3.0, 3.0], [3.0])
    """
    _check("spin", objective)
    return _phi(objective, np.asarray(matrix, dtype=np.float64) @ np.asarray(codes, dtype=np.float64).T)


def reduced_bifurcation(
    matrix: npt.ArrayLike,
    *,
    codes: Codes,
    objective: Objective,
    dtype: npt.DTypeLike = np.float32,
    **options: Any,
) -> ReducedResult:
    """Maximise ``f(c) = phi(M c)`` over codes ``c`` by simulated bifurcation (see the module docstring).

    Args:
        matrix: ``M`` of shape ``(m, n)``, finite; the ``n`` columns are the variables.
        codes: ``"binary"`` (``c`` in {0, 1}^n) or ``"spin"`` (``c`` in {-1, +1}^n).
        objective: ``"l1"``, ``"relu"`` or ``"l2"`` (:data:`OBJECTIVES`).
        dtype: Floating type of the amplitudes and of the products (float32 is about twice as fast).
        **options: The run's settings, as for :func:`bifurcate`: ``num_replicas`` (replicas run together
            as the columns of one matrix), ``num_steps``, ``coupling_strength``, ``seed`` (same seed, same
            result without a time limit), ``time_limit`` (seconds), ``stop``.

    Returns:
        A :class:`ReducedResult`; its values are recomputed in float64.

    Raises:
        ValueError: For a malformed matrix, unknown codes or objective, or a non-positive strength or limit.
        TypeError: For non-integer counts.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.reduced import reduced_bifurcation
        >>> a = np.random.default_rng(0).normal(size=(6, 5))
        >>> first = reduced_bifurcation(a.T, codes="spin", objective="relu", num_replicas=8, num_steps=100, seed=3)
        >>> again = reduced_bifurcation(a.T, codes="spin", objective="relu", num_replicas=8, num_steps=100, seed=3)
        >>> bool(np.array_equal(first.codes, again.codes))
        True
    """
    started = time.perf_counter()
    m64 = np.asarray(matrix, dtype=np.float64)
    if m64.ndim != 2 or 0 in m64.shape or not np.all(np.isfinite(m64)):
        raise ValueError(f"matrix must be a finite non-empty 2-D array (m, n), got shape {m64.shape}")
    _check(codes, objective)
    forward = m64.astype(dtype)
    backward = np.ascontiguousarray(forward.T)
    binary = codes == "binary"

    def evaluate(spins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Read-out values and the gradient with respect to the spins, at the signs ``spins``."""
        image = forward @ ((1 + spins) * 0.5 if binary else spins)
        gradient = backward @ _phi_gradient(objective, image)
        return _phi(objective, image), (0.5 * gradient if binary else gradient)

    best, steps_run, stopped = bifurcate(evaluate, [m64.shape[1]], dtype=dtype, started=started, **options)
    result = ((best > 0) if binary else best).astype(np.int8).T
    return ReducedResult(np.ascontiguousarray(result), reduced_values(m64, result, objective), steps_run, stopped)


def bifurcate(
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    block_sizes: Sequence[int],
    *,
    num_replicas: int = 16,
    num_steps: int = 1000,
    coupling_strength: float = DEFAULT_COUPLING_STRENGTH,
    seed: int | None = None,
    time_limit: float | None = None,
    stop: Callable[[], bool] | None = None,
    dtype: npt.DTypeLike = np.float32,
    started: float | None = None,
) -> tuple[np.ndarray, int, bool]:
    """Discrete simulated bifurcation that maximises any objective given by its read-out values and gradient.

    The spins of all blocks are stacked as the rows of one ``(n, B)`` array (``n = sum(block_sizes)``); each
    block gets its own scale ``c0 = 0.5 / rms(gradient)`` from the gradient at the start (blocks, such as the
    hidden layers of a network, may have gradients of very different sizes).

    Args:
        evaluate: Maps signs ``(n, B)`` in {-1, +1} to ``(values (B,), gradient (n, B))``; the gradient is
            that of the objective with respect to the spins.
        block_sizes: Number of spins of each block.
        num_replicas: Replicas ``B``.
        num_steps: Euler steps (the pump ramps over all of them).
        coupling_strength: ``xi`` in units of ``c0``.
        seed: Seed of the initial amplitudes.
        time_limit: Seconds (from ``started``, default now) after which the run stops.
        stop: Called before every step; a true value stops the run.
        dtype: Floating type of the amplitudes.
        started: ``time.perf_counter()`` at which the time limit started.

    Returns:
        ``(best signs (n, B), steps run, stopped early)``: each replica's best read-out by ``evaluate``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.samplers.reduced import bifurcate
        >>> target = np.array([[1.0], [-1.0], [1.0]])
        >>> def evaluate(spins):                 # maximise the overlap with a target sign vector
        ...     return (target * spins).sum(axis=0), np.repeat(target, spins.shape[1], axis=1)
        >>> best, steps, stopped = bifurcate(evaluate, [3], num_replicas=2, num_steps=30, seed=0)
        >>> best[:, 0].tolist(), steps, stopped
        ([1.0, -1.0, 1.0], 30, False)
    """
    start = time.perf_counter() if started is None else started
    replicas = check_integer(num_replicas, "num_replicas", 1)
    steps = check_integer(num_steps, "num_steps", 0)
    xi = check_positive(coupling_strength, "coupling_strength")
    end = None if time_limit is None else start + check_positive(time_limit, "time_limit")
    rng = np.random.default_rng(seed)
    q = rng.uniform(-_INITIAL_AMPLITUDE, _INITIAL_AMPLITUDE, size=(int(sum(block_sizes)), replicas)).astype(dtype)
    p = np.zeros_like(q)
    spins = np.where(q >= 0, 1.0, -1.0).astype(dtype)
    values, gradient = evaluate(spins)
    kick = np.empty((q.shape[0], 1), dtype=dtype)
    offset = 0
    for size in block_sizes:
        block = gradient[offset : offset + size]
        rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if size else 0.0
        kick[offset : offset + size] = _DT * xi * (0.5 / rms if rms > 0 else 1.0)
        offset += size
    best, best_values = spins.copy(), np.asarray(values, dtype=np.float64)
    step, stopped = 0, False
    for pump in np.linspace(0.0, 1.0, steps):
        if (end is not None and time.perf_counter() >= end) or (stop is not None and stop()):
            stopped = True
            break
        p -= (_DT * (1.0 - pump)) * q
        q += _DT * p
        p[np.abs(q) > 1.0] = 0.0
        np.clip(q, -1.0, 1.0, out=q)
        spins = np.where(q >= 0, 1.0, -1.0).astype(dtype)
        values, gradient = evaluate(spins)
        p += kick * gradient
        better = values > best_values
        if better.any():
            best[:, better] = spins[:, better]
            best_values[better] = values[better]
        step += 1
    return best, step, stopped
