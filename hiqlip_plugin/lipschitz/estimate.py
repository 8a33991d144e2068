"""One call from a network to an honest bracket on its global Lipschitz constant.

:func:`estimate_lipschitz` runs, for each requested output functional ``c``:

1. **Witness** (a certified lower bound on the FGL): exact enumeration when the problem is small (then the
   FGL itself is proven); otherwise the best of several methods run on shares of the budget
   (:class:`~hiqlip_plugin.lipschitz.witness.WitnessSearch`): for two layers, simulated bifurcation on the
   reduced objective of the smaller side (the Ising route), a user's sampler on the FGL QUBO (through a
   :class:`~hiqlip_plugin.HierarchicalComposite` above its capacity), single-flip search and alternating best
   responses; for deeper networks, layered bifurcation (the Ising route over every hidden layer),
   closed-form block ascent and then block moves. The report's ``sampler``
   names the method that found the witness. Every witness is a :class:`~hiqlip_plugin.Certificate`
   re-verified from the weights.
2. **Upper bound** (sound): the SDP relaxation with a certified dual value and/or the norm product; the
   smaller sound value is reported with its method. When exact enumeration proved the witness optimal, the
   upper end is the witness itself (gap 0) and the relaxation's value stays visible as ``bound``.
3. **Realizability**: an LP decides whether the witness pattern occurs at some input; if so, the witness is
   also a lower bound on the TRUE Lipschitz constant (and the FGL is attained when the witness is exact).
4. **Sampling**: the largest gradient norm found at sampled inputs, a lower bound on the true constant.

So a user reads ``max(sampled, lower if attained) <= L <= FGL`` and ``lower <= FGL <= upper``; the table
prints both brackets per output. A heuristic value is never reported as an upper bound.

**Time.** With ``time_limit`` every stage shares one :class:`~hiqlip_plugin.budget.Budget` and stops within
one indivisible step; **seeds** are derived per output from ``(seed, output)``; an ``executor`` runs the
outputs in parallel with the same report.

Examples:
    >>> from hiqlip_plugin import estimate_lipschitz
    >>> from hiqlip_plugin.problems import random_relu_network
    >>> net = random_relu_network((8, 6, 2), seed=0)
    >>> report = estimate_lipschitz(net, outputs=0, seed=0)
    >>> est = report[0]
    >>> est.exact, est.lower <= est.upper, est.sampled <= est.lower + 1e-9
    (True, True, True)
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any, Literal

import dimod
import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from hiqlip_plugin._validation import check_integer, check_seed
from hiqlip_plugin.budget import Budget
from hiqlip_plugin.exceptions import (
    ProblemTooLargeError,
    SamplerOutputError,
    SolverFailedError,
    TimeLimitExceeded,
)
from hiqlip_plugin.lipschitz.bounds import UpperBound, joint_l2_bound, product_bound, sdp_bound
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import Certificate, Norm, parse_norm
from hiqlip_plugin.lipschitz.realizability import check_realizability
from hiqlip_plugin.lipschitz.sampling import default_radius, sampled_lipschitz
from hiqlip_plugin.lipschitz.witness import DEFAULT_CAPACITY, WitnessSearch
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["LipschitzEstimate", "LipschitzReport", "estimate_lipschitz", "AUTO_EXACT_BITS", "DEFAULT_CAPACITY",
           "DEFAULT_BLAS_THREADS", "JOINT_SAMPLES"]

AUTO_EXACT_BITS = 20
"""With ``exact="auto"``, enumerate exactly when at most ``2**AUTO_EXACT_BITS`` cases are needed."""


DEFAULT_BLAS_THREADS = 1
"""BLAS threads :func:`estimate_lipschitz` allows itself (set with threadpoolctl for the call only). Its matrix
products are small and many; one thread avoids oversubscribing the cores, and parallelism comes from running
outputs on an ``executor``. Measurements: ``docs/benchmarks.md``, "BLAS threads"."""


@dataclass(frozen=True, eq=False)
class LipschitzEstimate:
    """The bracket for one output functional.

    Two brackets are reported: on the FGL (``lower <= FGL <= upper``) and on the TRUE Lipschitz constant ``L``
    (:attr:`lipschitz_bracket`: the larger of the sampled gradient norm and, when its pattern is attained, the
    witness, up to ``upper``, since ``L <= FGL``).

    Attributes:
        output: Output index (``None`` when a direction was given).
        direction: The output functional ``c``.
        norm: Input norm.
        lower: Certified witness value: ``FGL >= lower`` (proved by :attr:`certificate`).
        certificate: The witness.
        upper: ``FGL <= upper``: the witness itself when exact enumeration proved it optimal (then
            :attr:`gap` is 0), else the sound bound :attr:`bound`.
        upper_method: How :attr:`upper` was obtained (``"exact enumeration"``, ``"natural_sdp (mixing)"``,
            ``"product"``, ...).
        exact: ``lower`` is proven to equal the FGL (exact enumeration, or ``lower == upper``).
        attained: The witness pattern is realisable (LP, verified by a forward pass), so ``lower`` also bounds
            the TRUE Lipschitz constant from below; ``None`` when not checked.
        sampled: Gradient-sampling lower bound on the true Lipschitz constant (``None`` when skipped).
        timings: Seconds per phase (``witness``, ``upper``, ``realizability``, ``sampling``).
        sampler: What produced the witness.
        notes: Anything the user should know (e.g. a failed SDP, its fallback and what to run instead).
        bound: The sound relaxation or norm-product bound that was computed (``>= FGL``); equal to
            :attr:`upper` unless exact enumeration made the witness the upper end. ``None`` when not computed.
        bound_method: How :attr:`bound` was obtained.

    Examples:
        >>> from hiqlip_plugin import estimate_lipschitz
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> est = estimate_lipschitz(random_relu_network((6, 5, 1), seed=1), seed=0)[0]
        >>> est.exact, est.gap, est.upper == est.lower <= est.bound
        (True, 0.0, True)
        >>> est.lipschitz_bracket[0] <= est.lipschitz_bracket[1] == est.upper
        True
    """

    output: int | None
    direction: np.ndarray
    norm: Norm
    lower: float
    certificate: Certificate
    upper: float
    upper_method: str
    exact: bool
    attained: bool | None
    sampled: float | None
    timings: dict[str, float]
    sampler: str
    notes: tuple[str, ...] = field(default=())
    bound: float | None = None
    bound_method: str | None = None

    @property
    def gap(self) -> float:
        """Relative width of the FGL bracket, ``(upper - lower) / upper``."""
        return (self.upper - self.lower) / self.upper if self.upper > 0 else 0.0

    @property
    def fgl_bracket(self) -> tuple[float, float]:
        """``(lower, upper)``: the FGL lies in this interval."""
        return (self.lower, self.upper)

    @property
    def lipschitz_bracket(self) -> tuple[float, float]:
        """``(lo, upper)``: the TRUE Lipschitz constant lies in this interval.

        ``lo`` is the larger of :attr:`sampled` and, when :attr:`attained`, :attr:`lower` (``0`` when neither is
        known; a sampled value above ``upper`` by float rounding only is shown as ``upper``); the top is
        :attr:`upper`, an upper bound on the FGL and so on ``L``.
        """
        candidates = [0.0]
        if self.sampled is not None:
            candidates.append(self.sampled)
        if self.attained:
            candidates.append(self.lower)
        lo = max(candidates)
        # the sampled gradient of the optimal pattern can exceed the exact witness by float rounding only
        return (min(lo, self.upper) if lo <= self.upper * (1 + 1e-9) else lo, self.upper)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        return {
            "output": self.output,
            "direction": self.direction.tolist(),
            "norm": self.norm,
            "lower": self.lower,
            "upper": self.upper,
            "upper_method": self.upper_method,
            "upper_bound": self.bound,
            "upper_bound_method": self.bound_method,
            "exact": self.exact,
            "attained": self.attained,
            "sampled": self.sampled,
            "gap": self.gap,
            "fgl_bracket": list(self.fgl_bracket),
            "lipschitz_bracket": list(self.lipschitz_bracket),
            "timings": dict(self.timings),
            "sampler": self.sampler,
            "notes": list(self.notes),
            "certificate": self.certificate.to_dict(),
        }

    def _rows(self, note: str) -> list[tuple[str, ...]]:
        """The two table rows (true constant, FGL) of :meth:`LipschitzReport.__str__`."""
        label = str(self.output) if self.output is not None else "c"
        lo, hi = self.lipschitz_bracket
        if self.attained and lo == self.lower:
            lo_from = "witness (attained)"
        elif self.sampled is not None and lo > 0:
            lo_from = "sampled gradient"
        else:
            lo_from = "-"
        witness = "witness, exact" if self.exact else "witness"
        attained = {None: "", True: ", attained", False: ", not attained"}[self.attained]
        l_gap = f"{100 * (hi - lo) / hi:.2f}%" if hi > 0 else "0.00%"
        sampled = "-" if self.sampled is None else f"{self.sampled:.6g}"
        return [
            (label, "L", f"{lo:.6g}", f"{hi:.6g}", l_gap, sampled, lo_from, "FGL upper",
             f"{sum(self.timings.values()):.2f}", ""),
            ("", "FGL", f"{self.lower:.6g}", f"{self.upper:.6g}", f"{100 * self.gap:.2f}%", "", witness + attained,
             self.upper_method, "", note),
        ]


@dataclass(frozen=True, eq=False)
class LipschitzReport:
    """Estimates for several outputs of one network, with a table (``str``), JSON and a plot.

    The table has two rows per output: the bracket on the true Lipschitz constant ``L`` and the bracket on the
    FGL, each with where its ends come from; notes (a fallback, with what to run instead) follow the table,
    marked ``[k]`` on their rows.

    Examples:
        >>> from hiqlip_plugin import estimate_lipschitz
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> report = estimate_lipschitz(random_relu_network((6, 5, 2), seed=1), seed=0)
        >>> len(report), report.norm
        (2, 'inf')
        >>> "witness" in str(report)
        True
    """

    layer_sizes: tuple[int, ...]
    norm: Norm
    estimates: tuple[LipschitzEstimate, ...]
    wall_time: float

    def __len__(self) -> int:
        return len(self.estimates)

    def __iter__(self) -> Iterator[LipschitzEstimate]:
        return iter(self.estimates)

    def __getitem__(self, index: int) -> LipschitzEstimate:
        return self.estimates[index]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "norm": self.norm,
            "wall_time": self.wall_time,
            "estimates": [e.to_dict() for e in self.estimates],
        }

    def to_json(self, **kwargs: Any) -> str:
        """The report as JSON (keyword arguments go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        header = (
            f"l_{self.norm} Lipschitz estimates for a {'-'.join(map(str, self.layer_sizes))} ReLU network "
            f"({self.wall_time:.2f} s)\n"
            "  L: the true Lipschitz constant; FGL: the formal global Lipschitz constant, L <= FGL\n"
        )
        columns = ("output", "bracket", "lower", "upper", "gap", "sampled", "lower from", "upper from", "time s",
                   "note")
        rows, footnotes = [], {}  # note -> the outputs it concerns; numbered in order of appearance
        for e in self.estimates:
            for note in e.notes:
                footnotes.setdefault(note, []).append(str(e.output) if e.output is not None else "c")
            rows += e._rows(" ".join(f"[{list(footnotes).index(note) + 1}]" for note in e.notes))
        widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        if footnotes:
            lines.append("notes:")
            for number, (note, labels) in enumerate(footnotes.items(), start=1):
                which = f"output {labels[0]}" if len(labels) == 1 else f"outputs {', '.join(labels)}"
                lines.append(f"  [{number}] {which}: {note}")
        return header + "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of sampled / witness / upper per output (needs matplotlib: the ``plot`` extra).

        Returns:
            The matplotlib ``Axes``.

        Raises:
            ImportError: Without matplotlib, naming the extra to install (``pip install 'hiqlip-plugin[plot]'``).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as err:
            raise ImportError(
                "LipschitzReport.plot needs matplotlib: pip install 'hiqlip-plugin[plot]'"
            ) from err

        if ax is None:
            _, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(self)), 3.5))
        positions = np.arange(len(self))
        series = [
            ("sampled", [e.sampled if e.sampled is not None else np.nan for e in self]),
            ("witness", [e.lower for e in self]),
            ("upper", [e.upper for e in self]),
        ]
        width = 0.27
        for k, (name, values) in enumerate(series):
            ax.bar(positions + (k - 1) * width, values, width, label=name)
        ax.set_xticks(positions, [str(e.output) if e.output is not None else "c" for e in self])
        ax.set_xlabel("output")
        ax.set_ylabel(f"l_{self.norm} Lipschitz")
        ax.legend()
        return ax


