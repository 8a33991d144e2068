"""Benchmark deep_block_search: how often it reaches the FGL of small deep nets, and its cost on larger ones.

Run ``python benchmarks/deep_block_search.py [--quick]``. Two tables:

1. Enumerable random nets (10 seeds each): the share of seeds on which the search reaches the brute-force
   FGL, for closed-form polishing alone (``max_sweeps=0``) and for block moves solved by simulated annealing.
2. Larger random nets: values and wall times of the same two settings (no exact value available).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from hiqlip_plugin.lipschitz.deep import deep_block_search
from hiqlip_plugin.lipschitz.formulation import pattern_gradient
from hiqlip_plugin.problems import random_relu_network

DUAL = {"inf": 1, "2": 2}


def brute_force_fgl(network, c, norm):
    """Max over every pattern tuple of the gradient norm (enumerable nets only)."""
    bounds = np.cumsum((0, *network.hidden_dims))
    best = 0.0
    for bits in itertools.product([0, 1], repeat=int(bounds[-1])):
        patterns = [np.array(bits[a:b]) for a, b in itertools.pairwise(bounds)]
        best = max(best, float(np.linalg.norm(pattern_gradient(network, patterns, c), DUAL[norm])))
    return best


def settings(restarts):
    """(label, keyword arguments) of the compared settings."""
    return [
        (f"polish only, {restarts} starts", {"max_sweeps": 0, "num_restarts": restarts}),
        (f"block moves + SA, {restarts} starts", {"num_restarts": restarts}),
    ]


def hit_rate_table(sizes_list, restarts_list, seeds):
    print("| network | norm | setting | FGL reached | mean time (s) | mean sampler calls |")
    print("|---|---|---|---|---|---|")
    for sizes in sizes_list:
        for norm in ("inf", "2"):
            nets = [random_relu_network(sizes, seed=seed) for seed in seeds]
            exact = [brute_force_fgl(net, net.output_direction(0), norm) for net in nets]
            for restarts in restarts_list:
                for label, kwargs in settings(restarts):
                    hits, times, calls = 0, [], []
                    for seed, net, value in zip(seeds, nets, exact, strict=True):
                        result = deep_block_search(net, 0, norm=norm, seed=seed, **kwargs)
                        hits += result.value >= value * (1 - 1e-9)
                        times.append(result.wall_time)
                        calls.append(result.num_sampler_calls)
                    print(
                        f"| {'-'.join(map(str, sizes))} | {norm} | {label} | {hits}/{len(seeds)} | "
                        f"{np.mean(times):.3f} | {np.mean(calls):.1f} |"
                    )


def large_table(sizes_list):
    print("| network | norm | setting | value | time (s) | sampler calls | sweeps |")
    print("|---|---|---|---|---|---|---|")
    for sizes in sizes_list:
        net = random_relu_network(sizes, seed=0)
        for norm in ("inf", "2"):
            for label, kwargs in settings(8):
                result = deep_block_search(net, 0, norm=norm, seed=0, **kwargs)
                print(
                    f"| {'-'.join(map(str, sizes))} | {norm} | {label} | {result.value:.4f} | "
                    f"{result.wall_time:.2f} | {result.num_sampler_calls} | {result.num_sweeps} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer networks and seeds")
    args = parser.parse_args()
    if args.quick:
        hit_rate_table([(4, 3, 3, 3, 2)], [1], range(5))
        print()
        large_table([(64, 32, 32, 32, 10)])
    else:
        hit_rate_table([(5, 4, 4, 1), (4, 3, 3, 3, 2), (6, 4, 4, 4, 2)], [1, 8], range(10))
        print()
        large_table([(64, 32, 32, 32, 10), (64, 64, 64, 64, 64, 10), (784, 64, 64, 10)])


if __name__ == "__main__":
    main()
