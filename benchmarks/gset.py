"""Max-Cut benchmark: CIMSampler against simulated annealing, tabu search and peer CIM/SB codes at equal time.

Instances: G1, G2, G11, G14, G43 (G-set) and bqp250-1..5 (OR-Library QUBOs as Max-Cut), read from
``../shared/data`` relative to the repository root. Each solver gets the same wall-clock budget per instance and
spends it on repeated independent runs (seeds 0, 1, 2, ...). Printed per instance and solver:

* best and median cut over all reads, and the fraction of reads at the best-known cut;
* ``TTT``: median time to reach the best-known cut when runs are restarted until one does (for each run taken
  as a start, the durations of the failing runs that follow plus the hit time of the first success; cyclic).
  CIMSampler's hit time inside a run is its preprocessing plus ``best_step`` times the time per step; a
  simulated-annealing read, a simulated-bifurcation call and a cim-optimizer call count whole; tabu search
  stops itself at the best-known energy (``energy_threshold``), so its hit time is exact;
* replica-steps per second (SA: read-sweeps per second).

Solvers: CIMSampler with its defaults (discrete simulated bifurcation, compiled kernels, 8 replicas, 4 steps
per variable, ``polish=False``), with 16 replicas, and with the numpy kernels (same algorithm and seeds, to
show what the compiled kernels bring); dwave-samplers' simulated annealing (1000 sweeps, 10 reads per call)
and tabu search; simulated-bifurcation's dSB and cim-optimizer's CAC (``bench`` extra). A last table compares
replica-steps per second on G1 with cim-optimizer at the same batch sizes.

All solvers run with one thread (BLAS and torch), as dwave-samplers' SA is single-threaded. Usage::

    python benchmarks/gset.py [--quick] [--budget SECONDS] [--instances G1,bqp250-1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dimod
import numpy as np
from threadpoolctl import threadpool_limits

from hiqlip_plugin.problems import cut_value, maxcut_bqm
from hiqlip_plugin.samplers.cim import CIMSampler

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BEST_KNOWN = {"G1": 11624, "G2": 11620, "G11": 564, "G14": 3064, "G43": 6660, "bqp250-1": 45607,
              "bqp250-2": 44810, "bqp250-3": 49037, "bqp250-4": 41274, "bqp250-5": 47961}
QUICK_INSTANCES = ("G1", "G43", "bqp250-1")


@dataclass
class Run:
    """One independent run: its wall time, when it first reached the target (inf if never) and its cuts."""

    duration: float
    hit_time: float
    cuts: np.ndarray
    replica_steps: float | None = None
    sampling_time: float | None = None


Solver = Callable[[dimod.BinaryQuadraticModel, float, int], list[Run]]


def load(name: str) -> dimod.BinaryQuadraticModel:
    folder, suffix = ("gset", ".txt") if name.startswith("G") else ("bqp", ".mc")
    return maxcut_bqm(DATA / folder / f"{name}{suffix}")


def cim_solver(algorithm: str | None = None, **kwargs) -> Solver:
    sampler = CIMSampler()

    def solve(bqm: dimod.BinaryQuadraticModel, target: float, seed: int) -> list[Run]:
        start = time.perf_counter()
        options = dict(kwargs, algorithm=algorithm) if algorithm else kwargs
        sampleset = sampler.sample(bqm, seed=seed, **options)
        duration = time.perf_counter() - start
        timing, steps = sampleset.info["timing"], sampleset.info["num_steps"]
        per_step = timing["sampling_ns"] * 1e-9 / max(steps, 1)
        cuts = cut_value(bqm, sampleset.record.energy)
        hits = sampleset.record.best_step[cuts >= target]
        hit = timing["preprocessing_ns"] * 1e-9 + hits.min() * per_step if len(hits) else np.inf
        return [Run(duration, hit, cuts, len(sampleset) * steps, timing["sampling_ns"] * 1e-9)]

    return solve


def tabu_solver(timeout_ms: int = 2000) -> Solver:
    from dwave.samplers import TabuSampler

    sampler = TabuSampler()

    def solve(bqm: dimod.BinaryQuadraticModel, target: float, seed: int) -> list[Run]:
        # Tabu compares its threshold with the energy of the BINARY model without its offset.
        threshold = energy_of_cut(bqm, target) - bqm.binary.offset + 1e-6
        start = time.perf_counter()
        sampleset = sampler.sample(bqm, num_reads=1, timeout=timeout_ms, energy_threshold=threshold, seed=seed)
        duration = time.perf_counter() - start
        cuts = cut_value(bqm, sampleset.record.energy)
        return [Run(duration, duration if cuts.max() >= target else np.inf, cuts)]

    return solve


def energy_of_cut(bqm: dimod.BinaryQuadraticModel, cut: float) -> float:
    """The energy of a state with this cut (the inverse of :func:`cut_value`), for stopping rules."""
    return float(sum(bqm.quadratic.values()) - 2 * cut)


def sa_solver(num_reads: int = 10, num_sweeps: int = 1000) -> Solver:
    from dwave.samplers import SimulatedAnnealingSampler

    sampler = SimulatedAnnealingSampler()

    def solve(bqm: dimod.BinaryQuadraticModel, target: float, seed: int) -> list[Run]:
        start = time.perf_counter()
        sampleset = sampler.sample(bqm, num_reads=num_reads, num_sweeps=num_sweeps, seed=seed)
        per_read = (time.perf_counter() - start) / num_reads
        cuts = cut_value(bqm, sampleset.record.energy)
        return [Run(per_read, per_read if cut >= target else np.inf, np.array([cut]), num_sweeps, per_read)
                for cut in cuts]

    return solve


def _dense_upper(bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    _, (rows, cols, values), _ = bqm.to_numpy_vectors(variable_order=range(bqm.num_variables))
    upper = np.zeros((bqm.num_variables, bqm.num_variables))
    upper[rows, cols] = values
    return upper


def sb_solver(agents: int = 128) -> Solver:
    import simulated_bifurcation as sb
    import torch

    def solve(bqm: dimod.BinaryQuadraticModel, target: float, seed: int) -> list[Run]:
        torch.manual_seed(seed)
        matrix = torch.tensor(_dense_upper(bqm), dtype=torch.float32)
        start = time.perf_counter()
        spins, _ = sb.minimize(matrix, domain="spin", agents=agents, best_only=False, mode="discrete",
                               verbose=False)
        duration = time.perf_counter() - start
        cuts = cut_value(bqm, bqm.energies((spins.numpy().astype(np.int8), range(bqm.num_variables))))
        return [Run(duration, duration if cuts.max() >= target else np.inf, cuts)]

    return solve


def cim_optimizer_solver(batch: int = 8, num_steps: int = 1000) -> Solver:
    from cim_optimizer.optimal_params import G1_params
    from cim_optimizer.solve_Ising import Ising

    def solve(bqm: dimod.BinaryQuadraticModel, target: float, seed: int) -> list[Run]:
        np.random.seed(seed)
        upper = _dense_upper(bqm)
        coupling = -(upper + upper.T)          # cim-optimizer minimises -1/2 s^T J s
        params = G1_params(coupling)
        params.update(num_runs=batch, num_parallel_runs=batch, num_timesteps_per_run=num_steps)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = Ising(coupling, np.zeros(len(upper))).solve(
                hyperparameters_randomtune=False, suppress_statements=True,
                return_spin_trajectories_all_runs=False, return_lowest_energies_found_spin_configuration=True,
                **params).result
        duration = time.perf_counter() - start
        spins = np.array(result.spin_config_all_runs).astype(np.int8)
        cuts = cut_value(bqm, bqm.energies((spins, range(bqm.num_variables))))
        return [Run(duration, duration if cuts.max() >= target else np.inf, cuts, batch * num_steps, duration)]

    return solve


def run_for(solver: Solver, bqm: dimod.BinaryQuadraticModel, target: float, budget: float) -> list[Run]:
    """Repeat independent runs (seeds 0, 1, ...) until their durations add up to ``budget`` seconds."""
    runs: list[Run] = []
    seed = 0
    while not runs or sum(run.duration for run in runs) < budget:
        runs.extend(solver(bqm, target, seed))
        seed += 1
    return runs


def time_to_target(runs: list[Run]) -> float:
    """Median time to the first hit with restarts, over all runs taken as the first one (cyclic)."""
    hits = [i for i, run in enumerate(runs) if np.isfinite(run.hit_time)]
    if not hits:
        return np.inf
    samples = []
    for i in range(len(runs)):
        waited, j = 0.0, i
        while not np.isfinite(runs[j].hit_time):
            waited += runs[j].duration
            j = (j + 1) % len(runs)
        samples.append(waited + runs[j].hit_time)
    return float(np.median(samples))


def report(name: str, results: dict[str, list[Run]], target: float, budget: float) -> None:
    print(f"\n### {name} (best known {target:g}, budget {budget:g} s per solver)\n")
    print("| solver | runs | reads | best cut | median cut | reads at best-known | TTT (s) | replica-steps/s |")
    print("|---|---|---|---|---|---|---|---|")
    for solver, runs in results.items():
        cuts = np.concatenate([run.cuts for run in runs])
        ttt = time_to_target(runs)
        steps = [run for run in runs if run.replica_steps is not None]
        rate = (f"{sum(r.replica_steps for r in steps) / sum(r.sampling_time for r in steps):,.0f}"
                if steps else "-")
        print(f"| {solver} | {len(runs)} | {len(cuts)} | {cuts.max():g} | {np.median(cuts):g} | "
              f"{np.mean(cuts >= target):.3f} | {'not reached' if np.isinf(ttt) else f'{ttt:.3f}'} | {rate} |")


def throughput(quick: bool) -> None:
    """Replica-steps per second of CIMSampler (both kernels) and cim-optimizer (CAC, G1 preset) on G1."""
    bqm = load("G1")
    steps = 500 if quick else 1000
    print(f"\n### Throughput on G1 ({steps} steps, one thread; wall clock including preprocessing)\n")
    print("| solver | replicas | wall (s) | replica-steps/s | best cut |")
    print("|---|---|---|---|---|")
    for batch in (8, 64):
        rows = {f"CIMSampler {algorithm} {backend}": cim_solver(algorithm, num_reads=batch, num_steps=steps,
                                                               backend=backend)
                for algorithm in ("cac", "dsb") for backend in ("native", "numpy")}
        with contextlib.suppress(ImportError):
            rows["cim-optimizer CAC"] = cim_optimizer_solver(batch=batch, num_steps=steps)
        rates = {}
        for label, solver in rows.items():
            run = solver(bqm, BEST_KNOWN["G1"], 0)[0]
            rates[label] = run.replica_steps / run.duration
            print(f"| {label} | {batch} | {run.duration:.2f} | {rates[label]:,.0f} | {run.cuts.max():g} |")
        if "cim-optimizer CAC" in rates:
            for algorithm in ("cac", "dsb"):
                ratio = rates[f"CIMSampler {algorithm} native"] / rates["cim-optimizer CAC"]
                print(f"| ratio CIMSampler {algorithm} native / cim-optimizer CAC | {batch} | | {ratio:.1f}x | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="three instances, 2 s budgets")
    parser.add_argument("--budget", type=float, help="seconds per solver and instance (default 6, quick 2)")
    parser.add_argument("--instances", help="comma-separated names (default: all ten, quick: G1,G43,bqp250-1)")
    args = parser.parse_args()
    budget = args.budget or (2.0 if args.quick else 6.0)
    names = args.instances.split(",") if args.instances else (QUICK_INSTANCES if args.quick else tuple(BEST_KNOWN))

    solvers: dict[str, Solver] = {
        "CIMSampler dsb (defaults: 8 x 4n)": cim_solver(),
        "CIMSampler dsb (16 x 4n)": cim_solver(num_reads=16),
        "CIMSampler dsb, numpy kernels (8 x 4n)": cim_solver(backend="numpy"),
        "SA dwave-samplers (1000 sweeps)": sa_solver(),
        "Tabu dwave-samplers (stops at target)": tabu_solver(),
    }
    with contextlib.suppress(ImportError):
        solvers["simulated-bifurcation dSB (128 agents)"] = sb_solver()
    with contextlib.suppress(ImportError):
        import cim_optimizer  # noqa: F401

        solvers["cim-optimizer CAC (8 x 1000)"] = cim_optimizer_solver()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    print(f"benchmarks/gset.py: budget {budget:g} s per solver and instance, one thread, polish off")
    with threadpool_limits(1):
        for name in names:
            bqm = load(name)
            target = BEST_KNOWN[name]
            report(name, {label: run_for(solver, bqm, target, budget) for label, solver in solvers.items()},
                   target, budget)
        throughput(args.quick)


if __name__ == "__main__":
    main()
