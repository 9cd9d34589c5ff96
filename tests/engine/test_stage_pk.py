"""The guns' and launchers' ``evaluate_stages`` against their sparse evaluation per stage.

``evaluate_stages`` lists the look-ahead's later-stage kill probabilities in one
compiled pass that tests each (entry, unit) pair only at the stages where it may be
in reach; it must list exactly what
:func:`~skyscreen.engine.kinds.base.stage_pk_by_evaluation` (``evaluate_sparse``
stage by stage) lists: the same (row, stage, unit, entry) and bit-identical Pk.
Checked on random contexts over a real scenario's guns and launchers (positions in
and far out of reach, still, fast and head-on drones, leads of 1 to 64 stages,
doctrine floors, holds and reserves) and on contexts taken from a real run.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyscreen.engine import run_chunk
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.kinds.base import (
    StageContext,
    StagePk,
    stage_pk,
    stage_pk_by_evaluation,
)
from skyscreen.engine.kinds.gun import GunKind
from skyscreen.engine.kinds.missile import MissileKind
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import compile_scenario

KINDS = ("gun", "missile")
N_REP = 6


@cache
def _scenario() -> tuple[Any, Any]:
    """coastal-airbase compiled (6 guns, 2 launchers) and its layout."""
    p = compile_scenario(load_scenario(example_path("coastal-airbase")))
    return p, make_layout(p)


def _placed(name: str) -> Any:
    _, layout = _scenario()
    return next(pl for pl in layout.effectors if pl.kind.name == name)


def _n_weapons() -> int:
    _, layout = _scenario()
    return sum(pl.n for pl in layout.effectors if pl.kind.assignable)


def _as_dict(sp: StagePk) -> dict[tuple[int, int, int, int], float]:
    """(row, stage, unit, entry) -> Pk, checking the listing's own form."""
    n_a = len(sp.ptr) - 1
    assert sp.ptr[0] == 0
    assert (np.diff(sp.ptr) >= 0).all()
    assert sp.ptr[-1] == len(sp.pk) == len(sp.stage) == len(sp.unit) == len(sp.entry)
    row = np.repeat(np.arange(n_a), np.diff(sp.ptr))
    out = {
        (int(b), int(k), int(u), int(d)): float(pk)
        for b, k, u, d, pk in zip(row, sp.stage, sp.unit, sp.entry, sp.pk, strict=True)
    }
    assert len(out) == len(sp.pk), "a shot listed twice"
    return out


def _check(pl: Any, kst: Any, sctx: StageContext) -> int:
    """evaluate_stages equals stage_pk_by_evaluation exactly; returns the shots."""
    got = pl.kind.evaluate_stages(pl, kst, sctx)
    want = stage_pk_by_evaluation(pl, kst, sctx)
    assert got.ptr.shape == (len(sctx.rows) + 1,)
    np.testing.assert_array_equal(got.ptr, want.ptr)
    a, b = _as_dict(got), _as_dict(want)
    assert a.keys() == b.keys()
    bad = [key for key in a if a[key] != b[key]]  # exact: the same bits
    assert not bad, [(key, a[key], b[key]) for key in bad[:5]]
    if len(got.stage):
        assert got.stage.min() >= 1
        assert got.stage.max() < len(sctx.leads_s)
        assert (got.pk > 0.0).all()
    return len(a)


def _unit_positions() -> np.ndarray:
    return np.concatenate([_placed(name).params.pos_m for name in KINDS])


