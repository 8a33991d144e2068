"""Plots of a study's summary (matplotlib, extra ``plot``): PNG and SVG files in the results folder.

- ``quality_vs_time``: per problem, the expected best objective of ``k`` restarts against the total time
  ``k t_run``, per sampler, with bootstrap bands (and the reference as a line);
- ``time_to_target``: per problem, the probability of having reached the target within ``k`` restarts,
  ``1 - (1 - p)^k``, against their total time, per sampler, with bootstrap bands;
- ``tts99``: TTS99 bars with their bootstrap intervals (log scale; a sampler that never reached the target
  is marked "not reached");
- ``success_probability``: success probability bars with Wilson intervals;
- ``lipschitz_bracket`` (Lipschitz problems only): each sampler's best certified witness against the
  certified upper bound and, when known, the exact FGL.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state, no display needed).

Examples:
    >>> import tempfile
    >>> from hiqlip_plugin.studies import run_study, study_from_dict
    >>> from hiqlip_plugin.studies.plots import plot_study
    >>> study = study_from_dict({"study": {"name": "p", "seeds": [0, 1]},
    ...                          "problems": [{"kind": "lipschitz", "dims": [4, 6, 1]}],
    ...                          "samplers": [{"name": "exact"}]})
    >>> folder = tempfile.mkdtemp()
    >>> _ = run_study(study, folder)
    >>> sorted(path.name for path in plot_study(folder, formats=("png",)))
    ['lipschitz_bracket.png', 'quality_vs_time.png', 'success_probability.png', 'time_to_target.png', 'tts99.png']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hiqlip_plugin.studies.summary import load_summary

__all__ = ["plot_study", "quality_figure", "time_to_target_figure", "tts_figure", "success_figure",
           "bracket_figure"]


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("study plots need matplotlib: pip install 'hiqlip-plugin[plot]'") from None
    return Figure


def _by_problem(cells: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for cell in cells:
        groups.setdefault(cell["problem"], []).append(cell)
    return groups


def _label(cell: Mapping[str, Any], budgets: int) -> str:
    return cell["sampler"] if budgets <= 1 else f"{cell['sampler']} @ {cell['budget']:g} s"


def _axes(problems: Sequence[str]) -> tuple[Any, list[Any]]:
    """A figure with one panel per problem, two panels per row."""
    columns = min(2, len(problems))
    rows = math.ceil(len(problems) / columns)
    figure = _figure_class()(figsize=(5.4 * columns, 3.7 * rows), layout="constrained")
    axes = list(figure.subplots(rows, columns, squeeze=False).flat)
    for ax in axes[len(problems):]:
        figure.delaxes(ax)
    for ax, name in zip(axes, problems, strict=False):
        ax.set_title(name, fontsize=9)
    return figure, axes[:len(problems)]


def _budgets(cells: Sequence[Mapping[str, Any]]) -> int:
    return len({cell["budget"] for cell in cells})


def quality_figure(summary: Mapping[str, Any], metadata: Mapping[str, Any]) -> Any:
    """Expected best objective of ``k`` restarts versus total time, per problem and sampler.

    Examples:
        >>> from hiqlip_plugin.studies.plots import quality_figure
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "curves": {"quality": {
        ...     "time": [1.0, 2.0], "mean": [1.0, 1.5], "low": [1.0, 1.0], "high": [1.0, 2.0]}}}
        >>> meta = {"problems": {"p": {"reference": 2.0, "upper_bound": None, "sense": "max"}}}
        >>> len(quality_figure({"cells": [cell]}, meta).axes)
        1
    """
    groups = _by_problem(summary["cells"])
    figure, axes = _axes(list(groups))
    budgets = _budgets(summary["cells"])
    for ax, (name, cells) in zip(axes, groups.items(), strict=True):
        for cell in cells:
            quality = cell["curves"]["quality"]
            if not quality["mean"]:
                continue
            line, = ax.plot(quality["time"], quality["mean"], marker="o", markersize=3, label=_label(cell, budgets))
            ax.fill_between(quality["time"], quality["low"], quality["high"], color=line.get_color(), alpha=0.15)
        info = metadata["problems"][name]
        if info["reference"] is not None:
            ax.axhline(info["reference"], color="black", linestyle="--", linewidth=1, label="reference")
        ax.set_xscale("log")
        ax.set_xlabel("total time of k restarts (s)")
        ax.set_ylabel(f"expected best objective ({info['sense']})")
        ax.legend(fontsize=7)
    return figure


def time_to_target_figure(summary: Mapping[str, Any]) -> Any:
    """Probability of reaching the target within total time ``k t_run`` (``k`` restarts), with bands.

    Examples:
        >>> from hiqlip_plugin.studies.plots import time_to_target_figure
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "curves": {"time_to_target": {
        ...     "time": [1.0, 2.0], "probability": [0.5, 0.75], "low": [0.2, 0.4], "high": [0.8, 0.9]}}}
        >>> len(time_to_target_figure({"cells": [cell]}).axes)
        1
    """
    groups = _by_problem(summary["cells"])
    figure, axes = _axes(list(groups))
    budgets = _budgets(summary["cells"])
    for ax, cells in zip(axes, groups.values(), strict=True):
        for cell in cells:
            curve = cell["curves"]["time_to_target"]
            line, = ax.plot(curve["time"], curve["probability"], marker="o", markersize=3,
                            label=_label(cell, budgets))
            ax.fill_between(curve["time"], curve["low"], curve["high"], color=line.get_color(), alpha=0.15)
        ax.axhline(0.99, color="black", linestyle=":", linewidth=1, label="0.99")
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("total time of k restarts (s)")
        ax.set_ylabel("P(target reached)")
        ax.legend(fontsize=7)
    return figure


def _bars(summary: Mapping[str, Any], value: str, low: str, high: str, ylabel: str, log: bool) -> Any:
    """One bar per sampler with its interval; an infinite value is written "not reached", an infinite upper
    end of an interval is drawn up to three times the panel's largest finite value."""
    groups = _by_problem(summary["cells"])
    figure, axes = _axes(list(groups))
    budgets = _budgets(summary["cells"])
    for ax, cells in zip(axes, groups.values(), strict=True):
        ceiling = 3 * max([c[key] for c in cells for key in (value, high) if math.isfinite(c[key])], default=1.0)
        shown = [i for i, c in enumerate(cells) if math.isfinite(c[value])]
        heights = [cells[i][value] for i in shown]
        lower = [cells[i][value] - cells[i][low] for i in shown]
        upper = [min(cells[i][high], ceiling) - cells[i][value] for i in shown]
        if shown:
            ax.bar(shown, heights, yerr=[lower, upper], capsize=3, color="steelblue")
        for position in range(len(cells)):
            if position not in shown:
                ax.text(position, 0.03, "not\nreached", ha="center", va="bottom", fontsize=7,
                        transform=ax.get_xaxis_transform())
        ax.set_xticks(range(len(cells)), [_label(cell, budgets) for cell in cells], rotation=30, ha="right",
                      fontsize=7)
        ax.set_xlim(-0.6, len(cells) - 0.4)
        ax.set_ylabel(ylabel)
        if log and any(h > 0 for h in heights):
            ax.set_yscale("log")
    return figure


