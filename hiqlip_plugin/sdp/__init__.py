"""Semidefinite relaxations of Ising problems: the low-rank mixing method with a certified dual bound.

:mod:`~hiqlip_plugin.sdp.mixing` solves ``max <C, X> s.t. diag(X) = 1, X PSD`` for any symmetric ``C``
and returns a bound on the optimum that holds in floating point, plus Goemans-Williamson rounding.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.sdp import mixing_sdp
    >>> result = mixing_sdp(np.array([[0.0, -1.0], [-1.0, 0.0]]), seed=0)
    >>> round(result.dual_bound, 6)
    2.0
"""

from hiqlip_plugin.sdp.mixing import (
    DualBound,
    MixingResult,
    certified_dual_bound,
    colour_classes,
    hyperplane_rounding,
    mixing_sdp,
)

__all__ = [
    "DualBound",
    "MixingResult",
    "certified_dual_bound",
    "colour_classes",
    "hyperplane_rounding",
    "mixing_sdp",
]
