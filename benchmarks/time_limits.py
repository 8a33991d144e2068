"""Benchmark time limits: wall time of estimate_lipschitz (and the CLI) against the ``time_limit`` it was given.

Run ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/time_limits.py`` from the repository root
(``PYTHONPATH=.`` from a checkout). Workloads (issue 12, "Limits not honoured"), seed 0:

- ``784-256-10``: ``estimate_lipschitz(random_relu_network((784, 256, 10), seed=0), time_limit=3)``, all
  10 outputs;
- ``digits``: ``estimate_lipschitz(digits_mlp(), time_limit=0.5)``;
- ``cli 784-20-10``: ``hiqlip estimate --network X.npz --time-limit 2`` on a 784-20-10 random net saved with
  :meth:`~hiqlip_plugin.ReLUNetwork.save`, run as a subprocess; its limit counts from the command's start
  (imports and loading included), its wall time also includes the interpreter's start, timed with the
  base imports as ``hiqlip --version``;
- ``784-64-64-10``: ``outputs=[0, 1], time_limit=10``;
- ``784-1024-10``: ``outputs=[1]``, ``time_limit=2`` and ``6`` (the widest two-layer net of the witness
  benchmark).

The table prints the limit, the wall time, their ratio and each stage's largest time over the outputs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hiqlip_plugin import estimate_lipschitz
from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.problems import random_relu_network


def _row(name: str, limit: float, wall: float, stages: str = "") -> None:
    print(f"{name:<24} {limit:>7.2f} {wall:>7.2f} {wall / limit:>6.2f}  {stages}", flush=True)


def _estimate(name: str, network, limit: float, **kwargs) -> None:
    start = time.perf_counter()
    report = estimate_lipschitz(network, time_limit=limit, seed=0, **kwargs)
    wall = time.perf_counter() - start
    worst: dict[str, float] = {}
    for estimate in report:
        for stage, seconds in estimate.timings.items():
            worst[stage] = max(worst.get(stage, 0.0), seconds)
    _row(name, limit, wall, ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in worst.items()))


def _cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hiqlip_plugin.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    print(f"{'workload':<24} {'limit s':>7} {'wall s':>7} {'ratio':>6}  largest stage times (s)")
    _estimate("784-256-10 (10 outputs)", random_relu_network((784, 256, 10), seed=0), 3.0)
    _estimate("digits (10 outputs)", digits_mlp(), 0.5)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.npz"
        random_relu_network((784, 20, 10), seed=0).save(path)
        start_up = _cli("--version")
        _row("cli 784-20-10", 2.0, _cli("estimate", "--network", str(path), "--time-limit", "2"),
             f"interpreter start and imports ({start_up:.2f} s) included")
    _estimate("784-64-64-10 [0, 1]", random_relu_network((784, 64, 64, 10), seed=0), 10.0, outputs=[0, 1])
    wide = random_relu_network((784, 1024, 10), seed=0)
    for limit in (2.0, 6.0):
        _estimate("784-1024-10 [1]", wide, limit, outputs=[1])


if __name__ == "__main__":
    main()
