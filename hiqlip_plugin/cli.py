"""The ``hiqlip`` command line: ``hiqlip estimate`` and ``hiqlip hardware``.

``hiqlip estimate --example digits`` estimates the l_inf Lipschitz constant of every output of the bundled
digits network and prints the bracket per output (``--json`` for machine-readable output). A network file
(``.npz`` or a PyTorch ``.pt`` state dict) is given with ``--network PATH``. ``hiqlip hardware`` reports
which hardware back ends are configured on this machine, without contacting them.

Examples:
    >>> from hiqlip_plugin.cli import main
    >>> exit_code = main(["estimate", "--example", "digits", "--outputs", "0", "--norm", "1", "--json"])  # doctest: +ELLIPSIS
    {...}
    >>> exit_code
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hiqlip_plugin.network import ReLUNetwork

__all__ = ["main", "build_parser"]

EXAMPLES = ("digits",)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``hiqlip`` command.

    Examples:
        >>> from hiqlip_plugin.cli import build_parser
        >>> build_parser().parse_args(["estimate", "--example", "digits"]).example
        'digits'
    """
    parser = argparse.ArgumentParser(prog="hiqlip", description="Lipschitz constants of ReLU networks via Ising machines.")
    commands = parser.add_subparsers(dest="command", required=True)

    estimate = commands.add_parser("estimate", help="certified Lipschitz bracket of a network, per output")
    source = estimate.add_mutually_exclusive_group(required=True)
    source.add_argument("--example", choices=EXAMPLES, help="a network bundled with the package")
    source.add_argument("--network", metavar="PATH", help="a network file (.npz, or a .pt/.pth state dict)")
    estimate.add_argument("--outputs", default="all", help="'all' (default) or comma-separated output indices")
    estimate.add_argument("--norm", default="inf", choices=("inf", "2", "1"), help="input norm (default inf)")
    estimate.add_argument("--upper", default="auto", choices=("auto", "sdp", "product"), help="upper-bound method")
    estimate.add_argument("--exact", default="auto", choices=("auto", "always", "never"), help="exact enumeration")
    estimate.add_argument("--max-subproblem-size", type=int, default=None, help="sampler capacity (spins)")
    estimate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    estimate.add_argument("--time-limit", type=float, default=None, help="overall budget in seconds")
    estimate.add_argument("--json", action="store_true", help="print the report as JSON")
    estimate.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    commands.add_parser("hardware", help="report which hardware back ends are configured (no network calls)")
    from hiqlip_plugin.studies.cli import add_parser as add_study_parser

    add_study_parser(commands)
    return parser


def _load_network(args: argparse.Namespace) -> ReLUNetwork:
    if args.example is not None:
        from hiqlip_plugin import examples

        return examples.digits_mlp()
    return ReLUNetwork.load(args.network)


def _run_estimate(args: argparse.Namespace) -> int:
    from hiqlip_plugin.lipschitz.estimate import estimate_lipschitz

    network = _load_network(args)
    outputs: str | list[int] = "all"
    if args.outputs != "all":
        try:
            outputs = [int(k) for k in args.outputs.split(",")]
        except ValueError:
            raise SystemExit(f"hiqlip estimate: --outputs must be 'all' or comma-separated integers, got {args.outputs!r}") from None
    exact = {"auto": "auto", "always": True, "never": False}[args.exact]
    report = estimate_lipschitz(
        network,
        outputs=outputs,
        norm=args.norm,
        max_subproblem_size=args.max_subproblem_size,
        upper=args.upper,
        exact=exact,
        seed=args.seed,
        time_limit=args.time_limit,
        progress=not args.no_progress and not args.json,
    )
    print(report.to_json(indent=2) if args.json else report)
    return 0


def _run_hardware() -> int:
    from hiqlip_plugin.hardware import hardware_report

    for status in hardware_report():
        state = "available" if status.available else ("not configured" if status.installed else "not installed")
        print(f"{status.name:6s} {state}: {status.detail}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hiqlip`` command with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Examples:
        >>> from hiqlip_plugin.cli import main
        >>> exit_code = main(["hardware"])  # doctest: +ELLIPSIS
        dwave ...
        ibm ...
        >>> exit_code
        0
    """
    args = build_parser().parse_args(argv)
    if args.command == "estimate":
        return _run_estimate(args)
    if args.command == "study":
        from hiqlip_plugin.studies.cli import main as study_main

        return study_main(args)
    return _run_hardware()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
