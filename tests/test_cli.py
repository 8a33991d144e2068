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


def test_bad_outputs_argument():
    with pytest.raises(SystemExit):
        main(["estimate", "--example", "digits", "--outputs", "first"])


def test_hardware_command(capsys):
    assert main(["hardware"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dwave") and "ibm" in out


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "hiqlip_plugin.cli", "estimate", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--network" in result.stdout
