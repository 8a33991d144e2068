"""Samplers of a study, by name with parameters, and how each one spends a per-run time budget.

A ``[[samplers]]`` table names a sampler and gives its ``params``; :func:`build_sampler` turns it into a
:class:`BuiltSampler`: the dimod sampler, the keyword arguments of every ``sample`` call, and the rule that
hands it the study's ``time_limit``. Parameters are checked against the sampler's own ``parameters``
(dimod's convention) when the study is validated, so a misspelt keyword is an error before any run, not a
silently ignored warning.

Registered names, with how each spends the budget:

- ``cim``: :class:`~hiqlip_plugin.samplers.cim.CIMSampler` (``algorithm = "dsb" | "cac" | "cfc" | "simcim"``
  and its keywords); ``time_limit``, checked between steps.
- ``sa``: ``dwave.samplers.SimulatedAnnealingSampler``; ``neal``: ``neal.SimulatedAnnealingSampler``; an
  ``interrupt_function`` at the deadline, checked between reads.
- ``tabu``: ``dwave.samplers.TabuSampler``; ``timeout`` = budget / ``num_reads`` per read (a ``timeout``
  given in ``params`` takes precedence).
- ``exact``: :class:`dimod.ExactSolver` (deterministic, at most 20 variables); no budget.
- ``qaoa``: :class:`~hiqlip_plugin.qiskit.sampler.QiskitSampler` around QAOA on Qiskit's statevector sampler
  (``reps`` = 1, ``maxiter`` = 100 COBYLA iterations, ``max_num_variables`` = 12); no budget.
- ``hierarchical``: :class:`~hiqlip_plugin.composites.hierarchical.HierarchicalComposite` (``child``: any
  name here but ``hierarchical``, ``child_params``, ``max_subproblem_size``, the composite's constructor and
  ``sample`` keywords); ``time_limit``.
- ``dwave``, ``ibm``: :func:`~hiqlip_plugin.hardware.dwave_sampler`, :func:`~hiqlip_plugin.hardware.ibm_sampler`
  (skipped with a note without credentials, :func:`hardware_note`); ``time_limit`` when the sampler accepts it.
- ``package.module:Class``: any importable dimod sampler (``init`` holds the constructor's keyword arguments);
  ``time_limit`` when the sampler accepts it.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
    >>> built = build_sampler(SamplerSpec("sa", "sa", {"num_reads": 4}))
    >>> bqm = dimod.BQM({}, {(0, 1): -1.0}, 0.0, "SPIN")
    >>> float(built.sample(bqm, seed=1, time_limit=1.0).first.energy)
    -1.0
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dimod

__all__ = ["SamplerSpec", "BuiltSampler", "build_sampler", "hardware_note", "SAMPLER_NAMES", "HARDWARE_SAMPLERS",
           "RESERVED_PARAMETERS"]

SAMPLER_NAMES = ("cim", "sa", "neal", "tabu", "exact", "qaoa", "hierarchical", "dwave", "ibm")
"""Registered sampler names (any other name must be ``package.module:Class``)."""

HARDWARE_SAMPLERS = ("dwave", "ibm")
"""Samplers that need credentials; without them a study skips them with a note."""

RESERVED_PARAMETERS = ("seed", "time_limit", "interrupt_function")
"""Sampler parameters a study sets per run (from its seeds and budgets); giving them in ``params`` is an error."""

_EXACT_CAPACITY = 20
_HIERARCHICAL_INIT = ("coarsening_ratio", "randomness", "relaxation_rank", "relaxation_iterations")
_HIERARCHICAL_OWN = ("num_reads", "seed", "refinement_passes", "cycles_per_read", "polish", "time_limit", "progress",
                     "child_num_reads")


@dataclass(frozen=True)
class SamplerSpec:
    """A sampler of a study: its registry ``name`` (or ``module:Class``), a unique ``label``, its ``params``.

    Examples:
        >>> from hiqlip_plugin.studies.samplers import SamplerSpec
        >>> SamplerSpec("cim", "cim-cac", {"algorithm": "cac"}).label
        'cim-cac'
    """

    name: str
    label: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class BuiltSampler:
    """A ready sampler: :meth:`sample` runs one seeded run within a time budget.

    Attributes:
        sampler: The dimod sampler.
        kwargs: Keyword arguments of every ``sample`` call (checked against ``sampler.parameters``).
        budget: How the time budget is passed: ``"time_limit"``, ``"interrupt"``, ``"tabu"`` or ``"none"``.
        deterministic: The sampler gives the same answer on every run (``exact``).
        hardware: What the runs execute on, for the summary's ``hardware`` column.
        capacity: The capacity recorded with each run: the hierarchical composite's
            ``max_subproblem_size``, or the largest problem a sampler with a limit takes.
        limit: Largest problem the sampler takes (``None``: any size).

    Examples:
        >>> from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
        >>> built = build_sampler(SamplerSpec("exact", "exact"))
        >>> built.deterministic, built.capacity, built.budget
        (True, 20, 'none')
    """

    sampler: dimod.Sampler
    kwargs: dict[str, Any]
    budget: str
    deterministic: bool = False
    hardware: str = "CPU"
    capacity: int | None = None
    limit: int | None = None

    def accepts(self, num_variables: int) -> bool:
        """Whether a problem of ``num_variables`` fits (the hierarchical composite takes any size).

        Examples:
            >>> from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
            >>> build_sampler(SamplerSpec("exact", "exact")).accepts(30)
            False
        """
        return self.limit is None or num_variables <= self.limit

    def sample(self, bqm: dimod.BinaryQuadraticModel, seed: int, time_limit: float | None) -> dimod.SampleSet:
        """One run on ``bqm`` with ``seed``, stopped by ``time_limit`` seconds as :attr:`budget` says.

        Examples:
            >>> import dimod
            >>> from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
            >>> built = build_sampler(SamplerSpec("tabu", "tabu", {"num_reads": 2}))
            >>> float(built.sample(dimod.BQM({0: 1.0}, {}, 0.0, "SPIN"), 0, 0.05).first.energy)
            -1.0
        """
        kwargs = dict(self.kwargs)
        if "seed" in self.sampler.parameters:
            kwargs["seed"] = seed
        if time_limit is not None:
            if self.budget == "time_limit":
                kwargs["time_limit"] = time_limit
            elif self.budget == "interrupt":
                deadline = time.perf_counter() + time_limit
                kwargs["interrupt_function"] = lambda: time.perf_counter() > deadline
            elif self.budget == "tabu" and "timeout" not in kwargs:
                kwargs["timeout"] = max(1, int(1000 * time_limit / kwargs.get("num_reads", 1)))
        return self.sampler.sample(bqm, **kwargs)


def _checked(sampler: dimod.Sampler, params: Mapping[str, Any], label: str) -> dict[str, Any]:
    reserved = sorted(set(params) & set(RESERVED_PARAMETERS))
    if reserved:
        raise ValueError(f"sampler {label!r}: {reserved} are set by the study for each run; give seeds in "
                         "[study] seeds and time budgets in [study] time_limit or budgets")
    unknown = sorted(set(params) - set(sampler.parameters))
    if unknown:
        raise ValueError(
            f"sampler {label!r}: unknown parameters {unknown}; {type(sampler).__name__} accepts "
            f"{sorted(sampler.parameters)}"
        )
    return dict(params)


def _split(params: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``params`` into (constructor keywords among ``keys``, the rest)."""
    return ({k: v for k, v in params.items() if k in keys}, {k: v for k, v in params.items() if k not in keys})


