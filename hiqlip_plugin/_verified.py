"""Rigour helpers shared by every bound and certificate: exact power-of-two scaling and verified eigenvalues.

**Exact prescaling.** Multiplying a float64 by a power of two is exact (outside the subnormal range), and
the FGL of ``c^T f`` is positively homogeneous of degree one in ``c`` and in each weight matrix. So
:func:`prescale` rewrites a network as ``W_l = 2^{e_l} W'_l``, ``c = 2^{e_c} c'`` with every ``max|W'_l|``
and ``max|c'|`` in ``[1, 2)``; every bound and witness is computed for the prescaled network and multiplied
back by ``2^{sum e}`` (:func:`ldexp_up` for upper bounds, :func:`ldexp_down` for lower ones). Nothing in
between underflows or overflows for any weight scale, and scaling any layer by ``2^k`` scales every
reported value by exactly ``2^k`` (the prescaled network is the same bit for bit). A value whose
magnitude leaves the float64 range raises :class:`~hiqlip_plugin.exceptions.FloatRangeError` instead of
turning into ``0`` or ``inf``.

**Verified eigenvalue bounds.** An eigensolver's output certifies nothing. By Rump's theorem (S. M. Rump,
*Verification of positive definiteness*, BIT 46, 2006), a floating-point Cholesky factorisation of a
symmetric ``B`` of order ``n`` that runs to completion proves ``lambda_min(B) >= -c`` with ``c =
gamma_{n+1} / (1 - gamma_{n+1}) trace(B)`` (``gamma_n = n u / (1 - n u)``, ``u = 2^-53``) plus an
underflow term. We use twice that ``c`` and add ``2 u max|B_ii|`` for the rounding of a shifted diagonal.
:func:`verified_lambda_max` (used by the mixing certificate) and :func:`certified_min_eigenvalue` (the
LMI certificates) are built on :func:`cholesky_lower_bound`.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin import ReLUNetwork
    >>> from hiqlip_plugin._verified import prescale
    >>> net = ReLUNetwork([1e-100 * np.eye(2), 1e-100 * np.ones((1, 2))])
    >>> scaled = prescale(net)
    >>> [round(float(np.max(np.abs(w))), 4) for w in scaled.network.weights], scaled.exponent
    ([1.7498, 1.7498], -666)
    >>> scaled.upper(1.0) > 0
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse as sp

from hiqlip_plugin.exceptions import FloatRangeError, InvalidNetworkError, SolverFailedError
from hiqlip_plugin.network import ReLUNetwork

__all__ = [
    "UNIT_ROUNDOFF",
    "Prescaled",
    "prescale",
    "power_of_two_exponent",
    "ldexp_up",
    "ldexp_down",
    "scaled_norm",
    "gamma",
    "inflate",
    "cholesky_lower_bound",
    "absolute_row_sums",
    "ROW_BLOCK",
    "verified_lambda_max",
    "lambda_min_estimate",
    "certified_min_eigenvalue",
]

UNIT_ROUNDOFF = 2.0**-53
"""The unit roundoff ``u`` of float64 (round to nearest)."""

_TINY = float(np.finfo(np.float64).tiny)
_SUBNORMAL = float(np.finfo(np.float64).smallest_subnormal)
_SLACK_GROWTH = 10.0
_MAX_VERIFICATIONS = 24


def gamma(n: int) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: the relative error bound of an ``n``-term float64 sum.

    Examples:
        >>> from hiqlip_plugin._verified import gamma
        >>> 0 < gamma(10) < 1.2e-15
        True
    """
    return n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF)


def inflate(value: float, terms: int) -> float:
    """Raise a sum of ``terms`` non-negative float64 terms past its rounding error.

    Examples:
        >>> from hiqlip_plugin._verified import inflate
        >>> inflate(1.0, 3) > 1.0
        True
    """
    return value * (1.0 + 4.0 * (terms + 2) * UNIT_ROUNDOFF)


def power_of_two_exponent(values: npt.ArrayLike) -> int:
    """Return ``e`` with ``max|values| / 2^e`` in ``[1, 2)`` (``0`` for an all-zero array).

    Examples:
        >>> from hiqlip_plugin._verified import power_of_two_exponent
        >>> power_of_two_exponent([3.0, -0.5]), power_of_two_exponent([1e-300]), power_of_two_exponent([0.0])
        (1, -997, 0)
    """
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest == 0.0:
        return 0
    return int(np.frexp(largest)[1]) - 1


