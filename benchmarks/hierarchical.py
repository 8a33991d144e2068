"""Benchmark HierarchicalComposite with a small child against the classical decomposers at equal wall time.

Run ``python benchmarks/hierarchical.py --suite SUITE [--seeds 0,1] [--time 3]`` from the repository root,
with ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``. Suites:

* ``gset``: G1, G2 (random 6 %), G11 (toroidal +-1), G14 (planar-like), G43 (random 2 %) from
  ``../shared/data/gset``; reference = the best-known cut;
* ``generated``: 2000-node graphs of the same families, drawn by a seeded rudy-like generator
  (:func:`generated_graphs`): random 6 % and 2 % density with unit weights, a 40 x 50 torus with +-1
  weights, and a planar-like union of two Delaunay triangulations of random points; reference = the best
  of a long SA run and of every method in the run;
* ``fgl``: l_inf FGL QUBOs ``fgl_bqm(random_relu_network((784, 256, 1), seed=s)).bqm`` (1040 spins, 200,704
  couplings) for each seed ``s``; reference = a long SA run (8 reads of 10,000 sweeps), value = -energy;
* ``small``: a 20-variable CIM child on G11 and G14, and QAOA (``QiskitSampler``, statevector, COBYLA) with
  a 10-variable capacity (p = 1, 25 COBYLA iterations per sub-problem) on a 60-node 3-regular graph, one
  V-cycle (reference: a long SA run; SA gets the composite's time).

Methods, each one row, each given the same wall time ``T = --time * n / 1000`` seconds:

* ``hierarchical``: ``HierarchicalComposite(child, capacity, relaxation_rank=0).sample(bqm, num_reads=4,
  cycles_per_read=None, refinement_passes=1, time_limit=T, polish="anneal", anneal_sweeps=10000)``: rounds
  of V-cycles (plain heavy-edge matching, no vector relaxation) with recombination of the reads, each
  cycle's state annealed at low temperature;
* ``hier descent``: the same with ``polish=True`` (one-flip descent: the multilevel search with the child
  alone);
* ``kerberos``: ``hybrid.KerberosSampler`` (tabu and SA on the full problem racing energy-impact
  sub-problems of at most ``capacity`` variables solved by the same child), ``max_time=T``;
* ``hier @ kerberos t``: ``hierarchical`` again with ``time_limit`` = the wall time Kerberos actually
  used (Kerberos finishes its current iteration after ``max_time``, so it often runs over ``T``): the
  comparison with Kerberos at Kerberos's own time (needs ``kerberos`` in the run);
* ``qbsolv-style``: a dwave-hybrid loop racing tabu on the full problem against energy-impact
  sub-problems of 47 variables solved by tabu (qbsolv's design), ``max_time=T``;
* ``SA full``: ``dwave.samplers.SimulatedAnnealingSampler`` (1000 sweeps) reads until ``T``; best read;
* ``CIM full``: ``CIMSampler`` (defaults) on the whole problem, calls until ``T``; best read.

The child is ``CIMSampler`` (dSB, ``num_reads=8`` replicas, default steps) with capacity 100 (``small``:
20). Each row prints the value, its percentage of the reference and the time used.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import dimod
import networkx as nx
import numpy as np
from dwave.samplers import SimulatedAnnealingSampler
from scipy.spatial import Delaunay

from hiqlip_plugin.composites import HierarchicalComposite
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import cut_value, maxcut_bqm, random_relu_network
from hiqlip_plugin.samplers.cim import CIMSampler

BEST_KNOWN = {"G1": 11624, "G2": 11620, "G11": 564, "G14": 3064, "G43": 6660}
CHILD_READS = 8
RELAXATION_RANK = 0  # plain heavy-edge matching: at equal time better than rank 8 (docs/benchmarks)
METHODS = ("hierarchical", "hier descent", "kerberos", "hier @ kerberos t", "qbsolv-style", "SA full", "CIM full")


def gset_directory() -> Path:
    """``shared/data/gset`` next to the repository (or next to the folder holding its worktree)."""
    here = Path(__file__).resolve().parents[1]
    for root in (here.parent, here.parent.parent):
        if (root / "shared" / "data" / "gset").is_dir():
            return root / "shared" / "data" / "gset"
    raise SystemExit("shared/data/gset not found next to the repository")


def edges_bqm(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> dimod.BQM:
    """The Max-Cut SPIN model ``J_ij = w_ij`` of an edge list on vertices ``0..n-1``."""
    bqm = dimod.BQM("SPIN")
    bqm.add_variables_from((v, 0.0) for v in range(n))
    bqm.add_quadratic_from(zip(rows.tolist(), cols.tolist(), weights.tolist(), strict=True))
    return bqm


def random_graph(n: int, density: float, rng: np.random.Generator) -> dimod.BQM:
    """rudy ``-rnd_graph n density``: that fraction of all vertex pairs, unit weights."""
    rows, cols = np.triu_indices(n, 1)
    pick = rng.choice(len(rows), size=int(round(density * len(rows))), replace=False)
    return edges_bqm(n, rows[pick], cols[pick], np.ones(len(pick)))


def torus(height: int, width: int, rng: np.random.Generator) -> dimod.BQM:
    """rudy ``-toroidal_grid_2D height width`` with random +-1 weights (as G11 and G32)."""
    index = np.arange(height * width).reshape(height, width)
    rows = np.concatenate([index.ravel(), index.ravel()])
    cols = np.concatenate([np.roll(index, -1, 1).ravel(), np.roll(index, -1, 0).ravel()])
    return edges_bqm(height * width, rows, cols, rng.choice([-1.0, 1.0], size=len(rows)))


def planar_like(n: int, rng: np.random.Generator) -> dimod.BQM:
    """Union of two random planar graphs (Delaunay triangulations), unit weights: like G14 and G35."""
    edges: set[tuple[int, int]] = set()
    for _ in range(2):
        triangles = Delaunay(rng.random((n, 2))).simplices
        for a, b in ((0, 1), (1, 2), (0, 2)):
            low = np.minimum(triangles[:, a], triangles[:, b])
            high = np.maximum(triangles[:, a], triangles[:, b])
            edges.update(zip(low.tolist(), high.tolist(), strict=True))
    pairs = np.array(sorted(edges))
    return edges_bqm(n, pairs[:, 0], pairs[:, 1], np.ones(len(pairs)))


def generated_graphs(seed: int) -> dict[str, dimod.BQM]:
    """The four 2000-node graphs of one seed."""
    rng = np.random.default_rng(seed)
    return {
        f"rnd 6% s{seed}": random_graph(2000, 0.06, rng),
        f"rnd 2% s{seed}": random_graph(2000, 0.02, rng),
        f"torus s{seed}": torus(40, 50, rng),
        f"planar s{seed}": planar_like(2000, rng),
    }


def until(seconds: float, step: Callable[[int, float], float]) -> tuple[float, int]:
    """Best of ``step(k, remaining)`` energies, k = 0, 1, ..., while time remains (at least one step)."""
    start, best, k = time.perf_counter(), np.inf, 0
    while k == 0 or time.perf_counter() - start < seconds:
        best = min(best, step(k, seconds - (time.perf_counter() - start)))
        k += 1
    return best, k


def run_hierarchical(bqm, child, capacity, seconds, seed, polish):
    sampleset = HierarchicalComposite(child, capacity, relaxation_rank=RELAXATION_RANK).sample(
        bqm,
        num_reads=4,
        seed=seed,
        cycles_per_read=None,
        refinement_passes=1,
        time_limit=seconds,
        polish=polish,
        anneal_sweeps=10000,
        child_num_reads=CHILD_READS,
    )
    info = sampleset.info
    return sampleset.first.energy, f"{info['num_child_calls']} calls, max {info['max_child_variables']} vars"


def run_kerberos(bqm, child, capacity, seconds, seed):
    import hybrid

    sampleset = hybrid.KerberosSampler().sample(
        bqm,
        max_iter=10**6,
        max_time=seconds,
        convergence=10**6,
        qpu_sampler=child,
        qpu_reads=CHILD_READS,
        max_subproblem_size=capacity,
    )
    return sampleset.first.energy, ""


def run_qbsolv_style(bqm, seconds, seed):
    """qbsolv's design in dwave-hybrid: tabu on the whole problem racing tabu-solved 47-variable windows."""
    import hybrid

    branch = (
        hybrid.EnergyImpactDecomposer(size=min(47, bqm.num_variables), rolling=True, rolling_history=0.15)
        | hybrid.TabuSubproblemSampler(num_reads=1, timeout=20)
        | hybrid.SplatComposer()
    )
    workflow = hybrid.Loop(
        hybrid.Race(hybrid.InterruptableTabuSampler(), branch) | hybrid.ArgMin() | hybrid.TrackMin(output=True),
        max_iter=10**6,
        max_time=seconds,
        convergence=10**6,
    )
    state = hybrid.State.from_sample(hybrid.random_sample(bqm), bqm)
    return workflow.run(state).result().samples.first.energy, ""


