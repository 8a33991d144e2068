"""estimate_lipschitz: an honest bracket for any depth, norm and output choice."""

from __future__ import annotations

import json

import dimod
import numpy as np
import pytest

from hiqlip_plugin import estimate_lipschitz
from hiqlip_plugin.exceptions import ProblemTooLargeError
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.witness import ASCENT, BLOCK_MOVES, LAYERED, METHODS
from hiqlip_plugin.problems import random_relu_network

TOL = 1e-9


def assert_bracket(estimate, exact_value):
    assert estimate.lower <= exact_value * (1 + TOL) + TOL
    assert exact_value <= estimate.upper * (1 + TOL) + TOL
    assert estimate.certificate.value == estimate.lower
    if estimate.sampled is not None:
        assert estimate.sampled <= exact_value * (1 + TOL) + TOL


@pytest.mark.parametrize("sizes", [(40, 10, 2), (12, 30, 2)])
def test_default_call_is_exact_on_small_nets(sizes):
    net = random_relu_network(sizes, seed=1)
    report = estimate_lipschitz(net, seed=0)
    for k, estimate in enumerate(report):
        exact = exact_fgl(net, output=k).value
        assert estimate.exact
        assert estimate.lower == pytest.approx(exact, rel=1e-12)
        assert_bracket(estimate, exact)


@pytest.mark.parametrize(("sizes", "seeds"), [((200, 12, 1), range(4)), ((1000, 14, 1), range(2))])
def test_sampler_path_finds_the_exact_fgl(sizes, seeds):
    hits = 0
    for seed in seeds:
        net = random_relu_network(sizes, seed=seed)
        exact = exact_fgl(net).value
        estimate = estimate_lipschitz(net, exact=False, seed=seed, sampling=False)[0]
        assert estimate.sampler.split(" (")[0] in METHODS
        assert_bracket(estimate, exact)
        hits += estimate.lower == pytest.approx(exact, rel=1e-9)
    assert hits >= len(seeds) - 1


@pytest.mark.parametrize("sizes", [(6, 5, 4, 2), (5, 4, 3, 3, 1)])
def test_deep_nets_bracket_and_witness(sizes):
    hits, seeds = 0, range(5)
    for seed in seeds:
        net = random_relu_network(sizes, seed=seed)
        exact = exact_fgl(net, output=0).value
        estimate = estimate_lipschitz(net, outputs=0, exact=False, seed=seed)[0]
        assert estimate.sampler.split(" (")[0].split(";")[0] in (LAYERED, ASCENT, BLOCK_MOVES)
        assert_bracket(estimate, exact)
        assert estimate.certificate.verify(net)
        hits += estimate.lower == pytest.approx(exact, rel=1e-9)
    assert hits >= 4


@pytest.mark.parametrize("norm", [2, 1])
def test_other_norms(norm):
    net = random_relu_network((10, 8, 2), seed=3)
    report = estimate_lipschitz(net, norm=norm, seed=0)
    assert report.norm == str(norm)
    for k, estimate in enumerate(report):
        exact = exact_fgl(net, output=k, norm=norm).value
        assert estimate.exact
        assert_bracket(estimate, exact)


def test_l2_sampler_path():
    net = random_relu_network((30, 24, 1), seed=2)
    exact = exact_fgl(net, norm=2).value
    estimate = estimate_lipschitz(net, norm=2, exact=False, seed=0)[0]
    assert_bracket(estimate, exact)


def test_direction_and_output_lists():
    net = random_relu_network((6, 5, 3), seed=0)
    assert [e.output for e in estimate_lipschitz(net, outputs=[2, 0], seed=0)] == [2, 0]
    (estimate,) = estimate_lipschitz(net, outputs=np.array([1.0, -1.0, 0.5]), seed=0)
    assert estimate.output is None
    np.testing.assert_array_equal(estimate.direction, [1.0, -1.0, 0.5])
    assert_bracket(estimate, exact_fgl(net, direction=[1.0, -1.0, 0.5]).value)


def test_user_sampler_and_capacity():
    net = random_relu_network((30, 10, 1), seed=4)
    spy = dimod.TrackingComposite(dimod.ExactSolver())
    estimate = estimate_lipschitz(net, sampler=spy, max_subproblem_size=8, exact=False, seed=0)[0]
    assert spy.inputs and all(len(call["bqm"].variables) <= 8 for call in spy.inputs)
    assert_bracket(estimate, exact_fgl(net).value)


def test_same_seed_same_report():
    net = random_relu_network((80, 30, 2), seed=5)
    a = estimate_lipschitz(net, exact=False, seed=11).to_dict()
    b = estimate_lipschitz(net, exact=False, seed=11).to_dict()
    for x, y in zip(a["estimates"], b["estimates"], strict=True):
        assert x["lower"] == y["lower"] and x["upper"] == y["upper"] and x["certificate"] == y["certificate"]


def test_time_limit_still_gives_a_valid_bracket():
    net = random_relu_network((200, 60, 2), seed=0)
    report = estimate_lipschitz(net, seed=0, time_limit=2.0, sampling=False)
    for estimate in report:
        assert estimate.certificate.verify(net)
        assert estimate.lower <= estimate.upper


def test_report_outputs(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    net = random_relu_network((6, 5, 2), seed=0)
    report = estimate_lipschitz(net, seed=0)
    data = json.loads(report.to_json())
    assert data["layer_sizes"] == [6, 5, 2] and len(data["estimates"]) == 2
    assert {"lower", "upper", "sampled", "exact", "attained", "certificate", "timings"} <= set(data["estimates"][0])
    text = str(report)
    assert "witness" in text and "upper" in text and "sampled" in text
    ax = report.plot()
    ax.figure.savefig(tmp_path / "report.png")
    assert len(ax.patches) == 6


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"outputs": "some"}, ValueError),
        ({"outputs": 7}, ValueError),
        ({"outputs": [0.0, 1.0, 2.0]}, ValueError),
        ({"norm": 3}, ValueError),
        ({"upper": "guess"}, ValueError),
        ({"exact": "maybe"}, ValueError),
        ({"time_limit": 0}, ValueError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        estimate_lipschitz(random_relu_network((4, 3, 2), seed=0), **kwargs)


def test_exact_true_refuses_large_problems():
    net = random_relu_network((40, 40, 1), seed=0)
    with pytest.raises(ProblemTooLargeError):
        estimate_lipschitz(net, exact=True)
