"""Argument checks shared by the package's samplers, searches and solvers (internal).

Each checker names the argument in its message and raises ``TypeError`` for a value of the wrong kind
(a string, a bool, a float where an integer is needed) and ``ValueError`` for a value of the right kind but
out of range, so nothing odd reaches numpy or a comparison unchecked.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["check_integer", "check_positive", "check_time_limit", "check_seed", "check_fraction"]


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


def _real(value: Any, name: str, what: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {value!r} of type {type(value).__name__}")
    return float(value)


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a positive finite float (seconds, radii, caps): TypeError for anything but a real
    number (strings and bools included), ValueError for zero, negative, NaN or infinite values.

    Examples:
        >>> from hiqlip_plugin._validation import check_positive
        >>> check_positive(2, "time_limit")
        2.0
    """
    number = _real(value, name, "a positive number")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def check_time_limit(value: Any, name: str = "time_limit") -> float:
    """Return a time limit in seconds: a real number (TypeError otherwise, strings included), positive and
    finite (ValueError otherwise; pass ``None`` to the caller for "no limit").

    Examples:
        >>> from hiqlip_plugin._validation import check_time_limit
        >>> check_time_limit(np.float32(0.5))
        0.5
        >>> check_time_limit("2")
        Traceback (most recent call last):
        ...
        TypeError: time_limit must be a number of seconds, got '2' of type str
    """
    number = _real(value, name, "a number of seconds")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number of seconds (or None for no limit), got {value!r}")
    return number


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float in ``(0, 1]`` (TypeError for non-numbers, ValueError out of range).

    Examples:
        >>> from hiqlip_plugin._validation import check_fraction
        >>> check_fraction(0.25, "share")
        0.25
    """
    number = _real(value, name, "a number")
    if not 0 < number <= 1:
        raise ValueError(f"{name} must lie in (0, 1], got {value!r}")
    return number


def check_work_or_time(count: Any, name: str, time_limit: Any) -> tuple[int | None, float | None]:
    """Validate a fixed amount of work (``count`` >= 0, ``None`` for "until the limit") and a time limit.

    Returns:
        ``(count, time_limit)``; at least one of them is given (ValueError otherwise).

    Examples:
        >>> from hiqlip_plugin._validation import check_work_or_time
        >>> check_work_or_time(6, "num_batches", None), check_work_or_time(None, "num_batches", 0.5)
        ((6, None), (None, 0.5))
    """
    work = None if count is None else check_integer(count, name, 0)
    limit = None if time_limit is None else check_time_limit(time_limit)
    if work is None and limit is None:
        raise ValueError(f"give {name} or time_limit (or both)")
    return work, limit


def check_seed(value: Any, name: str = "seed") -> int | None:
    """Return a seed: ``None`` or a non-negative integer (numpy integers included).

    Floats, strings and bools are refused with TypeError (numpy would truncate a float or fail deep inside),
    negative integers with ValueError (numpy's seed sequences need entropy >= 0).

    Examples:
        >>> from hiqlip_plugin._validation import check_seed
        >>> check_seed(np.int64(7)), check_seed(None)
        (7, None)
        >>> check_seed(1.5)
        Traceback (most recent call last):
        ...
        TypeError: seed must be None or a non-negative integer, got 1.5 of type float
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be None or a non-negative integer, got {value!r} of type {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be None or a non-negative integer, got {value!r}")
    return int(value)
