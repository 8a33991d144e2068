"""Benchmark mixing_sdp: the l_inf natural SDP (NGeoLIP) of a 784-256-10 network, an ablation, and cvxpy + SCS.

Run ``python benchmarks/sdp.py [--quick]``. Three tables:

1. Every output ``k`` of ``random_relu_network((784, 256, 10), seed=0)``: ``C = [[0, N], [N^T, 0]]`` with
   ``N = [A, A 1]``, ``A = bilinear_matrix(net, output=k)``, ``m = 1041``. NGeoLIP = ``<C, X> / 4``: the
   primal (a lower bound on it) and the certified dual bound, both divided by 4, their relative gap, sweeps
   and wall time (certificate included) for ``tol = 1e-6`` and ``tol = 1e-9``.
2. Ablation on output 0, ``tol = 1e-6``: the classic one-column-at-a-time mixing method (every variable its
   own colour class), the exact two-colour block update without extrapolation, and the default (block +
   extrapolation).
3. cvxpy + SCS (``eps = 1e-6``) against ``mixing_sdp`` on smaller random networks (where SCS finishes).

``--quick`` runs 3 outputs, the ablation with a 20 s cap per variant, and the smallest SCS case (under a
minute); the full run spends about 13 minutes in SCS.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

import cvxpy as cp
import numpy as np

from hiqlip_plugin.lipschitz.formulation import bilinear_matrix
from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.sdp import mixing
from hiqlip_plugin.sdp.mixing import mixing_sdp


def natural_cost(sizes: tuple[int, int, int], output: int) -> np.ndarray:
    """The l_inf natural SDP cost ``[[0, N], [N^T, 0]]``, ``N = [A, A 1]``, of ``random_relu_network(sizes, 0)``."""
    a = bilinear_matrix(random_relu_network(sizes, seed=0), output=output)
    n = np.hstack([a, a.sum(axis=1, keepdims=True)])
    d, h = n.shape
    return np.block([[np.zeros((d, d)), n], [n.T, np.zeros((h, h))]])


@contextmanager
def patched(replacements: dict[str, object]) -> Iterator[None]:
    """Temporarily replace attributes of ``hiqlip_plugin.sdp.mixing`` (ablation only)."""
    originals = {name: getattr(mixing, name) for name in replacements}
    for name, value in replacements.items():
        setattr(mixing, name, value)
    try:
        yield
    finally:
        for name, value in originals.items():
            setattr(mixing, name, value)


def singleton_classes(offdiag: np.ndarray) -> list[np.ndarray]:
    """Every variable its own colour class: the classic one-column-at-a-time mixing method."""
    return [np.array([i]) for i in range(offdiag.shape[0])]


def outputs_table(outputs: range) -> None:
    print("| output | tol | primal/4 | dual_bound/4 | rel. gap | sweeps | time (s) |")
    print("|---|---|---|---|---|---|---|")
    for k in outputs:
        cost = natural_cost((784, 256, 10), k)
        for tol in (1e-6, 1e-9):
            r = mixing_sdp(cost, tol=tol, seed=0)
            print(
                f"| {k} | {tol:.0e} | {r.primal / 4:.6f} | {r.dual_bound / 4:.6f} | {r.gap:.1e} | "
                f"{r.iterations} | {r.wall_time:.2f} |"
            )


def ablation_table(time_limit: float) -> None:
    cost = natural_cost((784, 256, 10), 0)
    variants: list[tuple[str, dict[str, object]]] = [
        (
            "one column at a time, no extrapolation",
            {"colour_classes": singleton_classes, "_MAX_MOMENTUM": 0.0},
        ),
        ("one column at a time + extrapolation", {"colour_classes": singleton_classes}),
        ("2-colour blocks, no extrapolation", {"_MAX_MOMENTUM": 0.0}),
        ("2-colour blocks + extrapolation (default)", {}),
    ]
    print(
        f"| variant (output 0, tol 1e-6, cap {time_limit:.0f} s) | sweeps | dual_bound/4 | rel. gap | "
        "converged | time (s) |"
    )
    print("|---|---|---|---|---|---|")
    for label, patches in variants:
        with patched(patches):
            r = mixing_sdp(cost, tol=1e-6, seed=0, max_iter=5000, time_limit=time_limit)
        print(
            f"| {label} | {r.iterations} | {r.dual_bound / 4:.6f} | {r.gap:.1e} | {r.converged} | "
            f"{r.wall_time:.2f} |"
        )


def scs_table(cases: list[tuple[int, int, int]]) -> None:
    print(
        "| network | m | SCS value/4 | SCS time (s) | mixing dual_bound/4 | mixing time (s) | "
        "rel. difference | dual >= SCS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for sizes in cases:
        cost = natural_cost(sizes, 0)
        m = cost.shape[0]
        x = cp.Variable((m, m), symmetric=True)
        problem = cp.Problem(cp.Maximize(cp.trace(cost @ x)), [cp.diag(x) == 1, x >> 0])
        start = time.perf_counter()
        scs_value = problem.solve(solver="SCS", eps=1e-6)
        scs_time = time.perf_counter() - start
        r = mixing_sdp(cost, tol=1e-6, seed=0)
        difference = (r.dual_bound - scs_value) / abs(scs_value)
        print(
            f"| {'-'.join(map(str, sizes))} | {m} | {scs_value / 4:.6f} | {scs_time:.2f} | "
            f"{r.dual_bound / 4:.6f} | {r.wall_time:.3f} | {difference:.1e} | {r.dual_bound >= scs_value} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 outputs, shorter ablation, one SCS case"
    )
    args = parser.parse_args()
    outputs_table(range(3) if args.quick else range(10))
    print()
    ablation_table(20.0 if args.quick else 120.0)
    print()
    scs_table([(64, 16, 10)] if args.quick else [(64, 16, 10), (128, 32, 10), (192, 48, 10)])


if __name__ == "__main__":
    main()
