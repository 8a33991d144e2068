"""The time budget: one deadline shared by every stage, each stopping within one indivisible step."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiqlip_plugin import estimate_lipschitz
from hiqlip_plugin.budget import MIN_SECONDS, Budget
from hiqlip_plugin.exceptions import TimeLimitExceeded
from hiqlip_plugin.lipschitz import exact as exact_module
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.realizability import check_realizability
from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
from hiqlip_plugin.problems import random_relu_network


class FakeClock:
    """A clock that advances by ``tick`` seconds at every reading: readings count the checks."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick, self.readings = 0.0, tick, 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.tick
        return self.now


def test_budget_arithmetic():
    clock = FakeClock(0.0)
    budget = Budget(8.0, clock=clock)
    assert budget.remaining() == 8.0 and not budget.expired()
    half = budget.fraction(0.5)
    quarter = budget.share(4)
    assert half.remaining() == 4.0 and quarter.remaining() == 2.0
    clock.now = 3.0
    assert quarter.expired() and not half.expired() and budget.remaining() == 5.0
    clock.now = 9.0
    assert budget.expired() and budget.remaining() == 0.0 and budget.seconds() == MIN_SECONDS
    with pytest.raises(TimeLimitExceeded, match="sampling"):
        budget.check("sampling")
    unlimited = Budget(None)
    assert math.isinf(unlimited.remaining()) and unlimited.seconds() is None and not unlimited.share(3).limited


def test_a_child_never_outlives_its_parent():
    clock = FakeClock(0.0)
    parent = Budget(1.0, clock=clock)
    child = parent.fraction(1.0)
    assert child.deadline == parent.deadline


@pytest.mark.parametrize(("value", "error"), [("1", TypeError), (True, TypeError), (0, ValueError),
                                              (-1.0, ValueError), (float("nan"), ValueError)])
def test_bad_time_limits(value, error):
    with pytest.raises(error, match="time_limit"):
        Budget(value)


def test_bad_shares():
    with pytest.raises(ValueError, match="share"):
        Budget(1.0).fraction(1.5)
    with pytest.raises(ValueError, match="parts"):
        Budget(1.0).share(0)


def test_exact_enumeration_stops_within_one_chunk():
    # one clock reading per scored chunk: a budget of 2.5 ticks stops after the third chunk
    net = random_relu_network((18, 16, 1), seed=0)
    clock = FakeClock(1.0)
    with pytest.raises(TimeLimitExceeded, match="exact enumeration"):
        exact_fgl(net, chunk_size=256, time_limit=Budget(2.5, clock=clock))
    assert clock.readings == 1 + 3  # the start, then one check per chunk until expiry
    # without a limit the same call covers every chunk
    assert exact_fgl(net, chunk_size=256).num_enumerated == 2**16


def test_exact_enumeration_wall_clock_limit():
    net = random_relu_network((26, 24, 1), seed=0)  # 2^24 cases: seconds of work
    start = time.perf_counter()
    with pytest.raises(TimeLimitExceeded):
        exact_fgl(net, time_limit=0.05)
    assert time.perf_counter() - start < 2.0  # generous: a chunk takes milliseconds


def test_auto_exact_falls_back_to_the_witness_search_when_out_of_time(monkeypatch):
    from hiqlip_plugin.lipschitz import estimate as estimate_module

    def out_of_time(*args, time_limit=None, **kwargs):
        return exact_module.exact_fgl(*args, time_limit=Budget(1.0, clock=FakeClock(2.0)), **kwargs)

    monkeypatch.setattr(estimate_module, "exact_fgl", out_of_time)
    net = random_relu_network((10, 8, 1), seed=1)
    (estimate,) = estimate_lipschitz(net, seed=0, time_limit=5.0)
    assert estimate.sampler != "exact enumeration" and "ran out of time" in " ".join(estimate.notes)
    assert estimate.lower <= exact_fgl(net).value * (1 + 1e-12)
    with pytest.raises(TimeLimitExceeded):
        estimate_lipschitz(net, seed=0, exact=True, time_limit=5.0)


