"""The sensors through the engine: Monte Carlo frequencies against their closed forms.

Every frequency here is counted from what the engine's sensor kinds do (their
``sense``, on a chunk state built by :func:`~skyscreen.engine.setup.init_state`, or a
whole :func:`~skyscreen.engine.run_chunk`), never from Bernoulli draws of the formula
under test, and lands inside the 99 % Wilson interval of the closed form
(MODELS.md, Sensors). Negative controls show the tests have power: the closed form
moved by 10 % (relative) falls outside the interval.

1. EO/IR per-look detection, 1/(1 + (R/R50)^k), day, night and in haze; the
   field of view; the 4/3-earth horizon over the target's height above the surface.
2. A radar's azimuth sector: no detection outside it, the radar equation's rate inside.
3. The radar's clutter floor: Pd of SNR × clutter_factor below the clutter height.
4. Identification and weapons tight (Hypothesis), and a kind not required to wait.
5. RF detectors: link budget, guidance, triangulation of the ground station (NEES).
6. False alarms: Poisson counts per scan, area-uniform over the coverage.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy import stats

import skyscreen
from skyscreen.analysis import wilson_interval
from skyscreen.engine import run_chunk
from skyscreen.engine.clock import tick_numbers
from skyscreen.engine.codes import (
    DEFEATED,
    EVENT_KINDS,
    EXPENDED,
    FLYING,
    KILLED,
    LEAKED,
    NEUTRALISED,
)
from skyscreen.engine.kinds import make_layout
from skyscreen.engine.setup import init_state
from skyscreen.models import radar as radar_model
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.params import GUIDANCE, ScenarioParams

ORIGIN = {"lat_deg": 35.0, "lon_deg": 25.0}
LEVEL = 0.99
SPEED_OF_LIGHT_MPS = 299_792_458.0
EV = {name: code for code, name in enumerate(EVENT_KINDS)}


# --------------------------------------------------------------------------- helpers


def _doc(
    sensors: list[dict[str, Any]],
    raids: list[dict[str, Any]],
    *,
    effectors: tuple[dict[str, Any], ...] = (),
    assets: tuple[dict[str, Any], ...] = (),
    duration_s: float = 100.0,
    dt_s: float = 1.0,
    environment: dict[str, Any] | None = None,
    doctrine: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A one-site scenario as plain data."""
    return {
        "name": "sensors",
        "origin": ORIGIN,
        "environment": environment or {},
        "doctrine": doctrine or {},
        "run": {"dt_s": dt_s, "duration_s": duration_s},
        "sites": [
            {
                "id": "s",
                "assets": list(assets)
                or [
                    {
                        "id": "a",
                        "position": {"east_m": 0, "north_m": -100},
                        "value_usd": 1e6,
                    }
                ],
                "sensors": sensors,
                "effectors": list(effectors),
            }
        ],
        "raids": raids,
    }


def _compile(doc: dict[str, Any]) -> ScenarioParams:
    return compile_scenario(parse_scenario(doc))


def _raid(rid: str, count: int, east_m: float = 3000.0, **drone: Any) -> dict[str, Any]:
    """A raid of ``count`` drones (class and overrides in ``drone``), aimed at 'a'."""
    return {
        "id": rid,
        "drone": {"class": "multirotor", **drone},
        "count": count,
        "launch": {"position": {"east_m": east_m, "north_m": 0}},
        "target": {"asset": "a"},
    }


class Held:
    """One sensor kind looking at drones held at fixed positions in every replication.

    The chunk state comes from :func:`init_state`; every drone is made airborne at
    ``pos_m`` (D, 3), so the range of every look is known exactly.
    """

    def __init__(
        self, p: ScenarioParams, kind: str, n_rep: int, pos_m: Any, seed: int
    ) -> None:
        layout = make_layout(p)
        self.st = init_state(p, layout, np.arange(n_rep), seed)
        slot = [pl.kind.name for pl in layout.sensors].index(kind)
        self.pl, self.kst = layout.sensors[slot], self.st.sensors[slot]
        self.st.status[:] = FLYING
        self.st.pos_m[:] = np.asarray(pos_m, dtype=np.float64)[None]
        self.dt = p.dt_s

    def looks(self, n_looks: int) -> tuple[np.ndarray, int]:
        """Detections of each drone (D,) in ``n_looks`` looks of every replication."""
        n_rep, n_d = self.st.status.shape
        k = np.flatnonzero(self.st.airborne().reshape(-1))
        hits = np.zeros(n_d, dtype=np.int64)
        for s in range(n_looks):
            found = self.pl.kind.sense(
                self.pl, self.kst, self.st, s, s * self.dt, (s + 1) * self.dt, k, None
            )
            assert found is not None, f"no look in step {s}"
            hits += found[0].reshape(n_rep, n_d).sum(axis=0)
        return hits, n_rep * n_looks


def _assert_rate(hits: int, n: int, p: float, what: str) -> None:
    """``hits``/``n`` agrees with ``p`` (99 % Wilson); p ± 10 % are rejected."""
    lo, hi = wilson_interval(int(hits), n, level=LEVEL)
    est = hits / n
    assert (hi - lo) / 2.0 <= 0.01, f"{what}: half-width {(hi - lo) / 2:.4f} > 0.01"
    assert lo <= p <= hi, f"{what}: {est:.5f} [{lo:.5f}, {hi:.5f}] vs {p:.5f}"
    for moved in (0.9 * p, 1.1 * p):
        assert not lo <= moved <= hi, f"{what}: control {moved:.5f} in [{lo}, {hi}]"


def _ring(ranges_m: Any, height_m: float, bearing_rad: Any = 0.0) -> np.ndarray:
    """Points at ground ranges ``ranges_m`` along math angles ``bearing_rad``."""
    r = np.asarray(ranges_m, dtype=np.float64)
    b = np.broadcast_to(np.asarray(bearing_rad, dtype=np.float64), r.shape)
    return np.stack([r * np.cos(b), r * np.sin(b), np.full(r.shape, height_m)], axis=1)


# --------------------------------------------------------------------------- EO/IR

