"""Tests of the compiled CIM kernels: agreement with the numpy kernels, lane independence, chunking, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hiqlip_plugin.samplers import native
from hiqlip_plugin.samplers.dynamics import CAC, CFC, DSB, SimCIM, simulate

pytestmark = pytest.mark.usefixtures("native_kernels")  # skips (or fails in CI) without the compiled kernels

DETERMINISTIC = [DSB(), DSB(heat=0.05), CAC(), CFC(), SimCIM(noise=0.0)]


def _problem(seed: int, n: int, density: float) -> tuple[np.ndarray, sp.csr_array]:
    rng = np.random.default_rng(seed)
    upper = sp.triu(sp.random_array((n, n), density=density, rng=rng, data_sampler=rng.standard_normal), 1)
    return rng.normal(size=n), sp.csr_array(upper + upper.T)


def _starts(seed: int, replicas: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1, 1], size=(replicas, n))


def _energies(h: np.ndarray, coupling: sp.csr_array, spins: np.ndarray) -> np.ndarray:
    spins = spins.astype(np.float64)
    return spins @ h + 0.5 * np.einsum("bi,bi->b", spins, (coupling @ spins.T).T)


@pytest.mark.parametrize("dynamics", DETERMINISTIC, ids=lambda d: f"{d.name}-{d.parameters()}")
def test_first_steps_match_the_numpy_kernels(dynamics):
    # Same equations, same float32 inputs: only the order of the sums differs, which cannot flip a sign in the
    # first steps, so both backends visit the same states and keep the same best ones. (When two steps reach
    # the same energy, rounding may credit either, so best_step is not compared.)
    h, coupling = _problem(0, 40, 0.2)
    starts = _starts(1, 11, 40)
    runs = [simulate(h, coupling, starts, dynamics, 12, seed=3, backend=backend) for backend in ("native", "numpy")]
    assert np.array_equal(runs[0].spins, runs[1].spins)
    assert not np.array_equal(runs[0].spins, starts)


@pytest.mark.parametrize("dynamics", [DSB(), CAC(), CFC()], ids=lambda d: d.name)
def test_long_runs_reach_the_same_quality_as_numpy(dynamics):
    h, coupling = _problem(2, 120, 0.1)
    starts = _starts(3, 32, 120)
    best = [_energies(h, coupling, simulate(h, coupling, starts, dynamics, 600, seed=4, backend=b).spins).min()
            for b in ("native", "numpy")]
    assert best[0] == pytest.approx(best[1], rel=0.02)


@pytest.mark.parametrize("dynamics", [CAC(), CFC(), SimCIM(noise=0.0)], ids=lambda d: d.name)
def test_replicas_are_independent_lanes(dynamics):
    # Replica b only ever reads lane b: three replicas alone (padded to 8 lanes) or among 19 (padded to 24)
    # follow bit-identical trajectories. (Not dSB: whether a step updates J s from the flipped spins or
    # recomputes it depends on how many flipped in all lanes, which changes the rounding.)
    h, coupling = _problem(5, 30, 0.3)
    starts = _starts(6, 19, 30)
    x = starts.T * np.random.default_rng(7).uniform(0.0, 0.01, size=starts.T.shape)
    results = []
    for replicas in (3, 19):
        machine = native.NativeMachine(coupling * -0.2, starts[:replicas].T, x[:, :replicas])
        machine.set_auxiliary(dynamics.initial_auxiliary)
        machine.evaluate(step=0)
        dynamics.native_steps(machine, dynamics.schedule(200), 1, 0.3, np.random.default_rng(0))
        machine.evaluate(step=200)
        spins, steps = machine.best()
        results.append((spins[:3], steps[:3]))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dynamics", [DSB(), DSB(heat=0.05)], ids=["dsb", "heated"])
def test_dsb_keeps_the_field_of_the_signs(dynamics):
    # The kernel updates J s from the spins that flip (late in a run) or recomputes it: either way it must
    # stay the product of the current signs, up to float32 rounding.
    _, coupling = _problem(10, 300, 0.05)
    normalised = coupling * (-0.5 / np.sqrt(coupling.multiply(coupling).sum() / 300))
    starts = _starts(11, 24, 300)
    machine = native.NativeMachine(normalised, starts.T, 1e-3 * starts.T)
    machine.evaluate(step=0)
    schedule = dynamics.schedule(1000)
    for first in range(0, 1000, 250):                       # chunks that end between two refreshes
        dynamics.native_steps(machine, schedule[:, first:first + 250], first + 1, 0.5, np.random.default_rng(0))
        exact = normalised.astype(np.float64) @ machine.signs.astype(np.float64)
        assert np.allclose(machine.field, exact, atol=1e-4)


@pytest.mark.parametrize("dynamics", [DSB(), CAC(), SimCIM()], ids=lambda d: d.name)
def test_chunking_does_not_change_the_result(dynamics):
    # With a stop rule the steps run in chunks; the state lives in arrays, so results match one long call.
    h, coupling = _problem(8, 50, 0.2)
    starts = _starts(9, 16, 50)
    whole = simulate(h, coupling, starts, dynamics, 500, seed=1, backend="native")
    chunked = simulate(h, coupling, starts, dynamics, 500, seed=1, backend="native", stop=lambda: False)
    assert np.array_equal(whole.spins, chunked.spins)
    assert np.array_equal(whole.best_step, chunked.best_step)


def test_machine_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="must be"):
        native.NativeMachine(sp.csr_array((3, 4)), np.ones((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must be"):
        native.NativeMachine(sp.csr_array((3, 3)), np.ones((3, 2)), np.zeros((3, 3)))


class TestKernelArguments:
    """The compiled functions check every buffer length and index before touching memory."""

    def _arguments(self, n: int = 4, width: int = 8) -> dict:
        coupling = sp.csr_array(np.ones((n, n)) - np.eye(n), dtype=np.float32)
        return dict(indptr=coupling.indptr.astype(np.int64), offsets=coupling.indices.astype(np.int64) * width,
                    data=coupling.data.astype(np.float32), energy=np.zeros(2 * width),
                    best=np.ones((n, width), np.float32), best_energy=np.full(width, np.inf),
                    best_step=np.zeros(width, np.int64), signs=np.ones((n, width), np.float32),
                    field=np.zeros((n, width), np.float32), width=width, step=0)

    def test_valid_call(self):
        arguments = self._arguments()
        native._kernels.evaluate(*arguments.values())
        assert np.allclose(arguments["field"], 3.0)                    # all-aligned signs, unit couplings
        assert np.allclose(arguments["best_energy"], -0.5 * 4 * 3)

    @pytest.mark.parametrize("change, match", [
        (dict(width=12), "multiple of 8"),
        (dict(signs=np.ones((4, 7), np.float32)), "signs"),
        (dict(field=np.ones((4, 8), np.float64)), "field"),
        (dict(best=np.ones((4, 8), np.float64)), "best"),
        (dict(offsets=np.full(12, 4 * 8, np.int64)), "offsets"),
        (dict(offsets=np.full(12, -8, np.int64)), "offsets"),
        (dict(indptr=np.array([0, 3, 2, 9, 12], np.int64)), "non-decreasing"),
        (dict(indptr=np.array([0, 3, 6, 9, 11], np.int64)), "end at the number"),
        (dict(data=np.ones(11, np.float32)), "data"),
    ])
    def test_bad_buffers_raise(self, change, match):
        arguments = {**self._arguments(), **change}
        with pytest.raises(ValueError, match=match):
            native._kernels.evaluate(*arguments.values())

    def test_read_only_state_is_refused(self):
        arguments = self._arguments()
        arguments["best"].flags.writeable = False
        with pytest.raises((TypeError, BufferError)):
            native._kernels.evaluate(*arguments.values())

    def test_unknown_amplitude_kind(self):
        machine = native.NativeMachine(sp.csr_array((2, 2)), np.ones((2, 1)), np.zeros((2, 1)))
        state = (machine.x, machine.aux, machine.signs, np.zeros_like(machine.x))
        empty = np.empty(0)
        with pytest.raises(ValueError, match="kind"):
            native._kernels.amplitude(*machine._common(), 7, *state, np.zeros(3), empty, empty.astype(np.float32),
                                      machine.width, 1, machine.refresh, (0.1,) * 7)

    def test_refresh_must_be_positive(self):
        with pytest.raises(ValueError, match="refresh"):
            native.NativeMachine(sp.csr_array((2, 2)), np.ones((2, 1)), np.zeros((2, 1)), refresh=0)
        machine = native.NativeMachine(sp.csr_array((2, 2)), np.ones((2, 1)), np.zeros((2, 1)))
        machine.refresh = 0                                        # bypassing the constructor's check
        with pytest.raises(ValueError, match="refresh"):
            machine.dsb(np.zeros(3), 1, 0.5, 1.0, 0.0)


def test_instruction_set_is_reported():
    assert native.instruction_set() in ("avx512", "avx2", "baseline")


def _kernel_source() -> str:
    from pathlib import Path

    return (Path(native.__file__).parent / "_kernels.c").read_text()


def test_instruction_set_dispatch_is_guarded_for_gcc_12():
    # target_clones("arch=x86-64-v4") and __builtin_cpu_supports("x86-64-v4") need GCC 12: a guard that admits
    # GCC 11 makes the optional extension fail to build there, and everything silently runs on numpy
    import re

    source = _kernel_source()
    guards = re.findall(r"#if [^\n]*__GNUC__ >= (\d+)[^\n]*\n(?:[^\n]*\n){0,2}", source)
    assert guards and all(int(version) >= 12 for version in guards)
    for use in ("target_clones(", '__builtin_cpu_supports("x86-64-v'):
        for match in re.finditer(re.escape(use), source):
            preceding = source[: match.start()].rsplit("#if ", 1)[-1].split("\n", 1)[0]
            assert "__GNUC__ >= 12" in preceding, use


def test_numpy_and_c_share_the_best_state_rounding():
    import re

    from hiqlip_plugin.samplers.dynamics import ROUNDING

    (value,) = re.findall(r"#define ROUNDING ([0-9.e+-]+)", _kernel_source())
    assert float(value) == ROUNDING
