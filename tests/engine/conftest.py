"""Fixtures of the engine tests: test-only kinds, one of each shape the next issues need.

Each is a real, small implementation of the kinds protocol
(:mod:`skyscreen.engine.kinds.base`), not a stub: a laser whose dwell the target can
break, a microwave whose one pulse reaches every drone in range, an interceptor that
flies its own pursuit, and a camera that slews to the air picture's cue. Parameters
are plain attributes; ``params_of`` hands them to the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from skyscreen.engine.rng import draw, stream_key
from skyscreen.engine.shots import launch_shot

_PURPOSE = 100  # a purpose number no registered kind uses


@dataclass(frozen=True)
class Units:
    """A mock kind's parameter block: ids and positions of its units."""

    ids: tuple[str, ...]
    pos_m: np.ndarray
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


def _units(
    prefix: str, positions: list[tuple[float, float, float]], **extra: float
) -> Units:
    return Units(
        tuple(f"{prefix}-{i}" for i in range(len(positions))),
        np.asarray(positions, dtype=np.float64).reshape(-1, 3),
        extra,
    )


class _Effector:
    """What every mock effector shares: no reloads, no area effect by default."""

    name = "mock"
    purpose = _PURPOSE
    assignable = True
    columns: tuple[str, ...] = ("engagements",)

    def __init__(self, units: Units) -> None:
        self.units = units

    def params_of(self, p: Any) -> Units:
        return self.units

    def reload(self, pl: Any, kst: Any, t1: float) -> None:
        pass

    def act(self, pl: Any, kst: Any, st: Any, t0: float, t1: float, ev: Any) -> None:
        return None

    def shot_slots(self, pl: Any) -> np.ndarray:
        return np.zeros(pl.n, dtype=np.int64)

    def shot_cost(self, pl: Any) -> np.ndarray:
        return np.ones(pl.n)

    def cost(self, pl: Any, kst: Any) -> np.ndarray:
        return kst.engagements * 1.0

    def accounting(self, pl: Any, kst: Any) -> dict[str, np.ndarray]:
        return {"engagements": kst.engagements}

    def in_envelope(self, pl: Any, unit: np.ndarray, pos_m: np.ndarray) -> np.ndarray:
        rng = np.linalg.norm(pos_m - pl.params.pos_m[unit], axis=-1)
        return rng <= pl.params.extra["range_m"] * 1.001

    def _pk_in_range(self, pl: Any, ctx: Any, out_pk: np.ndarray, pk: float) -> None:
        """``pk`` for eligible entries within range of each unit, else 0."""
        pos = ctx.pos_m[ctx.rows]  # (B, E, 3)
        for k in range(pl.n):
            rng = np.linalg.norm(pos - pl.params.pos_m[k], axis=-1)
            ok = ctx.eligible[ctx.rows] & (rng <= pl.params.extra["range_m"])
            out_pk[:, k, :] = np.where(ok & (pk >= ctx.min_shot_pk), pk, 0.0)

    def _keys(self, pl: Any, seed: int) -> list[tuple[int, int]]:
        return [stream_key(seed, _PURPOSE, i) for i in pl.params.ids]


@dataclass
class LaserState:
    target: np.ndarray
    dwell_end_s: np.ndarray
    shots_left: np.ndarray
    engagements: np.ndarray
    broken: np.ndarray
    keys: list[tuple[int, int]]


