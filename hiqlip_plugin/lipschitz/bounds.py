"""Sound upper bounds on the formal global Lipschitz constant (FGL): norm products and SDP relaxations.

Every function here returns an :class:`UpperBound` whose :attr:`~UpperBound.value` is a *certified* upper
bound on the FGL of one output functional ``c^T f`` (and hence on its true Lipschitz constant): a QUBO
witness is a lower bound, these values close the bracket from above.

* :func:`product_bound` -- closed forms, any depth, any norm: the product of operator norms (the "MP"
  baseline of the literature) and a tighter interval bound on the gradient; the smaller is returned.
* :func:`sdp_bound` -- semidefinite relaxations:

  - ``method="natural"`` (two layers, l_inf or l2): the natural SDP (GeoLIP's NGeoLIP), solved by the
    low-rank mixing method (:mod:`hiqlip_plugin.sdp.mixing`, the default) or by cvxpy (SCS / Clarabel).
    Within the Grothendieck constant ``K_G < 1.783`` of the l_inf FGL, ``sqrt(pi / 2)`` for l2.
  - ``method="dual"`` (any depth, l_inf): GeoLIP's dual program DGeoLIP.
  - ``method="lipsdp"`` (any depth, l2): LipSDP-Neuron (Fazlyab et al., 2019) for ``c^T f``.

  Both LMI programs are solved by default by the first-order chain-LMI solver
  (:mod:`hiqlip_plugin.sdp.lmi`: L-BFGS on their Schur-complement form, block elimination, a verified
  Cholesky certificate; no size limit but memory for one dense matrix of the LMI's side), or via cvxpy
  (Clarabel, SCS) as a cross-check on small networks.

Every bound is computed for the network prescaled by exact powers of two
(:func:`hiqlip_plugin._verified.prescale`) and scaled back upwards, so no weight scale underflows or
overflows it, and scaling a layer by ``2^k`` scales the bound by exactly ``2^k``.

**Soundness against solver tolerance.** A solver's reported optimum is never returned as it is. The natural
SDP is bounded through its dual: for ANY ``y``, ``max {<C, X> : X PSD, diag X = 1} <= sum(y) + m
lambda_max(C - Diag(y))``, with ``lambda_max`` verified by a floating-point Cholesky factorisation
(:func:`hiqlip_plugin.sdp.mixing.certified_dual_bound`); ``y`` comes from the mixing method or from the
cvxpy dual. The first-order LMI solver proves its final multipliers feasible by a verified Cholesky test
(:func:`hiqlip_plugin.sdp.lmi.verify_chain_lmi`) or fails. For cvxpy's LMI solutions (dual, lipsdp) the multipliers are clipped to be
non-negative, the matrix that must be PSD is rebuilt in float64, and if its verified smallest eigenvalue
``mu`` is negative the objective is raised by ``|mu| R^2``, where ``R`` bounds the norm of every vector the
LMI is tested on (see :func:`sdp_bound`). cvxpy solves that do not end with status ``"optimal"`` raise
:class:`~hiqlip_plugin.exceptions.SolverFailedError` instead of returning a number.

**Sizes.** cvxpy hands Clarabel one PSD cone; the interior-point cost grows like side^6 per dense block.
Clarabel's chordal decomposition splits the block-banded LMIs of deep nets into one block per pair of
adjacent layers, while the natural SDP of a two-layer net is one dense block. Measured with Clarabel on two
shared cores (``docs/benchmarks/bounds.md``) with cvxpy: natural SDP of side 71, 7 s; DGeoLIP of a 50-32-32-10 net
(side 115, largest block 82), 33 s; LipSDP of a 64-64-10 net (block 128), 220-280 s. SCS solved the
side-71 natural SDP in 2 s but its loose LMI solutions need large soundness corrections.
:data:`CVXPY_MAX_SIZE` (a block of 100) guards against hour-long runs. The mixing method solves the
800-1041-variable natural SDPs of MNIST-shaped two-layer nets in 3-6 s, which is why it is the default for
``method="natural"``; DGeoLIP of MNIST-sized deeper nets (block ``784 + n_1``) is out of reach of cvxpy
here (for l2 the thin SVD of ``W_1`` keeps LipSDP's first block at ``2 n_1``), which is why the
first-order solver is the default for the LMI programs (``docs/benchmarks.md``, deep bounds).

Examples:
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> from hiqlip_plugin.lipschitz.bounds import product_bound, sdp_bound
    >>> net = random_relu_network((4, 6, 1), seed=0)
    >>> prod = product_bound(net)
    >>> sdp = sdp_bound(net, seed=0)
    >>> sdp.method, sdp.solver, sdp.value <= prod.value
    ('natural_sdp', 'mixing', True)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hiqlip_plugin._validation import check_positive, check_time_limit
from hiqlip_plugin._verified import (
    certified_min_eigenvalue,
    gamma,
    inflate,
    lambda_min_estimate,
    prescale,
)
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError
from hiqlip_plugin.lipschitz.formulation import (
    HOMOGENISING_LABEL,
    LipschitzQUBO,
    Norm,
    block_matrix,
    parse_norm,
)
from hiqlip_plugin.network import ReLUNetwork
from hiqlip_plugin.sdp.lmi import ChainLMI, solve_chain_lmi
from hiqlip_plugin.sdp.mixing import certified_dual_bound, hyperplane_rounding, mixing_sdp

__all__ = [
    "UpperBound",
    "product_bound",
    "sdp_bound",
    "joint_l2_bound",
    "sdp_initial_states",
    "SDP_METHODS",
    "SDP_SOLVERS",
    "CVXPY_MAX_SIZE",
    "DEFAULT_TOL",
]

SDP_METHODS = ("auto", "natural", "dual", "lipsdp")
"""Values accepted by the ``method`` argument of :func:`sdp_bound`."""

SDP_SOLVERS = ("auto", "mixing", "first_order", "SCS", "CLARABEL")
"""Values accepted by the ``solver`` argument of :func:`sdp_bound` (case-insensitive)."""

DEFAULT_TOL = {"mixing": 1e-6, "first_order": 1e-5, "SCS": 1e-6, "CLARABEL": 1e-8}
"""Solver tolerance used by :func:`sdp_bound` when ``tol=None`` (Clarabel reaches 1e-8 in one or two more
iterations than 1e-6, and the tighter LMI solution needs a hundred times smaller soundness correction;
``first_order`` is the relative accuracy targeted by the barrier continuation of
:func:`~hiqlip_plugin.sdp.lmi.solve_chain_lmi`)."""

CVXPY_MAX_SIZE = 100
"""Default largest dense block :func:`sdp_bound` hands to a cvxpy solver (its ``max_size``; about a minute
with Clarabel on two cores, see the module docstring)."""

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class UpperBound:
    """A certified upper bound on the FGL of one output functional.

    Attributes:
        value: The bound: ``FGL <= value`` (and so the true Lipschitz constant is ``<= value``).
        method: ``"product"``, ``"natural_sdp"``, ``"dual_sdp"`` or ``"lipsdp_neuron"``.
        norm: The input norm (``"inf"``, ``"2"`` or ``"1"``).
        solver: ``"closed form"``, ``"mixing"``, ``"SCS"`` or ``"CLARABEL"``.
        status: The solver's status text (``"closed form"`` for :func:`product_bound`).
        wall_time: Seconds spent, including building the problem.
        details: Method-specific numbers: the solver's own objective, the certified SDP value, corrections,
            iterations, sizes.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.bounds import product_bound
        >>> bound = product_bound(ReLUNetwork([np.eye(2), np.array([[1.0, -2.0]])]))
        >>> bound.method, bound.solver, round(bound.value, 9)
        ('product', 'closed form', 3.0)
    """

    value: float
    method: str
    norm: Norm
    solver: str
    status: str
    wall_time: float
    details: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- closed forms
def _gradient_box(network: ReLUNetwork, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``lo, hi`` with ``lo <= g <= hi`` for the gradient ``g`` of every pattern (interval arithmetic).

    Going down from ``v = W_L^T c``: ``D v`` lies in ``[min(lo, 0), max(hi, 0)]`` for every diagonal ``D`` with
    entries in [0, 1], and ``W^T`` maps a box of centre ``m`` and radius ``r`` into the box of centre
    ``W^T m`` and radius ``|W^T| r`` (plus the rounding error of ``W^T m``).
    """
    weights = network.weights
    lo = hi = c @ weights[-1]
    for w in reversed(weights[:-1]):
        lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)
        mid, rad = (lo + hi) / 2.0, (hi - lo) / 2.0
        abs_t = np.abs(w.T)
        mid_t = w.T @ mid
        rad_t = abs_t @ rad + 2.0 * (w.shape[0] + 2) * _EPS * (abs_t @ np.abs(mid) + np.abs(mid_t))
        lo, hi = mid_t - rad_t, mid_t + rad_t
    return lo, hi