def _cim(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from hiqlip_plugin.samplers.cim import CIMSampler

    sampler = CIMSampler()
    algorithm = params.get("algorithm", "dsb")
    if algorithm not in sampler.properties["algorithms"]:
        raise ValueError(f"sampler {label!r}: unknown CIM algorithm {algorithm!r}; choose one of "
                         f"{list(sampler.properties['algorithms'])}")
    return BuiltSampler(sampler, _checked(sampler, params, label), "time_limit",
                        hardware=f"CPU (simulated CIM, {algorithm})")


def _sa(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from dwave.samplers import SimulatedAnnealingSampler

    sampler = SimulatedAnnealingSampler()
    return BuiltSampler(sampler, _checked(sampler, params, label), "interrupt")


def _neal(params: Mapping[str, Any], label: str) -> BuiltSampler:
    import neal

    sampler = neal.SimulatedAnnealingSampler()
    return BuiltSampler(sampler, _checked(sampler, params, label), "interrupt")


def _tabu(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from dwave.samplers import TabuSampler

    sampler = TabuSampler()
    return BuiltSampler(sampler, _checked(sampler, params, label), "tabu")


def _exact(params: Mapping[str, Any], label: str) -> BuiltSampler:
    sampler = dimod.ExactSolver()
    return BuiltSampler(sampler, _checked(sampler, params, label), "none", deterministic=True,
                        capacity=_EXACT_CAPACITY, limit=_EXACT_CAPACITY)


def _qaoa(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from qiskit.primitives import StatevectorSampler
    from qiskit_optimization.minimum_eigensolvers import QAOA
    from qiskit_optimization.optimizers import COBYLA

    from hiqlip_plugin.qiskit.sampler import QiskitSampler

    init, rest = _split(params, ("reps", "maxiter", "max_num_variables"))
    qaoa = QAOA(StatevectorSampler(), COBYLA(maxiter=init.get("maxiter", 100)), reps=init.get("reps", 1))
    sampler = QiskitSampler(qaoa, max_num_variables=init.get("max_num_variables", 12))
    return BuiltSampler(sampler, _checked(sampler, rest, label), "none",
                        hardware="CPU (QAOA, statevector simulation)",
                        capacity=sampler.properties["max_num_variables"], limit=sampler.properties["max_num_variables"])


def _hierarchical(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from hiqlip_plugin.composites.hierarchical import HierarchicalComposite

    rest = dict(params)
    child_name = rest.pop("child", "cim")
    child_params = rest.pop("child_params", {})
    if not isinstance(child_params, Mapping):
        raise ValueError(f"sampler {label!r}: child_params must be a table, got {child_params!r}")
    if child_name == "hierarchical":
        raise ValueError(f"sampler {label!r}: the child of a hierarchical composite cannot be hierarchical")
    child = build_sampler(SamplerSpec(child_name, f"{label}.child", child_params))
    init, kwargs = _split(rest, _HIERARCHICAL_INIT)
    size = kwargs.pop("max_subproblem_size", child.capacity)
    for key, value in child.kwargs.items():
        key = "child_num_reads" if key == "num_reads" else key
        if key in _HIERARCHICAL_OWN and key != "child_num_reads" or key in kwargs:
            raise ValueError(f"sampler {label!r}: child parameter {key!r} clashes with the composite's own "
                             f"parameter of that name; set it once, at the composite level")
        kwargs[key] = value
    composite = HierarchicalComposite(child.sampler, size, **init)
    return BuiltSampler(composite, _checked(composite, kwargs, label), "time_limit", hardware=child.hardware,
                        capacity=composite.max_subproblem_size)


def _dwave(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from hiqlip_plugin.hardware import dwave_sampler

    init, rest = _split(params, ("solver", "hybrid", "max_num_variables"))
    sampler = dwave_sampler(**init)
    hybrid = bool(init.get("hybrid", False))
    return BuiltSampler(sampler, _checked(sampler, rest, label),
                        "time_limit" if "time_limit" in sampler.parameters else "none",
                        hardware="D-Wave Leap hybrid" if hybrid else "D-Wave QPU",
                        capacity=None if hybrid else sampler.properties.get("max_num_variables"),
                        limit=None if hybrid else sampler.properties.get("max_num_variables"))


def _ibm(params: Mapping[str, Any], label: str) -> BuiltSampler:
    from hiqlip_plugin.hardware import ibm_sampler

    init, rest = _split(params, ("backend", "reps", "shots", "max_num_variables"))
    sampler = ibm_sampler(**init)
    capacity = sampler.properties["max_num_variables"]
    return BuiltSampler(sampler, _checked(sampler, rest, label), "none", hardware="IBM Quantum (QAOA)",
                        capacity=capacity, limit=capacity)


def _imported(name: str, params: Mapping[str, Any], label: str) -> BuiltSampler:
    module_name, _, class_name = name.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"sampler {label!r}: cannot import {name!r} ({err})") from None
    rest = dict(params)
    init = rest.pop("init", {})
    if not isinstance(init, Mapping):
        raise ValueError(f"sampler {label!r}: init must be a table of constructor arguments, got {init!r}")
    sampler = cls(**init)
    if not isinstance(sampler, dimod.Sampler):
        raise ValueError(f"sampler {label!r}: {name} is not a dimod.Sampler")
    capacity = sampler.properties.get("max_num_variables")
    return BuiltSampler(sampler, _checked(sampler, rest, label),
                        "time_limit" if "time_limit" in sampler.parameters else "none",
                        hardware=name, capacity=capacity if isinstance(capacity, int) else None,
                        limit=capacity if isinstance(capacity, int) else None)


_FACTORIES: dict[str, Callable[[Mapping[str, Any], str], BuiltSampler]] = {
    "cim": _cim, "sa": _sa, "neal": _neal, "tabu": _tabu, "exact": _exact, "qaoa": _qaoa,
    "hierarchical": _hierarchical, "dwave": _dwave, "ibm": _ibm,
}


def hardware_note(name: str) -> str | None:
    """Why hardware sampler ``name`` cannot run here (no package or no credentials), or ``None`` if it can.

    Checked offline (:func:`hiqlip_plugin.hardware.hardware_report`); the note says how to configure it.

    Examples:
        >>> from hiqlip_plugin.studies.samplers import hardware_note
        >>> hardware_note("sa") is None
        True
    """
    if name not in HARDWARE_SAMPLERS:
        return None
    from hiqlip_plugin.hardware import dwave_status, ibm_status

    status = dwave_status() if name == "dwave" else ibm_status()
    return None if status.available else f"skipped: no {name} hardware available ({status.detail})"


def build_sampler(spec: SamplerSpec) -> BuiltSampler:
    """Build the sampler of ``spec``, checking its parameters.

    Raises:
        ValueError: For an unknown name (neither registered nor ``module:Class``), an unknown parameter or
            a value the sampler refuses at construction.
        HardwareUnavailable: For ``dwave`` or ``ibm`` without credentials (check :func:`hardware_note`
            first to skip them).

    Examples:
        >>> from hiqlip_plugin.studies.samplers import SamplerSpec, build_sampler
        >>> build_sampler(SamplerSpec("dimod:RandomSampler", "random", {"num_reads": 3})).kwargs
        {'num_reads': 3}
        >>> build_sampler(SamplerSpec("sa", "sa", {"num_sweep": 10}))
        Traceback (most recent call last):
        ...
        ValueError: sampler 'sa': unknown parameters ['num_sweep']; SimulatedAnnealingSampler accepts [...]
    """
    if not isinstance(spec.params, Mapping):
        raise ValueError(f"sampler {spec.label!r}: params must be a table, got {spec.params!r}")
    if spec.name in _FACTORIES:
        return _FACTORIES[spec.name](spec.params, spec.label)
    if ":" in spec.name:
        return _imported(spec.name, spec.params, spec.label)
    raise ValueError(
        f"sampler {spec.label!r}: unknown sampler name {spec.name!r}; use one of {list(SAMPLER_NAMES)} or an "
        "importable 'package.module:Class'"
    )
