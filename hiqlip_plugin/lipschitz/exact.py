"""The exact FGL: enumeration for l_inf and l2, a closed form for l1.

Write the gradient of ``c^T f`` for activation patterns ``s_1, ..., s_{L-1}`` as
``g = W_1^T (s_1 * r)``, where ``r = W_2^T D(s_2) ... D(s_{L-1}) W_L^T c`` depends only on the patterns of
hidden layers ``2 .. L-1`` (for a two-layer network ``r = W_2^T c``, a single vector). :func:`exact_fgl`
enumerates those outer patterns (``2^(n_2 + ... + n_{L-1})`` of them) and, for each ``r``, solves the
remaining two-layer problem with ``A = W_1^T diag(r)`` (``d x n_1``) exactly:

- **l_inf** (``max_{x, s} x^T A s``): enumerate the smaller side. Over ``s in {0,1}^{n_1}`` the value is
  ``||A s||_1``; over ``x in {-1,1}^d`` it is ``sum_j max(0, (A^T x)_j)``, and ``x`` and ``-x`` are scored
  together, ``max(value(x), value(-x)) = (||A^T x||_1 + |1^T A^T x|) / 2``, so only ``x_0 = +1`` is
  enumerated. ``2^min(d, n_1)`` cases.
- **l2** (``max_s ||A s||_2``): enumerate ``s`` (``2^{n_1}`` cases) after replacing ``A`` by the triangular
  factor of its QR decomposition (same norms, at most ``min(d, n_1)`` rows).
- **l1** (``max_s ||A s||_inf``): a closed form, no QUBO and no enumeration of the first layer:
  ``max_i max(sum_j max(a_ij, 0), sum_j max(-a_ij, 0))`` (each coordinate of ``A s`` is linear in ``s``).
  For two layers this is exact at any size; deeper networks enumerate the outer patterns only.

**The kernel** is a meet in the middle: every case is ``base + K c`` for a code ``c`` (a 0/1 or -1/+1
vector) and the value is a norm of it. The code's bits are split into a low and a high half; the images of
all low halves are tabulated once, and each chunk of high halves is scored against the whole table by one
fused :func:`scipy.spatial.distance.cdist` call (``cityblock`` for l1 norms, ``sqeuclidean`` for l2), since
``||u + v|| = dist(u, -v)``. A chunk scores :data:`DEFAULT_CHUNK_SIZE` cases (float64), so memory stays
bounded; measured speeds are in ``docs/benchmarks/exact.md``.

The value returned is that of the optimal :class:`~hiqlip_plugin.lipschitz.formulation.Certificate`,
recomputed in float64 from the weights. Problems needing more than ``2^max_bits`` cases are refused with
:class:`~hiqlip_plugin.exceptions.ProblemTooLargeError` rather than started.

Examples:
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
    >>> net = random_relu_network((6, 10, 3), seed=0)
    >>> result = exact_fgl(net, output=2)
    >>> result.num_enumerated, result.certificate.verify(net)
    (64, True)
    >>> exact_fgl(net, output=2, norm=1).value <= exact_fgl(net, output=2, norm=2).value <= result.value
    True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial.distance import cdist
from tqdm import tqdm

from hiqlip_plugin._validation import check_integer
from hiqlip_plugin._verified import prescale
from hiqlip_plugin.budget import Budget
from hiqlip_plugin.exceptions import ProblemTooLargeError
from hiqlip_plugin.lipschitz.formulation import Certificate, Norm, parse_norm
from hiqlip_plugin.lipschitz.local_search import best_response_s, best_response_x
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["ExactResult", "exact_fgl", "enumeration_bits", "MAX_BITS", "DEFAULT_CHUNK_SIZE"]

MAX_BITS = 26
"""Default limit of :func:`exact_fgl`: at most ``2^26`` (about 67 million) cases are enumerated."""

DEFAULT_CHUNK_SIZE = 2**16
"""Cases scored per vectorised step of the enumeration (a float64 block of this many values)."""

_TABLE_ELEMENTS = 2**23
"""Largest low-half image table (floats, 64 MiB) of the meet-in-the-middle split."""


@dataclass(frozen=True, eq=False)
class ExactResult:
    """The exact FGL of one output and an optimal witness.

    Attributes:
        value: The FGL: the value of :attr:`certificate`, recomputed in float64 from the weights.
        certificate: An optimal witness (with input signs for l_inf).
        num_enumerated: Number of cases the enumeration covered (patterns of the outer hidden layers times
            the assignments of the enumerated first-layer side; l1 solves the first layer in closed form).
        wall_time: Seconds spent.
        norm: The input norm (``"inf"``, ``"2"`` or ``"1"``).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> result = exact_fgl(net)
        >>> result.value, [p.tolist() for p in result.certificate.patterns]
        (3.0, [[1, 0]])
    """

    value: float
    certificate: Certificate
    num_enumerated: int
    wall_time: float
    norm: Norm


def _codes(start: int, stop: int, num_bits: int, values: tuple[float, float]) -> np.ndarray:
    """Rows ``start .. stop-1`` of the code table: bit ``i`` of the row index chooses ``values[bit]``."""
    bits = (
        np.arange(start, stop, dtype=np.int64)[:, None] >> np.arange(num_bits, dtype=np.int64)
    ) & 1
    return values[0] + (values[1] - values[0]) * bits.astype(np.float64)


class _Progress:
    """The enumeration's progress bar and time budget: each scored chunk reports here, and a spent budget stops
    the enumeration (:class:`~hiqlip_plugin.exceptions.TimeLimitExceeded`) within one chunk."""

    def __init__(self, bar: tqdm, budget: Budget) -> None:
        self.bar, self.budget = bar, budget

    def update(self, cases: int) -> None:
        """Count ``cases`` scored, then check the budget."""
        self.bar.update(cases)
        self.budget.check("the exact enumeration")


class _Enumeration:
    """All codes in ``{values[0], values[1]}^num_bits``, split into a low and a high half."""

    def __init__(
        self,
        num_bits: int,
        values: tuple[float, float],
        image_dim: int,
        chunk_size: int,
        multiplicity: int,
    ) -> None:
        cap = min(chunk_size, max(1, _TABLE_ELEMENTS // image_dim))
        self.num_bits = num_bits
        self.values = values
        self.multiplicity = multiplicity
        self.low_bits = min((num_bits + 1) // 2, cap.bit_length() - 1)
        self.low = _codes(0, 2**self.low_bits, self.low_bits, values)
        self.high_count = 2 ** (num_bits - self.low_bits)
        self.rows = max(1, chunk_size >> self.low_bits)

    def maximise(
        self, columns: np.ndarray, base: np.ndarray, metric: str, bar: _Progress
    ) -> tuple[float, np.ndarray]:
        """Return ``max_c metric(base + columns @ c)`` (``metric`` of cdist) and the first maximiser ``c``."""
        split = self.low_bits
        low_images = self.low @ columns[:, :split].T
        high_columns = columns[:, split:]
        best_value, best_code = -math.inf, self.low[0]
        for start in range(0, self.high_count, self.rows):
            high = _codes(
                start, min(start + self.rows, self.high_count), self.num_bits - split, self.values
            )
            scores = cdist(low_images, -(base + high @ high_columns.T), metric)
            a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
            if scores[a, b] > best_value:
                best_value, best_code = float(scores[a, b]), np.concatenate([self.low[a], high[b]])
            bar.update(scores.size * self.multiplicity)
        return best_value, best_code


class _FirstLayer:
    """Exact solver of the first-layer problem ``max_{x, s} x^T W_1^T (s * r)`` for many vectors ``r``.

    Every case is a code ``c`` of the enumerated side and has a *raw score*: ``||A s||_1`` (l_inf over
    ``s``), ``||A^T x||_1 + |1^T A^T x|`` (l_inf over ``x``, twice the better of ``x`` and ``-x``) or
    ``||A s||_2^2`` (l2), with ``A = W_1^T diag(r)``. Small problems (one chunk) are scored for a batch of
    ``r`` at once; larger ones one ``r`` at a time by the meet-in-the-middle :class:`_Enumeration`.
    """

    def __init__(self, w1: np.ndarray, norm: Norm, chunk_size: int) -> None:
        n1, d = w1.shape
        self.w1, self.norm = w1, norm
        self.side = "x" if norm == "inf" and d < n1 else "s"
        # image of an s-code under r is (s * r) @ self.factor; l2 uses the QR factor (same norms, fewer columns)
        self.factor = np.ascontiguousarray(np.linalg.qr(w1.T, mode="r").T) if norm == "2" else w1
        if self.side == "x":
            bits, values, self.image_dim = d - 1, (-1.0, 1.0), n1 + 1
        else:
            bits, values, self.image_dim = n1, (0.0, 1.0), self.factor.shape[1]
        self.multiplicity = 2 if self.side == "x" else 1
        self.cases_per_direction = 1 if norm == "1" else self.multiplicity * 2**bits
        per_direction = d + n1 if norm == "1" else 2**bits * max(self.image_dim, n1)
        self.batched = per_direction <= chunk_size
        self.batch_size = max(1, chunk_size // per_direction)
        if norm == "1":
            self.abs_w1 = np.abs(w1)
            return
        if not self.batched:
            self.enumeration = _Enumeration(
                bits, values, self.image_dim, chunk_size, self.multiplicity
            )
        else:
            self.table = _codes(0, 2**bits, bits, values)
            if self.side == "x":
                self.table = np.hstack([np.ones((len(self.table), 1)), self.table])
            self.preimages = self.table @ w1.T if self.side == "x" else self.table

    def value(self, raw: float) -> float:
        """The FGL value of a raw score."""
        if self.norm == "2":
            return math.sqrt(raw)
        return raw / self.multiplicity

    def best(
        self, directions: np.ndarray, bar: _Progress
    ) -> tuple[float, int, np.ndarray | None, np.ndarray]:
        """Return ``(value, row, x, s_1)`` of the best case over the rows of ``directions``."""
        if self.norm == "1":
            return self._closed_form(directions, bar)
        if self.batched:
            raw, row, code = self._score_batch(directions, bar)
        else:
            raw, row, code = -math.inf, 0, np.empty(0)
            for index, r in enumerate(directions):
                candidate, candidate_code = self._enumerate(r, bar)
                if candidate > raw:
                    raw, row, code = candidate, index, candidate_code
        return (self.value(raw), row, *self._decode(directions[row], code))

    def _closed_form(
        self, directions: np.ndarray, bar: _Progress
    ) -> tuple[float, int, None, np.ndarray]:
        sums = directions @ self.w1
        scores = 0.5 * (np.abs(directions) @ self.abs_w1 + np.abs(sums))
        row, i = np.unravel_index(int(np.argmax(scores)), scores.shape)
        sign = 1.0 if sums[row, i] >= 0 else -1.0
        bar.update(len(directions))
        return (
            float(scores[row, i]),
            int(row),
            None,
            (sign * self.w1[:, i] * directions[row] > 0).astype(np.int8),
        )

    def _score_batch(self, directions: np.ndarray, bar: _Progress) -> tuple[float, int, np.ndarray]:
        # one row per (direction, code); row sums are taken as products with ones (BLAS, fast for short rows)
        flat = (self.preimages[None, :, :] * directions[:, None, :]).reshape(
            -1, directions.shape[1]
        )
        if self.side == "x":
            ones = np.ones(flat.shape[1])
            raw = np.abs(flat) @ ones + np.abs(flat @ ones)
        else:
            images = flat @ self.factor
            raw = (np.abs(images) if self.norm == "inf" else np.square(images)) @ np.ones(
                images.shape[1]
            )
        best = int(np.argmax(raw))
        row, index = divmod(best, len(self.table))
        bar.update(raw.size * self.multiplicity)
        return float(raw[best]), row, self.table[index]

    def _enumerate(self, r: np.ndarray, bar: _Progress) -> tuple[float, np.ndarray]:
        if self.side == "s":
            columns = (self.factor * r[:, None]).T
            metric = "cityblock" if self.norm == "inf" else "sqeuclidean"
            return self.enumeration.maximise(columns, np.zeros(columns.shape[0]), metric, bar)
        columns = np.vstack([self.w1 * r[:, None], r @ self.w1])  # rows A^T and 1^T A^T
        raw, rest = self.enumeration.maximise(columns[:, 1:], columns[:, 0], "cityblock", bar)
        return raw, np.concatenate([[1.0], rest])

    def _decode(self, r: np.ndarray, code: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Return ``(x, s_1)`` of a maximising code (``x`` is ``None`` for l2)."""
        a = self.w1.T * r
        if self.side == "s":
            return (best_response_x(a, code) if self.norm == "inf" else None), code.astype(np.int8)
        # value(x) - value(-x) = 1^T A^T x: keep the better of the pair
        x = code.astype(np.int8) * (1 if np.sum(a.T @ code) >= 0 else -1)
        return x, best_response_s(a, x)


