"""Example networks shipped inside the package (no download needed).

:data:`NETWORKS` maps a name to the function returning each network.

Examples:
    >>> from hiqlip_plugin.examples import NETWORKS, digits_mlp
    >>> digits_mlp().layer_sizes
    (64, 64, 10)
    >>> sorted(NETWORKS)
    ['digits', 'digits_deep']
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from hiqlip_plugin.network import ReLUNetwork

__all__ = ["digits_mlp", "digits_deep_mlp", "NETWORKS"]


def _load(name: str) -> ReLUNetwork:
    with resources.as_file(resources.files(__package__) / "data" / name) as path:
        return ReLUNetwork.load(path)


def digits_mlp() -> ReLUNetwork:
    """Return the bundled 64-64-10 ReLU classifier trained on scikit-learn's ``load_digits``.

    Inputs are 8x8 images flattened to 64 pixels scaled to [0, 1]; outputs are the 10 class logits.
    It was trained by ``examples/train_digits_mlp.py`` in the repository (test accuracy printed there).

    Examples:
        >>> from hiqlip_plugin.examples import digits_mlp
        >>> net = digits_mlp()
        >>> net.input_dim, net.output_dim
        (64, 10)
    """
    return _load("digits_mlp.npz")


def digits_deep_mlp() -> ReLUNetwork:
    """Return the bundled three-layer 64-32-32-10 ReLU classifier trained on scikit-learn's ``load_digits``.

    Same inputs and outputs as :func:`digits_mlp`, two hidden layers of 32 units; trained by
    ``examples/train_digits_mlp.py --deep`` (97.3 % test accuracy there). Its upper bounds come from the
    first-order solver of the dual SDP / LipSDP-Neuron (:mod:`hiqlip_plugin.sdp.lmi`).

    Examples:
        >>> from hiqlip_plugin.examples import digits_deep_mlp
        >>> digits_deep_mlp().layer_sizes
        (64, 32, 32, 10)
    """
    return _load("digits_deep_mlp.npz")


NETWORKS: dict[str, Callable[[], ReLUNetwork]] = {"digits": digits_mlp, "digits_deep": digits_deep_mlp}
"""The bundled networks by name (the CLI's ``--example`` choices)."""
