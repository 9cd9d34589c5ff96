"""The microwave kind: one shot, every drone in the beam drawn independently.

Drones placed by hand (a chunk state from :func:`init_state`, the kind's own
``commit`` and ``fire``, then the engine's resolve stage): with N drones at one range
inside the beam the number defeated is Binomial(N, p) with MODELS.md's
p = Φ((ln S(R) − ln S₅₀)/σ); drones outside the cone or beyond its range are never
touched. Whole runs (Hypothesis over the documented ranges) check the store, the shot
period, the duty limit and the envelope; the decide stage aims an emitter where its
beam removes the most threat, and a high ``cost_weight`` keeps it silent.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from skyscreen.engine import EVENT_KINDS, run_chunk
from skyscreen.engine.codes import FLYING
from skyscreen.engine.events import Events
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.outcomes import resolve
from skyscreen.engine.setup import init_state
from skyscreen.models import microwave as hpm_model
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario

ORIGIN = {"lat_deg": 35.0, "lon_deg": 25.0}
HEIGHT_M = 60.0
FIRE = EVENT_KINDS.index("fire")


def _doc(
    hpm: dict[str, Any],
    *,
    count: int = 1,
    drone: dict[str, Any] | None = None,
    doctrine: dict[str, Any] | None = None,
    duration_s: float = 400.0,
    interval_s: float = 0.0,
    launch_east_m: float = 3000.0,
    replications: int = 4,
) -> dict[str, Any]:
    """One site with a radar and one emitter at the origin; one raid from the east."""
    return {
        "name": "microwave",
        "origin": ORIGIN,
        "run": {
            "dt_s": 1.0,
            "duration_s": duration_s,
            "replications": replications,
            "seed": 3,
        },
        "doctrine": doctrine or {},
        "sites": [
            {
                "id": "s",
                "assets": [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": -30},
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
                        "kind": "microwave",
                        "id": "hpm",
                        "position": {"east_m": 0, "north_m": 0},
                        **hpm,
                    }
                ],
            }
        ],
        "raids": [
            {
                "id": "r",
                "drone": {
                    "class": "multirotor",
                    "cruise_height_m": HEIGHT_M,
                    **(drone or {}),
                },
                "count": count,
                "launch_interval_s": interval_s,
                "launch": {"position": {"east_m": launch_east_m, "north_m": 0}},
                "target": {"asset": "a"},
            }
        ],
    }


def _placed(p: Any, n_rep: int, positions: np.ndarray) -> tuple[Any, Any, Any, Any]:
    """A chunk state with every drone flying, still, at ``positions`` (D, 3)."""
    layout = make_layout(p)
    st_ = init_state(p, layout, np.arange(n_rep), 5)
    slot = [pl.kind.name for pl in layout.effectors].index("microwave")
    pl, kst = layout.effectors[slot], st_.effectors[slot]
    st_.status[:] = FLYING
    st_.pos_m[:] = positions[None]
    st_.vel_mps[:] = 0.0
    st_.t_last_detect_s[:] = 0.0
    return layout, st_, pl, kst


def _shoot(layout: Any, st_: Any, pl: Any, kst: Any, ev: Events | None) -> Any:
    """Aim at drone 0 in every row, fire at t = 1, resolve in the next step."""
    r = np.arange(st_.n_rep)
    d = np.zeros(st_.n_rep, dtype=np.int64)
    st_.pending[r, d] += 1
    pl.kind.commit(pl, kst, r, 0, d, 1.0, np.zeros(st_.n_rep))
    pl.kind.fire(pl, kst, st_, layout.slots, 1, 1.0, ev)
    return resolve(st_, pl.scenario, layout, 1.0, 2.0, ev)


def _ring(range_m: float, angles_deg: list[float], height_m: float) -> np.ndarray:
    """Points at slant range ``range_m`` from the origin at the given azimuths."""
    ground = math.sqrt(range_m**2 - height_m**2)
    a = np.deg2rad(angles_deg)
    return np.column_stack(
        [ground * np.cos(a), ground * np.sin(a), np.full(len(a), height_m)]
    )


@pytest.mark.parametrize("range_m", [150.0, 300.0, 450.0])
def test_defeated_count_is_binomial(range_m: float) -> None:
    """N drones at one range in the beam: defeated ~ Binomial(N, p(R)); others untouched.

    Five drones inside the 15° cone at slant range R, two just outside the cone and
    one in the cone beyond ``range_max_m``, over 4000 shots (one per replication).
    The mean is inside its 99.9 % interval, the histogram passes a chi-square test
    against the binomial pmf, and the outside drones are never reached.
    """
    hpm = {"range_max_m": 500.0, "beam_half_angle_deg": 15.0}
    p = compile_scenario(parse_scenario(_doc(hpm, count=8)))
    inside = _ring(range_m, [0.0, 5.0, -5.0, 10.0, -10.0], HEIGHT_M)
    outside = _ring(range_m, [20.0, -25.0], HEIGHT_M)
    beyond = _ring(520.0, [2.0], HEIGHT_M)
    n_rep = 4000
    layout, st_, pl, kst = _placed(p, n_rep, np.vstack([inside, outside, beyond]))
    t_kill, eff = _shoot(layout, st_, pl, kst, None)
    killed = np.isfinite(t_kill)
    assert (eff[killed] == pl.index).all()
    assert not killed[:, 5:].any(), "a drone outside the beam was defeated"
    # Nothing left pending or in the air.
    assert (st_.pending == 0).all()
    assert not st_.shot_active.any()

    dr = p.drones
    prob = float(
        hpm_model.defeat_range_probability(
            p.effectors["microwave"].eirp_w[0],
            range_m,
            dr.hpm_s50_w_m2[0],
            dr.hpm_sigma_ln[0],
        )
    )
    # The closed form by hand: Φ((ln S − ln S50)/σ) with S = EIRP / (4π R²).
    s = p.effectors["microwave"].eirp_w[0] / (4 * math.pi * range_m**2)
    by_hand = stats.norm.cdf(math.log(s / dr.hpm_s50_w_m2[0]) / dr.hpm_sigma_ln[0])
    assert prob == pytest.approx(by_hand, rel=1e-12)
    assert 0.05 < prob < 0.95  # the test discriminates at every range

    count = killed[:, :5].sum(axis=1)
    lo, hi = stats.binom.interval(0.999, 5 * n_rep, prob)
    assert lo <= count.sum() <= hi
    observed = np.bincount(count, minlength=6)
    expected = stats.binom.pmf(np.arange(6), 5, prob) * n_rep
    keep = expected >= 5  # chi-square's rule of thumb; pool the rest
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3
    # Independence across drones: two in-beam drones die together as p².
    both = (killed[:, 0] & killed[:, 1]).mean()
    assert abs(both - prob**2) < 4 * math.sqrt(prob**2 * (1 - prob**2) / n_rep)


def test_hardening_and_spread() -> None:
    """A harder class (S₅₀ ×10) falls less often; σ = 0 is a step at S₅₀."""
    eirp = 4.0 * math.pi * 300.0**2 * 1000.0  # 1000 W/m² at 300 m
    hpm = {"eirp_w": eirp, "range_max_m": 600.0}
    for s50, sigma, expect in [(999.0, 0.0, 1.0), (1001.0, 0.0, 0.0)]:
        p = compile_scenario(
            parse_scenario(
                _doc(hpm, drone={"hpm_s50_w_m2": s50, "hpm_sigma_ln": sigma})
            )
        )
        layout, st_, pl, kst = _placed(p, 50, _ring(300.0, [0.0], HEIGHT_M))
        t_kill, _ = _shoot(layout, st_, pl, kst, None)
        assert np.isfinite(t_kill[:, 0]).mean() == expect
    rates = []
    for s50 in (1000.0, 10000.0):
        p = compile_scenario(
            parse_scenario(_doc(hpm, drone={"hpm_s50_w_m2": s50, "hpm_sigma_ln": 1.0}))
        )
        layout, st_, pl, kst = _placed(p, 3000, _ring(300.0, [0.0], HEIGHT_M))
        t_kill, _ = _shoot(layout, st_, pl, kst, None)
        rates.append(np.isfinite(t_kill[:, 0]).mean())
    # 0.5 against Φ(−ln 10) = 0.011.
    assert abs(rates[0] - 0.5) < 0.04
    assert rates[1] < 0.03


def test_aim_takes_the_beam_with_more_threat() -> None:
    """Two free aims: the emitter lays its beam on the pair, not on the single drone.

    Three drones at 300 m: two 4° apart to the east, one alone to the north. The
    decide stage's area aim picks one of the pair, and the shot reaches both.
    """
    p = compile_scenario(parse_scenario(_doc({"slew_rate_deg_s": 3600.0}, count=3)))
    pos = np.vstack(
        [_ring(300.0, [90.0], HEIGHT_M), _ring(300.0, [2.0, -2.0], HEIGHT_M)]
    )
    layout, st_, pl, kst = _placed(p, 4, pos)
    st_.vel_mps[:] = np.array([-0.1, 0.0, 0.0])  # closing, so all three are threats
    from skyscreen.engine.decide import decide
    from skyscreen.engine.picture import truth_picture

    pic = truth_picture(st_, p, 1.0)
    decide(st_, p, layout, pic, 1.0, None)
    assert set(kst.target[:, 0]) <= {1, 2}
    ev = Events(st_.reps)
    pl.kind.fire(pl, kst, st_, layout.slots, 1, 2.0, ev)
    reached = st_.shot_active.sum(axis=1)
    assert (reached == 2).all()
    assert (st_.pending[:, 1:] == 1).all()
    assert (st_.pending[:, 0] == 0).all()


def test_cost_weight_silences_an_expensive_emitter() -> None:
    """cost_weight × shot cost above the threat value removed: no shot (docs)."""
    doc = _doc({"cost_per_shot_usd": 1e6}, count=4, interval_s=5.0)
    free = compile_scenario(parse_scenario(doc))
    doc["doctrine"] = {"cost_weight": 10.0}
    dear = compile_scenario(parse_scenario(doc))
    fired = [run_chunk(q, np.arange(4), 1).eff_rounds[:, 0].sum() for q in (free, dear)]
    assert fired[0] > 0
    assert fired[1] == 0


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    eirp=st.sampled_from([1e-3, 1e6, 1e9, 1e13]),
    half=st.sampled_from([1e-3, 5.0, 30.0, 90.0]),
    rmax=st.sampled_from([1.0, 300.0, 800.0, 10000.0]),
    period=st.sampled_from([1e-3, 1.0, 7.0, 600.0]),
    burst=st.sampled_from([1, 3, 100000]),
    recharge=st.sampled_from([1e-3, 5.0, 36000.0]),
    slew=st.sampled_from([1e-3, 90.0, 3600.0]),
    settle=st.sampled_from([0.0, 2.0, 60.0]),
    elev=st.sampled_from([(-90.0, 90.0), (-5.0, 85.0), (10.0, 10.5)]),
    sigma=st.sampled_from([0.0, 1.0, 5.0]),
    s50=st.sampled_from([1e-6, 1000.0, 1e9]),
)
def test_whole_runs_keep_store_period_and_envelope(**kw: Any) -> None:
    """Whole raids: invariants, the store, the shot period, the duty limit, envelopes.

    Shots of one emitter in one replication are at least ``shot_period_s`` apart, and
    by time t no more than ``burst_shots + t / recharge_s`` were fired; every shot's
    aim lies in the envelope; the state's invariants hold after every step.
    """
    hpm = {
        "eirp_w": kw["eirp"],
        "beam_half_angle_deg": kw["half"],
        "range_max_m": kw["rmax"],
        "shot_period_s": kw["period"],
        "burst_shots": kw["burst"],
        "recharge_s": kw["recharge"],
        "slew_rate_deg_s": kw["slew"],
        "settle_s": kw["settle"],
        "elevation_min_deg": kw["elev"][0],
        "elevation_max_deg": kw["elev"][1],
    }
    doc = _doc(
        hpm,
        count=6,
        interval_s=3.0,
        launch_east_m=1500.0,
        drone={"hpm_sigma_ln": kw["sigma"], "hpm_s50_w_m2": kw["s50"]},
        duration_s=300.0,
    )
    p = compile_scenario(parse_scenario(doc))
    layout = make_layout(p)
    res = run_chunk(p, np.arange(3), 9, events=True, check=True)
    ev = res.events
    assert ev is not None
    pl = next(pl for pl in layout.effectors if pl.kind.name == "microwave")
    fired = (ev["kind"] == FIRE) & (ev["ref"] == pl.unit)
    for r in range(3):
        t = np.sort(ev["t_s"][fired & (ev["replication"] == r)])
        if len(t) > 1:
            assert np.diff(t).min() >= kw["period"] - 1e-9
        for i, ti in enumerate(t):
            assert i + 1 <= kw["burst"] + ti / kw["recharge"] + 1e-9
    pos = np.column_stack([ev["x_m"], ev["y_m"], ev["z_m"]])[fired]
    assert pl.kind.in_envelope(pl, np.zeros(len(pos), dtype=np.int64), pos).all()
    assert res.eff_rounds[:, pl.index].sum() == fired.sum()
