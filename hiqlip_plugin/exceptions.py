"""Exception types raised by hiqlip-plugin.

Every error the package raises on purpose derives from :class:`HiqlipError`, and each also derives from the
built-in exception a caller would expect (``ValueError`` for bad input, ``RuntimeError`` for unavailable
hardware), so ``except ValueError`` keeps working.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin import ReLUNetwork
    >>> from hiqlip_plugin.exceptions import InvalidNetworkError
    >>> try:
    ...     ReLUNetwork([np.ones((3, 2)), np.ones((1, 4))])
    ... except InvalidNetworkError as err:
    ...     print("rejected")
    rejected
"""

from __future__ import annotations

__all__ = [
    "HiqlipError",
    "InvalidNetworkError",
    "ProblemTooLargeError",
    "SamplerOutputError",
    "SolverFailedError",
    "FloatRangeError",
    "HardwareUnavailable",
    "TimeLimitExceeded",
]


class HiqlipError(Exception):
    """Base class of every exception raised on purpose by hiqlip-plugin."""


class InvalidNetworkError(HiqlipError, ValueError):
    """A network (or a file or module claiming to hold one) is malformed or unsupported."""


class ProblemTooLargeError(HiqlipError, ValueError):
    """An exact method was asked to solve a problem beyond its documented size limit."""


class SamplerOutputError(HiqlipError, ValueError):
    """A sampler returned something that is not a valid answer to the problem it was given."""


class SolverFailedError(HiqlipError, RuntimeError):
    """A numerical solver (SDP, LP, eigensolver) did not reach a certified answer."""


class FloatRangeError(HiqlipError, OverflowError):
    """A bound or certificate value lies outside the float64 range (the weights need rescaling)."""


class HardwareUnavailable(HiqlipError, RuntimeError):
    """A hardware adapter was requested but its credentials or packages are not configured."""


class TimeLimitExceeded(HiqlipError, TimeoutError):
    """A stage ran out of its time budget (see :class:`~hiqlip_plugin.budget.Budget`) before it could finish.

    Raised by stages that cannot return a partial answer, e.g. an exact enumeration stopped before it covered
    every case; :func:`~hiqlip_plugin.estimate_lipschitz` then falls back to the witness search.
    """
