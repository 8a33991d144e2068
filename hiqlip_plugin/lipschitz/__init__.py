"""The Lipschitz application: formulation, exact values, bounds, witnesses and the estimate report.

Modules, upstream first: :mod:`~hiqlip_plugin.lipschitz.formulation` (the BQM and certificates),
:mod:`~hiqlip_plugin.lipschitz.exact` (enumeration and closed forms), :mod:`~hiqlip_plugin.lipschitz.bounds`
(sound upper bounds), :mod:`~hiqlip_plugin.lipschitz.realizability` (LP reachability of a pattern),
:mod:`~hiqlip_plugin.lipschitz.sampling` (gradient sampling), :mod:`~hiqlip_plugin.lipschitz.local_search`
(alternating best responses), :mod:`~hiqlip_plugin.lipschitz.deep` (block moves for deeper networks) and
:mod:`~hiqlip_plugin.lipschitz.estimate` (one call to an honest bracket).

Examples:
    >>> from hiqlip_plugin.lipschitz import fgl_bqm, Certificate
"""

from hiqlip_plugin.lipschitz.formulation import Certificate, LipschitzQUBO, fgl_bqm, parse_norm

__all__ = ["Certificate", "LipschitzQUBO", "fgl_bqm", "parse_norm"]