class MockLaser(_Effector):
    """Dwell to kill: engaged from t to t + dwell unless the target is lost first.

    The energy of a shot is spent when the dwell starts, whether it ends in a kill or
    is broken (the target dies, or leaves the range).
    """

    name = "mock_laser"  # the registered kind is "laser"

    def init(self, pl: Any, n_rep: int, seed: int) -> LaserState:
        shape = (n_rep, pl.n)
        return LaserState(
            target=np.full(shape, -1, dtype=np.int64),
            dwell_end_s=np.full(shape, np.inf),
            shots_left=np.full(shape, int(pl.params.extra["shots"]), dtype=np.int64),
            engagements=np.zeros(shape, dtype=np.int64),
            broken=np.zeros(shape, dtype=np.int64),
            keys=self._keys(pl, seed),
        )

    def busy(self, kst: LaserState) -> bool:
        return bool((kst.target >= 0).any())

    def magazine(self, kst: LaserState) -> np.ndarray:
        return kst.shots_left

    def free(
        self, pl: Any, kst: LaserState, st: Any, slots: Any, t1: float
    ) -> np.ndarray:
        return (kst.target < 0) & (kst.shots_left > 0)

    def evaluate(self, pl, kst, ctx, out_pk, out_aux) -> None:  # type: ignore[no-untyped-def]
        self._pk_in_range(pl, ctx, out_pk, 0.8)
        out_aux[...] = 0.0

    def commit(self, pl, kst, ra, unit, da, t1, aux) -> None:  # type: ignore[no-untyped-def]
        kst.target[ra, unit] = da
        kst.dwell_end_s[ra, unit] = t1 + pl.params.extra["dwell_s"]
        kst.shots_left[ra, unit] -= 1
        kst.engagements[ra, unit] += 1

    def fire(self, pl, kst, st, slots, step, t1, ev) -> None:  # type: ignore[no-untyped-def]
        if ev is None:
            return
        started = (kst.target >= 0) & (
            kst.dwell_end_s == t1 + pl.params.extra["dwell_s"]
        )
        r, k = np.nonzero(started)
        ev.add(
            "fire",
            r,
            t1,
            kst.target[r, k],
            pl.unit + k,
            st.pos_m[r, kst.target[r, k]],
            1,
        )

    def resolve(self, pl, kst, st, t0, t1, ev):  # type: ignore[no-untyped-def]
        t_kill = np.full(st.status.shape, np.inf)
        eff = np.full(st.status.shape, -1, dtype=np.int64)
        r, k = np.nonzero(kst.target >= 0)
        if len(r) == 0:
            return None
        d = kst.target[r, k]
        alive = st.airborne()[r, d]
        rng = np.linalg.norm(st.pos_m[r, d] - pl.params.pos_m[k], axis=-1)
        held = alive & (rng <= pl.params.extra["range_m"])
        done = held & (kst.dwell_end_s[r, k] <= t1)
        over = done | ~held
        if over.any():
            kst.broken[r[~held], k[~held]] += 1
            st.pending[r[over], d[over]] -= 1
            st.assessed_s[r[over], d[over]] = t1
            kst.target[r[over], k[over]] = -1
            kst.dwell_end_s[r[over], k[over]] = np.inf
        if done.any():
            rd, kd, dd = r[done], k[done], d[done]
            u = np.array(
                [
                    draw(kst.keys[kk], st.reps[[rr]], st.drone_key[[d_]], int(t1))[0]
                    for rr, kk, d_ in zip(rd, kd, dd, strict=True)
                ]
            )
            kill = u < 0.8
            t_kill[rd[kill], dd[kill]] = t1
            eff[rd[kill], dd[kill]] = pl.index + kd[kill]
        return t_kill, eff


@dataclass
class PulseState:
    target: np.ndarray
    engagements: np.ndarray
    keys: list[tuple[int, int]]


class MockMicrowave(_Effector):
    """One pulse at an aim point defeats, independently, every drone within range."""

    name = "mock_microwave"  # the registered kind is "microwave"

    def init(self, pl: Any, n_rep: int, seed: int) -> PulseState:
        shape = (n_rep, pl.n)
        return PulseState(
            target=np.full(shape, -1, dtype=np.int64),
            engagements=np.zeros(shape, dtype=np.int64),
            keys=self._keys(pl, seed),
        )

    def shot_slots(self, pl: Any) -> np.ndarray:
        return np.full(pl.n, pl.scenario.drones.n, dtype=np.int64)

    def busy(self, kst: PulseState) -> bool:
        return bool((kst.target >= 0).any())

    def magazine(self, kst: PulseState) -> None:
        return None

    def resolve(self, pl, kst, st, t0, t1, ev):  # type: ignore[no-untyped-def]
        return None

    def free(
        self, pl: Any, kst: PulseState, st: Any, slots: Any, t1: float
    ) -> np.ndarray:
        return (kst.target < 0) & ~st.shot_active[:, slots.slot_start[pl.index] :][
            :, : slots.slot_count[pl.index] * pl.n
        ].reshape(st.n_rep, pl.n, -1).any(axis=2)

    def evaluate(self, pl, kst, ctx, out_pk, out_aux) -> None:  # type: ignore[no-untyped-def]
        self._pk_in_range(pl, ctx, out_pk, 0.5)
        out_aux[...] = 0.0

    def commit(self, pl, kst, ra, unit, da, t1, aux) -> None:  # type: ignore[no-untyped-def]
        kst.target[ra, unit] = da
        kst.engagements[ra, unit] += 1

    def fire(self, pl, kst, st, slots, step, t1, ev) -> None:  # type: ignore[no-untyped-def]
        alive = st.airborne()
        for k in range(pl.n):
            rows = np.flatnonzero(kst.target[:, k] >= 0)
            for r in rows:
                aim = kst.target[r, k]
                kst.target[r, k] = -1
                rng = np.linalg.norm(st.pos_m[r] - pl.params.pos_m[k], axis=-1)
                hit = np.flatnonzero(alive[r] & (rng <= pl.params.extra["range_m"]))
                if aim not in hit:  # the aim left the beam: the pulse is not fired
                    st.pending[r, aim] -= 1
                    continue
                others = hit[hit != aim]
                for group, assigned in ((np.array([aim]), True), (others, False)):
                    if len(group) == 0:
                        continue
                    rr = np.full(len(group), r)
                    u = draw(kst.keys[k], st.reps[rr], st.drone_key[group], step)
                    launch_shot(
                        st,
                        slots,
                        pl.index + k,
                        rr,
                        group,
                        np.full(len(group), t1),
                        u < 0.5,
                        np.full(len(group), 0.5),
                        t1,
                        assigned,
                    )
                if ev is not None:
                    ev.add(
                        "fire",
                        np.array([r]),
                        t1,
                        aim,
                        pl.unit + k,
                        st.pos_m[[r], aim],
                        1,
                    )