def product_bound(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
) -> UpperBound:
    """Closed-form upper bound on the FGL: the smaller of an operator-norm product and an interval bound.

    The gradient of a pattern is ``g = W_1^T D_1 W_2^T D_2 ... D_{L-1} W_L^T c`` with 0/1 diagonals ``D_l``
    (``||D_l|| <= 1`` in every operator norm below). The FGL is ``max ||g||_q`` over patterns, ``q`` the
    dual of the input norm: ``||g||_1`` for l_inf, ``||g||_2`` for l2, ``||g||_inf`` for l1.

    **Operator-norm product** (``details["operator_norm_product"]``). Submultiplicativity gives
    ``||g||_q <= prod_{i<L} ||W_i^T||_{q->q} * ||W_L^T c||_q``, where

    * l_inf (``q = 1``): ``||W^T||_{1->1}`` is the largest column l1-norm of ``W^T``, i.e. the largest row
      l1-norm of ``W`` (``numpy.linalg.norm(W.T, 1)``, GeoLIP's ``product``); the product is
      ``prod_{i<L} max_j ||W_i[j, :]||_1 * ||c^T W_L||_1``;
    * l2: spectral norms, ``prod_{i<L} ||W_i||_2 * ||W_L^T c||_2``;
    * l1 (``q = inf``): ``||W^T||_{inf->inf}`` is the largest row l1-norm of ``W^T``, i.e. the largest
      column l1-norm of ``W``; times ``||W_L^T c||_inf``.

    **Interval bound** (``details["interval"]``). Interval arithmetic down the chain gives a box
    ``lo <= g <= hi`` valid for every diagonal with entries in [0, 1]; then ``||g||_q <= || max(|lo|, |hi|)
    ||_q``. For l_inf and l1 it is never larger than the product. For two layers (``A = W_1^T diag(c^T
    W_2)``) it reads ``sum_i max(sum_j max(a_ij, 0), -sum_j min(a_ij, 0))`` for l_inf (because ``max_s
    ||A s||_1 <= sum_i max_s |(A s)_i|``), and it is the exact l1 FGL.

    Both are computed for the network prescaled by exact powers of two (:func:`hiqlip_plugin._verified.prescale`,
    so nothing underflows or overflows and the bound scales exactly with the weights), rounded upwards past
    float64 rounding error and scaled back upwards. ``details["factors"]`` are the norms of the prescaled
    layers, ``details["scale_exponent"]`` the power of two that was taken out.

    Args:
        network: The network.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: Input norm: ``"inf"``, ``2`` or ``1``.

    Returns:
        An :class:`UpperBound` with ``method="product"``; ``details["selected"]`` names the smaller bound.

    Raises:
        ValueError: For an unsupported norm or bad output choice.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.bounds import product_bound
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> bound = product_bound(net)
        >>> round(bound.details["operator_norm_product"], 9), round(bound.value, 9)
        (6.0, 4.0)
    """
    start = time.perf_counter()
    norm = parse_norm(norm)
    scaled = prescale(network, network.output_direction(output, direction))
    weights = scaled.network.weights
    head = scaled.direction @ weights[-1]
    lo, hi = _gradient_box(scaled.network, scaled.direction)
    box = np.maximum(np.abs(lo), np.abs(hi))
    terms = sum(network.layer_sizes)
    if norm == "inf":
        factors = [np.linalg.norm(w, np.inf) for w in weights[:-1]] + [np.linalg.norm(head, 1)]
        interval = float(np.sum(box))
    elif norm == "2":
        factors = [np.linalg.norm(w, 2) for w in weights[:-1]] + [np.linalg.norm(head, 2)]
        interval = float(np.linalg.norm(box))
        terms += 4 * sum(network.hidden_dims)  # the SVDs: a few more roundings per dimension
    else:
        factors = [np.linalg.norm(w, 1) for w in weights[:-1]] + [np.linalg.norm(head, np.inf)]
        interval = float(np.max(box))
    bounds = {
        "operator_norm_product": scaled.upper(inflate(float(np.prod(factors)), terms)),
        "interval": scaled.upper(inflate(interval, terms)),
    }
    selected = min(bounds, key=bounds.__getitem__)
    return UpperBound(
        value=bounds[selected],
        method="product",
        norm=norm,
        solver="closed form",
        status="closed form",
        wall_time=time.perf_counter() - start,
        details={
            **bounds,
            "selected": selected,
            "factors": [float(f) for f in factors],
            "scale_exponent": scaled.exponent,
        },
    )