def _exact_scale(array: np.ndarray, exponent: int, name: str) -> np.ndarray:
    scaled = np.ldexp(array, -exponent)
    if exponent > 0 and not np.array_equal(np.ldexp(scaled, exponent), array):
        raise InvalidNetworkError(
            f"{name} spans more than the float64 exponent range (its largest entry is about 2^{exponent}, "
            "some entries are subnormal after scaling): set its negligible entries to zero"
        )
    return scaled


def _check_range(value: float, exponent: int, kind: str) -> None:
    if not math.isfinite(value):
        raise FloatRangeError(
            f"the {kind} is 2^{exponent} times a value of the prescaled network and overflows float64: "
            "divide the weights by a power of two (every Lipschitz value scales linearly with each layer)"
        )


def ldexp_up(value: float, exponent: int) -> float:
    """``value * 2^exponent`` rounded upwards (for upper bounds, ``value >= 0``).

    In the subnormal range the product is rounded; the next float up covers it, so a positive ``value``
    never becomes ``0``.

    Raises:
        FloatRangeError: If the result overflows float64.

    Examples:
        >>> from hiqlip_plugin._verified import ldexp_up
        >>> ldexp_up(3.0, -2), ldexp_up(1.0, -2000) > 0
        (0.75, True)
    """
    with np.errstate(over="ignore", under="ignore"):
        out = float(np.ldexp(value, exponent))
    _check_range(out, exponent, "upper bound")
    if value > 0 and abs(out) < _TINY:
        out = float(np.nextafter(out, np.inf))
    return out


def ldexp_down(value: float, exponent: int) -> float:
    """``value * 2^exponent`` rounded downwards to a non-negative float (for lower bounds, ``value >= 0``).

    Raises:
        FloatRangeError: If the result overflows float64.

    Examples:
        >>> from hiqlip_plugin._verified import ldexp_down
        >>> ldexp_down(3.0, -2), ldexp_down(1.0, -2000)
        (0.75, 0.0)
    """
    with np.errstate(over="ignore", under="ignore"):
        out = float(np.ldexp(value, exponent))
    _check_range(out, exponent, "lower bound")
    if value > 0 and out < _TINY:
        out = max(0.0, float(np.nextafter(out, -np.inf)))
    return out


def scaled_norm(vector: npt.ArrayLike, ord: float) -> float:
    """The ``ord``-norm of a vector, free of overflow and underflow in its intermediate squares.

    The vector is divided by a power of two so that its largest entry lies in ``[1, 2)``, the norm taken,
    and the power multiplied back (exact except where the result itself leaves the float64 range).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import scaled_norm
        >>> scaled_norm([3e-200, 4e-200], 2) > 0, float(np.linalg.norm([3e-200, 4e-200]))
        (True, 0.0)
    """
    array = np.asarray(vector, dtype=np.float64)
    exponent = power_of_two_exponent(array)
    with np.errstate(under="ignore"):
        value = float(np.linalg.norm(np.ldexp(array, -exponent), ord))
    return float(np.ldexp(value, exponent))


@dataclass(frozen=True, eq=False)
class Prescaled:
    """A network and output functional rewritten as ``W_l = 2^{e_l} W'_l``, ``c = 2^{e_c} c'``.

    Attributes:
        network: The prescaled network (weights ``W'_l``, largest entry in ``[1, 2)``; no biases: the FGL and
            its bounds do not depend on them).
        direction: ``c'`` (``None`` when no direction was given).
        exponent: ``sum_l e_l + e_c``: every FGL value of the original is ``2^exponent`` times the same value
            of the prescaled network.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin._verified import prescale
        >>> scaled = prescale(ReLUNetwork([4.0 * np.eye(2), np.ones((1, 2))]), np.array([8.0]))
        >>> scaled.exponent, scaled.direction.tolist()
        (5, [1.0])
    """

    network: ReLUNetwork
    direction: np.ndarray | None
    exponent: int

    def upper(self, value: float) -> float:
        """An upper bound of the prescaled problem as an upper bound of the original (rounded up)."""
        return ldexp_up(value, self.exponent)

    def lower(self, value: float) -> float:
        """A lower bound of the prescaled problem as a lower bound of the original (rounded down)."""
        return ldexp_down(value, self.exponent)


