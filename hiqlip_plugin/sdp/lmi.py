"""A first-order solver for chain LMIs (DGeoLIP, LipSDP-Neuron), certified by a verified Cholesky test.

The module knows matrices, not networks. A *chain LMI* is given by coupling matrices ``C_1`` (``n_1 x
n_0``), ..., ``C_m`` (``n_m x n_{m-1}``) and a target vector ``r`` of length ``n_m``. For non-negative
multipliers ``p`` (on block 0) and ``tau_l`` (on block ``l``), ``M(p, tau)`` is the block-tridiagonal
matrix with diagonal blocks ``D_0 = Diag(p)`` and ``D_l = 2 Diag(tau_l)`` and off-diagonal blocks ``M_{l,
l-1} = -Diag(tau_l) C_l``. Two programs are solved:

* ``inputs="diagonal"`` (DGeoLIP): ``min L`` s.t. ``G = [[M, -r~], [-r~^T, L - sum(p)]]`` PSD, with ``r~``
  the target placed on the last block; an optimal ``L`` is ``sum(p) + r~^T M^-1 r~``.
* ``inputs="scalar"`` (LipSDP-Neuron): ``min rho`` s.t. ``G = M(rho 1, tau) - r~ r~^T`` PSD (``M(rho 1,
  tau)`` has ``D_0 = rho I``); ``M`` is linear, so ``(rho, tau) = t (1, tau')`` with ``t = r~^T M(1,
  tau')^-1 r~`` is feasible and ``rho* = min_tau' r~^T M(1, tau')^-1 r~``.

**The method.** By the Schur complement both programs are the minimisation of a convex function of the
multipliers, ``F = sum(p) + r~^T M^-1 r~`` or ``F = r~^T M(1, tau)^-1 r~``, over the cone where ``M`` is
positive definite (a matrix-fractional function: the exact form of the eigenvalue / penalty formulations,
with no radius term to tune). When the relaxation is not tight the optimum lies where ``M`` is singular,
so ``F + mu (sum_i v_i / v0_i - log det M)`` (``v`` all multipliers, ``v0`` the start; the linear term
keeps the barrier bounded along multipliers ``F`` does not depend on, e.g. of neurons with zero weights)
is minimised for ``mu`` falling tenfold per stage (a barrier continuation: the minimiser of a stage is
within about ``mu size(G)`` of the optimum) by L-BFGS in the logarithms of the
multipliers (positivity for free), each stage warm-started from the previous one and stopped when its
relative decrease stalls. A trial step where a block factorisation breaks down is outside the domain and
is halved. ``F``, ``log det M`` and their gradients cost one block elimination of the block-tridiagonal
``M``: with ``S_0 = D_0`` and ``S_l = D_l - Diag(tau_l) C_l S_{l-1}^-1 C_l^T Diag(tau_l)``, one dense
Cholesky factorisation per block (``O(sum n_l^3 + n_{l-1}^2 n_l)``, nothing of the size of the whole
matrix); ``u = M^-1 r~`` by back substitution gives ``dF/dtau_{l,j} = -(2 u_{l,j}^2 - 2 u_{l,j} (C_l
u_{l-1})_j)`` and ``dF/dp_i = 1 - u_{0,i}^2``, and the diagonal and sub-diagonal blocks of ``M^-1``
(selected inversion, the same recursion backwards) give the gradient of ``log det M``. The start makes
every ``S_l`` positive definite with ``tau_l`` uniform, ``1 / lambda_max(C_l S_{l-1}^-1 C_l^T)``. A target
with several rows ``R`` (``inputs="scalar"`` only: the l2 constant of a vector-valued map, last block
``-R^T R``) needs ``rho >= lambda_max(R M^-1 R^T)``, minimised through its soft-maximum at temperature
``mu size(G) / log k``.

**The certificate.** An iterate is never reported as it is. The optimum typically lies where ``M`` is
singular (with ``r~`` orthogonal to its kernel), so the final multipliers are first mixed with the
strictly feasible start, ``(1 - theta) final + theta start`` (``M`` is affine, so its smallest eigenvalue
is at least ``theta`` times the start's; ``F`` is convex, so it grows by at most ``theta (F(start) -
F)``); then the objective is raised by a relative slack ``s`` (``q (1 + s)`` in place of ``q = r~^T M^-1
r~``), the full matrix ``G`` is built in float64 together with an elementwise bound on its rounding
error, and :func:`hiqlip_plugin._verified.certified_min_eigenvalue` must prove ``lambda_min(G) > 0``
(Rump's Cholesky test). If it cannot, ``theta`` and ``s`` grow tenfold, ``s`` at most :data:`MAX_SLACK`;
past that the solve fails with :class:`~hiqlip_plugin.exceptions.SolverFailedError`. :func:`verify_chain_lmi` is the same test for
any multipliers, so an infeasible multiplier vector is rejected.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.sdp.lmi import ChainLMI, solve_chain_lmi
    >>> rng = np.random.default_rng(0)
    >>> lmi = ChainLMI((rng.normal(size=(5, 4)), rng.normal(size=(3, 5))), rng.normal(size=3), "scalar")
    >>> result = solve_chain_lmi(lmi)
    >>> result.min_eigenvalue > 0, result.objective >= result.solver_value
    (True, True)
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.linalg

from hiqlip_plugin._validation import check_integer, check_positive, check_time_limit
from hiqlip_plugin._verified import UNIT_ROUNDOFF, certified_min_eigenvalue, gamma
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError

__all__ = [
    "ChainLMI",
    "ChainLMIResult",
    "solve_chain_lmi",
    "verify_chain_lmi",
    "INPUT_KINDS",
    "MAX_SLACK",
    "MAX_CERTIFIED_SIZE",
]

INPUT_KINDS = ("diagonal", "scalar")
"""Values of :attr:`ChainLMI.inputs`: one multiplier per input (DGeoLIP) or one for all (LipSDP)."""

MAX_SLACK = 1e-3
"""Largest relative slack the certificate adds to ``r~^T M^-1 r~`` before the solve is declared failed."""

MAX_CERTIFIED_SIZE = 10000
"""Largest side of ``G`` accepted (its certificate factorises a dense copy: 800 MB at this size)."""

_CERTIFICATE_SCHEDULE = tuple((10.0 * s, s) for s in (1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, MAX_SLACK))
"""``(theta, slack)`` pairs tried in turn by the certificate (module docstring)."""
_MEMORY = 12
_FIRST_BARRIER = 0.1
_BARRIER_DECREASE = 0.1
_INNER_TOL = 1e-4
_ARMIJO = 1e-4
_MAX_LOG_STEP = 3.0
_PATIENCE = 8


@dataclass(frozen=True, eq=False)
class ChainLMI:
    """The data of a chain LMI (module docstring).

    Attributes:
        couplings: ``C_1, ..., C_m``; ``C_l`` has shape ``(n_l, n_{l-1})``.
        target: ``r``, shape ``(n_m,)``; or, with ``inputs="scalar"``, a matrix ``R`` of shape ``(k, n_m)``
            (last block ``-R^T R``: the l2 constant of ``k`` outputs jointly).
        inputs: ``"diagonal"`` (one multiplier per entry of block 0) or ``"scalar"`` (``rho I``).
        target_error: Elementwise bound on the error of ``target`` (e.g. its rounding), included in the
            certificate; default zero.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.lmi import ChainLMI
        >>> ChainLMI((np.ones((2, 3)), np.ones((1, 2))), np.ones(1), "diagonal").dims
        (3, 2, 1)
    """

    couplings: tuple[np.ndarray, ...]
    target: np.ndarray
    inputs: Literal["diagonal", "scalar"]
    target_error: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.inputs not in INPUT_KINDS:
            raise ValueError(f"inputs must be one of {INPUT_KINDS}, got {self.inputs!r}")
        couplings = tuple(np.asarray(c, dtype=np.float64) for c in self.couplings)
        if not couplings or any(c.ndim != 2 or c.size == 0 for c in couplings):
            raise ValueError("couplings must be a non-empty sequence of non-empty 2-D arrays")
        for k in range(1, len(couplings)):
            if couplings[k].shape[1] != couplings[k - 1].shape[0]:
                raise ValueError(
                    f"couplings[{k}] has {couplings[k].shape[1]} columns, couplings[{k - 1}] has "
                    f"{couplings[k - 1].shape[0]} rows"
                )
        target = np.asarray(self.target, dtype=np.float64)
        width = couplings[-1].shape[0]
        if target.shape != (width,) and not (
            self.inputs == "scalar" and target.ndim == 2 and target.shape[1] == width and len(target)
        ):
            raise ValueError(
                f"target must have shape ({width},) (or (k, {width}) with inputs='scalar'), got {target.shape}"
            )
        error = np.zeros_like(target) if self.target_error is None else np.asarray(self.target_error, float)
        if error.shape != target.shape or np.any(error < 0):
            raise ValueError("target_error must be a non-negative array shaped like target")
        if not all(np.all(np.isfinite(a)) for a in (*couplings, target, error)):
            raise ValueError("the chain LMI data contain NaN or infinite entries")
        object.__setattr__(self, "couplings", couplings)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "target_error", error)

    @property
    def dims(self) -> tuple[int, ...]:
        """Block sizes ``(n_0, n_1, ..., n_m)``."""
        return (self.couplings[0].shape[1], *(c.shape[0] for c in self.couplings))

    @property
    def size(self) -> int:
        """Side of ``G`` (one more than the blocks for ``"diagonal"``: the homogenising entry)."""
        return sum(self.dims) + (self.inputs == "diagonal")

    def matrix(
        self,
        objective: float,
        input_multipliers: npt.ArrayLike,
        neuron_multipliers: tuple[npt.ArrayLike, ...],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``G`` (dense, float64) and an elementwise bound on its rounding error.

        Args:
            objective: ``L`` (``"diagonal"``) or ``rho`` (``"scalar"``).
            input_multipliers: ``p``, shape ``(n_0,)`` (ignored for ``"scalar"``: ``rho`` is the objective).
            neuron_multipliers: ``tau_1, ..., tau_m``.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin.sdp.lmi import ChainLMI
            >>> lmi = ChainLMI((np.array([[1.0]]),), np.array([1.0]), "scalar")
            >>> g, _ = lmi.matrix(2.0, [], (np.array([1.0]),))
            >>> g.tolist()
            [[2.0, -1.0], [-1.0, 1.0]]
        """
        dims = self.dims
        offsets = np.cumsum((0, *dims))
        g = np.zeros((self.size, self.size))
        error = np.zeros_like(g)
        first = slice(0, dims[0])
        if self.inputs == "diagonal":
            p = np.asarray(input_multipliers, dtype=np.float64)
            g[first, first] = np.diag(p)
        else:
            g[first, first] = objective * np.eye(dims[0])
        for k, (c, tau) in enumerate(zip(self.couplings, neuron_multipliers, strict=True), start=1):
            tau = np.asarray(tau, dtype=np.float64)
            rows, cols = slice(offsets[k], offsets[k + 1]), slice(offsets[k - 1], offsets[k])
            g[rows, rows] = np.diag(2.0 * tau)
            g[rows, cols] = -tau[:, None] * c
            g[cols, rows] = g[rows, cols].T
            error[rows, cols] = UNIT_ROUNDOFF * np.abs(g[rows, cols])
            error[cols, rows] = error[rows, cols].T
        last = slice(offsets[-2], offsets[-1])
        r, dr = self.target, self.target_error
        if self.inputs == "diagonal":
            total = math.fsum(p.tolist())
            g[-1, -1] = objective - total
            error[-1, -1] = 2.0 * gamma(dims[0] + 2) * (abs(objective) + float(np.sum(np.abs(p))))
            g[-1, last], g[last, -1] = -r, -r
            error[-1, last] = error[last, -1] = dr
        else:
            rows, drows = np.atleast_2d(r), np.atleast_2d(dr)
            outer = rows.T @ rows
            magnitude = np.abs(rows).T @ np.abs(rows)
            g[last, last] -= outer
            spread = np.abs(rows).T @ drows
            error[last, last] += (
                gamma(len(rows) + 2) * (magnitude + np.abs(g[last, last]))
                + spread
                + spread.T
                + drows.T @ drows
            )
        return g, error


