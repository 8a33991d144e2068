"""One call from a network to an honest bracket on its global Lipschitz constant.

:func:`estimate_lipschitz` runs, for each requested output functional ``c``:

1. **Witness** (a certified lower bound on the FGL): exact enumeration when the problem is small (then the
   FGL itself is proven); otherwise the FGL QUBO (:func:`~hiqlip_plugin.lipschitz.formulation.fgl_bqm`) is
   handed to a sampler -- by default a :class:`~hiqlip_plugin.CIMSampler`, wrapped in a
   :class:`~hiqlip_plugin.HierarchicalComposite` when the problem exceeds the sampler's capacity -- and its
   best sample is polished by exact alternating best responses. Networks with more hidden layers use block
   moves (:func:`~hiqlip_plugin.lipschitz.deep.deep_block_search`) whose sub-problems go to the same sampler.
   Every witness is a :class:`~hiqlip_plugin.Certificate` re-verified from the weights.
2. **Upper bound** (sound): the SDP relaxation with a certified dual value and/or the norm product; the
   smaller sound value is reported with its method.
3. **Realizability**: an LP decides whether the witness pattern occurs at some input; if so, the witness is
   also a lower bound on the TRUE Lipschitz constant (and the FGL is attained when the witness is exact).
4. **Sampling**: the largest gradient norm found at sampled inputs, a lower bound on the true constant.

So a user reads ``sampled <= L <= FGL`` and ``lower <= FGL <= upper``. A heuristic value is never reported
as an upper bound.

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
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dimod
import numpy as np
import numpy.typing as npt

from hiqlip_plugin.exceptions import ProblemTooLargeError, SamplerOutputError, SolverFailedError
from hiqlip_plugin.ising import checked_samples
from hiqlip_plugin.lipschitz.bounds import UpperBound, joint_l2_bound, product_bound, sdp_bound
from hiqlip_plugin.lipschitz.deep import deep_block_search
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import Certificate, Norm, fgl_bqm, parse_norm
from hiqlip_plugin.lipschitz.local_search import alternating_best_response
from hiqlip_plugin.lipschitz.realizability import check_realizability
from hiqlip_plugin.lipschitz.sampling import default_radius, sampled_lipschitz
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["LipschitzEstimate", "LipschitzReport", "estimate_lipschitz", "AUTO_EXACT_BITS", "DEFAULT_CAPACITY",
           "JOINT_SAMPLES"]

AUTO_EXACT_BITS = 20
"""With ``exact="auto"``, enumerate exactly when at most ``2**AUTO_EXACT_BITS`` cases are needed."""

DEFAULT_CAPACITY = 100
"""Capacity (spins) of the default simulated CIM; larger problems go through the hierarchical composite."""


@dataclass(frozen=True, eq=False)
class LipschitzEstimate:
    """The bracket for one output functional.

    Attributes:
        output: Output index (``None`` when a direction was given).
        direction: The output functional ``c``.
        norm: Input norm.
        lower: Certified witness value: ``FGL >= lower`` (proved by :attr:`certificate`).
        certificate: The witness.
        upper: A sound upper bound: ``FGL <= upper``.
        upper_method: How :attr:`upper` was obtained (e.g. ``"natural_sdp (mixing)"``, ``"product"``).
        exact: ``lower`` is proven to equal the FGL (exact enumeration, or ``lower == upper``).
        attained: The witness pattern is realisable (LP), so ``lower`` also bounds the TRUE Lipschitz
            constant from below; ``None`` when not checked.
        sampled: Gradient-sampling lower bound on the true Lipschitz constant (``None`` when skipped).
        timings: Seconds per phase (``witness``, ``upper``, ``realizability``, ``sampling``).
        sampler: What produced the witness.
        notes: Anything the user should know (e.g. a failed SDP and its fallback).

    Examples:
        >>> from hiqlip_plugin import estimate_lipschitz
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> est = estimate_lipschitz(random_relu_network((6, 5, 1), seed=1), seed=0)[0]
        >>> est.gap >= 0
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

    @property
    def gap(self) -> float:
        """Relative width of the bracket, ``(upper - lower) / upper``."""
        return (self.upper - self.lower) / self.upper if self.upper > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view."""
        return {
            "output": self.output,
            "direction": self.direction.tolist(),
            "norm": self.norm,
            "lower": self.lower,
            "upper": self.upper,
            "upper_method": self.upper_method,
            "exact": self.exact,
            "attained": self.attained,
            "sampled": self.sampled,
            "gap": self.gap,
            "timings": dict(self.timings),
            "sampler": self.sampler,
            "notes": list(self.notes),
            "certificate": self.certificate.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class LipschitzReport:
    """Estimates for several outputs of one network, with a table (``str``), JSON and a plot.

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
            "  sampled <= L <= FGL;  witness <= FGL <= upper\n"
        )
        columns = ("output", "sampled", "witness", "upper", "gap", "exact", "attained", "upper method", "time s")
        rows = []
        for e in self.estimates:
            label = str(e.output) if e.output is not None else "c"
            rows.append((
                label,
                "-" if e.sampled is None else f"{e.sampled:.6g}",
                f"{e.lower:.6g}",
                f"{e.upper:.6g}",
                f"{100 * e.gap:.2f}%",
                "yes" if e.exact else "no",
                "-" if e.attained is None else ("yes" if e.attained else "no"),
                e.upper_method,
                f"{sum(e.timings.values()):.2f}",
            ))
        widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
        return header + "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of sampled / witness / upper per output (needs matplotlib).

        Returns:
            The matplotlib ``Axes``.
        """
        import matplotlib.pyplot as plt

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


def _describe(sampler: dimod.Sampler) -> str:
    children = getattr(sampler, "children", None)
    if children:
        size = getattr(sampler, "max_subproblem_size", None)
        return f"{type(sampler).__name__}({_describe(children[0])}, max_subproblem_size={size})"
    return type(sampler).__name__


def _capacity(sampler: dimod.Sampler) -> int | None:
    value = sampler.properties.get("max_num_variables") if hasattr(sampler, "properties") else None
    return int(value) if value is not None else None


class _WitnessSearch:
    """Chooses and runs the witness search for one network (shared across outputs)."""

    def __init__(self, network: ReLUNetwork, norm: Norm, sampler: dimod.Sampler | None,
                 max_subproblem_size: int | None, sampler_kwargs: dict[str, Any]) -> None:
        self.network = network
        self.norm = norm
        self.kwargs = sampler_kwargs
        self.user_sampler = sampler
        self.max_subproblem_size = max_subproblem_size

    def sampler_for(self, num_variables: int) -> dimod.Sampler:
        from hiqlip_plugin.composites.hierarchical import HierarchicalComposite

        if self.user_sampler is None:
            from hiqlip_plugin.samplers.cim import CIMSampler

            base: dimod.Sampler = CIMSampler()
            capacity = self.max_subproblem_size or DEFAULT_CAPACITY
        else:
            base = self.user_sampler
            capacity = self.max_subproblem_size or _capacity(base)
        if capacity is not None and num_variables > capacity:
            return HierarchicalComposite(base, max_subproblem_size=capacity)
        return base

    def _call(self, sampler: dimod.Sampler, bqm: dimod.BinaryQuadraticModel, seed: int | None,
              time_limit: float | None) -> dimod.SampleSet:
        kwargs = dict(self.kwargs)
        parameters = sampler.parameters
        if seed is not None and "seed" in parameters:
            kwargs.setdefault("seed", seed)
        if time_limit is not None and "time_limit" in parameters:
            kwargs.setdefault("time_limit", time_limit)
        sampleset = sampler.sample(bqm, **kwargs)
        checked_samples(sampleset, bqm)
        return sampleset

    def two_layer(self, direction: np.ndarray, seed: int | None, time_limit: float | None) -> tuple[Certificate, str]:
        qubo = fgl_bqm(self.network, direction=direction, norm=self.norm)
        sampler = self.sampler_for(qubo.bqm.num_variables)
        sampleset = self._call(sampler, qubo.bqm, seed, time_limit)
        energies = qubo.bqm.energies(sampleset)
        if not np.allclose(energies, sampleset.record.energy, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(energies).max())):
            raise SamplerOutputError(f"{_describe(sampler)} reported energies that disagree with the BQM")
        best = qubo.decode(sampleset.first.sample)
        if self.norm == "inf":
            x0, s0 = qubo.assignment(sampleset.first.sample)
            polished = alternating_best_response(qubo.matrix, initial_x=x0[None, :], initial_s=s0[None, :],
                                                 num_restarts=1, seed=seed)
            if polished.value > best.value:
                best = Certificate.from_patterns(self.network, [polished.s], direction, input_signs=polished.x)
        return best, _describe(sampler)

    def deep(self, direction: np.ndarray, seed: int | None, time_limit: float | None) -> tuple[Certificate, str]:
        widest = max(self.network.input_dim, *self.network.hidden_dims) + max(self.network.hidden_dims)
        sampler = self.sampler_for(widest)
        result = deep_block_search(self.network, direction=direction, norm=self.norm, sampler=sampler,
                                   sampler_kwargs=self.kwargs or None, seed=seed, time_limit=time_limit)
        return result.certificate, f"block moves with {_describe(sampler)}"


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
    network: ReLUNetwork,
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
) -> LipschitzReport:
    """Estimate the global Lipschitz constant of ``network`` with a certified bracket per output.

    Args:
        network: The network.
        outputs: ``"all"``, an output index, a list of indices, a float direction ``c`` (``c^T f``), or
            ``"joint"`` (``norm=2`` only): one row for the l2 constant of the whole vector map, i.e. the
            largest spectral norm of its Jacobian. Its ``sampled`` is the largest ``||J(x)||_2`` over
            :data:`JOINT_SAMPLES` inputs (a lower bound on the true constant), its witness the FGL
            certificate of ``u^T f`` for that input's pattern and top left singular vector ``u`` (a lower
            bound on the whole map's FGL, since ``||u|| = 1``), its upper bound the certified
            LipSDP-Neuron bound of the whole map (:func:`~hiqlip_plugin.lipschitz.bounds.joint_l2_bound`).
        norm: Input norm: ``"inf"`` (default), ``2`` or ``1`` (l1 is exact in closed form for two layers).
        sampler: Any dimod sampler for the witness search. Default: a :class:`~hiqlip_plugin.CIMSampler`,
            wrapped in a :class:`~hiqlip_plugin.HierarchicalComposite` when the QUBO exceeds
            :data:`DEFAULT_CAPACITY` spins.
        max_subproblem_size: Capacity of the sampler; larger QUBOs go through the hierarchical composite.
            Defaults to the sampler's ``properties['max_num_variables']`` when it advertises one.
        upper: ``"sdp"`` (certified SDP dual; falls back to the product if it fails), ``"product"`` (norm
            product), or ``"auto"`` (both, report the smaller).
        exact: ``"auto"`` enumerates when at most ``2**AUTO_EXACT_BITS`` cases are needed, ``True`` always
            (may raise :class:`~hiqlip_plugin.exceptions.ProblemTooLargeError`), ``False`` never.
        realizability: Check with an LP whether the witness pattern occurs at some input.
        sampling: Compute the gradient-sampling lower bound on the true constant.
        seed: Seed for every random choice; the same seed gives the same report.
        time_limit: Overall budget in seconds, shared among outputs (the witness search and the SDP are
            stopped with what they have; exact enumeration is not interrupted).
        progress: Show a progress bar over outputs (default: off in library calls).
        sampler_kwargs: Extra keyword arguments for ``sampler.sample``.

    Returns:
        A :class:`LipschitzReport`.

    Raises:
        ValueError: For bad ``outputs``, ``norm`` or ``upper``.

    Examples:
        >>> from hiqlip_plugin import estimate_lipschitz
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> report = estimate_lipschitz(random_relu_network((5, 4, 3), seed=2), outputs=[0, 2], seed=1)
        >>> [e.output for e in report]
        [0, 2]
    """
    start = time.perf_counter()
    norm = parse_norm(norm)
    if upper not in ("sdp", "product", "auto"):
        raise ValueError(f"upper must be 'sdp', 'product' or 'auto', got {upper!r}")
    if exact not in ("auto", True, False):
        raise ValueError(f"exact must be 'auto', True or False, got {exact!r}")
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit!r}")
    if isinstance(outputs, str) and outputs == "joint":
        if norm != "2":
            raise ValueError("outputs='joint' bounds the l2 constant of the whole map: pass norm=2")
        return _estimate_joint(network, upper, seed, time_limit, start)
    targets = _resolve_outputs(network, outputs)
    search = _WitnessSearch(network, norm, sampler, max_subproblem_size, dict(sampler_kwargs or {}))
    seeds = np.random.SeedSequence(seed).generate_state(len(targets)) if seed is not None else [None] * len(targets)
    iterator: Any = targets
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(targets, desc="outputs", unit="output")
    estimates = []
    for index, (output, c) in enumerate(iterator):
        budget = None
        if time_limit is not None:
            remaining = time_limit - (time.perf_counter() - start)
            budget = max(remaining, 1e-3) / (len(targets) - index)
        estimates.append(_estimate_one(network, output, c, norm, search, upper, exact, realizability, sampling,
                                       None if seeds[index] is None else int(seeds[index]), budget))
    return LipschitzReport(network.layer_sizes, norm, tuple(estimates), time.perf_counter() - start)


def _estimate_one(network: ReLUNetwork, output: int | None, c: np.ndarray, norm: Norm, search: _WitnessSearch,
                  upper: str, exact: Any, realizability: bool, sampling: bool, seed: int | None,
                  budget: float | None) -> LipschitzEstimate:
    timings: dict[str, float] = {}
    notes: list[str] = []
    tick = time.perf_counter()
    certificate, proven, source = None, False, ""
    if exact is not False or norm == "1":
        limit = None if exact is True else AUTO_EXACT_BITS
        try:
            result = exact_fgl(network, direction=c, norm=norm, **({} if limit is None else {"max_bits": limit}))
            certificate, proven, source = result.certificate, True, "exact enumeration"
        except ProblemTooLargeError:
            if exact is True:
                raise
    if certificate is None:
        witness_budget = None if budget is None else 0.6 * budget
        if network.num_layers == 2:
            certificate, source = search.two_layer(c, seed, witness_budget)
        else:
            certificate, source = search.deep(c, seed, witness_budget)
    if not certificate.verify(network):
        raise SamplerOutputError("the witness certificate does not verify against the network")
    timings["witness"] = time.perf_counter() - tick

    tick = time.perf_counter()
    remaining = None if budget is None else max(budget - timings["witness"], 1e-3)
    bound, bound_notes = _upper_bound(network, c, norm, upper, seed, remaining)
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
        attained = check_realizability(network, certificate.patterns).realizable
        timings["realizability"] = time.perf_counter() - tick
    sampled = None
    if sampling:
        tick = time.perf_counter()
        sampled = sampled_lipschitz(network, direction=c, norm=norm, seed=seed).value
        timings["sampling"] = time.perf_counter() - tick
    exact_flag = proven or math.isclose(certificate.value, bound.value, rel_tol=1e-9)
    return LipschitzEstimate(
        output=output,
        direction=c,
        norm=norm,
        lower=certificate.value,
        certificate=certificate,
        upper=bound.value,
        upper_method=f"{bound.method} ({bound.solver})",
        exact=exact_flag,
        attained=attained,
        sampled=sampled,
        timings=timings,
        sampler=source,
        notes=tuple(notes),
    )
