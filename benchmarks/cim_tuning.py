"""How CIMSampler's defaults were chosen: the measurements behind them, reproducible in one run.

Run ``python benchmarks/cim_tuning.py [--quick]`` from the repository root (reads ``../shared/data``). Tables:

1. **Coupling strength** of discrete simulated bifurcation (in units of Goto's ``c0``): share of replicas
   that reach the best-known cut (2000 steps, 16 seeds x 32 replicas), and the same with the spectral scale
   ``1 / |lambda_min|`` of the amplitude dynamics (``xi`` chosen so that ``xi c0 = 1 / |lambda_min|``).
2. **Steps per run** at 8 replicas: median time to the best-known cut with restarts (the protocol of
   ``benchmarks/gset.py``), equal budgets.
3. **Field updates**: time per dSB step when ``J sign(x)`` is updated from the flipped spins (refresh 64,
   the default) against recomputed every step (refresh 1), same inputs, interleaved, best of 5.
4. **Replicas per step**: time per dSB step at 8, 16 and 32 replicas (refresh 64), best of 5.
5. **Spectral estimate**: :func:`spectral_range` (Lanczos) against ``numpy.linalg.eigvalsh``, error and time.
6. **Set-up per call**: a 1-step ``CIMSampler.sample`` (everything but the steps), and what dimod's
   ``parse_initial_states`` would add for random starts (it also computes their energies).

All runs use one BLAS thread.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from gset import BEST_KNOWN, cim_solver, load, report, run_for
from threadpoolctl import threadpool_limits

from hiqlip_plugin.ising import ising_arrays
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import cut_value, random_relu_network
from hiqlip_plugin.samplers.cim import CIMSampler
from hiqlip_plugin.samplers.dynamics import DSB, spectral_range
from hiqlip_plugin.samplers.native import NativeMachine


def best_of(function: Callable[[], object], repeats: int = 5) -> float:
    """Shortest of ``repeats`` timed calls, in seconds (after one warm-up call)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def coupling_strength(names: tuple[str, ...], seeds: int) -> None:
    print("\n### 1. dSB coupling strength: share of replicas at the best-known cut (2000 steps)\n")
    strengths = (1.0, 1.25, 1.5)
    print("| instance | c0 |lambda_min| | spectral scale | " + " | ".join(f"xi = {x}" for x in strengths) + " |")
    print("|---|---|---|" + "---|" * len(strengths))
    sampler = CIMSampler()
    for name in names:
        bqm = load(name)
        coupling = ising_arrays(bqm, sparse=True).coupling
        low, high = spectral_range(coupling)
        relative = DSB().coupling_scale(coupling, (low, high)) * -low       # c0 in units of 1 / |lambda_min|
        shares = []
        for xi in (1.0 / relative, *strengths):
            cuts = np.concatenate([cut_value(bqm, sampler.sample(bqm, num_reads=32, num_steps=2000, seed=seed,
                                                                  coupling_strength=xi).record.energy)
                                   for seed in range(seeds)])
            shares.append(f"{np.mean(cuts >= BEST_KNOWN[name]):.1%}")
        print(f"| {name} | {relative:.2f} | " + " | ".join(shares) + " |")


def steps(budget: float) -> None:
    print(f"\n### 2. Steps per run at 8 replicas: time to the best-known cut (budget {budget:g} s each)")
    for names, counts in ((("G1", "G43"), (2000, 3000, 4000, 6000)),
                          (("bqp250-1", "bqp250-5"), (600, 800, 1000, 1300))):
        for name in names:
            bqm = load(name)
            solvers = {f"8 x {count}": cim_solver(num_reads=8, num_steps=count) for count in counts}
            report(name, {label: run_for(solver, bqm, BEST_KNOWN[name], budget) for label, solver in
                          solvers.items()}, BEST_KNOWN[name], budget)


def _machine(name: str, replicas: int, refresh: int) -> tuple[NativeMachine, DSB, float]:
    """A NativeMachine on the normalised couplings of ``name``, as ``simulate`` builds it for dSB."""
    coupling = ising_arrays(load(name), sparse=True).coupling
    low, high = spectral_range(coupling)
    dynamics = DSB()
    scale = dynamics.coupling_scale(coupling, (low, high))
    rng = np.random.default_rng(0)
    signs = rng.choice([-1.0, 1.0], size=(coupling.shape[0], replicas))
    machine = NativeMachine(coupling * -scale, signs, signs * rng.uniform(0, 1e-3, size=signs.shape),
                            refresh=refresh)
    return machine, dynamics, dynamics.time_step(high * scale)


