"""The interceptor kind: closed-form intercepts, tail chases, turnaround and Pk.

MODELS.md (Effectors, "Interceptor drone"): head-on against a non-manoeuvring target
at closing distance d the interceptor meets it at d/(v_i + v_t); in a tail chase at
d/(v_i − v_t) only if v_i > v_t, never otherwise. Whole runs (``run_chunk`` with
events) check the head-on time, the reusable interceptors' turnaround and the kill
fraction at closure; interceptors launched by hand (the kind's own ``commit`` and
``fire``, as tests/engine/test_laser.py does) check the tail chases; Hypothesis runs
the kind over its fields' ranges with its bookkeeping audited every step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from skyscreen.engine import (
    EFFECTOR_KINDS,
    EVENT_KINDS,
    SENSOR_KINDS,
    STATES,
    run_chunk,
)
from skyscreen.engine.codes import FLYING, OUTCOMES
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.kinds.interceptor import (
    COMMITTED,
    FREE,
    OUTBOUND,
    InterceptorKind,
)
from skyscreen.engine.setup import init_state
from skyscreen.models import interceptor as icpt_model
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.params import ScenarioParams

ORIGIN = {"lat_deg": 35.0, "lon_deg": 25.0}
HEIGHT_M = 100.0
ICPT = "interceptor"


def _doc(
    icpt: dict[str, Any],
    *,
    dt_s: float = 0.5,
    count: int = 1,
    interval_s: float = 0.0,
    duration_s: float = 300.0,
    launch_east_m: float = 6000.0,
    drone: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A radar and one interceptor launcher at the origin, one raid from the east.

    The launcher stands at the drones' cruise height, and the drones fly straight at
    it (no route offset, no speed jitter, a late dive): a head-on geometry.
    """
    return {
        "name": "interceptor",
        "origin": ORIGIN,
        "run": {"dt_s": dt_s, "duration_s": duration_s},
        "sites": [
            {
                "id": "s",
                "assets": [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": 0},
                        "value_usd": 1e6,
                    }
                ],
                "sensors": [
                    {
                        "kind": "radar",
                        "id": "radar",
                        "position": {"east_m": 0, "north_m": 0, "height_m": 10},
                    }
                ],
                "effectors": [
                    {
                        "kind": ICPT,
                        "id": "icpt",
                        "position": {"east_m": 0, "north_m": 0, "height_m": HEIGHT_M},
                        **icpt,
                    }
                ],
            }
        ],
        "raids": [
            {
                "id": "r",
                "drone": {
                    "class": "fixed_wing_owa",
                    "cruise_height_m": HEIGHT_M,
                    "route_offset_m": 0.0,
                    "speed_jitter": 0.0,
                    "dive_range_m": 100.0,
                    **(drone or {}),
                },
                "count": count,
                "launch_interval_s": interval_s,
                "launch": {"position": {"east_m": launch_east_m, "north_m": 0}},
                "target": {"asset": "a"},
            }
        ],
    }


def _params(icpt: dict[str, Any], **kw: Any) -> ScenarioParams:
    return compile_scenario(parse_scenario(_doc(icpt, **kw)))


def _events(res: Any, kind: str) -> dict[str, Any]:
    ev = res.events
    m = ev["kind"] == EVENT_KINDS.index(kind)
    return {k: np.asarray(v)[m] for k, v in ev.items()}


# ------------------------------------------------------------------------- models


@pytest.mark.parametrize(("v_i", "v_t"), [(50.0, 10.0), (70.0, 55.0), (80.0, 80.0)])
@pytest.mark.parametrize("d", [300.0, 1000.0, 4500.0])
def test_head_on_time_is_d_over_closing_speed(d: float, v_i: float, v_t: float) -> None:
    """Head-on, the straight-line intercept is at d / (v_i + v_t), in any direction."""
    expect = d / (v_i + v_t)
    assert icpt_model.head_on_time_s(d, v_i, v_t) == expect
    for e in np.eye(3):
        got = icpt_model.intercept_time_s(*(d * e), *(-v_t * e), v_i, 0.0)
        assert float(got) == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize(("v_i", "v_t"), [(50.0, 10.0), (70.0, 55.0), (80.0, 79.0)])
