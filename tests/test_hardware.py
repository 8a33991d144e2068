"""Hardware adapters: offline production paths (mock QPU, fake IBM backends), credentials, token hygiene."""

from __future__ import annotations

import logging
import os
import socket
import sys
import warnings

import dimod
import dimod.testing
import pytest
from dwave.system.testing import MockDWaveSampler
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.accounts import AccountManager, management
from qiskit_ibm_runtime.fake_provider import FakeManilaV2
from qiskit_optimization.optimizers import COBYLA

from hiqlip_plugin.capacity import sampler_capacity
from hiqlip_plugin.composites.hierarchical import HierarchicalComposite
from hiqlip_plugin.exceptions import HardwareUnavailable
from hiqlip_plugin.hardware import (
    CapacityComposite,
    available_hardware,
    clique_capacity,
    dwave_sampler,
    dwave_status,
    hardware_report,
    ibm_sampler,
    ibm_status,
)
from hiqlip_plugin.lipschitz.formulation import fgl_bqm
from hiqlip_plugin.problems import random_relu_network

SECRET = "SECRET-TOKEN-123"


def mock_qpu(**config):
    return MockDWaveSampler(topology_type="pegasus", topology_shape=[4])


@pytest.fixture(scope="module")
def lipschitz():
    net = random_relu_network((6, 6, 2), seed=0)
    return net, fgl_bqm(net, output=0)


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    """No D-Wave or IBM token anywhere: environment cleared, config files empty or absent."""
    for name in list(os.environ):
        if name.startswith(("DWAVE_", "QISKIT_IBM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    empty = tmp_path / "dwave.conf"
    empty.write_text("")
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(empty))
    account_file = tmp_path / ".qiskit" / "qiskit-ibm.json"
    monkeypatch.setattr(management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE", str(account_file))
    return account_file


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to resolve or connect is recorded and refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise ConnectionRefusedError("network access attempted in an offline test")

    for target, name in [
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket, "create_connection"),
        (socket, "getaddrinfo"),
    ]:
        monkeypatch.setattr(target, name, refuse)
    return attempts


def assert_secret_free(caplog, *objects):
    texts = [caplog.text] + [record.getMessage() for record in caplog.records]
    texts += [text for obj in objects for text in (str(obj), repr(obj))]
    assert not [text for text in texts if SECRET in text]


# --- CapacityComposite and the capacity of a QPU -----------------------------------------------------


def test_capacity_composite_is_a_transparent_composite():
    child = dimod.ExactSolver()
    sampler = CapacityComposite(child, max_num_variables=3)
    dimod.testing.assert_composite_api(sampler)
    dimod.testing.assert_sampler_api(sampler)
    assert sampler.properties == {"max_num_variables": 3, "child_properties": child.properties}
    assert sampler.parameters == child.parameters
    bqm = dimod.generators.ran_r(1, 3, seed=2)
    assert sampler.sample(bqm).truncate(1).first == child.sample(bqm).truncate(1).first
    assert repr(sampler) == "CapacityComposite(ExactSolver, max_num_variables=3)"


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-4, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_capacity_composite_rejects_bad_capacities(bad, error):
    with pytest.raises(error, match="max_num_variables"):
        CapacityComposite(dimod.ExactSolver(), max_num_variables=bad)


def test_clique_capacity_of_working_graphs():
    assert clique_capacity(MockDWaveSampler(topology_type="pegasus", topology_shape=[4])) == 36
    broken = MockDWaveSampler(
        topology_type="pegasus", topology_shape=[4], broken_nodes=range(40, 80)
    )
    assert 0 < clique_capacity(broken) < 36
    unstructured = dimod.StructureComposite(dimod.ExactSolver(), [0, 1], [(0, 1)])
    with pytest.raises(ValueError, match="max_num_variables"):
        clique_capacity(unstructured)


# --- D-Wave ----------------------------------------------------------------------------------------


def test_dwave_injected_qpu_through_hierarchical_composite(lipschitz):
    net, qubo = lipschitz
    sampler = dwave_sampler(qpu=MockDWaveSampler(topology_type="pegasus", topology_shape=[4]))
    assert sampler.properties["max_num_variables"] == 36
    assert HierarchicalComposite(sampler).max_subproblem_size == 36
    sampleset = HierarchicalComposite(sampler, max_subproblem_size=5).sample(qubo.bqm, seed=0)
    assert sampleset.info["max_child_variables"] <= 5 < qubo.bqm.num_variables
    certificate = qubo.decode(sampleset.first.sample)
    assert certificate.verify(net)
    assert certificate.value == pytest.approx(-sampleset.first.energy)


def test_dwave_production_path_decided_by_credentials(
    lipschitz, no_credentials, no_network, monkeypatch, caplog
):
    import dwave.system

    caplog.set_level(logging.DEBUG)
    opened = []
    monkeypatch.setattr(
        dwave.system, "DWaveSampler", lambda **config: opened.append(config) or mock_qpu()
    )
    with pytest.raises(HardwareUnavailable, match="DWAVE_API_TOKEN") as absent:
        dwave_sampler("Advantage_system4.1")
    assert opened == []

    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    sampler = dwave_sampler("Advantage_system4.1")
    assert opened == [{"solver": "Advantage_system4.1"}]
    assert sampler.properties["max_num_variables"] == 36
    net, qubo = lipschitz
    sampleset = HierarchicalComposite(sampler, max_subproblem_size=4).sample(qubo.bqm, seed=1)
    assert qubo.decode(sampleset.first.sample).verify(net)
    assert no_network == []
    assert_secret_free(caplog, absent.value, sampler, *hardware_report())


def test_dwave_hybrid_capacity_from_solver_properties(no_credentials, monkeypatch):
    import dwave.system

    class FakeHybrid(dimod.Sampler):
        parameters = {"time_limit": []}
        properties = {"category": "hybrid", "maximum_number_of_variables": 20}

        def __init__(self, **config):
            self.config = config

        def sample(self, bqm, time_limit=None, **kwargs):
            return dimod.ExactSolver().sample(bqm)

    monkeypatch.setattr(dwave.system, "LeapHybridSampler", FakeHybrid)
    sampler = dwave_sampler(hybrid=True, token=SECRET)
    assert isinstance(sampler.child, FakeHybrid)
    assert sampler.properties["max_num_variables"] == 20
    assert (
        dwave_sampler(hybrid=True, token=SECRET, max_num_variables=7).properties[
            "max_num_variables"
        ]
        == 7
    )
    assert sampler.sample(dimod.generators.ran_r(1, 4, seed=0)).first.energy < 0
    assert SECRET not in repr(sampler)


@pytest.mark.parametrize("kwargs", [{"hybrid": True}, {"solver": "Advantage"}, {"token": SECRET}])
def test_dwave_injected_qpu_excludes_connection_options(kwargs):
    with pytest.raises(ValueError, match="qpu=") as err:
        dwave_sampler(qpu=mock_qpu(), **kwargs)
    assert SECRET not in str(err.value)


# --- IBM -------------------------------------------------------------------------------------------


def test_ibm_local_service_fake_backend_through_hierarchical_composite(
    lipschitz, no_credentials, no_network
):
    net, qubo = lipschitz
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fake_nighthawk's properties are not typical
        service = QiskitRuntimeService(channel="local")
        sampler = ibm_sampler(
            "fake_manila", service=service, reps=1, optimizer=COBYLA(maxiter=10), shots=128, seed=3
        )
    assert sampler.properties["max_num_variables"] == 5
    composite = HierarchicalComposite(sampler)
    assert composite.max_subproblem_size == 5
    # one child call (the coarsest level); the refinement windows are exercised with the D-Wave mock
    sampleset = composite.sample(qubo.bqm, seed=0, refinement_passes=0)
    assert sampleset.info["num_child_calls"] == 1
    assert sampleset.info["max_child_variables"] == 5
    certificate = qubo.decode(sampleset.first.sample)
    assert certificate.verify(net)
    assert certificate.value == pytest.approx(-sampleset.first.energy)
    assert no_network == []


def test_ibm_local_channel_least_busy_backend_needs_no_account(no_credentials, no_network):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sampler = ibm_sampler(channel="local")
        least_busy = QiskitRuntimeService(channel="local").least_busy()
    assert sampler.properties["max_num_variables"] == least_busy.num_qubits
    assert no_network == []


@pytest.mark.filterwarnings("ignore:The SamplerV2 class is deprecated:DeprecationWarning")
def test_ibm_falls_back_to_sampler_v2_on_older_runtimes(monkeypatch):
    from qiskit_ibm_runtime import SamplerV2

    monkeypatch.setitem(sys.modules, "qiskit_ibm_runtime.executor_sampler", None)
    sampler = ibm_sampler(FakeManilaV2(), optimizer=COBYLA(maxiter=4), shots=32, seed=0)
    assert type(sampler.solver.sampler) is SamplerV2
    bqm = dimod.BinaryQuadraticModel({"a": 0.5}, {("a", "b"): -1.0}, 0.0, "SPIN")
    assert set(sampler.sample(bqm).variables) == {"a", "b"}


def test_ibm_production_path_decided_by_credentials(
    no_credentials, no_network, monkeypatch, caplog
):
    import qiskit_ibm_runtime

    caplog.set_level(logging.DEBUG)
    opened = []

    class StubService:
        def __init__(self, **account):
            opened.append(account)

        def backend(self, name):
            assert name == "ibm_fake"
            return FakeManilaV2()

    monkeypatch.setattr(qiskit_ibm_runtime, "QiskitRuntimeService", StubService)
    with pytest.raises(HardwareUnavailable, match="QISKIT_IBM_TOKEN") as absent:
        ibm_sampler("ibm_fake")
    assert opened == []
    assert not no_credentials.exists()  # the probe creates no account file

    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)
    sampler = ibm_sampler("ibm_fake", instance="my-instance")
    assert opened == [{"instance": "my-instance"}]
    assert sampler.properties["max_num_variables"] == 5
    assert no_network == []
    assert_secret_free(caplog, absent.value, sampler, *hardware_report())


