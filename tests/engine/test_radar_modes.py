"""The radar kernel's modes: stopping at a drone's first detecting radar loses nothing.

The sense stage needs only each drone's first detecting radar, so ``_detect`` in mode
``FIRST`` skips a Swerling 1 drone's later radars; the tracked fidelity's
measurements then ask for the rest (mode ``REST``). Every pair's values depend on the
pair alone, so ``FIRST`` then ``REST`` must write, bit for bit, what ``ALL`` writes:
the Pd, the SNR and draw in coverage, and each drone's first radar. Radars overlap,
scan or not, have sectors and elevation limits; drones mix Swerling 0 and 1.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.engine.kinds.radar import ALL, FIRST, REST, RadarKernelParams, _detect


def _radars(rng: np.random.Generator, n_s: int) -> RadarKernelParams:
    """``n_s`` radars within 2 km of the origin, some with sectors and limits."""
    sector = rng.random(n_s) < 0.4
    limited = rng.random(n_s) < 0.4
    return RadarKernelParams(
        pos_m=np.column_stack(
            [rng.uniform(-2000, 2000, (n_s, 2)), rng.uniform(0, 30, n_s)]
        ),
        range_min_m=np.where(rng.random(n_s) < 0.3, rng.uniform(0, 500, n_s), 0.0),
        range_max_m=rng.uniform(3000, 12000, n_s),
        elevation_min_rad=np.where(limited, rng.uniform(-0.2, 0.05, n_s), -np.pi / 2),
        elevation_max_rad=np.where(limited, rng.uniform(0.3, 1.4, n_s), np.pi / 2),
        snr_ref=10 ** rng.uniform(0.5, 2.0, n_s),
        rcs_ref_m2=np.ones(n_s),
        range_ref_m=rng.uniform(3000, 10000, n_s),
        pfa=10 ** rng.uniform(-8, -3, n_s),
        azimuth_rad=rng.uniform(-np.pi, np.pi, n_s),
        half_sector_rad=np.where(sector, rng.uniform(0.2, 2.0, n_s), np.pi),
        clutter_height_m=rng.uniform(0, 60, n_s),
        clutter_range_m=rng.uniform(0, 8000, n_s),
        clutter_loss_db=rng.uniform(0, 20, n_s),
    )


def _run(
    mode_seq: tuple[int, ...], args: tuple, n: int, n_s: int
) -> tuple[np.ndarray, ...]:
    snr, pd, u = np.zeros((n, n_s)), np.zeros((n, n_s)), np.zeros((n, n_s))
    unit = np.empty(n, dtype=np.int64)
    for mode in mode_seq:
        _detect(*args, snr, pd, u, unit, mode)
    return snr, pd, u, unit


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_s=st.integers(1, 6),
    n_d=st.integers(1, 40),
    n_rep=st.integers(1, 3),
    p_sw0=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_first_then_rest_equals_all(
    seed: int, n_s: int, n_d: int, n_rep: int, p_sw0: float
) -> None:
    """FIRST then REST writes ALL's values; FIRST alone gives ALL's first radars."""
    rng = np.random.default_rng(seed)
    radars = _radars(rng, n_s)
    pos = np.column_stack(
        [rng.uniform(-9000, 9000, (n_rep * n_d, 2)), rng.uniform(0, 3000, n_rep * n_d)]
    )
    # Some drones in airborne order, not all: the kernel indexes by flat number.
    k = np.flatnonzero(rng.random(n_rep * n_d) < 0.8)
    scan_no = np.where(rng.random(n_s) < 0.8, rng.integers(0, 50, n_s), -1)
    args = (
        k,
        n_d,
        pos,
        10 ** rng.uniform(-2, 1, n_d),
        np.where(rng.random(n_d) < p_sw0, 0, 1).astype(np.int64),
        radars,
        scan_no.astype(np.int64),
        rng.integers(0, 2**62, (n_s, 2)),
        rng.integers(0, 1000, n_rep),
        rng.integers(0, 2**62, (n_d, 2)),
    )
    n = len(k)
    s_all, pd_all, u_all, unit_all = _run((ALL,), args, n, n_s)
    _, pd_first, _, unit_first = _run((FIRST,), args, n, n_s)
    np.testing.assert_array_equal(unit_first, unit_all)
    # FIRST skips only pairs after a drone's first detecting radar.
    q = np.arange(n_s)
    after = (unit_all[:, None] >= 0) & (q[None, :] > unit_all[:, None])
    np.testing.assert_array_equal(pd_first[~after], pd_all[~after])
    assert (pd_first[after] == -1.0).all()
    s_rest, pd_rest, u_rest, unit_rest = _run((FIRST, REST), args, n, n_s)
    np.testing.assert_array_equal(unit_rest, unit_all)
    np.testing.assert_array_equal(pd_rest, pd_all)
    covered = ~(pd_all < 0.0)  # Pd >= 0, or NaN for a Swerling 0 drone in coverage
    np.testing.assert_array_equal(s_rest[covered], s_all[covered])
    np.testing.assert_array_equal(u_rest[covered], u_all[covered])