@dataclass
class InterceptorState:
    pos_m: np.ndarray
    flying: np.ndarray
    target: np.ndarray
    rack: np.ndarray
    engagements: np.ndarray
    keys: list[tuple[int, int]]


class MockInterceptor(_Effector):
    """Expendable interceptor drones flying pure pursuit at the target's true position."""

    name = "mock_interceptor"  # the registered kind is "interceptor"

    def init(self, pl: Any, n_rep: int, seed: int) -> InterceptorState:
        shape = (n_rep, pl.n)
        return InterceptorState(
            pos_m=np.broadcast_to(pl.params.pos_m, (n_rep, pl.n, 3)).copy(),
            flying=np.zeros(shape, dtype=bool),
            target=np.full(shape, -1, dtype=np.int64),
            rack=np.full(shape, int(pl.params.extra["rack"]), dtype=np.int64),
            engagements=np.zeros(shape, dtype=np.int64),
            keys=self._keys(pl, seed),
        )

    def busy(self, kst: InterceptorState) -> bool:
        return bool(kst.flying.any())

    def magazine(self, kst: InterceptorState) -> np.ndarray:
        return kst.rack

    def free(
        self, pl: Any, kst: InterceptorState, st: Any, slots: Any, t1: float
    ) -> np.ndarray:
        return ~kst.flying & (kst.rack > 0)

    def evaluate(self, pl, kst, ctx, out_pk, out_aux) -> None:  # type: ignore[no-untyped-def]
        self._pk_in_range(pl, ctx, out_pk, 0.7)
        out_aux[...] = 0.0

    def commit(self, pl, kst, ra, unit, da, t1, aux) -> None:  # type: ignore[no-untyped-def]
        kst.flying[ra, unit] = True
        kst.target[ra, unit] = da
        kst.pos_m[ra, unit] = pl.params.pos_m[unit]
        kst.rack[ra, unit] -= 1
        kst.engagements[ra, unit] += 1

    def fire(self, pl, kst, st, slots, step, t1, ev) -> None:  # type: ignore[no-untyped-def]
        if ev is None:
            return
        launched = kst.flying & np.all(kst.pos_m == pl.params.pos_m[None], axis=-1)
        r, k = np.nonzero(launched)
        ev.add(
            "fire",
            r,
            t1,
            kst.target[r, k],
            pl.unit + k,
            st.pos_m[r, kst.target[r, k]],
            1,
        )

    def resolve(self, pl, kst, st, t0, t1, ev):  # type: ignore[no-untyped-def]
        r, k = np.nonzero(kst.flying)
        if len(r) == 0:
            return None
        t_kill = np.full(st.status.shape, np.inf)
        eff = np.full(st.status.shape, -1, dtype=np.int64)
        d = kst.target[r, k]
        step_m = pl.params.extra["speed_mps"] * (t1 - t0)
        rel = st.pos_m[r, d] - kst.pos_m[r, k]
        dist = np.linalg.norm(rel, axis=-1)
        lost = ~st.airborne()[r, d]
        closed = ~lost & (dist <= step_m)
        move = ~lost & ~closed
        kst.pos_m[r[move], k[move]] += rel[move] / dist[move, None] * step_m
        over = lost | closed
        if over.any():
            kst.flying[r[over], k[over]] = False
            st.pending[r[over], d[over]] -= 1
            st.assessed_s[r[over], d[over]] = t1
        if closed.any():
            rc, kc, dc = r[closed], k[closed], d[closed]
            u = np.array(
                [
                    draw(kst.keys[kk], st.reps[[rr]], st.drone_key[[d_]], int(t1))[0]
                    for rr, kk, d_ in zip(rc, kc, dc, strict=True)
                ]
            )
            kill = u < 0.7
            t_kill[rc[kill], dc[kill]] = t1
            eff[rc[kill], dc[kill]] = pl.index + kc[kill]
        return t_kill, eff