# (environment, camera class, pd_exponent, the R50 that applies: min(R50, V))
EOIR_CASES = [
    ({"time_of_day": "day"}, "day_night_camera", 2.0, 3000.0),
    ({"time_of_day": "night"}, "day_night_camera", 2.0, 1000.0),
    ({"time_of_day": "night"}, "thermal_camera", 3.0, 3000.0),
    ({"time_of_day": "day", "visibility_m": 700.0}, "day_night_camera", 2.0, 700.0),
    ({"time_of_day": "night", "visibility_m": 600.0}, "thermal_camera", 2.5, 600.0),
]
RANGE_FACTORS = (0.5, 1.0, 1.4, 1.8)


@pytest.mark.parametrize(("environment", "klass", "k", "r50_m"), EOIR_CASES)
def test_eoir_per_look_detection(
    environment: dict[str, Any], klass: str, k: float, r50_m: float
) -> None:
    """Each look detects a drone at slant range R with 1 / (1 + (R/R50)^k)."""
    camera = {
        "kind": "camera",
        "id": "eo",
        "class": klass,
        "position": {"east_m": 0, "north_m": 0, "height_m": 10},
        "pd_exponent": k,
        "azimuth_deg": 90.0,  # toward the drones (east)
        "fov_deg": 360.0,  # a searching camera sweeps; the drones stay in view
        "range_max_m": 20000.0,
    }
    n = len(RANGE_FACTORS)
    p = _compile(_doc([camera], [_raid("q", n)], environment=environment))
    assert p.sensors["camera"].r50_m[0] == r50_m
    pos = _ring(np.asarray(RANGE_FACTORS) * r50_m, 60.0)
    held = Held(p, "camera", 4000, pos, seed=11)
    hits, looks = held.looks(5)
    slant = np.hypot(pos[:, 0], pos[:, 2] - 10.0)
    for i in range(n):
        pd = 1.0 / (1.0 + (slant[i] / r50_m) ** k)
        _assert_rate(hits[i], looks, pd, f"R = {slant[i]:.0f} m")


def test_eoir_sees_nothing_outside_its_field_of_view() -> None:
    """A camera that stays put detects nothing outside its field of view."""
    camera = {
        "kind": "camera",
        "id": "eo",
        "position": {"east_m": 0, "north_m": 0, "height_m": 10},
        "azimuth_deg": 90.0,
        "fov_deg": 20.0,
        "slew_rate_deg_s": 1e-6,  # the search sweep moves it by nothing
    }
    bearings = np.radians([0.0, 9.0, -9.0, 11.0, -11.0, 90.0, 180.0])
    p = _compile(_doc([camera], [_raid("q", len(bearings))]))
    held = Held(
        p, "camera", 2000, _ring(np.full(len(bearings), 500.0), 60.0, bearings), 3
    )
    hits, _ = held.looks(3)
    assert (hits[:3] > 0).all()
    assert (hits[3:] == 0).all(), hits


def test_eoir_horizon_counts_the_targets_height_above_the_surface() -> None:
    """A camera on a 10 m mast sees a drone at 10 m out to the 4/3-earth horizon.

    That is √(2kR_e·10) + √(2kR_e·10) = 26.1 km: at 20 km the per-look Pd, beyond the
    horizon nothing.
    """
    camera = {
        "kind": "camera",
        "id": "eo",
        "position": {"east_m": 0, "north_m": 0, "height_m": 10},
        "r50_day_m": 40000.0,
        "range_max_m": 60000.0,
        "azimuth_deg": 90.0,
        "fov_deg": 360.0,
    }
    horizon = 2.0 * math.sqrt(2.0 * 4.0 / 3.0 * 6_371_000.0 * 10.0)
    assert 26000.0 < horizon < 26100.0
    doc = _doc([camera], [_raid("q", 2)], environment={"visibility_m": 200000.0})
    pos = _ring([20000.0, horizon + 100.0], 10.0)
    hits, looks = Held(_compile(doc), "camera", 4000, pos, seed=3).looks(5)
    assert hits[1] == 0
    _assert_rate(hits[0], looks, 1.0 / (1.0 + (20000.0 / 40000.0) ** 2), "20 km")


# --------------------------------------------------------------------------- radars

PFA, PD_REF, RCS_REF_M2, RANGE_REF_M = 1e-6, 0.9, 0.01, 3500.0
RADAR_HEIGHT_M = 10.0


def _radar(**fields: Any) -> dict[str, Any]:
    """A radar at the origin with its reference detection written out."""
    return {
        "kind": "radar",
        "id": "r",
        "position": {"east_m": 0, "north_m": 0, "height_m": RADAR_HEIGHT_M},
        "pd_ref": PD_REF,
        "rcs_ref_m2": RCS_REF_M2,
        "range_ref_m": RANGE_REF_M,
        "pfa": PFA,
        "scan_period_s": 1.0,
        "range_min_m": 150.0,
        "range_max_m": 20000.0,
        "elevation_min_deg": -2.0,
        "elevation_max_deg": 70.0,
        **fields,
    }


