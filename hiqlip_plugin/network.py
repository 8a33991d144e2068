"""Fully connected ReLU networks: the object every Lipschitz computation starts from.

A :class:`ReLUNetwork` holds ``L >= 2`` affine layers with ReLU between them,

.. math::

    f(x) = W_L\\,\\mathrm{relu}(W_{L-1} \\cdots \\mathrm{relu}(W_1 x + b_1) \\cdots) + b_L,

with ``weights[i]`` of shape ``(out, in)`` like :attr:`torch.nn.Linear.weight`. It is built from arrays, a
PyTorch ``nn.Sequential``, a fitted scikit-learn MLP, or a ``.npz`` / ``.pt`` file, and it is validated on
construction (shapes chain, all values finite, at least one hidden layer).

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin import ReLUNetwork
    >>> net = ReLUNetwork([np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([[1.0, -2.0]])])
    >>> net.input_dim, net.hidden_dims, net.output_dim
    (2, (2,), 1)
    >>> net(np.array([1.0, 0.0])).tolist()
    [-3.0]
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hiqlip_plugin.exceptions import InvalidNetworkError

__all__ = ["ReLUNetwork"]

_ZIP_MAGIC = b"PK\x03\x04"
"""First bytes of a zip archive, the format of :func:`torch.save` since PyTorch 1.6."""

_PICKLE_MAGIC = b"\x80"
"""First byte of a pickle (protocol 2+), the legacy :func:`torch.save` format."""


def _real_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array; complex values are refused (casting would silently drop the imaginary part)."""
    if hasattr(value, "detach"):  # a torch tensor (checked before torch's own cast, which drops imaginary parts)
        complex_ = bool(value.is_complex())
        value = None if complex_ else value.detach().cpu().double().numpy()
    else:
        complex_ = np.iscomplexobj(value)
    if complex_:
        raise InvalidNetworkError(
            f"{name} is complex: a ReLU network needs real weights (take .real yourself if that is what you mean)"
        )
    return np.array(value, dtype=np.float64)


