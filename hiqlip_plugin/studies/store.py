"""Crash-safe, append-only results of a study: SQLite (standard library) plus ``runs.csv``.

A results folder holds:

- ``results.sqlite``: one row per finished run, committed in its own transaction (``synchronous=FULL``), so a
  crash loses at most the run in flight. The primary key ``(problem, sampler, budget, seed)`` makes a rerun
  skip finished runs and refuse duplicates.
- ``runs.csv``: the same rows (columns :data:`RUN_COLUMNS`), appended and fsynced after each commit and
  rewritten from the database (atomically: temporary file, fsync, rename) whenever the store is opened, so it
  is always present and never holds a partial or duplicated line after a resume.
- ``study.json``: the spec, its fingerprint and the problems' metadata; a folder only resumes the study that
  created it.

Examples:
    >>> import tempfile
    >>> from hiqlip_plugin.studies.store import RunStore
    >>> store = RunStore(tempfile.mkdtemp(), {"fingerprint": "abc"})
    >>> store.add({"problem": "p", "sampler": "sa", "budget": 1.0, "seed": 0, "objective": 2.0})
    True
    >>> store.add({"problem": "p", "sampler": "sa", "budget": 1.0, "seed": 0, "objective": 9.0})
    False
    >>> [row["objective"] for row in store.rows()], store.done() == {("p", "sa", 1.0, 0)}
    ([2.0], True)
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["RunStore", "RUN_COLUMNS", "run_key", "write_atomic", "read_csv"]

RUN_COLUMNS = (
    "problem", "sampler", "seed", "budget", "kind", "sampler_name", "params", "num_variables", "energy",
    "objective", "certified", "reference", "feasible", "num_samples", "wall_time", "sampler_time", "cpu_time",
    "qpu_time", "child_calls", "capacity", "hardware", "deterministic",
)
"""Columns of ``runs.csv``, in order."""


def run_key(row: Mapping[str, Any]) -> tuple[str, str, float | None, int]:
    """The identity of a run: ``(problem, sampler, budget, seed)``.

    Examples:
        >>> from hiqlip_plugin.studies.store import run_key
        >>> run_key({"problem": "p", "sampler": "s", "budget": None, "seed": 2, "energy": -1.0})
        ('p', 's', None, 2)
    """
    budget = row["budget"]
    return str(row["problem"]), str(row["sampler"]), None if budget is None else float(budget), int(row["seed"])


def write_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (temporary file, fsync, rename, fsync of the folder).

    Examples:
        >>> import os, tempfile
        >>> from hiqlip_plugin.studies.store import write_atomic
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> write_atomic(path, "hello")
        >>> open(path).read()
        'hello'
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _csv_line(row: Mapping[str, Any]) -> str:
    values = []
    for column in RUN_COLUMNS:
        value = row.get(column)
        values.append("" if value is None else json.dumps(value) if isinstance(value, (dict, list)) else value)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts of strings (``runs.csv``, ``summary.csv``).

    Examples:
        >>> import os, tempfile
        >>> from hiqlip_plugin.studies.store import read_csv
        >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
        >>> _ = open(path, "w").write("a,b\\n1,x\\n")
        >>> read_csv(path)
        [{'a': '1', 'b': 'x'}]
    """
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))


class RunStore:
    """The results folder of one study (see the module docstring for its files).

    Args:
        folder: The folder (created if missing).
        metadata: ``study.json``'s content; its ``"fingerprint"`` must match the one already stored, if any.

    Raises:
        ValueError: If the folder holds results of a different study.

    Examples:
        >>> import tempfile
        >>> from hiqlip_plugin.studies.store import RunStore, read_csv
        >>> folder = tempfile.mkdtemp()
        >>> store = RunStore(folder, {"fingerprint": "x"})
        >>> store.add({"problem": "p", "sampler": "sa", "budget": None, "seed": 3, "energy": -1.0})
        True
        >>> store.close()
        >>> [(row["seed"], row["energy"]) for row in read_csv(RunStore(folder, {"fingerprint": "x"}).csv_path)]
        [('3', '-1.0')]
    """

    def __init__(self, folder: str | Path, metadata: Mapping[str, Any]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        meta_path = self.folder / "study.json"
        if meta_path.is_file():
            stored = json.loads(meta_path.read_text())
            if stored.get("fingerprint") != metadata.get("fingerprint"):
                raise ValueError(
                    f"{str(self.folder)!r} holds results of a different study (fingerprint "
                    f"{stored.get('fingerprint')!r}); use a new output folder or the same spec to resume"
                )
        write_atomic(meta_path, json.dumps(metadata, indent=2, default=str))
        self._db = sqlite3.connect(self.folder / "results.sqlite", isolation_level=None)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS runs (problem TEXT NOT NULL, sampler TEXT NOT NULL, budget REAL, "
            "seed INTEGER NOT NULL, row TEXT NOT NULL, UNIQUE (problem, sampler, budget, seed))"
        )
        self.rewrite_csv()

    @property
    def csv_path(self) -> Path:
        """``runs.csv`` of the folder."""
        return self.folder / "runs.csv"

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row, in the order they were added."""
        return [json.loads(text) for (text,) in self._db.execute("SELECT row FROM runs ORDER BY rowid")]

    def done(self) -> set[tuple[str, str, float | None, int]]:
        """The keys (:func:`run_key`) of the stored runs."""
        return {run_key(row) for row in self.rows()}

    def add(self, row: Mapping[str, Any]) -> bool:
        """Commit one finished run and append it to ``runs.csv``; ``False`` (nothing written) if already there."""
        problem, sampler, budget, seed = run_key(row)
        with self._db:
            exists = self._db.execute(
                "SELECT 1 FROM runs WHERE problem = ? AND sampler = ? AND budget IS ? AND seed = ?",
                (problem, sampler, budget, seed),
            ).fetchone()
            if exists:
                return False
            self._db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
                             (problem, sampler, budget, seed, json.dumps(dict(row))))
        with self.csv_path.open("a", newline="") as handle:
            handle.write(_csv_line(row))
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def rewrite_csv(self, rows: Iterable[Mapping[str, Any]] | None = None) -> None:
        """Rewrite ``runs.csv`` from the database (or from ``rows``, e.g. sorted), atomically."""
        lines = [",".join(RUN_COLUMNS) + "\n"]
        lines.extend(_csv_line(row) for row in (self.rows() if rows is None else rows))
        write_atomic(self.csv_path, "".join(lines))

    def close(self) -> None:
        """Close the database."""
        self._db.close()
