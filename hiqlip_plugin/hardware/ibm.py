"""IBM Quantum backends as dimod samplers, through QAOA on qiskit-ibm-runtime's Sampler primitive.

:func:`ibm_sampler` returns a :class:`~hiqlip_plugin.qiskit.sampler.QiskitSampler` whose solver is
qiskit-optimization's :class:`~qiskit_optimization.minimum_eigensolvers.QAOA` (classical optimizer
:class:`~qiskit_optimization.optimizers.COBYLA` by default) running its circuits through qiskit-ibm-runtime's
client-side ``executor_sampler.Sampler`` (``SamplerV2`` on runtimes older than 0.50), transpiled for the
backend by ``generate_preset_pass_manager(optimization_level=1, backend=backend)``. Its capacity,
``properties['max_num_variables']``, is ``backend.num_qubits``: one qubit per binary variable, and the
transpiler routes any coupling pattern with SWAP gates, so on a gate-model machine (unlike a sparse
annealer, see :mod:`hiqlip_plugin.capacity`) every qubit is usable by a dense sub-problem; the price is
circuit depth, which grows with the sub-problem's size.

The backend is the least busy one of the account by default, or one named, or a backend object. An
explicit ``service=`` is used as given, so ``QiskitRuntimeService(channel="local")`` runs the production
code path offline on qiskit-ibm-runtime's fake backends. Otherwise the account is checked first and
offline (:func:`~hiqlip_plugin.hardware.credentials.ibm_status`): without one the call raises
:class:`~hiqlip_plugin.exceptions.HardwareUnavailable` at once, touching no network.

Every optimizer iteration is one primitive call, so one job on hardware (job mode): keep ``maxiter`` small.

Examples:
    >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    >>> from hiqlip_plugin.hardware import ibm_sampler
    >>> sampler = ibm_sampler(FakeManilaV2(), shots=64, seed=1)
    >>> sampler.properties["max_num_variables"]
    5
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hiqlip_plugin.capacity import check_capacity
from hiqlip_plugin.exceptions import HardwareUnavailable
from hiqlip_plugin.hardware.credentials import IBM_INSTALL, ibm_status

if TYPE_CHECKING:
    from qiskit.providers import BackendV2
    from qiskit_optimization.optimizers import Optimizer

    from hiqlip_plugin.qiskit.sampler import QiskitSampler

__all__ = ["ibm_sampler", "DEFAULT_MAXITER"]

DEFAULT_MAXITER = 50
"""Iterations of the default COBYLA optimizer (each one a primitive call, so a job on hardware)."""

_ACCOUNT_KEYS = ("token", "channel", "name", "filename")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def _open_service(**account: Any) -> Any:
    """``QiskitRuntimeService(**account)``, once an account is known to exist (checked offline).

    The ``"local"`` channel (fake backends, simulated here) needs no account.
    """
    if account.get("channel") != "local":
        ibm_status(**{key: account[key] for key in _ACCOUNT_KEYS if key in account}).require()
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService(**account)


def _runtime_sampler(backend: BackendV2, shots: int, seed: int | None) -> Any:
    """qiskit-ibm-runtime's Sampler primitive on ``backend`` in job mode."""
    try:
        import qiskit_ibm_runtime
    except ImportError as err:
        raise HardwareUnavailable(
            f"qiskit-ibm-runtime could not be imported ({err}): {IBM_INSTALL}"
        ) from err
    try:
        from qiskit_ibm_runtime.executor_sampler import Sampler
    except ImportError:  # qiskit-ibm-runtime < 0.50
        Sampler = qiskit_ibm_runtime.SamplerV2
    sampler = Sampler(mode=backend)
    sampler.options.default_shots = shots
    if seed is not None:
        sampler.options.simulator.seed_simulator = seed
    return sampler


def ibm_sampler(
    backend: str | BackendV2 | None = None,
    *,
    service: Any = None,
    reps: int = 1,
    optimizer: Optimizer | None = None,
    shots: int = 1024,
    seed: int | None = None,
    max_num_variables: int | None = None,
    **account: Any,
) -> QiskitSampler:
    """QAOA on an IBM Quantum backend, as a dimod sampler.

    Args:
        backend: A backend object (used as given), a backend name (looked up in the service), or ``None``
            for the service's least busy backend (``service.least_busy()``: online, not a mock).
        service: A ``QiskitRuntimeService`` (or ``QiskitRuntimeService(channel="local")`` for fake
            backends); by default one is opened from the saved account or ``QISKIT_IBM_TOKEN``. Not needed
            with a backend object.
        reps: QAOA depth ``p``.
        optimizer: Classical optimizer of the QAOA angles; default ``COBYLA(maxiter=DEFAULT_MAXITER)``.
        shots: Shots per circuit evaluation.
        seed: Seeds the initial QAOA angles (uniform in ``[-2 pi, 2 pi)``) and the simulator of fake or
            local backends; hardware shots stay random.
        max_num_variables: Declared capacity; default ``backend.num_qubits``.
        **account: Keyword arguments of ``QiskitRuntimeService`` (``channel``, ``token``, ``instance``,
            ``name``, ``filename``, ...), used only when the service is opened here; ``channel="local"``
            opens the local service of fake backends, which needs no account.

    Returns:
        A :class:`~hiqlip_plugin.qiskit.sampler.QiskitSampler` running QAOA on the backend.

    Raises:
        HardwareUnavailable: qiskit-ibm-runtime is not installed, or the service must be opened and no
            account is configured (raised before any network access; the message says how to configure
            one).
        TypeError: ``shots``, ``reps`` or ``max_num_variables`` is not an integer.
        ValueError: ``shots``, ``reps`` or ``max_num_variables`` is less than 1, or account options are
            given but no service is opened here.

    Examples:
        >>> from qiskit_ibm_runtime import QiskitRuntimeService
        >>> from hiqlip_plugin.hardware import ibm_sampler
        >>> sampler = ibm_sampler("fake_manila", service=QiskitRuntimeService(channel="local"), seed=0)
        >>> sampler.properties["max_num_variables"]
        5
    """
    shots, reps = _positive_int("shots", shots), _positive_int("reps", reps)
    if max_num_variables is not None:
        max_num_variables = check_capacity(max_num_variables, "max_num_variables")
    needs_service = backend is None or isinstance(backend, str)
    if account and not (needs_service and service is None):
        raise ValueError(
            f"account options {sorted(account)} are only used when ibm_sampler opens the service"
        )
    if needs_service:
        if service is None:
            service = _open_service(**account)
        backend = service.least_busy() if backend is None else service.backend(backend)
    sampler = _runtime_sampler(backend, shots, seed)

    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_optimization.minimum_eigensolvers import QAOA
    from qiskit_optimization.optimizers import COBYLA

    from hiqlip_plugin.qiskit.sampler import QiskitSampler

    qaoa = QAOA(
        sampler,
        COBYLA(maxiter=DEFAULT_MAXITER) if optimizer is None else optimizer,
        reps=reps,
        initial_point=np.random.default_rng(seed).uniform(-2 * np.pi, 2 * np.pi, size=2 * reps),
        pass_manager=generate_preset_pass_manager(optimization_level=1, backend=backend),
    )
    capacity = backend.num_qubits if max_num_variables is None else max_num_variables
    return QiskitSampler(qaoa, max_num_variables=capacity)