# -------------------------------------------------------------- solver plumbing
def _parse_solver(solver: str) -> str:
    if not isinstance(solver, str):
        raise TypeError(f"solver must be a string, got {solver!r}")
    for name in SDP_SOLVERS:
        if solver.strip().lower() == name.lower():
            return name
    raise ValueError(f"unknown solver {solver!r}: use one of {SDP_SOLVERS}")


@dataclass(frozen=True)
class _Settings:
    """What :func:`sdp_bound` was told about the solver."""

    solver: str
    tol: float
    time_limit: float | None
    seed: int | None
    options: Mapping[str, Any]
    max_size: int | None

    def check_size(self, block: int, what: str) -> None:
        """Refuse a cvxpy problem whose largest dense block exceeds ``max_size``."""
        if self.max_size is not None and block > self.max_size:
            raise ProblemTooLargeError(
                f"the {what} has a dense block of side {block} > max_size={self.max_size}: {self.solver} "
                "via cvxpy would take too long (the interior-point cost grows like side^6); use "
                "solver='mixing' for the natural SDP, product_bound, or raise max_size"
            )


def _solve_cvxpy(problem: Any, settings: _Settings) -> dict[str, Any]:
    """Solve a cvxpy problem; return its statistics, or raise unless the status is exactly ``"optimal"``."""
    import cvxpy as cp

    solver, tol, time_limit = settings.solver, settings.tol, settings.time_limit
    if solver == "SCS":
        options: dict[str, Any] = {"eps_abs": tol, "eps_rel": tol}
        if time_limit is not None:
            options["time_limit_secs"] = time_limit
    else:
        options = {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}
        if time_limit is not None:
            options["time_limit"] = time_limit
    options.update(settings.options)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Solution may be inaccurate", category=UserWarning
            )
            problem.solve(solver=solver, **options)
    except cp.error.SolverError as err:
        raise SolverFailedError(f"{solver} failed: {err}") from None
    if problem.status != cp.OPTIMAL:
        raise SolverFailedError(
            f"{solver} ended with status {problem.status!r}; an unconverged SDP certifies nothing "
            "(raise the iteration or time limit, loosen tol, or try another solver)"
        )
    stats = problem.solver_stats
    return {
        "solver_value": float(problem.value),
        "iterations": stats.num_iters,
        "solve_time": stats.solve_time,
    }


# ----------------------------------------------------------------- natural SDP
def _natural_cost(a: np.ndarray, norm: Norm) -> np.ndarray:
    """The cost matrix ``C`` of the natural SDP of the two-layer matrix ``A`` (``d x h``)."""
    if norm == "inf":
        n = np.hstack([a, a.sum(axis=1, keepdims=True)])
        d, k = n.shape
        cost = np.zeros((d + k, d + k))
        cost[:d, d:] = n
        cost[d:, :d] = n.T
        return cost
    m = a.T @ a
    m1 = m.sum(axis=1)
    return np.block([[m, m1[:, None]], [m1[None, :], np.array([[m1.sum()]])]])