def _outer_directions(
    network: ReLUNetwork, c: np.ndarray, start: int, stop: int
) -> tuple[np.ndarray, np.ndarray]:
    """Vectors ``r`` for outer-pattern codes ``start .. stop-1`` and the codes' 0/1 bits (layers 2..L-1)."""
    widths = network.hidden_dims[1:]
    bits = _codes(start, stop, sum(widths), (0.0, 1.0))
    r = np.tile(c @ network.weights[-1], (stop - start, 1))
    offsets = np.cumsum((0, *widths))
    for k in range(len(widths) - 1, -1, -1):
        r = (r * bits[:, offsets[k] : offsets[k + 1]]) @ network.weights[k + 1]
    return r, bits.astype(np.int8)


def enumeration_bits(network: ReLUNetwork, norm: Any = "inf") -> int:
    """Return ``log2`` of the number of cases :func:`exact_fgl` enumerates for ``network``.

    ``n_2 + ... + n_{L-1}`` (outer hidden layers) plus ``min(d, n_1)`` for l_inf, ``n_1`` for l2 and ``0``
    for l1 (closed form in the first layer).

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.lipschitz.exact import enumeration_bits
        >>> net = random_relu_network((784, 16, 8, 10), seed=0)
        >>> enumeration_bits(net), enumeration_bits(net, norm=2), enumeration_bits(net, norm=1)
        (24, 24, 8)
    """
    norm = parse_norm(norm)
    outer = sum(network.hidden_dims[1:])
    n1 = network.hidden_dims[0]
    return outer + {"inf": min(network.input_dim, n1), "2": n1, "1": 0}[norm]


