"""A lower bound on the TRUE Lipschitz constant from gradients at sampled inputs.

For perturbations measured in ``||.||_p`` the Lipschitz constant of ``c^T f`` is
``L = sup_x ||grad f(x)||_q`` with ``q`` the dual norm (``q = 1`` for l_inf, ``2`` for l2, ``inf`` for l1).
A ReLU network is piecewise affine, so it is differentiable everywhere except on finitely many hyperplane
pieces (a set of measure zero); at a random input it is differentiable with probability one, and the
gradient there is ``g`` of the input's activation pattern (:meth:`~hiqlip_plugin.ReLUNetwork.gradients`).
Any such ``||g||_q`` is at most ``L`` (and at most the FGL). :func:`sampled_lipschitz`:

1. draws ``num_samples`` inputs uniformly from the box ``[-radius, radius]^d`` and evaluates all gradients
   in batches;
2. from the ``num_ascent`` best inputs, runs ``ascent_steps`` rounds of random-walk ascent: each point
   proposes a Gaussian perturbation at a geometrically shrinking scale (from ``radius / 2`` to
   ``radius / 1000``), clipped to the box, and moves when ``||grad||_q`` strictly increases. Gradients are
   piecewise constant, so this is a search over neighbouring linear regions, not gradient ascent;
3. re-evaluates the gradient at the best point: the value returned is the norm of that gradient.

**Default radius.** ``max(5, 2 * rho)`` with ``rho = max_j |b_j| / ||W_1[j]||_2`` the largest distance from the
origin to a first-layer hyperplane: the box meets every first-layer hyperplane near its closest point to
the origin, with room to spare, and is GeoLIP's ``x = 10 (U[0,1]^d - 0.5)``, i.e. ``[-5, 5]^d``, when the
biases are small. Sampling underestimates ``L`` in high dimension (few regions are ever hit): treat it as
the bottom of the bracket ``sampled <= L <= FGL``.

Examples:
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
    >>> net = random_relu_network((4, 8, 1), seed=0)
    >>> bound = sampled_lipschitz(net, num_samples=500, seed=0)
    >>> import numpy as np
    >>> bound.value == float(np.abs(net.gradients(bound.point, [1.0])).sum())
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hiqlip_plugin._validation import check_integer, check_positive, check_seed
from hiqlip_plugin.budget import Budget
from hiqlip_plugin.lipschitz.formulation import Norm, parse_norm
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["SampledBound", "sampled_lipschitz", "default_radius", "dual_norm"]

_BATCH_ELEMENTS = 2**22
"""Inputs per gradient batch times the widest layer (bounds memory)."""

_MAX_BATCH = 8192
"""Inputs per gradient batch at most (the time limit is checked between batches)."""

_DUAL_ORDER = {"inf": 1, "2": 2, "1": np.inf}


@dataclass(frozen=True, eq=False)
class SampledBound:
    """The largest gradient norm found: a lower bound on the true Lipschitz constant.

    Attributes:
        value: ``||gradient||_q``, with ``q`` the dual of :attr:`norm`.
        point: The input where the gradient was evaluated.
        gradient: The gradient of ``c^T f`` at :attr:`point`.
        num_evaluations: Gradients evaluated (samples plus ascent proposals).
        wall_time: Seconds spent.
        norm: The input norm (``"inf"``, ``"2"`` or ``"1"``).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
        >>> net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
        >>> bound = sampled_lipschitz(net, norm=2, num_samples=100, seed=0)
        >>> bound.value, bound.num_evaluations
        (5.0, 1700)
    """

    value: float
    point: np.ndarray
    gradient: np.ndarray
    num_evaluations: int
    wall_time: float
    norm: Norm


def dual_norm(gradients: npt.ArrayLike, norm: Any) -> np.ndarray:
    """Return ``||g||_q`` of each gradient (last axis), ``q`` the dual of the input norm.

    Examples:
        >>> from hiqlip_plugin.lipschitz.sampling import dual_norm
        >>> [float(dual_norm([3.0, -4.0], p)) for p in ("inf", 2, 1)]
        [7.0, 5.0, 4.0]
    """
    g = np.asarray(gradients, dtype=np.float64)
    # each gradient divided by an exact power of two first: the squares of l2 neither underflow nor overflow
    exponents = np.frexp(np.max(np.abs(g), axis=-1, keepdims=True, initial=0.0))[1]
    norms = np.linalg.norm(np.ldexp(g, -exponents), ord=_DUAL_ORDER[parse_norm(norm)], axis=-1)
    return np.ldexp(norms, exponents[..., 0])


def default_radius(network: ReLUNetwork) -> float:
    """Half-width of the default sampling box: ``max(5, 2 * max_j |b_j| / ||W_1[j]||_2)``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.sampling import default_radius
        >>> default_radius(ReLUNetwork([np.eye(2), np.ones((1, 2))], [[0.0, 10.0], None]))
        20.0
    """
    norms = np.linalg.norm(network.weights[0], axis=1)
    nonzero = norms > 0
    rho = float(np.max(np.abs(network.biases[0][nonzero]) / norms[nonzero], initial=0.0))
    return max(5.0, 2.0 * rho)


def sampled_lipschitz(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    num_samples: int = 20000,
    radius: float | None = None,
    ascent_steps: int = 50,
    num_ascent: int = 32,
    seed: int | None = None,
    time_limit: float | Budget | None = None,
) -> SampledBound:
    """Lower-bound the true Lipschitz constant by the largest gradient norm found at sampled inputs.

    Args:
        network: The network.
        output: Output index ``k``; may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: Input norm ``"inf"``, ``2`` or ``1`` (gradients are measured in the dual norm).
        num_samples: Uniform random inputs drawn from the box.
        radius: Half-width of the box ``[-radius, radius]^d`` (default :func:`default_radius`).
        ascent_steps: Rounds of random-walk ascent (``0`` for pure sampling).
        num_ascent: Best sampled points refined by the ascent (``0`` for pure sampling).
        seed: Seed of the generator: the same seed gives the same answer (without ``time_limit``).
        time_limit: Stop sampling or ascending once this many seconds have passed (checked after every batch
            of gradients; at least one batch runs), or a :class:`~hiqlip_plugin.budget.Budget` shared with
            other stages.

    Returns:
        A :class:`SampledBound` whose ``value`` is the dual norm of the gradient re-evaluated at ``point``.

    Raises:
        ValueError: For an unknown norm, non-positive counts, radius or time limit, a negative seed, or bad
            output choices.
        TypeError: For a seed or count that is not an integer, or a time limit that is not a number.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
        >>> from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
        >>> net = random_relu_network((3, 6, 2), seed=1)
        >>> bound = sampled_lipschitz(net, output=0, num_samples=2000, seed=0)
        >>> bound.value <= exact_fgl(net, output=0).value
        True
    """
    started = time.perf_counter()
    norm = parse_norm(norm)
    c = network.output_direction(output, direction)
    num_samples = check_integer(num_samples, "num_samples", 1)
    ascent_steps = check_integer(ascent_steps, "ascent_steps")
    num_ascent = check_integer(num_ascent, "num_ascent")
    radius = default_radius(network) if radius is None else check_positive(radius, "radius")
    budget = time_limit if isinstance(time_limit, Budget) else Budget(time_limit)
    rng = np.random.default_rng(check_seed(seed))
    d = network.input_dim
    batch = max(1, min(_MAX_BATCH, _BATCH_ELEMENTS // max(network.layer_sizes)))
    keep = max(1, num_ascent)
    points, values = np.empty((0, d)), np.empty(0)
    evaluations = 0
    for start in range(0, num_samples, batch):
        candidates = rng.uniform(-radius, radius, size=(min(batch, num_samples - start), d))
        norms = dual_norm(network.gradients(candidates, c), norm)
        evaluations += len(candidates)
        points, values = np.vstack([points, candidates]), np.concatenate([values, norms])
        best = np.argsort(-values, kind="stable")[:keep]
        points, values = points[best], values[best]
        if budget.expired():
            break
    if num_ascent:
        for scale in radius * np.geomspace(0.5, 1e-3, ascent_steps):
            if budget.expired():
                break
            proposals = np.clip(points + scale * rng.standard_normal(points.shape), -radius, radius)
            norms = dual_norm(network.gradients(proposals, c), norm)
            evaluations += len(proposals)
            better = norms > values
            points[better], values[better] = proposals[better], norms[better]
    point = points[int(np.argmax(values))].copy()
    gradient = network.gradients(point, c)
    return SampledBound(
        value=float(dual_norm(gradient, norm)),
        point=point,
        gradient=gradient,
        num_evaluations=evaluations,
        wall_time=time.perf_counter() - started,
        norm=norm,
    )
