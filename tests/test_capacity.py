"""The capacity rule: declared max_num_variables, else the largest clique of a structured graph, else None."""

from __future__ import annotations

import dimod
import networkx as nx
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from dwave.system.testing import MockDWaveSampler
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin.capacity import check_capacity, largest_clique, sampler_capacity
from hiqlip_plugin.hardware import CapacityComposite, clique_capacity, dwave_sampler
from hiqlip_plugin.samplers.cim import CIMSampler


class Declared(dimod.Sampler):
    """A sampler whose properties are given."""

    parameters: dict = {}
    properties: dict = {}

    def __init__(self, **properties):
        self.properties = properties

    def sample(self, bqm, **kwargs):
        return dimod.ExactSolver().sample(bqm)


def structured(graph: nx.Graph) -> dimod.StructureComposite:
    return dimod.StructureComposite(dimod.ExactSolver(), list(graph.nodes), list(graph.edges))


@pytest.mark.parametrize(
    "sampler", [dimod.ExactSolver(), SimulatedAnnealingSampler(), CIMSampler(), dimod.NullSampler()]
)
def test_samplers_without_a_limit_have_no_capacity(sampler):
    assert sampler_capacity(sampler) is None


def test_declared_capacity_comes_first():
    assert sampler_capacity(Declared(max_num_variables=12, num_qubits=5000)) == 12
    assert sampler_capacity(Declared(max_num_variables=np.int32(7))) == 7
    complete = structured(nx.complete_graph(5))
    assert sampler_capacity(CapacityComposite(complete, max_num_variables=3)) == 3


def test_num_qubits_is_never_a_capacity():
    assert sampler_capacity(Declared(num_qubits=5000)) is None


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-1, ValueError), (2.0, TypeError),
                                               (True, TypeError), ("100", TypeError), (None, TypeError)])
def test_bad_declared_capacity(value, error):
    with pytest.raises(error, match=r"Declared.properties\['max_num_variables'\]"):
        sampler_capacity(Declared(max_num_variables=value))
    with pytest.raises(error, match="cap"):
        check_capacity(value, "cap")


def test_structured_capacity_is_the_largest_clique():
    assert sampler_capacity(structured(nx.complete_graph(7))) == 7
    assert sampler_capacity(structured(nx.cycle_graph(8))) == 2
    assert sampler_capacity(structured(nx.empty_graph(3))) == 1
    assert sampler_capacity(structured(nx.empty_graph(0))) == 0


def test_sparse_qpu_capacity_is_not_its_qubit_count():
    qpu = MockDWaveSampler(topology_type="pegasus", topology_shape=[4])
    assert qpu.properties["num_qubits"] > 100
    assert sampler_capacity(qpu) == 4  # one variable per qubit: Pegasus holds K4, no larger clique
    chimera = MockDWaveSampler(topology_type="chimera", topology_shape=[2, 2, 4])
    assert sampler_capacity(chimera) == 2  # bipartite: no triangle
    # embedded with chains, the adapter declares the largest clique that embeds
    assert sampler_capacity(dwave_sampler(qpu=qpu)) == clique_capacity(qpu) == 36


def test_largest_clique_is_a_clique_in_nodelist_order():
    graph = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("c", "e")])
    clique = largest_clique(structured(graph))
    assert clique == ["a", "b", "c"]  # the first of the two triangles in node order


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 14), p=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
def test_largest_clique_matches_networkx(n, p, seed):
    graph = nx.gnp_random_graph(n, p, seed=seed)
    clique = largest_clique(structured(graph))
    assert all(graph.has_edge(a, b) for i, a in enumerate(clique) for b in clique[i + 1 :])
    assert len(clique) == max(len(c) for c in nx.find_cliques(graph))