@pytest.mark.parametrize("d", [300.0, 1000.0, 4500.0])
def test_tail_chase_time_is_d_over_speed_difference(
    d: float, v_i: float, v_t: float
) -> None:
    """Tail chase with v_i > v_t: d / (v_i − v_t)."""
    expect = d / (v_i - v_t)
    assert icpt_model.tail_chase_time_s(d, v_i, v_t) == expect
    got = icpt_model.intercept_time_s(d, 0.0, 0.0, v_t, 0.0, 0.0, v_i, 0.0)
    assert float(got) == pytest.approx(expect, rel=1e-9)


@pytest.mark.parametrize(("v_i", "v_t"), [(50.0, 50.0), (50.0, 55.0), (60.0, 80.0)])
def test_tail_chase_of_a_target_as_fast_or_faster_never_meets(
    v_i: float, v_t: float
) -> None:
    """No intercept when v_i <= v_t and the target flies straight away."""
    assert icpt_model.tail_chase_time_s(1000.0, v_i, v_t) == math.inf
    got = icpt_model.intercept_time_s(1000.0, 0.0, 0.0, v_t, 0.0, 0.0, v_i, 0.0)
    assert float(got) == math.inf


def test_launch_delay_shifts_the_intercept() -> None:
    """After a delay t_l the interceptor meets the target where it then is."""
    q, v, v_i, delay = (
        np.array([2000.0, 500.0, 100.0]),
        np.array([-40.0, 5.0, 0.0]),
        60.0,
        7.0,
    )
    t = float(icpt_model.intercept_time_s(*q, *v, v_i, delay))
    assert t >= delay
    assert np.linalg.norm(q + v * t) == pytest.approx(v_i * (t - delay), rel=1e-12)


def test_fuze_time_is_the_first_entry_into_the_fuze_sphere() -> None:
    """The fuze fires at the first τ with |r + wτ| <= r_f, checked on a fine grid."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        r = rng.uniform(-60.0, 60.0, 3)
        w = rng.uniform(-120.0, 120.0, 3)
        rf, dt = rng.uniform(1.0, 20.0), 0.5
        tau = float(icpt_model.fuze_time_s(*r, *w, rf, dt))
        grid = np.linspace(0.0, dt, 20001)
        inside = np.linalg.norm(r[None] + w[None] * grid[:, None], axis=1) <= rf
        if not inside.any():
            assert tau == math.inf
        else:
            assert abs(tau - grid[np.argmax(inside)]) <= dt / 20000 + 1e-12


def test_turns_are_limited_to_the_turn_rate() -> None:
    """Pursuit and PN never turn the heading more than the limit, and keep it unit."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        r, w = rng.normal(size=3) * 500.0, rng.normal(size=3) * 40.0
        limit = rng.uniform(0.0, 1.0)
        for new in (
            icpt_model.pursuit_turn(*u, *r, limit),
            icpt_model.pn_turn(*u, *r, *w, 60.0, 3.0, 0.5, limit),
        ):
            n = np.asarray(new)
            assert np.linalg.norm(n) == pytest.approx(1.0, abs=1e-12)
            assert math.acos(min(1.0, float(n @ u))) <= limit + 1e-9


# ---------------------------------------------------------------- whole runs


