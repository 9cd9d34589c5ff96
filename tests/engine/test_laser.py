"""The laser kind through the engine: dwell to kill, broken dwells, the thermal store.

Drones held at known ranges (a chunk state from :func:`init_state`, the kind's own
``commit``, ``fire`` and ``resolve``) are killed at MODELS.md's dwell time; a dwell
whose target leaves the envelope or the air kills nothing and spends its lasing; and
in whole runs (Hypothesis over generated raids and stores) a laser never lases more
than its thermal store allows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyscreen.engine import EFFECTOR_KINDS, EVENT_KINDS, SENSOR_KINDS, run_chunk
from skyscreen.engine.codes import FLYING, KILLED, OUTCOMES
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.kinds.laser import LaserKind
from skyscreen.engine.setup import init_state
from skyscreen.models import laser as laser_model
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.params import ScenarioParams

ORIGIN = {"lat_deg": 35.0, "lon_deg": 25.0}
HEIGHT_M = 100.0


def _doc(
    laser: dict[str, Any],
    *,
    visibility_m: float = 20000.0,
    dt_s: float = 0.5,
    count: int = 1,
    interval_s: float = 0.0,
    duration_s: float = 200.0,
    launch_east_m: float = 4000.0,
) -> dict[str, Any]:
    """One site with a radar and one laser at the origin, one raid from the east."""
    return {
        "name": "laser",
        "origin": ORIGIN,
        "environment": {"visibility_m": visibility_m},
        "run": {"dt_s": dt_s, "duration_s": duration_s},
        "sites": [
            {
                "id": "s",
                "assets": [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": -50},
                        "value_usd": 1e6,
                    },
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
                        "kind": "laser",
                        "id": "laser",
                        "position": {"east_m": 0, "north_m": 0},
                        **laser,
                    }
                ],
            }
        ],
        "raids": [
            {
                "id": "r",
                "drone": {"class": "fixed_wing_owa", "cruise_height_m": HEIGHT_M},
                "count": count,
                "launch_interval_s": interval_s,
                "launch": {"position": {"east_m": launch_east_m, "north_m": 0}},
                "target": {"asset": "a"},
            }
        ],
    }


class Held:
    """The laser against drones held still at slant range ``range_m`` from it."""

    def __init__(self, p: ScenarioParams, range_m: float, n_rep: int = 2) -> None:
        self.p = p
        self.layout = make_layout(p)
        self.st = init_state(p, self.layout, np.arange(n_rep), 5)
        slot = [pl.kind.name for pl in self.layout.effectors].index("laser")
        self.pl, self.kst = self.layout.effectors[slot], self.st.effectors[slot]
        self.st.status[:] = FLYING
        self.place(range_m)
        self.st.t_last_detect_s[:] = 0.0
        self.ev = Events(self.st.reps)
        self.r = np.arange(n_rep)
        self.d = np.zeros(n_rep, dtype=np.int64)

    def place(self, range_m: float) -> None:
        """Every drone at slant range ``range_m`` east of the laser, standing still."""
        laser_pos = self.pl.params.pos_m[0]
        ground = math.sqrt(range_m**2 - (HEIGHT_M - laser_pos[2]) ** 2)
        self.st.pos_m[:] = laser_pos + np.array([ground, 0.0, HEIGHT_M - laser_pos[2]])
        self.st.vel_mps[:] = 0.0

    def start(self, t_s: float = 0.0) -> None:
        """Assign drone 0 of every row and start the dwell at ``t_s`` (no slew)."""
        self.st.pending[self.r, self.d] += 1
        self.pl.kind.commit(
            self.pl, self.kst, self.r, 0, self.d, t_s, np.zeros(len(self.r))
        )
        self.pl.kind.fire(
            self.pl, self.kst, self.st, self.layout.slots, 0, t_s, self.ev
        )

    def step(self, t0: float, t1: float) -> Any:
        """One resolve stage; the radar keeps the drones in the picture."""
        self.st.t_last_detect_s[:] = t0
        return self.pl.kind.resolve(self.pl, self.kst, self.st, t0, t1, self.ev)

    def events(self, kind: str) -> dict[str, Any]:
        """The logged events of one kind."""
        res = self.ev.result()
        m = res["kind"] == EVENT_KINDS.index(kind)
        return {k: np.asarray(v)[m] for k, v in res.items()}


@pytest.mark.parametrize("visibility_m", [200000.0, 20000.0, 5000.0, 2000.0])
@pytest.mark.parametrize("range_m", [400.0, 1000.0, 1800.0, 2600.0])
def test_kill_at_the_dwell_time(range_m: float, visibility_m: float) -> None:
    """A held drone dies at t_ref,α (R/R_ref)² e^{α(R − R_ref)} after the dwell starts.

    t_ref,α is the dwell at R_ref in the scenario's air (MODELS.md's form); the kill
    comes within one step of it (here: to rounding, the fluence is linear in time).
    """
    laser = {"firing_budget_s": 3600.0, "cooldown_s": 3600.0}
    p = compile_scenario(parse_scenario(_doc(laser, visibility_m=visibility_m)))
    g = p.effectors["laser"]
    alpha = 3.912 / visibility_m
    assert g.alpha_per_m == pytest.approx(alpha, rel=1e-14)
    t_ref_air = float(g.dwell_ref_s[0]) * math.exp(alpha * float(g.range_ref_m[0]))
    expect = (
        t_ref_air
        * (range_m / g.range_ref_m[0]) ** 2
        * math.exp(alpha * (range_m - g.range_ref_m[0]))
    )
    h = Held(p, range_m)
    h.start(10.0)
    dt = p.dt_s
    t, t_kill = 10.0, None
    while t_kill is None and t < 10.0 + 2 * expect + 2 * dt:
        got = h.step(t, t + dt)
        if got is not None and np.isfinite(got[0][:, 0]).all():
            t_kill = got[0][:, 0]
            assert (got[1][:, 0] == h.pl.index).all()
        t += dt
    assert t_kill is not None, "no kill"
    np.testing.assert_allclose(t_kill - 10.0, expect, rtol=1e-9)
    assert (np.abs(t_kill - 10.0 - expect) <= dt).all()
    # The laser lased exactly the dwell, is free again and nothing is pending.
    np.testing.assert_allclose(h.kst.lased_s[:, 0], expect, rtol=1e-9)
    assert (h.kst.target == -1).all()
    assert (h.st.pending == 0).all()
    assert len(h.events("fire")["t_s"]) == 2


def test_broken_dwell_kills_nothing_and_spends_the_lasing() -> None:
    """The target leaves the range halfway: no kill, the lasing spent, fluence lost."""
    laser = {"firing_budget_s": 60.0, "cooldown_s": 600.0, "range_max_m": 2000.0}
    p = compile_scenario(parse_scenario(_doc(laser, dt_s=0.5)))
    g = p.effectors["laser"]
    r0 = 1500.0
    t_d = float(
        laser_model.dwell_time_s(r0, g.alpha_per_m, g.dwell_ref_s[0], g.range_ref_m[0])
    )
    h = Held(p, r0)
    h.start(0.0)
    t, dt = 0.0, p.dt_s
    while t + dt < t_d / 2:
        assert h.step(t, t + dt) is None
        t += dt
    h.place(2100.0)  # out of range_max_m
    got = h.step(t, t + dt)
    assert got is None or not np.isfinite(got[0]).any()
    # The lasing until the break (the end of the step it was seen out of range).
    np.testing.assert_allclose(h.kst.lased_s[:, 0], t + dt)
    np.testing.assert_allclose(h.kst.charge_s[:, 0], 60.0 - (t + dt))
    assert (h.kst.fluence_s == 0.0).all()
    assert (h.kst.target == -1).all()
    assert not h.kst.dwelling.any()
    assert (h.st.pending == 0).all()
    cancels = h.events("cancel")
    assert list(cancels["outcome"]) == [OUTCOMES.index("out_of_envelope")] * 2
    np.testing.assert_allclose(cancels["t_s"], t + dt)
    # Back in range, a new dwell starts from zero fluence: the full dwell again.
    h.place(r0)
    h.start(t + dt)
    t0 = t + dt
    t = t0
    while True:
        got = h.step(t, t + dt)
        t += dt
        if got is not None and np.isfinite(got[0][:, 0]).all():
            np.testing.assert_allclose(got[0][:, 0] - t0, t_d, rtol=1e-9)
            break
        assert t < t0 + 2 * t_d


def test_target_lost_breaks_the_dwell() -> None:
    """A target killed by something else ends the dwell (target_lost), nothing lased."""
    p = compile_scenario(parse_scenario(_doc({})))
    h = Held(p, 1500.0)
    h.start(0.0)
    h.step(0.0, 0.5)
    h.st.status[:] = KILLED
    got = h.step(0.5, 1.0)
    assert got is None or not np.isfinite(got[0]).any()
    np.testing.assert_allclose(h.kst.lased_s[:, 0], 0.5)
    cancels = h.events("cancel")
    assert list(cancels["outcome"]) == [OUTCOMES.index("target_lost")] * 2


def test_store_running_dry_breaks_the_dwell() -> None:
    """A dwell longer than the store is broken when it runs dry (no_ammunition)."""
    laser = {"firing_budget_s": 2.2, "cooldown_s": 100.0, "dwell_ref_s": 3.0}
    p = compile_scenario(parse_scenario(_doc(laser, dt_s=1.0)))
    h = Held(p, 1000.0)  # a dwell of about 2.4 s
    h.start(0.0)
    for s in range(4):
        got = h.step(float(s), float(s + 1))
        assert got is None or not np.isfinite(got[0]).any()
    np.testing.assert_allclose(h.kst.lased_s[:, 0], 2.2)
    assert (h.kst.charge_s == 0.0).all()
    cancels = h.events("cancel")
    assert list(cancels["outcome"]) == [OUTCOMES.index("no_ammunition")] * 2
    np.testing.assert_allclose(cancels["t_s"], 2.2)
    # It refills linearly: budget / cooldown per second not lasing.
    charge = LaserKind.charge_at(h.pl, h.kst, 2.2 + 50.0)
    np.testing.assert_allclose(charge[:, 0], 1.1)


class _Audited(LaserKind):
    """The laser kind, checking its thermal store after every resolve stage."""

    def __init__(self) -> None:
        self.worst = 0.0

    def resolve(self, pl, kst, st, t0, t1, ev):  # type: ignore[no-untyped-def]
        g = pl.params
        before = kst.lased_s.copy()
        got = super().resolve(pl, kst, st, t0, t1, ev)
        assert (kst.charge_s >= 0.0).all()
        assert (kst.charge_s <= g.firing_budget_s[None, :] + 1e-9).all()
        assert (kst.lased_s - before <= t1 - t0 + 1e-12).all()
        # Lasing L by time t with idle time t − L refilling at B / c: L <= B + ...
        budget, rate = g.firing_budget_s, g.firing_budget_s / g.cooldown_s
        bound = budget + (t1 - kst.lased_s) * rate
        self.worst = max(self.worst, float((kst.lased_s / bound).max()))
        assert (kst.lased_s <= bound + 1e-9).all()
        return got


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    budget=st.floats(1.0, 20.0),
    cooldown=st.floats(5.0, 300.0),
    dwell_ref=st.floats(0.5, 6.0),
    count=st.integers(4, 20),
    interval=st.floats(1.0, 8.0),
)
def test_thermal_store_is_never_exceeded(
    budget: float, cooldown: float, dwell_ref: float, count: int, interval: float
) -> None:
    """Over whole runs against raids, no laser lases beyond its store and refill."""
    laser = {
        "firing_budget_s": budget,
        "cooldown_s": cooldown,
        "dwell_ref_s": dwell_ref,
    }
    doc = _doc(laser, dt_s=1.0, count=count, interval_s=interval, duration_s=400.0)
    p = compile_scenario(parse_scenario(doc))
    audited = _Audited()
    effectors = tuple(audited if k.name == "laser" else k for k in EFFECTOR_KINDS)
    res = run_chunk(
        p, np.arange(4), 3, kinds=(SENSOR_KINDS, effectors), events=True, check=True
    )
    layout = make_layout(p, SENSOR_KINDS, effectors)
    e = next(pl.index for pl in layout.effectors if pl.kind.name == "laser")
    lased = res.eff_cost_usd[:, e] / p.effectors["laser"].cost_per_second_usd[0]
    assert (lased <= budget + 400.0 * budget / cooldown + 1e-9).all()
    assert res.eff_engagements[:, e].sum() > 0
