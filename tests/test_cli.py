"""The hiqlip command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hiqlip_plugin.cli import main
from hiqlip_plugin.problems import random_relu_network


def test_estimate_json_on_a_network_file(tmp_path, capsys):
    net = random_relu_network((8, 6, 2), seed=0)
    path = tmp_path / "net.npz"
    net.save(path)
    assert main(["estimate", "--network", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["output"] for e in data["estimates"]] == [0, 1]
    assert all(e["exact"] and e["lower"] <= e["upper"] for e in data["estimates"])


def test_estimate_table_for_the_bundled_example(capsys):
    assert main(["estimate", "--example", "digits", "--outputs", "0,3", "--no-progress", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "64-64-10" in out and "witness" in out
    assert len([line for line in out.splitlines() if line.strip().startswith(("0 ", "3 "))]) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["estimate", "--example", "digits", "--outputs", "first"], "--outputs must be"),
        (["estimate"], "one of the arguments --example --network is required"),
        (["estimate", "--example", "digits", "--time-limit", "-1"], "--time-limit must be a positive"),
        (["estimate", "--example", "digits", "--outputs", "12"], "out of range"),
        (["estimate", "--network", "missing.npz"], "no such network file"),
        (["estimate", "--example", "digits", "--address", "tcp://x:1"], "--address needs --executor dask"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hiqlip: error: ") and message in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="--time-limit"):
        main(["estimate", "--example", "digits", "--time-limit", "-1", "--debug"])


def test_error_from_the_console_script_has_no_traceback(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("101\n")
    result = subprocess.run([sys.executable, "-m", "hiqlip_plugin.cli", "estimate", "--network", str(text),
                             "--assume-relu"], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("hiqlip: error: ") and "not a PyTorch file" in result.stderr


def test_version(capsys):
    from hiqlip_plugin import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"hiqlip {__version__}"


def test_state_dict_needs_assume_relu(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    assert main(["estimate", "--network", str(path), "--json"]) == 2
    assert "--assume-relu" in capsys.readouterr().err
    assert main(["estimate", "--network", str(path), "--json", "--assume-relu"]) == 0
    assert len(json.loads(capsys.readouterr().out)["estimates"]) == 2


def test_repeated_output_gives_identical_rows(capsys):
    assert main(["estimate", "--example", "digits", "--outputs", "1,1", "--exact", "never", "--json"]) == 0
    first, second = json.loads(capsys.readouterr().out)["estimates"]
    for key in ("lower", "upper", "sampled", "certificate", "attained"):
        assert first[key] == second[key]


def test_dask_executor_gives_the_serial_report(capsys):
    distributed = pytest.importorskip("distributed")
    argv = ["estimate", "--example", "digits", "--outputs", "0,5", "--json", "--exact", "never"]
    assert main(argv) == 0
    serial = json.loads(capsys.readouterr().out)["estimates"]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        assert main([*argv, "--executor", "dask", "--address", cluster.scheduler_address]) == 0
    parallel = json.loads(capsys.readouterr().out)["estimates"]
    for a, b in zip(serial, parallel, strict=True):
        a.pop("timings"), b.pop("timings")
        assert a == b


def test_hardware_command(capsys):
    assert main(["hardware"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dwave") and "ibm" in out


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "hiqlip_plugin.cli", "estimate", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--network" in result.stdout


def test_time_limit_counts_from_the_start_of_the_command(monkeypatch):
    # Loading the network (here slowed to 0.4 s) uses part of --time-limit: the estimate gets the rest.
    import time

    from hiqlip_plugin import cli
    from hiqlip_plugin.lipschitz import estimate

    given: list = []
    real_load, real_estimate = cli._load_network, estimate.estimate_lipschitz

    def slow_load(args):
        time.sleep(0.4)
        return real_load(args)

    def spy(*args, **kwargs):
        given.append(kwargs["time_limit"])
        return real_estimate(*args, **kwargs)

    monkeypatch.setattr(cli, "_load_network", slow_load)
    monkeypatch.setattr(estimate, "estimate_lipschitz", spy)
    assert main(["estimate", "--example", "digits", "--outputs", "0", "--time-limit", "1.0", "--no-progress"]) == 0
    assert len(given) == 1 and 0 < given[0] <= 0.6
    assert main(["estimate", "--example", "digits", "--outputs", "0", "--time-limit", "0.2", "--no-progress"]) == 0
    assert given[1] > 0  # a spent limit still asks for one minimal step, never for zero
