"""Shared fixtures: random networks, the path of the shared benchmark data, and the CIM kernel backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hiqlip_plugin.problems import random_relu_network
from hiqlip_plugin.samplers import native

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def make_network():
    """Factory: ``make_network((d, h, k), seed)`` -> a He-initialised ReLUNetwork."""
    return random_relu_network


@pytest.fixture
def shared_data() -> Path:
    """Path of ``../shared/data``; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


def _require_native() -> None:
    """Skip without the compiled CIM kernels, or fail when ``HIQLIP_REQUIRE_NATIVE=1`` (set by CI)."""
    if not native.available():
        if os.environ.get("HIQLIP_REQUIRE_NATIVE") == "1":
            pytest.fail("the compiled CIM kernels were not built (HIQLIP_REQUIRE_NATIVE=1)")
        pytest.skip("the compiled CIM kernels are not built")


@pytest.fixture(params=["native", "numpy"])
def backend(request) -> str:
    """Each CIM kernel backend in turn (the native one skips or fails as :func:`_require_native` says)."""
    if request.param == "native":
        _require_native()
    return request.param


@pytest.fixture
def native_kernels() -> None:
    """For tests of the compiled kernels themselves."""
    _require_native()
