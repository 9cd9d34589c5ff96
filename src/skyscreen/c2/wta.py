r"""Weapon-target assignment: greedy maximum marginal return, batched over replications.

Each decision cycle minimises the expected surviving threat value
:math:`\sum_j V_j \prod_i (1 - p_{ij})^{x_{ij}}` over the weapons free to fire. The
greedy rule of den Broeder et al. (1959) repeatedly takes the (weapon, target) pair with
the largest marginal return :math:`V_j S_j p_{ij}`, where :math:`S_j` is target j's
current survival probability, then multiplies :math:`S_j` by :math:`1 - p_{ij}`. It is
optimal when kill probabilities depend only on the target, and a good heuristic
otherwise.
"""

from __future__ import annotations

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray

__all__ = ["greedy_assign_batch"]


def greedy_assign_batch(
    values: FloatArray,
    pk: FloatArray,
    weapon_free: BoolArray,
    survival: FloatArray,
    shooters: IntArray,
    max_shooters: int,
) -> IntArray:
    """Greedy MMR assignment of free weapons to targets, one instance per replication.

    Every weapon takes at most one target per cycle.

    Parameters
    ----------
    values : ndarray of shape (n_rep, n_target)
        Threat value of each target; 0 for targets that may not be engaged.
    pk : ndarray of shape (n_rep, n_weapon, n_target)
        Predicted kill probability (0 where infeasible).
    weapon_free : ndarray of shape (n_rep, n_weapon)
        Weapons that may be assigned.
    survival : ndarray of shape (n_rep, n_target)
        Survival probability already expected from shots in flight (1 if none).
    shooters : ndarray of shape (n_rep, n_target)
        Weapons already engaging each target.
    max_shooters : int
        Most weapons on one target.

    Returns
    -------
    ndarray of shape (n_rep, n_weapon)
        Index of the target assigned to each weapon, or -1.

    Examples
    --------
    >>> v = np.array([[10.0, 1.0]])
    >>> p = np.array([[[0.5, 0.9], [0.5, 0.1]]])
    >>> greedy_assign_batch(v, p, np.ones((1, 2), bool), np.ones((1, 2)),
    ...                     np.zeros((1, 2), int), 2).tolist()
    [[0, 0]]
    """
    n_rep, n_weapon, n_target = pk.shape
    out = np.full((n_rep, n_weapon), -1, dtype=np.int64)
    if n_rep == 0 or n_weapon == 0 or n_target == 0:
        return out
    surv = survival.copy()
    free = weapon_free.copy()
    count = shooters.copy()
    rows = np.arange(n_rep)
    for _ in range(n_weapon):
        open_target = count < max_shooters
        gain = (values * surv * open_target)[:, None, :] * pk
        gain = np.where(free[:, :, None], gain, 0.0)
        flat = gain.reshape(n_rep, -1)
        best = np.argmax(flat, axis=1)
        ok = flat[rows, best] > 0.0
        if not ok.any():
            break
        r = rows[ok]
        w, t = np.divmod(best[ok], n_target)
        out[r, w] = t
        free[r, w] = False
        surv[r, t] *= 1.0 - pk[r, w, t]
        count[r, t] += 1
    return out
