"""Sensor coverage: closed-form ranges, the engine's own tests, GeoJSON and the CLI."""

from __future__ import annotations

import copy
import json
import math
import re
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from skyscreen.cli import main
from skyscreen.coverage import (
    CoverageResult,
    SensorCoverage,
    coverage,
    coverage_geojson,
    detection_range_m,
    eoir_detection_range_m,
    plot_coverage,
    rf_detection_range_m,
)
from skyscreen.engine.kinds.radar import ALL, RadarKernelParams, _detect
from skyscreen.errors import ModelError
from skyscreen.models import eoir as eoir_model
from skyscreen.models import radar as radar_model
from skyscreen.models import rf as rf_model
from skyscreen.models.jammer import friis_received_power_w
from skyscreen.scenario import (
    PositionSpec,
    ScenarioSpec,
    example_path,
    load_scenario,
    parse_scenario,
    read_scenario_data,
)
from skyscreen.scenario._geometry import to_enu
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.kinds import CameraSpec, RadarSpec, RFDetectorSpec

ROOT = Path(__file__).resolve().parents[1]
COASTAL = str(example_path("coastal-airbase"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def spec() -> ScenarioSpec:
    return load_scenario(COASTAL)


def _unit(spec: ScenarioSpec, unit_id: str) -> Any:
    return next(s for site in spec.sites for s in site.sensors if s.id == unit_id)


def _radar(spec: ScenarioSpec, **changes: Any) -> RadarSpec:
    radar = _unit(spec, "radar-north")
    assert isinstance(radar, RadarSpec)
    return radar.model_copy(update=changes)


def _coastal_with(edit: Any) -> ScenarioSpec:
    data = copy.deepcopy(read_scenario_data(COASTAL))
    edit(data)
    return parse_scenario(data)


def _sensor(cov: CoverageResult, unit_id: str) -> SensorCoverage:
    return next(s for s in cov.sensors if s.id == unit_id)


# --------------------------------------------------------------------------- radar


@pytest.mark.parametrize("rcs_m2", [0.001, 0.1, 1.0, 30.0])
def test_radar_range_scales_as_the_fourth_root_of_rcs(
    spec: ScenarioSpec, rcs_m2: float
) -> None:
    """At a fixed Pd, range scales as σ^(1/4) (the radar equation, SNR ∝ σ R⁻⁴)."""
    radar = _radar(spec)
    ratio = detection_range_m(radar, rcs_m2) / detection_range_m(radar, 0.01)
    assert ratio == pytest.approx((rcs_m2 / 0.01) ** 0.25, rel=1e-12)


@pytest.mark.parametrize("unit_id", ["radar-north", "radar-south"])
@pytest.mark.parametrize("height_m", [None, 50.0])
def test_reference_target_is_seen_at_the_reference_range(
    spec: ScenarioSpec, unit_id: str, height_m: float | None
) -> None:
    """The reference RCS at the reference Pd is detected at range_ref_m."""
    radar = _unit(spec, unit_id)
    got = detection_range_m(radar, radar.rcs_ref_m2, radar.pd_ref, height_m=height_m)
    assert got == pytest.approx(radar.range_ref_m, rel=1e-12)


@pytest.mark.parametrize("swerling", [0, 1])
@pytest.mark.parametrize("pd", [0.5, 0.9, 0.99])
def test_radar_range_agrees_with_models_radar(
    spec: ScenarioSpec, swerling: int, pd: float
) -> None:
    """Same numbers as models.radar.range_for_pd_m; the Pd there is the wanted one."""
    radar = _radar(spec)
    snr_ref = radar_model.snr_from_reference(radar.pd_ref, radar.pfa, 1)
    want = radar_model.range_for_pd_m(
        pd, radar.pfa, 0.05, snr_ref, radar.rcs_ref_m2, radar.range_ref_m, swerling
    )
    got = detection_range_m(radar, 0.05, pd, swerling=swerling)
    assert got == want
    snr = radar_model.snr(got, 0.05, snr_ref, radar.rcs_ref_m2, radar.range_ref_m)
    pd_there = radar_model.detection_probability(snr, radar.pfa, swerling)
    assert float(pd_there) == pytest.approx(pd, rel=1e-9)


def test_the_horizon_caps_the_range(spec: ScenarioSpec) -> None:
    """A big target seen far beyond the horizon is detected out to the horizon."""
    radar = _radar(spec, range_max_m=5e5, clutter_height_m=0.0)
    free = detection_range_m(radar, 1000.0)
    horizon = float(radar_model.horizon_range_m(radar.position.height_m, 20.0))
    assert free > horizon
    assert detection_range_m(radar, 1000.0, height_m=20.0) == pytest.approx(
        horizon, rel=1e-12
    )


def test_the_instrumented_range_caps_the_range(spec: ScenarioSpec) -> None:
    """Beyond range_max_m nothing is detected, whatever the RCS."""
    radar = _radar(spec)
    assert detection_range_m(radar, 100.0) > radar.range_max_m
    assert detection_range_m(radar, 100.0, height_m=300.0) == pytest.approx(
        radar.range_max_m, rel=1e-12
    )


@pytest.mark.parametrize("height_m", [0.0, 10.0, 29.0])
def test_the_clutter_layer_shortens_the_range_by_the_fourth_root(
    spec: ScenarioSpec, height_m: float
) -> None:
    """A low target keeps f of its SNR; SNR ∝ R⁻⁴, so its range is R f^(1/4)."""
    radar = _radar(spec)
    f = 10.0 ** (-radar.clutter_loss_db * (1.0 - height_m / 30.0) / 10.0)
    assert radar.clutter_height_m == 30.0
    want = detection_range_m(radar, 0.01) * f**0.25
    assert detection_range_m(radar, 0.01, height_m=height_m) == pytest.approx(
        want, rel=1e-12
    )


def test_past_the_clutter_reach_the_target_is_seen_again(spec: ScenarioSpec) -> None:
    """With the clean range beyond clutter_range_m, there is a ring without detection."""
    cov = coverage(spec, rcs_m2=1.0, height_m=10.0)
    north = _sensor(cov, "radar-north")
    radar = _radar(spec)
    free = detection_range_m(radar, 1.0)
    f = float(radar_model.clutter_factor(10.0, 0.0, 30.0, 10000.0, 10.0))
    rz = 10.0 - radar.position.height_m
    (_, hi0), (lo1, hi1) = north.intervals_m
    assert math.hypot(hi0, rz) == pytest.approx(free * f**0.25, rel=1e-12)
    assert lo1 == radar.clutter_range_m
    assert math.hypot(hi1, rz) == pytest.approx(free, rel=1e-12)
    assert north.range_m == pytest.approx(free, rel=1e-12)


def test_minimum_range_and_cone_of_silence_are_holes(spec: ScenarioSpec) -> None:
    """Inner edges: range_min_m (a low target), elevation_max_deg (a high one)."""
    radar = _radar(spec)
    rz = 50.0 - radar.position.height_m
    low = coverage(spec, rcs_m2=0.01, height_m=50.0)
    assert _sensor(low, "radar-north").intervals_m[0][0] == pytest.approx(
        math.sqrt(radar.range_min_m**2 - rz**2), rel=1e-12
    )
    rz = 1000.0 - radar.position.height_m
    high = coverage(spec, rcs_m2=1.0, height_m=1000.0)
    assert _sensor(high, "radar-north").intervals_m[0][0] == pytest.approx(
        rz / math.tan(math.radians(radar.elevation_max_deg)), rel=1e-12
    )


def test_a_target_out_of_reach_gives_zero(spec: ScenarioSpec) -> None:
    """Above the instrumented range, the radar detects the target nowhere."""
    radar = _radar(spec)
    assert detection_range_m(radar, 0.01, height_m=25000.0) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rcs_m2": 0.0}, "rcs_m2 must be a finite number > 0; got 0.0"),
        ({"rcs_m2": math.inf}, "rcs_m2 must be a finite number > 0; got inf"),
        ({"pd": 1.0}, "pd must be in (1e-06, 1); got 1.0"),
        ({"pd": 1e-7}, "pd must be in (1e-06, 1); got 1e-07"),
        ({"swerling": 3}, "swerling must be 0 or 1; got 3"),
        ({"height_m": -1.0}, "height_m must be a finite number >= 0 or None; got -1.0"),
    ],
)
def test_radar_range_rejects_bad_arguments(
    spec: ScenarioSpec, kwargs: dict[str, Any], message: str
) -> None:
    """Each bad argument raises ModelError naming it, the range and the value."""
    args = {"rcs_m2": 0.01, **kwargs}
    with pytest.raises(ModelError) as info:
        detection_range_m(_radar(spec), **args)
    assert str(info.value) == f"detection_range_m: {message}"


