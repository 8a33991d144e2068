"""Statistics of a study cell (one problem x sampler x budget): success, TTS99 and their intervals.

Pure functions on arrays: the objectives, success flags and run times of the independent runs of a cell.

- **Success probability** ``p = s / n`` (``s`` of ``n`` runs reach the target) with the Wilson score interval
  (:func:`wilson_interval`), which stays inside ``[0, 1]`` and is not degenerate at ``p = 0`` or ``1``:

  .. math::

      \\frac{\\hat p + \\frac{z^2}{2n} \\pm z \\sqrt{\\frac{\\hat p (1 - \\hat p)}{n} + \\frac{z^2}{4n^2}}}
           {1 + \\frac{z^2}{n}} .

- **TTS99** (:func:`tts`), D-Wave's time to solution: the expected time to see the target at least once with
  probability 0.99 by repeating independent runs of mean duration ``t_run``,
  ``TTS = t_run ln(1 - 0.99) / ln(1 - p)``; ``t_run`` when ``p >= 0.99`` (one run suffices) and infinite
  when ``p = 0``. Its interval (:func:`bootstrap_tts`) resamples the runs with replacement (seeded) and takes
  percentiles of the resampled TTS; an infinite upper end means that some resamples had no success.
- **Time-to-target curve** (:func:`time_to_target`): ``P(hit within time t) = 1 - (1 - p)^floor(t / t_run)``
  with bootstrap bands, the stochastic-benchmark "window sticker" view of restarts.
- **Quality versus time** (:func:`best_of_k`): the expected best objective of ``k`` restarts, total time
  ``k t_run``, by bootstrap.

Examples:
    >>> from hiqlip_plugin.studies.metrics import tts, wilson_interval
    >>> round(tts(1.0, 0.5), 3)
    6.644
    >>> [round(v, 3) for v in wilson_interval(5, 10)]
    [0.237, 0.763]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["wilson_interval", "tts", "bootstrap_tts", "time_to_target", "best_of_k", "relative_gap",
           "restart_counts"]


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (``z = 1.96``: 95 %).

    Raises:
        ValueError: If ``trials < 1`` or ``successes`` is not in ``0..trials``.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import wilson_interval
        >>> lo, hi = wilson_interval(0, 20)
        >>> lo, round(hi, 4)
        (0.0, 0.1611)
    """
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes} of {trials}")
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends, no rounding
    return low, 1.0 if successes == trials else min(1.0, centre + half)


def tts(t_run: float, p: float, confidence: float = 0.99) -> float:
    """Time to solution: ``t_run ln(1 - confidence) / ln(1 - p)``; ``t_run`` if ``p >= confidence``; inf if 0.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import tts
        >>> tts(2.0, 0.0), tts(2.0, 1.0), tts(2.0, 0.995)
        (inf, 2.0, 2.0)
    """
    if not 0.0 <= p <= 1.0 or not 0.0 < confidence < 1.0:
        raise ValueError(f"need 0 <= p <= 1 and 0 < confidence < 1, got p={p}, confidence={confidence}")
    if p >= confidence:
        return float(t_run)
    if p == 0.0:
        return math.inf
    return float(t_run * math.log(1.0 - confidence) / math.log1p(-p))


