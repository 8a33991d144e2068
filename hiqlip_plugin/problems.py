"""Problem factories: random ReLU networks and readers for the G-set / OR-Library Max-Cut files.

Max-Cut files (``n m`` then ``i j w`` per edge, 1-based) become SPIN BQMs with ``J_ij = w`` (minimise
``sum J_ij z_i z_j``), so that ``cut = (sum(w) - energy) / 2`` (:func:`cut_value`).

Examples:
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> random_relu_network((784, 16, 10), seed=0).layer_sizes
    (784, 16, 10)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import dimod
import numpy as np

from hiqlip_plugin.network import ReLUNetwork

__all__ = ["random_relu_network", "read_maxcut", "cut_value", "maxcut_bqm"]


def random_relu_network(layer_sizes: Sequence[int], seed: int | None = None, *, biases: bool = True) -> ReLUNetwork:
    """Return a He-initialised ReLU network (weights ``N(0, 2 / fan_in)``, biases ``N(0, 0.01)``).

    Args:
        layer_sizes: ``(input_dim, hidden_1, ..., output_dim)``, at least three entries.
        seed: Seed of the generator; the same seed gives the same network.
        biases: Draw small random biases (they do not change the FGL, only reachability).

    Examples:
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> a = random_relu_network((4, 3, 2), seed=5)
        >>> a == random_relu_network((4, 3, 2), seed=5)
        True
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least (input, hidden, output), all positive; got {layer_sizes!r}")
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)) for fan_in, fan_out in zip(sizes, sizes[1:], strict=False)]
    bias_list = [rng.normal(0.0, 0.1, size=n) if biases else None for n in sizes[1:]]
    return ReLUNetwork(weights, bias_list)


def read_maxcut(path: str | os.PathLike[str]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Read a G-set style Max-Cut file.

    Returns:
        ``(n, i, j, w)``: the number of vertices and 0-based edge arrays with their weights.

    Raises:
        ValueError: If the header or an edge line is malformed or a vertex is out of range.
    """
    lines = Path(path).read_text().split("\n")
    header = lines[0].split()
    if len(header) != 2:
        raise ValueError(f"{path}: first line must be 'n m'")
    n, m = int(header[0]), int(header[1])
    rows = [line.split() for line in lines[1:] if line.strip()]
    if len(rows) != m or any(len(r) != 3 for r in rows):
        raise ValueError(f"{path}: expected {m} lines 'i j w'")
    data = np.array(rows, dtype=np.float64)
    i, j, w = data[:, 0].astype(np.int64) - 1, data[:, 1].astype(np.int64) - 1, data[:, 2]
    if m and (min(i.min(), j.min()) < 0 or max(i.max(), j.max()) >= n):
        raise ValueError(f"{path}: vertex index out of range 1..{n}")
    return n, i, j, w


def maxcut_bqm(path: str | os.PathLike[str]) -> dimod.BinaryQuadraticModel:
    """Return the Max-Cut Ising model of a G-set style file (variables ``0 .. n-1``, ``J_ij = w_ij``).

    Examples:
        >>> import tempfile, os
        >>> from hiqlip_plugin.problems import maxcut_bqm, cut_value
        >>> path = os.path.join(tempfile.mkdtemp(), "tri.txt")
        >>> _ = open(path, "w").write("3 3\\n1 2 1\\n2 3 1\\n1 3 1\\n")
        >>> bqm = maxcut_bqm(path)
        >>> cut_value(bqm, bqm.energy({0: 1, 1: -1, 2: 1}))
        2.0
    """
    n, i, j, w = read_maxcut(path)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(np.zeros(n), (i, j, w), 0.0, dimod.SPIN)
    return bqm


def cut_value(bqm: dimod.BinaryQuadraticModel, energy: float | np.ndarray) -> float | np.ndarray:
    """Convert the energy of a :func:`maxcut_bqm` model to the cut weight ``(sum(w) - E) / 2``."""
    total = float(sum(bqm.quadratic.values()))
    result = (total - np.asarray(energy, dtype=np.float64)) / 2.0
    return float(result) if result.ndim == 0 else result
