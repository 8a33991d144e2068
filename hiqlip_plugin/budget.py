"""A time budget shared by the stages of one computation.

A :class:`Budget` is a deadline on a monotonic clock. Every stage of :func:`~hiqlip_plugin.estimate_lipschitz`
(exact enumeration, witness search, SDP, realizability LP, gradient sampling) receives one, checks it between
its indivisible steps (a chunk of the enumeration, a batch of gradients) and hands what is left to the next:
so a ``time_limit`` holds up to one such step. Stages split it with :meth:`Budget.share` (an equal part for
each of ``n`` items) and :meth:`Budget.fraction`; a child never outlives its parent. Solvers that take a
``time_limit`` in seconds get :meth:`Budget.seconds`.

An unlimited budget (``Budget(None)``) never expires, and :meth:`Budget.seconds` is then ``None``, so code
paths are the same with and without a limit.

Examples:
    >>> from hiqlip_plugin.budget import Budget
    >>> ticks = iter([0.0, 0.0, 1.0, 1.0, 5.0])
    >>> budget = Budget(4.0, clock=lambda: next(ticks))  # starts at t = 0
    >>> half = budget.share(2)  # created at t = 0: two seconds
    >>> half.remaining(), budget.remaining()  # t = 1, then t = 1
    (1.0, 3.0)
    >>> budget.expired()  # t = 5
    True
    >>> Budget(None).seconds() is None
    True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from hiqlip_plugin._validation import check_fraction, check_integer, check_time_limit
from hiqlip_plugin.exceptions import TimeLimitExceeded

__all__ = ["Budget", "MIN_SECONDS"]

MIN_SECONDS = 1e-3
"""The least time limit :meth:`Budget.seconds` hands to a solver (solvers refuse zero or negative limits)."""


class Budget:
    """A deadline ``time_limit`` seconds from now (``None``: no limit) on a monotonic clock.

    Args:
        time_limit: Seconds allowed (a positive finite number), or ``None`` for no limit.
        clock: A monotonic clock in seconds (default :func:`time.perf_counter`; tests pass a fake one).

    Raises:
        TypeError: If ``time_limit`` is not a real number (strings and bools included).
        ValueError: If ``time_limit`` is not positive and finite.

    Examples:
        >>> from hiqlip_plugin.budget import Budget
        >>> budget = Budget(10.0)
        >>> 9.0 < budget.remaining() <= 10.0, budget.expired()
        (True, False)
    """

    def __init__(self, time_limit: float | None = None, *, clock: Callable[[], float] = time.perf_counter) -> None:
        limit = None if time_limit is None else check_time_limit(time_limit)
        self._clock = clock
        self.time_limit = limit
        self.deadline = math.inf if limit is None else clock() + limit

    @classmethod
    def _until(cls, deadline: float, now: float, clock: Callable[[], float]) -> Budget:
        child = cls.__new__(cls)
        child._clock = clock
        child.deadline = deadline
        child.time_limit = None if math.isinf(deadline) else max(deadline - now, 0.0)
        return child

    @property
    def limited(self) -> bool:
        """Whether there is a deadline at all."""
        return not math.isinf(self.deadline)

    def remaining(self) -> float:
        """Seconds left (``inf`` without a limit, ``0.0`` once expired).

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> Budget(None).remaining()
            inf
        """
        if not self.limited:
            return math.inf
        return max(self.deadline - self._clock(), 0.0)

    def expired(self) -> bool:
        """Whether the deadline has passed.

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> Budget(None).expired()
            False
        """
        return self.limited and self._clock() >= self.deadline

    def check(self, stage: str) -> None:
        """Raise :class:`~hiqlip_plugin.exceptions.TimeLimitExceeded` naming ``stage`` if the budget expired.

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> ticks = iter([0.0, 2.0])
            >>> budget = Budget(1.0, clock=lambda: next(ticks))
            >>> budget.check("sampling")
            Traceback (most recent call last):
            ...
            hiqlip_plugin.exceptions.TimeLimitExceeded: sampling ran out of its time limit (1 s)
        """
        if self.expired():
            limit = "" if self.time_limit is None else f" ({self.time_limit:.3g} s)"
            raise TimeLimitExceeded(f"{stage} ran out of its time limit{limit}")

    def seconds(self) -> float | None:
        """The time left as a ``time_limit`` argument for a solver: ``None`` without a limit, else at least
        :data:`MIN_SECONDS` (so an expired budget still asks for one minimal step, never for zero).

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> 0 < Budget(2.0).seconds() <= 2.0
            True
        """
        return None if not self.limited else max(self.remaining(), MIN_SECONDS)

    def fraction(self, share: float) -> Budget:
        """A child budget of ``share`` (in ``(0, 1]``) of the time left now.

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> ticks = iter([0.0, 0.0, 0.0])
            >>> Budget(10.0, clock=lambda: next(ticks)).fraction(0.25).remaining()
            2.5
        """
        share = check_fraction(share, "share")
        if not self.limited:
            return Budget._until(math.inf, 0.0, self._clock)
        now = self._clock()
        return Budget._until(min(self.deadline, now + share * max(self.deadline - now, 0.0)), now, self._clock)

    def share(self, parts: int) -> Budget:
        """A child budget of an equal ``1 / parts`` of the time left now (one of ``parts`` items to run).

        Examples:
            >>> from hiqlip_plugin.budget import Budget
            >>> ticks = iter([0.0, 0.0, 0.0])
            >>> Budget(9.0, clock=lambda: next(ticks)).share(3).remaining()
            3.0
        """
        return self.fraction(1.0 / check_integer(parts, "parts", 1))

    def __repr__(self) -> str:
        return "Budget(None)" if not self.limited else f"Budget(remaining={self.remaining():.3g} s)"