def test_ibm_argument_checks():
    backend = FakeManilaV2()
    with pytest.raises(ValueError, match="account options"):
        ibm_sampler(backend, channel="ibm_cloud")
    with pytest.raises(ValueError, match="shots"):
        ibm_sampler(backend, shots=0)
    with pytest.raises(TypeError, match="reps"):
        ibm_sampler(backend, reps=1.5)
    assert ibm_sampler(backend, max_num_variables=3).properties["max_num_variables"] == 3
    with pytest.raises(ValueError, match="max_num_variables"):
        ibm_sampler(backend, max_num_variables=0)
    with pytest.raises(TypeError, match="max_num_variables"):
        ibm_sampler(backend, max_num_variables=4.0)


def test_adapters_follow_the_shared_capacity_rule():
    qpu = MockDWaveSampler(topology_type="pegasus", topology_shape=[4])
    assert sampler_capacity(qpu) == 4 < qpu.properties["num_qubits"]  # bare: cliques of the graph
    assert sampler_capacity(dwave_sampler(qpu=qpu)) == clique_capacity(qpu)  # embedded with chains
    assert sampler_capacity(ibm_sampler(FakeManilaV2())) == FakeManilaV2().num_qubits  # SWAP routing


# --- credentials, reports, missing packages --------------------------------------------------------


