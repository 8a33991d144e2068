"""Witnesses for deeper networks: block coordinate ascent with sampled sub-problems, and layered bifurcation.

For ``L >= 3`` layers the FGL objective is a higher-order problem: for the l_inf input norm,

.. math::

    \\mathrm{FGL}_\\infty = \\max_{x \\in \\{-1,1\\}^d,\\; s_1, \\dots, s_{L-1}}
        x^T W_1^T D(s_1) W_2^T D(s_2) \\cdots D(s_{L-1}) W_L^T c ,

multilinear of degree ``L`` (for l2, ``||g||_2^2`` has degree ``2(L-1)``). :func:`deep_block_search` never
approximates it: it moves between feasible points by *exact* reductions to quadratic problems.

**Moves.** Let ``P_l = W_1^T D_1 \\cdots W_l^T`` (``d x n_l``) and ``r_l = W_{l+1}^T D_{l+1} \\cdots W_L^T c``.

1. *One block* (any norm): with every pattern but ``s_l`` fixed, ``g = B_l s_l`` with
   ``B_l = P_l diag(r_l)``; the sub-problem is the two-layer bipartite model ``max x^T B_l s_l`` (l_inf) or
   the QUBO ``max s_l^T B_l^T B_l s_l`` (l2), built by :func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm`
   with ``patterns=`` and ``layer=``; for l1, ``max_s ||B_l s||_inf`` has a closed form (no sampler).
2. *Two adjacent blocks* (l_inf only): with ``x`` and every other pattern fixed, the objective is
   ``s_l^T K s_{l+1}`` with ``K = diag(P_l^T x) W_{l+1}^T diag(r_{l+1})``, a bipartite BINARY QUBO built by
   :func:`adjacent_blocks_qubo`. For l2 the same move is quartic, so l2 uses one-block moves only.

Each sub-problem goes to the sampler through :func:`~hiqlip_plugin.lipschitz.sampled.sample_and_polish` (the
answer and its reported energies are checked against the BQM); the lowest-energy sample is decoded and
then *polished* by closed-form best responses: with the dual vector ``y`` of the current gradient
(``sign(g)`` for l_inf, ``g / ||g||_2`` for l2, ``sign(g_i) e_i`` at the largest ``|g_i|`` for l1), the
best pattern of layer ``l`` for the linear objective ``y^T g`` is
``s_l = 1[r_l * (P_l^T y) >= 0]``, which never lowers ``||g||`` (ties go to "active", which revives layers
whose gradient vanished). A move is accepted only if it is not worse.

**All layers at once.** :func:`layered_bifurcation` runs simulated bifurcation over the spins of every hidden
layer together, with the input side (the dual vector ``y``) eliminated in closed form at every step and the
scores ``r_l * (P_l^T y)`` as the gradient; it needs no BQM and is the Ising route of the default witness
(:mod:`hiqlip_plugin.lipschitz.witness`).

**Perturbed ascent.** :func:`perturbed_ascent` is an iterated local search around one point: it flips the
signs of a few entries of the dual vector ``y``, sets every hidden layer to its closed-form best response for
that input, polishes, and keeps an improvement. (Perturbing a pattern instead is undone by the next best
response of that layer.)

**Soundness.** Every iterate is a full pattern set, so the returned
:class:`~hiqlip_plugin.lipschitz.formulation.Certificate` is a proven lower bound on the multi-layer FGL
(recomputed in float64 from the weights); it says nothing about the true Lipschitz constant unless its
patterns are realisable. No norm products or empirical coefficients are used.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.lipschitz.deep import deep_block_search
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> net = random_relu_network((4, 3, 3, 1), seed=0)
    >>> result = deep_block_search(net, sampler=dimod.ExactSolver(), num_restarts=2, seed=0)
    >>> result.certificate.verify(net), result.value > 0
    (True, True)
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np
import numpy.typing as npt
from tqdm.auto import tqdm

from hiqlip_plugin._validation import check_fraction, check_integer, check_work_or_time
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.lipschitz.formulation import (
    Certificate,
    LipschitzQUBO,
    Norm,
    block_matrix,
    fgl_bqm,
    parse_norm,
    pattern_gradient,
)
from hiqlip_plugin.lipschitz.sampled import sample_and_polish
from hiqlip_plugin.network import ReLUNetwork
from hiqlip_plugin.samplers.reduced import bifurcate, reduced_bifurcation

__all__ = [
    "BlockSearchResult",
    "AdjacentBlocksQUBO",
    "adjacent_blocks_qubo",
    "deep_block_search",
    "layer_label",
    "DEFAULT_SA_KWARGS",
    "BIFURCATION",
    "BLOCK_REPLICAS",
    "BLOCK_STEPS",
    "LayeredResult",
    "layered_bifurcation",
    "LAYERED_COUPLING_STRENGTH",
    "perturbed_ascent",
    "PERTURBATION",
]

DEFAULT_SA_KWARGS: dict[str, Any] = {"num_reads": 8, "num_sweeps": 200}
"""Keyword arguments given to the default :class:`dwave.samplers.SimulatedAnnealingSampler`."""

_RTOL = 1e-12
"""Relative increase below which a sweep counts as no improvement."""

BIFURCATION = "bifurcation"
"""``sampler=BIFURCATION`` solves each block move by :func:`~hiqlip_plugin.samplers.reduced.reduced_bifurcation`
on the block's reduced objective (one side eliminated in closed form; no BQM is built)."""