def prescale(network: ReLUNetwork, direction: npt.ArrayLike | None = None) -> Prescaled:
    """Scale each layer (and ``direction``) by an exact power of two so that its largest entry is in ``[1, 2)``.

    Args:
        network: The network.
        direction: An output functional ``c`` (optional).

    Returns:
        A :class:`Prescaled`.

    Raises:
        InvalidNetworkError: If a layer's entries span so many binades that scaling would round some of
            them (largest near ``2^1023`` and others subnormal).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin._verified import prescale
        >>> scaled = prescale(ReLUNetwork([np.array([[3.0, 1.0]]), np.array([[0.25]])]))
        >>> scaled.exponent, scaled.network.weights[0].tolist()
        (-1, [[1.5, 0.5]])
    """
    exponents = [power_of_two_exponent(w) for w in network.weights]
    weights = [
        _exact_scale(w, e, f"weights[{i}]")
        for i, (w, e) in enumerate(zip(network.weights, exponents, strict=True))
    ]
    total = sum(exponents)
    c = None
    if direction is not None:
        c = np.asarray(direction, dtype=np.float64)
        e_c = power_of_two_exponent(c)
        c = _exact_scale(c, e_c, "the output direction")
        total += e_c
    return Prescaled(ReLUNetwork(weights), c, total)


# ------------------------------------------------------------------ verified eigenvalue bounds
def cholesky_lower_bound(matrix: np.ndarray, shift: float) -> float | None:
    """Try to prove ``lambda_min(matrix) >= bound`` by a Cholesky factorisation of ``matrix - shift I``.

    Args:
        matrix: Dense symmetric float64 matrix (only its upper triangle is read; not modified).
        shift: The trial value.

    Returns:
        A proven lower bound on ``lambda_min(matrix)`` (``shift`` less Rump's margin, the rounding of the
        shifted diagonal and an underflow term), or ``None`` if the factorisation broke down.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import cholesky_lower_bound
        >>> bound = cholesky_lower_bound(np.array([[2.0, 1.0], [1.0, 2.0]]), 0.999)
        >>> bool(0.99 < bound < 1.0), cholesky_lower_bound(np.diag([1.0, -1.0]), 0.0)
        (True, None)
    """
    m = matrix.shape[0]
    shifted = np.array(matrix, dtype=np.float64, order="F")
    diagonal = np.diag(matrix) - shift
    shifted[np.diag_indices(m)] = diagonal
    _, info = scipy.linalg.lapack.dpotrf(shifted, lower=0, clean=0, overwrite_a=1)
    if info != 0:
        return None
    largest = float(np.max(np.abs(diagonal)))
    rump = 2.0 * gamma(m + 1) / (1.0 - gamma(m + 1)) * float(np.sum(np.abs(diagonal)))
    underflow = 8.0 * _SUBNORMAL * (2 * (m + 2) + largest)
    return shift - rump - underflow - 2.0 * UNIT_ROUNDOFF * (largest + abs(shift))


ROW_BLOCK = 256
"""Rows per block of :func:`absolute_row_sums` (its temporary is ``ROW_BLOCK x m``, not ``m x m``)."""


def absolute_row_sums(matrix: np.ndarray) -> np.ndarray:
    """``|matrix|.sum(axis=1)`` of a dense 2-D array, a block of rows at a time (no full-size temporary).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import absolute_row_sums
        >>> absolute_row_sums(np.array([[1.0, -2.0], [-3.0, 0.5]])).tolist()
        [3.0, 3.5]
    """
    sums = np.empty(matrix.shape[0], dtype=np.float64)
    for start in range(0, matrix.shape[0], ROW_BLOCK):
        sums[start : start + ROW_BLOCK] = np.abs(matrix[start : start + ROW_BLOCK]).sum(axis=1)
    return sums


