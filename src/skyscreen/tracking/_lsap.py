"""Rectangular linear sum assignment in numba (for the tracker's GNN clusters).

The shortest augmenting path algorithm with dual variables that SciPy's
``linear_sum_assignment`` uses (Crouse, "On implementing 2D rectangular assignment
algorithms", IEEE TAES 2016), written for small dense cost matrices called from numba
code, so a scan's clusters are solved without returning to Python. Tests check it
against SciPy on random matrices.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray

__all__ = ["lsap"]


@njit(cache=True)
def lsap(cost: FloatArray, col4row: IntArray) -> float:
    """Minimum-cost assignment of every row of ``cost`` (nr, nc), nr ≤ nc.

    Writes the column of each row into ``col4row`` (nr) and returns the total cost;
    ``inf`` when no complete assignment with finite costs exists.
    """
    nr, nc = cost.shape
    u = np.zeros(nr)
    v = np.zeros(nc)
    row4col = np.full(nc, -1, dtype=np.int64)
    for i in range(nr):
        col4row[i] = -1
    spc = np.empty(nc)
    path = np.empty(nc, dtype=np.int64)
    remaining = np.empty(nc, dtype=np.int64)
    sr = np.zeros(nr, dtype=np.bool_)
    sc = np.zeros(nc, dtype=np.bool_)
    for cur in range(nr):
        for j in range(nc):
            spc[j] = math.inf
            path[j] = -1
            remaining[j] = nc - 1 - j
            sc[j] = False
        for i in range(nr):
            sr[i] = False
        n_rem = nc
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = math.inf
            sr[i] = True
            for it in range(n_rem):
                j = remaining[it]
                r = min_val + cost[i, j] - u[i] - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = it
            min_val = lowest
            if min_val == math.inf or index < 0:
                return math.inf
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            n_rem -= 1
            remaining[index] = remaining[n_rem]
        u[cur] += min_val
        for i2 in range(nr):
            if sr[i2] and i2 != cur:
                u[i2] += min_val - spc[col4row[i2]]
        for j2 in range(nc):
            if sc[j2]:
                v[j2] -= min_val - spc[j2]
        j = sink
        while True:
            i3 = path[j]
            row4col[j] = i3
            tmp = col4row[i3]
            col4row[i3] = j
            j = tmp
            if i3 == cur:
                break
    total = 0.0
    for i in range(nr):
        total += cost[i, col4row[i]]
    return total