@dataclass(frozen=True, eq=False)
class ChainLMIResult:
    """A certified solution of a chain LMI (read-only).

    Attributes:
        objective: Certified objective: ``L`` (``"diagonal"``) or ``rho`` (``"scalar"``) such that ``G`` is
            proven PSD for :attr:`input_multipliers` and :attr:`neuron_multipliers`.
        input_multipliers: ``p`` (``"diagonal"``) or ``[rho]`` (``"scalar"``).
        neuron_multipliers: ``tau_1, ..., tau_m`` of the certificate.
        solver_value: The minimised ``F`` at the final iterate (NOT certified, no slack).
        min_eigenvalue: The proven positive lower bound on ``lambda_min(G)``.
        slack: The relative slack the certificate added to ``r~^T M^-1 r~``.
        interior_weight: The weight ``theta`` of the strictly feasible start mixed into the final
            multipliers (``(1 - theta) final + theta start``) to move ``M`` off the boundary of the cone.
        iterations: L-BFGS iterations.
        converged: Whether the relative decrease stayed below ``tol`` (else a limit stopped the run).
        wall_time: Seconds, certificate included.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.lmi import ChainLMI, solve_chain_lmi
        >>> lmi = ChainLMI((np.eye(2), np.ones((1, 2))), np.array([1.0]), "diagonal")
        >>> result = solve_chain_lmi(lmi)
        >>> bool(abs(result.objective / 2 - 2.0) < 1e-4)   # the l_inf FGL of this net is 2
        True
    """

    objective: float
    input_multipliers: np.ndarray
    neuron_multipliers: tuple[np.ndarray, ...]
    solver_value: float
    min_eigenvalue: float
    slack: float
    interior_weight: float
    iterations: int
    converged: bool
    wall_time: float