def _resolve_outputs(network: ReLUNetwork, outputs: Any) -> list[tuple[int | None, np.ndarray]]:
    if isinstance(outputs, str):
        if outputs != "all":
            raise ValueError(f"outputs must be 'all', an index, a list of indices or a direction, got {outputs!r}")
        return [(k, network.output_direction(output=k)) for k in range(network.output_dim)]
    if isinstance(outputs, (int, np.integer)) and not isinstance(outputs, bool):
        return [(int(outputs), network.output_direction(output=int(outputs)))]
    array = np.asarray(outputs)
    if array.ndim == 1 and array.size and np.issubdtype(array.dtype, np.floating):
        return [(None, network.output_direction(direction=array))]
    if array.ndim == 1 and array.size and np.issubdtype(array.dtype, np.integer):
        return [(int(k), network.output_direction(output=int(k))) for k in array]
    raise ValueError(
        "outputs must be 'all', an index, a list of integer indices or a float direction array, "
        f"got {outputs!r}"
    )


def _upper_bound(network: ReLUNetwork, direction: np.ndarray, norm: Norm, upper: str, seed: int | None,
                 time_limit: float | None) -> tuple[UpperBound, list[str]]:
    """The smaller sound bound among those ``upper`` asks for; a failed SDP falls back to the product.

    The SDP is :func:`~hiqlip_plugin.lipschitz.bounds.sdp_bound` with its defaults: the natural SDP by the
    mixing method for two layers, DGeoLIP (l_inf) or LipSDP-Neuron (l2) by the first-order chain-LMI solver
    for deeper networks.
    """
    notes: list[str] = []
    candidates = []
    if upper in ("product", "auto"):
        candidates.append(product_bound(network, direction=direction, norm=norm))
    if upper in ("sdp", "auto") and norm != "1":
        two_layer = network.num_layers == 2
        name = "natural SDP (mixing)" if two_layer else (
            "DGeoLIP dual SDP (first_order)" if norm == "inf" else "LipSDP-Neuron (first_order)")
        try:
            candidates.append(sdp_bound(network, direction=direction, norm=norm, seed=seed, time_limit=time_limit))
        except (SolverFailedError, ProblemTooLargeError, MemoryError, np.linalg.LinAlgError) as err:
            notes.append(f"the {name} bound failed ({err}); the norm product is reported instead")
            if upper == "sdp":
                candidates.append(product_bound(network, direction=direction, norm=norm))
    elif upper == "sdp":
        notes.append("l1 has no SDP relaxation here: the norm product is reported")
        candidates.append(product_bound(network, direction=direction, norm=norm))
    return min(candidates, key=lambda b: b.value), notes