def test_sampling_runs_one_batch_once_the_budget_is_spent():
    net = random_relu_network((6, 8, 1), seed=0)
    spent = Budget(1.0, clock=FakeClock(2.0))
    result = sampled_lipschitz(net, num_samples=5000, seed=0, time_limit=spent)
    assert result.num_evaluations == 5000  # one batch (all samples fit), no ascent
    full = sampled_lipschitz(net, num_samples=5000, seed=0)
    assert full.num_evaluations == 5000 + 50 * 32


def test_sampling_wall_clock_limit():
    net = random_relu_network((200, 200, 1), seed=0)
    start = time.perf_counter()
    sampled_lipschitz(net, num_samples=10**7, seed=0, time_limit=0.2)
    assert time.perf_counter() - start < 3.0  # unlimited, 10^7 samples take minutes


def test_realizability_lp_gets_a_time_limit(monkeypatch):
    from hiqlip_plugin.lipschitz import realizability

    seen = {}
    real = realizability.linprog

    def spy(*args, **kwargs):
        seen.update(kwargs.get("options") or {})
        return real(*args, **kwargs)

    monkeypatch.setattr(realizability, "linprog", spy)
    net = random_relu_network((3, 5, 1), seed=0)
    check_realizability(net, net.activation_patterns(np.ones(3)), time_limit=0.5)
    assert seen == {"time_limit": 0.5}
    with pytest.raises(TypeError, match="time_limit"):
        check_realizability(net, net.activation_patterns(np.ones(3)), time_limit="1")


def test_spent_budget_skips_the_optional_stages_with_notes(monkeypatch):
    from hiqlip_plugin.lipschitz import estimate as estimate_module

    real_search = estimate_module.WitnessSearch.two_layer

    def slow_search(self, *args, **kwargs):
        result = real_search(self, *args, **kwargs)
        time.sleep(0.3)  # the witness uses up the whole budget
        return result

    monkeypatch.setattr(estimate_module.WitnessSearch, "two_layer", slow_search)
    net = random_relu_network((30, 25, 1), seed=0)
    start = time.perf_counter()
    (estimate,) = estimate_lipschitz(net, seed=0, exact=False, time_limit=0.2)
    assert time.perf_counter() - start < 0.2 + 0.3 + 1.0
    notes = " ".join(estimate.notes)
    assert "spent before the SDP (the norm product is reported), the realizability LP, sampling: skipped" in notes
    assert estimate.upper_method.startswith("product") and estimate.sampled is None and estimate.attained is None
    assert estimate.lower <= estimate.upper


@pytest.mark.slow
def test_digits_time_limit_is_honoured():
    from hiqlip_plugin.examples import digits_mlp

    start = time.perf_counter()
    report = estimate_lipschitz(digits_mlp(), seed=0, time_limit=1.0)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0 + 2.0  # generous margin for a loaded machine; one witness step may overrun
    assert all(e.lower <= e.upper for e in report)


@given(limit=st.floats(1e-3, 1e3), steps=st.lists(st.tuples(st.sampled_from(["share", "fraction", "wait"]),
                                                        st.floats(1e-3, 1.0), st.integers(1, 8)), max_size=8))
def test_children_never_outlive_their_parents(limit, steps):
    clock = FakeClock(0.0)
    chain = [Budget(limit, clock=clock)]
    for kind, value, parts in steps:
        if kind == "wait":
            clock.now += value * limit
            continue
        child = chain[-1].share(parts) if kind == "share" else chain[-1].fraction(value)
        assert child.deadline <= chain[-1].deadline
        assert 0.0 <= child.remaining() <= chain[-1].remaining()
        chain.append(child)
    assert chain[-1].expired() == (clock.now >= chain[-1].deadline)