@pytest.mark.parametrize("guidance", ["pure_pursuit", "proportional_navigation"])
@pytest.mark.parametrize(("speed", "dt_s"), [(60.0, 0.5), (80.0, 1.0)])
def test_head_on_meets_at_the_closed_form_time(
    guidance: str, speed: float, dt_s: float
) -> None:
    """Whole runs: each closure comes at t_fire + d/(v_i + v_t) within r_f/(v_i+v_t) + dt.

    d is the distance from the launcher to the drone when it launched (the ``fire``
    event's position); the drone flies level at 50 m/s straight at the launcher.
    """
    icpt = {"guidance": guidance, "speed_mps": speed, "rack": 1, "channels": 1}
    p = _params(icpt, dt_s=dt_s)
    res = run_chunk(p, np.arange(6), 2, events=True, check=True)
    fire = _events(res, "fire")
    assert len(fire["t_s"]) == 6
    closes = {
        int(r): t
        for k in ("kill", "miss")
        for r, t in zip(
            _events(res, k)["replication"], _events(res, k)["t_s"], strict=True
        )
    }
    assert len(closes) == 6
    g = p.effectors[ICPT]
    v_t = float(p.drones.speed_mps[0]) if hasattr(p.drones, "speed_mps") else 50.0
    pos = np.column_stack([fire["x_m"], fire["y_m"], fire["z_m"]])
    d = np.linalg.norm(pos - g.pos_m[0], axis=1)
    expect = fire["t_s"] + d / (speed + v_t)
    got = np.array([closes[int(r)] for r in fire["replication"]])
    tol = float(g.fuze_radius_m[0]) / (speed + v_t) + dt_s
    assert (np.abs(got - expect) <= tol).all(), (got - expect, tol)


class Chase:
    """One launcher and drones placed by hand, the interceptor launched by hand."""

    def __init__(self, p: ScenarioParams, n_rep: int = 2) -> None:
        self.p = p
        self.layout = make_layout(p)
        self.st = init_state(p, self.layout, np.arange(n_rep), 5)
        slot = [pl.kind.name for pl in self.layout.effectors].index(ICPT)
        self.pl, self.kst = self.layout.effectors[slot], self.st.effectors[slot]
        self.st.status[:] = FLYING
        self.st.t_last_detect_s[:] = 0.0
        self.ev = Events(self.st.reps)
        self.r = np.arange(n_rep)
        self.d = np.zeros(n_rep, dtype=np.int64)

    def place(self, ahead_m: float, speed_mps: float) -> None:
        """Drones ``ahead_m`` east of the launcher flying east at ``speed_mps``."""
        home = self.pl.params.pos_m[0]
        self.st.pos_m[:] = home + np.array([ahead_m, 0.0, 0.0])
        self.st.vel_mps[:] = np.array([speed_mps, 0.0, 0.0])

    def launch(self) -> None:
        """Commit drone 0 of every row and launch at once, at t = 0."""
        self.st.pending[self.r, self.d] += 1
        kind, pl = self.pl.kind, self.pl
        kind.commit(pl, self.kst, self.r, 0, self.d, 0.0, np.zeros(len(self.r)))
        kind.fire(pl, self.kst, self.st, self.layout.slots, 0, 0.0, self.ev)

    def run(self, t_end: float) -> FloatArrayLike:
        """Move the drones and resolve to ``t_end``: each row's kill time (inf: none)."""
        dt, s = self.p.dt_s, 0
        t_kill = np.full(len(self.r), np.inf)
        while s * dt < t_end:
            t0, t1 = s * dt, (s + 1) * dt
            self.st.pos_m += self.st.vel_mps * dt
            self.st.t_last_detect_s[:] = t0
            got = self.pl.kind.resolve(self.pl, self.kst, self.st, t0, t1, self.ev)
            if got is not None:
                t_kill = np.fmin(t_kill, got[0][self.r, self.d])
            s += 1
        return t_kill

    def events(self, kind: str) -> dict[str, Any]:
        """The logged events of one kind."""
        res = self.ev.result()
        m = res["kind"] == EVENT_KINDS.index(kind)
        return {k: np.asarray(v)[m] for k, v in res.items()}


FloatArrayLike = Any

CHASE = {"pk_closure": 1.0, "endurance_s": 200.0, "range_max_m": 20000.0}