def _block_solve(factors: list[np.ndarray], s0: np.ndarray, k: int, rhs: np.ndarray) -> np.ndarray:
    """``S_k^-1 rhs`` for the Schur complements of :meth:`_Evaluator.eliminate` (``S_0`` diagonal)."""
    if k == 0:
        return rhs / s0[:, None]
    return scipy.linalg.cho_solve((factors[k - 1], False), rhs, check_finite=False)


class _Evaluator:
    """``F`` and its gradient in the logarithms of the multipliers, by block elimination of ``M``."""

    def __init__(self, lmi: ChainLMI) -> None:
        self.lmi = lmi
        self.diagonal = lmi.inputs == "diagonal"
        self.dims = lmi.dims
        first = lmi.couplings[0]
        self.gram = None if self.diagonal else first @ first.T
        self.splits = np.cumsum([self.dims[0] if self.diagonal else 0, *self.dims[1:]])[:-1]
        self.mu = 0.0
        self.beta = 0.0
        self.reference = np.ones(1)

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        parts = np.split(np.exp(x), self.splits)
        return (parts[0] if self.diagonal else np.ones(1)), parts[1:]

    def eliminate(self, p: np.ndarray, taus: list[np.ndarray]) -> list[np.ndarray] | None:
        """Upper Cholesky factors of the Schur complements ``S_1 .. S_m``, or ``None`` off the domain."""
        factors: list[np.ndarray] = []
        for k, (c, tau) in enumerate(zip(self.lmi.couplings[: len(taus)], taus, strict=True)):
            if k == 0:
                kernel = (c / p) @ c.T if self.diagonal else self.gram / p[0]
            else:
                y = scipy.linalg.solve_triangular(factors[-1], c.T, trans="T", check_finite=False)
                kernel = y.T @ y
            schur = -(tau[:, None] * kernel * tau[None, :])
            schur[np.diag_indices_from(schur)] += 2.0 * tau
            factor, info = scipy.linalg.lapack.dpotrf(schur, lower=0, clean=1, overwrite_a=1)
            if info != 0:
                return None
            factors.append(factor)
        return factors

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray] | None:
        """``(Phi, grad Phi)``, ``Phi = F + mu (sum v / v0 - log det M)`` at ``v = exp(x)``; ``None`` off the domain."""
        p, taus = self.unpack(x)
        factors = self.eliminate(p, taus)
        if factors is None:
            return None
        couplings, mu = self.lmi.couplings, self.mu
        s0 = p if self.diagonal else np.full(self.dims[0], p[0])
        rows = np.atleast_2d(self.lmi.target)
        u = scipy.linalg.cho_solve((factors[-1], False), rows.T, check_finite=False)
        value, weights = self.largest(rows @ u)
        u = u @ weights  # columns M^-1 R^T v_i sqrt(w_i): the gradient is a weighted sum over them
        inverse = _block_solve(factors, s0, len(factors), np.eye(self.dims[-1]))
        grads = []
        for k in range(len(couplings) - 1, -1, -1):
            c, tau = couplings[k], taus[k]
            previous = _block_solve(factors, s0, k, c.T @ (tau[:, None] * u))
            grad = -tau * np.sum(2.0 * u * u - 2.0 * u * (c @ previous), axis=1)
            if mu:
                # block of M^-1 coupling block k+1 with block k, then the next diagonal block (selected inverse)
                solve = _block_solve(factors, s0, k, c.T * tau)  # S_k^-1 C^T T
                cross = solve @ inverse
                trace = 2.0 * np.diag(inverse) - 2.0 * np.einsum("jk,kj->j", c, cross)
                grad -= mu * tau * trace
                if k == 0:  # only the diagonal of the first block is needed
                    inverse = np.einsum("ij,ij->i", cross, solve) + 1.0 / s0
                else:
                    inverse = cross @ solve.T + _block_solve(factors, s0, k, np.eye(self.dims[k]))
            grads.append(grad)
            u = previous
        grads.reverse()
        if self.diagonal:
            value += float(np.sum(p))
            first = p * (1.0 - np.sum(u * u, axis=1))
            if mu:
                first -= mu * p * inverse
            grads.insert(0, first)
        if not math.isfinite(value):
            return None
        gradient = np.concatenate(grads)
        if mu:
            logdet = float(np.sum(np.log(s0))) + sum(
                2.0 * float(np.sum(np.log(np.diag(f)))) for f in factors
            )
            ratio = np.exp(x) / self.reference
            value += mu * (float(np.sum(ratio)) - logdet)
            gradient += mu * ratio
        return value, gradient

    def largest(self, matrix: np.ndarray) -> tuple[float, np.ndarray]:
        """``lambda_max`` of ``R M^-1 R^T`` (soft-maximum at :attr:`beta` for several rows) and the factor
        ``V diag(sqrt(w))`` of its gradient ``sum_i w_i v_i v_i^T``."""
        if len(matrix) == 1:
            return float(matrix[0, 0]), np.ones((1, 1))
        values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
        top = float(values[-1])
        if not self.beta:
            return top, vectors[:, -1:]
        exponents = np.exp(self.beta * (values - top))
        total = float(np.sum(exponents))
        return top + math.log(total) / self.beta, vectors * np.sqrt(exponents / total)

    def start(self) -> np.ndarray:
        """Uniform multipliers per block that keep every Schur complement positive definite."""
        p = np.ones(self.dims[0]) if self.diagonal else np.ones(1)
        taus: list[np.ndarray] = []
        for k, c in enumerate(self.lmi.couplings):
            if k == 0:
                kernel = (c / p) @ c.T if self.diagonal else self.gram
            else:
                factors = self.eliminate(p, taus)
                assert factors is not None
                y = scipy.linalg.solve_triangular(factors[-1], c.T, trans="T", check_finite=False)
                kernel = y.T @ y
            top = float(scipy.linalg.eigvalsh(kernel, subset_by_index=(len(kernel) - 1,) * 2)[0])
            taus.append(np.full(c.shape[0], 1.0 / max(top, 1e-300)))
        x = np.log(np.concatenate([p if self.diagonal else np.empty(0), *taus]))
        if self.diagonal:  # F(t p, t tau) = t sum(p) + q / t: start at the best t
            evaluated = self(x)
            assert evaluated is not None
            q = evaluated[0] - float(np.sum(p))
            x += 0.5 * math.log(max(q, 1e-300) / float(np.sum(p)))
        return x