def test_without_credentials_adapters_raise_offline(no_credentials, no_network, caplog):
    caplog.set_level(logging.DEBUG)
    for call, hint in [
        (dwave_sampler, "dwave setup"),
        (lambda: dwave_sampler(hybrid=True), "DWAVE_CONFIG_FILE"),
        (ibm_sampler, "save_account"),
        (lambda: ibm_sampler("ibm_brisbane"), "QISKIT_IBM_TOKEN"),
    ]:
        with pytest.raises(HardwareUnavailable, match=hint):
            call()
    assert no_network == []
    assert available_hardware() == []
    assert [(s.name, s.installed, s.configured) for s in hardware_report()] == [
        ("dwave", True, False),
        ("ibm", True, False),
    ]


def test_available_hardware_reflects_the_environment(
    no_credentials, no_network, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    assert available_hardware() == ["dwave"]
    monkeypatch.setenv("QISKIT_IBM_TOKEN", SECRET)
    assert available_hardware() == ["dwave", "ibm"]
    dwave, ibm = hardware_report()
    assert "DWAVE_API_TOKEN" in dwave.detail and "QISKIT_IBM_TOKEN" in ibm.detail
    assert no_network == []
    assert_secret_free(caplog, dwave, ibm)


def test_dwave_status_reads_config_files(no_credentials, tmp_path, monkeypatch):
    config = tmp_path / "leap.conf"
    config.write_text(f"[prod]\ntoken = {SECRET}\n")
    status = dwave_status(config_file=str(config))
    assert status.configured and str(config) in status.detail
    monkeypatch.setenv("DWAVE_CONFIG_FILE", str(config))
    assert dwave_status().available
    missing = dwave_status(config_file=str(tmp_path / "missing.conf"))
    assert not missing.configured and "could not be read" in missing.detail
    assert dwave_status(token=SECRET).detail == "token passed as an argument"
    assert SECRET not in repr([status, missing])


def test_ibm_status_reads_saved_accounts(no_credentials, tmp_path):
    assert not ibm_status().configured and str(no_credentials) in ibm_status().detail
    AccountManager.save(
        token=SECRET,
        channel="ibm_quantum_platform",
        filename=str(no_credentials),
        set_as_default=True,
    )
    status = ibm_status()
    assert (
        status.available
        and str(no_credentials) in status.detail
        and "ibm_quantum_platform" in status.detail
    )
    assert not ibm_status(name="no-such-account").configured
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    broken = ibm_status(filename=str(corrupt))
    assert not broken.configured and "JSONDecodeError" in broken.detail
    assert SECRET not in repr([status, broken])


def test_missing_packages_are_reported_with_the_extra(no_credentials, monkeypatch):
    monkeypatch.setitem(sys.modules, "dwave.system", None)
    monkeypatch.setitem(sys.modules, "qiskit_ibm_runtime", None)
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    dwave, ibm = hardware_report()
    assert (dwave.installed, dwave.configured, ibm.installed, ibm.configured) == (
        False,
        True,
        False,
        False,
    )
    assert "hiqlip-plugin[dwave]" in dwave.detail and "hiqlip-plugin[ibm]" in ibm.detail
    assert available_hardware() == []
    with pytest.raises(HardwareUnavailable, match=r"hiqlip-plugin\[dwave\]"):
        dwave_sampler()
    with pytest.raises(HardwareUnavailable, match=r"hiqlip-plugin\[dwave\]"):
        dwave_sampler(qpu=mock_qpu())
    with pytest.raises(HardwareUnavailable, match=r"hiqlip-plugin\[ibm\]"):
        ibm_sampler(FakeManilaV2())
