"""Benchmark the classical local searches for the two-layer l_inf FGL against the exact value.

Run ``python benchmarks/local_search.py [--quick]``. Random He-initialised ``784-h-10`` networks
(``random_relu_network(sizes, seed=0)``) and the bundled digits MLP (64-64-10), output 0. ``gap`` is
``1 - value / reference``, with the exact FGL as reference when ``min(d, h) <= 24`` and otherwise the best
value any method found (marked ``*``).
"""

from __future__ import annotations

import argparse

from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import bilinear_matrix
from hiqlip_plugin.lipschitz.local_search import alternating_best_response, one_side_flip_search
from hiqlip_plugin.problems import random_relu_network

METHODS = [
    ("alternating, 64 starts", lambda a: alternating_best_response(a, num_restarts=64, seed=0)),
    ("alternating, 1024 starts", lambda a: alternating_best_response(a, num_restarts=1024, seed=0)),
    (
        "flip s, first, 16 starts",
        lambda a: one_side_flip_search(a, side="s", num_restarts=16, seed=0),
    ),
    (
        "flip x, first, 16 starts",
        lambda a: one_side_flip_search(a, side="x", num_restarts=16, seed=0),
    ),
    (
        "flip auto, steepest, 16 starts",
        lambda a: one_side_flip_search(a, strategy="steepest", num_restarts=16, seed=0),
    ),
]


def networks(quick: bool):
    hidden = (16, 24, 64) if quick else (16, 20, 24, 64, 256)
    for h in hidden:
        yield f"784-{h}-10", random_relu_network((784, h, 10), seed=0)
    yield "digits 64-64-10", digits_mlp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer networks")
    args = parser.parse_args()
    print("| network | method | value | gap | time (s) |")
    print("|---|---|---|---|---|")
    for name, net in networks(args.quick):
        a = bilinear_matrix(net, output=0)
        results = [(label, method(a)) for label, method in METHODS]
        if min(a.shape) <= 24:
            reference, mark = exact_fgl(net, output=0).value, ""
        else:
            reference, mark = max(result.value for _, result in results), "*"
        for label, result in results:
            gap = 1 - result.value / reference
            gap = 0.0 if abs(gap) < 1e-12 else gap  # the same point, rounded differently
            print(
                f"| {name} | {label} | {result.value:.6g} | {gap:.2e}{mark} | "
                f"{result.wall_time:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