def _objective(evaluate: _Evaluator, x: np.ndarray) -> float:
    """``F`` (no barrier, exact ``lambda_max``) at ``exp(x)``; ``inf`` outside the domain."""
    saved = evaluate.mu, evaluate.beta
    evaluate.mu = evaluate.beta = 0.0
    evaluated = evaluate(x)
    evaluate.mu, evaluate.beta = saved
    return math.inf if evaluated is None else evaluated[0]


def _lbfgs(
    evaluate: _Evaluator, x: np.ndarray, tol: float, max_iter: int, deadline: float | None
) -> tuple[np.ndarray, float, int, bool]:
    """Minimise ``evaluate`` from ``x`` (inside the domain) by L-BFGS with backtracking; return the best."""
    evaluated = evaluate(x)
    if evaluated is None:
        raise SolverFailedError("the first-order LMI solver's start is not positive definite")
    value, grad = evaluated
    history: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=_MEMORY)
    quiet, iterations = 0, 0
    while iterations < max_iter and (deadline is None or time.perf_counter() < deadline):
        iterations += 1
        direction = -grad
        alphas = []
        for s, y, rho in reversed(history):
            alpha = rho * float(s @ direction)
            direction -= alpha * y
            alphas.append(alpha)
        if history:
            s, y, _ = history[-1]
            direction *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(history, reversed(alphas), strict=True):
            direction += (alpha - rho * float(y @ direction)) * s
        slope = float(grad @ direction)
        if not slope < 0:
            history.clear()
            direction, slope = -grad, -float(grad @ grad)
        step = min(1.0, _MAX_LOG_STEP / max(float(np.max(np.abs(direction))), 1e-300))
        while True:
            trial = x + step * direction
            candidate = evaluate(trial)
            if candidate is not None and candidate[0] <= value + _ARMIJO * step * slope:
                break
            step *= 0.5
            if step < 1e-14:
                return x, value, iterations, True  # no descent left at float64 precision
        new_value, new_grad = candidate[0], candidate[1]
        s, y = trial - x, new_grad - grad
        if float(s @ y) > 1e-16 * float(np.sqrt((s @ s) * (y @ y))):
            history.append((s, y, 1.0 / float(s @ y)))
        decrease = value - new_value
        x, value, grad = trial, new_value, new_grad
        quiet = quiet + 1 if decrease <= tol * abs(value) else 0
        if quiet >= _PATIENCE:
            return x, value, iterations, True
    return x, value, iterations, False