def _output_seed(seed: int | None, output: int | None) -> int | None:
    """The seed of one output, derived from ``(seed, output)`` only: the same output gets the same randomness
    wherever it sits in ``outputs`` (a direction ``c`` uses ``seed`` alone)."""
    if seed is None:
        return None
    key = () if output is None else (output,)
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


@dataclass(frozen=True)
class _Job:
    """Everything one output's estimate needs (picklable, so that an executor can run it anywhere)."""

    network: ReLUNetwork
    output: int | None
    direction: np.ndarray
    norm: Norm
    search: WitnessSearch
    upper: str
    exact: Any
    realizability: bool
    sampling: bool
    seed: int | None
    time_limit: float | Budget | None
    blas_threads: int | None
    pid: int

    def __call__(self) -> LipschitzEstimate:
        budget = self.time_limit if isinstance(self.time_limit, Budget) else Budget(self.time_limit)
        # the calling process set its BLAS threads already; a worker process sets its own
        with threadpool_limits(self.blas_threads if os.getpid() != self.pid else None, user_api="blas"):
            return _estimate_one(self.network, self.output, self.direction, self.norm, self.search, self.upper,
                                 self.exact, self.realizability, self.sampling, self.seed, budget)


def _run_job(job: _Job) -> LipschitzEstimate:
    """Module-level entry point for executors (they pickle a function and its argument)."""
    return job()


