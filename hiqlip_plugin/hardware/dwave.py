"""D-Wave quantum annealers (and Leap hybrid solvers) as dimod samplers that declare their capacity.

:func:`dwave_sampler` returns ``EmbeddingComposite(DWaveSampler(...))`` (or a ``LeapHybridSampler``) inside
a :class:`CapacityComposite`, which forwards every ``sample`` call unchanged and adds
``properties['max_num_variables']``: the number of LOGICAL variables the sampler takes, the key
:class:`~hiqlip_plugin.HierarchicalComposite` reads to size its sub-problems.

**Capacity of a QPU.** The sub-problems of a Lipschitz QUBO are dense (a bipartite block of a dense
matrix), so the capacity is the largest clique that embeds in the QPU's working graph, as found by
minorminer's busclique (:func:`clique_capacity`; 180 on a perfect Advantage, Pegasus P16; fewer with broken
qubits). *Any* problem of that size embeds; sparser problems may embed at larger sizes, but are not
promised. This follows the package's capacity rule (:mod:`hiqlip_plugin.capacity`): the QPU's
``num_qubits`` is never a capacity, and the bare QPU, unembedded, takes only the largest clique of its
graph (4 on Pegasus) one variable per qubit. The embedding itself is left to ``EmbeddingComposite`` (minorminer's heuristic; pass
``embedding_parameters={'random_seed': s}`` to ``sample`` for a reproducible one).
**Capacity of a hybrid solver**: its ``maximum_number_of_variables`` property.

``dwave.system`` is imported on the first call (extra ``[dwave]``). Credentials are checked first and
offline (:func:`~hiqlip_plugin.hardware.credentials.dwave_status`): without a token the call raises
:class:`~hiqlip_plugin.exceptions.HardwareUnavailable` at once, touching no network. An explicit structured
sampler, e.g. ``dwave.system.testing.MockDWaveSampler``, can stand in for the QPU (``qpu=``); it needs
no credentials.

Examples:
    >>> import dimod
    >>> from dwave.system.testing import MockDWaveSampler
    >>> from hiqlip_plugin.hardware import dwave_sampler
    >>> sampler = dwave_sampler(qpu=MockDWaveSampler(topology_type="pegasus", topology_shape=[4]))
    >>> sampler.properties["max_num_variables"]
    36
    >>> bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -2.0}, 0.0, "SPIN")
    >>> float(sampler.sample(bqm, num_reads=5).first.energy)
    -3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dimod

from hiqlip_plugin.capacity import check_capacity
from hiqlip_plugin.exceptions import HardwareUnavailable
from hiqlip_plugin.hardware.credentials import DWAVE_INSTALL, dwave_status

__all__ = ["CapacityComposite", "clique_capacity", "dwave_sampler"]


def _describe(sampler: dimod.Sampler) -> str:
    """Class names of a sampler and its children, e.g. ``EmbeddingComposite(DWaveSampler)``.

    Used for reprs: unlike a sampler's own repr, it cannot contain a client, a configuration or a token.
    """
    children = getattr(sampler, "children", ())
    inner = ", ".join(_describe(child) for child in children)
    return f"{type(sampler).__name__}({inner})" if inner else type(sampler).__name__


class CapacityComposite(dimod.ComposedSampler):
    """Forward to a child sampler, declaring how many logical variables it accepts.

    The composite changes no sample and no parameter: ``sample`` is the child's. It only adds
    ``properties['max_num_variables']``, so that size-aware composites (such as
    :class:`~hiqlip_plugin.HierarchicalComposite`) can split problems for it. The declared size is not
    enforced here; the child raises on problems it cannot take.

    Args:
        child: Any dimod sampler.
        max_num_variables: The number of variables any problem may have for the child to accept it.

    Raises:
        TypeError: ``max_num_variables`` is not an integer.
        ValueError: ``max_num_variables`` is less than 1.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.hardware import CapacityComposite
        >>> sampler = CapacityComposite(dimod.ExactSolver(), max_num_variables=8)
        >>> sampler.properties["max_num_variables"]
        8
        >>> sampler
        CapacityComposite(ExactSolver, max_num_variables=8)
    """

    def __init__(self, child: dimod.Sampler, max_num_variables: int) -> None:
        self._children = [child]
        self._max_num_variables = check_capacity(max_num_variables, "max_num_variables")

    @property
    def children(self) -> Sequence[dimod.Sampler]:
        """The wrapped sampler, alone in a list."""
        return self._children

    @property
    def parameters(self) -> dict[str, list]:
        """The child's parameters (a copy)."""
        return self.child.parameters.copy()

    @property
    def properties(self) -> dict[str, Any]:
        """``max_num_variables`` and the child's properties under ``child_properties``."""
        return {
            "max_num_variables": self._max_num_variables,
            "child_properties": self.child.properties.copy(),
        }

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters: Any) -> dimod.SampleSet:
        """Sample from the child.

        Args:
            bqm: The problem.
            **parameters: Keyword arguments of the child's ``sample`` (see :attr:`parameters`).

        Returns:
            The child's sample set, unchanged.
        """
        return self.child.sample(bqm, **parameters)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_describe(self.child)}, max_num_variables={self._max_num_variables})"


