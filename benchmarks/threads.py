"""Benchmark BLAS threads: estimate_lipschitz with the BLAS library's default threads against the package's
setting (:data:`~hiqlip_plugin.lipschitz.estimate.DEFAULT_BLAS_THREADS`), in the same run.

Run ``python benchmarks/threads.py [--repeats 3] [--outputs 3]`` WITHOUT ``OMP_NUM_THREADS`` /
``OPENBLAS_NUM_THREADS`` in the environment (the point is the default). Workloads:

- ``digits``: the README command ``hiqlip estimate --example digits`` (``estimate_lipschitz(digits_mlp(),
  seed=0)``, all 10 outputs);
- ``784-256-10``: ``estimate_lipschitz(random_relu_network((784, 256, 10), seed=0), outputs=range(k), seed=0)``.

Each repeat runs both settings back to back, alternating which goes first, so both see the same machine
load; the table prints medians, the ratio default / chosen, the load average before and after, and the
largest relative difference between the two settings' brackets
(threads change the order of floating-point sums, so certified values may differ by rounding, nothing more).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from threadpoolctl import threadpool_info

from hiqlip_plugin import estimate_lipschitz
from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.lipschitz.estimate import DEFAULT_BLAS_THREADS
from hiqlip_plugin.problems import random_relu_network


def _time(network, outputs, blas_threads):
    start = time.perf_counter()
    report = estimate_lipschitz(network, outputs=outputs, seed=0, blas_threads=blas_threads)
    return time.perf_counter() - start, [(e.lower, e.upper) for e in report]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--outputs", type=int, default=3, help="outputs of the 784-256-10 net")
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if name in os.environ:
            print(f"warning: {name}={os.environ[name]} is set: 'default' is not the library default")
    default = sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
    print(f"cores: {os.cpu_count()}; BLAS default threads: {default}; chosen: {DEFAULT_BLAS_THREADS}")
    print(f"load average before: {os.getloadavg()}")
    workloads = [
        ("digits (README)", digits_mlp(), "all"),
        ("784-256-10", random_relu_network((784, 256, 10), seed=0), list(range(args.outputs))),
    ]
    print(f"{'workload':18s} {'default s':>10s} {'chosen s':>10s} {'ratio':>6s}  max rel. bracket difference")
    for label, network, outputs in workloads:
        times = {None: [], DEFAULT_BLAS_THREADS: []}
        brackets = {}
        for repeat in range(args.repeats):
            order = [None, DEFAULT_BLAS_THREADS] if repeat % 2 == 0 else [DEFAULT_BLAS_THREADS, None]
            for setting in order:
                seconds, brackets[setting] = _time(network, outputs, setting)
                times[setting].append(seconds)
        base, chosen = statistics.median(times[None]), statistics.median(times[DEFAULT_BLAS_THREADS])
        difference = max(abs(a - b) / max(abs(b), 1e-300)
                         for pair_a, pair_b in zip(brackets[None], brackets[DEFAULT_BLAS_THREADS], strict=True)
                         for a, b in zip(pair_a, pair_b, strict=True))
        print(f"{label:18s} {base:10.2f} {chosen:10.2f} {base / chosen:6.2f}  {difference:.1e}")
        print(f"{'':18s} runs default {[round(t, 2) for t in times[None]]}, "
              f"chosen {[round(t, 2) for t in times[DEFAULT_BLAS_THREADS]]}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
