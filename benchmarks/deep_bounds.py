"""Benchmark the certified upper bounds of deep networks: first-order LMI solver vs product, cvxpy, ECLipsE-Fast.

Run ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/deep_bounds.py [--outputs K]
[--witness-time S] [--time-limit S] [--nets 784-64-64-10,...]``. For every network (``random_relu_network(sizes,
seed=0)``, He initialisation) and each of its first ``K`` outputs (default 1), both norms:

* ``witness``: the certified lower bound of :func:`estimate_lipschitz` (``upper="product"``, ``seed=0``, the
  witness search limited to ``--witness-time`` seconds); every ratio below divides by it;
* ``product``: :func:`product_bound`;
* ``first-order``: :func:`sdp_bound` with ``solver="first_order"`` (DGeoLIP for l_inf, LipSDP-Neuron for l2,
  stopped after ``--time-limit`` seconds with its best certified value);
* ``cvxpy``: the same program by cvxpy + Clarabel, when its largest block is at most ``CVXPY_MAX_SIZE``;
* ``ECLipsE-Fast`` (l2 only; the ``eclipse-nn`` package, not verified in floating point) on ``c^T f``.

Then one l2 row per network for the whole vector map (``joint``): the largest sampled Jacobian spectral norm,
:func:`joint_l2_bound` and ECLipsE-Fast on the full network.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hiqlip_plugin import estimate_lipschitz
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError
from hiqlip_plugin.lipschitz.bounds import joint_l2_bound, product_bound, sdp_bound
from hiqlip_plugin.network import ReLUNetwork
from hiqlip_plugin.problems import random_relu_network

NETS = ("20-16-16-16-10", "784-64-64-10", "784-128-128-128-10", "784-256-256-10", "784-1024-1024-10")


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def eclipse_fast(weights: list[np.ndarray]) -> float:
    """ECLipsE-Fast's l2 estimate (``eclipse_nn``) for the network with these weights."""
    import torch
    from eclipse_nn import ECLipsE_Fast

    tensors = [torch.tensor(w, dtype=torch.float64) for w in weights]
    return float(ECLipsE_Fast(tensors, [0.0] * (len(weights) - 1), [1.0] * (len(weights) - 1)))


def cvxpy_bound(net: ReLUNetwork, output: int, norm: str) -> tuple[str, str]:
    try:
        bound, seconds = timed(sdp_bound, net, output, norm=norm, solver="CLARABEL")
    except ProblemTooLargeError:
        return "skipped", "-"
    except SolverFailedError:
        return "failed", "-"
    return f"{bound.value:.6g}", f"{seconds:.1f}"


def row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=1, help="outputs per network (default 1)")
    parser.add_argument("--witness-time", type=float, default=60.0, help="seconds for each witness search")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for each first-order solve")
    parser.add_argument("--nets", default=",".join(NETS), help="comma-separated layer sizes")
    args = parser.parse_args()
    columns = ["network", "norm", "out", "witness", "product", "/w", "first-order", "/w", "s", "status",
               "cvxpy", "s", "ECLipsE-Fast", "/w"]
    widths = [18, 4, 5, 9, 10, 7, 11, 5, 6, 13, 9, 5, 12, 5]
    print(row(columns, widths), flush=True)
    for name in args.nets.split(","):
        sizes = tuple(int(n) for n in name.split("-"))
        net = random_relu_network(sizes, seed=0)
        for norm in ("inf", "2"):
            for output in range(min(args.outputs, sizes[-1])):
                report = estimate_lipschitz(net, outputs=output, norm=norm, upper="product", seed=0,
                                            realizability=False, sampling=False, time_limit=args.witness_time)
                witness = report[0].lower
                product = product_bound(net, output, norm=norm).value
                try:
                    first, seconds = timed(sdp_bound, net, output, norm=norm, solver="first_order",
                                           time_limit=args.time_limit)
                    first_cells = [f"{first.value:.6g}", f"{first.value / witness:.2f}", f"{seconds:.1f}",
                                   f"{first.status}"]
                except SolverFailedError:
                    first_cells = ["failed", "-", "-", "-"]
                cvx = cvxpy_bound(net, output, norm)
                if norm == "2":
                    weights = [*net.weights[:-1], net.weights[-1][output : output + 1]]
                    eclipse = eclipse_fast(weights)
                    eclipse_cells = [f"{eclipse:.6g}", f"{eclipse / witness:.2f}"]
                else:
                    eclipse_cells = ["-", "-"]
                print(row([name, norm, str(output), f"{witness:.6g}", f"{product:.6g}", f"{product / witness:.1f}",
                           *first_cells, *cvx, *eclipse_cells], widths), flush=True)
        joint = estimate_lipschitz(net, outputs="joint", norm=2, seed=0, upper="product")[0]
        bound, seconds = timed(joint_l2_bound, net, time_limit=args.time_limit)
        eclipse = eclipse_fast(list(net.weights))
        print(row([name, "2", "joint", f"{joint.lower:.6g}", f"{joint.upper:.6g}",
                   f"{joint.upper / joint.lower:.1f}", f"{bound.value:.6g}", f"{bound.value / joint.lower:.2f}",
                   f"{seconds:.1f}", bound.status, "-", "-", f"{eclipse:.6g}", f"{eclipse / joint.lower:.2f}"],
                  widths), flush=True)


if __name__ == "__main__":
    main()
