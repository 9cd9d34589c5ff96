r"""Greedy maximum marginal return: the one definition, shared by solvers and engine.

The static solvers (:func:`skyscreen.c2.solve_wta`, and the start of ``improve``) and
the engine's decision cycles call this kernel.

Notation as in :mod:`skyscreen.c2.wta`: ``values`` V (T,), ``pk`` p (W, T),
``unit_cost`` c (W,) the weighted cost of one weapon of each type, ``capacity`` (W,)
weapons of each type, ``max_per_target`` (T,).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray

__all__ = ["greedy_mmr"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(fn: _F) -> _F:
    # numba's decorator is untyped; the kernels keep their annotated signatures.
    return cast(_F, njit(cache=True)(fn))


@_jit
def _row_best(
    i: int,
    values: FloatArray,
    pk: FloatArray,
    unit_cost: FloatArray,
    rem: IntArray,
    max_per_target: IntArray,
    survival: FloatArray,
    count: IntArray,
    best_j: IntArray,
    best_g: FloatArray,
) -> None:
    bj = -1
    bg = -np.inf
    if rem[i] > 0:
        for j in range(values.shape[0]):
            if count[j] < max_per_target[j]:
                g = values[j] * survival[j] * pk[i, j] - unit_cost[i]
                if g > bg:
                    bg = g
                    bj = j
    best_j[i] = bj
    best_g[i] = bg


@_jit
def greedy_mmr(
    values: FloatArray,
    pk: FloatArray,
    unit_cost: FloatArray,
    capacity: IntArray,
    max_per_target: IntArray,
    x: IntArray,
    survival: FloatArray,
    count: IntArray,
) -> int:
    """Maximum marginal return: add one weapon at a time where it gains most.

    Each step takes the pair (i, j) with the largest gain
    ``values[j] * survival[j] * pk[i, j] - unit_cost[i]`` among types with capacity
    left and targets under ``max_per_target`` (ties: lowest i, then lowest j), and
    stops when no gain is positive. ``x`` (W, T), ``survival`` (T,) and ``count`` (T,)
    hold the state to extend (normally zeros, ones, zeros) and are updated in place;
    ``capacity`` is the number of weapons of each type still free. Only column j*
    changes after a step, so only the types whose best target was j* are rescanned:
    O(W·T) to start, then O(W) plus O(T) per rescanned type per step. Returns the
    number of steps.
    """
    n_w = pk.shape[0]
    rem = capacity.copy()
    best_j = np.full(n_w, -1, np.int64)
    best_g = np.full(n_w, -np.inf)
    for i in range(n_w):
        _row_best(
            i,
            values,
            pk,
            unit_cost,
            rem,
            max_per_target,
            survival,
            count,
            best_j,
            best_g,
        )
    steps = 0
    while True:
        bi = -1
        bg = 0.0
        for i in range(n_w):
            if best_g[i] > bg:
                bg = best_g[i]
                bi = i
        if bi < 0:
            break
        j = best_j[bi]
        x[bi, j] += 1
        rem[bi] -= 1
        survival[j] = survival[j] * (1.0 - pk[bi, j])
        count[j] += 1
        steps += 1
        for i in range(n_w):
            if best_j[i] == j:
                _row_best(
                    i,
                    values,
                    pk,
                    unit_cost,
                    rem,
                    max_per_target,
                    survival,
                    count,
                    best_j,
                    best_g,
                )
    return steps