def _seconds_per_step(name: str, replicas: int, refresh: int, num_steps: int = 1000, repeats: int = 5) -> float:
    """Shortest time per step of ``repeats`` fresh runs (the set-up is not timed)."""
    times = []
    for _ in range(repeats):
        machine, dynamics, dt = _machine(name, replicas, refresh)
        machine.evaluate(step=0)
        schedule = dynamics.schedule(num_steps)
        start = time.perf_counter()
        dynamics.native_steps(machine, schedule, 1, dt, np.random.default_rng(0))
        times.append(time.perf_counter() - start)
    return min(times) / num_steps


def field_updates(names: tuple[str, ...]) -> None:
    print("\n### 3. Field updates: microseconds per dSB step (1000 steps, best of 5)\n")
    print("| instance | replicas | recomputed every step | updated from flips | speed-up |")
    print("|---|---|---|---|---|")
    for name in names:
        for replicas in (8, 32):
            full, updated = (_seconds_per_step(name, replicas, refresh) for refresh in (1, 64))
            print(f"| {name} | {replicas} | {full * 1e6:.1f} | {updated * 1e6:.1f} | {full / updated:.2f}x |")


def replicas(names: tuple[str, ...]) -> None:
    print("\n### 4. Replicas per step: microseconds per dSB step (1000 steps, best of 5)\n")
    print("| instance | 8 | 16 | 32 | 16 / 8 |")
    print("|---|---|---|---|---|")
    for name in names:
        times = [_seconds_per_step(name, count, 64) for count in (8, 16, 32)]
        print(f"| {name} | " + " | ".join(f"{t * 1e6:.1f}" for t in times) + f" | {times[1] / times[0]:.2f}x |")


def spectral(names: tuple[str, ...]) -> None:
    print("\n### 5. spectral_range (Lanczos) against numpy.linalg.eigvalsh\n")
    print("| matrix | n | error lambda_min | error lambda_max | Lanczos (ms) | eigvalsh (ms) |")
    print("|---|---|---|---|---|---|")
    matrices = {name: ising_arrays(load(name), sparse=True).coupling for name in names}
    for sizes in ((64, 64, 10), (784, 64, 10), (784, 256, 10)):
        network = random_relu_network(sizes, seed=0)
        matrices["FGL " + "-".join(map(str, sizes))] = ising_arrays(fgl_bqm(network, output=0).bqm,
                                                                     sparse=True).coupling
    for label, coupling in matrices.items():
        dense = coupling.toarray()
        exact = np.linalg.eigvalsh(dense)
        low, high = spectral_range(coupling)
        lanczos = best_of(lambda coupling=coupling: spectral_range(coupling))
        full = best_of(lambda dense=dense: np.linalg.eigvalsh(dense), repeats=2)
        print(f"| {label} | {coupling.shape[0]} | {abs(low - exact[0]) / abs(exact[0]):.2e} | "
              f"{abs(high - exact[-1]) / abs(exact[-1]):.2e} | {lanczos * 1e3:.2f} | {full * 1e3:.2f} |")


def set_up(names: tuple[str, ...]) -> None:
    print("\n### 6. Set-up per call: a 1-step sample, and dimod's parse_initial_states for random starts (ms)\n")
    print("| instance | replicas | 1-step sample | parse_initial_states |")
    print("|---|---|---|---|")
    sampler = CIMSampler()
    for name in names:
        bqm = load(name)
        for count in (8, 64):
            call = best_of(lambda bqm=bqm, count=count: sampler.sample(bqm, num_reads=count, num_steps=1, seed=0))
            parse = best_of(lambda bqm=bqm, count=count: sampler.parse_initial_states(bqm, num_reads=count,
                                                                                       seed=0))
            print(f"| {name} | {count} | {call * 1e3:.2f} | {parse * 1e3:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and shorter budgets")
    args = parser.parse_args()
    with threadpool_limits(1):
        coupling_strength(("G1", "G43", "G11", "bqp250-1", "bqp250-5"), 4 if args.quick else 16)
        steps(1.0 if args.quick else 4.0)
        field_updates(("G1", "G43", "bqp250-2"))
        replicas(("G1", "bqp250-1"))
        spectral(("G1", "G11", "G14", "G43", "bqp250-1"))
        set_up(("G1", "bqp250-2"))


if __name__ == "__main__":
    main()
