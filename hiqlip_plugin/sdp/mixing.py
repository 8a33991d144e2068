"""A fast low-rank solver for ``max <C, X> s.t. diag(X) = 1, X PSD``, with a certified dual bound.

This is the SDP relaxation of ``max_{x in {-1,1}^m} x^T C x`` (Max-Cut, and the natural SDP of the l_inf
Lipschitz problem). The module knows nothing of networks: ``C`` is any symmetric matrix, dense or
:mod:`scipy.sparse`.

**The solver (mixing method, Wang, Chang and Kolter 2017).** ``X = V^T V`` with ``V`` of shape
``(k, m)`` and unit columns (Burer-Monteiro), ``k = ceil(sqrt(2 m)) + 1`` by default. Updating one
column to ``v_i <- g_i / ||g_i||``, ``g_i = sum_{j != i} C_ij v_j``, maximises the objective over that
column exactly. The columns of an independent set of the coupling graph (``C_ij = 0`` inside the set) do
not interact, so the whole set is updated at once by one BLAS product: an exact block-coordinate step.
:func:`colour_classes` partitions the variables greedily into such sets, in breadth-first order, which
2-colours every bipartite graph. For the bipartite costs ``C = [[0, N], [N^T, 0]]`` of the Lipschitz problem
a sweep is therefore two products, ``V_x <- normalise(V_z N^T)`` and ``V_z <- normalise(V_x N)``; a dense
general ``C`` falls back to the classic one-column-at-a-time sweep. Each class update is followed by a
Nesterov-type extrapolation ``v <- normalise(v_new + beta (v_new - v_old))`` (``beta = (t - 1) / (t + 2)``,
capped at 0.9). The objective is affine in each class, so its exact increase is known after every update;
a sweep that lowers the objective is undone and redone without extrapolation, and the momentum restarts.
The ascent is monotone. On the 784-256-10 benchmark extrapolation cuts the sweeps of a
``tol = 1e-6`` solve from 1530 to 82 (``docs/benchmarks/sdp.md``).

**The certified bound.** The primal value ``<C, V^T V>`` is a lower bound on the SDP optimum and certifies
nothing. For ANY ``y`` in ``R^m`` and any feasible ``X`` (PSD, ``trace X = m``),

.. math::

    \\langle C, X\\rangle = \\langle C - \\mathrm{Diag}(y), X\\rangle + \\textstyle\\sum_i y_i
    \\le \\textstyle\\sum_i y_i + m\\, \\lambda_{\\max}(C - \\mathrm{Diag}(y)),

with no ``max(0, .)`` needed because ``trace X = m`` exactly. The solver takes ``y_i = ||g_i||`` at its
final iterate (the KKT multipliers), so the bound is valid for any ``V`` and tight only as ``V`` converges.

**Soundness in floating point.** ``lambda_max`` is never trusted from an eigensolver. An estimate (dense
LAPACK ``dsyevr`` for the largest eigenvalue only; Lanczos and LOBPCG were slower on the clustered top
spectrum of a near-optimal ``C - Diag(y)``) plus a relative slack ``eig_tol`` gives a trial ``lam``, and a LAPACK Cholesky factorisation of
``B = fl(lam I - C + Diag(y))`` must run to completion
(:func:`hiqlip_plugin._verified.verified_lambda_max`, shared with the other certificates). By Rump's theorem (S. M. Rump, *Verification of
positive definiteness*, BIT 46, 2006), a completed floating-point Cholesky factorisation proves
``lambda_min(B) >= -c`` with ``c = gamma_{m+1} / (1 - gamma_{m+1}) trace(B)`` (``gamma_n = n u / (1 - n u)``,
``u = 2^-53``, plus an underflow term); we use twice that ``c``, and add ``2 u max|B_ii|`` for the rounding
of ``B``'s diagonal. If the factorisation fails the slack grows tenfold, up to the Gershgorin bound. The
final sum ``trace(C) + sum(y) + m lam`` gets a margin of ``2 gamma_{m+3}`` times the sum of the absolute
values of its terms, and a ``C`` that was symmetric only to :data:`SYMMETRY_RTOL` is symmetrised with a
margin of ``u sum|C_ij|``. The Rump term dominates: multiplied by ``m`` it is about ``2 m^2 u`` relative to
the bound (``2.5e-10`` for ``m = 1041``), the floor of the certified gap. The dense factorisation limits
the certified size to :data:`MAX_CERTIFIED_SIZE` variables.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.sdp.mixing import mixing_sdp, hyperplane_rounding
    >>> cycle = np.roll(np.eye(5), 1, axis=1)
    >>> cost = -(cycle + cycle.T)            # Max-Cut of the 5-cycle: maximise -sum_{ij} x_i x_j
    >>> result = mixing_sdp(cost, seed=0)
    >>> round(result.dual_bound, 4)           # the SDP value is 10 cos(pi / 5) = 8.0902
    8.0902
    >>> result.primal <= result.dual_bound
    True
    >>> spins = hyperplane_rounding(result, 4, seed=0)
    >>> spins.shape, bool(np.all(np.abs(spins) == 1))
    ((4, 5), True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from hiqlip_plugin._verified import ROW_BLOCK, UNIT_ROUNDOFF, gamma, verified_lambda_max
from hiqlip_plugin.exceptions import ProblemTooLargeError

__all__ = [
    "MixingResult",
    "DualBound",
    "mixing_sdp",
    "certified_dual_bound",
    "hyperplane_rounding",
    "colour_classes",
    "default_rank",
    "MAX_CERTIFIED_SIZE",
    "SYMMETRY_RTOL",
]

MAX_CERTIFIED_SIZE = 10000
"""Largest ``m`` for which the bound is certified (the Cholesky test factorises a dense ``m x m`` matrix)."""

SYMMETRY_RTOL = 1e-10
"""A cost matrix is accepted as symmetric if ``max|C - C^T| <= SYMMETRY_RTOL * max|C|``."""

_MAX_MOMENTUM = 0.9
_DEFAULT_EIG_TOL = 1e-12


@dataclass(frozen=True)
class MixingResult:
    """Result of :func:`mixing_sdp` (read-only).

    Attributes:
        primal: ``<C, V^T V>``: a LOWER bound on the SDP optimum (certifies nothing).
        dual_bound: Certified UPPER bound ``sum(y) + m lambda_max(C - Diag(y))`` plus the floating-point
            safety margin of the module docstring.
        y: The multipliers used by the bound (``||g_i|| + C_ii``), shape ``(m,)``.
        lambda_max: The verified upper bound on ``lambda_max(C - Diag(y))`` used by the bound.
        factors: ``V``, shape ``(rank, m)``, unit columns; ``X = V^T V``.
        iterations: Number of sweeps over all variables.
        converged: Whether the certified relative gap reached ``tol``.
        gap: Relative gap ``(dual_bound - primal) / max(|primal|, |dual_bound|)``.
        wall_time: Seconds spent in :func:`mixing_sdp`, the certificate included.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.mixing import mixing_sdp
        >>> result = mixing_sdp(np.array([[0.0, 1.0], [1.0, 0.0]]), seed=1)
        >>> round(result.primal, 6), result.dual_bound >= 2.0, result.factors.shape
        (2.0, True, (2, 2))
    """

    primal: float
    dual_bound: float
    y: np.ndarray
    lambda_max: float
    factors: np.ndarray
    iterations: int
    converged: bool
    gap: float
    wall_time: float


class DualBound(NamedTuple):
    """A certified bound ``max {<C, X> : X PSD, diag X = 1} <= value`` (see :func:`certified_dual_bound`).

    Its fields: ``value``, the bound ``sum(y) + m * lambda_max`` plus the rounding margin, and
    ``lambda_max``, the verified upper bound on ``lambda_max(C - Diag(y))``.
    """

    value: float
    lambda_max: float


@dataclass(frozen=True)
class _Cost:
    """A validated cost matrix split into its off-diagonal part and its diagonal."""

    offdiag: np.ndarray | sp.csr_array
    diagonal: np.ndarray
    symmetrisation_margin: float

    @property
    def size(self) -> int:
        return self.diagonal.shape[0]


@dataclass(frozen=True)
class _Layout:
    """The off-diagonal cost with rows and columns permuted so that every colour class is contiguous."""

    matrix: np.ndarray | sp.csr_array
    order: np.ndarray
    spans: tuple[tuple[int, int], ...]
    row_blocks: tuple[sp.csr_array, ...]

    def class_fields(self, factors: np.ndarray, index: int) -> np.ndarray:
        """Rows ``g_i = sum_j C_ij u_j`` of class ``index``; the class's own rows of ``factors`` are not read."""
        if self.row_blocks:
            return self.row_blocks[index] @ factors
        a, b = self.spans[index]
        return self.matrix[a:b, :a] @ factors[:a] + self.matrix[a:b, b:] @ factors[b:]


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _max_abs(matrix: np.ndarray) -> float:
    return max(float(matrix.max()), -float(matrix.min()))


