"""Benchmark HierarchicalComposite with a 100-variable child against Kerberos and plain SA at equal time.

Run ``python benchmarks/hierarchical.py [--quick] [--child cim|sa] [--reads N] [--phases]``. Problems:

* G-set Max-Cut graphs from ``../shared/data/gset`` (quality = cut / best-known cut);
* l_inf FGL QUBOs of 784-256-10 random ReLU networks, ``fgl_bqm(random_relu_network((784, 256, 10),
  seed=0), output=k)`` (1040 spins, 200,704 couplings; quality = value / value of a long SA run).

Methods, each printed as one row:

* ``hierarchical``: ``HierarchicalComposite(child, 100)`` with ``num_reads`` V-cycles; the row
  ``hierarchical, no polish`` is the same run before the final one-flip descent (the child's own work);
* ``kerberos``: ``hybrid.KerberosSampler`` (tabu and SA on the full problem racing energy-impact
  sub-problems of at most 100 variables solved by the same child), ``max_time`` = the composite's time;
* ``SA full``: ``dwave.samplers.SimulatedAnnealingSampler`` (1000 sweeps) on the full BQM, one read after
  another until the composite's time is spent; best read.

The child is :class:`hiqlip_plugin.samplers.cim.CIMSampler` (32 replicas, 500 steps per call) unless
``--child sa`` (simulated annealing, 1000 sweeps). ``--phases`` prints instead where the time of one
V-cycle goes (coarsening, coarsest solve, refinement, polish, inside the child, and the composite's own
share) on G43, a G22-like random graph of 2000 vertices and the 784-256 FGL QUBO.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import dimod
import numpy as np
from dwave.samplers import SimulatedAnnealingSampler, SteepestDescentSolver

from hiqlip_plugin.composites import HierarchicalComposite
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import cut_value, maxcut_bqm, random_relu_network

GSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"
BEST_KNOWN = {"G1": 11624, "G2": 11620, "G11": 564, "G14": 3064, "G43": 6660}
CAPACITY = 100


def make_child(name: str) -> tuple[dimod.Sampler, dict]:
    """The child sampler and the parameters of each of its calls."""
    if name == "cim":
        from hiqlip_plugin.samplers.cim import CIMSampler

        return CIMSampler(), {"num_reads": 32, "num_steps": 500}
    return SimulatedAnnealingSampler(), {"num_reads": 1, "num_sweeps": 1000}


def run_hierarchical(bqm, child, child_params, reads, seed):
    """(energy after polish, energy before polish, seconds, info) of one composite call."""
    sampler = HierarchicalComposite(child, CAPACITY)
    params = {k: v for k, v in child_params.items() if k != "num_reads"}
    start = time.perf_counter()
    raw = sampler.sample(
        bqm,
        num_reads=reads,
        seed=seed,
        polish=False,
        child_num_reads=child_params["num_reads"],
        **params,
    )
    polished = SteepestDescentSolver().sample(bqm, initial_states=raw)
    seconds = time.perf_counter() - start
    return polished.first.energy, raw.first.energy, seconds, raw.info


def run_kerberos(bqm, child, child_params, seconds):
    import hybrid

    start = time.perf_counter()
    params = {k: v for k, v in child_params.items() if k != "num_reads"}
    sampleset = hybrid.KerberosSampler().sample(
        bqm,
        max_iter=10**6,
        max_time=seconds,
        convergence=10**6,
        qpu_sampler=child,
        qpu_reads=child_params["num_reads"],
        qpu_params=params,
        max_subproblem_size=CAPACITY,
    )
    return sampleset.first.energy, time.perf_counter() - start


def run_sa(bqm, seconds, seed):
    """Best of SA reads (1000 sweeps) run one after another until ``seconds`` have passed."""
    sampler, best, read = SimulatedAnnealingSampler(), np.inf, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or read == 0:
        energy = sampler.sample(bqm, num_reads=1, num_sweeps=1000, seed=seed + read).first.energy
        best, read = min(best, energy), read + 1
    return best, time.perf_counter() - start, read


def compare(name, bqm, value, reference, child, child_params, reads, seed):
    """Print one table row per method; ``value`` turns an energy into the maximised quantity."""
    energy, raw, seconds, info = run_hierarchical(bqm, child, child_params, reads, seed)
    calls = f"{info['num_child_calls']} calls, max {info['max_child_variables']} vars, levels {info['levels']}"
    rows = [
        ("hierarchical, no polish", raw, seconds, calls),
        ("hierarchical", energy, seconds, calls),
    ]
    k_energy, k_seconds = run_kerberos(bqm, child, child_params, seconds)
    rows.append(("kerberos", k_energy, k_seconds, ""))
    s_energy, s_seconds, s_reads = run_sa(bqm, seconds, seed)
    rows.append(("SA full", s_energy, s_seconds, f"{s_reads} reads"))
    for method, e, t, note in rows:
        v = value(e)
        print(
            f"| {name} | {bqm.num_variables} | {reference:.6g} | {method} | {v:.6g} | "
            f"{100 * v / reference:.2f} | {t:.1f} | {note} |",
            flush=True,
        )


def random_graph_bqm(n: int, edges: int, seed: int) -> dimod.BinaryQuadraticModel:
    """A G22-like Max-Cut model: ``edges`` distinct random unit-weight edges on ``n`` vertices."""
    rng = np.random.default_rng(seed)
    pairs = set()
    while len(pairs) < edges:
        i, j = sorted(rng.choice(n, size=2, replace=False).tolist())
        pairs.add((i, j))
    return dimod.BQM({}, dict.fromkeys(sorted(pairs), 1.0), 0.0, "SPIN")


def phases(child, child_params, seed):
    """One V-cycle per problem: where the composite's time goes (seconds; ``own`` = total - child)."""
    problems = [
        ("G43", maxcut_bqm(GSET / "G43.txt")),
        ("random 2000, 19990 edges", random_graph_bqm(2000, 19990, seed)),
        ("FGL 784-256 out 0", fgl_bqm(random_relu_network((784, 256, 10), seed=0), output=0).bqm),
    ]
    print(
        "| problem | n | couplings | levels | calls | coarsen | solve | refine | polish | child | own | total |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, bqm in problems:
        sampler = HierarchicalComposite(child, CAPACITY)
        params = {k: v for k, v in child_params.items() if k != "num_reads"}
        start = time.perf_counter()
        info = sampler.sample(
            bqm, seed=seed, child_num_reads=child_params["num_reads"], **params
        ).info
        total = time.perf_counter() - start
        t = {k: v / 1e9 for k, v in info["timing"].items()}
        print(
            f"| {name} | {bqm.num_variables} | {bqm.num_interactions} | {info['levels']} | "
            f"{info['num_child_calls']} | {t['coarsen_ns']:.2f} | {t['solve_ns']:.2f} | "
            f"{t['refine_ns']:.2f} | {t['polish_ns']:.2f} | {t['child_ns']:.2f} | "
            f"{total - t['child_ns']:.2f} | {total:.2f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="two G-set graphs and one Lipschitz output"
    )
    parser.add_argument("--child", choices=("cim", "sa"), default="cim")
    parser.add_argument("--reads", type=int, default=4, help="V-cycles per composite call")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--phases", action="store_true", help="only the time per phase of one V-cycle per problem"
    )
    args = parser.parse_args()
    child, child_params = make_child(args.child)
    if args.phases:
        phases(child, child_params, args.seed)
        return
    graphs = ["G1", "G14"] if args.quick else list(BEST_KNOWN)
    outputs = [0] if args.quick else [0, 1, 2]
    print(
        f"child: {type(child).__name__} {child_params}, capacity {CAPACITY}, {args.reads} V-cycles"
    )
    print("| problem | n | reference | method | value | % of reference | time (s) | notes |")
    print("|---|---|---|---|---|---|---|---|")
    for graph in graphs:
        bqm = maxcut_bqm(GSET / f"{graph}.txt")
        compare(
            graph,
            bqm,
            lambda e, b=bqm: cut_value(b, e),
            BEST_KNOWN[graph],
            child,
            child_params,
            args.reads,
            args.seed,
        )
    network = random_relu_network((784, 256, 10), seed=0)
    for output in outputs:
        bqm = fgl_bqm(network, output=output).bqm
        long_run = SimulatedAnnealingSampler().sample(
            bqm, num_reads=8, num_sweeps=10000, seed=args.seed
        )
        compare(
            f"FGL 784-256 out {output}",
            bqm,
            lambda e: -e,
            -long_run.first.energy,
            child,
            child_params,
            args.reads,
            args.seed,
        )


if __name__ == "__main__":
    main()