BLOCK_REPLICAS = 8
"""Replicas of each :data:`BIFURCATION` block move."""

BLOCK_STEPS = 300
"""Steps of each :data:`BIFURCATION` block move."""

LAYERED_COUPLING_STRENGTH = 2.0
"""Default ``xi`` of :func:`layered_bifurcation`: on 784-64-64-10 and 784-64-64-64-10 (outputs 0 and 1),
64 replicas of 500 steps at ``xi = 2`` reached the best value of every setting tried (32 x 500 and
32 x 1000 at ``xi = 1`` missed two of the four), ``docs/benchmarks.md``, witness section."""


def layer_label(layer: int, j: int) -> tuple[str, int, int]:
    """Label of unit ``j`` of hidden layer ``layer`` in an :func:`adjacent_blocks_qubo` model (1 = active).

    Examples:
        >>> from hiqlip_plugin.lipschitz.deep import layer_label
        >>> layer_label(1, 4)
        ('s', 1, 4)
    """
    return ("s", int(layer), int(j))


# ------------------------------------------------------------------ vectors of the block reductions
def _input_side(
    network: ReLUNetwork, y: np.ndarray, patterns: Sequence[np.ndarray], layer: int
) -> np.ndarray:
    """``P_l^T y = W_{l+1} D_l \\cdots D_1 W_1 y`` (length ``n_l``), 0-based ``layer``."""
    v = network.weights[0] @ y
    for k in range(layer):
        v = network.weights[k + 1] @ (patterns[k] * v)
    return v


def _output_side(
    network: ReLUNetwork, c: np.ndarray, patterns: Sequence[np.ndarray], layer: int
) -> np.ndarray:
    """``r_l = W_{l+1}^T D_{l+1} \\cdots W_L^T c`` (length ``n_l``), 0-based ``layer``."""
    r = c @ network.weights[-1]
    for k in range(network.num_layers - 2, layer, -1):
        r = (r * patterns[k]) @ network.weights[k]
    return r


def _norm_value(g: np.ndarray, norm: Norm) -> float:
    """The dual norm of ``g``: ``||g||_1`` (l_inf inputs), ``||g||_2``, ``||g||_inf`` (l1 inputs)."""
    if norm == "inf":
        return float(np.sum(np.abs(g)))
    if norm == "1":
        return float(np.max(np.abs(g)))
    return float(np.linalg.norm(g))


def _dual_vector(g: np.ndarray, norm: Norm) -> np.ndarray:
    """A maximiser of ``y^T g`` over the unit ball of the input norm (ties broken towards ``+1``).

    l_inf: ``sign(g)``; l2: ``g / ||g||_2``; l1: ``sign(g_i) e_i`` at the first ``i`` of largest ``|g_i|``.
    """
    if norm == "inf":
        return np.where(g >= 0, 1.0, -1.0)
    if norm == "1":
        y = np.zeros_like(g)
        i = int(np.argmax(np.abs(g)))
        y[i] = 1.0 if g[i] >= 0 else -1.0
        return y
    length = np.linalg.norm(g)
    return g / length if length > 0 else np.full(g.shape, 1.0 / math.sqrt(g.size))


