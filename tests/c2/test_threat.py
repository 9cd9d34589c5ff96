"""The threat value: the compiled per-drone form skips only what cannot win.

``entry_threat`` (the decide stage's, the cameras' tasking's and the minimal kernel's)
skips an asset beyond 40 danger radii and an asset whose value is bounded below the
best so far. Neither may change a bit: the value and the time to go must be those of
:func:`threat_values_and_time`, which evaluates every asset (the first maximum in
asset order). Drones are drawn anywhere, hovering, and on rays that pass an asset at
40 danger radii, give or take a few ulps, where the skip meets the exponential's
underflow.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.c2.threat import entry_threat, threat_values_and_time


def _layout(
    rng: np.random.Generator, n_sites: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites up to 40 km apart, each with 1-6 assets within 1.5 km of its center.

    Radii and values include 0, values repeat (ties in the maximum), and some
    assets have a twin at the same place worth as much or a hair more.
    """
    pos, radius, value = [], [], []
    for _ in range(n_sites):
        c = rng.uniform(-40000, 40000, 2)
        for _ in range(int(rng.integers(1, 7))):
            pos.append([*(c + rng.uniform(-1500, 1500, 2)), rng.uniform(0, 50)])
            radius.append(rng.choice([0.0, 20.0, rng.uniform(1, 150)]))
            value.append(rng.choice([0.0, 1e6, 10 ** rng.uniform(5, 8)]))
            if rng.random() < 0.3:  # its twin, worth a hair more (or the same)
                pos.append(pos[-1])
                radius.append(radius[-1])
                value.append(value[-1] * (1.0 + rng.choice([0.0, 1e-12, 1e-4])))
    return np.array(pos), np.array(radius), np.array(value)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_sites=st.integers(1, 4),
    edge=st.sampled_from([0.0, 1e-15, -1e-15, 1e-9, -1e-9, -0.03, 0.5, -1.0]),
)
def test_skips_change_no_bit(seed: int, n_sites: int, edge: float) -> None:
    """The compiled threat value equals the vectorised one over every asset."""
    rng = np.random.default_rng(seed)
    pos, radius, value = _layout(rng, n_sites)
    n = 64
    lethal = rng.choice([0.0, 5.0, 30.0], n)
    margin, tau = float(rng.choice([0.0, 20.0, 200.0])), float(rng.uniform(1, 60))
    p = rng.uniform(-60000, 60000, (n, 2))
    v = rng.uniform(-80, 80, (n, 2))
    # Half the drones on a ray passing an asset at 40 danger radii (1 + edge);
    # edge -1: straight over it.
    for i in range(n // 2):
        a = int(rng.integers(0, len(value)))
        r_d = max(radius[a] + lethal[i] + margin, 1e-9)
        normal = rng.normal(size=2)
        normal /= np.hypot(*normal)
        v[i] = rng.uniform(10, 80) * np.array([-normal[1], normal[0]])
        along = rng.uniform(-20000, 20000) * v[i] / np.hypot(*v[i])
        p[i] = pos[a, :2] + 40.0 * r_d * (1.0 + edge) * normal + along
    v[rng.random(n) < 0.1] = 0.0  # hovering: the closest approach is now
    # In a fresh process (kernels compiled, not loaded) the vectorised form has
    # raised NumPy's "invalid value" flag in CI on some drawn example, with
    # every value still equal below; the comparison is the test.
    with np.errstate(invalid="ignore"):
        want_v, want_t = threat_values_and_time(
            np.column_stack([p, np.zeros(n)]),
            np.column_stack([v, np.zeros(n)]),
            lethal,
            pos,
            radius,
            value,
            margin,
            tau,
        )
    for i in range(n):
        got = entry_threat(*p[i], *v[i], lethal[i], pos, radius, value, margin, tau)
        assert got == (want_v[i], want_t[i]), i


def test_no_assets_no_threat() -> None:
    """Without assets the value is 0 and the time to go infinite."""
    none = np.zeros((0, 3))
    got = entry_threat(0.0, 0.0, 1.0, 0.0, 0.0, none, np.zeros(0), np.zeros(0), 0, 1)
    assert got == (0.0, np.inf)
