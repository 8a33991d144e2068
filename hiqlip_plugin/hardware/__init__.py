"""Real quantum hardware, used when credentials exist: D-Wave annealers and IBM Quantum backends.

Both adapters are dimod samplers that declare their capacity in ``properties['max_num_variables']``, so
:class:`~hiqlip_plugin.HierarchicalComposite` can split a large Lipschitz QUBO into sub-problems they take:

- :func:`dwave_sampler`: ``EmbeddingComposite(DWaveSampler())`` or a Leap hybrid solver (extra ``[dwave]``);
- :func:`ibm_sampler`: QAOA through qiskit-ibm-runtime's Sampler primitive (extra ``[ibm]``).

Credentials are detected offline (:func:`hardware_report`, :func:`available_hardware`); an adapter asked
for unconfigured hardware raises :class:`~hiqlip_plugin.exceptions.HardwareUnavailable` before touching the
network. Tokens are never printed, logged or stored by this package. Vendor packages are imported on first
use.

Examples:
    >>> from hiqlip_plugin.hardware import dwave_status
    >>> dwave_status(config_file=False, token="dummy").available
    True
"""

from __future__ import annotations

from hiqlip_plugin.hardware.credentials import (
    HardwareStatus,
    available_hardware,
    dwave_status,
    hardware_report,
    ibm_status,
)
from hiqlip_plugin.hardware.dwave import CapacityComposite, clique_capacity, dwave_sampler
from hiqlip_plugin.hardware.ibm import ibm_sampler

__all__ = [
    "HardwareStatus",
    "available_hardware",
    "hardware_report",
    "dwave_status",
    "ibm_status",
    "CapacityComposite",
    "clique_capacity",
    "dwave_sampler",
    "ibm_sampler",
]