# ------------------------------------------------------------------ the two-adjacent-block QUBO
@dataclass(frozen=True, eq=False)
class AdjacentBlocksQUBO:
    """The l_inf sub-problem over two adjacent hidden layers with the input signs fixed.

    Built by :func:`adjacent_blocks_qubo`; do not construct directly. The BINARY model has one variable
    :func:`layer_label` ``(layer, j)`` per unit of ``layer`` and ``(layer + 1, k)`` per unit of the next
    layer; its energy is ``-s_l^T K s_{l+1} = -x^T g`` (no fields, no offset).

    Attributes:
        bqm: BINARY model to minimise.
        matrix: ``K`` of shape ``(n_l, n_{l+1})``.
        network: The network.
        direction: The output functional ``c``.
        layer: The first of the two free hidden layers (0-based).
        patterns: The fixed patterns (``None`` at ``layer`` and ``layer + 1``).
        input_signs: The fixed input signs ``x``.

    Examples:
        >>> import math
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.deep import adjacent_blocks_qubo
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((3, 2, 2, 1), seed=1)
        >>> qubo = adjacent_blocks_qubo(net, patterns=[None, None], input_signs=[1, -1, 1], layer=0)
        >>> best = dimod.ExactSolver().sample(qubo.bqm).first
        >>> math.isclose(qubo.decode(best.sample).value, -best.energy)
        True
    """

    bqm: dimod.BinaryQuadraticModel
    matrix: np.ndarray
    network: ReLUNetwork
    direction: np.ndarray
    layer: int
    patterns: tuple[np.ndarray | None, ...]
    input_signs: np.ndarray

    def assignment(self, sample: Mapping[Hashable, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Return the 0/1 patterns ``(s_l, s_{l+1})`` of a sample.

        Raises:
            SamplerOutputError: If a variable is missing or a value is not 0/1.
        """
        first, second = self.matrix.shape
        try:
            s = np.array(
                [sample[layer_label(self.layer, j)] for j in range(first)], dtype=np.float64
            )
            t = np.array(
                [sample[layer_label(self.layer + 1, k)] for k in range(second)], dtype=np.float64
            )
        except KeyError as err:
            raise SamplerOutputError(f"sample lacks variable {err.args[0]!r}") from None
        if not (np.all((s == 0) | (s == 1)) and np.all((t == 0) | (t == 1))):
            raise SamplerOutputError("adjacent-block samples must be BINARY valued (0/1)")
        return s.astype(np.int8), t.astype(np.int8)

    def decode(self, sample: Mapping[Hashable, Any]) -> Certificate:
        """Turn a sample into a :class:`Certificate` with the fixed input signs (value ``= -energy``)."""
        s, t = self.assignment(sample)
        patterns = list(self.patterns)
        patterns[self.layer], patterns[self.layer + 1] = s, t
        return Certificate.from_patterns(
            self.network, patterns, self.direction, norm="inf", input_signs=self.input_signs
        )


def adjacent_blocks_qubo(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    patterns: Sequence[npt.ArrayLike | None],
    input_signs: npt.ArrayLike,
    layer: int,
) -> AdjacentBlocksQUBO:
    """Build the bipartite BINARY QUBO over hidden layers ``layer`` and ``layer + 1`` (l_inf, ``x`` fixed).

    With ``u = P_l^T x`` and ``v = r_{l+1}`` (see the module docstring),
    ``x^T g = sum_jk u_j W_{l+1}[k, j] v_k s_l[j] s_{l+1}[k]``; the model's energy is minus that.

    Args:
        network: A network with at least two hidden layers.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        patterns: One pattern per hidden layer; the entries at ``layer`` and ``layer + 1`` are ignored.
        input_signs: The fixed input signs ``x`` in {-1, +1}^d.
        layer: The first free hidden layer (0-based), ``0 <= layer <= num_hidden - 2``.

    Returns:
        An :class:`AdjacentBlocksQUBO`.

    Raises:
        ValueError: If the network has one hidden layer, ``layer`` is out of range, or the patterns or input
            signs have the wrong shape or values.

    Examples:
        >>> from hiqlip_plugin.lipschitz.deep import adjacent_blocks_qubo
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((3, 4, 5, 2), seed=0)
        >>> qubo = adjacent_blocks_qubo(net, output=0, patterns=[None, None], input_signs=[1, 1, -1], layer=0)
        >>> qubo.matrix.shape, qubo.bqm.num_variables
        ((4, 5), 9)
    """
    hidden = len(network.hidden_dims)
    if hidden < 2:
        raise ValueError("adjacent_blocks_qubo needs at least two hidden layers")
    if (
        isinstance(layer, bool)
        or not isinstance(layer, (int, np.integer))
        or not 0 <= layer <= hidden - 2
    ):
        raise ValueError(f"layer must be an integer in 0..{hidden - 2}, got {layer!r}")
    c = network.output_direction(output, direction)
    x = np.asarray(input_signs)
    if x.shape != (network.input_dim,) or not np.all(np.abs(x) == 1):
        raise ValueError(f"input_signs must be {network.input_dim} values in {{-1, +1}}")
    x = x.astype(np.int8)
    if len(patterns) != hidden:
        raise ValueError(f"expected {hidden} patterns (one per hidden layer), got {len(patterns)}")
    free = (layer, layer + 1)
    # The free layers enter neither u nor v: fill them with ones so that pattern_gradient validates the rest.
    filled = [
        np.ones(width, dtype=np.int8) if k in free else p
        for k, (p, width) in enumerate(zip(patterns, network.hidden_dims, strict=True))
    ]
    pattern_gradient(network, filled, c)
    filled = [np.asarray(p).astype(np.int8) for p in filled]
    u = _input_side(network, x.astype(np.float64), filled, layer)
    v = _output_side(network, c, filled, layer + 1)
    k_matrix = u[:, None] * network.weights[layer + 1].T * v[None, :]
    first = [layer_label(layer, j) for j in range(k_matrix.shape[0])]
    second = [layer_label(layer + 1, k) for k in range(k_matrix.shape[1])]
    bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
    bqm.add_variables_from((label, 0.0) for label in first + second)
    rows, cols = np.nonzero(k_matrix)
    bqm.add_quadratic_from(
        (first[j], second[k], -k_matrix[j, k])
        for j, k in zip(rows.tolist(), cols.tolist(), strict=True)
    )
    return AdjacentBlocksQUBO(
        bqm=bqm,
        matrix=k_matrix,
        network=network,
        direction=c,
        layer=int(layer),
        patterns=tuple(None if k in free else p for k, p in enumerate(filled)),
        input_signs=x,
    )


# ------------------------------------------------------------------ block moves without a sampler
def _l1_block_optimum(b: np.ndarray) -> np.ndarray:
    """The exact maximiser of ``||B s||_inf`` over ``s in {0,1}^n``: ``1[sigma B_i > 0]`` at the best row/sign."""
    positive, negative = np.maximum(b, 0.0).sum(axis=1), np.maximum(-b, 0.0).sum(axis=1)
    i = int(np.argmax(np.maximum(positive, negative)))
    sign = 1.0 if positive[i] >= negative[i] else -1.0
    return (sign * b[i] > 0).astype(np.int8)


def _bifurcated_block(b: np.ndarray, norm: Norm, seed: int) -> np.ndarray:
    """Best pattern of one block ``g = B s`` found by reduced bifurcation (l_inf: over the smaller side)."""
    kwargs = {"num_replicas": BLOCK_REPLICAS, "num_steps": BLOCK_STEPS, "seed": seed}
    if norm == "2":
        result = reduced_bifurcation(b, codes="binary", objective="l2", **kwargs)
    elif b.shape[1] <= b.shape[0]:
        result = reduced_bifurcation(b, codes="binary", objective="l1", **kwargs)
    else:
        result = reduced_bifurcation(b.T, codes="spin", objective="relu", **kwargs)
        x = result.codes[int(np.argmax(result.values))].astype(np.float64)
        return (x @ b > 0).astype(np.int8)
    return result.codes[int(np.argmax(result.values))]


def _bifurcated_pair(k: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``(s, t)`` of ``max s^T K t`` (both binary) by reduced bifurcation over the smaller side."""
    kwargs = {"num_replicas": BLOCK_REPLICAS, "num_steps": BLOCK_STEPS, "seed": seed}
    if k.shape[0] <= k.shape[1]:
        result = reduced_bifurcation(k.T, codes="binary", objective="relu", **kwargs)
        s = result.codes[int(np.argmax(result.values))]
        return s, (s.astype(np.float64) @ k > 0).astype(np.int8)
    result = reduced_bifurcation(k, codes="binary", objective="relu", **kwargs)
    t = result.codes[int(np.argmax(result.values))]
    return (k @ t.astype(np.float64) > 0).astype(np.int8), t


# ------------------------------------------------------------------ all layers at once
def _dual_columns(g: np.ndarray, norm: Norm) -> np.ndarray:
    """:func:`_dual_vector` of every column of ``g`` (``(d, B)``)."""
    if norm == "inf":
        return np.where(g >= 0, 1.0, -1.0).astype(g.dtype)
    if norm == "2":
        length = np.sqrt(np.square(g).sum(axis=0, keepdims=True))
        return g / np.where(length > 0, length, 1.0)
    y = np.zeros_like(g)
    rows = np.argmax(np.abs(g), axis=0)
    columns = np.arange(g.shape[1])
    y[rows, columns] = np.where(g[rows, columns] >= 0, 1.0, -1.0)
    return y


@dataclass(frozen=True, eq=False)
class LayeredResult:
    """Each replica's best pattern set from :func:`layered_bifurcation`.

    Attributes:
        patterns: One tuple of int8 0/1 patterns (one per hidden layer) per replica.
        values: The dual norm of each replica's gradient (float64, recomputed from the weights).
        num_steps: Steps run.

    Examples:
        >>> from hiqlip_plugin.lipschitz.deep import layered_bifurcation
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> result = layered_bifurcation(random_relu_network((5, 4, 3, 1), seed=0), num_replicas=3,
        ...                              num_steps=20, seed=0)
        >>> len(result.patterns), [p.shape for p in result.patterns[0]], result.num_steps
        (3, [(4,), (3,)], 20)
    """

    patterns: tuple[tuple[np.ndarray, ...], ...]
    values: np.ndarray
    num_steps: int


def layered_bifurcation(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    num_replicas: int = 16,
    num_steps: int = 1000,
    coupling_strength: float = LAYERED_COUPLING_STRENGTH,
    seed: int | None = None,
    time_limit: float | None = None,
) -> LayeredResult:
    """Simulated bifurcation over the spins of every hidden layer, the input side eliminated in closed form.

    The objective is the FGL objective itself, ``||g(s)||`` (dual norm of the input norm), as a function of
    all hidden patterns; the input (or dual vector) is its closed-form best response ``y = dual(g)`` at every
    step. With ``y`` fixed, ``y^T g`` is linear in each layer's pattern with coefficients
    ``r_l * (P_l^T y)`` (the module docstring's scores), which is the gradient the bifurcation dynamics of
    :func:`~hiqlip_plugin.samplers.reduced.bifurcate` follow (each layer scaled by its own ``c0``). One step
    costs a backward and a forward pass through the weights for all replicas together, and reads out every
    replica's value. For two layers this is :func:`~hiqlip_plugin.samplers.reduced.reduced_bifurcation` over
    the hidden side.

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork` (any depth).
        output: Output index ``k``; may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: Input norm: ``"inf"``, ``2`` or ``1``.
        num_replicas: Replicas run together.
        num_steps: Euler steps.
        coupling_strength: ``xi`` in units of each layer's ``c0``.
        seed: Seed of the initial amplitudes.
        time_limit: Seconds after which the run stops with the best states so far.

    Returns:
        A :class:`LayeredResult`: feasible pattern sets, so each value is a lower bound on the FGL.

    Examples:
        >>> from hiqlip_plugin.lipschitz.deep import layered_bifurcation
        >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((6, 5, 4, 1), seed=1)
        >>> result = layered_bifurcation(net, num_replicas=8, num_steps=200, seed=0)
        >>> bool(result.values.max() <= exact_fgl(net).value + 1e-9)
        True
    """
    norm = parse_norm(norm)
    c = network.output_direction(output, direction)
    weights = [w.astype(np.float32) for w in network.weights]
    widths = network.hidden_dims
    bounds = np.cumsum((0, *widths))
    top = (c.astype(np.float32) @ weights[-1])[:, None]

    def evaluate(spins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = [(spins[a:b] > 0).astype(np.float32) for a, b in itertools.pairwise(bounds)]
        r = [np.empty(0, np.float32)] * len(widths)
        r[-1] = np.broadcast_to(top, (widths[-1], spins.shape[1]))
        for layer in range(len(widths) - 2, -1, -1):
            r[layer] = weights[layer + 1].T @ (s[layer + 1] * r[layer + 1])
        g = weights[0].T @ (s[0] * r[0])
        u = weights[0] @ _dual_columns(g, norm)
        scores = []
        for layer in range(len(widths)):
            scores.append(0.5 * r[layer] * u)
            if layer + 1 < len(widths):
                u = weights[layer + 1] @ (s[layer] * u)
        values = np.abs(g).sum(axis=0) if norm == "inf" else (
            np.sqrt(np.square(g).sum(axis=0)) if norm == "2" else np.abs(g).max(axis=0))
        return values, np.vstack(scores)

    best, steps_run, _ = bifurcate(evaluate, widths, num_replicas=num_replicas, num_steps=num_steps, seed=seed,
                                   coupling_strength=coupling_strength, time_limit=time_limit)
    patterns = tuple(
        tuple((best[a:b, k] > 0).astype(np.int8) for a, b in itertools.pairwise(bounds))
        for k in range(best.shape[1])
    )
    values = np.array([_norm_value(pattern_gradient(network, p, c), norm) for p in patterns])
    return LayeredResult(patterns, values, steps_run)


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class BlockSearchResult:
    """The outcome of :func:`deep_block_search`.

    Attributes:
        certificate: The best point found: a proven lower bound on the multi-layer FGL.
        num_sampler_calls: Sub-problems handed to the sampler.
        num_sweeps: Sweeps over the blocks, all restarts together.
        history: The best value so far after each sweep (non-decreasing).
        wall_time: Seconds spent.
        timed_out: Whether ``time_limit`` stopped the search early.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.deep import deep_block_search
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((3, 2, 2, 1), seed=3)
        >>> result = deep_block_search(net, sampler=dimod.ExactSolver(), num_restarts=1, seed=0)
        >>> result.value == result.certificate.value, list(result.history) == sorted(result.history)
        (True, True)
    """

    certificate: Certificate
    num_sampler_calls: int
    num_sweeps: int
    history: tuple[float, ...]
    wall_time: float
    timed_out: bool

    @property
    def value(self) -> float:
        """The certified value ``||g||_1`` (l_inf) or ``||g||_2`` (l2) of the best patterns."""
        return self.certificate.value


# ------------------------------------------------------------------ the search
@dataclass(frozen=True)
class _Point:
    patterns: tuple[np.ndarray, ...]
    gradient: np.ndarray
    value: float


class _BlockSearch:
    """State shared by the moves of one :func:`deep_block_search` call."""

    def __init__(
        self,
        network: ReLUNetwork,
        c: np.ndarray,
        norm: Norm,
        sampler: Any,
        sampler_kwargs: dict[str, Any],
        seed: int | None,
    ) -> None:
        self.network = network
        self.c = c
        self.norm = norm
        self.sampler = sampler
        self.sampler_kwargs = sampler_kwargs
        self.pass_seed = (
            "seed" in (getattr(sampler, "parameters", None) or {}) and "seed" not in sampler_kwargs
        )
        # Independent streams: the starts do not depend on the sampler or on the number of sweeps.
        self.start_rng, self.sampler_rng = np.random.default_rng(seed).spawn(2)
        self.num_sampler_calls = 0

    def point(self, patterns: Sequence[np.ndarray]) -> _Point:
        g = pattern_gradient(self.network, patterns, self.c)
        return _Point(
            tuple(np.asarray(p, dtype=np.int8) for p in patterns), g, _norm_value(g, self.norm)
        )

    def start(self, restart: int) -> tuple[np.ndarray, ...]:
        """Even restarts: the (realisable) patterns of a random input; odd ones: uniformly random patterns."""
        if restart % 2 == 0:
            x = self.start_rng.standard_normal(self.network.input_dim)
            return tuple(p.astype(np.int8) for p in self.network.activation_patterns(x))
        return tuple(
            self.start_rng.integers(0, 2, size=w, dtype=np.int8) for w in self.network.hidden_dims
        )

    def best_pattern(self, patterns: Sequence[np.ndarray], y: np.ndarray, layer: int) -> np.ndarray:
        """The closed-form best pattern ``s_l = 1[r_l * (P_l^T y) >= 0]`` of ``layer`` for the input ``y``."""
        scores = _output_side(self.network, self.c, patterns, layer) * _input_side(self.network, y, patterns, layer)
        return (scores >= 0).astype(np.int8)

    def polish(self, point: _Point) -> _Point:
        """Coordinate ascent by closed-form best responses ``s_l = 1[r_l * (P_l^T y) >= 0]`` over all layers."""
        while True:
            before = point.value
            for layer in range(len(self.network.hidden_dims)):
                patterns = list(point.patterns)
                patterns[layer] = self.best_pattern(point.patterns, _dual_vector(point.gradient, self.norm), layer)
                candidate = self.point(patterns)
                if candidate.value >= point.value:
                    point = candidate
            if point.value <= before + _RTOL * max(1.0, abs(before)):
                return point

    def perturb(self, point: _Point, flips: int) -> _Point:
        """Flip the signs of ``flips`` random entries of the dual vector, best-respond every layer to it, polish."""
        y = _dual_vector(point.gradient, self.norm).copy()
        chosen = self.start_rng.choice(y.size, size=flips, replace=False)
        y[chosen] = -y[chosen]
        patterns = list(point.patterns)
        for layer in range(len(self.network.hidden_dims)):
            patterns[layer] = self.best_pattern(patterns, y, layer)
        return self.polish(self.point(patterns))

    def seed(self) -> int:
        """The next sub-problem's seed (one stream per search: the same seed gives the same moves)."""
        return int(self.sampler_rng.integers(2**31))

    def accept(self, point: _Point, patterns: Sequence[np.ndarray]) -> _Point:
        """Polish ``patterns`` and keep them if not worse than ``point``."""
        candidate = self.polish(self.point(patterns))
        return candidate if candidate.value >= point.value else point

    def move(self, point: _Point, qubo: LipschitzQUBO | AdjacentBlocksQUBO) -> _Point:
        """Solve one sub-problem with the sampler, polish its answer, keep it if not worse.

        The sampler call, the checks of its answer and the decoding are those of
        :func:`~hiqlip_plugin.lipschitz.sampled.sample_and_polish`. A sub-problem with all biases zero (a
        block that cannot change the gradient) is skipped.
        """
        if qubo.bqm.num_interactions == 0 and not any(qubo.bqm.linear.values()):
            return point
        self.num_sampler_calls += 1
        seed = self.seed() if self.pass_seed else None
        step = sample_and_polish(self.sampler, qubo.bqm, qubo.decode, lambda cert: cert.patterns,
                                 sampler_kwargs=self.sampler_kwargs, seed=seed)
        return self.accept(point, step.polished)

    def block_move(self, point: _Point, layer: int) -> _Point:
        """Re-solve hidden layer ``layer`` with every other pattern fixed (``g = B_l s_l``)."""
        if self.norm == "1" or self.sampler == BIFURCATION:
            b = block_matrix(self.network, self.c, list(point.patterns), layer)
            if not np.any(b):
                return point
            if self.norm == "1":
                pattern = _l1_block_optimum(b)
            else:
                self.num_sampler_calls += 1
                pattern = _bifurcated_block(b, self.norm, self.seed())
            patterns = list(point.patterns)
            patterns[layer] = pattern
            return self.accept(point, patterns)
        qubo = fgl_bqm(self.network, direction=self.c, norm=self.norm, patterns=list(point.patterns),
                       layer=layer)
        return self.move(point, qubo)

    def pair_move(self, point: _Point, layer: int) -> _Point:
        """Re-solve hidden layers ``layer`` and ``layer + 1`` with ``x = sign(g)`` fixed (l_inf)."""
        qubo = adjacent_blocks_qubo(self.network, direction=self.c, patterns=list(point.patterns),
                                    input_signs=_dual_vector(point.gradient, "inf"), layer=layer)
        if self.sampler != BIFURCATION:
            return self.move(point, qubo)
        if not np.any(qubo.matrix):
            return point
        self.num_sampler_calls += 1
        patterns = list(point.patterns)
        patterns[layer], patterns[layer + 1] = _bifurcated_pair(qubo.matrix, self.seed())
        return self.accept(point, patterns)

    def sweep(self, point: _Point, deadline: float | None) -> tuple[_Point, bool]:
        """One pass of one-block moves over every layer, then (l_inf) two-block moves over adjacent pairs.

        Returns:
            The new point and whether the deadline stopped the sweep.
        """
        hidden = len(self.network.hidden_dims)
        moves: list[tuple[str, int]] = [("one", layer) for layer in range(hidden)]
        if self.norm == "inf":
            moves += [("two", layer) for layer in range(hidden - 1)]
        for kind, layer in moves:
            if deadline is not None and time.perf_counter() >= deadline:
                return point, True
            point = self.block_move(point, layer) if kind == "one" else self.pair_move(point, layer)
        return point, False

    def certificate(self, point: _Point) -> Certificate:
        signs = _dual_vector(point.gradient, "inf") if self.norm == "inf" else None
        return Certificate.from_patterns(
            self.network, point.patterns, self.c, norm=self.norm, input_signs=signs
        )


PERTURBATION = 0.05
"""Default share of the input coordinates whose dual sign :func:`perturbed_ascent` flips per trial (at least
2). Measured on 784-128-128-128-10 and 784-256-256-10 nets (``docs/benchmarks.md``, witness section)."""


def perturbed_ascent(
    network: ReLUNetwork,
    patterns: Sequence[npt.ArrayLike],
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    num_trials: int | None = 48,
    perturbation: float = PERTURBATION,
    seed: int | None = None,
    time_limit: float | None = None,
) -> Certificate:
    """Iterated closed-form ascent from ``patterns``: perturb the input, re-solve every layer, keep a gain.

    The start is first polished by closed-form best responses. Each trial then flips the signs of
    ``max(2, round(perturbation * d))`` random entries of the dual vector ``y`` of the best point's gradient
    (``sign(g)`` for l_inf, ``g / ||g||_2`` for l2), sets every hidden layer in turn to its best response
    ``1[r_l * (P_l^T y) >= 0]`` for that fixed ``y``, polishes the result, and moves there if its value is
    higher. The result is never below the polished start; it is a certificate (``FGL >= value``), never an
    upper bound.

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork` (any number of hidden layers).
        patterns: One 0/1 pattern per hidden layer to start from.
        output: Output index ``k``; may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: ``"inf"`` or ``2`` (for l1 the one-block moves of :func:`deep_block_search` are exact).
        num_trials: Perturbations tried; ``None`` tries until ``time_limit``.
        perturbation: Share of the ``d`` input coordinates flipped per trial, in ``(0, 1]``.
        seed: Seed of the perturbations (same seed, same result without a time limit).
        time_limit: Seconds after which no new trial starts.

    Returns:
        The best :class:`~hiqlip_plugin.lipschitz.formulation.Certificate` found.

    Raises:
        TypeError: If ``network`` is not a ReLUNetwork, for non-integer counts, or a perturbation or time
            limit that is not a number.
        ValueError: For bad patterns or output choices, the l1 norm, a perturbation outside ``(0, 1]``, a
            non-positive time limit, or neither ``num_trials`` nor ``time_limit``.

    Examples:
        >>> from hiqlip_plugin.lipschitz.deep import deep_block_search, perturbed_ascent
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((30, 12, 12, 1), seed=4)
        >>> start = deep_block_search(net, max_sweeps=0, num_restarts=1, seed=0).certificate
        >>> found = perturbed_ascent(net, start.patterns, num_trials=16, seed=0)
        >>> found.value >= start.value, found.verify(net)
        (True, True)
    """
    started = time.perf_counter()
    if not isinstance(network, ReLUNetwork):
        raise TypeError(f"network must be a ReLUNetwork, got {type(network).__name__}")
    norm = parse_norm(norm)
    if norm == "1":
        raise ValueError("perturbed_ascent needs norm 'inf' or 2; for l1 the block moves of deep_block_search "
                         "are exact (norm=1 there)")
    c = network.output_direction(output, direction)
    pattern_gradient(network, patterns, c)  # raises ValueError on bad shapes or values
    trials, time_limit = check_work_or_time(num_trials, "num_trials", time_limit)
    share = check_fraction(perturbation, "perturbation")
    search = _BlockSearch(network, c, norm, None, {}, seed)
    best = search.polish(search.point([np.asarray(p).astype(np.int8) for p in patterns]))
    flips = min(network.input_dim, max(2, round(share * network.input_dim)))
    trial = 0
    while (trials is None or trial < trials) and (
            time_limit is None or time.perf_counter() - started < time_limit):
        candidate = search.perturb(best, flips)
        if candidate.value > best.value + _RTOL * max(1.0, abs(best.value)):
            best = candidate
        trial += 1
    return search.certificate(best)


def _default_sampler() -> dimod.Sampler:
    from dwave.samplers import SimulatedAnnealingSampler

    return SimulatedAnnealingSampler()


def deep_block_search(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    sampler: Any = None,
    sampler_kwargs: Mapping[str, Any] | None = None,
    num_restarts: int = 8,
    max_sweeps: int = 20,
    seed: int | None = None,
    time_limit: float | None = None,
    initial_patterns: Sequence[npt.ArrayLike] | None = None,
    progress: bool = False,
) -> BlockSearchResult:
    """Find a multi-layer FGL witness by exact block moves whose sub-problems are solved by a sampler.

    Each restart starts from the activation patterns of a random input (even restarts, realisable) or from
    uniformly random patterns (odd restarts), polishes them by closed-form best responses, then sweeps: one
    sampler call per hidden layer (the block BQM of :func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm`)
    and, for l_inf, one per pair of adjacent hidden layers (:func:`adjacent_blocks_qubo` with ``x = sign(g)``).
    Every sampler answer is polished and accepted only if not worse. A restart ends after a sweep without
    improvement or after ``max_sweeps`` sweeps. For l2 only one-block moves are used (the two-block move is
    quartic). For l1 (value ``||g||_inf``) every one-block move is solved exactly in closed form
    (``max_s ||B s||_inf`` is attained at ``s = 1[sigma B_i > 0]`` for the best row ``i`` and sign ``sigma``),
    so no sampler is called. Two-layer networks are handled too (one block: the whole bipartite problem).

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork` with any number of hidden layers.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: ``"inf"`` (value ``||g||_1``), ``2`` (value ``||g||_2``) or ``1`` (value ``||g||_inf``).
        sampler: Any object with ``sample(bqm, **kwargs)`` returning a :class:`dimod.SampleSet`; default a
            :class:`dwave.samplers.SimulatedAnnealingSampler` with :data:`DEFAULT_SA_KWARGS`. The string
            :data:`BIFURCATION` solves each block by reduced-objective simulated bifurcation instead
            (:func:`~hiqlip_plugin.samplers.reduced.reduced_bifurcation`, :data:`BLOCK_REPLICAS` replicas of
            :data:`BLOCK_STEPS` steps, no BQM built).
        sampler_kwargs: Keyword arguments of every ``sample`` call. If the sampler lists ``seed`` in its
            ``parameters`` and ``sampler_kwargs`` sets none, each call gets a seed drawn from ``seed``.
        num_restarts: Number of starts (the first one is ``initial_patterns`` when given).
        max_sweeps: Most sweeps per restart (``0``: closed-form polishing only, no sampler call).
        seed: Seed of every random choice; the same seed gives the same result (without ``time_limit``).
            The starts depend on ``seed`` alone, so with the same seed the search never ends below
            closed-form polishing alone (``max_sweeps=0``).
        time_limit: Seconds after which the search stops and returns the best point so far (checked before
            each sampler call; the first start is always completed).
        initial_patterns: One 0/1 pattern per hidden layer to start from.
        progress: Show a tqdm bar over the restarts.

    Returns:
        A :class:`BlockSearchResult` whose certificate proves ``FGL >= value``.

    Raises:
        TypeError: If ``network`` is not a ReLUNetwork or ``sampler`` has no ``sample`` method.
        ValueError: For non-positive counts or time limit, bad output choices, initial patterns or sampler
            names.
        SamplerOutputError: If the sampler answers with something that is not a valid sample set of the BQM.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.deep import deep_block_search
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> net = random_relu_network((4, 3, 3, 2), seed=2)
        >>> result = deep_block_search(net, output=1, norm=2, sampler=dimod.ExactSolver(), seed=1)
        >>> result.certificate.norm, result.certificate.verify(net)
        ('2', True)
        >>> deep_block_search(net, output=1, norm=1, seed=1).certificate.norm
        '1'
    """
    started = time.perf_counter()
    if not isinstance(network, ReLUNetwork):
        raise TypeError(f"network must be a ReLUNetwork, got {type(network).__name__}")
    norm = parse_norm(norm)
    c = network.output_direction(output, direction)
    num_restarts = check_integer(num_restarts, "num_restarts", 1)
    max_sweeps = check_integer(max_sweeps, "max_sweeps", 0)
    if time_limit is not None and (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not time_limit > 0
    ):
        raise ValueError(
            f"time_limit must be a positive number of seconds or None, got {time_limit!r}"
        )
    if sampler is None:
        sampler = _default_sampler()
        kwargs = {**DEFAULT_SA_KWARGS, **(sampler_kwargs or {})}
    elif isinstance(sampler, str):
        if sampler != BIFURCATION:
            raise ValueError(f"sampler must be a dimod sampler, None or {BIFURCATION!r}, got {sampler!r}")
        kwargs = {}
    else:
        if not callable(getattr(sampler, "sample", None)):
            raise TypeError(
                f"sampler must have a sample(bqm, **kwargs) method; got {type(sampler).__name__}"
            )
        kwargs = dict(sampler_kwargs or {})
    if initial_patterns is not None:
        pattern_gradient(network, initial_patterns, c)  # raises ValueError on bad shapes or values
        initial = tuple(np.asarray(p).astype(np.int8) for p in initial_patterns)
    deadline = None if time_limit is None else started + float(time_limit)

    search = _BlockSearch(network, c, norm, sampler, kwargs, seed)
    best: _Point | None = None
    history: list[float] = []
    num_sweeps = 0
    timed_out = False
    for restart in tqdm(range(num_restarts), desc="block search", disable=not progress):
        if best is not None and deadline is not None and time.perf_counter() >= deadline:
            timed_out = True
            break
        patterns = (
            initial if restart == 0 and initial_patterns is not None else search.start(restart)
        )
        point = search.polish(search.point(patterns))
        best = point if best is None or point.value > best.value else best
        for _ in range(max_sweeps):
            before = point.value
            point, timed_out = search.sweep(point, deadline)
            if timed_out:
                break
            num_sweeps += 1
            best = point if point.value > best.value else best
            history.append(best.value)
            if point.value <= before + _RTOL * max(1.0, abs(before)):
                break
        best = point if point.value > best.value else best
        if timed_out:
            break
    assert best is not None  # num_restarts >= 1 and the first start is always completed
    return BlockSearchResult(
        certificate=search.certificate(best),
        num_sampler_calls=search.num_sampler_calls,
        num_sweeps=num_sweeps,
        history=tuple(history),
        wall_time=time.perf_counter() - started,
        timed_out=timed_out,
    )