# --------------------------------------------------------------------------- camera


def test_camera_range_at_pd_half_is_r50(spec: ScenarioSpec) -> None:
    """Pd 0.5 at R50: by day the day R50, at night the night R50, capped by haze."""
    cam = _unit(spec, "eo-north")
    assert isinstance(cam, CameraSpec)
    assert eoir_detection_range_m(cam, 0.5) == cam.r50_day_m
    assert eoir_detection_range_m(cam, 0.5, night=True) == cam.r50_night_m
    assert eoir_detection_range_m(cam, 0.5, visibility_m=1200.0) == 1200.0
    assert eoir_detection_range_m(cam, 0.5, night=True, visibility_m=1200.0) == (
        cam.r50_night_m
    )


@pytest.mark.parametrize("pd", [0.1, 0.3, 0.8, 0.95])
def test_camera_range_inverts_the_per_look_pd(spec: ScenarioSpec, pd: float) -> None:
    """models.eoir.eoir_pd at the range gives back the Pd; range_max_m caps it."""
    cam = _unit(spec, "eo-east")
    got = eoir_detection_range_m(cam, pd)
    reach = cam.r50_day_m * ((1 - pd) / pd) ** (1 / cam.pd_exponent)
    assert got == pytest.approx(min(reach, cam.range_max_m), rel=1e-12)
    if reach < cam.range_max_m:
        assert float(
            eoir_model.eoir_pd(got, cam.r50_day_m, cam.pd_exponent)
        ) == pytest.approx(pd, rel=1e-12)


