"""Benchmark the certified upper bounds: value, tightness against the exact FGL, and wall time.

Run ``python benchmarks/bounds.py [--quick]``. One table: random He-initialised networks
(``random_relu_network(sizes, seed=0)``) and the bundled ``digits_mlp`` (64-64-10), output 0. ``product``
is :func:`product_bound` (the smaller of the operator-norm product and the interval bound; the column
``op-norm`` gives the operator-norm product alone), the others are :func:`sdp_bound` with the named method
and solver. ``/ FGL`` divides by the exact FGL (:func:`exact_fgl`) where enumeration is cheap. ``side`` is the SDP's matrix side.
"""

from __future__ import annotations

import argparse

from hiqlip_plugin.examples import digits_mlp
from hiqlip_plugin.exceptions import ProblemTooLargeError, SolverFailedError
from hiqlip_plugin.lipschitz.bounds import product_bound, sdp_bound
from hiqlip_plugin.lipschitz.exact import enumeration_bits, exact_fgl
from hiqlip_plugin.problems import random_relu_network

EXACT_BITS = 22  # enumerate only up to 2^22 cases

# (network, norm, [(method, solver), ...])
FULL = [
    ((784, 8, 10), "inf", [("natural", "mixing")]),
    ((784, 16, 10), "inf", [("natural", "mixing")]),
    ((784, 64, 10), "inf", [("natural", "mixing")]),
    ((784, 256, 10), "inf", [("natural", "mixing")]),
    ((784, 16, 10), "2", [("natural", "mixing"), ("lipsdp", "CLARABEL")]),
    ((784, 64, 10), "2", [("natural", "mixing"), ("lipsdp", "CLARABEL")]),
    ("digits", "inf", [("natural", "mixing")]),
    ("digits", "2", [("natural", "mixing"), ("lipsdp", "CLARABEL")]),
    (
        (40, 30, 10),
        "inf",
        [("natural", "mixing"), ("natural", "CLARABEL"), ("natural", "SCS"), ("dual", "CLARABEL")],
    ),
    ((10, 8, 8, 1), "inf", [("dual", "CLARABEL")]),
    ((10, 8, 8, 1), "2", [("lipsdp", "CLARABEL")]),
    ((20, 16, 16, 10), "inf", [("dual", "CLARABEL")]),
    ((20, 16, 16, 10), "2", [("lipsdp", "CLARABEL")]),
    ((50, 32, 32, 10), "inf", [("dual", "CLARABEL")]),
    ((784, 32, 32, 10), "2", [("lipsdp", "CLARABEL")]),
]
QUICK = [
    ((784, 8, 10), "inf", [("natural", "mixing")]),
    ((784, 64, 10), "inf", [("natural", "mixing")]),
    ((784, 16, 10), "2", [("natural", "mixing"), ("lipsdp", "CLARABEL")]),
    ((40, 30, 10), "inf", [("natural", "mixing"), ("natural", "CLARABEL"), ("dual", "CLARABEL")]),
    ((10, 8, 8, 1), "inf", [("dual", "CLARABEL")]),
    ((20, 16, 16, 10), "2", [("lipsdp", "CLARABEL")]),
]


def print_row(
    name: str,
    norm: str,
    exact: float | None,
    label: str,
    solver: str,
    side: object,
    value: float,
    seconds: float,
    status: str = "",
) -> None:
    ratio = f"{value / exact:.4f}" if exact else ""
    print(
        f"| {name} | {norm} | {label} | {solver} | {side} | {value:.6g} | {ratio} | {seconds:.3f} | "
        f"{status} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few small cases only")
    args = parser.parse_args()
    print("| network | norm | bound | solver | side | value | / FGL | time (s) | status |")
    print("|---|---|---|---|---|---|---|---|---|")
    for sizes, norm, methods in QUICK if args.quick else FULL:
        net = digits_mlp() if sizes == "digits" else random_relu_network(sizes, seed=0)
        name = "-".join(map(str, net.layer_sizes)) + (" (digits)" if sizes == "digits" else "")
        exact = None
        if enumeration_bits(net, norm) <= EXACT_BITS:
            result = exact_fgl(net, 0, norm=norm)
            exact = result.value
            print_row(name, norm, exact, "exact FGL", "enumeration", "", exact, result.wall_time)
        prod = product_bound(net, 0, norm=norm)
        op_norm = prod.details["operator_norm_product"]
        print_row(name, norm, exact, "op-norm product", "closed form", "", op_norm, prod.wall_time)
        label = f"product ({prod.details['selected']})"
        print_row(name, norm, exact, label, "closed form", "", prod.value, prod.wall_time)
        for method, solver in methods:
            try:
                bound = sdp_bound(
                    net,
                    0,
                    norm=norm,
                    method=method,
                    solver=solver,
                    seed=0,
                    max_size=None,
                    time_limit=300,
                )
            except (ProblemTooLargeError, SolverFailedError) as err:
                print(
                    f"| {name} | {norm} | {method} | {solver} | | failed: {err} | | | |", flush=True
                )
                continue
            side = bound.details.get("sdp_size", bound.details.get("lmi_size"))
            print_row(
                name,
                norm,
                exact,
                bound.method,
                solver,
                side,
                bound.value,
                bound.wall_time,
                bound.status,
            )


if __name__ == "__main__":
    main()