def _resample(n: int, resamples: int, seed: int | Sequence[int]) -> np.ndarray:
    """``(resamples, n)`` indices drawn with replacement."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def bootstrap_tts(
    times: npt.ArrayLike,
    successes: npt.ArrayLike,
    *,
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    level: float = 0.95,
    confidence: float = 0.99,
) -> tuple[float, float, float]:
    """TTS of the runs and a percentile bootstrap interval: ``(tts, low, high)``.

    Args:
        times: Wall time of each run.
        successes: Whether each run reached the target.
        resamples: Bootstrap resamples (runs drawn with replacement).
        seed: Seed of the resampling.
        level: Coverage of the interval.
        confidence: The ``0.99`` of TTS99.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import bootstrap_tts
        >>> bootstrap_tts([1.0, 1.0], [True, True])
        (1.0, 1.0, 1.0)
        >>> value, low, high = bootstrap_tts([1.0] * 10, [True] + [False] * 9, seed=3)
        >>> round(value, 2), low <= value, high
        (43.71, True, inf)
    """
    t = np.asarray(times, dtype=np.float64)
    hit = np.asarray(successes, dtype=bool)
    if t.ndim != 1 or t.shape != hit.shape or t.size == 0:
        raise ValueError("times and successes must be non-empty 1-d arrays of the same length")
    value = tts(float(t.mean()), float(hit.mean()), confidence)
    index = _resample(t.size, resamples, seed)
    samples = np.array([tts(float(tr), float(pr), confidence)
                        for tr, pr in zip(t[index].mean(axis=1), hit[index].mean(axis=1), strict=True)])
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail], method="inverted_cdf")
    return value, float(low), float(high)


def restart_counts(max_restarts: int) -> np.ndarray:
    """Restart counts ``1, 2, 4, ...`` up to ``max_restarts`` (included), the abscissae of the curves.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import restart_counts
        >>> restart_counts(10).tolist()
        [1, 2, 4, 8, 10]
    """
    counts = [2**i for i in range(int(math.log2(max(1, max_restarts))) + 1)]
    return np.array(sorted(set(counts) | {max(1, max_restarts)}), dtype=np.int64)


def time_to_target(
    times: npt.ArrayLike,
    successes: npt.ArrayLike,
    restarts: npt.ArrayLike,
    *,
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    level: float = 0.95,
) -> dict[str, list[float]]:
    """Probability of reaching the target within ``k`` restarts, ``1 - (1 - p)^k``, with bootstrap bands.

    Returns:
        ``{"time": k t_run, "probability", "low", "high"}`` per entry of ``restarts``.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import time_to_target
        >>> curve = time_to_target([0.5, 0.5], [True, False], [1, 2])
        >>> curve["time"], curve["probability"]
        ([0.5, 1.0], [0.5, 0.75])
    """
    t = np.asarray(times, dtype=np.float64)
    hit = np.asarray(successes, dtype=bool)
    k = np.asarray(restarts, dtype=np.float64)
    p_star = hit[_resample(hit.size, resamples, seed)].mean(axis=1)
    band = 1.0 - (1.0 - p_star[:, None]) ** k[None, :]
    tail = (1.0 - level) / 2.0
    return {
        "time": (k * t.mean()).tolist(),
        "probability": (1.0 - (1.0 - hit.mean()) ** k).tolist(),
        "low": np.quantile(band, tail, axis=0).tolist(),
        "high": np.quantile(band, 1.0 - tail, axis=0).tolist(),
    }


def best_of_k(
    objectives: npt.ArrayLike,
    restarts: npt.ArrayLike,
    *,
    sense: str = "max",
    resamples: int = 1000,
    seed: int | Sequence[int] = 0,
    level: float = 0.95,
) -> dict[str, list[float]]:
    """Expected best objective of ``k`` restarts drawn from the runs, with a bootstrap band.

    Each resample draws ``k`` runs with replacement and keeps the best; ``mean`` averages them, ``low`` and
    ``high`` are percentiles.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import best_of_k
        >>> curve = best_of_k([1.0, 3.0], [1, 64], seed=0)
        >>> bool(abs(curve["mean"][0] - 2.0) < 0.2), curve["mean"][1]
        (True, 3.0)
    """
    values = np.asarray(objectives, dtype=np.float64)
    if sense not in ("max", "min"):
        raise ValueError(f"sense must be 'max' or 'min', got {sense!r}")
    rng = np.random.default_rng(seed)
    tail = (1.0 - level) / 2.0
    curve: dict[str, list[float]] = {"mean": [], "low": [], "high": []}
    for k in np.asarray(restarts, dtype=np.int64):
        draws = values[rng.integers(0, values.size, size=(resamples, int(k)))]
        best = draws.max(axis=1) if sense == "max" else draws.min(axis=1)
        curve["mean"].append(float(best.mean()))
        curve["low"].append(float(np.quantile(best, tail)))
        curve["high"].append(float(np.quantile(best, 1.0 - tail)))
    return curve


def relative_gap(value: float, reference: float | None, sense: str = "max") -> float | None:
    """Relative distance of ``value`` from ``reference`` in the losing direction (0 at or past it).

    ``(reference - value) / |reference|`` for maximisation, ``(value - reference) / |reference|`` for
    minimisation (``|reference|`` replaced by 1 when it is 0); ``None`` without a reference.

    Examples:
        >>> from hiqlip_plugin.studies.metrics import relative_gap
        >>> relative_gap(90.0, 100.0), relative_gap(-90.0, -100.0, "min"), relative_gap(1.0, None)
        (0.1, 0.1, None)
    """
    if reference is None:
        return None
    difference = reference - value if sense == "max" else value - reference
    return float(max(0.0, difference) / (abs(reference) or 1.0))
