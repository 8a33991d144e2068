"""The HiQ-Lip / GeoLIP experiment: l_inf FGL of MNIST-sized ReLU networks, every method side by side.

Run ``python benchmarks/paper.py [--quick] [--outputs 0,1] [--seed 0]`` from the repository root.

Networks (random He-initialised, ``random_relu_network(sizes, seed=SEED)``; plus the bundled digits MLP):
784-{8,16,64,128,256}-10, 784-64-64-10, 784-64-64-64-10. For each output and network the columns are, with
value and seconds:

* ``brute``: exact enumeration (:func:`exact_fgl`) where at most 2^26 cases are needed;
* ``ours``: the witness of :func:`estimate_lipschitz` (``time_limit=--time-limit``) with a 100-spin capacity: the best of
  its witness methods (:mod:`hiqlip_plugin.lipschitz.witness`; the capacity adds the CIMSampler inside
  HierarchicalComposite to them), time T;
* ``alt``: alternating best responses (two layers) or closed-form block coordinate ascent (deeper) with
  random restarts for the same time T;
* ``flip-s``: single-flip search over the hidden side with the inputs eliminated in closed form, time T
  (two layers);
* ``SA``: dwave-samplers simulated annealing on the same BQM, reads of ``SA_SWEEPS`` sweeps until time T
  (checked between reads, so SA may overrun T by one read plus building the BQM) (two layers);
* ``mixing``: the natural SDP by the mixing method, certified dual value (two layers);
* ``SCS``: the natural SDP through cvxpy + SCS (only where the SDP side is at most ``--scs-max-size``);
* ``dual``: GeoLIP's dual SDP through cvxpy + Clarabel (only where its dense block fits ``max_size``);
* ``product``: the norm/interval product bound;
* ``sampling``: gradient sampling (a lower bound on the TRUE constant).

Lower bounds: brute (= FGL), ours, alt, flip-s, SA (FGL witnesses); sampling (<= L). Upper bounds: mixing,
SCS, dual, product. A cell reads ``value (seconds)``; ``-`` = not applicable, ``n/a`` = skipped, with the
reason in the footnotes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from hiqlip_plugin import estimate_lipschitz, fgl_bqm
from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError
from hiqlip_plugin.lipschitz.bounds import product_bound, sdp_bound
from hiqlip_plugin.lipschitz.deep import deep_block_search
from hiqlip_plugin.lipschitz.exact import enumeration_bits, exact_fgl
from hiqlip_plugin.lipschitz.formulation import bilinear_matrix
from hiqlip_plugin.lipschitz.local_search import alternating_best_response, one_side_flip_search
from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
from hiqlip_plugin.problems import random_relu_network

SA_SWEEPS = 200
"""Sweeps per SA read: short reads, so the interrupt (checked between reads) keeps SA near its budget."""

COLUMNS = ("brute", "ours", "alt", "flip-s", "SA", "mixing", "SCS", "dual", "product", "sampling")


def networks(quick: bool, seed: int):
    shapes = [(784, 8, 10), (784, 16, 10), (784, 64, 10)]
    if not quick:
        shapes += [(784, 128, 10), (784, 256, 10), (784, 64, 64, 10), (784, 64, 64, 64, 10)]
    for shape in shapes:
        yield "-".join(map(str, shape)), random_relu_network(shape, seed=seed)
    yield "digits 64-64-10", digits_mlp()


def timed(function: Callable[[], float]) -> tuple[float, float]:
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def sa_value(net, k: int, budget: float, seed: int) -> float:
    qubo = fgl_bqm(net, output=k)
    deadline = time.perf_counter() + budget
    sampleset = SimulatedAnnealingSampler().sample(
        qubo.bqm, num_reads=100_000, num_sweeps=SA_SWEEPS, seed=seed,
        interrupt_function=lambda: time.perf_counter() > deadline,
    )
    return qubo.decode(sampleset.first.sample).value


def run_output(net, k: int, seed: int, scs_max_size: int, time_limit: float, notes: set[str]) -> dict[str, str]:
    row: dict[str, str] = dict.fromkeys(COLUMNS, "-")
    two_layer = net.num_layers == 2

    if enumeration_bits(net) <= 26:
        value, seconds = timed(lambda: exact_fgl(net, output=k).value)
        row["brute"] = f"{value:.4f} ({seconds:.1f})"
    else:
        row["brute"] = "n/a"
        notes.add("brute: more than 2^26 cases")

    report = estimate_lipschitz(net, outputs=k, exact=False, upper="product", realizability=False,
                                sampling=False, max_subproblem_size=100, seed=seed,
                                time_limit=time_limit)
    budget = report[0].timings["witness"]
    row["ours"] = f"{report[0].lower:.4f} ({budget:.1f})"

    if two_layer:
        a = bilinear_matrix(net, output=k)
        value, seconds = timed(lambda: alternating_best_response(a, num_restarts=None, time_limit=budget, seed=seed).value)
        row["alt"] = f"{value:.4f} ({seconds:.1f})"
        value, seconds = timed(lambda: one_side_flip_search(a, side="s", num_restarts=None, time_limit=budget, seed=seed).value)
        row["flip-s"] = f"{value:.4f} ({seconds:.1f})"
        value, seconds = timed(lambda: sa_value(net, k, budget, seed))
        row["SA"] = f"{value:.4f} ({seconds:.1f})"
        bound = sdp_bound(net, output=k, method="natural", solver="mixing", seed=seed)
        row["mixing"] = f"{bound.value:.4f} ({bound.wall_time:.1f})"
        size = sum(net.layer_sizes[:2]) + 1
        if size <= scs_max_size:
            try:
                bound = sdp_bound(net, output=k, method="natural", solver="SCS", max_size=None, time_limit=600)
                row["SCS"] = f"{bound.value:.4f} ({bound.wall_time:.1f})"
            except SolverFailedError as err:
                row["SCS"] = "failed"
                notes.add(f"SCS: {err}")
        else:
            row["SCS"] = "n/a"
            notes.add(f"SCS: natural SDP side > {scs_max_size} not attempted (a 793-side instance had not finished after 12 CPU-minutes)")
    else:
        value, seconds = timed(lambda: deep_block_search(net, output=k, max_sweeps=0, num_restarts=10**6,
                                                         time_limit=budget, seed=seed).value)
        row["alt"] = f"{value:.4f} ({seconds:.1f})"
    try:
        bound = sdp_bound(net, output=k, method="dual", solver="CLARABEL")
        row["dual"] = f"{bound.value:.4f} ({bound.wall_time:.1f})"
    except (ProblemTooLargeError, SolverFailedError) as err:
        row["dual"] = "n/a"
        notes.add(f"dual: {type(err).__name__}: {str(err).split(':')[0]}")
    bound = product_bound(net, output=k)
    row["product"] = f"{bound.value:.4f} ({bound.wall_time:.2f})"
    sampled = sampled_lipschitz(net, output=k, seed=seed)
    row["sampling"] = f"{sampled.value:.4f} ({sampled.wall_time:.1f})"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="three two-layer nets and the digits net")
    parser.add_argument("--outputs", default="0", help="comma-separated output indices (default 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scs-max-size", type=int, default=200, help="largest natural-SDP side tried with SCS")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="estimate_lipschitz budget per output (the witness gets half of it)")
    args = parser.parse_args()
    outputs = [int(k) for k in args.outputs.split(",")]
    notes: set[str] = set()
    header = "| network | output | " + " | ".join(COLUMNS) + " |"
    print(header)
    print("|" + "---|" * (len(COLUMNS) + 2))
    for name, net in networks(args.quick, args.seed):
        for k in outputs:
            row = run_output(net, k, args.seed, args.scs_max_size, args.time_limit, notes)
            print(f"| {name} | {k} | " + " | ".join(row[c] for c in COLUMNS) + " |", flush=True)
    for note in sorted(notes):
        print(f"- {note}")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
