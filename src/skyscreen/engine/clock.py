"""The time grid: step ``s`` covers ``(s·dt, min((s+1)·dt, duration)]``.

Periodic events (a radar's scans, the decision cycles) happen at k·period, k >= 1; the
step holding one does what the event does. :func:`tick_numbers` says, for every step,
which event number falls in it, once per run, so no stage recomputes it per step.
"""

from __future__ import annotations

import numpy as np

from skyscreen._typing import FloatArray, IntArray

__all__ = ["tick_numbers"]


def tick_numbers(
    periods_s: FloatArray, n_steps: int, dt_s: float, duration_s: float
) -> IntArray:
    """The number of the periodic event in each step, per period (-1: none).

    For each step and period, the number k >= 1 of the event at k·period that falls
    in the step: an array (n_steps, len(periods_s)).

    A small tolerance (1e-9 periods) counts an event that round-off puts just past a
    step's end as inside it.

    Examples
    --------
    >>> tick_numbers(np.array([2.0]), 5, 1.0, 5.0)[:, 0].tolist()
    [-1, 1, -1, 2, -1]
    """
    s = np.arange(n_steps, dtype=np.float64)
    t0 = s * dt_s
    t1 = np.minimum((s + 1.0) * dt_s, duration_s)
    periods = np.asarray(periods_s, dtype=np.float64)[None, :]
    k1 = np.floor(t1[:, None] / periods + 1e-9).astype(np.int64)
    k0 = np.floor(t0[:, None] / periods + 1e-9).astype(np.int64)
    return np.where(k1 > k0, k1, -1)
