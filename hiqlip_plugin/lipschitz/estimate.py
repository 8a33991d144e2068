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
from hiqlip_plugin.lipschitz.bounds import UpperBound, product_bound, sdp_bound
from hiqlip_plugin.lipschitz.exact import exact_fgl
from hiqlip_plugin.lipschitz.formulation import Certificate, Norm, parse_norm
from hiqlip_plugin.lipschitz.realizability import check_realizability
from hiqlip_plugin.lipschitz.sampling import sampled_lipschitz
from hiqlip_plugin.lipschitz.witness import DEFAULT_CAPACITY, WitnessSearch
from hiqlip_plugin.network import ReLUNetwork

__all__ = ["LipschitzEstimate", "LipschitzReport", "estimate_lipschitz", "AUTO_EXACT_BITS", "DEFAULT_CAPACITY"]

AUTO_EXACT_BITS = 20
"""With ``exact="auto"``, enumerate exactly when at most ``2**AUTO_EXACT_BITS`` cases are needed."""


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


def _upper_bound(network: ReLUNetwork, direction: np.ndarray, norm: Norm, upper: str, seed: int | None,
                 time_limit: float | None) -> tuple[UpperBound, list[str]]:
    notes: list[str] = []
    candidates = []
    if upper in ("product", "auto"):
        candidates.append(product_bound(network, direction=direction, norm=norm))
    if upper in ("sdp", "auto") and norm != "1":
        try:
            candidates.append(sdp_bound(network, direction=direction, norm=norm, seed=seed, time_limit=time_limit))
        except (SolverFailedError, ProblemTooLargeError, MemoryError) as err:
            notes.append(f"SDP bound unavailable ({err}); using the norm product")
            if upper == "sdp":
                candidates.append(product_bound(network, direction=direction, norm=norm))
    elif upper == "sdp":
        notes.append("l1 has no SDP relaxation here: the norm product is reported")
        candidates.append(product_bound(network, direction=direction, norm=norm))
    return min(candidates, key=lambda b: b.value), notes


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
        outputs: ``"all"``, an output index, a list of indices, or a float direction ``c`` (``c^T f``).
        norm: Input norm: ``"inf"`` (default), ``2`` or ``1`` (l1 is exact in closed form for two layers).
        sampler: A dimod sampler run on the FGL QUBO (block QUBOs for deeper networks) as one of the witness
            methods (:mod:`hiqlip_plugin.lipschitz.witness`); the best method's witness is reported. Default:
            none (reduced-objective bifurcation is the Ising route).
        max_subproblem_size: Capacity of the sampler; larger QUBOs go through the hierarchical composite.
            Defaults to the sampler's ``properties['max_num_variables']`` when it advertises one. Given
            without a sampler, a :class:`~hiqlip_plugin.CIMSampler` of this capacity joins the methods.
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
    targets = _resolve_outputs(network, outputs)
    search = WitnessSearch(network, norm, sampler, max_subproblem_size, dict(sampler_kwargs or {}))
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


def _estimate_one(network: ReLUNetwork, output: int | None, c: np.ndarray, norm: Norm, search: WitnessSearch,
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
        found = (search.two_layer if network.num_layers == 2 else search.deep)(c, seed, witness_budget)
        certificate, source = found.certificate, found.summary
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