def verify_chain_lmi(
    lmi: ChainLMI,
    objective: float,
    input_multipliers: npt.ArrayLike,
    neuron_multipliers: tuple[npt.ArrayLike, ...],
) -> float:
    """A proven lower bound on ``lambda_min(G)`` for the given objective and multipliers.

    A positive value proves that ``G`` is positive definite, i.e. that ``objective`` is feasible (and the
    bound it implies is sound); a non-positive one proves nothing and the multipliers must be rejected.

    Args:
        lmi: The chain LMI.
        objective: ``L`` (``"diagonal"``) or ``rho`` (``"scalar"``).
        input_multipliers: ``p`` (ignored for ``"scalar"``).
        neuron_multipliers: ``tau_1, ..., tau_m``; negative entries are rejected.

    Returns:
        The bound (Rump's Cholesky test, rounding errors of ``G`` included).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.lmi import ChainLMI, verify_chain_lmi
        >>> lmi = ChainLMI((np.array([[1.0]]),), np.array([1.0]), "scalar")
        >>> verify_chain_lmi(lmi, 1.1, [], (np.array([1.0]),)) > 0    # rho = 1.1 >= 1 is feasible
        True
        >>> verify_chain_lmi(lmi, 0.9, [], (np.array([1.0]),)) > 0
        False
    """
    taus = tuple(np.asarray(t, dtype=np.float64) for t in neuron_multipliers)
    p = np.asarray(input_multipliers, dtype=np.float64)
    if any(np.any(t < 0) for t in taus) or (lmi.inputs == "diagonal" and np.any(p < 0)):
        return -math.inf
    g, error = lmi.matrix(objective, p, taus)
    return certified_min_eigenvalue(g, error)


