"""hiqlip-plugin: global Lipschitz constants of ReLU networks as Ising problems.

The data path: a :class:`ReLUNetwork` -> :func:`fgl_bqm` (a :class:`dimod.BinaryQuadraticModel`) -> any dimod
sampler, e.g. :class:`CIMSampler`, possibly wrapped by :class:`HierarchicalComposite` -> a
:class:`Certificate` (a proven lower bound on the FGL) -> a sound upper bound -> :func:`estimate_lipschitz`'s
report.

Importing the package is light (numpy and dimod): every public name below is loaded on first use, and the
Qiskit and hardware adapters live in :mod:`hiqlip_plugin.qiskit` and :mod:`hiqlip_plugin.hardware`.

Examples:
    >>> import hiqlip_plugin
    >>> net = hiqlip_plugin.examples.digits_mlp()
    >>> net.layer_sizes
    (64, 64, 10)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "ReLUNetwork": "hiqlip_plugin.network",
    "fgl_bqm": "hiqlip_plugin.lipschitz.formulation",
    "LipschitzQUBO": "hiqlip_plugin.lipschitz.formulation",
    "Certificate": "hiqlip_plugin.lipschitz.formulation",
    "exact_fgl": "hiqlip_plugin.lipschitz.exact",
    "ExactResult": "hiqlip_plugin.lipschitz.exact",
    "product_bound": "hiqlip_plugin.lipschitz.bounds",
    "sdp_bound": "hiqlip_plugin.lipschitz.bounds",
    "UpperBound": "hiqlip_plugin.lipschitz.bounds",
    "check_realizability": "hiqlip_plugin.lipschitz.realizability",
    "Realizability": "hiqlip_plugin.lipschitz.realizability",
    "sampled_lipschitz": "hiqlip_plugin.lipschitz.sampling",
    "alternating_search": "hiqlip_plugin.lipschitz.local_search",
    "deep_block_search": "hiqlip_plugin.lipschitz.deep",
    "BlockSearchResult": "hiqlip_plugin.lipschitz.deep",
    "estimate_lipschitz": "hiqlip_plugin.lipschitz.estimate",
    "LipschitzReport": "hiqlip_plugin.lipschitz.estimate",
    "LipschitzEstimate": "hiqlip_plugin.lipschitz.estimate",
    "CIMSampler": "hiqlip_plugin.samplers.cim",
    "HierarchicalComposite": "hiqlip_plugin.composites.hierarchical",
    "mixing_sdp": "hiqlip_plugin.sdp.mixing",
    "MixingResult": "hiqlip_plugin.sdp.mixing",
    "hyperplane_rounding": "hiqlip_plugin.sdp.mixing",
}
_SUBMODULES = ("examples", "exceptions", "ising", "network", "budget", "capacity", "lipschitz", "samplers",
               "composites", "sdp", "studies", "qiskit", "hardware", "problems", "cli")

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"hiqlip_plugin.{name}")
    raise AttributeError(f"module 'hiqlip_plugin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
