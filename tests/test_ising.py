"""ising_arrays: exact conversion of any BQM to arrays."""

from __future__ import annotations

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin.ising import ising_arrays


@st.composite
def bqms(draw):
    n = draw(st.integers(0, 8))
    vartype = draw(st.sampled_from([dimod.SPIN, dimod.BINARY]))
    labels = draw(st.permutations([f"v{i}" for i in range(n)] if draw(st.booleans()) else list(range(n))))
    bias = st.floats(-5, 5, allow_nan=False)
    linear = {v: draw(bias) for v in labels}
    quadratic = {}
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                quadratic[labels[i], labels[j]] = draw(bias)
    return dimod.BQM(linear, quadratic, draw(bias), vartype)


@settings(max_examples=60, deadline=None)
@given(bqm=bqms(), sparse=st.sampled_from([None, True, False]), data=st.data())
def test_energies_agree_with_bqm(bqm, sparse, data):
    arrays = ising_arrays(bqm, sparse=sparse)
    n = bqm.num_variables
    spins = np.array(data.draw(st.lists(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n), min_size=1, max_size=4)))
    values = spins if bqm.vartype is dimod.SPIN else (spins + 1) // 2
    expected = bqm.energies((values, list(arrays.variables)))
    np.testing.assert_allclose(arrays.energies(spins), expected, rtol=1e-9, atol=1e-9)


def test_sparse_choice_follows_density():
    dense = dimod.generators.gnp_random_bqm(30, 0.9, "SPIN", random_state=1)
    sparse = dimod.generators.gnp_random_bqm(300, 0.01, "SPIN", random_state=1)
    assert not ising_arrays(dense).is_sparse
    assert ising_arrays(sparse).is_sparse


def test_local_fields_give_flip_gains():
    bqm = dimod.generators.gnp_random_bqm(12, 0.5, "SPIN", random_state=3)
    arrays = ising_arrays(bqm)
    s = np.random.default_rng(0).choice([-1, 1], size=12)
    fields = arrays.local_fields(s)
    for i in range(12):
        flipped = s.copy()
        flipped[i] *= -1
        assert arrays.energies(flipped) - arrays.energies(s) == pytest.approx(-2 * s[i] * fields[i])


def test_bad_inputs():
    bqm = dimod.BQM({"a": 1.0, "b": 0.0}, {}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="variable_order"):
        ising_arrays(bqm, variable_order=["a"])
    with pytest.raises(ValueError, match="NaN"):
        ising_arrays(dimod.BQM({"a": np.nan}, {}, 0.0, "SPIN"))
    with pytest.raises(ValueError, match="spins"):
        ising_arrays(bqm).energies([[1, 1, 1]])