def tts_figure(summary: Mapping[str, Any]) -> Any:
    """TTS99 bars with bootstrap intervals (an infinite upper end is drawn to the top of the axes).

    Examples:
        >>> from hiqlip_plugin.studies.plots import tts_figure
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "tts99": 2.0, "tts99_low": 1.0,
        ...         "tts99_high": float("inf")}
        >>> len(tts_figure({"cells": [cell]}).axes)
        1
    """
    return _bars(summary, "tts99", "tts99_low", "tts99_high", "TTS99 (s), 95% bootstrap interval", log=True)


def success_figure(summary: Mapping[str, Any]) -> Any:
    """Success probability bars with Wilson intervals.

    Examples:
        >>> from hiqlip_plugin.studies.plots import success_figure
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "success_probability": 0.5,
        ...         "success_low": 0.2, "success_high": 0.8}
        >>> len(success_figure({"cells": [cell]}).axes)
        1
    """
    figure = _bars(summary, "success_probability", "success_low", "success_high",
                   "success probability, 95% Wilson interval", log=False)
    for ax in figure.axes:
        ax.set_ylim(0.0, 1.05)
    return figure


def bracket_figure(summary: Mapping[str, Any], metadata: Mapping[str, Any]) -> Any | None:
    """Best certified witness per sampler against the certified upper bound, per Lipschitz problem.

    Returns ``None`` when the study has no Lipschitz problem.

    Examples:
        >>> from hiqlip_plugin.studies.plots import bracket_figure
        >>> cell = {"problem": "p", "sampler": "sa", "budget": 1.0, "best_certified": 1.8}
        >>> meta = {"problems": {"p": {"kind": "lipschitz", "reference": 2.0, "upper_bound": 2.5,
        ...                            "proven": True}}}
        >>> len(bracket_figure({"cells": [cell]}, meta).axes)
        1
    """
    groups = {name: cells for name, cells in _by_problem(summary["cells"]).items()
              if metadata["problems"][name]["kind"] == "lipschitz"}
    if not groups:
        return None
    figure, axes = _axes(list(groups))
    budgets = _budgets(summary["cells"])
    for ax, (name, cells) in zip(axes, groups.items(), strict=True):
        info = metadata["problems"][name]
        positions = list(range(len(cells)))
        witnesses = [c["best_certified"] if c["best_certified"] is not None else math.nan for c in cells]
        ax.scatter(positions, witnesses, color="seagreen", zorder=3, label="best certified witness (lower bound)")
        ax.axhline(info["upper_bound"], color="firebrick", linestyle=":", label="certified upper bound")
        if info["proven"]:
            ax.axhline(info["reference"], color="black", linestyle="--", linewidth=1, label="exact FGL")
        ax.set_xticks(positions, [_label(c, budgets) for c in cells], rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("FGL bracket")
        ax.legend(fontsize=7)
    return figure


def plot_study(folder: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write every plot of the study in ``folder`` in each of ``formats``; return the files written.

    Raises:
        ImportError: Without matplotlib (``pip install 'hiqlip-plugin[plot]'``).
        FileNotFoundError: If the study has not finished (no ``summary.json``).

    Examples:
        >>> from hiqlip_plugin.studies.plots import plot_study
        >>> plot_study("/nonexistent")
        Traceback (most recent call last):
        ...
        FileNotFoundError: '/nonexistent' has no summary.json: run the study to its end (hiqlip study run) first
    """
    summary, metadata = load_summary(folder)
    figures = {
        "quality_vs_time": quality_figure(summary, metadata),
        "time_to_target": time_to_target_figure(summary),
        "tts99": tts_figure(summary),
        "success_probability": success_figure(summary),
        "lipschitz_bracket": bracket_figure(summary, metadata),
    }
    written = []
    for name, figure in figures.items():
        if figure is None:
            continue
        for suffix in formats:
            path = Path(folder) / f"{name}.{suffix}"
            figure.savefig(path, dpi=110)
            written.append(path)
    return written
