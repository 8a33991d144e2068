"""Classical local searches for the two-layer l_inf problem ``max_{x in {-1,1}^d, s in {0,1}^h} x^T A s``.

Both sides have closed-form best responses (:func:`best_response_x`, :func:`best_response_s`):

- for fixed ``s`` the best ``x`` is ``sign(A s)`` and the value ``||A s||_1``;
- for fixed ``x`` the best ``s`` is ``1[A^T x > 0]`` and the value ``sum_j max(0, (A^T x)_j)``.

(``sign(0)`` is taken as ``+1`` and a unit with ``(A^T x)_j = 0`` stays off, everywhere in the package.)

:func:`alternating_best_response` alternates the two from many starts; :func:`one_side_flip_search` flips
single variables of one side with the other eliminated in closed form; :func:`iterated_flip_search` is an
iterated local search around one point (perturb a few variables of the best point many ways, flip-search
each, keep an improvement). All run the restarts of a batch at once, as the columns of one matrix (BLAS),
and keep the best. They are the plain classical baselines of
the benchmarks and the polishing step applied to sampler output; their values are feasible points, so
lower bounds on the FGL, never upper bounds. :func:`alternating_search` wraps the first for a network and
returns a :class:`~hiqlip_plugin.lipschitz.formulation.Certificate`.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.lipschitz.local_search import alternating_best_response
    >>> a = np.array([[1.0, 1.0], [2.0, -1.0]])
    >>> result = alternating_best_response(a, num_restarts=4, seed=0)
    >>> result.value, result.x.tolist(), result.s.tolist()
    (3.0, [1, 1], [1, 0])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hiqlip_plugin._validation import (
    check_fraction,
    check_integer,
    check_positive,
    check_work_or_time,
)
from hiqlip_plugin.lipschitz.formulation import Certificate, bilinear_matrix
from hiqlip_plugin.network import ReLUNetwork

__all__ = [
    "LocalSearchResult",
    "alternating_best_response",
    "one_side_flip_search",
    "iterated_flip_search",
    "alternating_search",
    "best_response_x",
    "best_response_s",
    "BATCH_SIZE",
    "FIRST_BATCH_SIZE",
]

BATCH_SIZE = 64
"""Restarts run together as the columns of one matrix."""

FIRST_BATCH_SIZE = 8
"""Size of the first batch when restarts run until a time limit (then 16, 32, ... up to :data:`BATCH_SIZE`)."""

PERTURBATION = 0.02
"""Default share of the searched side's variables that :func:`iterated_flip_search` flips in each perturbed
copy (at least 2). Measured on random 784-h-10 nets (``docs/benchmarks.md``, witness section): 1.5 %, 3 % and
6 % reached the same values from bifurcation starts; 3 % and more cost more flip sweeps."""

_GAIN_TOLERANCE = 1e-12
"""A flip is taken only if it gains more than this times ``max(1, |value|)`` (no cycling on round-off)."""


@dataclass(frozen=True, eq=False)
class LocalSearchResult:
    """The best point found by a local search.

    Attributes:
        x: Input signs, int8 in {-1, +1}, shape ``(d,)``.
        s: Hidden pattern, int8 in {0, 1}, shape ``(h,)``.
        value: ``x^T A s`` recomputed in float64.
        num_restarts: Number of starts run.
        wall_time: Seconds spent.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import one_side_flip_search
        >>> a = np.array([[1.0, -2.0], [3.0, 1.0]])
        >>> result = one_side_flip_search(a, num_restarts=2, seed=0)
        >>> result.value == float(result.x @ a @ result.s)
        True
    """

    x: np.ndarray
    s: np.ndarray
    value: float
    num_restarts: int
    wall_time: float


def best_response_x(matrix: npt.ArrayLike, s: npt.ArrayLike) -> np.ndarray:
    """Return the best input signs ``sign(A s)`` (``+1`` on ties) for patterns ``s``.

    Args:
        matrix: ``A`` of shape ``(d, h)``.
        s: A pattern ``(h,)`` or patterns as columns ``(h, k)``.

    Returns:
        int8 signs of shape ``(d,)`` or ``(d, k)``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import best_response_x
        >>> best_response_x(np.array([[1.0, -1.0], [0.0, 2.0]]), [1, 1]).tolist()
        [1, 1]
    """
    return np.where(np.asarray(matrix) @ np.asarray(s, dtype=np.float64) >= 0, 1, -1).astype(
        np.int8
    )


def best_response_s(matrix: npt.ArrayLike, x: npt.ArrayLike) -> np.ndarray:
    """Return the best pattern ``1[A^T x > 0]`` for input signs ``x``.

    Args:
        matrix: ``A`` of shape ``(d, h)``.
        x: Signs ``(d,)`` or sign vectors as columns ``(d, k)``.

    Returns:
        int8 pattern of shape ``(h,)`` or ``(h, k)``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import best_response_s
        >>> best_response_s(np.array([[1.0, -1.0], [0.0, 2.0]]), [1, -1]).tolist()
        [1, 0]
    """
    return (np.asarray(matrix).T @ np.asarray(x, dtype=np.float64) > 0).astype(np.int8)


def _check_matrix(matrix: npt.ArrayLike) -> np.ndarray:
    try:
        a = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"the matrix is not numeric: {err}") from None
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"the matrix must be 2-D (d, h) and non-empty, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("the matrix contains NaN or infinite values")
    return a


def _starts(
    values: npt.ArrayLike | None, length: int, allowed: tuple[int, ...], name: str
) -> np.ndarray | None:
    """Given starting points as columns ``(length, k)`` (accepts one vector or rows ``(k, length)``)."""
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != length or len(array) == 0:
        raise ValueError(
            f"{name} must have shape ({length},) or (k, {length}), got {np.shape(values)}"
        )
    if not np.all(np.isin(array, allowed)):
        raise ValueError(f"{name} must take values in {set(allowed)}")
    return array.T


def _batches(
    total: int | None, time_limit: float | None, started: float, minimum: int = 1
) -> Iterator[int]:
    """Sizes of restart batches: ``total`` restarts, or batches until ``time_limit`` (at least ``minimum``).

    Without ``total`` the batches double from :data:`FIRST_BATCH_SIZE` up to :data:`BATCH_SIZE`; the searches
    also stop inside a batch between sweeps or alternations, so a time limit holds within one of those.
    """
    done, next_size = 0, FIRST_BATCH_SIZE
    while total is None or done < total:
        if done >= max(minimum, 1) and _out_of_time(time_limit, started):
            return
        size = next_size if total is None else min(BATCH_SIZE, total - done)
        next_size = min(BATCH_SIZE, 2 * next_size)
        yield size
        done += size


def _restart_count(num_restarts: Any, time_limit: float | None, given: int) -> int | None:
    if num_restarts is None:
        if time_limit is None:
            raise ValueError("give num_restarts or time_limit (or both)")
        return None
    return max(check_integer(num_restarts, "num_restarts", 1), given)


class _Best:
    """The best column seen so far, over batches of ``(X, S)`` columns."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self.value = -np.inf
        self.x = self.s = np.empty(0)
        self.count = 0

    def update(self, x: np.ndarray, s: np.ndarray) -> None:
        values = np.einsum("ik,ik->k", x, self.matrix @ s)
        k = int(np.argmax(values))
        self.count += x.shape[1]
        if values[k] > self.value:
            self.value, self.x, self.s = float(values[k]), x[:, k].copy(), s[:, k].copy()

    def result(self, started: float) -> LocalSearchResult:
        x, s = self.x.astype(np.int8), self.s.astype(np.int8)
        value = float(x.astype(np.float64) @ self.matrix @ s.astype(np.float64))
        return LocalSearchResult(x, s, value, self.count, time.perf_counter() - started)


