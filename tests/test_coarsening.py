"""Tests of the multilevel kernels in hiqlip_plugin.composites.coarsening."""

from __future__ import annotations

import itertools

import dimod
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from hiqlip_plugin.composites.coarsening import (
    EDGE,
    RANDOM,
    SIMILARITY,
    Matching,
    aggregate,
    clamp,
    coarsen,
    match_pairs,
    membership_matrix,
    neighbourhood,
    project,
    relaxation,
    restrict,
)
from hiqlip_plugin.ising import IsingArrays, ising_arrays
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import random_relu_network


def random_problem(n: int, density: float, seed: int, *, fields: bool = True) -> IsingArrays:
    """A random SPIN model with Gaussian biases (possibly disconnected)."""
    rng = np.random.default_rng(seed)
    upper = sp.random_array(
        (n, n), density=density, random_state=rng, data_sampler=rng.standard_normal
    )
    upper = sp.triu(upper, k=1)
    coupling = sp.csr_array(upper + upper.T)
    linear = rng.normal(size=n) if fields else np.zeros(n)
    return IsingArrays(tuple(range(n)), linear, coupling, float(rng.normal()))


def down_and_up(hierarchy, state: np.ndarray) -> np.ndarray:
    """Restrict ``state`` to the coarsest level, then project it back to the finest."""
    coarse = state
    for membership in hierarchy.memberships:
        coarse = restrict(membership, coarse)
    for membership in reversed(hierarchy.memberships):
        coarse = project(membership, coarse)
    return coarse


def random_spins(n: int, seed: int, count: int | None = None) -> np.ndarray:
    shape = (n,) if count is None else (count, n)
    return np.random.default_rng(seed).choice([-1, 1], size=shape).astype(np.int8)


problems = st.builds(
    random_problem,
    n=st.integers(2, 40),
    density=st.floats(0.0, 0.6),
    seed=st.integers(0, 2**16),
    fields=st.booleans(),
)


