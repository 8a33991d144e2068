"""Simulated Coherent Ising Machines as dimod samplers.

* :mod:`hiqlip_plugin.samplers.dynamics`: pure array kernels (CAC, CFC, SimCIM, discrete simulated
  bifurcation), their automatic spectral scaling and best-state tracking.
* :mod:`hiqlip_plugin.samplers.cim`: :class:`CIMSampler`, the dimod sampler around them.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.samplers import CIMSampler
    >>> sampleset = CIMSampler().sample_ising({"a": 1.0}, {("a", "b"): -1.0}, num_reads=4, seed=0)
    >>> {v: int(s) for v, s in sampleset.first.sample.items()}
    {'a': -1, 'b': -1}
"""

from __future__ import annotations

from hiqlip_plugin.samplers.cim import CIMSampler

__all__ = ["CIMSampler"]