def _radar_pd(
    pos_m: np.ndarray,
    rcs_m2: float,
    swerling: int,
    clutter: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> np.ndarray:
    """Closed form: Swerling 0/1 Pd of SNR · f, written out from MODELS.md.

    SNR = SNR_ref (σ/σ_ref)(R_ref/R)⁴ with SNR_ref = ln Pfa / ln Pd_ref − 1 (the
    Swerling 1 reference); f = 10^(−L (1 − h/h_c)/10) below the clutter height h_c
    within its ground range, else 1.
    """
    h_c, r_c, loss_db = clutter
    rel = pos_m - np.array([0.0, 0.0, RADAR_HEIGHT_M])
    ground = np.hypot(rel[:, 0], rel[:, 1])
    slant = np.hypot(ground, rel[:, 2])
    snr_ref = math.log(PFA) / math.log(PD_REF) - 1.0
    snr = snr_ref * (rcs_m2 / RCS_REF_M2) * (RANGE_REF_M / slant) ** 4
    low = (pos_m[:, 2] < h_c) & (ground <= r_c)
    f = np.where(
        low, 10.0 ** (-loss_db * (1.0 - pos_m[:, 2] / max(h_c, 1e-9)) / 10.0), 1.0
    )
    if swerling == 1:
        return np.asarray(PFA ** (1.0 / (1.0 + snr * f)))
    return np.asarray(stats.ncx2.sf(-2.0 * math.log(PFA), 2, 2.0 * snr * f))


SECTOR_HALF_RAD = math.radians(45.0)


def test_sector_radar_detects_only_inside_its_sector() -> None:
    """A 90° sector toward east: every detection lies inside it, at the radar's rate.

    Drones held at random positions all round, and just either side of both edges;
    over every scan of every replication no drone outside the sector is detected, and
    the detections inside number the sum of their Pd (Poisson-binomial, 99 %).
    """
    rng = np.random.default_rng(5)
    # Math angles: the sector is [-45°, 45°]; 0.05° either side of both edges.
    edges = np.radians([44.95, 45.05, -44.95, -45.05])
    bearing = np.concatenate([rng.uniform(-np.pi, np.pi, 40), edges])
    ground = np.concatenate([rng.uniform(300.0, 5000.0, 40), np.full(4, 3000.0)])
    pos = _ring(ground, 80.0, bearing)
    p = _compile(
        _doc(
            [_radar(azimuth_deg=90.0, sector_deg=90.0)],
            [_raid("q", len(pos), rcs_m2=0.01, swerling=1)],
        )
    )
    held = Held(p, "radar", 1000, pos, seed=8)
    hits, scans = held.looks(4)
    inside = np.abs(bearing) <= SECTOR_HALF_RAD
    assert inside.sum() >= 10
    assert (hits[~inside] == 0).all(), bearing[~inside & (hits > 0)]
    pd = _radar_pd(pos, 0.01, 1)[inside]
    mean, sd = scans * pd.sum(), math.sqrt(scans * (pd * (1 - pd)).sum())
    z = stats.norm.ppf(0.995)
    assert abs(hits[inside].sum() - mean) <= z * sd, (hits[inside].sum(), mean, sd)
    # Just inside each edge the drones are seen; just outside never (above).
    assert (hits[[40, 42]] > 0).all()
    assert not inside[[41, 43]].any()


def test_sector_radar_over_crossing_routes() -> None:
    """Through the engine: drones crossing the sector's edges are first seen inside it.

    A radar covering east (90° wide) watches one drone that stays west (never
    detected), one that flies north → east → south through both edges, and one
    that flies south → east → north. Every first detection naming the radar lies
    inside the sector, within a few degrees of the edge where the drone came in.
    """
    far = {
        "id": "far",
        "position": {"east_m": -2500, "north_m": -2500},
        "value_usd": 1e6,
    }

    def raid(rid: str, start: tuple[float, float], route: list[tuple[float, float]]):
        return {
            "id": rid,
            "drone": {
                "class": "multirotor",
                "speed_mps": 25.0,
                "rcs_m2": 0.003,
                "route_offset_m": 0.0,
            },
            "count": 1,
            "launch": {
                "position": {"east_m": start[0], "north_m": start[1]},
                "radius_m": 200.0,
            },
            "route": [{"east_m": x, "north_m": y} for x, y in route],
            "target": {"asset": "far"},
        }

    doc = _doc(
        [_radar(azimuth_deg=90.0, sector_deg=90.0)],
        [
            raid("west", (-2500.0, 2500.0), []),
            raid("down", (0.0, 2500.0), [(2500.0, 0.0), (0.0, -2500.0)]),
            raid("up", (0.0, -2500.0), [(2500.0, 0.0), (0.0, 2500.0)]),
        ],
        assets=(far,),
        duration_s=260.0,
    )
    p = _compile(doc)
    n_rep = 400
    res = run_chunk(p, np.arange(n_rep), 21, events=True)
    ev = res.events
    assert ev is not None
    det = ev["kind"] == EV["detect"]
    assert (ev["ref"][det] == 0).all()
    az = np.arctan2(ev["y_m"][det], ev["x_m"][det])
    assert (np.abs(az) <= SECTOR_HALF_RAD + 1e-12).all(), np.degrees(az).max()
    first = res.drone_t_first_detect_s
    assert np.isnan(first[:, 0]).all()  # the western drone
    assert np.isfinite(first[:, 1:]).mean() > 0.99
    # Each crossing drone is first seen after it came in by its own edge.
    for drone, edge in ((1, SECTOR_HALF_RAD), (2, -SECTOR_HALF_RAD)):
        sel = det & (ev["drone"] == drone)
        a = np.arctan2(ev["y_m"][sel], ev["x_m"][sel])
        assert (np.abs(a - edge) < math.radians(5.0)).all()


@pytest.mark.parametrize("swerling", [1, 0])
def test_clutter_floor(swerling: int) -> None:
    """Below the clutter height the radar sees SNR × clutter_factor; above it, SNR.

    Targets at 10 m and 25 m (clutter height 30 m, loss 10 dB) inside the clutter's
    ground range (5 km), one at 10 m beyond it, and two at 60 m: each scan's frequency matches
    Pd(SNR · f) with f = 10^(−L(1 − h/h_c)/10) below h_c within its range, 1 elsewhere;
    the clutter-free Pd is rejected for the low targets.
    """
    clutter = (30.0, 5000.0, 10.0)
    # Pd in about [0.37, 0.97] at each place.
    if swerling == 1:
        ground = [3500.0, 4250.0, 4250.0, 4750.0, 5500.0, 4500.0, 6000.0]
    else:
        ground = [4000.0, 4250.0, 4800.0, 4950.0, 6000.0, 5750.0, 6250.0]
    height = [10.0, 10.0, 25.0, 25.0, 10.0, 60.0, 60.0]
    pos = np.stack([ground, np.zeros(7), height], axis=1)
    radar = _radar(
        clutter_height_m=clutter[0],
        clutter_range_m=clutter[1],
        clutter_loss_db=clutter[2],
    )
    p = _compile(_doc([radar], [_raid("q", 7, swerling=swerling, rcs_m2=0.01)]))
    hits, scans = Held(p, "radar", 4000, pos, seed=13 + swerling).looks(5)
    pd = _radar_pd(pos, 0.01, swerling, clutter)
    clear = _radar_pd(pos, 0.01, swerling)
    for i in range(7):
        _assert_rate(hits[i], scans, float(pd[i]), f"h {height[i]} m, r {ground[i]} m")
    lo, hi = wilson_interval(hits, scans, level=LEVEL)
    cluttered = (pos[:, 2] < clutter[0]) & (pos[:, 0] <= clutter[1])
    assert cluttered.sum() == 4
    assert not ((lo <= clear) & (clear <= hi))[cluttered].any()


# --------------------------------------------------------------------------- RF

RF_SENSITIVITY_DBM, RF_FREQ_HZ, DOWNLINK_W = -85.0, 2.4e9, 0.5


def _rf(rid: str, east_m: float, north_m: float, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "rf_detector",
        "id": rid,
        "position": {"east_m": east_m, "north_m": north_m, "height_m": 10.0},
        "sensitivity_dbm": RF_SENSITIVITY_DBM,
        "gain_dbi": 0.0,
        "range_max_m": 10000.0,
        **fields,
    }


def _link_range_m(eirp_w: float) -> float:
    """Free-space range at which a transmitter's power falls to the sensitivity."""
    lam = SPEED_OF_LIGHT_MPS / RF_FREQ_HZ
    sensitivity_w = 10.0 ** ((RF_SENSITIVITY_DBM - 30.0) / 10.0)
    return lam / (4.0 * math.pi) * math.sqrt(eirp_w / sensitivity_w)


def test_rf_detector_hears_within_its_link_budget() -> None:
    """An rf_link drone's downlink is heard just inside the Friis range, never outside.

    Inside (0.97 R_det) each look hears it with ``pd_per_look``; outside (1.03 R_det,
    still within ``range_max_m``) never; a GNSS and an autonomous drone close by are
    never heard.
    """
    r_det = _link_range_m(DOWNLINK_W)
    assert 3900.0 < r_det < 4000.0  # the class default's documented ~4 km
    rf_link = {"guidance": "rf_link", "downlink_eirp_w": DOWNLINK_W}
    raids = [
        _raid("near", 1, **rf_link),
        _raid("far", 1, **rf_link),
        _raid("gnss", 1, guidance="gnss"),
        _raid("auto", 1, guidance="autonomous"),
    ]
    detector = _rf("rf", 0.0, 0.0, pd_per_look=0.6, classify_time_s=3.0)
    p = _compile(_doc([detector], raids))
    pos = _ring([0.97 * r_det, 1.03 * r_det, 0.3 * r_det, 0.3 * r_det], 10.0)
    held = Held(p, "rf_detector", 4000, pos, seed=4)
    hits, looks = held.looks(5)
    _assert_rate(hits[0], looks, 0.6, "inside the link range")
    assert (hits[1:] == 0).all(), hits
    # Heard for classify_time_s since first heard: identified, by the detector.
    st = held.st
    ident = np.isfinite(st.t_identified_s)
    assert not ident[:, 1:].any()
    assert (st.id_sensor[ident] == held.pl.unit).all()
    heard = held.kst.heard_s[:, 0, 0]
    assert (st.t_identified_s[ident[:, 0], 0] - heard[ident[:, 0]] >= 3.0 - 1e-9).all()
    assert ident[:, 0].mean() > 0.1


def _rf_scenario(
    detectors: list[dict[str, Any]], raids: list[dict[str, Any]], **kw: Any
) -> skyscreen.ScenarioSpec:
    assets = (
        {"id": "a", "position": {"east_m": 3000, "north_m": 500}, "value_usd": 1e6},
        {"id": "b", "position": {"east_m": 6000, "north_m": 6000}, "value_usd": 1e6},
    )
    return parse_scenario(_doc(detectors, raids, assets=assets, **kw))


def _flight(
    rid: str,
    start: tuple[float, float],
    asset: str,
    radius_m: float = 0.0,
    **drone: Any,
) -> dict[str, Any]:
    return {
        "id": rid,
        "drone": {"class": "multirotor", "route_offset_m": 0.0, **drone},
        "count": 1,
        "launch": {
            "position": {"east_m": start[0], "north_m": start[1]},
            "radius_m": radius_m,
        },
        "target": {"asset": asset},
    }


def test_rf_detectors_hear_only_rf_link_drones() -> None:
    """Through the engine, RF detectors hear only rf_link drones within link range.

    GNSS and autonomous drones are never heard, detected or identified; an rf_link
    drone out of link range is never heard, though its ground station's bearings are
    taken; one that flies close is heard and identified after classify_time_s.
    """
    raids = [
        _flight("gnss", (-4000.0, 500.0), "a", **{"class": "fixed_wing_owa"}),
        _flight("auto", (-3000.0, 400.0), "a", guidance="autonomous"),
        _flight("far", (-6000.0, 6000.0), "b", guidance="rf_link"),
        _flight("near", (-3000.0, 600.0), "a", guidance="rf_link"),
    ]
    detectors = [_rf("rf1", 0.0, 0.0), _rf("rf2", 1000.0, 0.0)]
    spec = _rf_scenario(detectors, raids, duration_s=500.0)
    n_rep = 200
    res = skyscreen.simulate(
        spec, replications=n_rep, seed=9, workers=1, progress=False, events=True
    )
    d = res.drones
    silent = d[d["raid"].isin(["gnss", "auto", "far"])]
    assert silent["t_first_detect_s"].isna().all()
    assert silent["t_identified_s"].isna().all()
    assert (silent["id_sensor"].astype(str) == "").all()
    ev = res.events
    assert ev is not None
    by_rf = ev[ev["kind"].isin(["detect", "identify"])]
    assert set(by_rf["drone"]) == {3}
    assert set(by_rf["sensor_or_effector"].astype(str)) <= {"rf1", "rf2"}
    near = d[d["raid"] == "near"]
    assert near["t_identified_s"].notna().all()
    assert near["id_sensor"].astype(str).isin(["rf1", "rf2"]).all()
    gap = near["t_identified_s"] - near["t_first_detect_s"]
    assert (gap >= 2.0 - 1e-9).all()  # classify_time_s of the class
    # The far drone's ground station was heard (bearings), but never the drone.
    gs = res.ground_stations
    assert gs is not None
    assert (gs.loc[gs["raid"] == "far", "bearings"] > 0).all()


def _triangulation(n_det: int, sigma_deg: float, n_rep: int, seed: int) -> Any:
    """ground_stations of rf_link drones launched within 500 m of a point 4 km out."""
    where = [(-1500.0, 0.0), (1500.0, 0.0), (0.0, -1500.0)][:n_det]
    detectors = [
        _rf(f"rf{i}", x, y, bearing_sigma_deg=sigma_deg)
        for i, (x, y) in enumerate(where)
    ]
    raids = [_flight("q", (500.0, 4000.0), "a", radius_m=500.0, guidance="rf_link")]
    spec = _rf_scenario(detectors, raids, duration_s=60.0)
    res = skyscreen.simulate(
        spec, replications=n_rep, seed=seed, workers=1, progress=False
    )
    gs = res.ground_stations
    assert gs is not None
    assert len(gs) == n_rep
    return gs


@pytest.mark.parametrize("n_det", [2, 3])
def test_triangulation_without_noise_is_exact(n_det: int) -> None:
    """Noise-free bearings of two or three detectors locate the station within 1e-6 m.

    In every replication, each with its own launch point.
    """
    gs = _triangulation(n_det, 0.0, 50, seed=2)
    assert gs["located"].all()
    assert (gs["detectors"] == n_det).all()
    err = np.hypot(gs["x_est_m"] - gs["x_true_m"], gs["y_est_m"] - gs["y_true_m"])
    assert err.max() <= 1e-6, err.max()
    assert gs["x_true_m"].std() > 100.0  # the launch point differs every replication


def test_triangulation_with_one_detector_is_no_fix() -> None:
    """One detector's bearings locate nothing: located False, the estimate NaN."""
    gs = _triangulation(1, 3.0, 20, seed=2)
    assert (gs["bearings"] > 0).all()
    assert not gs["located"].any()
    assert gs[["x_est_m", "y_est_m", "var_x_m2"]].isna().all().all()


def test_triangulation_nees() -> None:
    """With noisy bearings the fixes' NEES averages 2 (chi-square, 2 dof), 99 % band.

    Each replication's fix is independent: N·mean NEES ~ chi-square(2N). Covariances
    misstated by a 10 % bearing sigma (×1.21 or ÷1.21) fall outside the band.
    """
    n_rep = 1500
    gs = _triangulation(3, 3.0, n_rep, seed=6)
    assert gs["located"].all()
    e = np.stack([gs["x_est_m"] - gs["x_true_m"], gs["y_est_m"] - gs["y_true_m"]], 1)
    cov = np.stack(
        [
            np.stack([gs["var_x_m2"], gs["cov_xy_m2"]], axis=-1),
            np.stack([gs["cov_xy_m2"], gs["var_y_m2"]], axis=-1),
        ],
        axis=-2,
    )
    nees = np.einsum("ni,nij,nj->n", e, np.linalg.inv(cov), e)
    lo, hi = stats.chi2.ppf([0.005, 0.995], 2 * n_rep) / n_rep
    assert lo <= nees.mean() <= hi, (nees.mean(), lo, hi)
    for scale in (1.21, 1 / 1.21):
        assert not lo <= nees.mean() / scale <= hi
    # And its distribution is the chi-square's.
    assert stats.kstest(nees, stats.chi2(2).cdf).pvalue > 0.01


# --------------------------------------------------------------------------- false alarms


@pytest.mark.parametrize("rate", [0.05, 1.0, 7.5, 300.0])
def test_false_alarm_count_mean_matches_the_rate(rate: float) -> None:
    """Counts per scan average the configured rate (Poisson: Σ counts ~ Poisson(nλ)).

    The exact 99 % interval of the Poisson mean holds the rate and excludes ±10 %.
    """
    n_scans = 40_000 if rate < 100 else 4_000
    u = np.random.default_rng(31).random(n_scans)
    counts = radar_model.false_alarm_count(u, rate)
    assert counts.dtype == np.int64
    assert (counts >= 0).all()
    total = int(counts.sum())
    lo = stats.chi2.ppf(0.005, 2 * total) / 2.0 / n_scans
    hi = stats.chi2.ppf(0.995, 2 * total + 2) / 2.0 / n_scans
    assert lo <= rate <= hi, (total / n_scans, lo, hi)
    for moved in (0.9 * rate, 1.1 * rate):
        assert not lo <= moved <= hi
    # The variance of a Poisson count is its mean.
    assert counts.var() == pytest.approx(rate, rel=0.1)


def test_false_alarm_count_is_the_poisson_inverse_cdf() -> None:
    """The count is the smallest k with F(k; λ) >= u: scipy's Poisson ppf.

    At any mean a scenario allows (0 to 1e4), and at u = 0.
    """
    rng = np.random.default_rng(7)
    for mean in (0.0, 1e-4, 0.3, 1.0, 12.0, 700.0, 800.0, 1e4):
        u = np.concatenate([[0.0], rng.random(300)])
        got = radar_model.false_alarm_count(u, mean)
        want = np.maximum(stats.poisson.ppf(u, mean), 0) if mean > 0 else 0 * u
        np.testing.assert_array_equal(got, want.astype(np.int64), err_msg=str(mean))


def test_false_alarms_match_threshold_crossings_of_noise() -> None:
    """Counts are distributed as the threshold crossings of noise in n cells.

    The physical process: exponential noise (square-law detector) in each of n cells
    crosses the threshold −ln Pfa with probability Pfa; the crossings per scan and
    false_alarm_count at λ = n·Pfa are one distribution (chi-square homogeneity, 99 %).
    """
    rng = np.random.default_rng(17)
    n_cells, pfa, n_scans = 400, 2.5e-3, 20_000
    noise = rng.exponential(size=(n_scans, n_cells))
    crossings = (noise > -math.log(pfa)).sum(axis=1)
    drawn = radar_model.false_alarm_count(rng.random(n_scans), n_cells * pfa)
    top = 4  # counts of 4 and more pooled
    table = np.array(
        [np.bincount(np.minimum(c, top), minlength=top + 1) for c in (crossings, drawn)]
    )
    assert stats.chi2_contingency(table).pvalue > 0.01
    assert crossings.mean() == pytest.approx(drawn.mean(), abs=0.05)


@pytest.mark.parametrize(
    ("range_min_m", "range_max_m", "azimuth_deg", "sector_deg"),
    [
        (0.0, 20000.0, 0.0, 360.0),
        (150.0, 8000.0, 90.0, 90.0),
        (2000.0, 3000.0, 200.0, 30.0),
    ],
)
def test_false_alarm_positions_are_uniform_over_the_coverage(
    range_min_m: float, range_max_m: float, azimuth_deg: float, sector_deg: float
) -> None:
    """False alarms lie in the radar's annulus (or sector), uniform over its area.

    KS against P(r <= x) = (x² − rmin²)/(rmax² − rmin²) and a uniform azimuth; a
    range uniform in r (not in area) is rejected.
    """
    radar = _radar(
        range_min_m=range_min_m,
        range_max_m=range_max_m,
        azimuth_deg=azimuth_deg,
        sector_deg=sector_deg,
    )
    rd = _compile(_doc([radar], [_raid("q", 1)])).sensors["radar"]
    rmin, rmax = float(rd.range_min_m[0]), float(rd.range_max_m[0])
    centre, half = float(rd.azimuth_rad[0]), float(rd.half_sector_rad[0])
    u = np.random.default_rng(23).random((20_000, 2))
    r = radar_model.false_alarm_range_m(u[:, 0], rmin, rmax)
    phi = radar_model.false_alarm_azimuth_rad(u[:, 1], centre, half)
    assert ((r >= rmin) & (r <= rmax)).all()
    off = np.angle(np.exp(1j * (phi - centre)))
    assert (np.abs(off) <= half + 1e-12).all()
    assert ((phi > -np.pi) & (phi <= np.pi)).all()

    def area_cdf(x: Any) -> Any:
        return (np.square(x) - rmin**2) / (rmax**2 - rmin**2)

    assert stats.kstest(r, area_cdf).pvalue > 0.01
    assert stats.kstest(r, stats.uniform(rmin, rmax - rmin).cdf).pvalue < 1e-6
    assert stats.kstest(off, stats.uniform(-half, 2 * half).cdf).pvalue > 0.01


# --------------------------------------------------------------------------- identification

N_REP_ID = 24
TERMINAL_EVENTS = {
    EV["kill"]: KILLED,
    EV["leak"]: LEAKED,
    EV["defeated"]: DEFEATED,
    EV["expended"]: EXPENDED,
}


@st.composite
def _tight_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A small defence under weapons tight: cameras, RF detectors, guns, missiles."""

    def point(lo: float, hi: float) -> dict[str, float]:
        r = draw(st.floats(lo, hi))
        b = draw(st.floats(0.0, 2.0 * math.pi))
        return {
            "east_m": round(r * math.cos(b), 1),
            "north_m": round(r * math.sin(b), 1),
        }

    # Hypothesis favours the first of sampled choices: they are the ones that let
    # the cameras identify (a radar to cue them, RF detectors, which identify the
    # rf_link drones first, few, clear air). A camera without a radar finds drones
    # by its own search.
    sensors: list[dict[str, Any]] = []
    if draw(st.sampled_from([True, False])):
        sensors.append({"kind": "radar", "id": "radar", "position": point(0, 300)})
    for i in range(draw(st.sampled_from([1, 2, 0]))):
        sensors.append(
            {
                "kind": "camera",
                "id": f"eo{i}",
                "class": draw(st.sampled_from(["day_night_camera", "thermal_camera"])),
                "position": {**point(0, 800), "height_m": 10.0},
                "azimuth_deg": draw(st.floats(0.0, 360.0)),
                "fov_deg": draw(st.sampled_from([6.0, 40.0, 120.0])),
                "identify_range_m": draw(st.sampled_from([800.0, 1500.0, 3000.0])),
            }
        )
    for i in range(draw(st.sampled_from([0, 1, 2]))):
        sensors.append(
            {
                "kind": "rf_detector",
                "id": f"rf{i}",
                "position": {**point(0, 1500), "height_m": 10.0},
                "classify_time_s": draw(st.sampled_from([0.0, 2.0, 10.0])),
            }
        )
    effectors: list[dict[str, Any]] = [
        {"kind": "gun", "id": f"gun{i}", "position": point(0, 600)}
        for i in range(draw(st.integers(0, 2)))
    ]
    effectors += [
        {"kind": "missile", "id": f"msl{i}", "position": point(0, 600)}
        for i in range(draw(st.integers(0, 2)))
    ]
    n_quad, n_wing = draw(st.integers(0, 3)), draw(st.integers(0, 2))
    raids: list[dict[str, Any]] = []
    if n_quad or not n_wing:
        raids.append(
            {
                "id": "quad",
                "drone": {"class": "multirotor", "guidance": "rf_link"},
                "count": max(n_quad, 1),
                "launch_interval_s": 5.0,
                "launch": {"position": point(1500, 3500), "radius_m": 300.0},
                "target": {"asset": "a"},
            }
        )
    if n_wing:
        raids.append(
            {
                "id": "wing",
                "drone": {"class": "fixed_wing_owa", "guidance": "gnss"},
                "count": n_wing,
                "launch_interval_s": 5.0,
                "launch": {"position": point(4000, 7000), "radius_m": 300.0},
                "target": {"asset": "a"},
            }
        )
    # Visibility over its documented range (0, 200 km], its low end included (a
    # camera blind in fog).
    visibility = draw(
        st.one_of(
            st.sampled_from([20000.0, 200000.0, 3000.0, 50.0, 1.0]),
            st.floats(0.0, 5.3).map(lambda x: round(10.0**x, 3)),
        )
    )
    doc = _doc(
        sensors,
        raids,
        effectors=tuple(effectors),
        duration_s=draw(st.sampled_from([150.0, 250.0])),
        dt_s=draw(st.sampled_from([0.5, 1.0])),
        environment={
            "time_of_day": draw(st.sampled_from(["day", "night"])),
            "visibility_m": visibility,
        },
        doctrine={
            "weapons_control": "tight",
            "identify_time_s": draw(st.sampled_from([2.0, 0.0, 30.0])),
            "identification_required": draw(
                st.sampled_from([(), ("gun",), ("missile",), ("gun", "missile")])
            ),
            "wta_method": draw(st.sampled_from(["greedy", "improve", "exact"])),
        },
    )
    doc["run"]["seed"] = draw(st.integers(0, 2**31))
    return doc


def _refs(p: ScenarioParams) -> dict[str, np.ndarray]:
    """Event ``ref`` numbers of each kind's units."""
    layout = make_layout(p)
    return {
        pl.kind.name: np.arange(pl.unit, pl.unit + pl.n)
        for pl in (*layout.sensors, *layout.effectors)
    }


def _run_doc(
    doc: dict[str, Any], record: int = 0, check: bool = False
) -> tuple[ScenarioParams, Any]:
    p = _compile(doc)
    res = run_chunk(
        p,
        np.arange(N_REP_ID),
        doc["run"]["seed"],
        events=True,
        record=record,
        check=check,
    )
    return p, res


def _check_identification(p: ScenarioParams, res: Any) -> None:
    """Invariants (a) to (c) of test_identification_invariants."""
    ev, refs, doc = res.events, _refs(p), p.doctrine
    rep, drone, kind, t = ev["replication"], ev["drone"], ev["kind"], ev["t_s"]
    t_id, first = res.drone_t_identified_s, res.drone_t_first_detect_s
    # (a) No shot by a kind that needs identification before the drone's identify.
    waits = np.concatenate([refs[k] for k in doc.identification_required] or [[]])
    shot = np.isin(kind, [EV["assign"], EV["fire"]]) & np.isin(ev["ref"], waits)
    assert (t_id[rep[shot], drone[shot]] <= t[shot] + 1e-9).all(), "shot before id"
    # Identify events: one per identified drone, at its time, naming its sensor.
    ids = kind == EV["identify"]
    got = np.zeros(t_id.shape, dtype=np.int64)
    np.add.at(got, (rep[ids], drone[ids]), 1)
    np.testing.assert_array_equal(got, np.isfinite(t_id))
    np.testing.assert_array_equal(t[ids], t_id[rep[ids], drone[ids]])
    np.testing.assert_array_equal(
        ev["ref"][ids], res.drone_id_sensor[rep[ids], drone[ids]]
    )
    # (b) Only cameras and RF detectors identify, each after its time.
    sensor = res.drone_id_sensor
    cams, rfs = refs["camera"], refs["rf_detector"]
    assert np.isin(sensor[np.isfinite(t_id)], np.concatenate([cams, rfs])).all()
    delay = t_id - first
    by_rf = np.isin(sensor, rfs)
    if by_rf.any():
        classify = p.sensors["rf_detector"].classify_time_s[sensor[by_rf] - rfs[0]]
        assert (delay[by_rf] >= classify - 1e-9).all()
        rf_link = GUIDANCE.index("rf_link")
        assert (p.drones.guidance[np.nonzero(by_rf)[1]] == rf_link).all()
    by_cam = np.isin(sensor, cams)
    assert (delay[by_cam] >= doc.identify_time_s - 1e-9).all()
    if by_cam.any():
        _check_camera_holds(p, res, by_cam, cams[0])
    # (c) Every drone ends in exactly one state, with one event saying which.
    status = res.drone_status
    assert np.isin(status, [KILLED, DEFEATED, LEAKED, EXPENDED, FLYING]).all()
    end = np.isin(kind, list(TERMINAL_EVENTS))
    ends = np.zeros(status.shape, dtype=np.int64)
    np.add.at(ends, (rep[end], drone[end]), 1)
    np.testing.assert_array_equal(ends, status != FLYING)
    said = np.vectorize(TERMINAL_EVENTS.get)(kind[end]) if end.any() else []
    np.testing.assert_array_equal(said, status[rep[end], drone[end]])
    np.testing.assert_array_equal(t[end], res.drone_t_end_s[rep[end], drone[end]])


def _check_camera_holds(
    p: ScenarioParams, res: Any, by_cam: np.ndarray, cam0: int
) -> None:
    """Camera identifications follow a hold of identify_time_s.

    At every look of the identifying camera in [t_id − identify_time_s, t_id] the
    drone was airborne within the camera's (scaled) identify range.
    """
    cp, dt = p.sensors["camera"], p.dt_s
    tr = res.trajectories
    assert tr is not None
    step = np.rint(tr["t_s"] / dt).astype(np.int64) - 1
    pos = np.full((N_REP_ID, p.n_steps, p.drones.n, 3), np.nan)
    air = np.isin(tr["status"], [FLYING, NEUTRALISED])
    pos[tr["replication"][air], step[air], tr["drone"][air]] = np.stack(
        [tr["x_m"], tr["y_m"], tr["z_m"]], axis=1
    )[air]
    looks = tick_numbers(cp.look_period_s, p.n_steps, dt, p.duration_s) >= 0
    t1 = np.minimum((np.arange(p.n_steps) + 1) * dt, p.duration_s)
    for r, d in zip(*np.nonzero(by_cam), strict=True):
        q = res.drone_id_sensor[r, d] - cam0
        t_id = res.drone_t_identified_s[r, d]
        window = looks[:, q] & (t1 >= t_id - p.doctrine.identify_time_s - 1e-6)
        window &= t1 <= t_id + 1e-9
        assert window.any()
        dist = np.linalg.norm(pos[r, window, d] - cp.pos_m[q], axis=-1)
        assert (dist <= cp.identify_range_m[q] + 1e-6).all(), (r, d, q, dist)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=_tight_scenarios())