def _as_matrix(value: Any, name: str) -> np.ndarray:
    try:
        array = _real_array(value, name)
    except (TypeError, ValueError) as err:
        raise InvalidNetworkError(f"{name} is not a numeric array: {err}") from None
    if array.ndim != 2:
        raise InvalidNetworkError(f"{name} must be 2-D (out, in), got shape {array.shape}")
    if 0 in array.shape:
        raise InvalidNetworkError(f"{name} has an empty dimension: shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InvalidNetworkError(f"{name} contains NaN or infinite values")
    array.setflags(write=False)
    return array


def _as_vector(value: Any, name: str, length: int) -> np.ndarray:
    try:
        array = _real_array(value, name)
    except (TypeError, ValueError) as err:
        raise InvalidNetworkError(f"{name} is not a numeric array: {err}") from None
    if array.shape != (length,):
        raise InvalidNetworkError(f"{name} must have shape ({length},), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InvalidNetworkError(f"{name} contains NaN or infinite values")
    array.setflags(write=False)
    return array


class ReLUNetwork:
    """A fully connected ReLU network ``f(x) = W_L relu(... relu(W_1 x + b_1) ...) + b_L``.

    Args:
        weights: One matrix per affine layer, ``weights[i]`` of shape ``(out_i, in_i)`` with
            ``in_{i+1} == out_i``. At least two layers (one hidden layer).
        biases: One vector per layer (``None`` entries or ``biases=None`` mean zeros).

    Raises:
        InvalidNetworkError: If the shapes do not chain, a value is complex, NaN or infinite, or there is no
            hidden layer.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin import ReLUNetwork
        >>> rng = np.random.default_rng(0)
        >>> net = ReLUNetwork([rng.normal(size=(8, 4)), rng.normal(size=(3, 8))])
        >>> net.layer_sizes
        (4, 8, 3)
    """

    def __init__(
        self,
        weights: Sequence[npt.ArrayLike],
        biases: Sequence[npt.ArrayLike | None] | None = None,
    ) -> None:
        weights = list(weights)
        if len(weights) < 2:
            raise InvalidNetworkError(
                f"a ReLU network needs at least one hidden layer (two weight matrices), got {len(weights)}"
            )
        mats = tuple(_as_matrix(w, f"weights[{i}]") for i, w in enumerate(weights))
        for i in range(1, len(mats)):
            if mats[i].shape[1] != mats[i - 1].shape[0]:
                raise InvalidNetworkError(
                    f"weights[{i}] has {mats[i].shape[1]} inputs but weights[{i - 1}] has "
                    f"{mats[i - 1].shape[0]} outputs"
                )
        if biases is None:
            biases = [None] * len(mats)
        biases = list(biases)
        if len(biases) != len(mats):
            raise InvalidNetworkError(f"got {len(biases)} biases for {len(mats)} layers")
        vecs = tuple(
            _as_vector(np.zeros(m.shape[0]) if b is None else b, f"biases[{i}]", m.shape[0])
            for i, (m, b) in enumerate(zip(mats, biases, strict=True))
        )
        self._weights = mats
        self._biases = vecs

    # ------------------------------------------------------------------ shape
    @property
    def weights(self) -> tuple[np.ndarray, ...]:
        """Read-only weight matrices, ``weights[i]`` of shape ``(out, in)``."""
        return self._weights

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        """Read-only bias vectors."""
        return self._biases

    @property
    def input_dim(self) -> int:
        """Input dimension ``d``."""
        return self._weights[0].shape[1]

    @property
    def output_dim(self) -> int:
        """Number of outputs."""
        return self._weights[-1].shape[0]

    @property
    def hidden_dims(self) -> tuple[int, ...]:
        """Widths of the hidden (ReLU) layers."""
        return tuple(w.shape[0] for w in self._weights[:-1])

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(input_dim, *hidden_dims, output_dim)``."""
        return (self.input_dim, *self.hidden_dims, self.output_dim)

    @property
    def num_layers(self) -> int:
        """Number of affine layers ``L`` (hidden layers + 1)."""
        return len(self._weights)

    def __repr__(self) -> str:
        return f"ReLUNetwork(layer_sizes={self.layer_sizes})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReLUNetwork):
            return NotImplemented
        return self.layer_sizes == other.layer_sizes and all(
            np.array_equal(a, b)
            for a, b in zip(self._weights + self._biases, other._weights + other._biases, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    # ---------------------------------------------------------- evaluation
    def _inputs(self, x: npt.ArrayLike) -> np.ndarray:
        array = np.asarray(x, dtype=np.float64)
        if array.shape[-1:] != (self.input_dim,) or array.ndim not in (1, 2):
            raise ValueError(f"inputs must have shape ({self.input_dim},) or (n, {self.input_dim}), got {array.shape}")
        return array

    def __call__(self, x: npt.ArrayLike) -> np.ndarray:
        """Evaluate the network on one input ``(d,)`` or a batch ``(n, d)``.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> net = ReLUNetwork([np.eye(2), np.ones((1, 2))], [np.zeros(2), np.array([1.0])])
            >>> net(np.array([[1.0, -1.0]])).tolist()
            [[2.0]]
        """
        h = self._inputs(x)
        for w, b in zip(self._weights[:-1], self._biases[:-1], strict=True):
            h = np.maximum(h @ w.T + b, 0.0)
        return h @ self._weights[-1].T + self._biases[-1]

    def activation_patterns(self, x: npt.ArrayLike) -> tuple[np.ndarray, ...]:
        """Return the 0/1 activation pattern of every hidden layer at ``x`` (one input or a batch).

        A unit counts as active when its pre-activation is strictly positive.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> net = ReLUNetwork([np.array([[1.0], [-1.0]]), np.ones((1, 2))])
            >>> [p.tolist() for p in net.activation_patterns(np.array([2.0]))]
            [[1, 0]]
        """
        h = self._inputs(x)
        patterns = []
        for w, b in zip(self._weights[:-1], self._biases[:-1], strict=True):
            pre = h @ w.T + b
            patterns.append((pre > 0).astype(np.int8))
            h = np.maximum(pre, 0.0)
        return tuple(patterns)

    def output_direction(self, output: int | None = None, direction: npt.ArrayLike | None = None) -> np.ndarray:
        """Return the output functional ``c`` (the Lipschitz constant is that of ``c^T f``).

        Args:
            output: Index ``k`` of one output (``c = e_k``).
            direction: Any direction in output space. Exactly one of ``output`` and ``direction`` is given,
                except for single-output networks where both may be omitted.

        Raises:
            ValueError: If neither or both are given, the index is out of range, or the direction has the wrong
                shape, is zero, or is not finite.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> net = ReLUNetwork([np.ones((2, 2)), np.ones((3, 2))])
            >>> net.output_direction(output=1).tolist()
            [0.0, 1.0, 0.0]
        """
        if output is not None and direction is not None:
            raise ValueError("give either output or direction, not both")
        if output is None and direction is None:
            if self.output_dim != 1:
                raise ValueError(f"the network has {self.output_dim} outputs: choose one with output= or direction=")
            output = 0
        if output is not None:
            if isinstance(output, bool) or not isinstance(output, (int, np.integer)):
                raise TypeError(f"output must be an integer index, got {output!r}")
            if not 0 <= output < self.output_dim:
                raise ValueError(f"output {output} out of range for a network with {self.output_dim} outputs")
            c = np.zeros(self.output_dim)
            c[output] = 1.0
            return c
        c = np.array(direction, dtype=np.float64)
        if c.shape != (self.output_dim,):
            raise ValueError(f"direction must have shape ({self.output_dim},), got {c.shape}")
        if not np.all(np.isfinite(c)):
            raise ValueError("direction contains NaN or infinite values")
        if not np.any(c):
            raise ValueError("direction must not be zero")
        return c

    def gradients(self, x: npt.ArrayLike, direction: npt.ArrayLike) -> np.ndarray:
        """Return the gradient of ``c^T f`` at each input (where the network is differentiable).

        Args:
            x: Inputs of shape ``(n, d)`` (or ``(d,)``).
            direction: Output functional ``c`` of shape ``(output_dim,)``.

        Returns:
            Gradients with the same shape as ``x``.

        Examples:
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> net = ReLUNetwork([np.array([[2.0, 0.0], [0.0, -1.0]]), np.array([[1.0, 1.0]])])
            >>> net.gradients(np.array([1.0, 1.0]), [1.0]).tolist()
            [2.0, 0.0]
        """
        h = self._inputs(x)
        single = h.ndim == 1
        h = np.atleast_2d(h)
        patterns = self.activation_patterns(h)
        g = np.tile(np.asarray(direction, dtype=np.float64) @ self._weights[-1], (h.shape[0], 1))
        for w, s in zip(reversed(self._weights[:-1]), reversed(patterns), strict=True):
            g = (g * s) @ w
        return g[0] if single else g

    # ------------------------------------------------------------ loaders
    @classmethod
    def from_torch(cls, module: Any) -> ReLUNetwork:
        """Build a network from a PyTorch ``nn.Sequential`` of ``Linear``, ``ReLU`` and ``Flatten``.

        The module must read ``[Flatten,] Linear, ReLU, Linear, ..., ReLU, Linear``; anything else (other
        activations, convolutions, dropout, a ReLU after the last layer) is refused rather than approximated.

        Raises:
            InvalidNetworkError: For any other structure.
            ImportError: If PyTorch is not installed (``pip install hiqlip-plugin[torch]``).

        Examples:
            >>> import torch
            >>> from hiqlip_plugin import ReLUNetwork
            >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
            <torch._C.Generator object at ...>
            >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
            >>> ReLUNetwork.from_torch(model).layer_sizes
            (4, 8, 2)
        """
        try:
            from torch import nn
        except ImportError as err:  # pragma: no cover - exercised only without torch
            raise ImportError("from_torch needs PyTorch: pip install 'hiqlip-plugin[torch]'") from err
        if not isinstance(module, nn.Sequential):
            raise InvalidNetworkError(f"expected a torch.nn.Sequential, got {type(module).__name__}")
        layers = list(module)
        while layers and isinstance(layers[0], nn.Flatten):
            layers.pop(0)
        weights, biases = [], []
        expect_linear = True
        for position, layer in enumerate(layers):
            if expect_linear and isinstance(layer, nn.Linear):
                weights.append(_real_array(layer.weight, f"layer {position} weight"))
                biases.append(None if layer.bias is None else _real_array(layer.bias, f"layer {position} bias"))
                expect_linear = False
            elif not expect_linear and isinstance(layer, nn.ReLU):
                expect_linear = True
            else:
                wanted = "Linear" if expect_linear else "ReLU (or the end)"
                raise InvalidNetworkError(
                    f"unsupported layer {type(layer).__name__} at position {position}: expected {wanted}; "
                    "only Flatten, Linear and ReLU are supported"
                )
        if expect_linear:
            raise InvalidNetworkError("the module must end with a Linear layer")
        return cls(weights, biases)

    @classmethod
    def from_sklearn(cls, mlp: Any) -> ReLUNetwork:
        """Build a network from a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor`` with ReLU.

        The network returned computes the last layer's pre-activations (the logits): the output activation
        of the estimator (softmax, logistic or identity) is not part of it.

        Raises:
            InvalidNetworkError: If the estimator is not fitted, not an MLP, or not ``activation='relu'``.

        Examples:
            >>> import numpy as np
            >>> from sklearn.neural_network import MLPRegressor
            >>> from hiqlip_plugin import ReLUNetwork
            >>> rng = np.random.default_rng(0)
            >>> X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
            >>> mlp = MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)  # doctest: +SKIP
            >>> ReLUNetwork.from_sklearn(mlp).layer_sizes  # doctest: +SKIP
            (3, 5, 1)
        """
        if not hasattr(mlp, "coefs_") or not hasattr(mlp, "intercepts_"):
            raise InvalidNetworkError(
                f"{type(mlp).__name__} is not a fitted scikit-learn MLP (no coefs_/intercepts_)"
            )
        activation = getattr(mlp, "activation", None)
        if activation != "relu":
            raise InvalidNetworkError(f"only activation='relu' is supported, the MLP uses {activation!r}")
        weights = [np.asarray(c).T for c in mlp.coefs_]
        return cls(weights, list(mlp.intercepts_))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, activation: str | None = None) -> ReLUNetwork:
        """Load a network from ``.npz`` (as written by :meth:`save`) or a PyTorch ``.pt`` state dict.

        ``.npz`` files are read with ``allow_pickle=False`` and must hold ``weight_0 .. weight_{L-1}`` and
        optionally ``bias_i`` (the format of :meth:`save`: always a ReLU network). ``.pt``/``.pth`` files are read
        with ``torch.load(weights_only=True)`` (never an arbitrary pickle) and must be a state dict of a
        Linear/ReLU ``nn.Sequential`` (keys ``"<i>.weight"``, ``"<i>.bias"``, in layer order). A state dict
        stores weights but **not activations**: a Linear-Tanh-Linear model has the same keys as a ReLU one. So
        a ``.pt`` file is loaded only when the caller states the architecture with ``activation="relu"``;
        otherwise convert the module itself with :meth:`from_torch`, which checks every layer.

        Args:
            path: The file.
            activation: ``"relu"`` to state that the state dict's hidden layers are ReLUs (required for
                ``.pt``/``.pth``; ``.npz`` files written by :meth:`save` need nothing).

        Raises:
            InvalidNetworkError: If the file is not what its suffix claims or holds no valid network, or a
                state dict is loaded without ``activation="relu"``.
            ValueError: For an ``activation`` other than ``"relu"`` or ``None``.
            FileNotFoundError: If the file does not exist.

        Examples:
            >>> import tempfile, os
            >>> from hiqlip_plugin.examples import digits_mlp
            >>> net = digits_mlp()
            >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
            >>> net.save(path)
            >>> ReLUNetwork.load(path) == net
            True
        """
        if activation is not None and activation != "relu":
            raise ValueError(
                f"only ReLU networks are supported: activation must be 'relu' or None, got {activation!r}"
            )
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such network file: {path}")
        suffix = path.suffix.lower()
        if suffix == ".npz":
            return cls._load_npz(path)
        if suffix in (".pt", ".pth"):
            network = cls._load_state_dict(path)
            if activation is None:
                raise InvalidNetworkError(
                    f"{path} is a PyTorch state dict, which stores weights but not activations (a Linear-Tanh "
                    "model looks the same): if its hidden layers are ReLUs, say so with "
                    "ReLUNetwork.load(path, activation='relu') (CLI: --assume-relu); or pass the module itself to "
                    "ReLUNetwork.from_torch / estimate_lipschitz, which check every layer"
                )
            return network
        raise InvalidNetworkError(f"unsupported network file type {suffix!r}: use .npz, .pt or .pth")

    @classmethod
    def _load_npz(cls, path: Path) -> ReLUNetwork:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
            raise InvalidNetworkError(f"{path} is not a valid .npz network file: {err}") from None
        count = 0
        while f"weight_{count}" in arrays:
            count += 1
        if count == 0:
            raise InvalidNetworkError(f"{path} holds no 'weight_0' array; keys: {sorted(arrays)}")
        unknown = set(arrays) - {f"weight_{i}" for i in range(count)} - {f"bias_{i}" for i in range(count)}
        if unknown:
            raise InvalidNetworkError(f"{path} holds unexpected arrays {sorted(unknown)}")
        return cls([arrays[f"weight_{i}"] for i in range(count)], [arrays.get(f"bias_{i}") for i in range(count)])

    @classmethod
    def _load_state_dict(cls, path: Path) -> ReLUNetwork:
        try:
            import torch
        except ImportError as err:  # pragma: no cover - exercised only without torch
            raise ImportError("loading .pt files needs PyTorch: pip install 'hiqlip-plugin[torch]'") from err
        with path.open("rb") as handle:
            magic = handle.read(4)
        if not (magic.startswith(_ZIP_MAGIC) or magic[:1] == _PICKLE_MAGIC):
            raise InvalidNetworkError(
                f"{path} is not a PyTorch file (torch.save writes a zip archive; this file starts with {magic!r}): "
                "save the model's state_dict() with torch.save, or the network as .npz with ReLUNetwork.save"
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises many types for foreign files  # noqa: BLE001
            raise InvalidNetworkError(f"{path} is not a loadable PyTorch state dict: {err}") from None
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise InvalidNetworkError(f"{path} does not hold a state dict of tensors")
        weights, biases = [], []
        for key, value in state.items():
            prefix, _, kind = key.rpartition(".")
            if kind == "weight":
                weights.append((prefix, _real_array(value, f"{path}: {key}")))
            elif kind == "bias":
                biases.append((prefix, _real_array(value, f"{path}: {key}")))
            else:
                raise InvalidNetworkError(f"{path}: unexpected state-dict entry {key!r}")
        bias_by_prefix = dict(biases)
        if set(bias_by_prefix) - {p for p, _ in weights}:
            raise InvalidNetworkError(f"{path}: a bias has no matching weight")
        return cls([w for _, w in weights], [bias_by_prefix.get(p) for p, _ in weights])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the network as an uncompressed-pickle-free ``.npz`` file readable by :meth:`load`.

        Examples:
            >>> import tempfile, os
            >>> import numpy as np
            >>> from hiqlip_plugin import ReLUNetwork
            >>> net = ReLUNetwork([np.ones((2, 2)), np.ones((1, 2))])
            >>> net.save(os.path.join(tempfile.mkdtemp(), "tiny.npz"))
        """
        path = Path(path)
        if path.suffix.lower() != ".npz":
            raise ValueError(f"save writes .npz files; got {path.name!r}")
        arrays = {f"weight_{i}": w for i, w in enumerate(self._weights)}
        arrays.update({f"bias_{i}": b for i, b in enumerate(self._biases)})
        np.savez_compressed(path, **arrays)