class MockCamera:
    """A camera that slews toward the picture's first held entry and sees in its FOV."""

    name = "camera"
    purpose = _PURPOSE + 1

    def __init__(self, units: Units) -> None:
        self.units = units

    def params_of(self, p: Any) -> Units:
        return self.units

    def init(self, pl: Any, n_rep: int, seed: int) -> dict[str, Any]:
        return {
            "az": np.zeros((n_rep, pl.n)),
            "keys": [stream_key(seed, self.purpose, i) for i in pl.params.ids],
        }

    def sense(self, pl, kst, st, step, t0, t1, k, cue, ev=None):  # type: ignore[no-untyped-def]
        n_d = st.status.shape[1]
        ex = pl.params.extra
        if cue is not None:
            held = cue.valid
            first = np.argmax(held, axis=1)
            has = held.any(axis=1)
            for q in range(pl.n):
                aim = cue.pos_m[np.arange(st.n_rep), first] - pl.params.pos_m[q]
                want = np.arctan2(aim[:, 1], aim[:, 0])
                err = np.angle(np.exp(1j * (want - kst["az"][:, q])))
                turn = np.clip(
                    err, -ex["slew_rad_s"] * (t1 - t0), ex["slew_rad_s"] * (t1 - t0)
                )
                kst["az"][:, q] = np.where(has, kst["az"][:, q] + turn, kst["az"][:, q])
        if len(k) == 0:
            return None
        r, d = k // n_d, k % n_d
        hit = np.zeros(len(k), dtype=bool)
        unit = np.full(len(k), -1, dtype=np.int64)
        for q in range(pl.n):
            rel = st.pos_m[r, d] - pl.params.pos_m[q]
            bearing = np.arctan2(rel[:, 1], rel[:, 0])
            off = np.abs(np.angle(np.exp(1j * (bearing - kst["az"][r, q]))))
            seen = (np.linalg.norm(rel, axis=-1) <= ex["range_m"]) & (
                off <= ex["fov_rad"] / 2
            )
            u = draw(kst["keys"][q], st.reps[r], st.drone_key[d], step)
            new = seen & (u < 0.9) & ~hit
            unit[new] = q
            hit |= new
        return hit, unit


def mock_effectors() -> dict[str, Any]:
    """One of each mock effector kind, placed near the all-states base."""
    return {
        "mock_laser": MockLaser(
            _units(
                "laser", [(200.0, -200.0, 5.0)], range_m=2500.0, dwell_s=3.0, shots=6
            )
        ),
        "mock_microwave": MockMicrowave(
            _units("hpm", [(-150.0, 150.0, 5.0)], range_m=1200.0)
        ),
        "mock_interceptor": MockInterceptor(
            _units(
                "icpt", [(100.0, 400.0, 0.0)], range_m=5000.0, speed_mps=90.0, rack=4
            )
        ),
    }


def mock_camera() -> MockCamera:
    """A camera at the base (fov 20°, slewing 30°/s, 6 km)."""
    return MockCamera(
        _units(
            "cam",
            [(0.0, 50.0, 12.0)],
            range_m=6000.0,
            fov_rad=math.radians(20.0),
            slew_rad_s=math.radians(30.0),
        )
    )


@pytest.fixture
def make_mock_effectors() -> Any:
    """A factory of the mock effector kinds (fresh instances each call)."""
    return mock_effectors


@pytest.fixture
def make_mock_camera() -> Any:
    """A factory of the mock camera kind."""
    return mock_camera