def _as_network(network: Any) -> ReLUNetwork:
    if isinstance(network, ReLUNetwork):
        return network
    if any(cls.__module__.startswith("torch") for cls in type(network).__mro__):
        return ReLUNetwork.from_torch(network)
    if hasattr(network, "coefs_") and hasattr(network, "intercepts_"):
        return ReLUNetwork.from_sklearn(network)
    raise TypeError(
        f"network must be a ReLUNetwork, a torch.nn.Sequential of Linear/ReLU or a fitted scikit-learn MLP, got "
        f"{type(network).__name__}"
    )


JOINT_SAMPLES = 512
"""Inputs at which ``outputs="joint"`` evaluates the Jacobian's spectral norm (its sampled lower bound)."""


def _estimate_joint(network: ReLUNetwork, upper: str, seed: int | None, time_limit: float | None,
                    start: float) -> LipschitzReport:
    """The one-row report of ``outputs="joint"`` (see :func:`estimate_lipschitz`)."""
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence(seed).generate_state(1)[0] if seed is not None else None)
    points = default_radius(network) * rng.uniform(-1.0, 1.0, size=(JOINT_SAMPLES, network.input_dim))
    patterns = network.activation_patterns(points)
    jacobians = np.stack([network.weights[-1]] * len(points))
    for w, s in zip(reversed(network.weights[:-1]), reversed(patterns), strict=True):
        jacobians = (jacobians * s[:, None, :]) @ w
    norms = np.linalg.norm(jacobians, 2, axis=(1, 2))
    best = int(np.argmax(norms))
    left = np.linalg.svd(jacobians[best])[0][:, 0]
    certificate = Certificate.from_patterns(network, [p[best] for p in patterns], left, norm="2")
    timings["witness"] = time.perf_counter() - tick
    tick = time.perf_counter()
    notes = [
        "joint l2 row: the witness is ||J(x)^T u||_2 for the sampled input x with the largest Jacobian "
        "spectral norm and u its top left singular vector; ||J(x)||_2 at any input is a lower bound on the "
        "true l2 Lipschitz constant of the whole map (sampled); the upper bound holds for the whole map"
    ]
    bound = joint_l2_bound(network, method="product")
    if upper in ("sdp", "auto"):
        try:
            sdp = joint_l2_bound(network, time_limit=time_limit)
            bound = sdp if sdp.value < bound.value or upper == "sdp" else bound
        except (SolverFailedError, ProblemTooLargeError, MemoryError, np.linalg.LinAlgError) as err:
            notes.append(f"the joint LipSDP-Neuron bound (first_order) failed ({err}); the product of "
                         "spectral norms is reported instead")
    timings["upper"] = time.perf_counter() - tick
    estimate = LipschitzEstimate(
        output=None,
        direction=left,
        norm="2",
        lower=certificate.value,
        certificate=certificate,
        upper=bound.value,
        upper_method=f"{bound.method} ({bound.solver}), joint",
        exact=math.isclose(certificate.value, bound.value, rel_tol=1e-9),
        attained=True,
        sampled=float(norms[best]),
        timings=timings,
        sampler=f"Jacobian spectral norms at {JOINT_SAMPLES} sampled inputs",
        notes=tuple(notes),
    )
    return LipschitzReport(network.layer_sizes, "2", (estimate,), time.perf_counter() - start)


