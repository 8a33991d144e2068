"""Shared fixtures: random networks and the path of the shared benchmark data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiqlip_plugin.problems import random_relu_network

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
