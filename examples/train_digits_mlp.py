"""Train the bundled example networks: ReLU MLPs on scikit-learn's digits data.

Run from the repository root to (re)create ``hiqlip_plugin/examples/data/digits_mlp.npz`` (64-64-10) or,
with ``--deep``, ``digits_deep_mlp.npz`` (64-32-32-10, two hidden layers)::

    python examples/train_digits_mlp.py
    python examples/train_digits_mlp.py --deep

The inputs are the 8x8 digit images scaled to [0, 1] (pixel / 16). The network saved is the classifier's
logit map (softmax not included), as :meth:`hiqlip_plugin.ReLUNetwork.from_sklearn` reads it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from hiqlip_plugin import ReLUNetwork

DATA = Path(__file__).resolve().parents[1] / "hiqlip_plugin" / "examples" / "data"

# name -> (hidden layer sizes, iterations)
NETWORKS = {"digits_mlp": ((64,), 400), "digits_deep_mlp": ((32, 32), 600)}


def main() -> None:
    parser = argparse.ArgumentParser(description="train a bundled digits network")
    parser.add_argument("--deep", action="store_true", help="the 64-32-32-10 network (digits_deep_mlp)")
    name = "digits_deep_mlp" if parser.parse_args().deep else "digits_mlp"
    hidden, max_iter = NETWORKS[name]
    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0)
    mlp = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", alpha=1e-3, max_iter=max_iter, random_state=0)
    mlp.fit(x_train, y_train)
    print(f"train accuracy {mlp.score(x_train, y_train):.4f}, test accuracy {mlp.score(x_test, y_test):.4f}")
    network = ReLUNetwork.from_sklearn(mlp)
    output = DATA / f"{name}.npz"
    output.parent.mkdir(parents=True, exist_ok=True)
    network.save(output)
    print(f"saved {network} to {output}")


if __name__ == "__main__":
    main()