def clique_capacity(qpu: dimod.Structured) -> int:
    """Size of the largest clique minorminer's busclique embeds in a QPU's working graph.

    Computed once per topology (and cached on disk by minorminer; under a second for Advantage).

    Args:
        qpu: A :class:`dwave.system.DWaveSampler` or :class:`dwave.system.testing.MockDWaveSampler` (any
            structured sampler whose ``to_networkx_graph()`` is a Chimera, Pegasus or Zephyr graph).

    Returns:
        The number of logical variables of a complete graph that embeds.

    Raises:
        ValueError: The working graph is not a Chimera, Pegasus or Zephyr graph.

    Examples:
        >>> from dwave.system.testing import MockDWaveSampler
        >>> from hiqlip_plugin.hardware import clique_capacity
        >>> clique_capacity(MockDWaveSampler(topology_type="chimera", topology_shape=[2, 2, 4]))
        8
    """
    from minorminer.busclique import busgraph_cache

    graph = qpu.to_networkx_graph()
    if graph.graph.get("family") not in ("chimera", "pegasus", "zephyr"):
        raise ValueError(
            f"cannot size the working graph of {type(qpu).__name__}: it is not a Chimera, Pegasus or Zephyr "
            "graph; pass max_num_variables= explicitly"
        )
    return len(busgraph_cache(graph).largest_clique())


def dwave_sampler(
    solver: str | dict[str, Any] | None = None,
    *,
    hybrid: bool = False,
    qpu: dimod.Sampler | None = None,
    max_num_variables: int | None = None,
    **config: Any,
) -> CapacityComposite:
    """A D-Wave QPU (minor-embedded) or Leap hybrid solver, declaring its logical capacity.

    Args:
        solver: Solver name or feature filter, as for :class:`dwave.system.DWaveSampler`; ``None`` takes the
            configured default (a QPU, or with ``hybrid=True`` the latest hybrid BQM solver).
        hybrid: Use a :class:`dwave.system.LeapHybridSampler` instead of a QPU.
        qpu: A structured sampler to embed into instead of opening a ``DWaveSampler``, e.g. a
            :class:`dwave.system.testing.MockDWaveSampler` for offline runs or a ``DWaveSampler`` opened
            earlier. No credentials are needed then.
        max_num_variables: Declared capacity; default :func:`clique_capacity` of the QPU, or the hybrid
            solver's ``maximum_number_of_variables``.
        **config: Keyword arguments of :meth:`dwave.cloud.client.Client.from_config` (``token``,
            ``config_file``, ``profile``, ``region``, ...), for the ``DWaveSampler`` or ``LeapHybridSampler``.

    Returns:
        ``CapacityComposite(EmbeddingComposite(qpu))``, or ``CapacityComposite(LeapHybridSampler)``.

    Raises:
        HardwareUnavailable: dwave-system is not installed, or no D-Wave token is configured (raised
            before any network access; the message says how to configure one).
        ValueError: ``qpu=`` combined with ``hybrid=True``, ``solver`` or ``config``.

    Examples:
        >>> from dwave.system.testing import MockDWaveSampler
        >>> from hiqlip_plugin.hardware import dwave_sampler
        >>> dwave_sampler(qpu=MockDWaveSampler(), max_num_variables=10)
        CapacityComposite(EmbeddingComposite(MockDWaveSampler), max_num_variables=10)
    """
    if qpu is not None and (hybrid or solver is not None or config):
        raise ValueError(
            "qpu= replaces the D-Wave connection: it cannot be combined with hybrid, solver or config"
        )
    if qpu is None:
        dwave_status(**config).require()
    try:
        from dwave.system import DWaveSampler, EmbeddingComposite, LeapHybridSampler
    except ImportError as err:
        raise HardwareUnavailable(
            f"dwave-system could not be imported ({err}): {DWAVE_INSTALL}"
        ) from err

    if hybrid:
        child = LeapHybridSampler(solver=solver, **config)
        if max_num_variables is None:
            max_num_variables = child.properties["maximum_number_of_variables"]
    else:
        if qpu is None:
            qpu = DWaveSampler(solver=solver, **config)
        child = EmbeddingComposite(qpu)
        if max_num_variables is None:
            max_num_variables = clique_capacity(qpu)
    return CapacityComposite(child, max_num_variables)
