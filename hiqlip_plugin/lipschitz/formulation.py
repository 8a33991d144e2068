"""The formal global Lipschitz constant (FGL) of a ReLU network as an Ising problem, and its certificates.

For one output functional ``c`` (``c = e_k`` for class ``k``) and activation patterns ``s_1, ..., s_{L-1}``
(one 0/1 vector per hidden layer), the gradient of ``c^T f`` on the region with those patterns is

.. math::

    g(s) = W_1^T D(s_1) W_2^T D(s_2) \\cdots D(s_{L-1}) W_L^T c .

The FGL for the l_inf input norm is ``max_s ||g(s)||_1`` over ALL patterns (biases and reachability are
ignored, so FGL >= the true Lipschitz constant). For a two-layer network, with
``A = W_1^T diag(c^T W_2)`` (``d x h``), it is the bilinear problem

.. math::

    \\mathrm{FGL}_\\infty = \\max_{x \\in \\{-1,1\\}^d,\\; s \\in \\{0,1\\}^h} x^T A s .

**The mapping.** :func:`fgl_bqm` writes ``s = (1 + z) / 2`` with spins ``z`` and returns a SPIN
:class:`dimod.BinaryQuadraticModel` to MINIMISE whose energy is exactly minus the objective:

.. math::

    E(x, z) = -\\tfrac12 \\sum_{ij} a_{ij} x_i z_j - \\tfrac12 \\sum_i (A\\mathbf 1)_i x_i
            = -x^T A s .

Variables are labelled ``("x", i)`` for inputs and ``("s", j)`` for hidden units (spin ``+1`` = active).
With ``homogeneous=True`` the fields become couplings to one extra spin ``("t", 0)`` (for samplers without
linear terms); every spin is then multiplied by ``t`` when decoding. The graph is bipartite: ``d * h``
couplings plus the fields.

**Scaling.** The BQM is *not* rescaled: its energies are in the units of the network's weights, so
``-energy`` is the objective itself. Samplers scale internally (:class:`~hiqlip_plugin.CIMSampler`
normalises couplings by a spectral estimate, simulated annealing picks its temperatures from the biases);
any positive rescaling of the BQM changes no minimiser.

**The l2 norm.** ``FGL_2^2 = max_s s^T (A^T A) s`` over the hidden units only: with ``norm=2`` the BQM is
BINARY over ``("s", j)`` with energy ``-s^T A^T A s`` (so ``FGL_2 = sqrt(-min E)``). **The l1 norm** has a
closed form (:func:`~hiqlip_plugin.lipschitz.exact.exact_fgl`) and needs no QUBO.

**Deeper networks.** Fixing every pattern but the one of hidden layer ``l`` leaves ``g = B_l s_l`` with
``B_l = P_l diag(r_l)``: the same bilinear (l_inf) or quadratic (l2) problem with ``A := B_l``. Pass
``patterns=`` and ``layer=`` to get that block's BQM; its certificates carry all the patterns.

Every decoded sample is a :class:`Certificate`: a feasible point whose value, recomputed in float64 from the
weights, proves ``FGL >= value``.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin import ReLUNetwork, fgl_bqm
    >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
    >>> qubo = fgl_bqm(net)
    >>> sorted(qubo.bqm.variables)
    [('s', 0), ('s', 1), ('x', 0), ('x', 1)]
    >>> sample = {("x", 0): 1, ("x", 1): 1, ("s", 0): 1, ("s", 1): -1}
    >>> cert = qubo.decode(sample)
    >>> cert.value, float(-qubo.bqm.energy(sample))
    (3.0, 3.0)
    >>> cert.verify(net)
    True
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dimod
import numpy as np
import numpy.typing as npt

from hiqlip_plugin._verified import prescale
from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.network import ReLUNetwork

__all__ = [
    "Norm",
    "parse_norm",
    "Certificate",
    "LipschitzQUBO",
    "fgl_bqm",
    "pattern_gradient",
    "check_patterns",
    "block_matrix",
    "bilinear_matrix",
    "input_label",
    "hidden_label",
    "HOMOGENISING_LABEL",
]

Norm = Literal["inf", "2", "1"]
"""Canonical names of the supported input norms (l_inf, l2, l1)."""

HOMOGENISING_LABEL: tuple[str, int] = ("t", 0)
"""Label of the extra spin of a homogeneous BQM."""


def input_label(i: int) -> tuple[str, int]:
    """Label of input spin ``i`` in the BQMs of this module.

    Examples:
        >>> from hiqlip_plugin.lipschitz.formulation import input_label
        >>> input_label(3)
        ('x', 3)
    """
    return ("x", int(i))


def hidden_label(j: int) -> tuple[str, int]:
    """Label of hidden unit ``j`` (spin ``+1`` = active) in the BQMs of this module.

    Examples:
        >>> from hiqlip_plugin.lipschitz.formulation import hidden_label
        >>> hidden_label(0)
        ('s', 0)
    """
    return ("s", int(j))


def parse_norm(norm: Any) -> Norm:
    """Return the canonical name of an input norm.

    Accepts ``"inf"``, ``numpy.inf``, ``float("inf")``, ``"linf"``, ``2``, ``"2"``, ``"l2"``, ``1``, ``"1"``
    and ``"l1"``.

    Raises:
        ValueError: For any other value.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.lipschitz.formulation import parse_norm
        >>> parse_norm(np.inf), parse_norm(2), parse_norm("l1")
        ('inf', '2', '1')
    """
    if isinstance(norm, str):
        key = norm.strip().lower().removeprefix("l")
        if key in ("inf", "_inf", "infinity"):
            return "inf"
        if key in ("2", "1"):
            return key  # type: ignore[return-value]
    elif isinstance(norm, (int, float, np.integer, np.floating)) and not isinstance(norm, bool):
        if math.isinf(norm) and norm > 0:
            return "inf"
        if norm == 2:
            return "2"
        if norm == 1:
            return "1"
    raise ValueError(f"unsupported norm {norm!r}: use 'inf', 2 or 1")


def check_patterns(network: ReLUNetwork, patterns: Sequence[npt.ArrayLike | None]) -> list[np.ndarray | None]:
    """Validate one 0/1 pattern per hidden layer (``None`` entries allowed) and return them as int8 arrays.

    Raises:
        ValueError: If the count, a shape or a value is wrong.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.formulation import check_patterns
        >>> net = ReLUNetwork([np.ones((2, 3)), np.ones((1, 2))])
        >>> [p.tolist() for p in check_patterns(net, [[1, 0]])]
        [[1, 0]]
    """
    if len(patterns) != len(network.hidden_dims):
        raise ValueError(f"expected {len(network.hidden_dims)} patterns (one per hidden layer), got {len(patterns)}")
    checked: list[np.ndarray | None] = []
    for i, (p, width) in enumerate(zip(patterns, network.hidden_dims, strict=True)):
        if p is None:
            checked.append(None)
            continue
        arr = np.asarray(p)
        if arr.shape != (width,):
            raise ValueError(f"pattern {i} must have shape ({width},), got {arr.shape}")
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"pattern {i} must be 0/1")
        checked.append(arr.astype(np.int8))
    return checked


def pattern_gradient(network: ReLUNetwork, patterns: Sequence[npt.ArrayLike], direction: npt.ArrayLike) -> np.ndarray:
    """Return ``g = W_1^T D(s_1) ... D(s_{L-1}) W_L^T c`` in float64.

    Args:
        network: The network.
        patterns: One 0/1 vector per hidden layer.
        direction: Output functional ``c``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.formulation import pattern_gradient
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> pattern_gradient(net, [[1, 0]], [1.0]).tolist()
        [1.0, 2.0]
    """
    checked = check_patterns(network, patterns)
    if any(p is None for p in checked):
        raise ValueError("every pattern must be given")
    g = np.asarray(direction, dtype=np.float64) @ network.weights[-1]
    for w, s in zip(reversed(network.weights[:-1]), reversed(checked), strict=True):
        g = (g * s) @ w
    return g


def block_matrix(
    network: ReLUNetwork, direction: npt.ArrayLike, patterns: Sequence[npt.ArrayLike | None], layer: int
) -> np.ndarray:
    """Return ``B_l`` (``d x n_l``) such that the gradient is ``B_l s_l`` when the other patterns are fixed.

    Args:
        network: The network.
        direction: Output functional ``c``.
        patterns: One pattern per hidden layer; the entry at ``layer`` is ignored (may be ``None``).
        layer: Index of the free hidden layer (0-based).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.formulation import block_matrix
        >>> net = ReLUNetwork([np.eye(2), np.array([[2.0, 0.0], [0.0, 3.0]]), np.ones((1, 2))])
        >>> block_matrix(net, [1.0], [None, [1, 0]], 0).tolist()
        [[2.0, 0.0], [0.0, 0.0]]
    """
    if not 0 <= layer < len(network.hidden_dims):
        raise ValueError(f"layer {layer} out of range for {len(network.hidden_dims)} hidden layers")
    checked = check_patterns(network, patterns)
    weights = network.weights
    r = np.asarray(direction, dtype=np.float64) @ weights[-1]
    for k in range(len(weights) - 2, layer, -1):
        if checked[k] is None:
            raise ValueError(f"pattern {k} must be given")
        r = (r * checked[k]) @ weights[k]
    p = weights[0].T
    for k in range(layer):
        if checked[k] is None:
            raise ValueError(f"pattern {k} must be given")
        p = (p * checked[k]) @ weights[k + 1].T
    return p * r


def bilinear_matrix(network: ReLUNetwork, output: int | None = None, direction: npt.ArrayLike | None = None) -> np.ndarray:
    """Return ``A = W_1^T diag(c^T W_2)`` (``d x h``) of a two-layer network.

    Raises:
        ValueError: If the network has more than one hidden layer.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.formulation import bilinear_matrix
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> bilinear_matrix(net).tolist()
        [[1.0, 1.0], [2.0, -1.0]]
    """
    if network.num_layers != 2:
        raise ValueError(
            f"bilinear_matrix needs a two-layer network, got {network.num_layers} layers; "
            "use block_matrix for one block of a deeper network"
        )
    c = network.output_direction(output, direction)
    return block_matrix(network, c, [None], 0)


@dataclass(frozen=True, eq=False)
class Certificate:
    """A feasible point of the FGL problem: proves ``FGL >= value``.

    Attributes:
        patterns: One 0/1 activation pattern per hidden layer.
        direction: The output functional ``c``.
        norm: The input norm (``"inf"``, ``"2"`` or ``"1"``).
        value: The objective of this point recomputed in float64 from the weights: ``x^T g`` for l_inf with
            input signs ``x`` (``||g||_1`` when ``input_signs`` is ``None``), ``||g||_2`` for l2,
            ``||g||_inf`` for l1, with ``g`` the gradient of the patterns.
        input_signs: The l_inf input signs ``x`` (``None`` for the other norms).

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.lipschitz.formulation import Certificate
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> cert = Certificate.from_patterns(net, [np.array([1, 0])], [1.0])
        >>> cert.value, cert.verify(net)
        (3.0, True)
    """

    patterns: tuple[np.ndarray, ...]
    direction: np.ndarray
    norm: Norm
    value: float
    input_signs: np.ndarray | None = field(default=None)

    @classmethod
    def from_patterns(
        cls,
        network: ReLUNetwork,
        patterns: Sequence[npt.ArrayLike],
        direction: npt.ArrayLike,
        *,
        norm: Any = "inf",
        input_signs: npt.ArrayLike | None = None,
    ) -> Certificate:
        """Build a certificate, computing its value from the weights.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> from hiqlip_plugin.lipschitz.formulation import Certificate
            >>> net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
            >>> Certificate.from_patterns(net, [[1, 1]], [1.0], norm=2).value
            5.0
        """
        norm = parse_norm(norm)
        checked = tuple(p for p in check_patterns(network, patterns))
        c = np.array(direction, dtype=np.float64)
        signs = None
        if input_signs is not None:
            if norm != "inf":
                raise ValueError("input_signs belong to the l_inf formulation only")
            signs = np.asarray(input_signs)
            if signs.shape != (network.input_dim,) or not np.all(np.abs(signs) == 1):
                raise ValueError(f"input_signs must be {network.input_dim} values in {{-1, +1}}")
            signs = signs.astype(np.int8)
        cert = cls(checked, c, norm, 0.0, signs)  # type: ignore[arg-type]
        return cls(checked, c, norm, cert.recompute(network), signs)  # type: ignore[arg-type]

    def gradient(self, network: ReLUNetwork) -> np.ndarray:
        """Return the gradient ``g`` of the certificate's patterns (float64)."""
        return pattern_gradient(network, self.patterns, self.direction)

    def recompute(self, network: ReLUNetwork) -> float:
        """Recompute the value from the network's weights (float64).

        The gradient is taken in the network prescaled by exact powers of two
        (:func:`hiqlip_plugin._verified.prescale`) and the value scaled back rounding down, so it neither
        underflows to ``0`` nor overflows at extreme weight scales, and scales exactly with the weights.

        Raises:
            FloatRangeError: If the value overflows float64.
        """
        scaled = prescale(network, self.direction)
        g = pattern_gradient(scaled.network, self.patterns, scaled.direction)
        if self.norm == "2":
            value = float(np.linalg.norm(g))
        elif self.norm == "1":
            value = float(np.max(np.abs(g)))
        elif self.input_signs is None:
            value = float(np.sum(np.abs(g)))
        else:
            value = float(self.input_signs @ g)
        return math.copysign(scaled.lower(abs(value)), value)

    def verify(self, network: ReLUNetwork, rtol: float = 1e-9) -> bool:
        """Check that the certificate fits ``network`` and that its value is what its patterns give.

        Args:
            network: The network the certificate claims a bound for.
            rtol: Relative tolerance of the comparison.

        Returns:
            True if the recomputed value matches :attr:`value`; False if it does not, or if the patterns or
            direction do not fit the network.
        """
        try:
            if self.direction.shape != (network.output_dim,):
                return False
            recomputed = self.recompute(network)
        except ValueError:
            return False
        return bool(abs(recomputed - self.value) <= rtol * max(1.0, abs(self.value)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view (lists of ints and floats)."""
        return {
            "norm": self.norm,
            "value": self.value,
            "direction": self.direction.tolist(),
            "patterns": [p.astype(int).tolist() for p in self.patterns],
            "input_signs": None if self.input_signs is None else self.input_signs.astype(int).tolist(),
        }


@dataclass(frozen=True, eq=False)
class LipschitzQUBO:
    """A BQM whose minimisers are FGL witnesses, with the decoding back to certificates.

    Built by :func:`fgl_bqm`; do not construct directly.

    Attributes:
        bqm: SPIN (l_inf) or BINARY (l2) model to minimise; energy = minus the objective (l2: minus the
            squared norm).
        matrix: The bilinear matrix ``A`` (``d x h``) of the free block.
        network: The network.
        direction: The output functional ``c``.
        norm: ``"inf"`` or ``"2"``.
        layer: Index of the free hidden layer.
        patterns: The fixed patterns of the other hidden layers (``None`` at ``layer``).
        homogeneous: Whether the l_inf fields were moved onto the extra spin ``("t", 0)``.

    Examples:
        >>> import numpy as np
        >>> import dimod
        >>> from hiqlip_plugin import ReLUNetwork, fgl_bqm
        >>> net = ReLUNetwork([np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[1.0, -1.0]])])
        >>> qubo = fgl_bqm(net)
        >>> best = dimod.ExactSolver().sample(qubo.bqm).first
        >>> bool(qubo.decode(best.sample).value == -best.energy)
        True
    """

    bqm: dimod.BinaryQuadraticModel
    matrix: np.ndarray
    network: ReLUNetwork
    direction: np.ndarray
    norm: Norm
    layer: int
    patterns: tuple[np.ndarray | None, ...]
    homogeneous: bool

    @property
    def input_variables(self) -> tuple[Hashable, ...]:
        """Labels of the input spins (empty for l2)."""
        return tuple(input_label(i) for i in range(self.matrix.shape[0])) if self.norm == "inf" else ()

    @property
    def hidden_variables(self) -> tuple[Hashable, ...]:
        """Labels of the hidden-unit variables."""
        return tuple(hidden_label(j) for j in range(self.matrix.shape[1]))

    def assignment(self, sample: Mapping[Hashable, Any]) -> tuple[np.ndarray | None, np.ndarray]:
        """Return ``(x, s)``: input signs (``None`` for l2) and the 0/1 pattern of the free layer.

        Raises:
            SamplerOutputError: If a variable is missing or a value is not a valid spin / binary value.
        """
        try:
            if self.norm == "2":
                s = np.array([sample[v] for v in self.hidden_variables], dtype=np.float64)
                if not np.all((s == 0) | (s == 1)):
                    raise SamplerOutputError("l2 samples must be 0/1 valued")
                return None, s.astype(np.int8)
            x = np.array([sample[v] for v in self.input_variables], dtype=np.float64)
            z = np.array([sample[v] for v in self.hidden_variables], dtype=np.float64)
            t = float(sample[HOMOGENISING_LABEL]) if self.homogeneous else 1.0
        except KeyError as err:
            raise SamplerOutputError(f"sample lacks variable {err.args[0]!r}") from None
        if not (np.all(np.abs(x) == 1) and np.all(np.abs(z) == 1) and abs(t) == 1):
            raise SamplerOutputError("l_inf samples must be SPIN valued (-1/+1)")
        return (x * t).astype(np.int8), ((1 + z * t) / 2).astype(np.int8)

    def decode(self, sample: Mapping[Hashable, Any]) -> Certificate:
        """Turn a sample of :attr:`bqm` into a :class:`Certificate` (value recomputed from the weights).

        For l_inf the value equals minus the sample's energy; for l2 it is ``sqrt(-energy)``.
        """
        x, s = self.assignment(sample)
        patterns = list(self.patterns)
        patterns[self.layer] = s
        return Certificate.from_patterns(self.network, patterns, self.direction, norm=self.norm, input_signs=x)


def fgl_bqm(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    homogeneous: bool = False,
    patterns: Sequence[npt.ArrayLike | None] | None = None,
    layer: int | None = None,
) -> LipschitzQUBO:
    """Build the BQM whose minimum energy is minus the FGL of output ``output`` (or of ``c^T f``).

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork`.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: ``"inf"`` (bipartite SPIN model over inputs and hidden units) or ``2`` (BINARY QUBO over the
            hidden units, energy ``-||g||_2^2``). ``1`` has a closed form: use
            :func:`~hiqlip_plugin.lipschitz.exact.exact_fgl`.
        homogeneous: l_inf only: replace the input fields by couplings to an extra spin ``("t", 0)``.
        patterns: For networks with more than one hidden layer: the fixed patterns of all hidden layers
            (the entry at ``layer`` is ignored).
        layer: For deeper networks: which hidden layer is free (the block of a block move).

    Returns:
        A :class:`LipschitzQUBO`.

    Raises:
        ValueError: For norm 1, a deeper network without ``patterns``/``layer``, or bad output choices.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork, fgl_bqm
        >>> rng = np.random.default_rng(1)
        >>> net = ReLUNetwork([rng.normal(size=(5, 3)), rng.normal(size=(2, 5))])
        >>> qubo = fgl_bqm(net, output=1)
        >>> qubo.bqm.num_variables, qubo.bqm.num_interactions
        (8, 15)
        >>> fgl_bqm(net, output=1, norm=2).bqm.vartype.name
        'BINARY'
    """
    norm = parse_norm(norm)
    if norm == "1":
        raise ValueError("the l1 FGL has a closed form and needs no QUBO: use exact_fgl(network, norm=1)")
    c = network.output_direction(output, direction)
    hidden_layers = len(network.hidden_dims)
    if hidden_layers == 1:
        if layer not in (None, 0):
            raise ValueError(f"layer {layer} out of range for a two-layer network")
        layer, fixed = 0, [None]
    else:
        if patterns is None or layer is None:
            raise ValueError(
                f"the network has {hidden_layers} hidden layers: its FGL is a higher-order problem; give "
                "patterns= and layer= for one block, or use estimate_lipschitz"
            )
        fixed = check_patterns(network, patterns)
        fixed[layer] = None
    a = block_matrix(network, c, fixed, layer)
    d, h = a.shape
    if norm == "2":
        bqm = _quadratic_bqm(a.T @ a)
    else:
        bqm = _bilinear_bqm(a, homogeneous)
    return LipschitzQUBO(
        bqm=bqm,
        matrix=a,
        network=network,
        direction=c,
        norm=norm,
        layer=layer,
        patterns=tuple(fixed),
        homogeneous=homogeneous and norm == "inf",
    )


def _labelled_bqm(linear: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
                  labels: list[Hashable], vartype: dimod.Vartype) -> dimod.BinaryQuadraticModel:
    """Build a BQM from index arrays (fast for 10^5+ couplings), then attach the labels."""
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(linear, (rows, cols, values), 0.0, vartype)
    bqm.relabel_variables(dict(enumerate(labels)), inplace=True)
    return bqm


def _bilinear_bqm(a: np.ndarray, homogeneous: bool) -> dimod.BinaryQuadraticModel:
    """SPIN model with energy ``-x^T a s``, ``s = (1 + z) / 2`` (see the module docstring)."""
    d, h = a.shape
    labels: list[Hashable] = [input_label(i) for i in range(d)] + [hidden_label(j) for j in range(h)]
    fields = -0.5 * a.sum(axis=1)
    rows, cols = np.nonzero(a)
    values = -0.5 * a[rows, cols]
    cols = cols + d
    linear = np.zeros(d + h)
    if homogeneous:
        labels.append(HOMOGENISING_LABEL)
        linear = np.zeros(d + h + 1)
        (nonzero,) = np.nonzero(fields)
        rows = np.concatenate([rows, nonzero])
        cols = np.concatenate([cols, np.full(len(nonzero), d + h)])
        values = np.concatenate([values, fields[nonzero]])
    else:
        linear[:d] = fields
    return _labelled_bqm(linear, rows, cols, values, labels, dimod.SPIN)


def _quadratic_bqm(m: np.ndarray) -> dimod.BinaryQuadraticModel:
    """BINARY model over the hidden units with energy ``-s^T m s``."""
    h = m.shape[0]
    rows, cols = np.triu_indices(h, k=1)
    values = -2.0 * m[rows, cols]
    keep = values != 0.0
    labels: list[Hashable] = [hidden_label(j) for j in range(h)]
    return _labelled_bqm(-np.diag(m).copy(), rows[keep], cols[keep], values[keep], labels, dimod.BINARY)
