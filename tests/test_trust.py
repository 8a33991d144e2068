"""Odd scalars never reach numpy or a comparison unchecked: each public entry point names the argument."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

from hiqlip_plugin import CIMSampler, estimate_lipschitz
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.realizability import check_realizability
from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
from hiqlip_plugin.problems import random_relu_network

NET = random_relu_network((4, 3, 1), seed=0)
PATTERNS = NET.activation_patterns(np.ones(4))
BQM = dimod.BQM.from_ising({0: 0.5}, {(0, 1): -1.0})

CALLS = {
    "estimate_lipschitz": lambda **k: estimate_lipschitz(NET, **k),
    "sampled_lipschitz": lambda **k: sampled_lipschitz(NET, **{"num_samples": 10, **k}),
    "exact_fgl": lambda **k: exact_fgl(NET, **k),
    "check_realizability": lambda **k: check_realizability(NET, PATTERNS, **k),
    "CIMSampler.sample": lambda **k: CIMSampler().sample(BQM, num_steps=10, **k),
}

CASES = [
    ("estimate_lipschitz", {"seed": 2.0}, TypeError),
    ("estimate_lipschitz", {"time_limit": "5"}, TypeError),
    ("estimate_lipschitz", {"blas_threads": 1.0}, TypeError),
    ("sampled_lipschitz", {"seed": "7"}, TypeError),
    ("sampled_lipschitz", {"radius": "2"}, TypeError),
    ("sampled_lipschitz", {"time_limit": True}, TypeError),
    ("sampled_lipschitz", {"num_samples": 0}, ValueError),
    ("exact_fgl", {"time_limit": "1"}, TypeError),
    ("exact_fgl", {"time_limit": -1}, ValueError),
    ("exact_fgl", {"max_bits": 2.5}, TypeError),
    ("check_realizability", {"time_limit": "1"}, TypeError),
    ("check_realizability", {"margin_cap": "1"}, TypeError),
    ("check_realizability", {"time_limit": 0.0}, ValueError),
    ("CIMSampler.sample", {"seed": 1.0}, TypeError),
    ("CIMSampler.sample", {"time_limit": "1"}, TypeError),
]


@pytest.mark.parametrize(("function", "kwargs", "error"), CASES, ids=[f"{c[0]}-{next(iter(c[1]))}" for c in CASES])
def test_bad_scalars_raise_and_name_the_argument(function, kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        CALLS[function](**kwargs)
