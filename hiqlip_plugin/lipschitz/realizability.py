"""Is an activation pattern realised by some input? A linear program (scipy's HiGHS) answers it.

The FGL maximises over *all* 0/1 patterns, reachable or not. Fix one pattern per hidden layer: then every
pre-activation is affine in the input, ``z_j(x) = G_j x + e_j`` (compose the layers with the fixed
diagonal patterns), and the set of inputs with exactly that pattern is the polyhedron
``{x : z_j(x) > 0 where s_j = 1, z_j(x) <= 0 where s_j = 0}``. :func:`check_realizability` solves

.. math::

    \\max_{x,\\ \\varepsilon \\le \\varepsilon_{\\max}} \\ \\varepsilon \\quad \\text{s.t.} \\quad
    \\sigma_j \\frac{G_j x + e_j}{\\|G_j\\|_2} \\ge \\varepsilon, \\qquad \\sigma_j = 2 s_j - 1,

so ``margin`` is the radius of the largest Euclidean ball inside the region (its Chebyshev ball, capped at
``margin_cap``) and ``point`` its centre. The LP's answer is not trusted as such: HiGHS satisfies constraints
only up to its feasibility tolerance (``1e-7``). The centre is **verified by a forward pass**: the network is
evaluated at ``point``, its activation patterns must equal the given ones, and every pre-activation must
clear the boundary by a *relative* margin, ``sigma_j z_j(point) / ||G_j||_2 >``
:data:`MARGIN_TOLERANCE` ``* scale`` with ``scale = max(1, ||point||_inf, max_j |e_j| / ||G_j||_2)``, far above
the solver's tolerance and the rounding of the forward pass. Only then is the pattern called
**realizable**: it holds on an open set around ``point``, the network is differentiable there, and its
gradient is exactly the pattern's gradient ``g``. Units whose pre-activation does not depend on ``x`` on the
region (``G_j = 0``, e.g. behind an all-off layer) are checked directly: an "on" unit needs a positive
constant, an "off" unit a non-positive one (as in :meth:`~hiqlip_plugin.ReLUNetwork.activation_patterns`).

**What it proves.** If a certificate's pattern is realizable, its value ``||g||_q`` (``x^T g`` for l_inf)
is a lower bound on the TRUE Lipschitz constant, not only on the FGL; if the certificate is also optimal
(exact enumeration), the FGL is attained, i.e. it *equals* the true constant. If it is not realizable,
nothing follows: the FGL may overestimate the true constant (which is why FGL >= L can be strict).

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin import ReLUNetwork
    >>> from hiqlip_plugin.lipschitz.realizability import check_realizability
    >>> net = ReLUNetwork([np.array([[1.0], [1.0]]), np.ones((1, 2))], [np.array([0.0, -1.0]), None])
    >>> check_realizability(net, [[1, 0]]).realizable  # 0 < x < 1
    True
    >>> check_realizability(net, [[0, 1]]).realizable  # x <= 0 and x > 1: impossible
    False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from hiqlip_plugin._validation import check_positive, check_time_limit
from hiqlip_plugin.exceptions import SolverFailedError, TimeLimitExceeded
from hiqlip_plugin.lipschitz.formulation import Certificate, check_patterns
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["Realizability", "check_realizability", "pattern_constraints", "MARGIN_TOLERANCE"]

MARGIN_TOLERANCE = 1e-6
"""Relative margin a verified pre-activation must clear (times the problem's scale; see the module text)."""

_HIGHS_TIME_LIMIT = 1
"""``scipy.optimize.linprog`` status for "iteration or time limit reached"."""

_CONSTANT_ROW = 1e-12
"""Rows whose norm is below this fraction of the largest row norm are treated as constant in ``x``."""

_ILL_CONDITIONED_ROW = 1.5e-8
"""If HiGHS fails on the exact rows, rows below this fraction (about the square root of the float64
precision) are held constant too and the LP is solved again: a point it finds still has to pass the forward
check (then the status says so); anything else is undecided (:class:`~hiqlip_plugin.exceptions.SolverFailedError`)."""


@dataclass(frozen=True, eq=False)
class Realizability:
    """The answer of :func:`check_realizability`.

    Attributes:
        realizable: Whether the pattern holds on an open set of inputs, verified by a forward pass at
            :attr:`point`.
        margin: The optimal ``eps``: radius of the largest ball inside the pattern's region (capped).
            Non-positive when the pattern is not realizable.
        point: The ball's centre, an input realising the pattern, checked by a forward pass (``None`` when not
            realizable).
        status: HiGHS's message (or why no LP was needed).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.realizability import check_realizability
        >>> net = ReLUNetwork([np.eye(2), np.ones((1, 2))])
        >>> result = check_realizability(net, [[1, 0]], margin_cap=0.5)
        >>> result.realizable, result.margin, net.activation_patterns(result.point)[0].tolist()
        (True, 0.5, [1, 0])
    """

    realizable: bool
    margin: float
    point: np.ndarray | None
    status: str


def pattern_constraints(
    network: ReLUNetwork, patterns: Sequence[npt.ArrayLike]
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(G, e)``: every hidden pre-activation as an affine map ``G x + e`` on the patterns' region.

    Rows are ordered layer by layer; on the region where all patterns hold, hidden unit ``j`` (counting
    across layers) has pre-activation ``G[j] @ x + e[j]``.

    Raises:
        ValueError: If a pattern is missing, has the wrong shape or is not 0/1.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.realizability import pattern_constraints
        >>> net = ReLUNetwork([np.eye(2), np.array([[1.0, 1.0]]), np.ones((1, 1))], [[0.0, 1.0], [2.0], None])
        >>> g, e = pattern_constraints(net, [[1, 0], [1]])
        >>> g.tolist(), e.tolist()
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [0.0, 1.0, 2.0])
    """
    checked = check_patterns(network, patterns)
    if any(p is None for p in checked):
        raise ValueError("every hidden layer needs a pattern")
    linear, offset = np.eye(network.input_dim), np.zeros(network.input_dim)
    rows, offsets = [], []
    for w, b, s in zip(network.weights[:-1], network.biases[:-1], checked, strict=True):
        linear, offset = w @ linear, w @ offset + b
        rows.append(linear)
        offsets.append(offset)
        linear, offset = linear * s[:, None], offset * s
    return np.vstack(rows), np.concatenate(offsets)


def _box_bounds(box: Any, dim: int) -> list[tuple[float | None, float | None]]:
    if box is None:
        return [(None, None)] * dim
    try:
        lo, hi = box
        lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), (dim,))
        hi = np.broadcast_to(np.asarray(hi, dtype=np.float64), (dim,))
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"box must be (lo, hi) with scalars or arrays of shape ({dim},): {err}"
        ) from None
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("box bounds must be finite")
    if np.any(lo >= hi):
        raise ValueError("box needs lo < hi in every coordinate")
    return list(zip(lo.tolist(), hi.tolist(), strict=True))


def check_realizability(
    network: ReLUNetwork,
    patterns: Sequence[npt.ArrayLike] | Certificate,
    *,
    margin_cap: float = 1.0,
    box: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    time_limit: float | None = None,
) -> Realizability:
    """Decide with an LP whether some input realises the activation patterns on an open set.

    Args:
        network: The network.
        patterns: One 0/1 pattern per hidden layer, or a
            :class:`~hiqlip_plugin.lipschitz.formulation.Certificate` (its patterns are checked).
        margin_cap: Upper bound on the margin (keeps the LP bounded when the region is unbounded).
        box: Optional ``(lo, hi)`` bounds on the input (scalars or arrays of shape ``(d,)``): the point
            must then lie in the box.
        time_limit: Seconds allowed to HiGHS (its ``time_limit`` option; ``None``: no limit).

    Returns:
        A :class:`Realizability`.

    Raises:
        ValueError: For a wrong number of patterns, a wrong shape, values other than 0/1 (NaN included),
            a non-positive or non-finite ``margin_cap`` or ``time_limit``, or a malformed box.
        TypeError: If ``time_limit`` is not a number.
        SolverFailedError: If HiGHS reports no optimal solution and the re-solve with nearly constant rows
            (norm below ``1.5e-8`` of the largest) held constant finds no verified point: undecided.
        TimeLimitExceeded: If HiGHS stopped at ``time_limit`` before deciding.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.realizability import check_realizability
        >>> net = random_relu_network((3, 5, 4, 1), seed=0)
        >>> patterns = net.activation_patterns([0.5, -1.0, 2.0])
        >>> result = check_realizability(net, patterns)
        >>> result.realizable
        True
        >>> all((a == b).all() for a, b in zip(net.activation_patterns(result.point), patterns))
        True
    """
    if isinstance(patterns, Certificate):
        patterns = patterns.patterns
    margin_cap = check_positive(margin_cap, "margin_cap")
    options = {} if time_limit is None else {"time_limit": check_time_limit(time_limit)}
    d = network.input_dim
    bounds = _box_bounds(box, d) + [(None, margin_cap)]
    g, e = pattern_constraints(network, patterns)
    sigma = 2.0 * np.concatenate([np.asarray(p, dtype=np.float64) for p in patterns]) - 1.0
    norms = np.linalg.norm(g, axis=1)
    failure = ""
    for threshold in (_CONSTANT_ROW, _ILL_CONDITIONED_ROW):
        constant = norms <= threshold * max(float(norms.max()), 1.0)
        # as in ReLUNetwork.activation_patterns: on means a positive pre-activation, off a non-positive one
        wrong = constant & np.where(sigma > 0, e <= 0, e > 0)
        if np.any(wrong):
            unit = int(np.flatnonzero(wrong)[0])
            if failure:  # only nearly constant: some input of size about |e| / ||G|| may still flip it
                raise SolverFailedError(
                    f"the realizability LP did not solve, and hidden unit {unit} (counting across layers) has "
                    f"the nearly constant pre-activation {e[unit]:.6g} (gradient row norm {norms[unit]:.3g}), "
                    f"against its pattern value {int(sigma[unit] > 0)}: undecided{failure}")
            return Realizability(
                False,
                float(np.min(sigma[wrong] * e[wrong])),
                None,
                f"hidden unit {unit} (counting across layers) has the constant pre-activation {e[unit]:.6g} on "
                f"this region, contradicting its pattern value {int(sigma[unit] > 0)}",
            )
        keep = ~constant
        scale = norms[keep]
        # sigma_j (G_j x + e_j) / ||G_j|| >= eps   <=>   -sigma_j G_j x / ||G_j|| + eps <= sigma_j e_j / ||G_j||
        a_ub = np.hstack([-(sigma[keep] / scale)[:, None] * g[keep], np.ones((int(keep.sum()), 1))])
        b_ub = sigma[keep] * e[keep] / scale
        objective = np.zeros(d + 1)
        objective[-1] = -1.0
        result = linprog(
            objective,
            A_ub=a_ub if len(a_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            bounds=bounds,
            method="highs",
            options=options,
        )
        if result.status == _HIGHS_TIME_LIMIT and time_limit is not None:
            raise TimeLimitExceeded(
                f"the realizability LP stopped at its time limit ({time_limit:.3g} s): {result.message}"
            )
        if result.status == 0:
            break
        # Badly scaled rows (a unit whose pre-activation barely depends on the input) can defeat HiGHS:
        # solve again with them held constant, and say so.
        failure = f" (HiGHS failed with the units' exact rows: {result.message}; rows below " \
                  f"{_ILL_CONDITIONED_ROW:.1e} of the largest norm then held constant)"
    else:
        raise SolverFailedError(f"the realizability LP did not solve: {result.message}")
    margin = float(result.x[-1])
    point = result.x[:d].copy()
    scale = max(1.0, float(np.max(np.abs(point), initial=0.0)),
                float(np.max(np.abs(e[keep]) / scale, initial=0.0)))
    verified, why = _forward_check(network, patterns, point, norms, keep, MARGIN_TOLERANCE * scale)
    realizable = margin > MARGIN_TOLERANCE * scale and verified
    status = str(result.message) if realizable or margin <= MARGIN_TOLERANCE * scale else f"{result.message}; {why}"
    if failure and not realizable:  # the re-solve dropped rows: only a verified point is an answer
        raise SolverFailedError(f"the realizability LP did not solve, and its re-solve found no verified point "
                                f"({status}): undecided{failure}")
    return Realizability(realizable, margin, point if realizable else None, status + failure)


def _forward_check(network: ReLUNetwork, patterns: Sequence[npt.ArrayLike], point: np.ndarray, norms: np.ndarray,
                   keep: np.ndarray, threshold: float) -> tuple[bool, str]:
    """Whether a forward pass at ``point`` shows exactly ``patterns``, every non-constant unit clearing its
    boundary by more than ``threshold`` (pre-activation over the norm of its row of ``G``)."""
    pre, h = [], point
    for w, b in zip(network.weights[:-1], network.biases[:-1], strict=True):
        z = w @ h + b
        pre.append(z)
        h = np.maximum(z, 0.0)
    found = network.activation_patterns(point)
    if not all(np.array_equal(f, np.asarray(p)) for f, p in zip(found, patterns, strict=True)):
        return False, "the LP point does not show the pattern in a forward pass"
    sigma = 2.0 * np.concatenate([np.asarray(p, dtype=np.float64) for p in patterns]) - 1.0
    clearance = sigma[keep] * np.concatenate(pre)[keep] / norms[keep]
    if clearance.size and float(clearance.min()) <= threshold:
        return False, f"the LP point clears a boundary by only {float(clearance.min()):.3g} in a forward pass"
    return True, ""