def _draw_context(rng: np.random.Generator, knobs: dict[str, Any]) -> StageContext:
    """A random StageContext over the scenario's picture entries (one per drone)."""
    p, _ = _scenario()
    n_e = p.drones.n
    rows = np.sort(rng.choice(N_REP, knobs["n_rows"], replace=False))
    n_a = len(rows)
    units = _unit_positions()
    # Positions: near a unit, around the base within a few ranges, far, very far.
    unit = rng.integers(len(units), size=(n_a, n_e))
    where = rng.integers(5, size=(n_a, n_e))[..., None]
    scale = np.choose(where[..., 0], [30.0, 3e3, 1e4, 1e5, 1e7])[..., None]
    pos = units[unit] + rng.normal(size=(n_a, n_e, 3)) * scale
    on_unit = rng.random((n_a, n_e)) < 0.03
    pos[on_unit] = units[unit[on_unit]]
    # Velocities: still, slow, fast, very fast, and straight at (or just past) a unit.
    speed = np.choose(rng.integers(5, size=(n_a, n_e)), [0.0, 1e-7, 20.0, 80.0, 2000.0])
    dirs = rng.normal(size=(n_a, n_e, 3))
    aim = rng.random((n_a, n_e)) < 0.4
    target = units[rng.integers(len(units), size=(n_a, n_e))]
    miss = rng.normal(size=(n_a, n_e, 3)) * rng.choice([0.0, 5.0, 300.0], (n_a, n_e, 1))
    dirs[aim] = (target + miss - pos)[aim]
    norm = np.linalg.norm(dirs, axis=-1, keepdims=True)
    vel = dirs / np.where(norm > 0.0, norm, 1.0) * speed[..., None]
    t_go = np.choose(
        rng.integers(4, size=(n_a, n_e)),
        [
            np.zeros((n_a, n_e)),
            rng.uniform(0.0, 20.0, (n_a, n_e)),
            rng.uniform(0.0, 400.0, (n_a, n_e)),
            np.full((n_a, n_e), np.inf),
        ],
    )
    return StageContext(
        rows=rows,
        eligible=rng.random((n_a, n_e)) < knobs["p_eligible"],
        free=rng.random((N_REP, _n_weapons())) < knobs["p_free"],
        pos_m=pos,
        vel_mps=vel,
        values=rng.choice([0.0, 1e4, 5e4, 1e5, 5e5, 1e6], (n_a, n_e)),
        t_go_s=t_go,
        leads_s=np.arange(knobs["n_k"]) * knobs["period"],
        raid_idx=p.drones.raid_idx,
        min_shot_pk=knobs["min_pk"],
        hold_range_m=knobs["hold"],
        missile_min_time_to_go_s=knobs["min_ttg"],
        missile_reserve_rounds=knobs["reserve"],
        reserve_min_value_usd=knobs["reserve_value"],
    )


def _draw_state(pl: Any, rng: np.random.Generator) -> Any:
    kst = pl.kind.init(pl, N_REP, 7)
    if pl.kind.name == "gun":
        kst.az_rad[:] = rng.uniform(-np.pi, np.pi, kst.az_rad.shape)
        kst.el_rad[:] = rng.uniform(-0.2, 1.5, kst.el_rad.shape)
    else:
        kst.ready[:] = rng.integers(0, 5, kst.ready.shape)
    return kst


KNOBS = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "n_rows": st.integers(1, N_REP),
        "n_k": st.integers(2, 64),
        "period": st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 5.0]),
        "p_eligible": st.sampled_from([0.5, 0.9, 1.0]),
        "p_free": st.sampled_from([0.3, 0.8, 1.0]),
        "min_pk": st.one_of(st.just(0.0), st.floats(0.0, 0.5)),
        "hold": st.one_of(st.just(np.inf), st.floats(0.0, 12_000.0)),
        "min_ttg": st.sampled_from([0.0, 5.0, 30.0]),
        "reserve": st.integers(0, 3),
        "reserve_value": st.sampled_from([0.0, 5e4, 5e5]),
    }
)


@pytest.mark.parametrize("name", KINDS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knobs=KNOBS)
def test_evaluate_stages_equals_stage_by_stage(
    name: str, knobs: dict[str, Any]
) -> None:
    """The same shots and the same Pk bits as the sparse evaluation per stage."""
    rng = np.random.default_rng(knobs["seed"])
    pl = _placed(name)
    kst = _draw_state(pl, rng)
    _check(pl, kst, _draw_context(rng, knobs))


