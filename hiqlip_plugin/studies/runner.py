"""Run a study: every problem x sampler x budget x seed once, in-process or on any executor (Dask included).

:func:`run_study` builds the problems (references and certified bounds) and checks that every sampler takes
every problem, all before the first run; then it runs the runs not yet in the results folder, each an
independent call of :func:`execute_run` seeded by its own seed, and commits each row as it finishes
(:class:`~hiqlip_plugin.studies.store.RunStore`). After the last run it writes ``summary.csv`` and
``summary.json`` (:mod:`hiqlip_plugin.studies.summary`).

Runs execute in the calling process by default, or on any :class:`concurrent.futures.Executor`;
:func:`dask_executor` opens one on a Dask distributed cluster (a ``LocalCluster`` when no address is given;
extra ``dask``). The samplers are built where the run executes, from their plain specs, so nothing but data
travels. A run's row is the same whichever executor ran it, its times aside, as long as the time budget does
not stop the sampler (a run cut short by the clock depends on the machine's speed).

Examples:
    >>> import tempfile
    >>> from hiqlip_plugin.studies.runner import run_study
    >>> from hiqlip_plugin.studies.spec import study_from_dict
    >>> study = study_from_dict({"study": {"name": "demo", "seeds": [0, 1]},
    ...                          "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
    ...                          "samplers": [{"name": "exact"}]})
    >>> summary = run_study(study, tempfile.mkdtemp())
    >>> [(c["sampler"], c["success_probability"]) for c in summary["cells"]]
    [('exact', 1.0)]
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.ising import checked_samples
from hiqlip_plugin.studies.problems import Problem, build_problems
from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
from hiqlip_plugin.studies.spec import Study, StudySpecError
from hiqlip_plugin.studies.store import RunStore, run_key, write_atomic
from hiqlip_plugin.studies.summary import SUMMARY_COLUMNS, summarise

__all__ = ["run_study", "execute_run", "prepare", "dask_executor", "write_summary"]


def _seconds(timing: Mapping[str, Any]) -> float | None:
    """A sampler's own time: its ``info['timing']`` nanosecond entries (``child_ns`` lies inside the others)."""
    values = [v for k, v in timing.items() if k.endswith("_ns") and k != "child_ns"]
    return sum(values) * 1e-9 if values else None


def execute_run(problem: Problem, spec: SamplerSpec, seed: int, budget: float | None) -> dict[str, Any]:
    """One run: build the sampler, sample ``problem`` with ``seed`` within ``budget`` seconds, score it.

    The best sample's energy is recomputed from the problem's BQM in float64; for Lipschitz problems its
    certificate is decoded and verified (``certified``). A sampler answer that is not a valid sampleset of the
    BQM gives a row with ``feasible = False``.

    Returns:
        The row (columns :data:`~hiqlip_plugin.studies.store.RUN_COLUMNS`).

    Examples:
        >>> from hiqlip_plugin.studies.problems import build_problems
        >>> from hiqlip_plugin.studies.runner import execute_run
        >>> from hiqlip_plugin.studies.samplers import SamplerSpec
        >>> [problem] = build_problems({"kind": "lipschitz", "dims": [4, 5, 1]})
        >>> row = execute_run(problem, SamplerSpec("exact", "exact"), 0, None)
        >>> bool(abs(row["certified"] - problem.reference) < 1e-9), row["feasible"], row["num_samples"]
        (True, True, 512)
    """
    built = build_sampler(spec)
    cpu, start = time.thread_time(), time.perf_counter()
    sampleset = built.sample(problem.bqm, seed, budget)
    wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
    info = getattr(sampleset, "info", {})
    timing = info.get("timing", {})
    row: dict[str, Any] = {
        "problem": problem.name, "sampler": spec.label, "seed": int(seed), "budget": budget, "kind": problem.kind,
        "sampler_name": spec.name, "params": dict(spec.params), "num_variables": problem.bqm.num_variables,
        "energy": None, "objective": None, "certified": None, "reference": problem.reference,
        "feasible": False, "num_samples": 0, "wall_time": wall, "sampler_time": _seconds(timing),
        "cpu_time": cpu, "qpu_time": timing.get("qpu_access_time", 0.0) * 1e-6,
        "child_calls": info.get("num_child_calls"),
        "capacity": built.capacity, "hardware": built.hardware, "deterministic": built.deterministic,
    }
    try:
        samples = checked_samples(sampleset, problem.bqm)
    except SamplerOutputError:
        return row
    variables = list(problem.bqm.variables)
    energies = problem.bqm.energies((samples, variables))
    best = int(np.argmin(energies))
    row.update(
        energy=float(energies[best]),
        objective=float(problem.objective(energies[best])),
        certified=problem.certified(dict(zip(variables, samples[best].tolist(), strict=True))),
        feasible=True,
        num_samples=int(len(samples)),
    )
    return row


