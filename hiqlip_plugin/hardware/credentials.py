"""Network-free detection of D-Wave and IBM Quantum credentials.

Each probe answers two questions without opening a connection: is the vendor's client package installed,
and is an API token configured where the vendor's own client would find it? The answer is a
:class:`HardwareStatus`; its :attr:`~HardwareStatus.detail` says where the token was found, or how to
configure one. **A token is never read into a message, log record or attribute of ours**: only the *source*
of a token (an argument, an environment variable, a file path) is reported.

- D-Wave (extra ``[dwave]``): :func:`dwave.cloud.config.load_config`, the loader
  :class:`~dwave.system.samplers.DWaveSampler` itself uses, with the same precedence (keyword arguments >
  ``DWAVE_API_TOKEN`` and the other ``DWAVE_*`` variables > the ``dwave.conf`` files, or the file named by
  ``DWAVE_CONFIG_FILE``).
- IBM Quantum (extra ``[ibm]``): ``QISKIT_IBM_TOKEN``, else the accounts saved by
  ``QiskitRuntimeService.save_account`` in ``~/.qiskit/qiskit-ibm.json``, read by qiskit-ibm-runtime's own
  ``AccountManager``. A missing account file is reported as such and not created.

When a client package is missing, only the environment variable is consulted.

Examples:
    >>> from hiqlip_plugin.hardware import dwave_status
    >>> status = dwave_status(config_file=False, token="dummy-token")
    >>> status.configured, "dummy-token" in repr(status)
    (True, False)
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any

from hiqlip_plugin.exceptions import HardwareUnavailable

__all__ = [
    "HardwareStatus",
    "dwave_status",
    "ibm_status",
    "hardware_report",
    "available_hardware",
    "DWAVE_INSTALL",
    "IBM_INSTALL",
]

DWAVE_INSTALL = "pip install 'hiqlip-plugin[dwave]'"
"""Command that installs the D-Wave adapter's dependencies."""

IBM_INSTALL = "pip install 'hiqlip-plugin[ibm]'"
"""Command that installs the IBM Quantum adapter's dependencies."""

_DWAVE_HOWTO = (
    "run `dwave setup`, set DWAVE_API_TOKEN, or put `token = ...` in a dwave.conf file "
    "(or in the file named by DWAVE_CONFIG_FILE)"
)
_IBM_HOWTO = (
    "run `QiskitRuntimeService.save_account(token=..., instance=..., set_as_default=True)` once, "
    "or set QISKIT_IBM_TOKEN (and QISKIT_IBM_INSTANCE)"
)


@dataclass(frozen=True)
class HardwareStatus:
    """Whether one vendor's hardware can be reached from this machine, as far as is knowable offline.

    Attributes:
        name: Short vendor key (``"dwave"`` or ``"ibm"``), as listed by :func:`available_hardware`.
        installed: The vendor's client package is importable.
        configured: An API token was found (its source is in :attr:`detail`; the token itself never is).
        detail: Where the token was found, or how to install the package or configure a token.

    Examples:
        >>> from hiqlip_plugin.hardware import HardwareStatus
        >>> status = HardwareStatus("dwave", installed=True, configured=False, detail="run `dwave setup`")
        >>> status.available
        False
        >>> status.require()
        Traceback (most recent call last):
        ...
        hiqlip_plugin.exceptions.HardwareUnavailable: hardware 'dwave' is unavailable: run `dwave setup`
    """

    name: str
    installed: bool
    configured: bool
    detail: str

    @property
    def available(self) -> bool:
        """The package is installed and a token is configured."""
        return self.installed and self.configured

    def require(self) -> HardwareStatus:
        """Return this status if the hardware is available, else raise.

        Raises:
            HardwareUnavailable: The package is missing or no token is configured; the message says
                how to fix it.
        """
        if not self.available:
            raise HardwareUnavailable(f"hardware {self.name!r} is unavailable: {self.detail}")
        return self


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _missing_package(name: str, module: str, install: str, token_variable: str) -> HardwareStatus:
    """Status of a vendor whose client package is missing (only the token variable can be checked)."""
    return HardwareStatus(
        name,
        installed=False,
        configured=bool(os.getenv(token_variable)),
        detail=f"{module} is not installed: {install}",
    )