@pytest.mark.parametrize("name", KINDS)
def test_evaluate_stages_lists_shots(name: str) -> None:
    """A context around the base lists many shots, at many stages (not vacuous)."""
    rng = np.random.default_rng(5)
    knobs = {
        "n_rows": N_REP, "n_k": 40, "period": 2.0, "p_eligible": 1.0, "p_free": 1.0,
        "min_pk": 0.05, "hold": np.inf, "min_ttg": 0.0, "reserve": 0,
        "reserve_value": 0.0,
    }  # fmt: skip
    pl = _placed(name)
    sctx = _draw_context(rng, knobs)
    n = _check(pl, _draw_state(pl, rng), sctx)
    assert n > 100
    got = pl.kind.evaluate_stages(pl, _draw_state(pl, rng), sctx)
    assert len(np.unique(got.stage)) > 10


@pytest.mark.parametrize("name", KINDS)
def test_edges(name: str) -> None:
    """One stage (nothing later), no rows, and buffers too short on the first try."""
    rng = np.random.default_rng(9)
    pl = _placed(name)
    kst = _draw_state(pl, rng)
    base = {
        "n_rows": N_REP, "n_k": 64, "period": 0.5, "p_eligible": 1.0, "p_free": 1.0,
        "min_pk": 0.0, "hold": np.inf, "min_ttg": 0.0, "reserve": 0,
        "reserve_value": 0.0,
    }  # fmt: skip
    one = _draw_context(rng, base | {"n_k": 1})
    assert _check(pl, kst, one) == 0
    got = pl.kind.evaluate_stages(pl, kst, one)
    np.testing.assert_array_equal(got.ptr, np.zeros(N_REP + 1, dtype=np.int64))
    assert _check(pl, kst, _draw_context(rng, base | {"n_rows": 0})) == 0
    # Every entry hovering near a unit for 64 stages: more shots than the first
    # buffers hold (4 per row, unit and stage), so the kernel runs again.
    sctx = _draw_context(rng, base)
    units = _unit_positions()
    near = units[rng.integers(len(units), size=sctx.pos_m.shape[:2])]
    sctx.pos_m[...] = near + rng.normal(size=near.shape) * 600.0
    sctx.pos_m[..., 2] = rng.uniform(100.0, 400.0, near.shape[:-1])
    sctx.vel_mps[...] = 0.0
    sctx.t_go_s[...] = np.inf
    n = _check(pl, kst, sctx)
    assert n > 4 * N_REP * pl.n * 63