class TestMatchPairs:
    def test_heavy_edge_is_sign_aware_and_strongest_first(self):
        coupling = np.zeros((4, 4))
        coupling[0, 1] = coupling[1, 0] = 3.0  # antiferromagnetic: opposite spins
        coupling[2, 3] = coupling[3, 2] = -1.0  # ferromagnetic: equal spins
        coupling[1, 2] = coupling[2, 1] = 0.5
        m = match_pairs(coupling, np.zeros(4), 2, seed=0)
        assert [sorted(p) for p in zip(m.first.tolist(), m.second.tolist(), strict=True)] == [
            [0, 1],
            [2, 3],
        ]
        assert m.relation.tolist() == [-1, 1]
        assert m.kind.tolist() == [EDGE, EDGE]

    def test_truncates_to_the_strongest_pairs(self):
        coupling = np.zeros((4, 4))
        coupling[0, 1] = coupling[1, 0] = 1.0
        coupling[2, 3] = coupling[3, 2] = -5.0
        m = match_pairs(coupling, np.zeros(4), 1, seed=0)
        assert sorted([int(m.first[0]), int(m.second[0])]) == [2, 3]

    def test_bipartite_graph_falls_back_on_similarity(self):
        # Four inputs against one hidden unit: edge matching pairs one input, similarity pairs the others.
        a = np.array([[1.0], [1.0], [-1.0], [2.0]])
        coupling = np.block([[np.zeros((4, 4)), a], [a.T, np.zeros((1, 1))]])
        m = match_pairs(coupling, np.zeros(5), 2, seed=1)
        assert m.kind.tolist() == [EDGE, SIMILARITY]
        i, k = int(m.first[1]), int(m.second[1])
        assert int(m.relation[1]) == int(np.sign(a[i, 0] * a[k, 0]))

    def test_isolated_spins_are_paired_at_random_by_field_sign(self):
        fields = np.array([1.0, -2.0, 3.0, 0.5])
        m = match_pairs(np.zeros((4, 4)), fields, 2, seed=3)
        assert set(m.kind.tolist()) <= {SIMILARITY, RANDOM}
        for i, k, r in zip(m.first, m.second, m.relation, strict=True):
            assert r == np.sign(fields[i] * fields[k])

    def test_empty_graph_without_fields_pairs_at_random(self):
        m = match_pairs(sp.csr_array((6, 6)), np.zeros(6), 3, seed=0)
        assert m.kind.tolist() == [RANDOM] * 3
        assert sorted(np.concatenate([m.first, m.second]).tolist()) == list(range(6))

    def test_ties_break_by_seed(self):
        ring = sp.csr_array(np.roll(np.eye(40), 1, axis=1) + np.roll(np.eye(40), -1, axis=1))

        def pairs(seed):
            m = match_pairs(ring, np.zeros(40), 15, seed=seed)
            return sorted(
                map(tuple, np.sort(np.stack([m.first, m.second], axis=1), axis=1).tolist())
            )

        assert pairs(5) == pairs(5)
        assert len({tuple(pairs(s)) for s in range(5)}) > 1

    def test_state_keeps_only_consistent_pairs(self):
        problem = random_problem(30, 0.3, 7)
        state = random_spins(30, 8)
        m = match_pairs(problem.coupling, problem.linear, 15, seed=0, state=state)
        assert len(m) == 15
        assert np.array_equal(state[m.first] * state[m.second], m.relation)

    @settings(max_examples=40, deadline=None)
    @given(n=st.integers(4, 40), seed=st.integers(0, 1000), count=st.integers(2, 3))
    def test_several_states_keep_only_pairs_all_satisfy(self, n, seed, count):
        problem = random_problem(n, 0.3, seed)
        states = np.stack([random_spins(n, seed + k) for k in range(count)])
        m = match_pairs(problem.coupling, problem.linear, n // 2, seed=seed, state=states)
        for state in states:
            assert np.array_equal(state[m.first] * state[m.second], m.relation)
        classes = len({tuple(c) for c in (states * states[0]).T})
        assert len(m) >= (n - classes) // 2  # at most one spin per agreement class stays single

    def test_embedding_excludes_disagreeing_edges(self):
        coupling = np.array([[0.0, 1.0], [1.0, 0.0]])
        aligned = np.array(
            [[1.0, 0.0], [1.0, 0.0]]
        )  # the relaxation says "equal", the edge says "opposite"
        m = match_pairs(coupling, np.zeros(2), 1, seed=0, embedding=aligned)
        assert m.kind.tolist() == [SIMILARITY] and m.relation.tolist() == [1]

    @pytest.mark.parametrize("num_pairs", [-1, 3])
    def test_bad_num_pairs(self, num_pairs):
        with pytest.raises(ValueError, match="num_pairs"):
            match_pairs(np.zeros((5, 5)), np.zeros(5), num_pairs)

    def test_bad_shapes(self):
        with pytest.raises(ValueError, match="linear"):
            match_pairs(np.zeros((3, 3)), np.zeros(4), 1)
        with pytest.raises(ValueError, match="state"):
            match_pairs(np.zeros((3, 3)), np.zeros(3), 1, state=np.ones(2))
        with pytest.raises(ValueError, match="embedding"):
            match_pairs(np.zeros((3, 3)), np.zeros(3), 1, embedding=np.ones((2, 2)))

    @settings(max_examples=40, deadline=None)
    @given(problem=problems, fraction=st.floats(0.0, 1.0), seed=st.integers(0, 100))
    def test_pairs_are_disjoint_and_exact_in_number(self, problem, fraction, seed):
        n = problem.num_variables
        num_pairs = int(fraction * (n // 2))
        m = match_pairs(problem.coupling, problem.linear, num_pairs, seed=seed)
        spins = np.concatenate([m.first, m.second])
        assert len(m) == num_pairs and len(np.unique(spins)) == 2 * num_pairs
        assert set(np.abs(m.relation).tolist()) <= {1}


class TestMembershipAggregateProject:
    def test_membership_matrix_layout(self):
        p = membership_matrix(
            Matching(np.array([3]), np.array([1]), np.array([-1]), np.array([0])), 4
        )
        assert p.shape == (4, 3)
        assert p.toarray().tolist() == [[0, 1, 0], [-1, 0, 0], [0, 0, 1], [1, 0, 0]]

    def test_membership_rejects_overlapping_pairs(self):
        with pytest.raises(ValueError, match="disjoint"):
            membership_matrix(
                Matching(np.array([0, 0]), np.array([1, 2]), np.ones(2), np.zeros(2)), 3
            )
        with pytest.raises(ValueError, match="outside"):
            membership_matrix(Matching(np.array([0]), np.array([5]), np.ones(1), np.zeros(1)), 3)

    def test_merged_coupling_goes_to_the_offset(self):
        fine = ising_arrays(dimod.BQM({0: 1.0, 1: -3.0}, {(0, 1): 2.0}, 0.5, "SPIN"))
        coarse = aggregate(fine, membership_matrix(match_pairs(fine.coupling, fine.linear, 1), 2))
        assert coarse.linear.tolist() == [4.0]  # z_0 = -z_1: h_0 - h_1
        assert coarse.offset == 0.5 - 2.0
        assert coarse.coupling.nnz == 0

    def test_aggregate_rejects_a_wrong_membership(self):
        with pytest.raises(ValueError, match="rows"):
            aggregate(random_problem(4, 0.5, 0), sp.csr_array(np.eye(3)))

    @settings(max_examples=60, deadline=None)
    @given(problem=problems, fraction=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
    def test_projection_preserves_energy(self, problem, fraction, seed):
        """energy(P z_c) == coarse energy(z_c) for random matchings and random coarse states."""
        n = problem.num_variables
        m = match_pairs(problem.coupling, problem.linear, int(fraction * (n // 2)), seed=seed)
        p = membership_matrix(m, n)
        coarse = aggregate(problem, p)
        states = random_spins(coarse.num_variables, seed, count=8)
        fine = project(p, states)
        np.testing.assert_allclose(
            coarse.energies(states), problem.energies(fine), rtol=1e-10, atol=1e-10
        )
        assert np.array_equal(restrict(p, fine), states)

    def test_restrict_breaks_disagreeing_pairs_to_plus_one(self):
        p = membership_matrix(
            Matching(np.array([0]), np.array([1]), np.array([1]), np.array([0])), 3
        )
        assert restrict(p, [[1, -1, -1], [-1, -1, 1]]).tolist() == [[1, -1], [-1, 1]]


class TestCoarsen:
    @settings(max_examples=30, deadline=None)
    @given(
        problem=problems,
        capacity=st.integers(1, 12),
        ratio=st.floats(0.5, 0.9),
        seed=st.integers(0, 100),
    )
    def test_levels_shrink_to_capacity_and_keep_energies(self, problem, capacity, ratio, seed):
        hierarchy = coarsen(problem, capacity, ratio=ratio, seed=seed, iterations=20)
        sizes = hierarchy.sizes
        assert sizes[0] == problem.num_variables and sizes[-1] <= max(capacity, 1)
        assert all(b < a for a, b in itertools.pairwise(sizes))
        state = random_spins(sizes[-1], seed)
        for level in reversed(range(len(hierarchy.memberships))):
            fine = project(hierarchy.memberships[level], state)
            np.testing.assert_allclose(
                hierarchy.problems[level].energies(fine),
                hierarchy.problems[level + 1].energies(state),
                atol=1e-9,
            )
            state = fine

    def test_sizes_follow_the_ratio(self):
        problem = ising_arrays(dimod.generators.ran_r(1, 100, seed=0))
        assert coarsen(problem, 10, seed=0).sizes == (100, 50, 25, 13, 10)
        assert coarsen(problem, 100, seed=0).sizes == (100,)

    def test_guided_coarsening_contains_the_state(self):
        problem = random_problem(60, 0.2, 3)
        state = random_spins(60, 4)
        hierarchy = coarsen(problem, 7, seed=1, state=state)
        assert np.array_equal(down_and_up(hierarchy, state), state)

    def test_recombination_hierarchy_contains_both_states(self):
        problem = random_problem(80, 0.15, 13)
        states = np.stack([random_spins(80, 1), random_spins(80, 2)])
        hierarchy = coarsen(problem, 8, seed=0, state=states)
        assert hierarchy.sizes[-1] <= 8
        for state in states:
            assert np.array_equal(down_and_up(hierarchy, state), state)

    def test_stop_ends_the_coarsening_within_one_step(self):
        problem = random_problem(200, 0.1, 4)
        calls = []

        def stop_after(k):
            def stop():
                calls.append(1)
                return len(calls) > k

            return stop

        hierarchy = coarsen(problem, 10, seed=0, stop=stop_after(5), iterations=300)
        assert hierarchy.sizes == (200,)  # stopped inside the first relaxation
        assert len(calls) == 7  # level check, 4 relaxation steps, the check that fired, one after it
        calls.clear()
        assert coarsen(problem, 10, seed=0, stop=stop_after(0)).sizes == (200,)
        assert coarsen(problem, 10, seed=0, stop=lambda: False).sizes == coarsen(problem, 10, seed=0).sizes

    def test_embedding_warm_starts_the_finest_relaxation(self):
        problem = random_problem(120, 0.1, 21)
        cold = coarsen(problem, 10, seed=0, iterations=300)
        assert cold.embedding.shape == (120, 8)
        warm = coarsen(problem, 10, seed=1, iterations=300, embedding=cold.embedding)
        # a warm start takes a fifth of the steps and draws no random start
        expected = relaxation(problem, 8, 60, initial=cold.embedding)
        np.testing.assert_array_equal(warm.embedding, expected)
        assert coarsen(problem, 10, seed=0, rank=0).embedding is None
        assert coarsen(problem, 200, seed=0).embedding is None  # fits: no relaxation

    def test_same_seed_same_hierarchy(self):
        problem = random_problem(50, 0.2, 9)
        a, b = coarsen(problem, 6, seed=11), coarsen(problem, 6, seed=11)
        assert all((x != y).nnz == 0 for x, y in zip(a.memberships, b.memberships, strict=True))

    @pytest.mark.parametrize("rank", [0, 8])
    def test_bipartite_lipschitz_qubo_halves_each_level(self, rank):
        qubo = fgl_bqm(random_relu_network((60, 20, 2), seed=0), output=1)
        hierarchy = coarsen(
            ising_arrays(qubo.bqm, sparse=True), 10, seed=0, rank=rank, iterations=50
        )
        assert hierarchy.sizes == (80, 40, 20, 10)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"capacity": 0}, "capacity"),
            ({"ratio": 0.4}, "ratio"),
            ({"ratio": 1.0}, "ratio"),
            ({"rank": -1}, "rank"),
        ],
    )
    def test_bad_arguments(self, kwargs, match):
        arguments = {"capacity": 3, **kwargs}
        with pytest.raises(ValueError, match=match):
            coarsen(random_problem(8, 0.5, 0), **arguments)


class TestRelaxation:
    def test_rows_are_unit_and_chains_align(self):
        chain = dimod.BQM({}, {(i, i + 1): -1.0 for i in range(9)}, 0.0, "SPIN")
        v = relaxation(ising_arrays(chain), rank=4, iterations=200, seed=0)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0)
        assert np.all(v @ v[0] > 0.99)

    def test_fields_pull_towards_the_field_direction(self):
        v = relaxation(ising_arrays(dimod.BQM({0: -1.0, 1: 1.0}, {}, 0.0, "SPIN")), rank=3, seed=0)
        assert v[0, 0] > 0.99 and v[1, 0] < -0.99

    def test_lowers_the_relaxed_objective(self):
        problem = random_problem(40, 0.3, 5)
        start = np.random.default_rng(0).normal(size=(40, 4))

        def objective(v):
            return float(problem.linear @ v[:, 0] + 0.5 * np.sum(v * (problem.coupling @ v)))

        unit = start / np.linalg.norm(start, axis=1, keepdims=True)
        assert objective(relaxation(problem, 4, 50, initial=start)) < objective(unit)

    def test_stop_returns_the_iterate_so_far(self):
        problem = random_problem(30, 0.3, 6)
        count = itertools.count()
        stopped = relaxation(problem, 4, 300, seed=3, stop=lambda: next(count) >= 7)
        np.testing.assert_array_equal(stopped, relaxation(problem, 4, 7, seed=3))

    def test_bad_arguments(self):
        problem = random_problem(5, 0.5, 0)
        with pytest.raises(ValueError, match="rank"):
            relaxation(problem, rank=0)
        with pytest.raises(ValueError, match="initial"):
            relaxation(problem, rank=2, initial=np.ones((5, 3)))


class TestClampAndNeighbourhood:
    @settings(max_examples=60, deadline=None)
    @given(problem=problems, seed=st.integers(0, 1000), data=st.data())
    def test_clamped_energy_is_the_full_energy(self, problem, seed, data):
        n = problem.num_variables
        free = np.array(
            data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        )
        state = random_spins(n, seed)
        sub = clamp(problem, state, free)
        assert sub.variables == tuple(free.tolist())
        trial = random_spins(len(free), seed + 1)
        changed = state.copy()
        changed[free] = trial
        np.testing.assert_allclose(sub.energies(trial), problem.energies(changed), atol=1e-9)
        np.testing.assert_allclose(sub.energies(state[free]), problem.energies(state), atol=1e-9)

    def test_region_is_bfs_in_priority_order(self):
        path = sp.csr_array(np.eye(6, k=1) + np.eye(6, k=-1))
        priority = np.array([0.0, 1.0, 9.0, 2.0, 0.5, 5.0])
        assert neighbourhood(path, priority, 4, np.ones(6, bool)).tolist() == [2, 3, 1, 4]

    def test_region_respects_allowed_and_start_and_reseeds(self):
        two_edges = sp.csr_array(([1.0] * 4, ([0, 1, 2, 3], [1, 0, 3, 2])), shape=(5, 5))
        allowed = np.array([True, True, True, True, False])
        region = neighbourhood(two_edges, np.arange(5.0), 4, allowed, start=np.array([0]))
        assert region.tolist() == [0, 1, 3, 2]
        assert len(neighbourhood(two_edges, np.zeros(5), 10, allowed)) == 4
