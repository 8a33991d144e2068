"""The ``hiqlip`` command line: ``hiqlip estimate``, ``hiqlip study`` and ``hiqlip hardware``.

``hiqlip estimate --example digits`` estimates the l_inf Lipschitz constant of every output of the bundled
digits network and prints the bracket per output (``--json`` for machine-readable output). A network file
(``.npz``, or a PyTorch ``.pt`` state dict together with ``--assume-relu``: a state dict does not record its
activations) is given with ``--network PATH``. ``--executor dask`` runs the outputs in parallel on a Dask
cluster (``--address ADDR``, or a local cluster). ``hiqlip study run|plot|report`` runs, plots and
summarises hardware comparison studies (:mod:`hiqlip_plugin.studies.cli`). ``hiqlip hardware`` reports
which hardware back ends are configured on this machine, without contacting them.

``--time-limit`` is counted from the start of the command: the imports, loading the network and starting an
executor use part of it (only the interpreter's own start and the printing of the report come on top).

Every error is one line on stderr, ``hiqlip: error: <what went wrong and what to do>``, with exit status 2
(a traceback only with ``--debug``); ``hiqlip --version`` prints the installed version.

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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from hiqlip_plugin._validation import check_time_limit
from hiqlip_plugin.examples import NETWORKS
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["main", "build_parser", "version", "EXIT_ERROR"]

EXIT_ERROR = 2
"""Exit status of every failed ``hiqlip`` command (bad arguments, bad files, failed computations)."""


EXAMPLES = tuple(NETWORKS)
"""Names ``--example NAME`` accepts: the networks bundled in :data:`hiqlip_plugin.examples.NETWORKS`."""


class _UsageError(Exception):
    """A command-line argument is wrong (reported like every other error, not with argparse's usage dump)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors go through :func:`main`'s single error format."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def version() -> str:
    """The installed version of hiqlip-plugin (package metadata, else ``hiqlip_plugin.__version__``).

    Examples:
        >>> from hiqlip_plugin.cli import version
        >>> version().count(".") >= 1
        True
    """
    from importlib import metadata

    try:
        return metadata.version("hiqlip-plugin")
    except metadata.PackageNotFoundError:
        import hiqlip_plugin

        return str(getattr(hiqlip_plugin, "__version__", "unknown"))


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``hiqlip`` command.

    Examples:
        >>> from hiqlip_plugin.cli import build_parser
        >>> build_parser().parse_args(["estimate", "--example", "digits"]).example
        'digits'
    """
    parser = _Parser(prog="hiqlip", description="Lipschitz constants of ReLU networks via Ising machines.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    commands = parser.add_subparsers(dest="command", required=True)

    estimate = commands.add_parser("estimate", help="certified Lipschitz bracket of a network, per output")
    source = estimate.add_mutually_exclusive_group(required=True)
    source.add_argument("--example", choices=EXAMPLES, help="a network bundled with the package")
    source.add_argument("--network", metavar="PATH", help="a network file (.npz, or a .pt/.pth state dict)")
    estimate.add_argument("--assume-relu", action="store_true",
                          help="state that a .pt/.pth state dict's hidden layers are ReLUs (it does not record them)")
    estimate.add_argument("--outputs", default="all", help="'all' (default) or comma-separated output indices")
    estimate.add_argument("--norm", default="inf", choices=("inf", "2", "1"), help="input norm (default inf)")
    estimate.add_argument("--upper", default="auto", choices=("auto", "sdp", "product"), help="upper-bound method")
    estimate.add_argument("--exact", default="auto", choices=("auto", "always", "never"), help="exact enumeration")
    estimate.add_argument("--max-subproblem-size", type=int, default=None, help="sampler capacity (spins)")
    estimate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    estimate.add_argument("--time-limit", type=float, default=None,
                          help="overall budget in seconds, counted from the command's start (imports, loading the "
                               "network and starting an executor included)")
    estimate.add_argument("--executor", choices=("dask",), default=None,
                          help="run outputs in parallel on a Dask cluster (needs the 'dask' extra)")
    estimate.add_argument("--address", default=None,
                          help="scheduler address of the Dask cluster (default: start a local cluster)")
    estimate.add_argument("--json", action="store_true", help="print the report as JSON")
    estimate.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    hardware = commands.add_parser("hardware", help="report which hardware back ends are configured (no network calls)")
    from hiqlip_plugin.studies.cli import add_parser as add_study_parser

    for command in (estimate, hardware, *add_study_parser(commands)):
        command.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    return parser


def _load_network(args: argparse.Namespace) -> ReLUNetwork:
    if args.example is not None:
        return NETWORKS[args.example]()
    return ReLUNetwork.load(args.network, activation="relu" if args.assume_relu else None)


def _parse_outputs(text: str) -> str | list[int]:
    if text == "all":
        return "all"
    try:
        return [int(k) for k in text.split(",")]
    except ValueError:
        raise _UsageError(f"--outputs must be 'all' or comma-separated integers, got {text!r}") from None


@contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Any]:
    """The executor ``--executor`` asks for (``None`` without it); a local Dask cluster is closed afterwards."""
    if args.executor is None:
        if args.address is not None:
            raise _UsageError("--address needs --executor dask")
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise ImportError("--executor dask needs Dask: pip install 'hiqlip-plugin[dask]'") from None
    if args.address:
        with Client(args.address) as client:
            yield client.get_executor()
        return
    from distributed import LocalCluster

    with LocalCluster() as cluster, Client(cluster) as client:
        yield client.get_executor()


def _run_estimate(args: argparse.Namespace) -> int:
    started = time.perf_counter()  # --time-limit covers the imports, the loading and the executor's start too
    limit = None if args.time_limit is None else check_time_limit(args.time_limit, "--time-limit")
    from hiqlip_plugin.budget import MIN_SECONDS
    from hiqlip_plugin.lipschitz.estimate import estimate_lipschitz

    outputs = _parse_outputs(args.outputs)
    network = _load_network(args)
    exact = {"auto": "auto", "always": True, "never": False}[args.exact]
    with _executor(args) as executor:
        remaining = None if limit is None else max(limit - (time.perf_counter() - started), MIN_SECONDS)
        report = estimate_lipschitz(
            network,
            outputs=outputs,
            norm=args.norm,
            max_subproblem_size=args.max_subproblem_size,
            upper=args.upper,
            exact=exact,
            seed=args.seed,
            time_limit=remaining,
            progress=not args.no_progress and not args.json,
            executor=executor,
        )
    print(report.to_json(indent=2) if args.json else report)
    return 0


def _run_hardware() -> int:
    from hiqlip_plugin.hardware import hardware_report

    for status in hardware_report():
        state = "available" if status.available else ("not configured" if status.installed else "not installed")
        print(f"{status.name:6s} {state}: {status.detail}")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "estimate":
        return _run_estimate(args)
    if args.command == "study":
        from hiqlip_plugin.studies.cli import main as study_main

        return study_main(args)
    return _run_hardware()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hiqlip`` command with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    An error prints ``hiqlip: error: <message>`` on stderr and returns :data:`EXIT_ERROR` (``--debug``
    re-raises it with its traceback instead).

    Examples:
        >>> from hiqlip_plugin.cli import main
        >>> exit_code = main(["hardware"])  # doctest: +ELLIPSIS
        dwave ...
        ibm ...
        >>> exit_code
        0
        >>> main(["estimate", "--example", "digits", "--outputs", "first"])
        2
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        args = build_parser().parse_args(arguments)
        return _dispatch(args)
    except KeyboardInterrupt:
        print("hiqlip: error: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:  # every failure ends here: one line, or the traceback with --debug  # noqa: BLE001
        if debug:
            raise
        message = str(err) or type(err).__name__
        print(f"hiqlip: error: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