def prepare(study: Study) -> list[Problem]:
    """Build the study's problems and check every (problem, sampler) pair, before anything runs.

    Raises:
        StudySpecError: For a problem that cannot be built, duplicate problem names, or a sampler whose
            capacity is below a problem's size (wrap it in ``hierarchical``).

    Examples:
        >>> from hiqlip_plugin.studies.runner import prepare
        >>> from hiqlip_plugin.studies.spec import study_from_dict
        >>> study = study_from_dict({"study": {"name": "d", "seeds": [0]},
        ...                          "problems": [{"kind": "lipschitz", "dims": [12, 20, 1]}],
        ...                          "samplers": [{"name": "exact"}]})
        >>> prepare(study)
        Traceback (most recent call last):
        ...
        hiqlip_plugin.studies.spec.StudySpecError: study spec: sampler 'exact' takes at most 20 variables ...
    """
    problems: list[Problem] = []
    for entry in study.problems:
        try:
            problems.extend(build_problems(entry))
        except (ValueError, FileNotFoundError, TypeError) as err:
            raise StudySpecError(f"study spec: problem {dict(entry)}: {err}") from None
    names = [p.name for p in problems]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise StudySpecError(f"study spec: problem names {duplicates} are used twice: give each a unique name")
    for spec in study.samplers:
        if spec.label in study.skipped:
            continue
        built = build_sampler(spec)
        for problem in problems:
            if not built.accepts(problem.bqm.num_variables):
                raise StudySpecError(
                    f"study spec: sampler {spec.label!r} takes at most {built.limit} variables but problem "
                    f"{problem.name!r} has {problem.bqm.num_variables}; wrap it: name = \"hierarchical\", "
                    f"params = {{ child = \"{spec.name}\" }}"
                )
    return problems


def _tasks(study: Study, problems: list[Problem]) -> list[tuple[Problem, SamplerSpec, float | None, int]]:
    return [(problem, spec, budget, seed) for problem in problems for spec in study.samplers
            if spec.label not in study.skipped for budget in study.budgets for seed in study.seeds]


def write_summary(folder: str | Path) -> dict[str, Any]:
    """Summarise the runs in ``folder`` into ``summary.csv`` and ``summary.json``; return the summary.

    Examples:
        >>> import tempfile
        >>> from hiqlip_plugin.studies.runner import run_study, write_summary
        >>> from hiqlip_plugin.studies.spec import study_from_dict
        >>> study = study_from_dict({"study": {"name": "d", "seeds": [0]},
        ...                          "problems": [{"kind": "lipschitz", "dims": [3, 4, 1]}],
        ...                          "samplers": [{"name": "exact"}]})
        >>> folder = tempfile.mkdtemp()
        >>> _ = run_study(study, folder)
        >>> write_summary(folder)["cells"][0]["runs"]
        1
    """
    folder = Path(folder)
    metadata = json.loads((folder / "study.json").read_text())
    store = RunStore(folder, metadata)
    try:
        rows = store.rows()
    finally:
        store.close()
    summary = summarise(rows, metadata)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(summary["cells"])
    write_atomic(folder / "summary.csv", buffer.getvalue())
    write_atomic(folder / "summary.json", json.dumps({**summary, "skipped": metadata.get("skipped", {})},
                                                     indent=1, default=str))
    return summary


