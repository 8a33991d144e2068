"""Argument checks shared by the package's samplers, searches and solvers (internal)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_integer", "check_positive"]


def check_integer(value: Any, name: str, minimum: int = 0) -> int:
    """Return ``value`` as an int, refusing bools and non-integers (TypeError) and values below ``minimum``.

    Examples:
        >>> from hiqlip_plugin._validation import check_integer
        >>> check_integer(np.int64(3), "num_reads", 1)
        3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a positive finite float (seconds, radii, caps), else raise ValueError.

    Examples:
        >>> from hiqlip_plugin._validation import check_positive
        >>> check_positive(2, "time_limit")
        2.0
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number