def test_camera_range_max_caps_it(spec: ScenarioSpec) -> None:
    """A low Pd reaches past range_max_m; the camera stops there."""
    cam = _unit(spec, "eo-north")
    assert eoir_detection_range_m(cam, 0.01) == cam.range_max_m
    assert eoir_detection_range_m(cam, 0.01, height_m=50.0) == pytest.approx(
        cam.range_max_m, rel=1e-12
    )


# --------------------------------------------------------------------------- RF


def test_rf_range_is_the_models_link_budget(spec: ScenarioSpec) -> None:
    """Against a 0.5 W downlink at 2.4 GHz: models.rf's range, Friis power = S."""
    det = _unit(spec, "rf-west")
    assert isinstance(det, RFDetectorSpec)
    quad = spec.raids[2].drone
    gain = 10 ** (det.gain_dbi / 10)
    sens = 10 ** ((det.sensitivity_dbm - 30) / 10)
    want = float(
        rf_model.rf_detection_range_m(
            quad.downlink_eirp_w, gain, sens, quad.link_frequency_hz
        )
    )
    assert rf_detection_range_m(det, quad) == want
    assert rf_detection_range_m(det, quad, height_m=50.0) == pytest.approx(
        want, rel=1e-12
    )
    power = rf_model.rf_received_power_w(
        quad.downlink_eirp_w, gain, want, quad.link_frequency_hz
    )
    assert float(power) == pytest.approx(sens, rel=1e-12)


def test_rf_range_caps_and_silent_drones(spec: ScenarioSpec) -> None:
    """range_max_m caps a loud link; a GNSS drone emits nothing to hear."""
    det = _unit(spec, "rf-east")
    loud = spec.raids[2].drone.model_copy(update={"downlink_eirp_w": 1000.0})
    assert rf_detection_range_m(det, loud) == det.range_max_m
    assert rf_detection_range_m(det, spec.raids[0].drone) == 0.0


# --------------------------------------------------------------------------- coverage