def _asymmetry(matrix: np.ndarray | sp.csr_array) -> float:
    """``max |C - C^T|``; for a dense ``C`` a block of rows at a time (no full-size temporaries)."""
    if sp.issparse(matrix):
        return float(abs(matrix - matrix.T).max())
    block = ROW_BLOCK
    return max((_max_abs(matrix[i : i + block] - matrix[:, i : i + block].T)
                for i in range(0, matrix.shape[0], block)), default=0.0)


def _prepare_cost(cost: npt.ArrayLike | sp.sparray | sp.spmatrix) -> _Cost:
    """Validate ``cost`` (non-empty, square, real, finite, symmetric) and split off its diagonal."""
    matrix = sp.csr_array(cost) if sp.issparse(cost) else np.asarray(cost)
    if math.prod(matrix.shape) == 0:
        raise ValueError("cost matrix is empty")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"cost must be a square matrix, got shape {matrix.shape}")
    if matrix.dtype.kind not in "biuf":
        raise ValueError(f"cost must be real, got dtype {matrix.dtype}")
    matrix = matrix.astype(np.float64)
    if not np.all(np.isfinite(matrix.data if sp.issparse(matrix) else matrix)):
        raise ValueError("cost contains NaN or infinite entries")
    asymmetry = _asymmetry(matrix)
    if asymmetry > SYMMETRY_RTOL * float(abs(matrix).max() if sp.issparse(matrix) else _max_abs(matrix)):
        raise ValueError(f"cost is not symmetric: max |C - C^T| = {asymmetry:.3g}")
    margin = 0.0
    if asymmetry > 0.0:
        matrix = (matrix + matrix.T) * 0.5
        margin = UNIT_ROUNDOFF * float(abs(matrix).sum())
    diagonal = np.array(matrix.diagonal(), dtype=np.float64)
    if sp.issparse(matrix):
        offdiag = sp.csr_array(matrix - sp.diags_array(diagonal))
        offdiag.eliminate_zeros()
    else:
        offdiag = matrix
        np.fill_diagonal(offdiag, 0.0)
    return _Cost(offdiag=offdiag, diagonal=diagonal, symmetrisation_margin=margin)