# Contexts from a real run: at each decision cycle the kind's state (gun pointing,
# rounds ready) and the true picture of the chunk, every later stage.
@pytest.mark.parametrize("kind_cls", [GunKind, MissileKind])
def test_equal_on_a_run(kind_cls: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    p, _ = _scenario()
    n_w = _n_weapons()
    period = float(p.doctrine.decision_period_s)
    rng = np.random.default_rng(3)
    free = kind_cls.free
    seen = {"cycles": 0, "shots": 0}

    def spy(self: Any, pl: Any, kst: Any, chunk: Any, slots: Any, t1: float) -> Any:
        out = free(self, pl, kst, chunk, slots, t1)
        seen["cycles"] += 1
        if seen["cycles"] % 5 == 0:
            rows = np.flatnonzero(chunk.airborne().any(axis=1))
            pos = chunk.pos_m[rows]
            vel = chunk.vel_mps[rows]
            dist = np.linalg.norm(pos[..., :2], axis=-1)
            speed = np.linalg.norm(vel, axis=-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                t_go = np.where(speed > 0.0, dist / speed, np.inf)
            weapons = np.ones((chunk.n_rep, n_w), dtype=bool)
            weapons[:, pl.weapon : pl.weapon + pl.n] = pl.kind.shots_left(pl, kst) > 0
            sctx = StageContext(
                rows=rows,
                eligible=chunk.airborne()[rows],
                free=weapons,
                pos_m=pos,
                vel_mps=vel,
                values=rng.choice([1e4, 1e6], t_go.shape),
                t_go_s=t_go,
                leads_s=np.arange(30) * period,
                raid_idx=p.drones.raid_idx,
                min_shot_pk=float(p.doctrine.min_shot_pk),
                hold_range_m=np.inf,
                missile_min_time_to_go_s=float(p.doctrine.missile_min_time_to_go_s),
                missile_reserve_rounds=1,
                reserve_min_value_usd=1e5,
            )
            seen["shots"] += _check(pl, kst, sctx)
        return out

    monkeypatch.setattr(kind_cls, "free", spy)
    run_chunk(p, np.arange(4), 11)
    assert seen["cycles"] > 10
    assert seen["shots"] > 0


ELEVATIONS = np.array(
    [-0.5 * np.pi, -0.3, -1e-4, 0.0, 0.05, 0.7, *np.deg2rad([89.9, 89.95]), 0.5 * np.pi]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    limits=st.tuples(st.integers(0, 8), st.integers(0, 8)).map(sorted),
)
def test_guns_elevation_limits_at_their_edges(seed: int, limits: list[int]) -> None:
    """Drones on the lines of sight of the guns' elevation limits list what they should.

    The guns' stage kernel decides elevation limits by tangents where clearly met,
    and skips the elevation's arctangent where the azimuth slew clearly dominates;
    drones on the limits' lines of sight (and a hair either side), with the gun
    pointed anywhere, must list what the arctangents list. Limits from the vertical
    down, two of them within a milliradian of it (the exact test only).
    """
    rng = np.random.default_rng(seed)
    base = _placed("gun")
    lo, hi = ELEVATIONS[limits[0]], ELEVATIONS[limits[1]]
    params = replace(
        base.params,
        elevation_min_rad=np.full(base.n, lo),
        elevation_max_rad=np.full(base.n, hi),
        range_min_m=np.zeros(base.n),
    )
    pl = replace(base, params=params)
    kst = _draw_state(pl, rng)
    if rng.random() < 0.5:
        kst.el_rad[:] = rng.choice(ELEVATIONS, kst.el_rad.shape)
    knobs = {
        "n_rows": N_REP, "n_k": 6, "period": 1.0, "p_eligible": 1.0, "p_free": 1.0,
        "min_pk": 0.0, "hold": np.inf, "min_ttg": 0.0, "reserve": 0,
        "reserve_value": 0.0,
    }  # fmt: skip
    sctx = _draw_context(rng, knobs)
    # Each entry on a line of sight of a gun at a limit's elevation, nudged by
    # -1e-6 .. 1e-6 rad (0 and 1e-12 among them), at 100 m to 3 km.
    n_a, n_e = sctx.pos_m.shape[:2]
    gun = params.pos_m[rng.integers(base.n, size=(n_a, n_e))]
    el = rng.choice([lo, hi], (n_a, n_e)) + rng.choice(
        [0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6], (n_a, n_e)
    )
    az = rng.uniform(-np.pi, np.pi, (n_a, n_e))
    rng_m = rng.uniform(100.0, 3000.0, (n_a, n_e))
    sctx.pos_m[...] = gun + rng_m[..., None] * np.stack(
        [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1
    )
    sctx.vel_mps[...] *= rng.choice([0.0, 1.0], (n_a, n_e, 1)) * 1e-3
    sctx.t_go_s[...] = np.inf
    _check(pl, kst, sctx)


def test_stage_pk_resumes_at_the_row_that_overflowed() -> None:
    """Buffers grown mid-call keep the rows before the overflow and redo only that row."""
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 3000, 40)  # shots per row, far beyond the first buffers
    calls: list[int] = []

    def fill(bufs: Any) -> int:
        ptr, stage, unit, entry, pk, b0, n0 = bufs
        calls.append(b0)
        n, cap = n0, len(pk)
        for b in range(b0, len(counts)):
            ptr[b] = n
            for t in range(counts[b]):
                if n < cap:
                    stage[n], unit[n], entry[n], pk[n] = b, t, -b, b + t / 1e4
                n += 1
            if n > cap:
                return -(b + 1)
        ptr[len(counts)] = n
        return n

    got = stage_pk(fill, len(counts), 1, 2)
    assert len(calls) > 2  # resumed ...
    assert calls == sorted(calls)  # ... and never went back
    np.testing.assert_array_equal(np.diff(got.ptr), counts)
    row = np.repeat(np.arange(len(counts)), counts)
    np.testing.assert_array_equal(got.stage, row)
    np.testing.assert_array_equal(got.entry, -row)
    np.testing.assert_array_equal(
        got.unit, np.concatenate([np.arange(c) for c in counts])
    )
    np.testing.assert_array_equal(got.pk, row + got.unit / 1e4)