def test_coverage_lists_every_sensor_with_its_range(spec: ScenarioSpec) -> None:
    """One entry per sensor, in order, each range the function's for that sensor."""
    cov = coverage(spec, rcs_m2=0.05, pd=0.8, height_m=120.0, night=False)
    assert [(s.id, s.kind) for s in cov.sensors] == [
        ("radar-north", "radar"),
        ("radar-south", "radar"),
        ("eo-north", "camera"),
        ("eo-east", "camera"),
        ("rf-west", "rf_detector"),
        ("rf-east", "rf_detector"),
    ]
    params = compile_scenario(spec)
    for s in cov.sensors:
        unit = _unit(spec, s.id)
        block = params.sensors[s.kind]
        np.testing.assert_array_equal(s.position_m, block.pos_m[block.ids.index(s.id)])
        if s.kind == "radar":
            want = detection_range_m(unit, 0.05, 0.8, height_m=120.0)
        elif s.kind == "camera":
            want = eoir_detection_range_m(
                unit, 0.8, visibility_m=spec.environment.visibility_m, height_m=120.0
            )
        else:
            want = rf_detection_range_m(unit, spec.raids[2].drone, height_m=120.0)
        assert s.range_m == want, s.id
        assert s.ground_range_m == pytest.approx(
            math.sqrt(want**2 - (120.0 - unit.position.height_m) ** 2), rel=1e-12
        )
    assert cov.target == "RCS 0.05 m², Pd 0.8, height 120 m, day"


def test_night_default_is_the_scenarios(spec: ScenarioSpec) -> None:
    """night=None takes environment.time_of_day (coastal-airbase: night)."""
    cam = _unit(spec, "eo-north")
    cov = coverage(spec, pd=0.5)
    assert cov.night
    assert _sensor(cov, "eo-north").range_m == pytest.approx(cam.r50_night_m, 1e-9)
    day = coverage(spec, pd=0.5, night=False)
    assert _sensor(day, "eo-north").range_m == pytest.approx(cam.r50_day_m, 1e-9)


def _sector_scenario() -> ScenarioSpec:
    def edit(data: dict[str, Any]) -> None:
        radar = data["sites"][0]["sensors"][0]
        radar.update(azimuth_deg=90.0, sector_deg=90.0)  # looks east, ±45°

    return _coastal_with(edit)


def test_polygons_respect_the_azimuth_sector() -> None:
    """A point inside the sector and range is covered; one outside the sector not."""
    cov = coverage(_sector_scenario())
    north = _sensor(cov, "radar-north")
    assert north.half_sector_rad == pytest.approx(math.pi / 4)
    ((outer, holes),) = north.polygons_m()
    area = Polygon(outer, holes)
    assert area.is_valid
    x0, y0 = north.position_m[:2]
    r = north.ground_range_m / 2
    for bearing_deg, inside in [(90, True), (50, True), (130, True), (0, False)]:
        a = math.radians(90 - bearing_deg)  # compass bearing to math angle
        point = Point(x0 + r * math.cos(a), y0 + r * math.sin(a))
        assert area.contains(point) is inside, bearing_deg
    for bearing_deg in (180, 270, 30, 150):
        a = math.radians(90 - bearing_deg)
        assert not area.contains(Point(x0 + r * math.cos(a), y0 + r * math.sin(a)))
    # The all-round radar and the cameras are full circles.
    south = _sensor(cov, "radar-south")
    ((outer, holes),) = south.polygons_m()
    radii = np.hypot(
        outer[:, 0] - south.position_m[0], outer[:, 1] - south.position_m[1]
    )
    np.testing.assert_allclose(radii, south.ground_range_m, rtol=1e-12)
    assert len(holes) == 1  # the minimum range