def test_identification_invariants(doc: dict[str, Any]) -> None:
    """Identification and weapons tight over generated defences and raids.

    (a) no weapon of a kind in identification_required is assigned or fires at a
    drone before its identify event; (b) only cameras and RF detectors identify: a
    camera at least identify_time_s after its hold began (the drone detected, then
    within the camera's scaled identify range at every look since), an RF detector
    only rf_link drones, at least classify_time_s after it first heard them; (c) every
    drone ends in exactly one state, with the one event that says it; (d) under
    weapons free nothing waits for identification: the run is the same as under
    weapons tight with no kind required to wait.
    """
    p, res = _run_doc(doc, record=N_REP_ID, check=True)
    _check_identification(p, res)
    refs = _refs(p)
    for name in ("camera", "rf_detector"):
        event(f"identified by {name}: {np.isin(res.drone_id_sensor, refs[name]).any()}")
    free = {**doc, "doctrine": {**doc["doctrine"], "weapons_control": "free"}}
    none = {**doc, "doctrine": {**doc["doctrine"], "identification_required": []}}
    _, a = _run_doc(free)
    _, b = _run_doc(none)
    assert a.events is not None
    assert b.events is not None
    ev = a.events
    shot = ev["kind"] == EV["assign"]
    t_id = a.drone_t_identified_s[ev["replication"][shot], ev["drone"][shot]]
    event(
        f"weapons free: shots at unidentified drones: {(~(t_id <= ev['t_s'][shot])).any()}"
    )
    for column, values in a.events.items():
        np.testing.assert_array_equal(values, b.events[column], err_msg=column)


