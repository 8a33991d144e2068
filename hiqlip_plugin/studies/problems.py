"""The problems of a study: Lipschitz QUBOs, Max-Cut files and dimod BQM files, each with its reference.

Every :class:`Problem` is a dimod BQM to MINIMISE plus what a comparison needs: the sense and formula of its
objective, a reference value with its source (a proven optimum, a best-known value from the literature, or
none), and, for Lipschitz problems, a certified upper bound and the decoding of a sample into a
:class:`~hiqlip_plugin.lipschitz.formulation.Certificate`.

Kinds (the ``kind`` key of a ``[[problems]]`` table, see :mod:`hiqlip_plugin.studies.spec`):

- ``"lipschitz"``: the FGL QUBO (:func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm`) of one output of a
  two-layer ReLU network, from a network file (``network = "net.npz"`` or a ``.pt`` state dict) or a seeded
  He-initialised net (``dims = [d, h, k]``, ``seed``). Objective: the FGL value ``-E`` (l_inf) or
  ``sqrt(-E)`` (l2), maximised. Reference: the exact FGL when the enumeration needs at most ``2**20`` cases
  (``exact = "auto"``; ``true`` forces it, ``false`` skips it), a proven optimum. Upper bound: the certified
  SDP bound (``upper = "sdp"``, the default for ``"auto"``) or the norm-product bound (``"product"``).
- ``"gset"`` and ``"orlib"``: a Max-Cut file (``n m`` then ``i j w`` lines: the G-set, or the OR-Library
  ``bqp`` instances in that format), read by :func:`hiqlip_plugin.problems.maxcut_bqm`. Objective: the cut
  weight, maximised. Reference: ``best_known`` from the spec, else :data:`BEST_KNOWN` by file stem.
- ``"bqm"``: any BQM in dimod's own serialisation: :meth:`dimod.BinaryQuadraticModel.to_file` output, or
  ``.json`` from :meth:`~dimod.BinaryQuadraticModel.to_serializable` (pickles are refused). Objective: the
  energy, minimised. Reference: ``best_known`` from the spec, else the exact minimum when the model has at
  most :data:`EXACT_BQM_VARIABLES` variables (:class:`dimod.ExactSolver`).

Examples:
    >>> from hiqlip_plugin.studies.problems import build_problems
    >>> [problem] = build_problems({"kind": "lipschitz", "dims": [6, 8, 1], "seed": 0})
    >>> problem.name, problem.sense, problem.proven, problem.reference <= problem.upper_bound
    ('lipschitz-6x8x1-s0-o0', 'max', True, True)
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dimod
import numpy as np

from hiqlip_plugin.lipschitz.formulation import LipschitzQUBO

__all__ = [
    "Problem",
    "build_problems",
    "PROBLEM_KINDS",
    "PROBLEM_KEYS",
    "BEST_KNOWN",
    "EXACT_BQM_VARIABLES",
]

PROBLEM_KINDS = ("lipschitz", "gset", "orlib", "bqm")
"""Values of the ``kind`` key of a problem table."""

_COMMON_KEYS = frozenset({"kind", "name"})
_FILE_KEYS = _COMMON_KEYS | {"path", "best_known", "best_known_source"}
PROBLEM_KEYS: dict[str, frozenset[str]] = {
    "lipschitz": _COMMON_KEYS | {"dims", "network", "seed", "output", "norm", "exact", "upper"},
    "gset": _FILE_KEYS,
    "orlib": _FILE_KEYS,
    "bqm": _FILE_KEYS,
}
"""The keys each kind of problem table accepts (anything else is an error)."""

BEST_KNOWN: dict[str, tuple[float, str]] = {
    **{
        name: (value, "best-known cut, Benlic and Hao, Breakout local search for the max-cut problem (2013)")
        for name, value in {
            "G1": 11624, "G2": 11620, "G3": 11622, "G11": 564, "G12": 556, "G13": 582, "G14": 3064,
            "G15": 3050, "G22": 13359, "G43": 6660,
        }.items()
    },
    **{
        f"bqp250-{k}": (value, "best-known value, OR-Library bqp250 (Beasley 1998)")
        for k, value in enumerate((45607, 44810, 49037, 41274, 47961, 41014, 46757, 35726, 48916, 40442), 1)
    },
}
"""Best-known Max-Cut values by file stem: ``name -> (value, source)`` (G-set and OR-Library bqp250)."""

EXACT_BQM_VARIABLES = 20
"""A ``"bqm"`` problem without ``best_known`` gets its exact minimum as reference up to this size."""

_EXACT_AUTO_BITS = 20


@dataclass(frozen=True, eq=False)
class Problem:
    """One problem of a study: a BQM to minimise, its objective and its reference values.

    Attributes:
        name: Unique name within the study.
        kind: One of :data:`PROBLEM_KINDS`.
        bqm: The model handed to every sampler (minimised).
        sense: ``"max"`` or ``"min"``: the direction in which :meth:`objective` improves.
        reference: The value a run is compared with: a proven optimum or a best-known value (``None``: no
            reference; success then means reaching the best value found in the study).
        reference_source: Where :attr:`reference` comes from.
        proven: :attr:`reference` is a proven optimum (exact enumeration), not only a best-known value.
        upper_bound: A certified bound on the optimum from the other side (Lipschitz problems: the FGL is
            at most this), or ``None``.
        bound_source: How :attr:`upper_bound` was obtained.
        qubo: The Lipschitz formulation (decodes samples into certificates), ``None`` for other kinds.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.studies.problems import Problem
        >>> bqm = dimod.BQM({}, {(0, 1): 1.0}, 0.0, "SPIN")
        >>> problem = Problem("pair", "bqm", bqm, "min", -1.0, "given", True, None, "", None)
        >>> problem.objective([-1.0, 1.0]).tolist()
        [-1.0, 1.0]
    """

    name: str
    kind: str
    bqm: dimod.BinaryQuadraticModel
    sense: str
    reference: float | None
    reference_source: str
    proven: bool
    upper_bound: float | None
    bound_source: str
    qubo: LipschitzQUBO | None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the BQM as arrays in its variable order (a pickled dimod BQM may reorder its variables,
        which would change the samplers' trajectories and the last bits of energies on a Dask worker)."""
        state = dict(self.__dict__)
        variables = list(self.bqm.variables)
        state["bqm"] = (self.bqm.vartype.name, variables, self.bqm.to_numpy_vectors(variable_order=variables))
        state["qubo"] = None if self.qubo is None else dataclasses.replace(self.qubo, bqm=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vartype, variables, (linear, quadratic, offset) = state["bqm"]
        bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(linear, quadratic, offset, vartype,
                                                            variable_order=variables)
        state = {**state, "bqm": bqm,
                 "qubo": None if state["qubo"] is None else dataclasses.replace(state["qubo"], bqm=bqm)}
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def objective(self, energies: Any) -> np.ndarray:
        """The objective of each energy: FGL value, cut weight or the energy itself (float64 array).

        Examples:
            >>> from hiqlip_plugin.studies.problems import build_problems
            >>> [problem] = build_problems({"kind": "lipschitz", "dims": [3, 2, 1], "seed": 1})
            >>> problem.objective([-2.5]).tolist()
            [2.5]
        """
        energy = np.asarray(energies, dtype=np.float64)
        if self.kind == "lipschitz":
            assert self.qubo is not None
            return np.sqrt(np.maximum(-energy, 0.0)) if self.qubo.norm == "2" else -energy
        if self.kind in ("gset", "orlib"):
            return (float(sum(self.bqm.quadratic.values())) - energy) / 2.0
        return energy

    def certified(self, sample: Mapping[Hashable, Any]) -> float | None:
        """The value of ``sample`` recomputed from the network's weights (Lipschitz problems), else ``None``.

        The result is the value of a verified :class:`~hiqlip_plugin.lipschitz.formulation.Certificate`: a
        proven lower bound on the FGL.

        Examples:
            >>> import dimod
            >>> from hiqlip_plugin.studies.problems import build_problems
            >>> [problem] = build_problems({"kind": "lipschitz", "dims": [3, 2, 1], "seed": 1})
            >>> best = dimod.ExactSolver().sample(problem.bqm).first
            >>> bool(abs(problem.certified(best.sample) - problem.reference) < 1e-9)
            True
        """
        if self.qubo is None:
            return None
        certificate = self.qubo.decode(sample)
        if not certificate.verify(self.qubo.network):
            raise ValueError(f"problem {self.name!r}: a decoded certificate failed verification")
        return certificate.value

    def describe(self) -> dict[str, Any]:
        """Sizes and references as a JSON-ready dict (QOBLIB fields: variables, nonzeros, coefficient range).

        ``num_nonzeros`` counts non-zero linear and quadratic biases.

        Examples:
            >>> from hiqlip_plugin.studies.problems import build_problems
            >>> [problem] = build_problems({"kind": "lipschitz", "dims": [3, 2, 1], "seed": 1})
            >>> info = problem.describe()
            >>> info["num_variables"], info["num_nonzeros"], info["sense"]
            (5, 9, 'max')
        """
        linear, (_, _, quadratic), _ = self.bqm.to_numpy_vectors()
        coefficients = np.abs(np.concatenate([linear, quadratic]))
        nonzero = coefficients[coefficients > 0]
        return {
            "name": self.name,
            "kind": self.kind,
            "sense": self.sense,
            "vartype": self.bqm.vartype.name,
            "num_variables": int(self.bqm.num_variables),
            "num_nonzeros": int(nonzero.size),
            "coefficient_min": float(nonzero.min()) if nonzero.size else 0.0,
            "coefficient_max": float(nonzero.max()) if nonzero.size else 0.0,
            "reference": self.reference,
            "reference_source": self.reference_source,
            "proven": self.proven,
            "upper_bound": self.upper_bound,
            "bound_source": self.bound_source,
        }


def _file(entry: Mapping[str, Any], base: Path) -> Path:
    if "path" not in entry:
        raise ValueError(f"a {entry['kind']!r} problem needs path = \"FILE\"")
    path = Path(entry["path"])
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise FileNotFoundError(f"{entry['kind']!r} problem: file {str(path)!r} does not exist")
    return path


def _given_reference(entry: Mapping[str, Any], stem: str) -> tuple[float | None, str]:
    if "best_known" in entry:
        value = entry["best_known"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"problem {stem!r}: best_known must be a finite number, got {value!r}")
        return float(value), str(entry.get("best_known_source", "given in the study spec"))
    if "best_known_source" in entry:
        raise ValueError(f"problem {stem!r}: best_known_source is given without best_known")
    return None, ""


def _load_bqm(path: Path) -> dimod.BinaryQuadraticModel:
    if path.suffix == ".json":
        with path.open() as handle:
            return dimod.BinaryQuadraticModel.from_serializable(json.load(handle))
    with path.open("rb") as handle:
        if handle.read(8) != b"DIMODBQM":
            raise ValueError(
                f"{str(path)!r} is neither dimod's BQM file format (BinaryQuadraticModel.to_file) nor .json "
                "(BinaryQuadraticModel.to_serializable); pickles are not loaded"
            )
        handle.seek(0)
        return dimod.BinaryQuadraticModel.from_file(handle)


def _file_problem(entry: Mapping[str, Any], base: Path) -> Problem:
    from hiqlip_plugin.problems import maxcut_bqm

    kind = entry["kind"]
    path = _file(entry, base)
    name = str(entry.get("name", path.stem))
    reference, source = _given_reference(entry, name)
    if kind == "bqm":
        bqm = _load_bqm(path)
        proven = False
        if reference is None and bqm.num_variables <= EXACT_BQM_VARIABLES:
            reference = float(dimod.ExactSolver().sample(bqm).first.energy)
            source, proven = "exact minimum (dimod.ExactSolver)", True
        return Problem(name, kind, bqm, "min", reference, source, proven, None, "", None)
    bqm = maxcut_bqm(path)
    if reference is None and path.stem in BEST_KNOWN:
        reference, source = float(BEST_KNOWN[path.stem][0]), BEST_KNOWN[path.stem][1]
    return Problem(name, kind, bqm, "max", reference, source, False, None, "", None)


def _lipschitz_problems(entry: Mapping[str, Any], base: Path) -> list[Problem]:
    from hiqlip_plugin.lipschitz.bounds import product_bound, sdp_bound
    from hiqlip_plugin.lipschitz.exact import enumeration_bits, exact_fgl
    from hiqlip_plugin.lipschitz.formulation import fgl_bqm, parse_norm
    from hiqlip_plugin.network import ReLUNetwork
    from hiqlip_plugin.problems import random_relu_network

    if ("dims" in entry) == ("network" in entry):
        raise ValueError('a "lipschitz" problem needs exactly one of dims = [d, h, k] or network = "FILE"')
    seed = entry.get("seed", 0)
    if "dims" in entry:
        dims = entry["dims"]
        if not isinstance(dims, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise ValueError(f"dims must be a list of integers, got {dims!r}")
        network = random_relu_network(dims, seed=seed)
        stem = f"lipschitz-{'x'.join(map(str, dims))}-s{seed}"
    else:
        if "seed" in entry:
            raise ValueError('"seed" draws a random network from dims; it does not apply to network = FILE')
        path = _file({"kind": "lipschitz", "path": entry["network"]}, base)
        network, stem = ReLUNetwork.load(path), path.stem
    if network.num_layers != 2:
        raise ValueError(
            f"problem {stem!r}: the network has layer sizes {network.layer_sizes}; a study's Lipschitz QUBO "
            "needs a two-layer network (deeper FGLs are higher-order problems: use estimate_lipschitz)"
        )
    norm = parse_norm(entry.get("norm", "inf"))
    exact, upper = entry.get("exact", "auto"), entry.get("upper", "auto")
    if exact not in ("auto", True, False):
        raise ValueError(f'exact must be "auto", true or false, got {exact!r}')
    if upper not in ("auto", "sdp", "product"):
        raise ValueError(f'upper must be "auto", "sdp" or "product", got {upper!r}')
    outputs = entry.get("output", list(range(network.output_dim)))
    outputs = [outputs] if isinstance(outputs, int) and not isinstance(outputs, bool) else outputs
    if not isinstance(outputs, list) or not outputs or not all(
        isinstance(k, int) and not isinstance(k, bool) and 0 <= k < network.output_dim for k in outputs
    ):
        raise ValueError(f"output must be an index or a list of indices in 0..{network.output_dim - 1}, "
                         f"got {entry.get('output')!r}")
    enumerate_it = exact is True or (exact == "auto" and enumeration_bits(network, norm) <= _EXACT_AUTO_BITS)
    problems = []
    for k in outputs:
        name = str(entry["name"]) if "name" in entry and len(outputs) == 1 else (
            f"{entry.get('name', stem)}-o{k}")
        bound = (sdp_bound(network, k, norm=norm, seed=0) if upper != "product"
                 else product_bound(network, k, norm=norm))
        reference, source = None, ""
        if enumerate_it:
            reference, source = exact_fgl(network, k, norm=norm).value, "exact enumeration (exact_fgl)"
        qubo = fgl_bqm(network, k, norm=norm)
        problems.append(Problem(name, "lipschitz", qubo.bqm, "max", reference, source, enumerate_it, bound.value,
                                f"{bound.method} ({bound.solver}), certified", qubo))
    return problems


def build_problems(entry: Mapping[str, Any], base: str | Path = ".") -> list[Problem]:
    """Build the problems of one ``[[problems]]`` table (a Lipschitz table gives one per output).

    Args:
        entry: The table, with ``kind`` and the keys of :data:`PROBLEM_KEYS` for that kind.
        base: Folder that relative file paths are resolved against (the spec file's folder).

    Returns:
        A list of :class:`Problem`.

    Raises:
        ValueError: For an unknown kind or key, a malformed value, or a file that is not a valid problem.
        FileNotFoundError: For a missing file.

    Examples:
        >>> import os, tempfile
        >>> from hiqlip_plugin.studies.problems import build_problems
        >>> folder = tempfile.mkdtemp()
        >>> _ = open(os.path.join(folder, "path3.txt"), "w").write("3 2\\n1 2 1\\n2 3 1\\n")
        >>> [problem] = build_problems({"kind": "gset", "path": "path3.txt", "best_known": 2}, folder)
        >>> problem.name, problem.reference, problem.objective(problem.bqm.energy({0: 1, 1: -1, 2: 1}))
        ('path3', 2.0, np.float64(2.0))
    """
    kind = entry.get("kind")
    if kind not in PROBLEM_KINDS:
        raise ValueError(f"problem kind {kind!r} is unknown: use one of {list(PROBLEM_KINDS)}")
    unknown = sorted(set(entry) - PROBLEM_KEYS[kind])
    if unknown:
        raise ValueError(f"{kind!r} problem: unknown keys {unknown}; accepted: {sorted(PROBLEM_KEYS[kind])}")
    if kind == "lipschitz":
        return _lipschitz_problems(entry, Path(base))
    return [_file_problem(entry, Path(base))]
