"""Composites: samplers wrapped around other samplers.

:class:`HierarchicalComposite` lets a small-capacity sampler (a simulated CIM, a QPU, a Qiskit circuit)
solve problems of any size by multilevel coarsening and window refinement; its array kernels live in
:mod:`~hiqlip_plugin.composites.coarsening`.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.composites import HierarchicalComposite
    >>> HierarchicalComposite(dimod.ExactSolver(), max_subproblem_size=10).properties["max_subproblem_size"]
    10
"""

from hiqlip_plugin.composites.hierarchical import HierarchicalComposite

__all__ = ["HierarchicalComposite"]
