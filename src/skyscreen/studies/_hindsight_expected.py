r"""The paths-known, outcomes-unknown hindsight bound: an LP on firing probabilities.

Private helper of :mod:`skyscreen.studies.hindsight` (its docstring derives it). Given
one replication's candidate shots (each with its mean kill probability *p_c*), the
packing rows every engine schedule satisfies and which drones' leaks damage which
assets, solve

    min Σ_a V_a u_a   s.t.   u_a + k_j ≥ 1   (j damages a when it leaks),
                             k_j = Σ_{c at j} p_c x_c,
                             packing rows on x,   x, u ∈ [0, 1],  k ≥ 0.

At x_c = P(shot c is fired) of any policy that does not see a shot's outcome before
it is fired, P(drone j is killed) ≤ Σ_c P(c fired and c kills) = k_j (a fired shot's
own draws are independent of the decision to fire it), so u_a = max_j P(j survives)
is feasible and the objective is at most the policy's expected value damaged given
the replication's paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from skyscreen._typing import BoolArray, FloatArray, IntArray

__all__ = ["ExpectedSolved", "solve_expected"]

_SAFETY = 1e-7  # of the total asset value, taken off the LP optimum (tolerances)


@dataclass(frozen=True, slots=True)
class ExpectedSolved:
    """One replication's expected bound (USD) and the LP's expected shots fired."""

    value_usd: float
    n_shots: int
    expected_shots: float


def solve_expected(
    drone: IntArray,
    p_mean: FloatArray,
    rows: list[tuple[str, IntArray, float]],
    damages: BoolArray,
    values: FloatArray,
) -> ExpectedSolved:
    """Solve the LP of one replication (module docstring).

    ``drone``, ``p_mean`` (C,): the candidates' drones and mean kill probabilities
    (shots that resolve in time at drones whose leak damages value); ``rows``:
    packing rows (family, candidate indices, cap) over them; ``damages`` (D, A):
    which assets each drone's leak damages; ``values`` (A,).
    """
    useful_a = (values > 0) & damages.any(axis=0)
    assets = np.flatnonzero(useful_a)
    drones = np.flatnonzero(damages[:, assets].any(axis=1))
    if len(assets) == 0:
        return ExpectedSolved(0.0, len(drone), 0.0)
    n_x, n_j, n_a = len(drone), len(drones), len(assets)
    o_k, o_u = n_x, n_x + n_j
    n_var = n_x + n_j + n_a
    col_j = np.full(damages.shape[0], -1, dtype=np.int64)
    col_j[drones] = np.arange(n_j)
    r_i: list[IntArray] = []
    c_i: list[IntArray] = []
    v_i: list[FloatArray] = []
    lb: list[FloatArray] = []
    ub: list[FloatArray] = []
    n_row = 0

    def block(
        rr: IntArray, cc: IntArray, vv: FloatArray, lo: float, hi: float, n: int
    ) -> None:
        nonlocal n_row
        r_i.append(np.asarray(rr, dtype=np.int64) + n_row)
        c_i.append(np.asarray(cc, dtype=np.int64))
        v_i.append(np.asarray(vv, dtype=np.float64))
        lb.append(np.full(n, lo))
        ub.append(np.full(n, hi))
        n_row += n

    # k_j − Σ p_c x_c = 0 (shots at drones that damage nothing are left out).
    at = col_j[np.asarray(drone, dtype=np.int64)]
    keep = at >= 0
    block(
        np.concatenate([np.arange(n_j), at[keep]]),
        np.concatenate([o_k + np.arange(n_j), np.flatnonzero(keep)]),
        np.concatenate([np.ones(n_j), -np.asarray(p_mean, dtype=np.float64)[keep]]),
        0.0,
        0.0,
        n_j,
    )
    # u_a + k_j >= 1 for each drone j that damages a.
    ai, ji = np.nonzero(damages[np.ix_(drones, assets)].T)
    rr = np.arange(len(ai))
    block(
        np.concatenate([rr, rr]),
        np.concatenate([o_u + ai, o_k + ji]),
        np.ones(2 * len(ai)),
        1.0,
        np.inf,
        len(ai),
    )
    for _, idx, cap in rows:
        block(
            np.zeros(len(idx), dtype=np.int64), idx, np.ones(len(idx)), -np.inf, cap, 1
        )
    a = sparse.csr_array(
        (np.concatenate(v_i), (np.concatenate(r_i), np.concatenate(c_i))),
        shape=(n_row, n_var),
    )
    scale = float(values[assets].max())
    c = np.zeros(n_var)
    c[o_u:] = values[assets] / scale
    hi = np.ones(n_var)
    hi[o_k:o_u] = np.inf
    res = optimize.milp(
        c,
        integrality=np.zeros(n_var),
        bounds=optimize.Bounds(np.zeros(n_var), hi),
        constraints=[
            optimize.LinearConstraint(a, np.concatenate(lb), np.concatenate(ub))
        ],
        options={"disp": False, "presolve": True},
    )
    if res.status != 0 or res.x is None:  # pragma: no cover - x = 0 is feasible
        raise RuntimeError(f"expected hindsight LP failed: {res.message}")
    margin = _SAFETY * float(values[assets].sum())
    value = max(float(res.fun) * scale - margin, 0.0)
    return ExpectedSolved(value, n_x, float(res.x[:n_x].sum()))
