"""The l_inf FGL of a ReLU network of any depth as a higher-order ``OptimizationProblem``.

For a network with weights ``W_1 .. W_L`` and output functional ``c``, the l_inf formal global Lipschitz
constant (FGL) is the multilinear maximum (:mod:`~hiqlip_plugin.lipschitz.deep`)

.. math::

    \\mathrm{FGL}_\\infty = \\max_{x \\in \\{-1,1\\}^d,\\; s_l \\in \\{0,1\\}^{n_l}}
        x^T W_1^T D(s_1) W_2^T D(s_2) \\cdots D(s_{L-1}) W_L^T c
    = \\sum_{i, j_1, \\dots, j_{L-1}} T_{i j_1 \\cdots j_{L-1}}\\, x_i\\, s_{1 j_1} \\cdots s_{L-1, j_{L-1}},

with ``T[i, j_1, ..., j_{L-1}] = W_1[j_1, i] W_2[j_2, j_1] ... W_{L-1}[j_{L-1}, j_{L-2}] (W_L^T c)[j_{L-1}]``
(one pattern per hidden layer, degree ``L``). :func:`fgl_optimization_problem` writes it as a
qiskit-addon-opt-mapper ``OptimizationProblem`` to maximise over binary variables: ``x_i`` is the bit
``b_i = (1 + x_i) / 2`` and ``s{l}_{j}`` is unit ``j`` of hidden layer ``l`` (1 = active), so
``x_i = 2 b_i - 1`` gives terms ``2 T b_i s_1 ... s_{L-1}`` (degree ``L``) and ``-(sum_i T) s_1 ... s_{L-1}``
(degree ``L - 1``). Its optimum is exactly :func:`~hiqlip_plugin.lipschitz.exact.exact_fgl`'s value, and any
assignment decodes with :func:`fgl_certificate` into a certificate whose value (``||g||_1`` of its patterns) is
at least the assignment's objective: a proven lower bound on the FGL.

**Size.** The polynomial is dense: ``(d + 1) n_1 n_2 \\cdots n_{L-1}`` terms at most (``d n_1 n_2`` cubic ones
for three layers), on ``d + n_1 + ... + n_{L-1}`` variables. Networks beyond :data:`MAX_FGL_TERMS` terms are
refused (``max_terms`` raises the limit); for them use
:func:`~hiqlip_plugin.lipschitz.deep.deep_block_search`, which moves by exact quadratic reductions instead.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> from hiqlip_plugin.lipschitz.exact import exact_fgl
    >>> from hiqlip_plugin.qiskit.fgl import fgl_certificate, fgl_optimization_problem
    >>> from hiqlip_plugin.qiskit.solver import DimodSolver
    >>> net = random_relu_network((3, 3, 2, 1), seed=0)
    >>> problem = fgl_optimization_problem(net)
    >>> problem.get_num_vars(), sorted(problem.objective.higher_order)
    (8, [3])
    >>> result = DimodSolver(dimod.ExactPolySolver()).solve(problem)
    >>> bool(abs(result.fval - exact_fgl(net).value) < 1e-9), fgl_certificate(net, result.x).verify(net)
    (True, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hiqlip_plugin.qiskit.addon import require_addon

require_addon()

from qiskit_addon_opt_mapper import OptimizationProblem  # noqa: E402

from hiqlip_plugin._validation import check_integer  # noqa: E402
from hiqlip_plugin.exceptions import ProblemTooLargeError  # noqa: E402
from hiqlip_plugin.lipschitz.formulation import Certificate, parse_norm  # noqa: E402
from hiqlip_plugin.network import ReLUNetwork  # noqa: E402
from hiqlip_plugin.qiskit.model import BinaryTerms  # noqa: E402

__all__ = ["MAX_FGL_TERMS", "fgl_certificate", "fgl_num_terms", "fgl_optimization_problem", "fgl_variable_names"]

MAX_FGL_TERMS = 50_000
"""Default limit of :func:`fgl_optimization_problem` on :func:`fgl_num_terms` (the add-on stores each term
as a Python dict entry, and its converters copy them)."""


def _check_network(network: Any) -> ReLUNetwork:
    if not isinstance(network, ReLUNetwork):
        raise TypeError(f"network must be a ReLUNetwork, got {type(network).__name__}")
    return network


def fgl_num_terms(network: ReLUNetwork) -> int:
    """Return ``(d + 1) n_1 ... n_{L-1}``, the most terms the FGL polynomial of ``network`` can have.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.qiskit.fgl import fgl_num_terms
        >>> fgl_num_terms(random_relu_network((4, 5, 6, 1), seed=0))
        150
    """
    network = _check_network(network)
    return (network.input_dim + 1) * math.prod(network.hidden_dims)


def fgl_variable_names(network: ReLUNetwork) -> list[str]:
    """Return the variable names of :func:`fgl_optimization_problem`: ``x_i`` then ``s{l}_{j}`` layer by layer.

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> from hiqlip_plugin.qiskit.fgl import fgl_variable_names
        >>> fgl_variable_names(random_relu_network((2, 2, 1, 1), seed=0))
        ['x_0', 'x_1', 's1_0', 's1_1', 's2_0']
    """
    network = _check_network(network)
    names = [f"x_{i}" for i in range(network.input_dim)]
    for layer, width in enumerate(network.hidden_dims, start=1):
        names.extend(f"s{layer}_{j}" for j in range(width))
    return names


def _path_coefficients(network: ReLUNetwork, c: np.ndarray) -> np.ndarray:
    """The tensor ``T`` of shape ``(d, n_1, ..., n_{L-1})`` (module docstring)."""
    weights = network.weights
    tensor = weights[0].T
    for w in weights[1:-1]:
        tensor = tensor[..., :, None] * w.T
    return tensor * (weights[-1].T @ c)


def fgl_optimization_problem(
    network: ReLUNetwork,
    output: int | None = None,
    *,
    direction: npt.ArrayLike | None = None,
    norm: Any = "inf",
    max_terms: int = MAX_FGL_TERMS,
) -> OptimizationProblem:
    """Return the l_inf FGL of ``c^T f`` as an ``OptimizationProblem`` to maximise (module docstring).

    Args:
        network: A :class:`~hiqlip_plugin.ReLUNetwork` of any depth.
        output: Output index ``k`` (``c = e_k``); may be omitted for single-output networks.
        direction: Any output functional ``c`` instead of ``output``.
        norm: The input norm; only ``"inf"`` is multilinear in the patterns (for l2 use
            :func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm` or
            :func:`~hiqlip_plugin.lipschitz.deep.deep_block_search`).
        max_terms: Refuse networks whose polynomial may have more terms (:func:`fgl_num_terms`).

    Returns:
        An unconstrained binary problem with variables :func:`fgl_variable_names`, objective
        ``x^T W_1^T D(s_1) ... W_L^T c`` with ``x = 2 b - 1``; its maximum is the FGL.

    Raises:
        ProblemTooLargeError: If :func:`fgl_num_terms` exceeds ``max_terms``.
        TypeError: If ``network`` is not a :class:`~hiqlip_plugin.ReLUNetwork`.
        ValueError: For a norm other than l_inf, a bad output choice or ``max_terms``.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.qiskit.fgl import fgl_optimization_problem
        >>> net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
        >>> problem = fgl_optimization_problem(net)
        >>> [v.name for v in problem.variables]
        ['x_0', 'x_1', 's1_0', 's1_1']
        >>> float(problem.objective.evaluate([1, 0, 1, 1]))  # x = (1, -1), both units active: 3 + 4
        7.0
    """
    network = _check_network(network)
    if parse_norm(norm) != "inf":
        raise ValueError(
            f"only the l_inf FGL is a multilinear polynomial in the patterns, got norm={norm!r}: "
            "use hiqlip_plugin.lipschitz.deep.deep_block_search or fgl_bqm for other norms"
        )
    max_terms = check_integer(max_terms, "max_terms", 1)
    num_terms = fgl_num_terms(network)
    if num_terms > max_terms:
        raise ProblemTooLargeError(
            f"the l_inf FGL polynomial of a network with layer sizes {network.layer_sizes} has up to {num_terms} "
            f"terms, beyond max_terms={max_terms}: raise max_terms, or use "
            "hiqlip_plugin.lipschitz.deep.deep_block_search for networks of this size"
        )
    c = network.output_direction(output, direction)
    tensor = _path_coefficients(network, c)
    d = network.input_dim
    offsets = np.cumsum((d, *network.hidden_dims[:-1]))  # index of unit 0 of each hidden layer
    terms: dict[tuple[int, ...], float] = {}
    for index in zip(*np.nonzero(tensor), strict=True):  # 2 T b_i s_1 ... s_{L-1}
        units = tuple(int(o + j) for o, j in zip(offsets, index[1:], strict=True))
        terms[(int(index[0]), *units)] = 2.0 * float(tensor[index])
    pattern_sums = tensor.sum(axis=0)
    for index in zip(*np.nonzero(pattern_sums), strict=True):  # -(sum_i T) s_1 ... s_{L-1}
        terms[tuple(int(o + j) for o, j in zip(offsets, index, strict=True))] = -float(pattern_sums[index])
    binary = BinaryTerms.from_parts(len(fgl_variable_names(network)), higher=terms)
    linear, quadratic, higher = binary.by_degree()
    problem = OptimizationProblem(f"fgl_inf{'' if output is None else f'_{output}'}")
    for name in fgl_variable_names(network):
        problem.binary_var(name)
    problem.maximize(linear=linear, quadratic=quadratic, higher_order=higher or None)
    return problem


def fgl_certificate(
    network: ReLUNetwork, x: npt.ArrayLike, output: int | None = None, *, direction: npt.ArrayLike | None = None
) -> Certificate:
    """Decode an assignment of :func:`fgl_optimization_problem` into an l_inf certificate.

    Args:
        network: The network the problem was built from.
        x: Values of the problem's variables (e.g. ``result.x``), 0/1.
        output: The output index used to build the problem.
        direction: The output functional used instead, if any.

    Returns:
        A :class:`~hiqlip_plugin.lipschitz.formulation.Certificate` with the patterns and input signs of
        ``x``; its value (``||g||_1``) is at least the objective of ``x`` and at most the FGL.

    Raises:
        ValueError: If ``x`` has the wrong length or values other than 0 and 1.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> from hiqlip_plugin.qiskit.fgl import fgl_certificate
        >>> net = ReLUNetwork([np.eye(2), np.array([[3.0, -4.0]])])
        >>> fgl_certificate(net, [1, 1, 1, 0]).value  # unit 2 off: |3| + 0
        3.0
    """
    network = _check_network(network)
    bits = np.asarray(x, dtype=np.float64)
    size = network.input_dim + sum(network.hidden_dims)
    if bits.shape != (size,) or not np.all(np.isin(bits, (0.0, 1.0))):
        raise ValueError(f"x must be {size} values in {{0, 1}} (the problem's variables), got {bits.tolist()!r}")
    bounds = np.cumsum((network.input_dim, *network.hidden_dims))
    patterns = [bits[lo:hi].astype(np.int8) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    c = network.output_direction(output, direction)
    signs = 2 * bits[: network.input_dim].astype(np.int8) - 1
    return Certificate.from_patterns(network, patterns, c, norm="inf", input_signs=signs)