def test_coverage_matches_the_engines_radar_test() -> None:
    """The engine's detection kernel gives Pd >= pd exactly where coverage says so.

    Random points at the target height (sector radar, clutter gap) go through
    engine/kinds/radar.py ``_detect``; points within 1 m of an edge are left out.
    """
    spec = _sector_scenario()
    rcs, pd, h = 1.0, 0.9, 10.0
    cov = coverage(spec, rcs_m2=rcs, pd=pd, height_m=h)
    radars = compile_scenario(spec).sensors["radar"]
    rng = np.random.default_rng(3)
    n = 4000
    xy = rng.uniform(-14000.0, 14000.0, size=(n, 2))
    pos = np.column_stack([xy, np.full(n, h)])
    kernel = RadarKernelParams(*(getattr(radars, f) for f in RadarKernelParams._fields))
    out_pd = np.empty((n, radars.n))
    _detect(
        np.arange(n),
        n,
        pos,
        np.full(n, rcs),
        np.ones(n, dtype=np.int64),
        kernel,
        np.zeros(radars.n, dtype=np.int64),
        np.zeros((radars.n, 2), dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        np.zeros((n, 2), dtype=np.int64),
        np.empty((n, radars.n)),
        out_pd,
        np.empty((n, radars.n)),
        np.empty(n, dtype=np.int64),
        ALL,
    )
    checked = 0
    for q, unit_id in enumerate(radars.ids):
        s = _sensor(cov, unit_id)
        d = xy - s.position_m[:2]
        g = np.hypot(d[:, 0], d[:, 1])
        off = np.angle(np.exp(1j * (np.arctan2(d[:, 1], d[:, 0]) - s.azimuth_rad)))
        in_sector = s.full_circle | (np.abs(off) <= s.half_sector_rad)
        in_band = np.zeros(n, dtype=bool)
        near_edge = np.zeros(n, dtype=bool)
        for lo, hi in s.intervals_m:
            in_band |= (g >= lo) & (g <= hi)
            near_edge |= (np.abs(g - lo) < 1.0) | (np.abs(g - hi) < 1.0)
        keep = ~near_edge & ~(np.abs(np.abs(off) - s.half_sector_rad) < 1e-6)
        engine = out_pd[:, q] >= pd
        np.testing.assert_array_equal(engine[keep], (in_band & in_sector)[keep])
        checked += int(engine[keep].sum())
    assert checked > 500  # the test saw covered points, not only empty ones


def test_coverage_matches_the_engines_rf_power(spec: ScenarioSpec) -> None:
    """The engine's received power (rf_detector.py) crosses S at the band's edge."""
    cov = coverage(spec, height_m=50.0)
    rp = compile_scenario(spec).sensors["rf_detector"]
    quad = spec.raids[2].drone
    lam = rf_model.SPEED_OF_LIGHT_MPS / quad.link_frequency_hz
    for q, unit_id in enumerate(rp.ids):
        s = _sensor(cov, unit_id)
        for dist, heard in [(s.range_m - 0.5, True), (s.range_m + 0.5, False)]:
            power = friis_received_power_w(
                quad.downlink_eirp_w, float(rp.gain[q]), dist, lam
            )
            assert bool(power >= rp.sensitivity_w[q]) is heard, (unit_id, dist)


def test_rf_detectors_without_rf_link_drones_are_skipped() -> None:
    """No rf_link drone: the detectors are listed with range NaN, no area, a note."""

    def gnss(data: dict[str, Any]) -> None:
        data["raids"][2]["drone"]["guidance"] = "gnss"
        data["raids"][2]["drone"]["on_link_loss"] = "continue"

    cov = coverage(_coastal_with(gnss))
    rf = _sensor(cov, "rf-west")
    assert math.isnan(rf.range_m)
    assert rf.intervals_m == ()
    assert rf.polygons_m() == []
    assert rf.note == "skipped: no rf_link drones in the scenario to hear"
    gj = coverage_geojson(cov)
    feature = next(f for f in gj["features"] if f["properties"]["id"] == "rf-west")
    assert feature["geometry"] is None
    assert feature["properties"]["range_m"] is None
    json.dumps(gj, allow_nan=False)


# --------------------------------------------------------------------------- GeoJSON


def _signed_area(ring: list[list[float]]) -> float:
    x = np.array([p[0] for p in ring])
    y = np.array([p[1] for p in ring])
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2)


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return list(geometry["coordinates"])


