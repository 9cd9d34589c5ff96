"""Scene generators of the tracker tests (numpy only).

A small, self-contained version of the Stone Soup peer harness's generator
(``shared/peers/stonesoup/make_scenario.py``): nearly-constant-velocity targets in a
box, detections with probability ``pd`` and Gaussian noise, Poisson clutter uniform in
the box, rows shuffled within a scan. The tests must not depend on the shared folder,
so this is a copy of the format, not an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest


@dataclass(frozen=True)
class Scene:
    """Truth and measurements of one scene (one row per truth / measurement)."""

    dim: int
    steps: int
    sigma: float
    clutter_density: float
    truth_step: np.ndarray  # (n,)
    truth_id: np.ndarray  # (n,)
    truth_pos: np.ndarray  # (n, dim)
    meas_step: np.ndarray  # (m,)
    meas_pos: np.ndarray  # (m, dim)
    meas_label: np.ndarray  # (m,) target id, -1 for clutter

    def scan_arrays(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and labels of scan ``k``."""
        sel = self.meas_step == k
        return self.meas_pos[sel], self.meas_label[sel]


def _ncv(dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    F = np.array([[1.0, dt], [0.0, 1.0]])
    Q = q * np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]])
    return F, Q


def make_scene(
    *,
    n_targets: int = 5,
    steps: int = 50,
    seed: int = 1,
    dim: int = 2,
    box: float = 20000.0,
    speed: tuple[float, float] = (20.0, 60.0),
    q: float = 0.05,
    sigma: float = 10.0,
    pd: float = 0.9,
    clutter: float = 10.0,
    dt: float = 1.0,
    start: np.ndarray | None = None,
    velocity: np.ndarray | None = None,
    always_alive: bool = False,
) -> Scene:
    """A scene of NCV targets; ``start``/``velocity`` (n, dim) pin the initial states.

    Targets are born and die at staggered steps unless ``always_alive``; the vertical
    axis (3-D) moves at a tenth of the horizontal speed inside ``[0, box / 10]``.
    """
    rng = np.random.default_rng(seed)
    F, Q = _ncv(dt, q)
    L = np.linalg.cholesky(Q + 1e-12 * np.eye(2))
    if always_alive:
        births = np.zeros(n_targets, dtype=np.int64)
        deaths = np.full(n_targets, steps, dtype=np.int64)
    else:
        births = np.sort(rng.integers(0, max(1, int(0.5 * steps)), size=n_targets))
        births[0] = 0
        life = rng.integers(max(2, int(0.4 * steps)), steps + 1, size=n_targets)
        deaths = np.minimum(steps, births + life)
    t_rows: list[tuple[int, int, np.ndarray]] = []
    for i in range(n_targets):
        if start is not None:
            p = np.asarray(start[i], dtype=float).copy()
        else:
            p = rng.uniform(0.2 * box, 0.8 * box, size=dim)
            if dim == 3:
                p[2] = rng.uniform(0.02 * box, 0.08 * box)
        if velocity is not None:
            v = np.asarray(velocity[i], dtype=float).copy()
        else:
            s = rng.uniform(*speed)
            h = rng.uniform(0.0, 2.0 * np.pi)
            v = np.zeros(dim)
            v[0], v[1] = s * np.cos(h), s * np.sin(h)
            if dim == 3:
                v[2] = rng.uniform(-0.1, 0.1) * s
        for k in range(births[i], deaths[i]):
            if k > births[i]:
                for a in range(dim):
                    sa = F @ np.array([p[a], v[a]]) + L @ rng.standard_normal(2)
                    p[a], v[a] = sa
            t_rows.append((int(k), i, p.copy()))
    t_rows.sort(key=lambda r: (r[0], r[1]))
    truth_step = np.array([r[0] for r in t_rows], dtype=np.int64)
    truth_id = np.array([r[1] for r in t_rows], dtype=np.int64)
    truth_pos = np.array([r[2] for r in t_rows]).reshape(-1, dim)
    lo = np.zeros(dim)
    hi = np.full(dim, box)
    if dim == 3:
        hi[2] = box / 10.0
    volume = float(np.prod(hi - lo))
    m_step: list[int] = []
    m_pos: list[np.ndarray] = []
    m_lab: list[int] = []
    for k in range(steps):
        rows = np.flatnonzero(truth_step == k)
        det = rng.random(len(rows)) < pd
        noise = rng.standard_normal((len(rows), dim)) * sigma
        pos = [truth_pos[r] + noise[j] for j, r in enumerate(rows) if det[j]]
        lab = [int(truth_id[r]) for j, r in enumerate(rows) if det[j]]
        n_c = rng.poisson(clutter)
        for c in rng.uniform(lo, hi, size=(n_c, dim)):
            pos.append(c)
            lab.append(-1)
        for j in rng.permutation(len(pos)):
            m_step.append(k)
            m_pos.append(pos[j])
            m_lab.append(lab[j])
    return Scene(
        dim=dim,
        steps=steps,
        sigma=sigma,
        clutter_density=max(clutter, 1e-3) / volume,
        truth_step=truth_step,
        truth_id=truth_id,
        truth_pos=truth_pos,
        meas_step=np.array(m_step, dtype=np.int64),
        meas_pos=np.array(m_pos, dtype=float).reshape(-1, dim),
        meas_label=np.array(m_lab, dtype=np.int64),
    )


def scene_batch(
    scenes: list[Scene], k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``scan`` inputs (z, zcov, n_meas, label) of scan ``k`` of several scenes."""
    per = [s.scan_arrays(k) for s in scenes]
    dim = scenes[0].dim
    m_max = max(1, max(len(p) for p, _ in per))
    n_rep = len(scenes)
    z = np.zeros((n_rep, m_max, dim))
    zc = np.zeros((n_rep, m_max, dim, dim))
    lab = np.full((n_rep, m_max), -1, dtype=np.int64)
    n = np.zeros(n_rep, dtype=np.int64)
    for r, (p, lb) in enumerate(per):
        n[r] = len(p)
        z[r, : len(p)] = p
        lab[r, : len(p)] = lb
        zc[r] = np.eye(dim) * scenes[r].sigma ** 2
    return z, zc, n, lab


@pytest.fixture(scope="session")
def scene_factory() -> Any:
    """The scene generator :func:`make_scene`."""
    return make_scene


@pytest.fixture(scope="session")
def batch_of() -> Any:
    """The batcher :func:`scene_batch`."""
    return scene_batch