@pytest.mark.parametrize("guidance", ["pure_pursuit", "proportional_navigation"])
@pytest.mark.parametrize("v_t", [60.0, 70.0, 75.0])
def test_faster_target_in_a_tail_chase_is_never_caught(
    guidance: str, v_t: float
) -> None:
    """v_i = 60 m/s behind a target at v_t >= v_i: no closure; lost at its endurance."""
    p = _params({**CHASE, "speed_mps": 60.0, "guidance": guidance})
    h = Chase(p)
    h.place(800.0, v_t)
    h.launch()
    t_kill = h.run(260.0)
    assert (t_kill == np.inf).all()
    assert len(h.events("miss")["t_s"]) == 0
    gone = h.events("cancel")
    assert list(gone["outcome"]) == [OUTCOMES.index("out_of_envelope")] * 2
    np.testing.assert_allclose(gone["t_s"], 200.0)
    assert (h.st.pending == 0).all()
    assert (h.kst.phase == FREE).all()
    # The gap only grew: the interceptor never got closer than it started.
    home = p.effectors[ICPT].pos_m[0]
    assert (np.linalg.norm(h.st.pos_m[:, 0] - home, axis=1) > 800.0).all()


@pytest.mark.parametrize("guidance", ["pure_pursuit", "proportional_navigation"])
@pytest.mark.parametrize(("v_t", "d"), [(20.0, 1500.0), (45.0, 800.0), (55.0, 300.0)])
def test_slower_target_in_a_tail_chase_is_met_at_d_over_the_speed_difference(
    guidance: str, v_t: float, d: float
) -> None:
    """v_i = 60 m/s: the fuze fires at (d − r_f)/(v_i − v_t), within one step."""
    p = _params({**CHASE, "speed_mps": 60.0, "guidance": guidance})
    rf = float(p.effectors[ICPT].fuze_radius_m[0])
    h = Chase(p)
    h.place(d, v_t)
    h.launch()
    t_kill = h.run(200.0)
    expect = icpt_model.tail_chase_time_s(d - rf, 60.0, v_t)
    np.testing.assert_allclose(t_kill, expect, atol=1e-9)
    assert (h.st.pending == 0).all()


@pytest.mark.parametrize("rack", [1, 2])
def test_reusable_interceptors_are_never_launched_during_turnaround(rack: int) -> None:
    """Whole runs: launches k and k + rack are at least the turnaround apart.

    With ``rack`` airframes one of them flew both, landing and turning around between.
    """
    icpt = {
        "class": "reusable_interceptor",
        "rack": rack,
        "channels": rack,
        "turnaround_s": 40.0,
        "pk_closure": 0.5,
    }
    p = _params(icpt, count=12, interval_s=15.0, duration_s=500.0)
    audited = _Audited()
    kinds = (
        SENSOR_KINDS,
        tuple(audited if k.name == ICPT else k for k in EFFECTOR_KINDS),
    )
    res = run_chunk(p, np.arange(6), 7, events=True, kinds=kinds, check=True)
    fire = _events(res, "fire")
    worst = math.inf
    for r in range(6):
        t = np.sort(fire["t_s"][fire["replication"] == r])
        assert len(t) > rack, "the test needs airframes flying twice"
        gaps = t[rack:] - t[:-rack]
        worst = min(worst, float(gaps.min()))
    assert worst >= 40.0, worst
    assert audited.checks > 0


def test_kill_fraction_at_closure_is_pk_closure() -> None:
    """Over many replications the kills per closure lie in the 99.9% binomial interval."""
    pk = 0.65
    p = _params(
        {"pk_closure": pk, "rack": 6, "channels": 1}, dt_s=1.0, duration_s=200.0
    )
    res = run_chunk(p, np.arange(300), 11, events=True)
    kill_ev, miss_ev = _events(res, "kill"), _events(res, "miss")
    kills = len(kill_ev["t_s"])
    n = kills + len(miss_ev["t_s"])
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, pk)
    assert n > 250
    assert lo <= kills <= hi, (kills, n, lo, hi)