def run_study(study: Study, folder: str | Path, *, executor: Executor | None = None,
              progress: bool = False) -> dict[str, Any]:
    """Run (or resume) ``study`` into ``folder`` and return its summary.

    Args:
        study: The validated study.
        folder: The results folder; runs already stored there are not run again.
        executor: Where runs execute (``None``: in this process, one after the other). Rows are committed
            in this process as the runs finish.
        progress: Show a tqdm bar over the runs.

    Returns:
        The summary (:func:`~hiqlip_plugin.studies.summary.summarise`), also written to the folder.

    Raises:
        StudySpecError: As :func:`prepare`, before any run.
        ValueError: If ``folder`` holds results of a different study.

    Examples:
        >>> import tempfile
        >>> from hiqlip_plugin.studies.runner import run_study
        >>> from hiqlip_plugin.studies.spec import study_from_dict
        >>> study = study_from_dict({"study": {"name": "d", "seeds": [0, 1, 2]},
        ...                          "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
        ...                          "samplers": [{"name": "sa", "params": {"num_reads": 2}}]})
        >>> folder = tempfile.mkdtemp()
        >>> first = run_study(study, folder)
        >>> again = run_study(study, folder)  # resumes: nothing left to run
        >>> first["cells"][0]["runs"], again["cells"][0]["runs"]
        (3, 3)
    """
    problems = prepare(study)
    metadata = {
        "fingerprint": study.fingerprint(),
        "spec": study.to_dict(),
        "settings": {"tolerance": study.tolerance, "bootstrap": study.bootstrap,
                     "bootstrap_seed": study.bootstrap_seed},
        "problems": {p.name: p.describe() for p in problems},
        "skipped": dict(study.skipped),
    }
    store = RunStore(folder, metadata)
    try:
        tasks = _tasks(study, problems)
        done = store.done()
        pending = [t for t in tasks if (t[0].name, t[1].label, t[2], t[3]) not in done]
        with tqdm(total=len(tasks), initial=len(tasks) - len(pending), disable=not progress, unit="run",
                  desc=study.name) as bar:
            if executor is None:
                for problem, spec, budget, seed in pending:
                    store.add(execute_run(problem, spec, seed, budget))
                    bar.update()
            else:
                futures: list[Future] = [executor.submit(execute_run, problem, spec, seed, budget)
                                         for problem, spec, budget, seed in pending]
                for future in as_completed(futures):
                    store.add(future.result())
                    bar.update()
        order = {(p.name, s.label, b, seed): i for i, (p, s, b, seed) in enumerate(tasks)}
        store.rewrite_csv(sorted(store.rows(), key=lambda row: order.get(run_key(row), len(order))))
    finally:
        store.close()
    return write_summary(folder)


@contextmanager
def dask_executor(address: str | None = None, **cluster_options: Any) -> Iterator[Executor]:
    """A :class:`concurrent.futures.Executor` on a Dask distributed cluster, closed on exit.

    Args:
        address: Scheduler address (``"tcp://host:8786"``); ``None`` starts a ``LocalCluster``.
        **cluster_options: Keyword arguments of ``LocalCluster`` (e.g. ``n_workers=2``,
            ``processes=False``), only without ``address``.

    Raises:
        ImportError: If ``distributed`` is not installed (``pip install 'hiqlip-plugin[dask]'``).
        ValueError: If ``cluster_options`` are given with an ``address``.

    Examples:
        >>> from hiqlip_plugin.studies.runner import dask_executor
        >>> with dask_executor(processes=False, n_workers=1, threads_per_worker=1,
        ...                    dashboard_address=None) as executor:
        ...     executor.submit(sum, [1, 2]).result()
        3
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise ImportError(f"the Dask executor needs dask.distributed ({err}): pip install 'hiqlip-plugin[dask]'"
                          ) from None
    if address is not None and cluster_options:
        raise ValueError(f"cluster options {sorted(cluster_options)} apply to a LocalCluster, not to {address!r}")
    cluster = None if address is not None else LocalCluster(**cluster_options)
    client = Client(address if cluster is None else cluster)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