def solve_chain_lmi(
    lmi: ChainLMI,
    *,
    tol: float = 1e-5,
    max_iter: int = 5000,
    time_limit: float | None = None,
) -> ChainLMIResult:
    """Minimise the chain LMI's objective by L-BFGS on its Schur-complement form, then certify it.

    Args:
        lmi: The chain LMI.
        tol: Target relative accuracy: the barrier weight ``mu`` is divided by ten until ``mu * size(G)``
            (the barrier's bound on the distance to the optimum, for an exactly minimised barrier
            function) is at most ``tol * F``; each stage runs L-BFGS until its relative decrease stalls.
        max_iter: Iteration limit.
        time_limit: Seconds for the whole solve: the iterations stop early enough to leave the
            certificate (one dense Cholesky test of ``G`` per slack tried) the time predicted from the speed
            of one block elimination; the best iterate so far is certified. A budget below that
            prediction, or a slow certificate, can still overrun it.

    Returns:
        A :class:`ChainLMIResult` whose :attr:`~ChainLMIResult.objective` is proven feasible.

    Raises:
        SolverFailedError: If no slack up to :data:`MAX_SLACK` gives a verified positive definite ``G``.
        ProblemTooLargeError: If ``G`` has more than :data:`MAX_CERTIFIED_SIZE` rows.
        TypeError: If ``tol``, ``max_iter`` or ``time_limit`` is not a number (strings included).
        ValueError: For a ``tol``, ``max_iter`` or ``time_limit`` out of range.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.sdp.lmi import ChainLMI, solve_chain_lmi
        >>> lmi = ChainLMI((np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])), np.ones(1), "scalar")
        >>> result = solve_chain_lmi(lmi)
        >>> bool(np.sqrt(result.objective) >= np.sqrt(5.0))  # >= the l2 FGL, the gradient (1, 2)
        True
    """
    started = time.perf_counter()
    tol = check_positive(tol, "tol")
    max_iter = check_integer(max_iter, "max_iter", 0)
    time_limit = None if time_limit is None else check_time_limit(time_limit)
    if lmi.size > MAX_CERTIFIED_SIZE:
        raise ProblemTooLargeError(
            f"the chain LMI has side {lmi.size} > MAX_CERTIFIED_SIZE={MAX_CERTIFIED_SIZE}: its certificate "
            "factorises a dense copy of G; use the norm product for networks this wide"
        )
    if not np.any(lmi.target) and not np.any(lmi.target_error):
        zeros = tuple(np.zeros(n) for n in lmi.dims[1:])  # G(0, 0) = 0 is PSD exactly
        p0 = np.zeros(lmi.dims[0] if lmi.inputs == "diagonal" else 1)
        return ChainLMIResult(0.0, p0, zeros, 0.0, 0.0, 0.0, 0.0, 0, True, time.perf_counter() - started)
    evaluate = _Evaluator(lmi)
    start = evaluate.start()
    evaluate.reference = np.exp(start)
    size = lmi.size
    tick = time.perf_counter()
    evaluate.mu = _FIRST_BARRIER * _objective(evaluate, start) / size
    deadline = None
    if time_limit is not None:  # leave time for the certificate, predicted from one elimination's speed
        dims = lmi.dims
        work = sum(a * a * b + a * b * b + b**3 / 3.0 for a, b in zip(dims, dims[1:], strict=False))
        certificate = 2.0 * (time.perf_counter() - tick) * (size**3 / 3.0 + 4.0 * size**2) / work
        deadline = started + max(time_limit - certificate, 0.0)
    rows = np.atleast_2d(lmi.target).shape[0]
    x, iterations, converged = start, 0, False
    value = _objective(evaluate, start)
    while True:
        evaluate.beta = math.log(rows) / (evaluate.mu * size) if rows > 1 else 0.0
        inner = _INNER_TOL * evaluate.mu * size / max(value, 1e-300)
        x, _, used, _ = _lbfgs(evaluate, x, inner, max_iter - iterations, deadline)
        iterations += used
        value = _objective(evaluate, x)
        if evaluate.mu * size <= tol * value:
            converged = True
            break
        if iterations >= max_iter or (deadline is not None and time.perf_counter() >= deadline):
            break
        evaluate.mu *= _BARRIER_DECREASE
    for mixing, slack in _CERTIFICATE_SCHEDULE:
        # M is affine: mixing in the start (strictly inside the cone) keeps M positive definite by a margin
        interior = np.log((1.0 - mixing) * np.exp(x) + mixing * np.exp(start))
        evaluated = _objective(evaluate, interior)
        if not math.isfinite(evaluated):
            continue
        p, taus = evaluate.unpack(interior)
        total = math.fsum(p.tolist()) if evaluate.diagonal else 0.0
        q = evaluated - total
        if evaluate.diagonal:
            objective = (total + q * (1.0 + slack)) * (1.0 + 4.0 * UNIT_ROUNDOFF)
            multipliers = (p, tuple(taus))
        else:
            objective = q * (1.0 + slack)
            multipliers = (np.array([objective]), tuple(objective * t for t in taus))
        bound = verify_chain_lmi(lmi, objective, multipliers[0], multipliers[1])
        if bound > 0:
            return ChainLMIResult(
                objective=float(objective),
                input_multipliers=multipliers[0],
                neuron_multipliers=multipliers[1],
                solver_value=value,
                min_eigenvalue=bound,
                slack=slack,
                interior_weight=mixing,
                iterations=iterations,
                converged=converged,
                wall_time=time.perf_counter() - started,
            )
    raise SolverFailedError(
        f"the first-order LMI solver's final multipliers could not be certified (no verified positive "
        f"definite G with a relative slack up to {MAX_SLACK:g} after {iterations} iterations)"
    )
