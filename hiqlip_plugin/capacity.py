"""The capacity of a sampler: the largest problem of ANY coupling pattern it is known to accept.

One rule, shared by :class:`~hiqlip_plugin.HierarchicalComposite`, the Lipschitz estimator and the hardware
adapters (:func:`sampler_capacity`):

1. ``properties['max_num_variables']``, when the sampler declares it: a logical capacity, stated by the
   sampler's author (:class:`~hiqlip_plugin.hardware.CapacityComposite`, which the D-Wave adapter returns
   with the largest clique that embeds in the QPU; :class:`~hiqlip_plugin.qiskit.sampler.QiskitSampler`,
   one qubit per variable). It must be a positive integer.
2. Else, for a structured sampler (:class:`dimod.Structured`, which accepts only problems whose variables
   are its nodes and whose couplings are its edges): the size of the largest clique of its graph
   (:func:`largest_clique`), the largest problem of every coupling pattern that it takes one variable per
   node. Sub-problems of a decomposition are dense (a window of a G-set graph, a bipartite block of a
   Lipschitz QUBO), so the graph's node count, and the ``num_qubits`` property of a QPU, overstate the
   capacity: 5,640 Pegasus qubits take no dense 100-variable problem without chains (a clique of 4 fits
   one qubit per variable; :func:`~hiqlip_plugin.hardware.dwave_sampler` embeds with chains and declares
   180). ``num_qubits`` is never read.
3. Else ``None``: the sampler declares no limit (simulated annealing, :class:`dimod.ExactSolver`, the
   simulated CIM accept any size, at a cost that may be exponential). Callers that must split a problem
   then need an explicit size.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.capacity import sampler_capacity
    >>> sampler_capacity(dimod.ExactSolver()) is None
    True
    >>> square = dimod.StructureComposite(dimod.ExactSolver(), [0, 1, 2, 3], [(0, 1), (1, 2), (2, 3), (0, 3)])
    >>> sampler_capacity(square)                          # a 4-cycle holds no triangle: 2, not 4
    2
"""

from __future__ import annotations

from collections.abc import Hashable

import dimod
import networkx as nx
import numpy as np

__all__ = ["sampler_capacity", "largest_clique", "check_capacity", "CAPACITY_PROPERTY"]

CAPACITY_PROPERTY = "max_num_variables"
"""The sampler property read first by :func:`sampler_capacity` (a declared logical capacity)."""


def largest_clique(sampler: dimod.Structured) -> list[Hashable]:
    """The nodes of a largest clique of a structured sampler's graph (``nodelist``, ``edgelist``).

    Exact (networkx's maximal-clique enumeration); quick on hardware graphs, whose degree is small, and on
    complete graphs. Ties are broken by the order of ``nodelist``.

    Args:
        sampler: A :class:`dimod.Structured` sampler.

    Returns:
        The clique's nodes, in ``nodelist`` order (empty for an empty graph).

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.capacity import largest_clique
        >>> triangle = dimod.StructureComposite(dimod.ExactSolver(), "abcd", [("a", "b"), ("b", "c"), ("a", "c")])
        >>> largest_clique(triangle)
        ['a', 'b', 'c']
    """
    graph = nx.Graph()
    graph.add_nodes_from(sampler.nodelist)
    graph.add_edges_from(sampler.edgelist)
    position = {node: index for index, node in enumerate(sampler.nodelist)}
    best: list[Hashable] = []
    for clique in nx.find_cliques(graph):
        ordered = sorted(clique, key=position.__getitem__)
        if len(ordered) > len(best) or (
            len(ordered) == len(best) and [position[v] for v in ordered] < [position[v] for v in best]
        ):
            best = ordered
    return best


def check_capacity(value: object, name: str) -> int:
    """Return a declared capacity as an int: a positive integer number of variables, else raise.

    Args:
        value: The declared capacity.
        name: How to name it in the error message.

    Raises:
        TypeError: If ``value`` is not an integer (bools are refused).
        ValueError: If it is less than 1.

    Examples:
        >>> import numpy as np
        >>> from hiqlip_plugin.capacity import check_capacity
        >>> check_capacity(np.int64(36), "max_num_variables")
        36
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer number of variables, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}")
    return int(value)


def sampler_capacity(sampler: dimod.Sampler) -> int | None:
    """How many variables of an arbitrary problem ``sampler`` accepts (the rule of this module).

    Args:
        sampler: Any dimod sampler.

    Returns:
        ``properties['max_num_variables']``; else, for a :class:`dimod.Structured` sampler, the size of the
        largest clique of its graph; else ``None`` (no declared limit).

    Raises:
        TypeError: If ``properties['max_num_variables']`` is not an integer.
        ValueError: If it is less than 1.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.capacity import sampler_capacity
        >>> from hiqlip_plugin.hardware import CapacityComposite
        >>> sampler_capacity(CapacityComposite(dimod.ExactSolver(), max_num_variables=12))
        12
    """
    properties = getattr(sampler, "properties", None) or {}
    if CAPACITY_PROPERTY in properties:
        name = f"{type(sampler).__name__}.properties[{CAPACITY_PROPERTY!r}]"
        return check_capacity(properties[CAPACITY_PROPERTY], name)
    if isinstance(sampler, dimod.Structured):
        return len(largest_clique(sampler))
    return None
