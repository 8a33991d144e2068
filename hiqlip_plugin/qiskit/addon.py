"""The optional qiskit-addon-opt-mapper, imported on first use with a message that names the extra.

``qiskit-addon-opt-mapper`` (the modelling layer that continues qiskit-optimization) is an optional extra,
``pip install "hiqlip-plugin[qiskit-addon]"``. The modules built on it
(:mod:`~hiqlip_plugin.qiskit.problem`, :mod:`~hiqlip_plugin.qiskit.solver`,
:mod:`~hiqlip_plugin.qiskit.fgl`) call :func:`require_addon` before importing it, and
:mod:`hiqlip_plugin.qiskit` loads them only when one of their names is used, so the qiskit-optimization
path works without the add-on.

Examples:
    >>> from hiqlip_plugin.qiskit.addon import require_addon
    >>> require_addon().__name__
    'qiskit_addon_opt_mapper'
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["ADDON_EXTRA", "require_addon"]

ADDON_EXTRA = "qiskit-addon"
"""The extra of hiqlip-plugin that installs qiskit-addon-opt-mapper."""


def require_addon() -> ModuleType:
    """Import and return ``qiskit_addon_opt_mapper``.

    Raises:
        ImportError: If it is not installed, saying how to install it.

    Examples:
        >>> from hiqlip_plugin.qiskit.addon import require_addon
        >>> hasattr(require_addon(), "OptimizationProblem")
        True
    """
    try:
        return importlib.import_module("qiskit_addon_opt_mapper")
    except ImportError as err:
        raise ImportError(
            "this part of hiqlip_plugin.qiskit needs qiskit-addon-opt-mapper, which is not installed: "
            f'install it with pip install "hiqlip-plugin[{ADDON_EXTRA}]" (or pip install qiskit-addon-opt-mapper); '
            "the qiskit-optimization front-end (DimodOptimizer, quadratic_program_to_bqm) works without it"
        ) from err
