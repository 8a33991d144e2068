"""Benchmark the qiskit-addon-opt-mapper path on deep-network FGL problems: its cost by size, and its answers.

Run ``python benchmarks/qiskit_addon.py [--quick]``. Two tables:

1. Size: for three-layer nets of growing width, the number of polynomial terms and the seconds to build the
   ``OptimizationProblem`` (``fgl_optimization_problem``), to convert it to a ``dimod.BinaryPolynomial``
   (``optimization_problem_to_dimod``, the add-on's own converter) and to reduce it to a BQM
   (``quadratize``, dimod.make_quadratic's reduction), with the BQM's size.
2. Answers on enumerable deep nets (seeds 0-9, output 0): how often ``DimodSolver`` reaches ``exact_fgl``
   through ``quadratize`` with simulated annealing and with ``CIMSampler``, against
   ``deep_block_search`` (8 starts, block moves solved by simulated annealing), with mean wall times.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from hiqlip_plugin.lipschitz.deep import deep_block_search
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.qiskit.fgl import fgl_num_terms, fgl_optimization_problem
from hiqlip_plugin.qiskit.model import quadratize
from hiqlip_plugin.qiskit.problem import optimization_problem_to_dimod
from hiqlip_plugin.qiskit.solver import DimodSolver
from hiqlip_plugin.samplers.cim import CIMSampler


def size_table(sizes_list):
    print("| network | terms | build (s) | to dimod (s) | quadratize (s) | BQM variables | hidden |")
    print("|---|---|---|---|---|---|---|")
    for sizes in sizes_list:
        net = random_relu_network(sizes, seed=0)
        tick = time.perf_counter()
        problem = fgl_optimization_problem(net)
        built = time.perf_counter()
        conversion = optimization_problem_to_dimod(problem)
        converted = time.perf_counter()
        reduced = quadratize(conversion.model)
        done = time.perf_counter()
        print(
            f"| {'-'.join(map(str, sizes))} | {fgl_num_terms(net)} | {built - tick:.2f} | {converted - built:.2f} | "
            f"{done - converted:.2f} | {reduced.bqm.num_variables} | {len(reduced.hidden)} |"
        )


def solvers(seed):
    """(label, function of a network returning (value, seconds))."""

    def addon(sampler, **kwargs):
        def run(net):
            tick = time.perf_counter()
            result = DimodSolver(sampler, seed=seed, **kwargs).solve(fgl_optimization_problem(net, 0))
            return result.fval, time.perf_counter() - tick

        return run

    def block(net):
        result = deep_block_search(net, 0, seed=seed, num_restarts=8)
        return result.value, result.wall_time

    return [
        ("DimodSolver(SA, 100 reads), quadratized", addon(SimulatedAnnealingSampler(), num_reads=100)),
        ("DimodSolver(CIMSampler, 32 reads), quadratized", addon(CIMSampler(), num_reads=32)),
        ("deep_block_search (8 starts, SA blocks)", block),
    ]


def answer_table(sizes_list, seeds):
    print("| network | method | FGL reached | mean value / FGL | mean time (s) |")
    print("|---|---|---|---|---|")
    for sizes in sizes_list:
        nets = [random_relu_network(sizes, seed=seed) for seed in seeds]
        exact = [exact_fgl(net, 0).value for net in nets]
        for index, (label, _) in enumerate(solvers(0)):
            hits, ratios, times = 0, [], []
            for seed, net, value in zip(seeds, nets, exact, strict=True):
                found, seconds = solvers(seed)[index][1](net)  # each seed seeds its own sampler
                hits += found >= value * (1 - 1e-9)
                ratios.append(found / value)
                times.append(seconds)
            print(
                f"| {'-'.join(map(str, sizes))} | {label} | {hits}/{len(seeds)} | {np.mean(ratios):.4f} | "
                f"{np.mean(times):.3f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer networks and seeds")
    args = parser.parse_args()
    if args.quick:
        size_table([(10, 20, 20, 1)])
        answer_table([(5, 4, 4, 1)], range(3))
        return
    size_table([(10, 20, 20, 1), (10, 40, 40, 1), (20, 50, 45, 1)])
    print()
    answer_table([(5, 4, 4, 1), (4, 3, 3, 3, 2), (6, 6, 6, 1)], range(10))


if __name__ == "__main__":
    main()
