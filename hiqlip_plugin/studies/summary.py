"""The summary of a study: one QOBLIB-style row per problem x sampler x budget, curves, and the report text.

For each cell the target is the problem's reference (a proven optimum or a best-known value) or, without
one, the best objective any run of the study reached on that problem (``target_source`` says which). A run
succeeds when its objective reaches the target within the study's relative ``tolerance``.

Summary columns (:data:`SUMMARY_COLUMNS`) follow QOBLIB's result fields: ``best_objective``,
``optimality_bound`` (a proven optimum or a certified bound on it: the SDP / product bound of a Lipschitz
problem), ``num_variables``, ``num_nonzeros``, ``coefficient_min`` / ``coefficient_max`` (the range of the
absolute non-zero biases), ``deterministic``, ``runs`` / ``feasible_runs`` / ``successful_runs``,
``success_threshold``, ``hardware``, and ``total_time`` / ``cpu_time`` / ``gpu_time`` / ``qpu_time``
(sums over the cell's runs; no sampler here uses a GPU, so ``gpu_time`` is 0). Added: median objective, gaps,
success probability with its Wilson interval and TTS99 with its bootstrap interval (see
:mod:`hiqlip_plugin.studies.metrics`).

Examples:
    >>> from hiqlip_plugin.studies.summary import summarise
    >>> meta = {"settings": {"tolerance": 1e-9, "bootstrap": 100, "bootstrap_seed": 0},
    ...         "problems": {"p": {"sense": "max", "reference": 2.0, "reference_source": "given",
    ...                            "upper_bound": None, "proven": True, "num_variables": 2,
    ...                            "num_nonzeros": 1, "coefficient_min": 1.0, "coefficient_max": 1.0}}}
    >>> rows = [{"problem": "p", "sampler": "sa", "budget": 1.0, "seed": s, "objective": v, "feasible": True,
    ...          "wall_time": 0.5, "cpu_time": 0.5, "qpu_time": 0.0, "certified": None,
    ...          "hardware": "CPU", "deterministic": False} for s, v in enumerate([2.0, 1.0])]
    >>> [cell] = summarise(rows, meta)["cells"]
    >>> cell["successful_runs"], cell["success_probability"], round(cell["tts99"], 3)
    (1, 0.5, 3.322)
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hiqlip_plugin.studies.metrics import (
    best_of_k,
    bootstrap_tts,
    relative_gap,
    restart_counts,
    time_to_target,
    wilson_interval,
)

__all__ = ["summarise", "format_report", "load_summary", "SUMMARY_COLUMNS", "MAX_RESTARTS"]

SUMMARY_COLUMNS = (
    "problem", "sampler", "budget", "best_objective", "median_objective", "best_certified", "optimality_bound",
    "reference", "reference_source", "target", "target_source", "gap", "median_gap", "gap_to_bound",
    "num_variables", "num_nonzeros", "coefficient_min", "coefficient_max", "deterministic", "runs",
    "feasible_runs", "successful_runs", "success_threshold", "success_probability", "success_low",
    "success_high", "mean_run_time", "tts99", "tts99_low", "tts99_high", "hardware", "total_time", "cpu_time",
    "gpu_time", "qpu_time",
)
"""Columns of ``summary.csv``, in order."""

MAX_RESTARTS = 64
"""Largest restart count of the time-to-target and quality-versus-time curves."""


def _best(values: Sequence[float], sense: str) -> float:
    return max(values) if sense == "max" else min(values)


def _reaches(value: float, target: float, sense: str, tolerance: float) -> bool:
    slack = tolerance * max(1.0, abs(target))
    return value >= target - slack if sense == "max" else value <= target + slack


def _targets(rows: Sequence[Mapping[str, Any]], problems: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple]:
    """``problem -> (target, source)``: the reference, else the best objective found in the study."""
    targets = {}
    for name, info in problems.items():
        if info["reference"] is not None:
            targets[name] = (float(info["reference"]), info["reference_source"])
            continue
        found = [r["objective"] for r in rows if r["problem"] == name and r["objective"] is not None]
        targets[name] = (_best(found, info["sense"]), "best found in this study") if found else (None, "")
    return targets


def _cell(runs: list[Mapping[str, Any]], info: Mapping[str, Any], target: tuple, settings: Mapping[str, Any],
          seed: tuple[int, ...]) -> dict[str, Any]:
    sense, tolerance = info["sense"], settings["tolerance"]
    feasible = [r for r in runs if r["feasible"]]
    objectives = [float(r["objective"]) for r in feasible]
    value, source = target
    hits = [value is not None and _reaches(float(r["objective"]), value, sense, tolerance) if r["feasible"]
            else False for r in runs]
    times = [float(r["wall_time"]) for r in runs]
    successes = sum(hits)
    low, high = wilson_interval(successes, len(runs))
    tts99, tts_low, tts_high = bootstrap_tts(times, hits, resamples=settings["bootstrap"], seed=seed)
    best = _best(objectives, sense) if objectives else None
    certified = [r["certified"] for r in feasible if r.get("certified") is not None]
    bound = info["reference"] if info["proven"] else info["upper_bound"]
    first = runs[0]
    restarts = restart_counts(MAX_RESTARTS)
    curves = {
        "time_to_target": time_to_target(times, hits, restarts, resamples=settings["bootstrap"], seed=seed),
        "quality": {
            "time": (restarts * float(np.mean(times))).tolist(),
            **(best_of_k(objectives, restarts, sense=sense, resamples=settings["bootstrap"], seed=seed)
               if objectives else {"mean": [], "low": [], "high": []}),
        },
    }
    return {
        "problem": first["problem"],
        "sampler": first["sampler"],
        "budget": first["budget"],
        "best_objective": best,
        "median_objective": statistics.median(objectives) if objectives else None,
        "best_certified": max(certified) if certified else None,
        "optimality_bound": bound,
        "reference": info["reference"],
        "reference_source": info["reference_source"],
        "target": value,
        "target_source": source,
        "gap": None if best is None else relative_gap(best, info["reference"], sense),
        "median_gap": None if not objectives else relative_gap(statistics.median(objectives),
                                                               info["reference"], sense),
        "gap_to_bound": None if best is None or info["upper_bound"] is None else relative_gap(
            best, info["upper_bound"], sense),
        "num_variables": info["num_variables"],
        "num_nonzeros": info["num_nonzeros"],
        "coefficient_min": info["coefficient_min"],
        "coefficient_max": info["coefficient_max"],
        "deterministic": bool(first["deterministic"]),
        "runs": len(runs),
        "feasible_runs": len(feasible),
        "successful_runs": successes,
        "success_threshold": None if value is None else f"{'>=' if sense == 'max' else '<='} {value:.12g} "
                                                        f"(relative tolerance {tolerance:g})",
        "success_probability": successes / len(runs),
        "success_low": low,
        "success_high": high,
        "mean_run_time": float(np.mean(times)),
        "tts99": tts99,
        "tts99_low": tts_low,
        "tts99_high": tts_high,
        "hardware": first["hardware"],
        "total_time": float(np.sum(times)),
        "cpu_time": float(sum(float(r["cpu_time"]) for r in runs)),
        "gpu_time": 0.0,
        "qpu_time": float(sum(float(r["qpu_time"] or 0.0) for r in runs)),
        "curves": curves,
    }


def summarise(rows: Sequence[Mapping[str, Any]], metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Summarise the runs of a study.

    Args:
        rows: The runs (``runs.csv`` rows as stored, with numbers).
        metadata: ``study.json``: ``settings`` (``tolerance``, ``bootstrap``, ``bootstrap_seed``) and
            ``problems`` (``name -> Problem.describe()``).

    Returns:
        ``{"cells": [...], "virtual_best": {problem: {"sampler", "budget", "tts99"}}}`` (the cell of least
        finite TTS99; problems no sampler solved are absent); each cell has the
        :data:`SUMMARY_COLUMNS` plus ``curves`` (time to target and quality versus time). The cell's
        bootstrap seed is ``(bootstrap_seed, cell index)``, so the intervals are reproducible.

    Examples:
        >>> from hiqlip_plugin.studies.summary import summarise
        >>> meta = {"settings": {"tolerance": 0.0, "bootstrap": 20, "bootstrap_seed": 0},
        ...         "problems": {"q": {"sense": "min", "reference": None, "reference_source": "",
        ...                            "upper_bound": None, "proven": False, "num_variables": 1,
        ...                            "num_nonzeros": 1, "coefficient_min": 1.0, "coefficient_max": 1.0}}}
        >>> rows = [{"problem": "q", "sampler": "s", "budget": None, "seed": s, "objective": v, "feasible": True,
        ...          "wall_time": 1.0, "cpu_time": 1.0, "qpu_time": 0.0, "hardware": "CPU",
        ...          "deterministic": False} for s, v in enumerate([-1.0, -1.0])]
        >>> [cell] = summarise(rows, meta)["cells"]
        >>> cell["target"], cell["target_source"], cell["tts99"]
        (-1.0, 'best found in this study', 1.0)
    """
    settings, problems = metadata["settings"], metadata["problems"]
    targets = _targets(rows, problems)
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["problem"], row["sampler"], row["budget"]), []).append(row)
    cells = []
    for index, ((problem, _, _), runs) in enumerate(groups.items()):
        runs = sorted(runs, key=lambda r: r["seed"])
        cells.append(_cell(runs, problems[problem], targets[problem], settings,
                           (settings["bootstrap_seed"], index)))
    virtual_best: dict[str, dict[str, Any]] = {}
    for cell in cells:
        current = virtual_best.get(cell["problem"])
        if math.isfinite(cell["tts99"]) and (current is None or cell["tts99"] < current["tts99"]):
            virtual_best[cell["problem"]] = {"sampler": cell["sampler"], "budget": cell["budget"],
                                             "tts99": cell["tts99"]}
    return {"cells": cells, "virtual_best": virtual_best}