def verified_lambda_max(
    offdiag: np.ndarray | sp.csr_array, y: np.ndarray, eig_tol: float
) -> float:
    """Return ``lam`` proven ``>= lambda_max(C_off - Diag(y))`` by a floating-point Cholesky factorisation.

    The trial value is the eigenvalue estimate plus ``eig_tol`` times a bound on the matrix norm; each
    failed factorisation multiplies the slack by 10. The Gershgorin bound caps the trial, and any positive
    slack above it makes ``lam I - C_off + Diag(y)`` strictly diagonally dominant, so the loop ends.

    Raises:
        SolverFailedError: If no trial could be verified (not expected to happen).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import verified_lambda_max
        >>> lam = verified_lambda_max(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2), 1e-12)
        >>> bool(1.0 <= lam < 1.0 + 1e-9)
        True
    """
    if sp.issparse(offdiag):
        row_sums = np.asarray(abs(offdiag).sum(axis=1)).ravel()
        reduced = offdiag.toarray()
        np.negative(reduced, out=reduced)
    else:
        row_sums = absolute_row_sums(offdiag)
        reduced = np.negative(offdiag)
    reduced[np.diag_indices(reduced.shape[0])] += y  # Diag(y) - C_off: lambda_min = -lambda_max
    estimate = -lambda_min_estimate(reduced)
    gershgorin = float(np.max(row_sums - y))
    norm_bound = float(np.max(row_sums + np.abs(y)))  # >= ||C_off - Diag(y)||_2
    slack = eig_tol * max(norm_bound, _TINY)
    for _ in range(_MAX_VERIFICATIONS):
        trial = min(estimate, gershgorin) + slack
        bound = cholesky_lower_bound(reduced, -trial)
        if bound is not None:
            return -bound
        slack *= _SLACK_GROWTH
    raise SolverFailedError("could not verify an upper bound on lambda_max(C - Diag(y)) by Cholesky")


def lambda_min_estimate(matrix: np.ndarray) -> float:
    """Smallest eigenvalue of a dense symmetric matrix by LAPACK (``dsyevr``): an estimate, not a bound.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import lambda_min_estimate
        >>> round(lambda_min_estimate(np.array([[2.0, 1.0], [1.0, 2.0]])), 12)
        1.0
    """
    return float(scipy.linalg.eigvalsh(np.asarray(matrix, dtype=np.float64), subset_by_index=(0, 0),
                                       check_finite=False)[0])


def certified_min_eigenvalue(
    matrix: np.ndarray, error: np.ndarray | float = 0.0, *, estimate: float | None = None
) -> float:
    """A proven lower bound on ``lambda_min(A)`` for every symmetric ``A`` with ``|A - matrix| <= error``.

    ``lambda_min(A) >= lambda_min(matrix) - ||A - matrix||_2`` and ``||E||_2`` is at most the largest
    absolute row sum of ``error``; ``lambda_min(matrix)`` is proven by :func:`cholesky_lower_bound`. With
    an ``estimate`` the first trial is that value and each failure lowers the trial by a growing step.
    Without one this is the positive-definiteness test: a single factorisation at twice the rounding
    margins, which succeeds when ``lambda_min`` exceeds them, and ``-inf`` (nothing proven) otherwise.

    Args:
        matrix: Dense symmetric float64 matrix.
        error: Elementwise bound on the error of ``matrix`` (array of the same shape, or a scalar bound on
            ``||A - matrix||_2``).
        estimate: Trial value of the first factorisation (e.g. :func:`lambda_min_estimate`).

    Returns:
        The bound (positive only if every such ``A`` is proven positive definite).

    Raises:
        SolverFailedError: If no trial below ``estimate`` could be verified (not expected to happen).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin._verified import certified_min_eigenvalue
        >>> a = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> bool(certified_min_eigenvalue(a) > 0), bool(certified_min_eigenvalue(a - 3 * np.eye(2)) < -1)
        (True, True)
    """
    margin = float(np.max(np.sum(error, axis=1))) if np.ndim(error) == 2 else float(error)
    m = matrix.shape[0]
    diagonal = np.abs(np.diag(matrix))
    scale = max(float(np.max(diagonal, initial=0.0)), float(np.max(np.abs(matrix))), _TINY)
    if estimate is None:
        rump = 2.0 * gamma(m + 1) / (1.0 - gamma(m + 1)) * float(np.sum(diagonal))
        trial = 2.0 * (rump + margin + 2.0 * UNIT_ROUNDOFF * scale + 8.0 * _SUBNORMAL * (2 * m + 4 + scale))
        bound = cholesky_lower_bound(matrix, trial)
        return -math.inf if bound is None else bound - margin
    trial = float(estimate)
    step = 1e-12 * scale
    for _ in range(_MAX_VERIFICATIONS + 16):
        bound = cholesky_lower_bound(matrix, trial)
        if bound is not None:
            return bound - margin
        trial = min(trial, 0.0) - step
        step *= _SLACK_GROWTH
    raise SolverFailedError("could not verify a lower bound on lambda_min by Cholesky")
