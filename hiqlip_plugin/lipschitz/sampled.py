"""The shared sampler step of every witness search: sample -> check energies -> decode -> polish.

Both the two-layer witness (:class:`~hiqlip_plugin.lipschitz.witness.WitnessSearch`) and the block moves of
deeper networks (:func:`~hiqlip_plugin.lipschitz.deep.deep_block_search`) hand a QUBO to a dimod sampler
through :func:`sample_and_polish`, so every answer passes the same checks:

1. the answer is a :class:`dimod.SampleSet` over exactly the model's variables with values of its vartype
   (:func:`~hiqlip_plugin.ising.checked_samples`);
2. the energies the sampler reported agree with the energies recomputed here in float64 from the model
   (relative tolerance :data:`ENERGY_RTOL`); a sampler that misreports energies is refused with
   :class:`~hiqlip_plugin.exceptions.SamplerOutputError` rather than trusted;
3. the sample of lowest *recomputed* energy is decoded into a certificate and polished.

Examples:
    >>> from dwave.samplers import SimulatedAnnealingSampler
    >>> from hiqlip_plugin.lipschitz.formulation import fgl_bqm as build
    >>> from hiqlip_plugin.lipschitz.sampled import sample_and_polish as step_of
    >>> from hiqlip_plugin.problems import random_relu_network as network
    >>> qubo = build(network((3, 4, 1), seed=0), norm=2)
    >>> found = step_of(SimulatedAnnealingSampler(), qubo.bqm, qubo.decode, lambda cert: cert.value, seed=0)
    >>> bool(abs(found.polished ** 2 + found.energy) < 1e-9)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import dimod
import numpy as np

from hiqlip_plugin.exceptions import SamplerOutputError
from hiqlip_plugin.ising import checked_samples
from hiqlip_plugin.lipschitz.formulation import Certificate

__all__ = ["SampledStep", "sample_and_polish", "sampler_call", "ENERGY_RTOL"]

ENERGY_RTOL = 1e-6
"""Relative tolerance (times ``max(1, max |energy|)``) between reported and recomputed energies."""

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class SampledStep(Generic[T]):
    """What one sampler call gave.

    Attributes:
        raw: The decoded lowest-energy sample (the sampler's answer alone, before polishing).
        polished: ``polish(raw)``.
        energy: The recomputed energy of that sample.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin import fgl_bqm
        >>> from hiqlip_plugin.lipschitz.sampled import sample_and_polish
        >>> from hiqlip_plugin.problems import random_relu_network
        >>> qubo = fgl_bqm(random_relu_network((2, 2, 1), seed=1))
        >>> step = sample_and_polish(dimod.ExactSolver(), qubo.bqm, qubo.decode, lambda c: c.value)
        >>> step.polished == step.raw.value == -step.energy
        True
    """

    raw: Certificate
    polished: T
    energy: float


def sampler_call(sampler: Any, bqm: dimod.BinaryQuadraticModel, sampler_kwargs: Mapping[str, Any] | None = None,
                 *, seed: int | None = None, time_limit: float | None = None) -> Any:
    """Call ``sampler.sample(bqm, ...)``, adding ``seed`` / ``time_limit`` where the sampler takes them.

    A keyword already in ``sampler_kwargs`` wins.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.sampled import sampler_call
        >>> bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")
        >>> float(sampler_call(dimod.ExactSolver(), bqm, seed=3).first.energy)
        -1.0
    """
    kwargs = dict(sampler_kwargs or {})
    parameters = getattr(sampler, "parameters", None) or {}
    if seed is not None and "seed" in parameters:
        kwargs.setdefault("seed", int(seed))
    if time_limit is not None and "time_limit" in parameters:
        kwargs.setdefault("time_limit", time_limit)
    return sampler.sample(bqm, **kwargs)


def sample_and_polish(
    sampler: Any,
    bqm: dimod.BinaryQuadraticModel,
    decode: Callable[[Mapping[Hashable, Any]], Certificate],
    polish: Callable[[Certificate], T],
    *,
    sampler_kwargs: Mapping[str, Any] | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
) -> SampledStep[T]:
    """Sample ``bqm``, check the answer and its energies, decode the lowest-energy sample and polish it.

    Args:
        sampler: Any object with ``sample(bqm, **kwargs)`` returning a :class:`dimod.SampleSet`.
        bqm: The model to minimise.
        decode: Turns a sample (mapping label -> value) into a :class:`Certificate`.
        polish: Applied to the decoded certificate (e.g. closed-form best responses).
        sampler_kwargs: Keyword arguments of the call.
        seed: Passed as ``seed`` when the sampler lists it in ``parameters`` (and ``sampler_kwargs`` does not).
        time_limit: Passed as ``time_limit`` likewise.

    Returns:
        A :class:`SampledStep`.

    Raises:
        SamplerOutputError: If the answer is not a valid sample set of ``bqm`` or its reported energies
            disagree with the model.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.lipschitz.sampled import sample_and_polish
        >>> bqm = dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN")
        >>> wrong = dimod.SampleSet.from_samples([{"a": -1}], "SPIN", energy=[5.0])
        >>> class Liar:
        ...     parameters = {}
        ...     def sample(self, bqm):
        ...         return wrong
        >>> sample_and_polish(Liar(), bqm, dict, dict)
        Traceback (most recent call last):
        ...
        hiqlip_plugin.exceptions.SamplerOutputError: Liar reported energies that disagree with the BQM (largest difference 6 at energy scale 1)
    """
    sampleset = sampler_call(sampler, bqm, sampler_kwargs, seed=seed, time_limit=time_limit)
    states = checked_samples(sampleset, bqm)
    labels = list(bqm.variables)
    energies = np.asarray(bqm.energies((states, labels)), dtype=np.float64)
    reported = np.asarray(sampleset.record.energy, dtype=np.float64)
    scale = max(1.0, float(np.abs(energies).max(initial=0.0)))
    difference = float(np.abs(energies - reported).max(initial=0.0))
    if not difference <= ENERGY_RTOL * scale:
        raise SamplerOutputError(
            f"{type(sampler).__name__} reported energies that disagree with the BQM "
            f"(largest difference {difference:.3g} at energy scale {scale:.3g})"
        )
    best = int(np.argmin(energies))
    raw = decode(dict(zip(labels, states[best].tolist(), strict=True)))
    return SampledStep(raw=raw, polished=polish(raw), energy=float(energies[best]))
