"""A study specification: problems x samplers x seeds x budgets, read from TOML and checked strictly.

A spec file has one ``[study]`` table, one or more ``[[problems]]`` tables (see
:mod:`hiqlip_plugin.studies.problems`) and one or more ``[[samplers]]`` tables (see
:mod:`hiqlip_plugin.studies.samplers`)::

    [study]
    name = "example"
    seeds = [1, 2, 3]
    time_limit = 2.0            # per run, seconds (or budgets = [0.5, 2.0])
    [[problems]]
    kind = "lipschitz"
    dims = [12, 40, 1]
    seed = 5
    output = 0
    [[samplers]]
    name = "cim"
    params = { algorithm = "cac" }

``[study]`` keys: ``name`` (required), ``seeds`` (required: distinct non-negative integers, one run per seed),
``time_limit`` or ``budgets`` (seconds per run; neither: each sampler's own stopping rule), ``tolerance``
(relative tolerance of success, default ``1e-9``), ``bootstrap`` (resamples, default 1000) and
``bootstrap_seed`` (default 0). A sampler table has ``name``, optional ``label`` (default: the name; labels
must be unique) and ``params``. Relative file paths are resolved against the spec file's folder.

Every unknown key, unknown sampler name, sampler parameter the sampler does not accept, and missing file is
a :class:`StudySpecError` raised by :func:`load_study` before anything runs.

Examples:
    >>> from hiqlip_plugin.studies.spec import study_from_dict
    >>> study = study_from_dict({"study": {"name": "demo", "seeds": [0, 1]},
    ...                          "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
    ...                          "samplers": [{"name": "sa"}]})
    >>> study.name, study.seeds, study.budgets, [s.label for s in study.samplers]
    ('demo', (0, 1), (None,), ['sa'])
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiqlip_plugin.exceptions import HiqlipError
from hiqlip_plugin.studies.problems import PROBLEM_KEYS, PROBLEM_KINDS
from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler, hardware_note

__all__ = ["Study", "StudySpecError", "load_study", "study_from_dict", "STUDY_KEYS"]

STUDY_KEYS = frozenset({"name", "seeds", "time_limit", "budgets", "tolerance", "bootstrap", "bootstrap_seed"})
"""Keys accepted in the ``[study]`` table."""

_TOP_KEYS = frozenset({"study", "problems", "samplers"})
_SAMPLER_KEYS = frozenset({"name", "label", "params"})


class StudySpecError(HiqlipError, ValueError):
    """A study spec is malformed: the message names the table, the key and the fix.

    Examples:
        >>> from hiqlip_plugin.studies.spec import StudySpecError
        >>> issubclass(StudySpecError, ValueError)
        True
    """


@dataclass(frozen=True)
class Study:
    """A validated study: every problem is run by every sampler, for every budget and seed.

    Attributes:
        name: The study's name.
        seeds: One independent run per seed (the seed is handed to the sampler).
        budgets: Per-run time limits in seconds (``None``: the sampler's own stopping rule).
        tolerance: Relative tolerance with which an objective reaches its target.
        bootstrap: Bootstrap resamples of the intervals.
        bootstrap_seed: Seed of the bootstrap.
        problems: The ``[[problems]]`` tables, file paths made absolute.
        samplers: The samplers.
        skipped: ``label -> note`` for hardware samplers without credentials (they do not run).

    Examples:
        >>> from hiqlip_plugin.studies.spec import study_from_dict
        >>> study = study_from_dict({"study": {"name": "d", "seeds": [3], "budgets": [0.1, 1]},
        ...                          "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
        ...                          "samplers": [{"name": "exact"}]})
        >>> study.budgets, len(study.fingerprint())
        ((0.1, 1.0), 64)
    """

    name: str
    seeds: tuple[int, ...]
    budgets: tuple[float | None, ...]
    tolerance: float
    bootstrap: int
    bootstrap_seed: int
    problems: tuple[Mapping[str, Any], ...]
    samplers: tuple[SamplerSpec, ...]
    skipped: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (what :meth:`fingerprint` hashes).

        Examples:
            >>> from hiqlip_plugin.studies.spec import study_from_dict
            >>> study = study_from_dict({"study": {"name": "d", "seeds": [3]},
            ...                          "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}],
            ...                          "samplers": [{"name": "exact"}]})
            >>> study.to_dict()["samplers"]
            [{'name': 'exact', 'label': 'exact', 'params': {}}]
        """
        return {
            "name": self.name,
            "seeds": list(self.seeds),
            "budgets": list(self.budgets),
            "tolerance": self.tolerance,
            "bootstrap": self.bootstrap,
            "bootstrap_seed": self.bootstrap_seed,
            "problems": [dict(p) for p in self.problems],
            "samplers": [{"name": s.name, "label": s.label, "params": dict(s.params)} for s in self.samplers],
        }

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`to_dict`: a results folder resumes only the study that started it.

        Examples:
            >>> from hiqlip_plugin.studies.spec import study_from_dict
            >>> spec = {"study": {"name": "d", "seeds": [0]}, "samplers": [{"name": "exact"}],
            ...         "problems": [{"kind": "lipschitz", "dims": [4, 5, 1]}]}
            >>> study_from_dict(spec).fingerprint() == study_from_dict(spec).fingerprint()
            True
        """
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _fail(message: str) -> StudySpecError:
    return StudySpecError(f"study spec: {message}")


def _unknown(table: str, given: Mapping[str, Any], accepted: frozenset[str]) -> None:
    unknown = sorted(set(given) - accepted)
    if unknown:
        raise _fail(f"unknown keys {unknown} in {table}; accepted: {sorted(accepted)}")


def _table(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{what} must be a table, got {value!r}")
    return value


def _integer(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise _fail(f"{what} must be a positive number of seconds, got {value!r}")
    return float(value)


def _settings(study: Mapping[str, Any]) -> dict[str, Any]:
    _unknown("[study]", study, STUDY_KEYS)
    if not isinstance(study.get("name"), str) or not study["name"]:
        raise _fail('[study] needs name = "..."')
    seeds = study.get("seeds")
    if not isinstance(seeds, list) or not seeds:
        raise _fail("[study] needs seeds = [...], a non-empty list of integers")
    seeds = [_integer(s, "every seed") for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise _fail(f"seeds must be distinct, got {seeds}")
    if "time_limit" in study and "budgets" in study:
        raise _fail("[study] takes time_limit or budgets, not both")
    budgets: list[float | None] = [None]
    if "time_limit" in study:
        budgets = [_seconds(study["time_limit"], "time_limit")]
    elif "budgets" in study:
        if not isinstance(study["budgets"], list) or not study["budgets"]:
            raise _fail("budgets must be a non-empty list of seconds")
        budgets = [_seconds(b, "every budget") for b in study["budgets"]]
    tolerance = study.get("tolerance", 1e-9)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
        raise _fail(f"tolerance must be a number in [0, 1), got {tolerance!r}")
    return {
        "name": study["name"],
        "seeds": tuple(seeds),
        "budgets": tuple(budgets),
        "tolerance": float(tolerance),
        "bootstrap": _integer(study.get("bootstrap", 1000), "bootstrap", 10),
        "bootstrap_seed": _integer(study.get("bootstrap_seed", 0), "bootstrap_seed"),
    }


def _absolute(path: Any, base: Path, what: str) -> str:
    if not isinstance(path, str):
        raise _fail(f"{what} must be a file path string, got {path!r}")
    resolved = Path(path) if Path(path).is_absolute() else base / path
    if not resolved.is_file():
        raise _fail(f"{what}: file {str(resolved)!r} does not exist")
    return str(resolved.resolve())


def _problem(entry: Any, index: int, base: Path) -> dict[str, Any]:
    entry = dict(_table(entry, f"[[problems]] #{index + 1}"))
    kind = entry.get("kind")
    if kind not in PROBLEM_KINDS:
        raise _fail(f"[[problems]] #{index + 1}: kind {kind!r} is unknown; use one of {list(PROBLEM_KINDS)}")
    _unknown(f"[[problems]] #{index + 1} (kind {kind!r})", entry, PROBLEM_KEYS[kind])
    for key in ("path", "network"):
        if key in entry:
            entry[key] = _absolute(entry[key], base, f"[[problems]] #{index + 1} {key}")
    if kind != "lipschitz" and "path" not in entry:
        raise _fail(f'[[problems]] #{index + 1}: a {kind!r} problem needs path = "FILE"')
    return entry


def _sampler(entry: Any, index: int) -> SamplerSpec:
    entry = _table(entry, f"[[samplers]] #{index + 1}")
    _unknown(f"[[samplers]] #{index + 1}", entry, _SAMPLER_KEYS)
    name = entry.get("name")
    if not isinstance(name, str):
        raise _fail(f'[[samplers]] #{index + 1} needs name = "..."')
    label = entry.get("label", name)
    if not isinstance(label, str) or not label or "," in label:
        raise _fail(f"[[samplers]] #{index + 1}: label must be a non-empty string without commas, got {label!r}")
    return SamplerSpec(name, label, dict(_table(entry.get("params", {}), f"params of sampler {label!r}")))


def study_from_dict(data: Mapping[str, Any], base: str | Path = ".") -> Study:
    """Validate a parsed spec (the dict :mod:`tomllib` returns) and build the :class:`Study`.

    Every sampler is built once here (hardware samplers without credentials are only recorded in
    :attr:`Study.skipped`), so parameter errors surface before any run.

    Args:
        data: The spec.
        base: Folder that relative paths are resolved against.

    Raises:
        StudySpecError: For any unknown key, missing or malformed value, unknown sampler or parameter, or
            missing file.

    Examples:
        >>> from hiqlip_plugin.studies.spec import study_from_dict
        >>> study_from_dict({"study": {"name": "d", "seeds": [0]}, "problems": [{"kind": "maxcut"}],
        ...                  "samplers": [{"name": "sa"}]})
        Traceback (most recent call last):
        ...
        hiqlip_plugin.studies.spec.StudySpecError: study spec: [[problems]] #1: kind 'maxcut' is unknown; ...
    """
    _unknown("the spec", data, _TOP_KEYS)
    settings = _settings(_table(data.get("study"), "[study]"))
    base = Path(base)
    problems, samplers = data.get("problems"), data.get("samplers")
    if not isinstance(problems, list) or not problems:
        raise _fail("the spec needs at least one [[problems]] table")
    if not isinstance(samplers, list) or not samplers:
        raise _fail("the spec needs at least one [[samplers]] table")
    problem_entries = tuple(_problem(entry, i, base) for i, entry in enumerate(problems))
    specs = tuple(_sampler(entry, i) for i, entry in enumerate(samplers))
    labels = [s.label for s in specs]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise _fail(f"sampler labels {duplicates} are used twice: give each [[samplers]] a unique label")
    skipped = {}
    for spec in specs:
        note = hardware_note(spec.name)
        if note is not None:
            skipped[spec.label] = note
            continue
        try:
            build_sampler(spec)
        except (ValueError, TypeError) as err:
            raise _fail(str(err)) from None
    return Study(problems=problem_entries, samplers=specs, skipped=skipped, **settings)


def load_study(path: str | Path) -> Study:
    """Read and validate a TOML spec file.

    Raises:
        StudySpecError: For a missing or unparsable file and everything :func:`study_from_dict` refuses.

    Examples:
        >>> import os, tempfile
        >>> from hiqlip_plugin.studies.spec import load_study
        >>> path = os.path.join(tempfile.mkdtemp(), "s.toml")
        >>> _ = open(path, "w").write('[study]\\nname = "x"\\nseeds = [1]\\ntime_limt = 2\\n')
        >>> load_study(path)
        Traceback (most recent call last):
        ...
        hiqlip_plugin.studies.spec.StudySpecError: study spec: unknown keys ['time_limt'] in [study]; ...
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(f"file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise _fail(f"{str(path)!r} is not valid TOML: {err}") from None
    return study_from_dict(data, path.parent)