class _Audited(InterceptorKind):
    """The interceptor kind, checking its bookkeeping at the end of every step."""

    def __init__(self) -> None:
        self.checks = 0

    def fire(self, pl, kst, st, slots, step, t1, ev):  # type: ignore[no-untyped-def]
        super().fire(pl, kst, st, slots, step, t1, ev)
        g = pl.params
        assert (kst.rack >= 0).all()
        engaged = (kst.phase == COMMITTED) | (kst.phase == OUTBOUND)
        # Pending shots at each drone: exactly the engagements committed or flying
        # (the interceptor is the only assignable kind in these scenarios).
        want = np.zeros_like(st.pending)
        r, _, _ = np.nonzero(engaged)
        np.add.at(want, (r, kst.target[engaged]), 1)
        np.testing.assert_array_equal(st.pending, want)
        assert (engaged.sum(axis=2) <= g.channels[None, :]).all()
        # Airframes are conserved: reusable ones on the rack or off it (committed,
        # flying, home bound, turning around); expendable ones on the rack,
        # committed, or launched (flying out or spent).
        committed = (kst.phase == COMMITTED).sum(axis=2)
        off = np.where(g.reusable[None, :], (kst.phase != FREE).sum(axis=2), committed)
        spent = np.where(g.reusable[None, :], 0, kst.launches)
        np.testing.assert_array_equal(
            kst.rack + off + spent, np.broadcast_to(g.rack, kst.rack.shape)
        )
        self.checks += 1


FIELDS = st.fixed_dictionaries(
    {
        "speed_mps": st.sampled_from([0.5, 20.0, 50.0, 80.0, 500.0]),
        "turn_rate_deg_s": st.sampled_from([0.1, 30.0, 360.0]),
        "guidance": st.sampled_from(["pure_pursuit", "proportional_navigation"]),
        "nav_constant": st.sampled_from([0.1, 3.0, 10.0]),
        "fuze_radius_m": st.sampled_from([0.01, 5.0, 100.0]),
        "pk_closure": st.sampled_from([0.0, 0.5, 1.0]),
        "range_max_m": st.sampled_from([1.0, 3000.0, 50000.0]),
        "endurance_s": st.sampled_from([0.1, 30.0, 36000.0]),
        "launch_delay_s": st.sampled_from([0.0, 3.0, 600.0]),
        "rack": st.sampled_from([0, 1, 3, 1000]),
        "channels": st.sampled_from([1, 2, 64]),
        "reusable": st.booleans(),
        "turnaround_s": st.sampled_from([0.0, 20.0, 36000.0]),
        "cost_usd": st.sampled_from([0.0, 15000.0, 1e7]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(icpt=FIELDS, count=st.integers(1, 6))
def test_invariants_over_the_fields_ranges(icpt: dict[str, Any], count: int) -> None:
    """Racks never negative, pending balances, airframes conserved, one state each."""
    if icpt["reusable"] and icpt["rack"] > 64:
        icpt = {**icpt, "rack": 64}  # a slot per airframe: keep the state small
    p = _params(icpt, dt_s=1.0, count=count, interval_s=3.0, duration_s=200.0)
    audited = _Audited()
    kinds = (
        SENSOR_KINDS,
        tuple(audited if k.name == ICPT else k for k in EFFECTOR_KINDS),
    )
    res = run_chunk(p, np.arange(3), 1, events=True, kinds=kinds, check=True)
    terminal = [
        STATES.index(s) for s in ("killed", "defeated", "leaked", "expended", "flying")
    ]
    assert np.isin(res.drone_status, terminal).all()
    e = res.eff_engagements[:, 0]
    np.testing.assert_allclose(res.eff_cost_usd[:, 0], e * icpt["cost_usd"])
    assert len(_events(res, "fire")["t_s"]) == e.sum()
    if not icpt["reusable"]:
        assert (e <= icpt["rack"]).all()
