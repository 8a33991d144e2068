"""``hiqlip study``: run a study spec, plot its results, print its report.

- ``hiqlip study run SPEC.toml --out DIR [--executor dask [--address ADDR] [--workers N]]``: run (or resume)
  the study with a tqdm bar; ``--executor dask`` runs on a Dask cluster (a ``LocalCluster`` of ``--workers``
  processes unless ``--address`` names a scheduler).
- ``hiqlip study plot DIR``: PNG and SVG plots into ``DIR``.
- ``hiqlip study report DIR``: per problem and sampler, success probability and TTS99 with intervals.

Examples:
    >>> import argparse
    >>> from hiqlip_plugin.studies.cli import add_parser
    >>> parser = argparse.ArgumentParser(prog="hiqlip")
    >>> commands = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["study", "run", "spec.toml", "--out", "results"])
    >>> args.study_command, args.out, args.executor
    ('run', 'results', 'local')
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "main"]


def add_parser(subparsers: Any) -> tuple[argparse.ArgumentParser, ...]:
    """Register ``study`` and its subcommands on the ``hiqlip`` parser's subparsers; return the subcommands'
    parsers (``run``, ``plot``, ``report``) so the caller can add common options.

    Examples:
        >>> import argparse
        >>> from hiqlip_plugin.studies.cli import add_parser
        >>> parser = argparse.ArgumentParser(prog="hiqlip")
        >>> [p.prog for p in add_parser(parser.add_subparsers(dest="command"))]
        ['hiqlip study run', 'hiqlip study plot', 'hiqlip study report']
        >>> parser.parse_args(["study", "report", "results"]).folder
        'results'
    """
    study = subparsers.add_parser("study", help="compare samplers on the same problems (TTS99, success, plots)")
    commands = study.add_subparsers(dest="study_command", required=True)
    run = commands.add_parser("run", help="run or resume a study spec (TOML)")
    run.add_argument("spec", metavar="SPEC.toml", help="the study spec")
    run.add_argument("--out", required=True, metavar="DIR", help="results folder (resumed if it exists)")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="where runs execute: this process (default) or a Dask cluster")
    run.add_argument("--address", default=None, help="Dask scheduler address (default: a LocalCluster)")
    run.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    plot = commands.add_parser("plot", help="write the plots of a finished study (PNG and SVG)")
    plot.add_argument("folder", metavar="DIR")
    report = commands.add_parser("report", help="print success probability and TTS99 with intervals")
    report.add_argument("folder", metavar="DIR")
    return run, plot, report


def _run(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from hiqlip_plugin.studies.runner import dask_executor, run_study
    from hiqlip_plugin.studies.spec import load_study
    from hiqlip_plugin.studies.summary import format_report

    if args.executor == "local" and (args.address is not None or args.workers is not None):
        raise SystemExit("hiqlip study run: --address and --workers need --executor dask")
    if args.address is not None and args.workers is not None:
        raise SystemExit("hiqlip study run: --workers sizes a LocalCluster; it does not apply with --address")
    study = load_study(args.spec)
    options = {} if args.workers is None else {"n_workers": args.workers, "threads_per_worker": 1}
    context = dask_executor(args.address, **options) if args.executor == "dask" else nullcontext(None)
    with context as executor:
        summary = run_study(study, args.out, executor=executor, progress=not args.no_progress)
    print(format_report(summary, study.skipped))
    print(f"results in {args.out}: runs.csv, summary.csv, summary.json")
    return 0


def main(args: argparse.Namespace) -> int:
    """Run the ``hiqlip study`` subcommand parsed into ``args``; return the exit code.

    Examples:
        >>> import argparse
        >>> from hiqlip_plugin.studies.cli import main
        >>> main(argparse.Namespace(study_command="report", folder="/nonexistent"))
        Traceback (most recent call last):
        ...
        FileNotFoundError: '/nonexistent' has no summary.json: run the study to its end (hiqlip study run) first
    """
    if args.study_command == "run":
        return _run(args)
    from hiqlip_plugin.studies.summary import format_report, load_summary

    summary, metadata = load_summary(args.folder)
    if args.study_command == "plot":
        from hiqlip_plugin.studies.plots import plot_study

        for path in plot_study(args.folder):
            print(path)
        return 0
    print(format_report(summary, metadata.get("skipped")))
    return 0