def estimate_lipschitz(
    network: ReLUNetwork | Any,
    outputs: str | int | Sequence[int] | npt.ArrayLike = "all",
    *,
    norm: Any = "inf",
    sampler: dimod.Sampler | None = None,
    max_subproblem_size: int | None = None,
    upper: Literal["sdp", "product", "auto"] = "auto",
    exact: Literal["auto"] | bool = "auto",
    realizability: bool = True,
    sampling: bool = True,
    seed: int | None = None,
    time_limit: float | None = None,
    progress: bool | None = None,
    sampler_kwargs: dict[str, Any] | None = None,
    executor: Executor | None = None,
    blas_threads: int | None = DEFAULT_BLAS_THREADS,
) -> LipschitzReport:
    """Estimate the global Lipschitz constant of ``network`` with a certified bracket per output.

    Args:
        network: The network: a :class:`~hiqlip_plugin.ReLUNetwork`, or a PyTorch ``nn.Sequential`` /
            fitted scikit-learn MLP (converted by :meth:`~hiqlip_plugin.ReLUNetwork.from_torch` /
            :meth:`~hiqlip_plugin.ReLUNetwork.from_sklearn`, which refuse anything but ReLU).
        outputs: ``"all"``, an output index, a list of indices, a float direction ``c`` (``c^T f``), or
            ``"joint"`` (``norm=2`` only): one row for the l2 constant of the whole vector map, i.e. the
            largest spectral norm of its Jacobian. Its ``sampled`` is the largest ``||J(x)||_2`` over
            :data:`JOINT_SAMPLES` inputs (a lower bound on the true constant), its witness the FGL
            certificate of ``u^T f`` for that input's pattern and top left singular vector ``u`` (a lower
            bound on the whole map's FGL, since ``||u|| = 1``), its upper bound the certified
            LipSDP-Neuron bound of the whole map (:func:`~hiqlip_plugin.lipschitz.bounds.joint_l2_bound`).
        norm: Input norm: ``"inf"`` (default), ``2`` or ``1`` (l1 is exact in closed form for two layers).
        sampler: A dimod sampler run on the FGL QUBO (block QUBOs for deeper networks) as one of the witness
            methods (:mod:`hiqlip_plugin.lipschitz.witness`); the best method's witness is reported. Default:
            none (reduced-objective bifurcation is the Ising route).
        max_subproblem_size: Capacity of the sampler; larger QUBOs go through the hierarchical composite.
            Defaults to the sampler's ``properties['max_num_variables']`` when it advertises one. Given
            without a sampler, a :class:`~hiqlip_plugin.CIMSampler` of this capacity joins the methods.
        upper: ``"sdp"`` (certified SDP dual; falls back to the product if it fails), ``"product"`` (norm
            product), or ``"auto"`` (both, report the smaller).
        exact: ``"auto"`` enumerates when at most ``2**AUTO_EXACT_BITS`` cases are needed (and falls back to
            the witness search when the enumeration runs out of time), ``True`` always (may raise
            :class:`~hiqlip_plugin.exceptions.ProblemTooLargeError` or
            :class:`~hiqlip_plugin.exceptions.TimeLimitExceeded`), ``False`` never.
        realizability: Check with an LP whether the witness pattern occurs at some input.
        sampling: Compute the gradient-sampling lower bound on the true constant.
        seed: Seed for every random choice (a non-negative integer). Each output's randomness is derived
            from ``(seed, output)``, so an output's row does not depend on the other outputs requested.
        time_limit: Overall budget in seconds (a :class:`~hiqlip_plugin.budget.Budget`). Each output gets an
            equal share of what is left (with an executor: of the whole), and within an output each stage
            (enumeration, witness search, SDP, realizability LP, sampling) gets part of what remains and stops
            within one indivisible step (a chunk, a batch, a solver iteration); a stage that finds the budget
            spent is skipped with a note, except the witness and the norm product, which always run.
        progress: Show a progress bar over outputs (default: off in library calls).
        sampler_kwargs: Extra keyword arguments for ``sampler.sample``.
        executor: Any :class:`concurrent.futures.Executor` (a thread or process pool, or a Dask client's
            ``get_executor()``): outputs run in parallel on it, and the report equals the serial one
            (timings aside). ``None``: one after the other in this process.
        blas_threads: BLAS threads for the call (threadpoolctl; restored afterwards, and set in executor
            worker processes too); ``None`` leaves them as they are. Default :data:`DEFAULT_BLAS_THREADS`.

    Returns:
        A :class:`LipschitzReport`.

    Raises:
        ValueError: For bad ``outputs``, ``norm``, ``upper``, ``exact``, ``seed`` or ``time_limit`` values.
        TypeError: For a ``seed`` or ``time_limit`` of the wrong type (a float seed, a string limit), a
            network of an unsupported type, or an ``executor`` that is not a ``concurrent.futures.Executor``.

    Examples:
        >>> from hiqlip_plugin import estimate_lipschitz
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> report = estimate_lipschitz(random_relu_network((5, 4, 3), seed=2), outputs=[0, 2], seed=1)
        >>> [e.output for e in report]
        [0, 2]
    """
    start = time.perf_counter()
    network = _as_network(network)
    norm = parse_norm(norm)
    if upper not in ("sdp", "product", "auto"):
        raise ValueError(f"upper must be 'sdp', 'product' or 'auto', got {upper!r}")
    if exact is not True and exact is not False and exact != "auto":
        raise ValueError(f"exact must be 'auto', True or False, got {exact!r}")
    seed = check_seed(seed)
    blas_threads = None if blas_threads is None else check_integer(blas_threads, "blas_threads", 1)
    budget = Budget(time_limit)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}")
    if isinstance(outputs, str) and outputs == "joint":
        if norm != "2":
            raise ValueError("outputs='joint' bounds the l2 constant of the whole map: pass norm=2")
        with threadpool_limits(blas_threads, user_api="blas"):
            return _estimate_joint(network, upper, seed, budget.seconds(), start)
    targets = _resolve_outputs(network, outputs)
    search = WitnessSearch(network, norm, sampler, max_subproblem_size, dict(sampler_kwargs or {}))

    def job(output: int | None, c: np.ndarray, limit: float | Budget | None) -> _Job:
        return _Job(network, output, c, norm, search, upper, exact, realizability, sampling,
                    _output_seed(seed, output), limit, blas_threads, os.getpid())

    bar: Any = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(targets), desc="outputs", unit="output")
    estimates: list[LipschitzEstimate] = []
    with threadpool_limits(blas_threads, user_api="blas"):
        if executor is None:
            for index, (output, c) in enumerate(targets):
                estimates.append(job(output, c, budget.share(len(targets) - index))())
                if bar is not None:
                    bar.update()
        else:
            share = None if time_limit is None else budget.share(len(targets)).seconds()
            futures = [executor.submit(_run_job, job(output, c, share)) for output, c in targets]
            for future in as_completed(futures):
                future.result()
                if bar is not None:
                    bar.update()
            estimates = [future.result() for future in futures]
    if bar is not None:
        bar.close()
    return LipschitzReport(network.layer_sizes, norm, tuple(estimates), time.perf_counter() - start)