def _engagement_doc(required: tuple[str, ...], control: str) -> dict[str, Any]:
    """A defence whose camera never identifies, against four GNSS fixed-wing drones.

    A radar, a camera (identify_time_s beyond the run), a gun and a missile launcher.
    """
    radar = _radar()
    camera = {
        "kind": "camera",
        "id": "eo",
        "position": {"east_m": 0, "north_m": 0, "height_m": 10},
    }
    wings = {
        "id": "w",
        "drone": {"class": "fixed_wing_owa"},
        "count": 4,
        "launch_interval_s": 10.0,
        "launch": {"position": {"east_m": 6000, "north_m": 0}, "radius_m": 300.0},
        "target": {"asset": "a"},
    }
    effectors = (
        {"kind": "gun", "id": "gun", "position": {"east_m": 0, "north_m": 0}},
        {"kind": "missile", "id": "msl", "position": {"east_m": 0, "north_m": 0}},
    )
    doc = _doc(
        [radar, camera],
        [wings],
        effectors=effectors,
        duration_s=300.0,
        doctrine={
            "weapons_control": control,
            "identify_time_s": 3600.0,
            "identification_required": list(required),
        },
    )
    doc["run"]["seed"] = 12
    return doc


@pytest.mark.parametrize(
    ("control", "required", "shooters"),
    [
        ("tight", ("missile",), {"gun"}),
        ("tight", ("gun",), {"missile"}),
        ("tight", ("gun", "missile"), set()),
        ("free", ("gun", "missile"), {"gun", "missile"}),
    ],
)
def test_who_engages_unidentified_drones(
    control: str, required: tuple[str, ...], shooters: set[str]
) -> None:
    """Who engages drones that are never identified.

    Under weapons tight a kind not in identification_required assigns and fires at
    the unidentified drones and a kind in it never does; under weapons free every
    kind does.
    """
    p = _compile(_engagement_doc(required, control))
    res = run_chunk(p, np.arange(20), 12, events=True)
    assert np.isnan(res.drone_t_identified_s).all()
    ev, refs = res.events, _refs(p)
    assert ev is not None
    for name in ("gun", "missile"):
        mine = np.isin(ev["ref"], refs[name])
        for kind in ("assign", "fire"):
            n = int((mine & (ev["kind"] == EV[kind])).sum())
            assert (n > 0) == (name in shooters), (name, kind, n)