def run_sa(bqm, seconds, seed):
    sampler = SimulatedAnnealingSampler()
    best, reads = until(
        seconds,
        lambda k, _: sampler.sample(bqm, num_reads=1, num_sweeps=1000, seed=seed * 1000 + k).first.energy,
    )
    return best, f"{reads} reads"


def run_cim(bqm, seconds, seed):
    sampler = CIMSampler()
    best, calls = until(
        seconds,
        lambda k, left: sampler.sample(bqm, seed=seed * 1000 + k, time_limit=max(left, 0.01)).first.energy,
    )
    return best, f"{calls} calls"


def long_sa(bqm, seed, reads=8, sweeps=10_000):
    return SimulatedAnnealingSampler().sample(bqm, num_reads=reads, num_sweeps=sweeps, seed=seed).first.energy


def compare(name, bqm, value, reference, child, capacity, seconds, seed, methods, reference_is_best=False):
    """Run every method for ``seconds``; print one row each. ``value`` maps an energy to the reported value."""
    rows, used = [], {}
    for method in methods:
        start = time.perf_counter()
        if method == "hier @ kerberos t":
            energy, note = run_hierarchical(bqm, child, capacity, used["kerberos"], seed, "anneal")
        elif method == "hierarchical":
            energy, note = run_hierarchical(bqm, child, capacity, seconds, seed, "anneal")
        elif method == "hier descent":
            energy, note = run_hierarchical(bqm, child, capacity, seconds, seed, True)
        elif method == "kerberos":
            energy, note = run_kerberos(bqm, child, capacity, seconds, seed)
        elif method == "qbsolv-style":
            energy, note = run_qbsolv_style(bqm, seconds, seed)
        elif method == "SA full":
            energy, note = run_sa(bqm, seconds, seed)
        else:
            energy, note = run_cim(bqm, seconds, seed)
        used[method] = time.perf_counter() - start
        rows.append((method, value(energy), used[method], note))
    if reference_is_best:
        reference = max([reference] + [v for _, v, _, _ in rows])
    for method, v, t, note in rows:
        print(
            f"| {name} | {bqm.num_variables} | {reference:.6g} | {method} | {v:.6g} | "
            f"{100 * v / reference:.2f} | {t:.1f} | {note} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=("gset", "generated", "fgl", "small"), default="gset")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--time", type=float, default=3.0, help="seconds per 1000 variables per method")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated, from: " + ", ".join(METHODS))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    chosen = args.methods.split(",")
    unknown = sorted(set(chosen) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {METHODS}")
    if "hier @ kerberos t" in chosen and "kerberos" not in chosen:
        parser.error("'hier @ kerberos t' takes Kerberos's time: add 'kerberos' to --methods")
    methods = [m for m in METHODS if m in chosen]
    print(f"suite {args.suite}, seeds {seeds}, {args.time} s per 1000 variables, load {os.getloadavg()[0]:.1f}")
    print("| problem | n | reference | method | value | % of reference | time (s) | notes |")
    print("|---|---|---|---|---|---|---|---|")
    child = CIMSampler()
    for seed in seeds:
        if args.suite == "gset":
            for graph, best in BEST_KNOWN.items():
                bqm = maxcut_bqm(gset_directory() / f"{graph}.txt")
                seconds = args.time * bqm.num_variables / 1000
                compare(f"{graph} s{seed}", bqm, lambda e, b=bqm: cut_value(b, e), best, child, 100,
                        seconds, seed, methods)
        elif args.suite == "generated":
            for name, bqm in generated_graphs(seed).items():
                seconds = args.time * bqm.num_variables / 1000
                reference = cut_value(bqm, long_sa(bqm, seed, reads=2, sweeps=20_000))
                compare(name, bqm, lambda e, b=bqm: cut_value(b, e), reference, child, 100, seconds, seed,
                        methods, reference_is_best=True)
        elif args.suite == "fgl":
            bqm = fgl_bqm(random_relu_network((784, 256, 1), seed=seed)).bqm
            seconds = args.time * bqm.num_variables / 1000
            compare(f"FGL 784-256-1 s{seed}", bqm, lambda e: -e, -long_sa(bqm, seed), child, 100, seconds,
                    seed, methods)
        else:
            for graph in ("G11", "G14"):
                bqm = maxcut_bqm(gset_directory() / f"{graph}.txt")
                seconds = args.time * bqm.num_variables / 1000
                compare(f"{graph} s{seed}, 20-var CIM", bqm, lambda e, b=bqm: cut_value(b, e),
                        BEST_KNOWN[graph], child, 20, seconds, seed, methods)
            small_qaoa(seed)


def small_qaoa(seed: int) -> None:
    """QAOA through QiskitSampler (10 qubits, statevector) as the child, on a 60-node 3-regular graph."""
    from qiskit.primitives import StatevectorSampler
    from qiskit_optimization.minimum_eigensolvers import QAOA
    from qiskit_optimization.optimizers import COBYLA

    from hiqlip_plugin.qiskit.sampler import QiskitSampler

    graph = nx.random_regular_graph(3, 60, seed=seed)
    rows, cols = np.array(graph.edges).T
    bqm = edges_bqm(60, rows, cols, np.ones(len(rows)))
    reference = cut_value(bqm, long_sa(bqm, seed))
    child = QiskitSampler(QAOA(StatevectorSampler(seed=seed), COBYLA(maxiter=25), reps=1), max_num_variables=10)
    for label, polish in (("hierarchical (QAOA child)", "anneal"), ("hier descent (QAOA child)", True)):
        start = time.perf_counter()
        sampleset = HierarchicalComposite(child).sample(
            bqm, num_reads=1, seed=seed, polish=polish
        )
        elapsed = time.perf_counter() - start
        value = cut_value(bqm, sampleset.first.energy)
        info = sampleset.info
        print(f"| 3-regular 60 s{seed} | 60 | {reference:.6g} | {label} | {value:.6g} | "
              f"{100 * value / reference:.2f} | {elapsed:.1f} | {info['num_child_calls']} calls, "
              f"max {info['max_child_variables']} vars |", flush=True)
    energy, note = run_sa(bqm, elapsed, seed)
    value = cut_value(bqm, energy)
    print(f"| 3-regular 60 s{seed} | 60 | {reference:.6g} | SA full | {value:.6g} | "
          f"{100 * value / reference:.2f} | {elapsed:.1f} | {note} |", flush=True)


if __name__ == "__main__":
    main()
