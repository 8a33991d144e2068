"""Semidefinite relaxations: the low-rank mixing method and a first-order chain-LMI solver, both certified.

:mod:`~hiqlip_plugin.sdp.mixing` solves ``max <C, X> s.t. diag(X) = 1, X PSD`` for any symmetric ``C``
and returns a bound on the optimum that holds in floating point, plus Goemans-Williamson rounding.
:mod:`~hiqlip_plugin.sdp.lmi` minimises the objective of a block-tridiagonal LMI (the dual SDP DGeoLIP and
LipSDP-Neuron of deep networks) and proves its answer by a verified Cholesky test.

Examples:
    >>> import numpy as np
    >>> from hiqlip_plugin.sdp import mixing_sdp
    >>> result = mixing_sdp(np.array([[0.0, -1.0], [-1.0, 0.0]]), seed=0)
    >>> round(result.dual_bound, 6)
    2.0
"""

from hiqlip_plugin.sdp.lmi import ChainLMI, ChainLMIResult, solve_chain_lmi, verify_chain_lmi
from hiqlip_plugin.sdp.mixing import (
    DualBound,
    MixingResult,
    certified_dual_bound,
    colour_classes,
    hyperplane_rounding,
    mixing_sdp,
)

__all__ = [
    "ChainLMI",
    "ChainLMIResult",
    "DualBound",
    "MixingResult",
    "certified_dual_bound",
    "colour_classes",
    "hyperplane_rounding",
    "mixing_sdp",
    "solve_chain_lmi",
    "verify_chain_lmi",
]