def _coupling_graph(cost: npt.ArrayLike | sp.sparray | sp.spmatrix) -> sp.csr_array:
    """Symmetric boolean adjacency of the off-diagonal non-zeros of ``cost``."""
    entries = sp.coo_array(cost) if sp.issparse(cost) else sp.coo_array(np.asarray(cost))
    keep = (entries.row != entries.col) & (entries.data != 0)
    rows, cols = entries.row[keep], entries.col[keep]
    m = entries.shape[0]
    ones = np.ones(2 * len(rows), dtype=bool)
    graph = sp.csr_array(
        (ones, (np.concatenate([rows, cols]), np.concatenate([cols, rows]))), shape=(m, m)
    )
    graph.sum_duplicates()
    return graph


def colour_classes(cost: npt.ArrayLike | sp.sparray | sp.spmatrix) -> list[np.ndarray]:
    """Partition the variables into independent sets of the coupling graph (``C_ij != 0``, ``i != j``).

    Greedy colouring in breadth-first order of each connected component (starting from its vertex of
    largest degree): every vertex takes the smallest colour none of its coloured neighbours has. In this
    order every bipartite graph gets exactly two colours.

    Args:
        cost: Square matrix (dense or sparse); only its off-diagonal non-zero pattern is read.

    Returns:
        One sorted index array per colour, largest class first; together they partition ``range(m)``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.mixing import colour_classes
        >>> n = np.ones((3, 2))
        >>> bipartite = np.block([[np.zeros((3, 3)), n], [n.T, np.zeros((2, 2))]])
        >>> [c.tolist() for c in colour_classes(bipartite)]
        [[0, 1, 2], [3, 4]]
    """
    graph = _coupling_graph(cost)
    m = graph.shape[0]
    degree = np.diff(graph.indptr)
    colours = np.zeros(m, dtype=np.int64)
    coloured = degree == 0
    for root in np.argsort(-degree, kind="stable"):
        if coloured[root]:
            continue
        for vertex in csgraph.breadth_first_order(
            graph, root, directed=False, return_predecessors=False
        ):
            neighbours = graph.indices[graph.indptr[vertex] : graph.indptr[vertex + 1]]
            taken = colours[neighbours[coloured[neighbours]]]
            used = np.zeros(len(neighbours) + 1, dtype=bool)
            used[taken[taken <= len(neighbours)]] = True
            colours[vertex] = int(np.argmin(used))
            coloured[vertex] = True
    classes = [np.flatnonzero(colours == c) for c in range(colours.max() + 1)]
    return sorted(classes, key=len, reverse=True)