@pytest.mark.parametrize(("rcs_m2", "height_m"), [(0.01, 50.0), (1.0, 10.0)])
def test_geojson_is_valid(spec: ScenarioSpec, rcs_m2: float, height_m: float) -> None:
    """A FeatureCollection of closed, right-hand-rule rings in lon/lat near the origin."""
    cov = coverage(spec, rcs_m2=rcs_m2, height_m=height_m)
    gj = json.loads(json.dumps(coverage_geojson(cov), allow_nan=False))
    assert gj["type"] == "FeatureCollection"
    ids = [f["properties"]["id"] for f in gj["features"]]
    assert ids == [*(s.id for s in cov.sensors), "union"]
    for feature in gj["features"]:
        assert feature["type"] == "Feature"
        for polygon in _polygons(feature["geometry"]):
            for k, ring in enumerate(polygon):
                assert len(ring) >= 4
                assert ring[0] == ring[-1]
                lon, lat = np.array(ring).T
                assert np.all(np.abs(lon - 25.0) < 0.2)
                assert np.all(np.abs(lat - 35.0) < 0.2)
                # RFC 7946: exteriors counter-clockwise, holes clockwise.
                assert (_signed_area(ring) > 0) == (k == 0)
    union = gj["features"][-1]
    assert union["properties"]["area_km2"] > 0
    areas = [
        Polygon(p[0], p[1:])
        for f in gj["features"][:-1]
        for p in _polygons(f["geometry"])
    ]
    whole = [Polygon(p[0], p[1:]) for p in _polygons(union["geometry"])]
    assert sum(w.area for w in whole) >= max(a.area for a in areas) * 0.999
    assert sum(w.area for w in whole) <= sum(a.area for a in areas)