@pytest.mark.parametrize(
    ("identify_time_s", "environment"),
    [
        (0.0, {"time_of_day": "day"}),
        (2.0, {"time_of_day": "night"}),
        (10.0, {"time_of_day": "day", "visibility_m": 1500.0}),
    ],
)
def test_camera_identification_follows_a_hold(
    identify_time_s: float, environment: dict[str, Any]
) -> None:
    """Cameras cued by a radar identify most drones, each after a hold.

    The invariants (a) to (c) of test_identification_invariants on a defence where
    cameras are the only identifying sensors: every identification is a camera's,
    identify_time_s after first detection, the drone within the camera's (scaled)
    identify range at every look of the hold; guns and missiles wait for it.
    """
    cameras = [
        {
            "kind": "camera",
            "id": f"eo{i}",
            "position": {"east_m": x, "north_m": 0, "height_m": 10},
            "fov_deg": 20.0,
        }
        for i, x in enumerate((-300.0, 300.0))
    ]
    quads = {
        "id": "quad",
        "drone": {"class": "multirotor", "guidance": "rf_link"},
        "count": 3,
        "launch_interval_s": 10.0,
        "launch": {"position": {"east_m": 1500, "north_m": 2000}, "radius_m": 300.0},
        "target": {"asset": "a"},
    }
    effectors = (
        {"kind": "gun", "id": "gun", "position": {"east_m": 0, "north_m": 0}},
        {"kind": "missile", "id": "msl", "position": {"east_m": 0, "north_m": 0}},
    )
    doc = _doc(
        [_radar(), *cameras],
        [quads],
        effectors=effectors,
        duration_s=250.0,
        environment=environment,
        doctrine={"weapons_control": "tight", "identify_time_s": identify_time_s},
    )
    doc["run"]["seed"] = 5
    p, res = _run_doc(doc, record=N_REP_ID, check=True)
    _check_identification(p, res)
    assert np.isfinite(res.drone_t_identified_s).mean() > 0.5
    assert np.isin(res.drone_id_sensor, _refs(p)["camera"]).mean() > 0.5
