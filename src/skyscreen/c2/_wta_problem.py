r"""A validated static weapon-target assignment instance, shared by the solvers.

Private: :func:`skyscreen.c2.solve_wta` validates its arguments and builds a
:class:`Problem`; the solvers in ``_wta_improve`` and ``_wta_exact`` assume valid input.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from skyscreen._typing import FloatArray, IntArray

__all__ = ["Budget", "Problem", "objective"]


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Arrays of one instance, already checked.

    Attributes
    ----------
    values : ndarray of shape (T,)
        Target values V_j >= 0.
    pk : ndarray of shape (W, T)
        Kill probability p_ij in [0, 1 - 1e-12] of one weapon of type i on target j.
    capacity : ndarray of shape (W,), int64
        Weapons of each type.
    max_per_target : ndarray of shape (T,), int64
        Most weapons on one target (a large number where unlimited).
    unit_cost : ndarray of shape (W,)
        Weighted cost of one weapon, ``cost_weight * cost``.
    q : ndarray of shape (W, T)
        Survival probability 1 - p_ij of a target shot by one weapon (computed once:
        the exact method reads it for every column it prices).
    """

    values: FloatArray
    pk: FloatArray
    capacity: IntArray
    max_per_target: IntArray
    unit_cost: FloatArray
    q: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "q", 1.0 - self.pk)

    @property
    def n_weapon(self) -> int:
        """Number of weapon types W."""
        return int(self.pk.shape[0])

    @property
    def n_target(self) -> int:
        """Number of targets T."""
        return int(self.pk.shape[1])

    def entry_bound(self) -> IntArray:
        """Most useful weapons of type i on target j, (W, T).

        min(capacity_i, max_per_target_j) where one weapon has a positive marginal
        return on an untouched target (V_j p_ij > c_i), else 0: a weapon whose return
        is not above its cost can be removed from any assignment without loss, since
        returns only shrink as a target's survival falls.
        """
        ub = np.minimum(self.capacity[:, None], self.max_per_target[None, :])
        useful = self.values[None, :] * self.pk > self.unit_cost[:, None]
        return np.where(useful, ub, 0).astype(np.int64)

    def tolerance(self) -> float:
        """Absolute tolerance on objective changes, 1e-12 of the largest scale."""
        return 1e-12 * max(1.0, float(self.values.sum()))


def objective(
    values: FloatArray, pk: FloatArray, unit_cost: FloatArray, x: IntArray
) -> float:
    r"""Expected surviving value plus weighted cost of an assignment.

    .. math:: F(x) = \sum_j V_j \prod_i (1 - p_{ij})^{x_{ij}} + \sum_{ij} c_i x_{ij}

    The one definition every solver reports, so a result's ``objective`` equals a
    recomputation exactly.
    """
    survival = np.prod((1.0 - pk) ** x, axis=0)
    return float(values @ survival) + float(unit_cost @ x.sum(axis=1))


@dataclass(slots=True)
class Budget:
    """A method's budget: a wall-clock deadline, an iteration count, or neither."""

    deadline: float | None
    max_iter: int | None

    @classmethod
    def make(
        cls, time_limit_s: float | None, max_iter: int | None, t0: float
    ) -> Budget:
        """Budget starting at ``t0`` (``time.perf_counter()``)."""
        deadline = None if time_limit_s is None else t0 + time_limit_s
        return cls(deadline, max_iter)

    @property
    def limited(self) -> bool:
        """True when a time or iteration limit is set."""
        return self.deadline is not None or self.max_iter is not None

    def out_of_time(self) -> bool:
        """True once the deadline has passed."""
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def remaining_s(self) -> float:
        """Seconds left (infinity without a deadline)."""
        if self.deadline is None:
            return math.inf
        return max(0.0, self.deadline - time.perf_counter())