def test_geojson_positions_round_trip_to_the_enu_plane(spec: ScenarioSpec) -> None:
    """A site's lon/lat, converted back by the scenario's to_enu, is the site (1 cm)."""
    cov = coverage(spec)
    gj = coverage_geojson(cov)
    for s, feature in zip(cov.sensors, gj["features"], strict=False):
        props = feature["properties"]
        back = to_enu(
            PositionSpec(lat_deg=props["lat_deg"], lon_deg=props["lon_deg"]),
            spec.origin,
        )
        np.testing.assert_allclose(back[:2], s.position_m[:2], atol=0.02)
    # The outline of a full circle is at the ground range from its site.
    north = gj["features"][0]["geometry"]["coordinates"][0]
    s = cov.sensors[0]
    for lon, lat in north[:: len(north) // 8]:
        p = to_enu(PositionSpec(lat_deg=lat, lon_deg=lon), spec.origin)
        assert math.hypot(*(p[:2] - s.position_m[:2])) == pytest.approx(
            s.ground_range_m, abs=0.5
        )


# --------------------------------------------------------------------------- plot


def test_plot_has_km_axes_and_names_the_target(spec: ScenarioSpec) -> None:
    """Axes in km, title with the target, every sensor in the legend."""
    cov = coverage(spec, rcs_m2=0.1, pd=0.8, height_m=100.0, night=False)
    fig = plot_coverage(cov)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "east (km)"
    assert ax.get_ylabel() == "north (km)"
    assert ax.get_title() == (
        "coastal-airbase: coverage against RCS 0.1 m², Pd 0.8, height 100 m, day"
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for s in cov.sensors:
        assert any(t.startswith(f"{s.id} ({s.kind}, ") for t in legend), s.id
    x0, x1 = ax.get_xlim()
    assert x0 < -4 < 4 < x1  # km: the radars reach kilometres from the base


# --------------------------------------------------------------------------- CLI


def test_cli_writes_a_png_and_prints_the_ranges(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`coverage --out FILE.png` prints one row per sensor and writes a PNG."""
    out = tmp_path / "maps" / "coverage.png"
    assert main(["coverage", COASTAL, "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 10_000
    assert [p.name for p in out.parent.iterdir()] == ["coverage.png"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "coverage of coastal-airbase against RCS 0.01 m², Pd 0.9, height 50 m, night"
    )
    rows = {line.split()[0]: line.split()[1:3] for line in lines[2:-1]}
    assert rows["radar-north"] == ["radar", "3.50"]
    assert rows["radar-south"] == ["radar", "4.00"]
    assert rows["eo-north"] == ["camera", "0.33"]
    assert rows["rf-west"] == ["rf_detector", "3.95"]
    assert lines[-1] == f"png written to {out}"


@pytest.mark.parametrize(
    ("flags", "name"),
    [([], "cov.geojson"), (["--format", "geojson"], "cov.txt"), ([], "cov.json")],
)
def test_cli_writes_geojson(tmp_path: Path, flags: list[str], name: str) -> None:
    """GeoJSON by --format, or by default for a .geojson or .json file."""
    out = tmp_path / name
    args = ["coverage", COASTAL, "--rcs", "0.1", "--height-m", "10", "--day"]
    assert main([*args, *flags, "--out", str(out)]) == 0
    gj = json.loads(out.read_text(encoding="utf-8"))
    assert gj["type"] == "FeatureCollection"
    assert gj["features"][0]["properties"]["light"] == "day"
    assert gj["features"][0]["properties"]["rcs_m2"] == 0.1


def test_cli_refuses_an_existing_out_without_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An existing --out exits 2 and is kept; with --overwrite it is replaced."""
    out = tmp_path / "coverage.png"
    out.write_bytes(b"mine")
    assert main(["coverage", COASTAL, "--out", str(out)]) == 2
    assert capsys.readouterr() == (
        "",
        (
            f"error: --out {out}: must be a new file; got an existing file "
            "(use --overwrite to replace it)\n"
        ),
    )
    assert out.read_bytes() == b"mine"
    assert main(["coverage", COASTAL, "--out", str(out), "--overwrite"]) == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in tmp_path.iterdir()] == ["coverage.png"]


def test_cli_never_overwrites_the_scenario(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--out naming the scenario file is refused even with --overwrite."""
    scenario = tmp_path / "base.yaml"
    scenario.write_text(Path(COASTAL).read_text(encoding="utf-8"), encoding="utf-8")
    before = scenario.read_bytes()
    args = ["coverage", str(scenario), "--out", str(scenario), "--overwrite"]
    assert main([*args, "--format", "geojson"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --out {scenario}: refusing to overwrite the scenario file {scenario}\n"
    )
    assert scenario.read_bytes() == before
    assert main(["coverage", str(scenario), "--out", str(tmp_path)]) == 2
    assert "must be a file path; got a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--pd", "1.5"], "argument --pd: must be in (0, 1); got 1.5"),
        (["--pd", "high"], "argument --pd: must be a number; got 'high'"),
        (["--rcs", "0"], "argument --rcs: must be a finite number > 0; got 0"),
        (
            ["--height-m", "-5"],
            "argument --height-m: must be a finite number >= 0; got -5",
        ),
        (
            ["--height-m", "nan"],
            "argument --height-m: must be a finite number >= 0; got nan",
        ),
        (
            ["--format", "svg"],
            "argument --format: invalid choice: 'svg' (choose from png, geojson)",
        ),
        (["--night", "--day"], "argument --day: not allowed with argument --night"),
    ],
)
def test_cli_rejects_bad_flags(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    flags: list[str],
    message: str,
) -> None:
    """A bad flag exits 2 with the usage and one line, no traceback, no file."""
    with pytest.raises(SystemExit) as info:
        main(["coverage", COASTAL, "--out", str(tmp_path / "c.png"), *flags])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: skyscreen coverage")
    assert "Traceback" not in err
    assert err.splitlines()[-1].replace("'png', 'geojson'", "png, geojson") == (
        f"error: {message}"
    )
    assert list(tmp_path.iterdir()) == []


def test_cli_rejects_a_pd_at_a_radars_pfa(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Pd no radar can reach exits 2 with the reason, writing nothing."""
    assert (
        main(["coverage", COASTAL, "--pd", "1e-7", "--out", str(tmp_path / "c")]) == 2
    )
    assert capsys.readouterr() == (
        "",
        (
            "error: coverage: pd must be above the pfa of radar 'radar-north' "
            "(1e-06); got 1e-07\n"
        ),
    )
    assert list(tmp_path.iterdir()) == []


def test_cli_requires_out(capsys: pytest.CaptureFixture[str]) -> None:
    """--out is required."""
    with pytest.raises(SystemExit) as info:
        main(["coverage", COASTAL])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: the following arguments are required: --out"
    )


def test_the_documented_examples_run(tmp_path: Path) -> None:
    """Every `skyscreen coverage` line in cli.md's coverage section runs (exit 0)."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = re.search(r"^### coverage\n(.*?)(?=^#+ )", text, re.MULTILINE | re.DOTALL)
    assert section is not None
    commands = re.findall(
        r"^skyscreen coverage examples/.*$", section.group(1), re.MULTILINE
    )
    assert commands
    for k, line in enumerate(commands):
        args = shlex.split(line.split("#")[0])[1:]
        args[1] = str(ROOT / args[1])
        i = args.index("--out") + 1
        args[i] = str(tmp_path / f"{k}-{Path(args[i]).name}")
        assert main(args) == 0, line