def exact_fgl(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    max_bits: int = MAX_BITS,
    chunk_size: int | None = None,
    progress: bool = False,
    time_limit: float | Budget | None = None,
) -> ExactResult:
    """Compute the FGL of ``c^T f`` exactly, with an optimal witness.

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork` of any depth.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: Input norm: ``"inf"``, ``2`` or ``1``.
        max_bits: Refuse problems needing more than ``2^max_bits`` cases (see :func:`enumeration_bits`).
        chunk_size: Cases scored per vectorised step (default :data:`DEFAULT_CHUNK_SIZE`); bounds memory,
            never changes the result.
        progress: Show a tqdm bar over the chunks.
        time_limit: Seconds allowed (or a :class:`~hiqlip_plugin.budget.Budget` shared with other stages),
            checked after every chunk of :data:`DEFAULT_CHUNK_SIZE` cases; ``None``: no limit.

    Returns:
        An :class:`ExactResult` whose ``value`` equals its certificate's value.

    Raises:
        ProblemTooLargeError: If the enumeration needs more than ``2^max_bits`` cases.
        TimeLimitExceeded: If ``time_limit`` ran out before every case was scored (a partial maximum proves
            nothing about the FGL, so none is returned).
        TypeError: If ``network`` is not a :class:`~hiqlip_plugin.ReLUNetwork`, or ``time_limit`` is not a
            number or a budget.
        ValueError: For an unknown norm, bad ``max_bits``/``chunk_size`` or output choice.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
        >>> net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
        >>> exact_fgl(net).value, exact_fgl(net, norm=2).value, exact_fgl(net, norm=1).value
        (7.0, 5.0, 4.0)
    """
    started = time.perf_counter()
    if not isinstance(network, ReLUNetwork):
        raise TypeError(f"network must be a ReLUNetwork, got {type(network).__name__}")
    norm = parse_norm(norm)
    max_bits = check_integer(max_bits, "max_bits", 1)
    chunk_size = (
        DEFAULT_CHUNK_SIZE if chunk_size is None else check_integer(chunk_size, "chunk_size", 1)
    )
    budget = time_limit if isinstance(time_limit, Budget) else Budget(time_limit)
    c = network.output_direction(output, direction)
    bits = enumeration_bits(network, norm)
    if bits > max_bits:
        raise ProblemTooLargeError(
            f"the exact l_{norm} FGL of a network with layer sizes {network.layer_sizes} needs 2^{bits} cases, "
            f"beyond the limit max_bits={max_bits}"
        )
    scaled = prescale(network, c)  # exact powers of two: the same maximiser, no underflow or overflow
    solver = _FirstLayer(scaled.network.weights[0], norm, chunk_size)
    num_outer = 2 ** sum(network.hidden_dims[1:])
    num_enumerated = num_outer * solver.cases_per_direction
    best: tuple[float, np.ndarray | None, np.ndarray, np.ndarray] | None = None
    with tqdm(
        total=num_enumerated,
        disable=not progress,
        unit="case",
        unit_scale=True,
        desc=f"exact l_{norm} FGL",
    ) as bar:
        tracker = _Progress(bar, budget)
        for start in range(0, num_outer, solver.batch_size):
            directions, outer = _outer_directions(
                scaled.network, scaled.direction, start, min(start + solver.batch_size, num_outer)
            )
            value, row, x, s1 = solver.best(directions, tracker)
            if best is None or value > best[0]:
                best = (value, x, s1, outer[row])
    assert best is not None
    _, x, s1, outer_bits = best
    offsets = np.cumsum((0, *network.hidden_dims[1:]))
    patterns = [s1, *(outer_bits[lo:hi] for lo, hi in zip(offsets[:-1], offsets[1:], strict=True))]
    certificate = Certificate.from_patterns(network, patterns, c, norm=norm, input_signs=x)
    return ExactResult(
        value=certificate.value,
        certificate=certificate,
        num_enumerated=num_enumerated,
        wall_time=time.perf_counter() - started,
        norm=norm,
    )