def _seconds(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.3g}"


def format_report(summary: Mapping[str, Any], skipped: Mapping[str, str] | None = None) -> str:
    """The summary as a text table: success probability and TTS99 (seconds) with their 95 % intervals.

    Examples:
        >>> from hiqlip_plugin.studies.summary import format_report
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "runs": 4, "successful_runs": 2,
        ...         "success_probability": 0.5, "success_low": 0.15, "success_high": 0.85, "tts99": 6.6,
        ...         "tts99_low": 3.0, "tts99_high": float("inf"), "best_objective": 2.0, "gap": 0.0,
        ...         "target": 2.0}
        >>> print(format_report({"cells": [cell], "virtual_best": {}}))  # doctest: +NORMALIZE_WHITESPACE
        problem sampler budget runs success p [95% CI] TTS99 s [95% CI] best gap
        p sa 1 4 2 0.50 [0.15, 0.85] 6.6 [3, inf] 2 0
    """
    header = ("problem", "sampler", "budget", "runs", "success", "p [95% CI]", "TTS99 s [95% CI]", "best", "gap")
    table = [header]
    for c in summary["cells"]:
        table.append((
            str(c["problem"]), str(c["sampler"]), "none" if c["budget"] is None else f"{c['budget']:g}",
            str(c["runs"]), str(c["successful_runs"]),
            f"{c['success_probability']:.2f} [{c['success_low']:.2f}, {c['success_high']:.2f}]",
            f"{_seconds(c['tts99'])} [{_seconds(c['tts99_low'])}, {_seconds(c['tts99_high'])}]",
            "-" if c["best_objective"] is None else f"{c['best_objective']:.6g}",
            "-" if c["gap"] is None else f"{c['gap']:.3g}",
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in table]
    for problem, best in summary.get("virtual_best", {}).items():
        lines.append(f"virtual best on {problem}: {best['sampler']} (TTS99 {_seconds(best['tts99'])} s)")
    for label, note in (skipped or {}).items():
        lines.append(f"sampler {label}: {note}")
    return "\n".join(lines)


def load_summary(folder: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(summary, metadata)`` of a results folder (``summary.json`` and ``study.json``).

    Raises:
        FileNotFoundError: If the folder has no summary yet (the study has not finished: rerun it).

    Examples:
        >>> from hiqlip_plugin.studies.summary import load_summary
        >>> load_summary("/nonexistent")
        Traceback (most recent call last):
        ...
        FileNotFoundError: '/nonexistent' has no summary.json: run the study to its end (hiqlip study run) first
    """
    folder = Path(folder)
    if not (folder / "summary.json").is_file():
        raise FileNotFoundError(
            f"{str(folder)!r} has no summary.json: run the study to its end (hiqlip study run) first")
    return json.loads((folder / "summary.json").read_text()), json.loads((folder / "study.json").read_text())
