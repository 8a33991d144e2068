"""Example networks shipped inside the package (no download needed).

Examples:
    >>> from hiqlip_plugin.examples import digits_mlp
    >>> digits_mlp().layer_sizes
    (64, 64, 10)
"""

from __future__ import annotations

from importlib import resources

from hiqlip_plugin.network import ReLUNetwork

__all__ = ["digits_mlp"]


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
    with resources.as_file(resources.files(__package__) / "data" / "digits_mlp.npz") as path:
        return ReLUNetwork.load(path)
