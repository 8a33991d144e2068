"""Ising arrays: a binary quadratic model as numpy/scipy arrays, and energies of many states at once.

Every kernel of the package (CIM dynamics, coarsening, local search) works on the same representation of a
:class:`dimod.BinaryQuadraticModel` in SPIN form:

.. math::

    E(s) = h^T s + \\tfrac12 s^T S s + \\text{offset}, \\qquad s \\in \\{-1, +1\\}^n,

with ``S = J + J^T`` symmetric with a zero diagonal (dimod stores each coupling once, as ``J[i, j]`` for
``i < j``). :func:`ising_arrays` builds it from any BQM (BINARY models are converted exactly) as a dense array
or a CSR matrix, chosen by density.

Examples:
    >>> import dimod
    >>> from hiqlip_plugin.ising import ising_arrays
    >>> bqm = dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0.5, "SPIN")
    >>> arrays = ising_arrays(bqm)
    >>> arrays.variables
    ('a', 'b')
    >>> bool(arrays.energies([[1, 1]])[0] == bqm.energy({"a": 1, "b": 1}))
    True
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import dimod
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hiqlip_plugin.exceptions import SamplerOutputError

__all__ = ["IsingArrays", "ising_arrays", "checked_samples", "DENSITY_THRESHOLD"]

DENSITY_THRESHOLD = 0.1
"""Fraction of non-zero couplings above which :func:`ising_arrays` chooses a dense matrix."""


@dataclass(frozen=True)
class IsingArrays:
    """A SPIN-valued quadratic model as arrays.

    Attributes:
        variables: Variable labels, in the order of the array axes.
        linear: Fields ``h`` of shape ``(n,)``.
        coupling: Symmetric coupling matrix ``S`` of shape ``(n, n)`` with zero diagonal, a dense
            :class:`numpy.ndarray` or a :class:`scipy.sparse.csr_array`.
        offset: Constant energy offset.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.ising import ising_arrays
        >>> arrays = ising_arrays(dimod.BQM({}, {(0, 1): 1.0}, 0.0, "SPIN"))
        >>> arrays.energies([[1, -1], [1, 1]]).tolist()
        [-1.0, 1.0]
    """

    variables: tuple[Hashable, ...]
    linear: np.ndarray
    coupling: np.ndarray | sp.csr_array
    offset: float

    @property
    def num_variables(self) -> int:
        """Number of spins ``n``."""
        return len(self.variables)

    @property
    def is_sparse(self) -> bool:
        """Whether :attr:`coupling` is a sparse CSR matrix."""
        return sp.issparse(self.coupling)

    def local_fields(self, spins: npt.ArrayLike) -> np.ndarray:
        """Return ``h + S s`` for each state.

        Args:
            spins: States of shape ``(num_states, n)`` (or ``(n,)`` for one state), entries in {-1, +1}.

        Returns:
            Array of the same shape as ``spins``: the energy change of flipping spin ``i`` of a state is
            ``-2 s_i (h_i + (S s)_i)``.
        """
        states = np.asarray(spins, dtype=np.float64)
        fields = (self.coupling @ states.T).T if states.ndim == 2 else self.coupling @ states
        return fields + self.linear

    def energies(self, spins: npt.ArrayLike) -> np.ndarray:
        """Return the energy of each state (float64).

        Args:
            spins: States of shape ``(num_states, n)`` or ``(n,)``.

        Returns:
            Energies of shape ``(num_states,)`` (a 0-d array for a single state).
        """
        states = np.asarray(spins, dtype=np.float64)
        if states.shape[-1] != self.num_variables:
            raise ValueError(
                f"states have {states.shape[-1]} spins but the model has {self.num_variables} variables"
            )
        couplings = (self.coupling @ states.T).T if states.ndim == 2 else self.coupling @ states
        return np.sum(states * (self.linear + 0.5 * couplings), axis=-1) + self.offset


def ising_arrays(
    bqm: dimod.BinaryQuadraticModel,
    *,
    variable_order: Sequence[Hashable] | None = None,
    dtype: npt.DTypeLike = np.float64,
    sparse: bool | None = None,
) -> IsingArrays:
    """Convert a binary quadratic model into :class:`IsingArrays` (SPIN form, exact).

    Args:
        bqm: Any dimod BQM; BINARY models are converted to SPIN with ``x = (1 + s) / 2``.
        variable_order: Order of the array axes; defaults to ``bqm.variables``.
        dtype: Floating dtype of ``linear`` and ``coupling``.
        sparse: Force a CSR (``True``) or dense (``False``) coupling matrix; by default CSR is chosen when at
            most :data:`DENSITY_THRESHOLD` of the possible couplings are non-zero.

    Returns:
        The arrays; ``energies`` agrees with ``bqm.energies`` on every state.

    Raises:
        ValueError: If ``variable_order`` does not list exactly the BQM's variables, or a bias is not finite.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.ising import ising_arrays
        >>> bqm = dimod.BQM({"x": 2.0}, {}, 0.0, "BINARY")
        >>> arrays = ising_arrays(bqm)
        >>> arrays.linear.tolist(), arrays.offset
        ([1.0], 1.0)
    """
    spin = bqm.spin if bqm.vartype is dimod.BINARY else bqm
    order = tuple(bqm.variables) if variable_order is None else tuple(variable_order)
    if len(order) != bqm.num_variables or set(order) != set(bqm.variables):
        raise ValueError("variable_order must list each variable of the BQM exactly once")
    n = len(order)
    linear, (rows, cols, values), offset = spin.to_numpy_vectors(variable_order=order)
    if not (np.all(np.isfinite(linear)) and np.all(np.isfinite(values)) and np.isfinite(offset)):
        raise ValueError("the BQM has a NaN or infinite bias")
    if sparse is None:
        possible = n * (n - 1) / 2
        sparse = possible > 0 and len(values) / possible <= DENSITY_THRESHOLD
    both_rows = np.concatenate([rows, cols])
    both_cols = np.concatenate([cols, rows])
    both_values = np.concatenate([values, values]).astype(dtype)
    coupling = sp.csr_array((both_values, (both_rows, both_cols)), shape=(n, n), dtype=dtype)
    coupling.sum_duplicates()
    if not sparse:
        coupling = coupling.toarray()
    return IsingArrays(
        variables=order,
        linear=np.asarray(linear, dtype=dtype),
        coupling=coupling,
        offset=float(offset),
    )


def checked_samples(sampleset: object, bqm: dimod.BinaryQuadraticModel) -> np.ndarray:
    """Validate a sampler's answer to ``bqm`` and return its samples in ``bqm.variables`` order.

    Args:
        sampleset: What the sampler returned.
        bqm: The model it was asked to sample.

    Returns:
        Array of shape ``(num_samples, bqm.num_variables)``, columns in ``bqm.variables`` order.

    Raises:
        SamplerOutputError: If the answer is not a :class:`dimod.SampleSet` of the BQM's vartype over exactly
            its variables, holds values outside the vartype, or is empty for a non-empty BQM.

    Examples:
        >>> import dimod
        >>> from hiqlip_plugin.ising import checked_samples
        >>> bqm = dimod.BQM({"a": 1.0, "b": -1.0}, {}, 0.0, "SPIN")
        >>> checked_samples(dimod.ExactSolver().sample(bqm), bqm).shape
        (4, 2)
    """
    if not isinstance(sampleset, dimod.SampleSet):
        raise SamplerOutputError(f"the sampler returned a {type(sampleset).__name__}, not a dimod.SampleSet")
    if sampleset.vartype is not bqm.vartype:
        raise SamplerOutputError(
            f"the sampler returned {sampleset.vartype.name} samples for a {bqm.vartype.name} BQM"
        )
    if len(sampleset.variables) != bqm.num_variables or set(sampleset.variables) != set(bqm.variables):
        raise SamplerOutputError(
            f"the sampler returned samples over {len(sampleset.variables)} variables that are not the "
            f"{bqm.num_variables} variables of its BQM"
        )
    if len(sampleset) == 0 and bqm.num_variables:
        raise SamplerOutputError("the sampler returned no samples")
    samples = sampleset.record.sample
    if not np.isin(samples, list(bqm.vartype.value)).all():
        raise SamplerOutputError(f"the sampler returned values outside {sorted(bqm.vartype.value)}")
    return samples[:, [sampleset.variables.index(v) for v in bqm.variables]]