def dwave_status(**config: Any) -> HardwareStatus:
    """Probe the D-Wave Leap configuration, without network access.

    Args:
        **config: Keyword arguments as for :class:`dwave.system.DWaveSampler` (``token``,
            ``config_file``, ``profile``, ...); they take precedence over the environment and the
            configuration files, as in the sampler.

    Returns:
        The status of ``"dwave"``.

    Examples:
        >>> from hiqlip_plugin.hardware import dwave_status
        >>> dwave_status(config_file=False, token="dummy").detail
        'token passed as an argument'
    """
    if not _installed("dwave.system"):
        return _missing_package("dwave", "dwave-system", DWAVE_INSTALL, "DWAVE_API_TOKEN")
    from dwave.cloud.config import get_configfile_paths, load_config
    from dwave.cloud.config.exceptions import ConfigFileError

    try:
        configured = bool(load_config(**config).get("token"))
    except (ConfigFileError, ValueError) as err:
        # the messages of these errors name a file or a profile, never a token
        return HardwareStatus(
            "dwave",
            True,
            False,
            f"the D-Wave configuration could not be read ({err}); {_DWAVE_HOWTO}",
        )
    if not configured:
        return HardwareStatus("dwave", True, False, f"no D-Wave API token found; {_DWAVE_HOWTO}")
    if config.get("token"):
        source = "token passed as an argument"
    elif os.getenv("DWAVE_API_TOKEN"):
        source = "token from the DWAVE_API_TOKEN environment variable"
    else:
        config_file = config.get("config_file") or os.getenv("DWAVE_CONFIG_FILE")
        files = (
            [config_file] if isinstance(config_file, str) else config_file or get_configfile_paths()
        )
        source = f"token from {', '.join(map(str, files))}"
    return HardwareStatus("dwave", True, True, source)


def ibm_status(
    *,
    token: str | None = None,
    channel: str | None = None,
    name: str | None = None,
    filename: str | None = None,
) -> HardwareStatus:
    """Probe the IBM Quantum account, without network access.

    Args:
        token: A token about to be passed to ``QiskitRuntimeService`` (then nothing else is read).
        channel: Channel of the saved account to look for (``"ibm_quantum_platform"`` or ``"ibm_cloud"``).
        name: Name of the saved account to look for.
        filename: Account file to read instead of ``~/.qiskit/qiskit-ibm.json``.

    Returns:
        The status of ``"ibm"``.

    Examples:
        >>> from hiqlip_plugin.hardware import ibm_status
        >>> ibm_status(token="dummy").configured
        True
    """
    if not _installed("qiskit_ibm_runtime"):
        return _missing_package("ibm", "qiskit-ibm-runtime", IBM_INSTALL, "QISKIT_IBM_TOKEN")
    if token:
        return HardwareStatus("ibm", True, True, "token passed as an argument")
    from qiskit_ibm_runtime.accounts import AccountManager, management
    from qiskit_ibm_runtime.accounts.exceptions import AccountsError

    # the module constant (not a copy of it) so that QiskitRuntimeService() and this probe read one file
    path = os.path.expanduser(filename or management._DEFAULT_ACCOUNT_CONFIG_JSON_FILE)
    from_environment = bool(os.getenv("QISKIT_IBM_TOKEN")) and not name
    if not from_environment and not os.path.isfile(path):
        # AccountManager would create an empty file here: report instead
        return HardwareStatus(
            "ibm", True, False, f"no QISKIT_IBM_TOKEN and no account file {path}; {_IBM_HOWTO}"
        )
    try:
        account = AccountManager.get(filename=path, name=name, channel=channel)
    except (AccountsError, ValueError, OSError) as err:
        # the type only: an invalid-account message may quote the token
        return HardwareStatus(
            "ibm", True, False, f"no usable account in {path} ({type(err).__name__}); {_IBM_HOWTO}"
        )
    source = (
        "token from the QISKIT_IBM_TOKEN environment variable"
        if from_environment
        else f"account saved in {path}"
    )
    return HardwareStatus("ibm", True, True, f"{source} (channel {account.channel!r})")


def hardware_report() -> list[HardwareStatus]:
    """Status of every supported vendor (D-Wave, IBM Quantum), without network access.

    Returns:
        One :class:`HardwareStatus` per vendor, in a fixed order.

    Examples:
        >>> from hiqlip_plugin.hardware import hardware_report
        >>> [status.name for status in hardware_report()]
        ['dwave', 'ibm']
    """
    return [dwave_status(), ibm_status()]


def available_hardware() -> list[str]:
    """Names of the vendors this machine can reach: package installed and token configured.

    Returns:
        A sub-list of ``["dwave", "ibm"]``; network-free, so a configured token may still be rejected
        by the service.

    Examples:
        >>> from hiqlip_plugin.hardware import available_hardware
        >>> set(available_hardware()) <= {"dwave", "ibm"}
        True
    """
    return [status.name for status in hardware_report() if status.available]
