"""The Sphinx site builds with warnings as errors, and `import hiqlip_plugin` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_sphinx_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_has_an_api_page():
    pages = " ".join(p.read_text() for p in (ROOT / "docs" / "api").glob("*.rst"))
    for module in (ROOT / "hiqlip_plugin").rglob("*.py"):
        name = ".".join(module.relative_to(ROOT).with_suffix("").parts)
        if module.name.startswith("_") or name.endswith("__main__"):
            continue
        assert f"automodule:: {name}\n" in pages, f"{name} has no docs/api page"


def test_import_is_light():
    code = "import sys, hiqlip_plugin; print(any(m.split('.')[0] in ('qiskit', 'qiskit_optimization', 'torch', 'cvxpy') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