def _layout(offdiag: np.ndarray | sp.csr_array) -> _Layout:
    classes = colour_classes(offdiag)
    order = np.concatenate(classes)
    ends = np.cumsum([len(c) for c in classes])
    spans = tuple(zip((0, *ends[:-1].tolist()), ends.tolist(), strict=True))
    if sp.issparse(offdiag):
        matrix = sp.csr_array(offdiag[order][:, order])
        blocks = tuple(sp.csr_array(matrix[a:b]) for a, b in spans)
    else:
        matrix = offdiag[np.ix_(order, order)]
        blocks = ()
    return _Layout(matrix=matrix, order=order, spans=spans, row_blocks=blocks)


def default_rank(m: int) -> int:
    """Default factor rank ``min(m, ceil(sqrt(2 m)) + 1)``.

    Above ``sqrt(2 m)`` the Burer-Monteiro factorisation has no spurious local optima for generic costs
    (Boumal, Voroninski and Bandeira 2016).

    Examples:
        >>> from hiqlip_plugin.sdp.mixing import default_rank
        >>> default_rank(1041), default_rank(2)
        (47, 2)
    """
    return min(m, math.ceil(math.sqrt(2 * m)) + 1)


def _normalise(rows: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Scale each row to unit length; a zero row is replaced by the same row of ``fallback``."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    zero = norms == 0.0
    if zero.any():
        rows = np.where(zero[:, None], fallback, rows)
        norms[zero] = 1.0
    return rows / norms[:, None]


def _sweep(layout: _Layout, factors: np.ndarray, momentum: float) -> float:
    """Update every colour class once, in place; return the exact increase of ``<C_off, U U^T>``.

    The objective is affine in the rows of one class (an independent set), with slope ``2 g``; so the
    increase of a class update from ``u_old`` to ``u`` is ``2 <u - u_old, g>`` whatever ``u`` is.
    """
    increase = 0.0
    for index, (a, b) in enumerate(layout.spans):
        fields = layout.class_fields(factors, index)
        old = factors[a:b]
        new = _normalise(fields, old)
        if momentum:
            new = _normalise(new + momentum * (new - old), new)
        increase += 2.0 * float(np.vdot(new - old, fields))
        factors[a:b] = new
    return increase


def _dual_bound(
    cost: _Cost, offdiag: np.ndarray | sp.csr_array, y_offdiag: np.ndarray, eig_tol: float
) -> DualBound:
    """Certified bound for the cost ``offdiag + Diag(cost.diagonal)`` with multipliers ``y_offdiag + diagonal``.

    ``offdiag`` may be ``cost.offdiag`` permuted symmetrically, with ``y_offdiag`` in the same order.
    """
    m = cost.size
    lam = verified_lambda_max(offdiag, y_offdiag, eig_tol)
    terms = np.array([float(np.sum(cost.diagonal)), float(np.sum(y_offdiag)), m * lam])
    absolute = (
        float(np.sum(np.abs(cost.diagonal))) + float(np.sum(np.abs(y_offdiag))) + m * abs(lam)
    )
    margin = 2.0 * gamma(m + 3) * absolute + cost.symmetrisation_margin
    return DualBound(value=float(np.sum(terms)) + margin, lambda_max=lam)


def _check_eig_tol(eig_tol: float | None) -> float:
    if eig_tol is None:
        return _DEFAULT_EIG_TOL
    if not _is_number(eig_tol) or not 0 < eig_tol < 1:
        raise ValueError(f"eig_tol must be a number in (0, 1), got {eig_tol!r}")
    return float(eig_tol)


def _check_size(m: int) -> None:
    if m > MAX_CERTIFIED_SIZE:
        raise ProblemTooLargeError(
            f"the certified bound factorises a dense {m} x {m} matrix; at most {MAX_CERTIFIED_SIZE} variables"
        )


def certified_dual_bound(
    cost: npt.ArrayLike | sp.sparray | sp.spmatrix,
    y: npt.ArrayLike,
    *,
    eig_tol: float | None = None,
) -> DualBound:
    """Certified upper bound on ``max {<C, X> : X PSD, diag X = 1}`` from ANY multipliers ``y``.

    Weak duality gives ``<C, X> <= sum(y) + m lambda_max(C - Diag(y))``; ``lambda_max`` is verified by a
    Cholesky factorisation and rounding margins are added (module docstring). Good ``y`` (e.g. from an SDP
    solver's dual) give a tight bound, any ``y`` gives a valid one.

    Args:
        cost: Symmetric ``m x m`` matrix ``C`` (dense or sparse).
        y: Multipliers, shape ``(m,)``.
        eig_tol: Slack added to the eigenvalue estimate before its verification, relative to a bound on
            ``||C - Diag(y)||`` (default ``1e-12``); grows tenfold while the verification fails.

    Returns:
        A :class:`DualBound`.

    Raises:
        ValueError: For an invalid cost matrix or ``y``.
        ProblemTooLargeError: If ``m`` exceeds :data:`MAX_CERTIFIED_SIZE`.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.mixing import certified_dual_bound
        >>> cost = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> bound = certified_dual_bound(cost, [1.0, 1.0])    # the optimum is 2 (X = all ones)
        >>> bool(2.0 <= bound.value < 2.0 + 1e-9)
        True
    """
    prepared = _prepare_cost(cost)
    _check_size(prepared.size)
    multipliers = np.asarray(y, dtype=np.float64)
    if multipliers.shape != (prepared.size,) or not np.all(np.isfinite(multipliers)):
        raise ValueError(f"y must be {prepared.size} finite numbers, got shape {multipliers.shape}")
    return _dual_bound(
        prepared, prepared.offdiag, multipliers - prepared.diagonal, _check_eig_tol(eig_tol)
    )


def _check_solver_arguments(
    m: int, rank: int | None, max_iter: int, tol: float, time_limit: float | None
) -> int:
    """Validate the solver's scalar arguments; return the rank to use."""
    if rank is None:
        rank = default_rank(m)
    elif not _is_int(rank) or rank < 1:
        raise ValueError(f"rank must be a positive integer, got {rank!r}")
    if not _is_int(max_iter) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    if not _is_number(tol) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    if time_limit is not None and (not _is_number(time_limit) or not time_limit > 0):
        raise ValueError(
            f"time_limit must be a positive number of seconds or None, got {time_limit!r}"
        )
    return int(rank)


def _certify(
    prepared: _Cost, layout: _Layout, factors: np.ndarray, eig_tol: float
) -> tuple[float, np.ndarray, DualBound]:
    """Primal value, multipliers ``y_i = ||g_i||`` (permuted order, off-diagonal part) and the certified bound."""
    fields = layout.matrix @ factors
    y = np.sqrt(np.einsum("ij,ij->i", fields, fields))
    primal = float(np.vdot(factors, fields)) + float(np.sum(prepared.diagonal))
    return primal, y, _dual_bound(prepared, layout.matrix, y, eig_tol)


def _relative_gap(primal: float, dual: float) -> float:
    scale = max(abs(primal), abs(dual))
    return (dual - primal) / scale if scale > 0 else 0.0


def mixing_sdp(
    cost: npt.ArrayLike | sp.sparray | sp.spmatrix,
    *,
    rank: int | None = None,
    max_iter: int = 1000,
    tol: float = 1e-6,
    seed: int | np.random.Generator | None = None,
    time_limit: float | None = None,
    eig_tol: float | None = None,
) -> MixingResult:
    """Solve ``max <C, X> s.t. diag(X) = 1, X PSD`` by the accelerated mixing method, with a certified bound.

    Stopping. The primal error is quadratic in the distance of ``V`` to an optimum, the dual bound's error
    linear, so the primal converges long before the bound is tight. When the relative increase of the
    primal over a sweep falls below ``tol**2``, the bound is certified; the solver stops if the certified
    relative gap is at most ``tol`` and otherwise sweeps on, certifying again after twice as many sweeps.
    It also stops after ``max_iter`` sweeps or once ``time_limit`` seconds have passed (the final
    certificate, about 0.1 s for ``m = 1000``, comes on top). The bound is valid at any stop. Gaps below
    about ``2 m^2 2^-53`` (the rounding margin of the certificate) are out of reach.

    Args:
        cost: Symmetric ``m x m`` matrix ``C``: a dense array or a :mod:`scipy.sparse` matrix. The diagonal
            only shifts the objective by ``trace(C)``.
        rank: Number of rows ``k`` of ``V`` (default :func:`default_rank`).
        max_iter: Maximum number of sweeps (0 certifies the random start).
        tol: Target relative gap between the certified bound and the primal value.
        seed: Seed of the random start (anything :func:`numpy.random.default_rng` accepts).
        time_limit: Wall-clock budget of the sweeps in seconds (default: none).
        eig_tol: Slack added to the eigenvalue estimate before its Cholesky verification, relative to a
            bound on ``||C - Diag(y)||`` (default ``1e-12``).

    Returns:
        A :class:`MixingResult`.

    Raises:
        ValueError: If ``cost`` is not a non-empty, real, finite, symmetric square matrix, or an argument is
            out of range.
        ProblemTooLargeError: If ``m`` exceeds :data:`MAX_CERTIFIED_SIZE`.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.mixing import mixing_sdp
        >>> rng = np.random.default_rng(0)
        >>> n = rng.normal(size=(6, 4))
        >>> cost = np.block([[np.zeros((6, 6)), n], [n.T, np.zeros((4, 4))]])
        >>> result = mixing_sdp(cost, seed=0)
        >>> result.converged, result.gap <= 1e-6, result.primal <= result.dual_bound
        (True, True, True)
    """
    start_time = time.perf_counter()
    prepared = _prepare_cost(cost)
    m = prepared.size
    _check_size(m)
    rank = _check_solver_arguments(m, rank, max_iter, tol, time_limit)
    eig_tol = _check_eig_tol(eig_tol)
    layout = _layout(prepared.offdiag)
    # Only the permuted copy is used from here on (for a dense cost, one m x m array less in memory).
    prepared = _Cost(offdiag=layout.matrix, diagonal=prepared.diagonal,
                     symmetrisation_margin=prepared.symmetrisation_margin)
    rng = np.random.default_rng(seed)
    factors = _normalise(rng.standard_normal((m, rank)), np.zeros((m, rank)))
    objective = float(np.vdot(factors, layout.matrix @ factors))

    certificate: tuple[float, np.ndarray, DualBound] | None = None
    converged = False
    next_check = 0
    restart = 1
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        momentum = min(_MAX_MOMENTUM, (restart - 1) / (restart + 2))
        saved = factors.copy() if momentum else None
        increase = _sweep(layout, factors, momentum)
        if (
            saved is not None and increase < 0.0
        ):  # the extrapolation overshot: undo it, restart the momentum
            factors[...] = saved
            increase = _sweep(layout, factors, 0.0)
            restart = 1
        else:
            restart += 1
        objective += increase
        certificate = None
        if time_limit is not None and time.perf_counter() - start_time >= time_limit:
            break
        if iterations >= next_check and increase <= tol**2 * abs(objective):
            certificate = _certify(prepared, layout, factors, eig_tol)
            primal, _, bound = certificate
            if _relative_gap(primal, bound.value) <= tol:
                converged = True
                break
            next_check = 2 * iterations
    primal, y, bound = certificate or _certify(prepared, layout, factors, eig_tol)
    inverse = np.empty(m, dtype=np.intp)
    inverse[layout.order] = np.arange(m)
    y_out = y[inverse] + prepared.diagonal
    factors_out = np.ascontiguousarray(factors[inverse].T)
    y_out.flags.writeable = False
    factors_out.flags.writeable = False
    return MixingResult(
        primal=primal,
        dual_bound=bound.value,
        y=y_out,
        lambda_max=bound.lambda_max,
        factors=factors_out,
        iterations=iterations,
        converged=converged,
        gap=_relative_gap(primal, bound.value),
        wall_time=time.perf_counter() - start_time,
    )


def hyperplane_rounding(
    result_or_factors: MixingResult | npt.ArrayLike,
    num_samples: int = 1,
    *,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Goemans-Williamson rounding: spins ``sign(r^T V)`` for random Gaussian directions ``r``.

    Each row is a feasible point ``x`` of ``max x^T C x`` over ``{-1, +1}^m``: a witness (a lower bound),
    and a good ``initial_states`` for samplers.

    Args:
        result_or_factors: A :class:`MixingResult` or factors ``V`` of shape ``(k, m)``.
        num_samples: Number of random hyperplanes.
        seed: Seed of the directions (anything :func:`numpy.random.default_rng` accepts).

    Returns:
        ``int8`` array of shape ``(num_samples, m)`` with entries ``+1``/``-1`` (a zero projection gives
        ``+1``).

    Raises:
        ValueError: If the factors are not a finite 2-D array or ``num_samples`` is not a positive integer.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.mixing import hyperplane_rounding
        >>> v = np.array([[1.0, -1.0, 0.6], [0.0, 0.0, 0.8]])
        >>> x = hyperplane_rounding(v, 3, seed=0)
        >>> x.dtype.name, x.shape, bool(np.all(x[:, 0] == -x[:, 1]))
        ('int8', (3, 3), True)
    """
    factors = (
        result_or_factors.factors
        if isinstance(result_or_factors, MixingResult)
        else result_or_factors
    )
    factors = np.asarray(factors, dtype=np.float64)
    if factors.ndim != 2 or factors.size == 0 or not np.all(np.isfinite(factors)):
        raise ValueError(
            f"factors must be a non-empty finite (k, m) array, got shape {factors.shape}"
        )
    if (
        not isinstance(num_samples, (int, np.integer))
        or isinstance(num_samples, bool)
        or num_samples < 1
    ):
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
    directions = np.random.default_rng(seed).standard_normal((int(num_samples), factors.shape[0]))
    return np.where(directions @ factors >= 0.0, 1, -1).astype(np.int8)