def _maxcut_sdp_cvxpy(cost: np.ndarray, settings: _Settings) -> tuple[float, str, dict[str, Any]]:
    """Certified ``max {<C, X> : X PSD, diag X = 1}`` through the dual ``min sum(y) s.t. Diag(y) - C PSD``."""
    import cvxpy as cp

    settings.check_size(cost.shape[0], "natural SDP")
    scale = float(np.max(np.abs(cost))) or 1.0
    y = cp.Variable(cost.shape[0])
    problem = cp.Problem(cp.Minimize(cp.sum(y)), [cp.diag(y) - cost / scale >> 0])
    stats = _solve_cvxpy(problem, settings)
    stats["solver_value"] *= scale
    # weak duality holds for ANY y: sum(y) + m lambda_max(C - Diag(y)), verified in floating point
    certified = certified_dual_bound(cost, np.asarray(y.value, dtype=np.float64) * scale).value
    return certified, problem.status, stats


def _maxcut_sdp_mixing(cost: np.ndarray, settings: _Settings) -> tuple[float, str, dict[str, Any]]:
    """Certified ``max {<C, X> : X PSD, diag X = 1}`` by the mixing method (its dual bound, never its primal)."""
    result = mixing_sdp(
        cost,
        tol=settings.tol,
        seed=settings.seed,
        time_limit=settings.time_limit,
        **settings.options,
    )
    stats = {
        "solver_value": float(result.primal),
        "iterations": int(result.iterations),
        "gap": float(result.gap),
        "solve_time": float(result.wall_time),
    }
    return float(result.dual_bound), "converged" if result.converged else "not converged", stats


def _natural_sdp(
    a: np.ndarray, norm: Norm, settings: _Settings
) -> tuple[float, str, dict[str, Any]]:
    cost = _natural_cost(a, norm)
    if settings.solver == "mixing":
        certified, status, stats = _maxcut_sdp_mixing(cost, settings)
    else:
        certified, status, stats = _maxcut_sdp_cvxpy(cost, settings)
    # C itself was rounded (each entry a sum of at most d + h terms) and |X_ij| <= 1
    certified += 2.0 * (sum(a.shape) + 2) * _EPS * float(np.sum(np.abs(cost)))
    value = certified / 4.0 if norm == "inf" else inflate(0.5 * np.sqrt(max(certified, 0.0)), 1)
    return (
        float(value),
        status,
        {**stats, "sdp_size": cost.shape[0], "certified_sdp_value": certified},
    )


