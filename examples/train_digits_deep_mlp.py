"""Train the bundled three-layer example network: a 64-32-32-10 ReLU MLP on scikit-learn's digits data.

Run from the repository root to (re)create ``hiqlip_plugin/examples/data/digits_deep_mlp.npz``::

    python examples/train_digits_deep_mlp.py

The inputs are the 8x8 digit images scaled to [0, 1] (pixel / 16). The network saved is the classifier's
logit map (softmax not included), as :meth:`hiqlip_plugin.ReLUNetwork.from_sklearn` reads it. With two
hidden layers its upper bounds come from the dual SDP (DGeoLIP, l_inf) or LipSDP-Neuron (l2), solved by
the first-order chain-LMI solver.
"""

from __future__ import annotations

from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from hiqlip_plugin import ReLUNetwork

OUTPUT = Path(__file__).resolve().parents[1] / "hiqlip_plugin" / "examples" / "data" / "digits_deep_mlp.npz"


def main() -> None:
    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0)
    mlp = MLPClassifier(
        hidden_layer_sizes=(32, 32), activation="relu", alpha=1e-3, max_iter=600, random_state=0
    )
    mlp.fit(x_train, y_train)
    print(f"train accuracy {mlp.score(x_train, y_train):.4f}, test accuracy {mlp.score(x_test, y_test):.4f}")
    network = ReLUNetwork.from_sklearn(mlp)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    network.save(OUTPUT)
    print(f"saved {network} to {OUTPUT}")


if __name__ == "__main__":
    main()
