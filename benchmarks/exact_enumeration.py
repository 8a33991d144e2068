"""Benchmark exact_fgl: wall time of the exact FGL by enumeration (l_inf, l2) and closed form (l1).

Run ``python benchmarks/exact_enumeration.py [--quick]``. One table: random He-initialised networks
(``random_relu_network(sizes, seed=0)``), output 0, default chunk size. ``side`` is what is enumerated in
the first layer (``s``: hidden patterns, ``x``: input signs with the ``x -> -x`` symmetry, ``closed``: the l1
closed form); ``outer`` counts the enumerated patterns of hidden layers 2..L-1.
"""

from __future__ import annotations

import argparse

from hiqlip_plugin.lipschitz.exact import enumeration_bits, exact_fgl
from hiqlip_plugin.problems import random_relu_network

FULL = [
    ((784, 16, 10), "inf"),
    ((784, 20, 10), "inf"),
    ((784, 24, 10), "inf"),
    ((784, 26, 10), "inf"),
    ((16, 256, 10), "inf"),
    ((20, 256, 10), "inf"),
    ((24, 256, 10), "inf"),
    ((784, 24, 10), "2"),
    ((784, 26, 10), "2"),
    ((784, 256, 10), "1"),
    ((11, 12, 12, 1), "inf"),
    ((4, 6, 20, 1), "inf"),
    ((10, 8, 16, 1), "2"),
    ((784, 64, 16, 10), "1"),
]
QUICK = [
    ((784, 16, 10), "inf"),
    ((784, 20, 10), "inf"),
    ((20, 256, 10), "inf"),
    ((784, 20, 10), "2"),
    ((784, 256, 10), "1"),
    ((11, 12, 8, 1), "inf"),
]


def side(sizes: tuple[int, ...], norm: str) -> str:
    if norm == "1":
        return "closed"
    return "x" if norm == "inf" and sizes[0] < sizes[1] else "s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="cases up to 2^20 only")
    args = parser.parse_args()
    print("| network | norm | side | outer bits | log2 cases | cases | time (s) | Mcases/s | FGL |")
    print("|---|---|---|---|---|---|---|---|---|")
    for sizes, norm in QUICK if args.quick else FULL:
        net = random_relu_network(sizes, seed=0)
        result = exact_fgl(net, output=0, norm=norm)
        rate = result.num_enumerated / result.wall_time / 1e6
        print(
            f"| {'-'.join(map(str, sizes))} | {norm} | {side(sizes, norm)} | {sum(sizes[2:-1])} | "
            f"{enumeration_bits(net, norm)} | {result.num_enumerated} | {result.wall_time:.4f} | {rate:.1f} | "
            f"{result.value:.6g} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