def sdp_initial_states(
    qubo: LipschitzQUBO, num_samples: int = 32, *, seed: int | None = None, tol: float = 1e-4
) -> tuple[np.ndarray, list[Hashable]]:
    """Goemans-Williamson roundings of the natural SDP of ``qubo``, ready as a sampler's ``initial_states``.

    The natural SDP of the free block ``A`` (:func:`sdp_bound`'s ``"natural"`` method) is solved by the
    mixing method; each random hyperplane through its low-rank factors gives a spin vector ``v`` with
    ``v^T C v`` close to the SDP value, i.e. a good feasible point of ``qubo.bqm``. For l_inf,
    ``v = (x, z, t)`` and every spin is multiplied by ``t`` unless the BQM is homogeneous; for l2,
    ``v = (y, t)`` and ``s = (1 + t y) / 2``.

    Args:
        qubo: An l_inf or l2 :class:`~hiqlip_plugin.lipschitz.formulation.LipschitzQUBO`.
        num_samples: Number of roundings (one per initial state).
        seed: Seed of the SDP start and of the hyperplanes.
        tol: Certified-gap tolerance of the mixing method (the rounding needs no tight solve).

    Returns:
        ``(states, labels)``: a samples-like pair accepted as ``initial_states`` by dimod samplers (e.g.
        :class:`~hiqlip_plugin.CIMSampler`, ``SimulatedAnnealingSampler``).

    Examples:
        >>> from hiqlip_plugin import CIMSampler, fgl_bqm
        >>> from hiqlip_plugin.lipschitz.bounds import sdp_initial_states
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> qubo = fgl_bqm(random_relu_network((20, 10, 1), seed=0))
        >>> states = sdp_initial_states(qubo, num_samples=4, seed=0)
        >>> sampleset = CIMSampler().sample(qubo.bqm, initial_states=states, num_reads=4, seed=0)
        >>> qubo.decode(sampleset.first.sample).verify(qubo.network)
        True
    """
    rounding = hyperplane_rounding(mixing_sdp(_natural_cost(qubo.matrix, qubo.norm), tol=tol, seed=seed),
                                   num_samples, seed=seed)
    sign = rounding[:, -1:]
    if qubo.norm == "2":
        return ((1 + rounding[:, :-1] * sign) // 2).astype(np.int8), list(qubo.hidden_variables)
    labels: list[Hashable] = [*qubo.input_variables, *qubo.hidden_variables]
    if qubo.homogeneous:
        return rounding, [*labels, HOMOGENISING_LABEL]
    return (rounding[:, :-1] * sign).astype(np.int8), labels


# ------------------------------------------------------- LMI programs (dual, lipsdp)
@dataclass(frozen=True)
class _Pencil:
    """The affine matrix ``G(v) = G0 + sum_k v_k F_k`` that must be PSD, with ``v >= 0`` and ``v_0`` minimised.

    Every vector ``z`` the LMI is tested on has ``||z||^2 <= radius_sq`` and ``||S^-1 z||^2 <=
    scaled_radius_sq`` with ``S = Diag(scales)``. Since ``z^T G z >= mu ||z||^2`` with ``mu = lambda_min(G)``,
    and ``z^T G z = (S^-1 z)^T (S G S) (S^-1 z)``, a point with ``mu < 0`` still certifies ``v_0 + min(|mu|
    radius_sq, |lambda_min(S G S)| scaled_radius_sq)``.
    """

    constant: np.ndarray
    coefficients: sp.csr_array
    radius_sq: float
    scales: np.ndarray
    scaled_radius_sq: float
    block: int

    @property
    def size(self) -> int:
        return self.constant.shape[0]

    def matrix(self, v: np.ndarray) -> np.ndarray:
        return self.constant + (self.coefficients @ v).reshape(self.size, self.size)

    def rounding(self, v: np.ndarray) -> np.ndarray:
        """Elementwise bound on the float64 error of :meth:`matrix` at ``v >= 0`` (sums of ``p + 1`` terms)."""
        magnitude = np.abs(self.constant) + (abs(self.coefficients) @ v).reshape(
            self.size, self.size
        )
        return 2.0 * (self.coefficients.shape[1] + 2) * _EPS * magnitude


def _lmi_pencil(network: ReLUNetwork, c: np.ndarray, norm: Norm) -> _Pencil:
    """Build DGeoLIP's (l_inf) or LipSDP-Neuron's (l2) LMI for ``c^T f``.

    The LMI is tested on ``z = (1, x, w_1, ..., w_{L-1})`` (l_inf) or ``z = (x, w_1, ..., w_{L-1})`` (l2)
    with ``w_l = D_l W_l w_{l-1}``, ``w_0 = x`` and ``D_l`` diagonal in [0, 1]. Each neuron's quadratic
    constraint ``tau_j w_j (v_j - w_j) >= 0`` (``v_j`` its pre-activation) enters ``G`` with coefficient
    ``2 e_j e_j^T - (a_j e_j^T + e_j a_j^T)``, ``a_j`` the neuron's weight row placed on the previous block.
    l_inf: ``G = [[L - sum(lam), 0, -r^T], [0, Diag(lam), 0], [-r, 0, 0]] - QC``, ``r = W_L^T c`` on the last
    block, so ``z^T G z >= 0`` gives ``2 g^T x <= L`` for ``x`` in [-1, 1]^d. l2: ``G = blkdiag(rho I, 0)
    - r r^T - QC`` gives ``(g^T x)^2 <= rho ||x||^2``. For l2 with ``d > n_1``, ``W_1 = U S V^T`` is
    replaced by ``U S`` (inputs ``V^T x``): the input block ``rho I`` splits off the orthogonal complement,
    so the optimum is unchanged and the LMI has at most ``2 sum(hidden)`` rows.
    """
    weights = list(network.weights)
    hidden = network.hidden_dims
    if norm == "2" and network.input_dim > hidden[0]:
        u, singular, _ = np.linalg.svd(weights[0], full_matrices=False)
        weights[0] = u * singular
    d = weights[0].shape[1]
    r = c @ weights[-1]
    if norm == "inf":
        first = 1  # z = (1, x, w_1, ...): parameters (L_sq, lam_1..lam_d, tau...)
        inputs = list(range(1, d + 1))
        rows, cols = [0] * (d + 1) + inputs, [0] * (d + 1) + inputs
        vals = [1.0] + [-1.0] * d + [1.0] * d
        params = [0] + inputs * 2
        num_params = 1 + d + sum(hidden)
    else:
        first = 0  # z = (x, w_1, ...): parameters (rho, tau...)
        rows, cols, vals, params = list(range(d)), list(range(d)), [1.0] * d, [0] * d
        num_params = 1 + sum(hidden)
    size = first + d + sum(hidden)
    prev, block, tau = first, first + d, num_params - sum(hidden)
    for w in weights[:-1]:
        n_out = w.shape[0]
        j, k = np.nonzero(w)
        for a, b in ((prev + k, block + j), (block + j, prev + k)):
            rows.extend(a.tolist())
            cols.extend(b.tolist())
            vals.extend((-w[j, k]).tolist())
            params.extend((tau + j).tolist())
        rows.extend(range(block, block + n_out))
        cols.extend(range(block, block + n_out))
        vals.extend([2.0] * n_out)
        params.extend(range(tau, tau + n_out))
        prev, block, tau = block, block + n_out, tau + n_out
    last = slice(prev, prev + hidden[-1])
    constant = np.zeros((size, size))
    if norm == "inf":
        constant[0, last] = -r
        constant[last, 0] = -r
        reach, radius_sq = np.ones(d), 1.0 + d
        scales = [np.ones(1 + d)]
        for w in weights[:-1]:  # |w_l| <= |W_l| |w_{l-1}| elementwise, |x| <= 1
            reach = np.abs(w) @ reach
            radius_sq += float(reach @ reach)
            scales.append(reach)
        scaled_radius_sq = float(size)
    else:
        constant[last, last] = -np.outer(r, r)
        gain, radius_sq = 1.0, 1.0
        reach = np.linalg.norm(weights[0], axis=1)
        scales = [np.ones(d), reach]
        for w in weights[1:-1]:
            reach = np.abs(w) @ reach
            scales.append(reach)
        for w in weights[:-1]:  # ||w_l|| <= prod ||W_k||_2 for ||x|| = 1
            gain *= float(np.linalg.norm(w, 2))
            radius_sq += gain**2
        scaled_radius_sq = 1.0 + sum(hidden)
    flat = np.asarray(rows) * size + np.asarray(cols)
    coefficients = sp.csr_array(
        (np.asarray(vals, dtype=np.float64), (flat, np.asarray(params))),
        shape=(size * size, num_params),
    )
    widths = (d, *hidden, first)  # the last pair joins w_{L-1} and the homogenising entry (l_inf)
    return _Pencil(
        constant,
        coefficients,
        radius_sq * (1.0 + 1e-6),
        np.concatenate(scales),
        scaled_radius_sq,
        block=max(a + b for a, b in zip(widths, widths[1:], strict=False)),
    )


def _lmi_sdp(pencil: _Pencil, settings: _Settings) -> tuple[float, str, dict[str, Any]]:
    """Minimise ``v_0`` s.t. ``G(v)`` PSD, ``v >= 0``; return a certified objective (see :class:`_Pencil`)."""
    import cvxpy as cp

    n = pencil.size
    settings.check_size(pencil.block, "LMI")
    scale = float(np.max(np.abs(pencil.constant))) or 1.0
    v = cp.Variable(pencil.coefficients.shape[1], nonneg=True)
    g = cp.reshape(pencil.coefficients @ v, (n, n), order="C") + pencil.constant / scale
    problem = cp.Problem(cp.Minimize(v[0]), [(g + g.T) / 2 >> 0])
    stats = _solve_cvxpy(problem, settings)
    stats["solver_value"] *= scale
    values = np.maximum(np.asarray(v.value, dtype=np.float64), 0.0) * scale
    # lambda_min(G + E) >= lambda_min(G) - ||E||_2 and ||E||_2 <= its largest absolute row sum
    matrix, error = pencil.matrix(values), pencil.rounding(values)
    outer = np.outer(pencil.scales, pencil.scales)
    mu = certified_min_eigenvalue(matrix, error, estimate=lambda_min_estimate(matrix))
    scaled = matrix * outer
    mu_scaled = certified_min_eigenvalue(scaled, error * outer, estimate=lambda_min_estimate(scaled))
    correction = min(
        max(0.0, -mu) * pencil.radius_sq, max(0.0, -mu_scaled) * pencil.scaled_radius_sq
    )
    certified = inflate(values[0] + correction, 2)
    return (
        certified,
        problem.status,
        {
            **stats,
            "lmi_size": n,
            "lmi_block": pencil.block,
            "lmi_min_eigenvalue": mu,
            "correction": correction,
        },
    )


def _lmi_first_order(
    network: ReLUNetwork, c: np.ndarray, norm: Norm, settings: _Settings
) -> tuple[float, str, dict[str, Any]]:
    """DGeoLIP (l_inf) or LipSDP-Neuron (l2) by :func:`~hiqlip_plugin.sdp.lmi.solve_chain_lmi`.

    The chain LMI's couplings are the hidden layers' weights and its target ``r = W_L^T c`` (with the bound
    ``gamma_k |c|^T |W_L|`` on its rounding when ``c`` has more than one non-zero entry); ``"diagonal"``
    input multipliers for l_inf (``lam``), ``"scalar"`` for l2 (``rho``). Returns the certified objective
    (``L`` or ``rho``).
    """
    weights = network.weights
    target = c @ weights[-1]
    error = None
    if np.count_nonzero(c) > 1:
        error = gamma(int(np.count_nonzero(c)) + 1) * (np.abs(c) @ np.abs(weights[-1]))
    lmi = ChainLMI(
        tuple(weights[:-1]), target, "diagonal" if norm == "inf" else "scalar", target_error=error
    )
    result = solve_chain_lmi(
        lmi, tol=settings.tol, time_limit=settings.time_limit, **settings.options
    )
    return (
        result.objective,
        "converged" if result.converged else "not converged",
        {
            "solver_value": result.solver_value,
            "iterations": result.iterations,
            "solve_time": result.wall_time,
            "lmi_size": lmi.size,
            "lmi_min_eigenvalue": result.min_eigenvalue,
            "slack": result.slack,
            "interior_weight": result.interior_weight,
        },
    )


# ----------------------------------------------------------------------- dispatch
_OBJECTIVE_KEYS = frozenset(
    {"solver_value", "certified_objective", "certified_sdp_value", "correction"}
)
"""``details`` entries in units of the SDP objective, reported for the original (not prescaled) weights."""

_METHOD_NAMES = {"natural": "natural_sdp", "dual": "dual_sdp", "lipsdp": "lipsdp_neuron"}


def _resolve_method(method: str, norm: Norm, two_layer: bool) -> str:
    if method not in SDP_METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {SDP_METHODS}")
    if method == "auto":
        if norm == "1":
            return "product"
        if two_layer:
            return "natural"
        return "dual" if norm == "inf" else "lipsdp"
    if norm == "1":
        raise ValueError(
            f"there is no {method!r} SDP for the l1 norm: its two-layer FGL is closed-form (product_bound, "
            "interval bound) and method='auto' returns product_bound"
        )
    if method == "natural" and not two_layer:
        raise ValueError(
            "the natural SDP needs a two-layer network; use method='dual' (l_inf) or 'lipsdp' (l2)"
        )
    if method == "dual" and norm != "inf":
        raise ValueError("the dual SDP (DGeoLIP) bounds the l_inf FGL; use method='lipsdp' for l2")
    if method == "lipsdp" and norm != "2":
        raise ValueError("LipSDP-Neuron bounds the l2 FGL; use method='dual' for l_inf")
    return method


def sdp_bound(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    method: str = "auto",
    solver: str = "auto",
    tol: float | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    solver_options: Mapping[str, Any] | None = None,
    max_size: int | None = CVXPY_MAX_SIZE,
) -> UpperBound:
    """Certified SDP upper bound on the FGL of ``c^T f``.

    Methods (``g`` the gradient of a pattern, ``A = W_1^T diag(c^T W_2)`` for two layers):

    * ``"natural"`` (two layers). l_inf: ``N = [A, A 1]``, ``C = [[0, N], [N^T, 0]]`` of size ``m = d + h +
      1``; ``FGL <= max {<C, X> : X PSD, diag X = 1} / 4 <= K_G FGL``. l2: ``M = A^T A``, ``N2 = [[M, M 1],
      [1^T M, 1^T M 1]]`` of size ``h + 1``; ``FGL <= sqrt(max <N2, X>) / 2``. The SDP value is certified
      by its dual, ``sum(y) + m lambda_max(C - Diag(y))`` for the returned ``y`` (mixing: its ``dual_bound``).
    * ``"dual"`` (l_inf, any depth): DGeoLIP, ``min L`` s.t. ``G(L, lam, tau) PSD``, ``lam, tau >= 0``
      (``lam`` one per input, ``tau`` one per hidden neuron); value ``L / 2``.
    * ``"lipsdp"`` (l2, any depth): LipSDP-Neuron for the scalar output ``c^T f`` (``alpha = 0, beta = 1``):
      ``min rho`` s.t. ``G(rho, tau) PSD``; value ``sqrt(rho)``.
    * ``"auto"``: ``"natural"`` for two layers, else ``"dual"`` (l_inf) or ``"lipsdp"`` (l2); for l1 there is
      no SDP and :func:`product_bound` is returned (exact for two layers).

    For ``"dual"`` and ``"lipsdp"`` the first-order solver (the default) certifies its own multipliers
    by a verified Cholesky test of the LMI matrix (:mod:`hiqlip_plugin.sdp.lmi`). A cvxpy solver's multipliers are clipped to ``>= 0`` and the LMI matrix
    ``G`` is rebuilt in float64. If its smallest eigenvalue ``mu`` (less a rounding margin) is negative,
    ``z^T G z >= mu ||z||^2`` still holds for every tested ``z``, so the objective is raised by ``|mu| R^2``
    with ``R^2 >= ||z||^2``: ``1 + d + sum_l || |W_l| ... |W_1| 1 ||^2`` for l_inf (``|x_i| <= 1``), ``1 +
    sum_l prod_{k<=l} ||W_k||_2^2`` for l2 (``||x||_2 = 1``); or, when smaller, by the same bound for
    ``S G S`` with ``S`` the diagonal of elementwise bounds on ``|z|`` (then ``R^2`` is the number of
    entries). ``details["correction"]`` records it; with the default tolerance it stayed below 1e-6 relative in
    our tests.

    Args:
        network: The network.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: Input norm: ``"inf"``, ``2`` or ``1``.
        method: One of :data:`SDP_METHODS`.
        solver: ``"mixing"`` (natural SDP only), ``"first_order"`` (dual and lipsdp only,
            :func:`~hiqlip_plugin.sdp.lmi.solve_chain_lmi`), ``"SCS"`` or ``"CLARABEL"`` (via cvxpy), or
            ``"auto"``: mixing for the natural SDP, first_order for the others.
        tol: Solver tolerance (mixing ``tol``; SCS ``eps_abs``/``eps_rel``; Clarabel gap and feasibility
            tolerances); ``None`` takes :data:`DEFAULT_TOL` of the solver. The returned value is certified
            whatever the tolerance; a looser one makes it larger (for the LMI methods through the correction).
        time_limit: Seconds allowed to the solver (``None``: no limit).
        seed: Seed of the mixing method's random start (the other solvers are deterministic).
        solver_options: Extra keyword arguments for the solver (``mixing_sdp``, ``solve_chain_lmi`` or
            ``cvxpy``'s ``solve``), e.g. ``{"max_iters": 500}`` for SCS.
        max_size: Largest dense block handed to cvxpy (``None``: no limit): the side of the natural SDP;
            for the LMI methods, which Clarabel splits by chordal decomposition, the widest pair of adjacent
            layers (input included, after the l2 SVD reduction). Larger problems raise
            :class:`~hiqlip_plugin.exceptions.ProblemTooLargeError` at once instead of running for hours.
            The mixing and first-order methods have no such limit.

    Returns:
        An :class:`UpperBound`; ``details`` holds the solver's own objective (``solver_value``, NOT a bound),
        the certified SDP value, the problem size, iterations and any correction. A mixing run stopped
        by ``time_limit`` or ``max_iter`` has status ``"not converged"`` and a looser, still certified value.

    Raises:
        TypeError: If ``tol`` or ``time_limit`` is not a number (strings included).
        ValueError: For a method, norm, solver or network shape that do not go together (e.g. ``norm=3``,
            the natural SDP of a deeper network, mixing for the LMI methods).
        SolverFailedError: If a cvxpy solver does not end with status ``"optimal"``, or the first-order
            solver's final multipliers cannot be certified.
        ProblemTooLargeError: If a cvxpy problem would exceed ``max_size``.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.bounds import sdp_bound
        >>> net = random_relu_network((5, 6, 3), seed=1)
        >>> bound = sdp_bound(net, output=2, norm=2, seed=0)
        >>> bound.method, bound.solver, bound.status, bound.details["sdp_size"]
        ('natural_sdp', 'mixing', 'converged', 7)
    """
    start = time.perf_counter()
    norm = parse_norm(norm)
    solver = _parse_solver(solver)
    tol = None if tol is None else check_positive(tol, "tol")
    time_limit = None if time_limit is None else check_time_limit(time_limit)
    two_layer = network.num_layers == 2
    resolved = _resolve_method(method, norm, two_layer)
    c = network.output_direction(output, direction)
    if resolved == "product":
        return product_bound(network, direction=c, norm=norm)
    if solver == "auto":
        solver = "mixing" if resolved == "natural" else "first_order"
    if solver == "mixing" and resolved != "natural":
        raise ValueError(
            f"the mixing method solves the natural SDP only; use solver='first_order', 'CLARABEL' or "
            f"'SCS' for {resolved!r}"
        )
    if solver == "first_order" and resolved == "natural":
        raise ValueError(
            "the first-order LMI solver solves method='dual' and 'lipsdp'; use solver='mixing' for the "
            "natural SDP"
        )
    tol = DEFAULT_TOL[solver] if tol is None else float(tol)
    settings = _Settings(solver, tol, time_limit, seed, dict(solver_options or {}), max_size)
    scaled = prescale(network, c)
    if resolved == "natural":
        a = block_matrix(scaled.network, scaled.direction, [None], 0)
        value, status, details = _natural_sdp(a, norm, settings)
    else:
        if solver == "first_order":
            certified, status, details = _lmi_first_order(
                scaled.network, scaled.direction, norm, settings
            )
        else:
            certified, status, details = _lmi_sdp(
                _lmi_pencil(scaled.network, scaled.direction, norm), settings
            )
        value = certified / 2.0 if norm == "inf" else inflate(float(np.sqrt(certified)), 1)
        details["certified_objective"] = certified
    details["scale_exponent"] = scaled.exponent
    degree = 1 if norm == "inf" else 2  # the objectives are FGL (l_inf) or FGL^2 (l2) up to constants
    with np.errstate(over="ignore", under="ignore"):  # informative: FGL^2 may leave the float64 range
        for key in _OBJECTIVE_KEYS.intersection(details):
            details[key] = float(np.ldexp(details[key], degree * scaled.exponent))
    return UpperBound(
        value=scaled.upper(float(value)),
        method=_METHOD_NAMES[resolved],
        norm=norm,
        solver=solver,
        status=status,
        wall_time=time.perf_counter() - start,
        details=details,
    )


def joint_l2_bound(
    network: ReLUNetwork,
    *,
    method: str = "lipsdp",
    tol: float | None = None,
    time_limit: float | None = None,
    solver_options: Mapping[str, Any] | None = None,
) -> UpperBound:
    """Certified upper bound on the l2 Lipschitz constant of the whole map ``f`` (spectral norm of its Jacobian).

    * ``method="lipsdp"``: LipSDP-Neuron for the vector map (Fazlyab et al., 2019, ``alpha = 0, beta = 1``):
      ``min rho`` s.t. ``blkdiag(rho I, 0) - W_L^T W_L`` (on the last hidden block) ``+ sum tau_j QC_j``
      PSD, value ``sqrt(rho)``; solved and certified by :func:`~hiqlip_plugin.sdp.lmi.solve_chain_lmi`
      with the matrix target ``W_L``.
    * ``method="product"``: ``prod_l ||W_l||_2``, rounded upwards.

    Both are computed for the network prescaled by exact powers of two and scaled back upwards. Every
    ``||J(x)||_2`` at an input ``x`` is a lower bound on the same constant.

    Args:
        network: The network.
        method: ``"lipsdp"`` or ``"product"``.
        tol: Relative accuracy of the first-order solver (default :data:`DEFAULT_TOL`).
        time_limit: Seconds for the solver's iterations.
        solver_options: Extra keyword arguments for :func:`~hiqlip_plugin.sdp.lmi.solve_chain_lmi`.

    Returns:
        An :class:`UpperBound` (``norm="2"``; ``method`` ``"lipsdp_neuron"`` or ``"product"``).

    Raises:
        ValueError: For an unknown method.
        SolverFailedError: If the first-order solver cannot certify its multipliers.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.bounds import joint_l2_bound
        >>> net = random_relu_network((5, 4, 4, 3), seed=0)
        >>> sdp, prod = joint_l2_bound(net), joint_l2_bound(net, method="product")
        >>> bool(sdp.value <= prod.value), sdp.method
        (True, 'lipsdp_neuron')
    """
    start = time.perf_counter()
    if method not in ("lipsdp", "product"):
        raise ValueError(f"method must be 'lipsdp' or 'product', got {method!r}")
    scaled = prescale(network)
    weights = scaled.network.weights
    if method == "product":
        factors = [float(np.linalg.norm(w, 2)) for w in weights]
        value = inflate(float(np.prod(factors)), sum(network.layer_sizes) + 4 * sum(network.layer_sizes))
        details: dict[str, Any] = {"factors": factors}
        solver, status = "closed form", "closed form"
    else:
        result = solve_chain_lmi(
            ChainLMI(tuple(weights[:-1]), weights[-1], "scalar"),
            tol=DEFAULT_TOL["first_order"] if tol is None else float(tol),
            time_limit=time_limit,
            **dict(solver_options or {}),
        )
        value = inflate(float(np.sqrt(result.objective)), 1)
        solver, status = "first_order", "converged" if result.converged else "not converged"
        details = {
            "certified_objective": float(np.ldexp(result.objective, 2 * scaled.exponent)),
            "iterations": result.iterations,
            "lmi_min_eigenvalue": result.min_eigenvalue,
            "slack": result.slack,
        }
    details["scale_exponent"] = scaled.exponent
    return UpperBound(
        value=scaled.upper(value),
        method="lipsdp_neuron" if method == "lipsdp" else "product",
        norm="2",
        solver=solver,
        status=status,
        wall_time=time.perf_counter() - start,
        details=details,
    )