def _x_values(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``max_s x^T A s = sum_j max(0, (A^T x)_j)`` for each column of ``x``."""
    return np.maximum(matrix.T @ x, 0.0).sum(axis=0)


def _out_of_time(time_limit: float | None, started: float) -> bool:
    return time_limit is not None and time.perf_counter() - started >= time_limit


def _alternate(
    matrix: np.ndarray, x: np.ndarray, max_iterations: int, time_limit: float | None = None, started: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Alternate best responses from the columns of ``x`` until no column changes (or the time is up)."""
    s = best_response_s(matrix, x)
    for _ in range(max_iterations):
        if _out_of_time(time_limit, started):
            break
        new_x = best_response_x(matrix, s)
        new_s = best_response_s(matrix, new_x)
        if np.array_equal(new_x, x) and np.array_equal(new_s, s):
            break
        x, s = new_x, new_s
    return x.astype(np.float64), s.astype(np.float64)


def alternating_best_response(
    matrix: npt.ArrayLike,
    *,
    num_restarts: int | None = 64,
    initial_x: npt.ArrayLike | None = None,
    initial_s: npt.ArrayLike | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
    max_iterations: int = 100,
) -> LocalSearchResult:
    """Alternate ``s = 1[A^T x > 0]`` and ``x = sign(A s)`` from many starts and keep the best point.

    Each alternation never decreases ``x^T A s``; a start stops when neither side changes (or after
    ``max_iterations`` alternations).

    Args:
        matrix: ``A`` of shape ``(d, h)`` (e.g. :func:`~hiqlip_plugin.lipschitz.formulation.bilinear_matrix`).
        num_restarts: Total number of starts, the given ones first, then uniformly random signs ``x``.
            ``None`` runs batches of random starts (:data:`FIRST_BATCH_SIZE` doubling up to
            :data:`BATCH_SIZE`) until ``time_limit``.
        initial_x: Starting signs, shape ``(d,)`` or one start per row ``(k, d)``.
        initial_s: Starting patterns, shape ``(h,)`` or ``(k, h)``. Given together with ``initial_x`` (same
            ``k``), each pair starts from whichever of ``x`` and ``sign(A s)`` is better, so the result is
            never worse than ``x^T A s`` of the pair.
        seed: Seed of the random starts.
        time_limit: Seconds after which the search stops, between alternations (the best point so far is
            returned; at least the first best response of the first batch is taken).
        max_iterations: Cap on alternations per batch.

    Returns:
        A :class:`LocalSearchResult`; ``value == x^T A s`` exactly.

    Raises:
        ValueError: For a malformed matrix, starts of the wrong shape or values, or bad counts.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import alternating_best_response
        >>> a = np.random.default_rng(0).normal(size=(6, 4))
        >>> first = alternating_best_response(a, num_restarts=8, seed=1)
        >>> again = alternating_best_response(a, num_restarts=8, seed=1)
        >>> first.value == again.value, first.num_restarts
        (True, 8)
    """
    started = time.perf_counter()
    a = _check_matrix(matrix)
    d, h = a.shape
    max_iterations = check_integer(max_iterations, "max_iterations", 1)
    time_limit = None if time_limit is None else check_positive(time_limit, "time_limit")
    given_x = _starts(initial_x, d, (-1, 1), "initial_x")
    given_s = _starts(initial_s, h, (0, 1), "initial_s")
    if given_s is not None:
        from_s = best_response_x(a, given_s).astype(np.float64)
        if given_x is None:
            given_x = from_s
        elif given_x.shape[1] != from_s.shape[1]:
            raise ValueError("initial_x and initial_s must hold the same number of starts")
        else:
            given_x = np.where(_x_values(a, from_s) > _x_values(a, given_x), from_s, given_x)
    given = np.empty((d, 0)) if given_x is None else given_x
    total = _restart_count(num_restarts, time_limit, given.shape[1])
    rng = np.random.default_rng(seed)
    best = _Best(a)
    used = 0
    for size in _batches(total, time_limit, started):
        take = given[:, used : used + size]
        used += take.shape[1]
        random = rng.choice((-1.0, 1.0), size=(d, size - take.shape[1]))
        best.update(*_alternate(a, np.hstack([take, random]), max_iterations, time_limit, started))
    if used < given.shape[1]:
        best.update(*_alternate(a, given[:, used:], max_iterations, time_limit, started))
    return best.result(started)


def _tolerance(current: np.ndarray) -> np.ndarray:
    return _GAIN_TOLERANCE * np.maximum(1.0, np.abs(current))


def _first_improvement_sweep(
    images: np.ndarray,
    objective: Callable[[np.ndarray], np.ndarray],
    codes: np.ndarray,
    flip_sum: float,
    rng: np.random.Generator,
) -> bool:
    """One sweep in a random order, taking every improving flip; returns whether any flip was taken."""
    y = images @ codes  # recomputed each sweep: no drift from incremental updates
    current = objective(y).sum(axis=0)
    moved = False
    for k in rng.permutation(images.shape[1]):
        delta = flip_sum - 2.0 * codes[k]
        trial = y + images[:, k : k + 1] * delta
        gain = objective(trial).sum(axis=0) - current
        take = gain > _tolerance(current)
        if take.any():
            y[:, take] = trial[:, take]
            codes[k, take] += delta[take]
            current[take] += gain[take]
            moved = True
    return moved


def _steepest_step(
    images: np.ndarray,
    objective: Callable[[np.ndarray], np.ndarray],
    codes: np.ndarray,
    flip_sum: float,
) -> bool:
    """Take the best single flip of every column that has an improving one; returns whether any was taken."""
    m, n = images.shape
    y = images @ codes
    current = objective(y).sum(axis=0)
    delta = flip_sum - 2.0 * codes  # (n, columns)
    width = max(1, 2**22 // (m * n))  # columns per (m, n, width) block
    gains = (
        np.hstack(
            [
                objective(
                    y[:, None, j : j + width] + images[:, :, None] * delta[None, :, j : j + width]
                ).sum(axis=0)
                for j in range(0, codes.shape[1], width)
            ]
        )
        - current
    )
    best = np.argmax(gains, axis=0)
    columns = np.flatnonzero(gains[best, np.arange(codes.shape[1])] > _tolerance(current))
    codes[best[columns], columns] += delta[best[columns], columns]
    return columns.size > 0


def one_side_flip_search(
    matrix: npt.ArrayLike,
    *,
    side: Literal["auto", "x", "s"] = "auto",
    num_restarts: int | None = 16,
    strategy: Literal["first", "steepest"] = "first",
    seed: int | None = None,
    time_limit: float | None = None,
    max_sweeps: int = 100,
    initial: npt.ArrayLike | None = None,
) -> LocalSearchResult:
    """Single-flip local search over one side, the other side eliminated in closed form.

    Over ``s`` the objective is ``||A s||_1``; over ``x`` it is ``sum_j max(0, (A^T x)_j)``. The image
    (``A s`` or ``A^T x``) of every restart is a column of one matrix, and the gains of a flip are computed
    for all restarts at once.

    Args:
        matrix: ``A`` of shape ``(d, h)``.
        side: ``"s"``, ``"x"``, or ``"auto"``: the side with fewer variables (``"s"`` when ``h <= d``).
        num_restarts: Number of random starts; ``None`` runs batches until ``time_limit``.
        strategy: ``"first"``: sweeps over the variables in a random order, taking every improving flip
            (a sweep costs about one steepest step and usually makes many moves); ``"steepest"``: take the
            best single flip of each restart per step.
        seed: Seed of the starts and sweep orders.
        time_limit: Seconds after which the search stops, between sweeps (``"first"``) or steps: the codes
            reached so far count, so the limit holds within one sweep.
        max_sweeps: Cap on sweeps (``"first"``) or steps (``"steepest"``, then times the number of variables).
        initial: Starting codes of the searched side (``s`` in {0, 1}^h or ``x`` in {-1, +1}^d), shape
            ``(n,)`` or one start per row ``(k, n)``; they are run first (``num_restarts`` counts them, and is
            raised to ``k`` if smaller), then random starts. A search never ends below its start.

    Returns:
        A :class:`LocalSearchResult` with the eliminated side set to its best response, so ``value`` is
        ``x^T A s`` exactly.

    Raises:
        ValueError: For a malformed matrix or unknown ``side``/``strategy``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import one_side_flip_search
        >>> a = np.random.default_rng(0).normal(size=(5, 7))
        >>> over_s = one_side_flip_search(a, side="s", num_restarts=8, seed=0)
        >>> over_x = one_side_flip_search(a, side="x", num_restarts=8, seed=0)
        >>> over_s.value > 0 and over_x.value > 0
        True
    """
    started = time.perf_counter()
    a = _check_matrix(matrix)
    d, h = a.shape
    if side not in ("auto", "x", "s"):
        raise ValueError(f"side must be 'auto', 'x' or 's', got {side!r}")
    if strategy not in ("first", "steepest"):
        raise ValueError(f"strategy must be 'first' or 'steepest', got {strategy!r}")
    max_sweeps = check_integer(max_sweeps, "max_sweeps", 1)
    time_limit = None if time_limit is None else check_positive(time_limit, "time_limit")
    total = _restart_count(num_restarts, time_limit, 0)
    if side == "auto":
        side = "s" if h <= d else "x"
    if side == "s":
        images, values, objective = a, (0.0, 1.0), np.abs
    else:
        images, values, objective = a.T, (-1.0, 1.0), lambda y: np.maximum(y, 0.0)
    steps = max_sweeps if strategy == "first" else max_sweeps * images.shape[1]
    flip_sum = (
        values[0] + values[1]
    )  # flipping code c_k moves the image by (flip_sum - 2 c_k) images[:, k]
    given = _starts(initial, images.shape[1], tuple(int(v) for v in values), "initial")
    given = np.empty((images.shape[1], 0)) if given is None else given
    total = None if total is None else max(total, given.shape[1])
    rng = np.random.default_rng(seed)
    best = _Best(a)
    used = 0
    for size in _batches(total, time_limit, started, minimum=given.shape[1]):
        take = given[:, used : used + size]
        used += take.shape[1]
        codes = np.hstack([take, rng.choice(values, size=(images.shape[1], size - take.shape[1]))])
        for _ in range(steps):
            if _out_of_time(time_limit, started):
                break
            if strategy == "first":
                moved = _first_improvement_sweep(images, objective, codes, flip_sum, rng)
            else:
                moved = _steepest_step(images, objective, codes, flip_sum)
            if not moved:
                break
        if side == "s":
            best.update(best_response_x(a, codes).astype(np.float64), codes)
        else:
            best.update(codes, best_response_s(a, codes).astype(np.float64))
    return best.result(started)


def _side_codes(result: LocalSearchResult, side: str) -> np.ndarray:
    return result.s if side == "s" else result.x


def iterated_flip_search(
    matrix: npt.ArrayLike,
    initial: npt.ArrayLike,
    *,
    side: Literal["auto", "x", "s"] = "auto",
    num_batches: int | None = 6,
    batch_size: int = 16,
    perturbation: float = PERTURBATION,
    seed: int | None = None,
    time_limit: float | None = None,
) -> LocalSearchResult:
    """Iterated local search over one side: perturb the best point, flip-search the copies, keep a gain.

    The starting codes are first brought to a single-flip local optimum (:func:`one_side_flip_search`);
    then each batch flips ``max(2, round(perturbation * n))`` distinct random variables of the best point in
    ``batch_size`` independent ways, runs the flip search from every copy at once, and moves to the best
    result if it improves on the best point. The search never ends below its start: its value is a
    certificate (a lower bound on the FGL), never an upper bound.

    Args:
        matrix: ``A`` of shape ``(d, h)``.
        initial: Starting codes of the searched side (``s`` in {0, 1}^h or ``x`` in {-1, +1}^d), shape
            ``(n,)`` or one start per row ``(k, n)``; the best after flip search is the first centre.
        side: ``"s"``, ``"x"``, or ``"auto"``: the side with fewer variables (``"s"`` when ``h <= d``).
        num_batches: Perturbation batches; ``None`` runs batches until ``time_limit``.
        batch_size: Perturbed copies per batch.
        perturbation: Share of the ``n`` variables flipped in each copy, in ``(0, 1]``.
        seed: Seed of the perturbations and sweep orders (same seed, same result without a time limit).
        time_limit: Seconds after which the search stops, between flip sweeps.

    Returns:
        A :class:`LocalSearchResult` (``num_restarts`` counts every flip-searched start), the eliminated side
        at its best response.

    Raises:
        ValueError: For a malformed matrix or start, an unknown side, a perturbation outside ``(0, 1]``, or
            neither ``num_batches`` nor ``time_limit``.
        TypeError: For non-integer counts, or a perturbation or time limit that is not a number.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.local_search import iterated_flip_search, one_side_flip_search
        >>> a = np.random.default_rng(0).normal(size=(40, 30))
        >>> start = one_side_flip_search(a, side="s", num_restarts=1, seed=0)
        >>> found = iterated_flip_search(a, start.s, side="s", num_batches=4, seed=0)
        >>> found.value >= start.value, found.value == float(found.x @ a @ found.s)
        (True, True)
    """
    started = time.perf_counter()
    a = _check_matrix(matrix)
    if side == "auto":
        side = "s" if a.shape[1] <= a.shape[0] else "x"
    if side not in ("x", "s"):
        raise ValueError(f"side must be 'auto', 'x' or 's', got {side!r}")
    batches, time_limit = check_work_or_time(num_batches, "num_batches", time_limit)
    batch_size = check_integer(batch_size, "batch_size", 1)
    share = check_fraction(perturbation, "perturbation")
    n = a.shape[1] if side == "s" else a.shape[0]
    given = _starts(initial, n, (0, 1) if side == "s" else (-1, 1), "initial")
    assert given is not None
    rng = np.random.default_rng(seed)

    def remaining() -> float | None:
        return None if time_limit is None else max(time_limit - (time.perf_counter() - started), 1e-3)

    def search(starts: np.ndarray) -> LocalSearchResult:
        return one_side_flip_search(a, side=side, initial=starts, num_restarts=len(starts),
                                    seed=int(rng.integers(2**31)), time_limit=remaining())

    best = search(given.T)
    count = best.num_restarts
    flips = min(n, max(2, round(share * n)))
    batch = 0
    while (batches is None or batch < batches) and not _out_of_time(time_limit, started):
        centre = _side_codes(best, side)
        copies = np.repeat(centre[None, :], batch_size, axis=0)
        chosen = np.argsort(rng.random((batch_size, n)), axis=1)[:, :flips]
        rows = np.arange(batch_size)[:, None]
        copies[rows, chosen] = (1 - copies[rows, chosen]) if side == "s" else -copies[rows, chosen]
        found = search(copies)
        count += found.num_restarts
        if found.value > best.value + _tolerance(np.asarray(best.value)):
            best = found
        batch += 1
    return LocalSearchResult(best.x, best.s, best.value, count, time.perf_counter() - started)


def alternating_search(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    num_restarts: int | None = 64,
    seed: int | None = None,
    time_limit: float | None = None,
) -> Certificate:
    """Run :func:`alternating_best_response` on a two-layer network and return the best point as a certificate.

    Args:
        network: A two-layer :class:`~hiqlip_plugin.ReLUNetwork`.
        output: Output index ``k``; may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        num_restarts: Number of random starts (``None``: until ``time_limit``).
        seed: Seed of the starts.
        time_limit: Seconds after which no new batch of starts begins.

    Returns:
        An l_inf :class:`~hiqlip_plugin.lipschitz.formulation.Certificate` with input signs: ``FGL >= value``.

    Raises:
        ValueError: If the network has more than one hidden layer, or for bad output choices.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.local_search import alternating_search
        >>> net = random_relu_network((8, 6, 3), seed=0)
        >>> cert = alternating_search(net, output=1, seed=0)
        >>> cert.verify(net), cert.norm
        (True, 'inf')
    """
    c = network.output_direction(output, direction)
    result = alternating_best_response(
        bilinear_matrix(network, direction=c),
        num_restarts=num_restarts,
        seed=seed,
        time_limit=time_limit,
    )
    return Certificate.from_patterns(network, [result.s], c, input_signs=result.x)