_GENERIC_ADVICE = re.compile(r";\s*use [^)]*")
"""A solver error's generic "; use ..." advice, replaced in notes by :func:`_fallback_advice`'s call."""


def _fallback_advice(network: ReLUNetwork, output: int | None, norm: Norm, budget: Budget) -> str:
    """What to run for a certified SDP bound when :func:`estimate_lipschitz` fell back to the norm product."""
    target = "direction=c" if output is None else f"output={output}"
    if budget.expired():
        return "give estimate_lipschitz a larger time_limit for the SDP"
    if network.num_layers == 2:
        call = f"sdp_bound(network, {target}, norm={norm!r}, solver='mixing')"
        return f"for the SDP bound, run {call} (the mixing method has no size limit)"
    call = f"sdp_bound(network, {target}, norm={norm!r}, time_limit=600)"
    return f"for the SDP bound, run {call} (the first-order LMI solver with a longer time limit)"


def _estimate_one(network: ReLUNetwork, output: int | None, c: np.ndarray, norm: Norm, search: WitnessSearch,
                  upper: str, exact: Any, realizability: bool, sampling: bool, seed: int | None,
                  budget: Budget) -> LipschitzEstimate:
    timings: dict[str, float] = {}
    notes: list[str] = []
    tick = time.perf_counter()
    certificate, proven, source = None, False, ""
    if exact is not False or norm == "1":
        limit = None if exact is True else AUTO_EXACT_BITS
        try:
            result = exact_fgl(network, direction=c, norm=norm, time_limit=budget if exact is True else
                               budget.fraction(0.5), **({} if limit is None else {"max_bits": limit}))
            certificate, proven, source = result.certificate, True, "exact enumeration"
        except ProblemTooLargeError:
            if exact is True:
                raise
        except TimeLimitExceeded:
            if exact is True:
                raise
            notes.append("exact enumeration ran out of time: the witness comes from the search instead")
    if certificate is None:
        witness_budget = budget.fraction(0.5).seconds()
        found = (search.two_layer if network.num_layers == 2 else search.deep)(c, seed, witness_budget)
        certificate, source = found.certificate, found.summary
    if not certificate.verify(network):
        raise SamplerOutputError("the witness certificate does not verify against the network")
    timings["witness"] = time.perf_counter() - tick

    tick = time.perf_counter()
    method, skipped = upper, []
    if upper != "product" and budget.expired():
        method = "product"
        skipped.append("the SDP (the norm product is reported)")
    bound, bound_notes = _upper_bound(network, c, norm, method, seed, budget.fraction(0.6).seconds())
    if bound_notes and bound.method == "product" and norm != "1":
        # the solver's own generic advice may not fit this network: give the call that does
        advice = _fallback_advice(network, output, norm, budget)
        bound_notes = [f"{_GENERIC_ADVICE.sub('', note)}; {advice}" for note in bound_notes]
    notes += bound_notes
    if bound.value < certificate.value * (1 - 1e-9) - 1e-12:
        raise SolverFailedError(
            f"inconsistent bracket: the {bound.method} bound {bound.value} is below the certified witness "
            f"{certificate.value}; please report this"
        )
    timings["upper"] = time.perf_counter() - tick

    attained = None
    if realizability:
        tick = time.perf_counter()
        if budget.expired():
            skipped.append("the realizability LP")
        else:
            try:
                attained = check_realizability(network, certificate.patterns,
                                               time_limit=budget.fraction(0.5).seconds()).realizable
            except TimeLimitExceeded:
                notes.append("realizability LP stopped at the time limit (give a larger time_limit)")
            except SolverFailedError as err:  # an annotation: the bracket stands without it
                notes.append(f"realizability undecided: {err}")
        timings["realizability"] = time.perf_counter() - tick
    sampled = None
    if sampling:
        tick = time.perf_counter()
        if budget.expired():
            skipped.append("sampling")
        else:
            sampled = sampled_lipschitz(network, direction=c, norm=norm, seed=seed, time_limit=budget).value
        timings["sampling"] = time.perf_counter() - tick
    if skipped:
        notes.append(f"the time limit was spent before {', '.join(skipped)}: skipped (give a larger time_limit)")
    bound_method = f"{bound.method} ({bound.solver})"
    exact_flag = proven or math.isclose(certificate.value, bound.value, rel_tol=1e-9)
    return LipschitzEstimate(
        output=output,
        direction=c,
        norm=norm,
        lower=certificate.value,
        certificate=certificate,
        upper=certificate.value if proven else bound.value,
        upper_method="exact enumeration" if proven else bound_method,
        exact=exact_flag,
        attained=attained,
        sampled=sampled,
        timings=timings,
        sampler=source,
        notes=tuple(notes),
        bound=bound.value,
        bound_method=bound_method,
    )
