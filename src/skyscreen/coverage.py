r"""Sensor coverage: how far each sensor detects a chosen target, and where.

The range functions answer "at what range does this sensor detect that target?" from
a unit's ``*Spec`` with the equations of :mod:`skyscreen.models` and the limits the
engine applies (:mod:`skyscreen.engine.kinds`), so a map drawn from them shows where
the simulation detects:

- :func:`detection_range_m`: a radar against a target of RCS σ, per scan with
  probability Pd (:func:`skyscreen.models.radar.range_for_pd_m`); at a given height,
  within the horizon, the instrumented range and the elevation limits, and less the
  clutter loss of a target in the clutter layer;
- :func:`eoir_detection_range_m`: a camera, per look with probability Pd, R50 by day
  or night capped by the visibility (:func:`skyscreen.models.eoir.eoir_range_for_pd_m`),
  within its ``range_max_m``;
- :func:`rf_detection_range_m`: an RF detector against a drone's downlink
  (:func:`skyscreen.models.rf.rf_detection_range_m`), within its ``range_max_m``.

:func:`coverage` applies them to every sensor of a scenario for one target at one
height and gives each sensor's covered area on the ground plane; :func:`coverage_geojson`
writes the areas and their union as GeoJSON (longitude, latitude) and
:func:`plot_coverage` draws them (matplotlib, the ``plot`` extra).

Ranges are slant ranges, as the engine compares them; the areas are at the target's
height, in the scenario's East-North-Up plane, so their radii are ground ranges.

Examples
--------
>>> from skyscreen.scenario import example_path, load_scenario
>>> spec = load_scenario(example_path("coastal-airbase"))
>>> cov = coverage(spec, rcs_m2=0.01, pd=0.9, height_m=50.0)
>>> [(s.id, round(s.range_m)) for s in cov.sensors]
[('radar-north', 3500), ('radar-south', 4000), ('eo-north', 333), ('eo-east', 333),
 ('rf-west', 3953), ('rf-east', 3953)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from skyscreen._typing import BoolArray, FloatArray
from skyscreen.errors import ModelError, SkyscreenError
from skyscreen.models import eoir as eoir_model
from skyscreen.models import radar as radar_model
from skyscreen.models import rf as rf_model
from skyscreen.scenario import load_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.kinds import CameraSpec, RadarSpec, RFDetectorSpec
from skyscreen.scenario.spec import DroneSpec, ScenarioSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CoverageResult",
    "SensorCoverage",
    "coverage",
    "coverage_geojson",
    "detection_range_m",
    "eoir_detection_range_m",
    "plot_coverage",
    "rf_detection_range_m",
]

_MIN_RANGE_M = 1e-3
"""The engine's floor on a slant range (engine/kinds/radar.py, camera.py)."""

Interval = tuple[float, float, float]
"""A covered band of ground range: (inner edge, outer edge, slant range at the outer)."""


# --------------------------------------------------------------------------- checks


def _check_probability(func: str, name: str, value: object, low: float = 0.0) -> None:
    if not (isinstance(value, int | float) and low < value < 1.0):
        raise ModelError(f"{func}: {name} must be in ({low:g}, 1); got {value!r}")


def _check_positive(func: str, name: str, value: object, finite: bool = True) -> None:
    if not (
        isinstance(value, int | float)
        and value > 0.0
        and (math.isfinite(value) or not finite)
    ):
        what = "a finite number" if finite else "a number"
        raise ModelError(f"{func}: {name} must be {what} > 0; got {value!r}")


def _check_height(func: str, height_m: object) -> None:
    if height_m is None:
        return
    if not (
        isinstance(height_m, int | float) and math.isfinite(height_m) and height_m >= 0
    ):
        raise ModelError(
            f"{func}: height_m must be a finite number >= 0 or None; got {height_m!r}"
        )


def _check_spec(func: str, name: str, value: Any, cls: type) -> None:
    if not isinstance(value, cls):
        raise ModelError(
            f"{func}: {name} must be a {cls.__name__}; got {type(value).__name__}"
        )


# --------------------------------------------------------------------------- geometry


def _intervals(
    rz_m: float,
    slant_breaks_m: Sequence[float],
    ground_breaks_m: Sequence[float],
    covered: Callable[[FloatArray], BoolArray],
) -> tuple[Interval, ...]:
    """Bands of ground range where ``covered`` holds, for a target ``rz_m`` above.

    ``covered(g)`` is the engine's test at ground ranges ``g``; it may change only at
    the given slant ranges (range limits, horizon, the range of the wanted Pd) and
    ground ranges (elevation limits, the clutter's reach), so testing it once
    between each pair of neighbouring breaks finds every band exactly, with its
    edges at the breaks' closed-form values.
    """
    # (ground range, 0 for a slant break / 1 for a ground break, slant range): ties
    # put the slant break first, so an outer edge keeps its exact slant range.
    points = [(0.0, 0, max(abs(rz_m), _MIN_RANGE_M))]
    for s in slant_breaks_m:
        if math.isfinite(s) and s >= abs(rz_m):
            points.append((math.sqrt(s * s - rz_m * rz_m), 0, s))
    for g in ground_breaks_m:
        if math.isfinite(g) and g > 0.0:
            points.append((g, 1, math.hypot(g, rz_m)))
    points.sort()
    g_at = np.array([p[0] for p in points])
    if len(g_at) < 2:
        return ()
    inside = covered((g_at[:-1] + g_at[1:]) / 2.0) & (g_at[1:] > g_at[:-1])
    out: list[Interval] = []
    for i in np.flatnonzero(inside):
        lo, hi, slant = points[i][0], points[i + 1][0], points[i + 1][2]
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi, slant)
        else:
            out.append((lo, hi, slant))
    return tuple(out)


def _elevation_breaks(rz_m: float, *elevations_rad: float) -> list[float]:
    """Ground ranges where the elevation of a target ``rz_m`` above equals each one."""
    out = []
    for el in elevations_rad:
        t = math.tan(el)
        if t != 0.0 and abs(el) < math.pi / 2:
            out.append(rz_m / t)
    return out


def _outer(intervals: tuple[Interval, ...]) -> float:
    return intervals[-1][2] if intervals else 0.0


def _slant(g: FloatArray, rz_m: float) -> FloatArray:
    return np.maximum(np.hypot(g, rz_m), _MIN_RANGE_M)


# --------------------------------------------------------------------------- radar


def _radar_intervals(
    radar: RadarSpec, rcs_m2: float, pd: float, swerling: int, height_m: float
) -> tuple[Interval, ...]:
    """Where the engine's radar test (engine/kinds/radar.py ``_detect``) gives >= pd."""
    h_radar = radar.position.height_m
    rz = height_m - h_radar
    snr_ref = radar_model.snr_from_reference(radar.pd_ref, radar.pfa, 1)
    snr_req = radar_model.snr_from_reference(pd, radar.pfa, swerling)
    free = radar_model.range_for_pd_m(
        pd,
        radar.pfa,
        rcs_m2,
        snr_ref,
        radar.rcs_ref_m2,
        radar.range_ref_m,
        swerling,
    )
    # SNR ∝ R⁻⁴, so a clutter factor f on the SNR scales the range by f^(1/4).
    f = float(
        radar_model.clutter_factor(
            height_m,
            0.0,
            radar.clutter_height_m,
            radar.clutter_range_m,
            radar.clutter_loss_db,
        )
    )
    horizon = float(radar_model.horizon_range_m(h_radar, height_m))
    el_min = math.radians(radar.elevation_min_deg)
    el_max = math.radians(radar.elevation_max_deg)

    def covered(g: FloatArray) -> BoolArray:
        rng = _slant(g, rz)
        el = np.arctan2(rz, g)
        snr = np.asarray(
            radar_model.snr(rng, rcs_m2, snr_ref, radar.rcs_ref_m2, radar.range_ref_m)
        ) * np.asarray(
            radar_model.clutter_factor(
                height_m,
                g,
                radar.clutter_height_m,
                radar.clutter_range_m,
                radar.clutter_loss_db,
            )
        )
        return np.asarray(
            (rng >= radar.range_min_m)
            & (rng <= radar.range_max_m)
            & (el >= el_min)
            & (el <= el_max)
            & (rng <= horizon)
            & (snr >= snr_req)
        )

    return _intervals(
        rz,
        [radar.range_min_m, radar.range_max_m, horizon, free, free * f**0.25],
        [radar.clutter_range_m, *_elevation_breaks(rz, el_min, el_max)],
        covered,
    )


def detection_range_m(
    radar: RadarSpec,
    rcs_m2: float,
    pd: float = 0.9,
    *,
    swerling: int = 1,
    height_m: float | None = None,
) -> float:
    r"""Slant range at which a radar detects a target per scan with probability ``pd``.

    Without ``height_m``, the radar equation alone, scaled from the radar's reference
    detection (:func:`skyscreen.models.radar.range_for_pd_m`):

    .. math:: R = R_{ref}\,\left(\frac{\mathrm{SNR}_{ref}\,\sigma}
              {\sigma_{ref}\,\mathrm{SNR}_{req}}\right)^{1/4},

    where :math:`\mathrm{SNR}_{ref}` is the SNR of the Swerling 1 reference and
    :math:`\mathrm{SNR}_{req}` the SNR at which the target's Swerling case reaches
    ``pd`` (:func:`skyscreen.models.radar.snr_from_reference`). So the range scales
    as :math:`\sigma^{1/4}`.

    With ``height_m``, the farthest slant range at which the engine detects a target
    flying at that height with at least ``pd``: within ``range_max_m``, the 4/3-earth
    horizon (:func:`skyscreen.models.radar.horizon_range_m`) and the elevation
    limits; a target below ``clutter_height_m`` within ``clutter_range_m`` keeps only
    the fraction f of its SNR (:func:`skyscreen.models.radar.clutter_factor`), which
    shortens its range to :math:`R f^{1/4}` there. Where that falls short of
    ``clutter_range_m`` but the clean range reaches beyond it, the target is
    detected again past the clutter's reach: the farthest range is returned, and
    :func:`coverage` shows the gap. 0.0 where the radar detects it nowhere at that
    height. The azimuth sector does not change the range (see
    :func:`coverage` for the area).

    Parameters
    ----------
    radar : RadarSpec
        The radar (its mast height is ``radar.position.height_m``).
    rcs_m2 : float
        Mean radar cross-section of the target (m²), > 0.
    pd : float, default 0.9
        Per-scan detection probability, in (``radar.pfa``, 1).
    swerling : {1, 0}, keyword-only
        The target's fluctuation model.
    height_m : float, optional, keyword-only
        The target's height above the surface (m), >= 0.

    Returns
    -------
    float
        Slant range (m).

    Raises
    ------
    ModelError
        If an argument is outside its range.

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> spec = load_scenario(example_path("coastal-airbase"))
    >>> radar = spec.sites[0].sensors[0]  # radar-north: 0.01 m² at 3.5 km, Pd 0.9
    >>> round(detection_range_m(radar, 0.01, 0.9))
    3500
    >>> round(detection_range_m(radar, 1.0, 0.9))  # 100 x the RCS: 100^(1/4) x range
    11068
    >>> round(detection_range_m(radar, 0.1, 0.9, height_m=50.0))
    6224
    >>> round(detection_range_m(radar, 0.1, 0.9, height_m=10.0))  # in the clutter
    4240
    """
    func = "detection_range_m"
    _check_spec(func, "radar", radar, RadarSpec)
    _check_positive(func, "rcs_m2", rcs_m2)
    _check_probability(func, "pd", pd, low=radar.pfa)
    if swerling not in (0, 1):
        raise ModelError(f"{func}: swerling must be 0 or 1; got {swerling!r}")
    _check_height(func, height_m)
    if height_m is None:
        snr_ref = radar_model.snr_from_reference(radar.pd_ref, radar.pfa, 1)
        return radar_model.range_for_pd_m(
            pd,
            radar.pfa,
            rcs_m2,
            snr_ref,
            radar.rcs_ref_m2,
            radar.range_ref_m,
            swerling,
        )
    return _outer(_radar_intervals(radar, rcs_m2, pd, swerling, float(height_m)))


# --------------------------------------------------------------------------- camera


def _camera_r50_m(camera: CameraSpec, night: bool, visibility_m: float) -> float:
    r50 = camera.r50_night_m if night else camera.r50_day_m
    return float(eoir_model.effective_r50_m(r50, visibility_m))


def _camera_intervals(
    camera: CameraSpec, pd: float, r50_m: float, height_m: float
) -> tuple[Interval, ...]:
    """Where the engine's camera test (engine/kinds/camera.py) gives >= pd."""
    h_cam = camera.position.height_m
    rz = height_m - h_cam
    reach = float(eoir_model.eoir_range_for_pd_m(pd, r50_m, camera.pd_exponent))
    horizon = float(radar_model.horizon_range_m(h_cam, height_m))

    def covered(g: FloatArray) -> BoolArray:
        rng = _slant(g, rz)
        p = np.asarray(eoir_model.eoir_pd(rng, r50_m, camera.pd_exponent))
        return np.asarray((rng <= camera.range_max_m) & (rng <= horizon) & (p >= pd))

    return _intervals(rz, [camera.range_max_m, horizon, reach], [], covered)


def eoir_detection_range_m(
    camera: CameraSpec,
    pd: float = 0.5,
    *,
    night: bool = False,
    visibility_m: float = math.inf,
    height_m: float | None = None,
) -> float:
    r"""Slant range at which one look of a camera detects a drone with probability ``pd``.

    The inverse of the per-look :math:`P_d = 1/(1 + (R/R_{50})^k)`
    (:func:`skyscreen.models.eoir.eoir_range_for_pd_m`),
    :math:`R = R_{50}\,((1 - P_d)/P_d)^{1/k}`, with :math:`R_{50}` the camera's
    ``r50_night_m`` or ``r50_day_m`` capped by the visibility, and at most the
    camera's ``range_max_m``. At ``pd = 0.5`` it is :math:`R_{50}` itself. With
    ``height_m``, also within the horizon as the engine applies it to cameras. The
    camera slews, so the range holds in every direction; a look sees only its field
    of view.

    Parameters
    ----------
    camera : CameraSpec
        The camera.
    pd : float, default 0.5
        Per-look detection probability, in (0, 1).
    night : bool, default False, keyword-only
        Use the night R50.
    visibility_m : float, default inf, keyword-only
        Meteorological visibility (m), > 0; it caps R50.
    height_m : float, optional, keyword-only
        The drone's height above the surface (m), >= 0.

    Returns
    -------
    float
        Slant range (m).

    Raises
    ------
    ModelError
        If an argument is outside its range.

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> spec = load_scenario(example_path("coastal-airbase"))
    >>> camera = spec.sites[0].sensors[2]  # eo-north: R50 3 km by day, 1 km at night
    >>> eoir_detection_range_m(camera), eoir_detection_range_m(camera, night=True)
    (3000.0, 1000.0)
    >>> eoir_detection_range_m(camera, visibility_m=2000.0)  # haze caps R50
    2000.0
    >>> round(eoir_detection_range_m(camera, 0.9, night=True), 1)  # R50 / 3 for k = 2
    333.3
    """
    func = "eoir_detection_range_m"
    _check_spec(func, "camera", camera, CameraSpec)
    _check_probability(func, "pd", pd)
    _check_positive(func, "visibility_m", visibility_m, finite=False)
    _check_height(func, height_m)
    r50 = _camera_r50_m(camera, bool(night), float(visibility_m))
    if height_m is None:
        reach = float(eoir_model.eoir_range_for_pd_m(pd, r50, camera.pd_exponent))
        return min(reach, camera.range_max_m)
    return _outer(_camera_intervals(camera, pd, r50, float(height_m)))


# --------------------------------------------------------------------------- RF


def _rf_link_range_m(detector: RFDetectorSpec, drone: DroneSpec) -> float:
    return float(
        rf_model.rf_detection_range_m(
            drone.downlink_eirp_w,
            10.0 ** (detector.gain_dbi / 10.0),
            10.0 ** ((detector.sensitivity_dbm - 30.0) / 10.0),
            drone.link_frequency_hz,
        )
    )


def _rf_intervals(
    detector: RFDetectorSpec, drone: DroneSpec, height_m: float
) -> tuple[Interval, ...]:
    """Where the engine's RF test (engine/kinds/rf_detector.py ``_heard``) holds."""
    h_det = detector.position.height_m
    rz = height_m - h_det
    gain = 10.0 ** (detector.gain_dbi / 10.0)
    sensitivity_w = 10.0 ** ((detector.sensitivity_dbm - 30.0) / 10.0)
    horizon = float(radar_model.horizon_range_m(h_det, height_m))

    def covered(g: FloatArray) -> BoolArray:
        dist = np.hypot(g, rz)
        power = rf_model.rf_received_power_w(
            drone.downlink_eirp_w, gain, dist, drone.link_frequency_hz
        )
        return np.asarray(
            (power >= sensitivity_w)
            & (dist <= detector.range_max_m)
            & (dist <= horizon)
        )

    reach = _rf_link_range_m(detector, drone)
    return _intervals(rz, [detector.range_max_m, horizon, reach], [], covered)


def rf_detection_range_m(
    detector: RFDetectorSpec, drone: DroneSpec, *, height_m: float | None = None
) -> float:
    r"""Distance within which an RF detector hears a drone's downlink.

    The free-space link budget of :func:`skyscreen.models.rf.rf_detection_range_m`,

    .. math:: R = \frac{\lambda}{4\pi}\sqrt{\frac{P_t G_r}{S}}, \qquad \lambda = c/f,

    with the drone's ``downlink_eirp_w`` :math:`P_t` at its ``link_frequency_hz`` f
    and the detector's gain :math:`G_r` and sensitivity S, at most the detector's
    ``range_max_m``; with ``height_m``, also within the 4/3-earth horizon. Within it,
    each look hears the link with the detector's ``pd_per_look``. Only ``rf_link``
    drones transmit: for a drone flying by GNSS or autonomously it is 0.0.

    Parameters
    ----------
    detector : RFDetectorSpec
        The detector.
    drone : DroneSpec
        The drone (a raid's ``drone``).
    height_m : float, optional, keyword-only
        The drone's height above the surface (m), >= 0.

    Returns
    -------
    float
        Distance (m).

    Raises
    ------
    ModelError
        If an argument is outside its range.

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> spec = load_scenario(example_path("coastal-airbase"))
    >>> detector = spec.sites[0].sensors[4]  # rf-west: -85 dBm, 0 dBi
    >>> quad = spec.raids[2].drone  # multirotor: 0.5 W downlink at 2.4 GHz
    >>> round(rf_detection_range_m(detector, quad))
    3953
    >>> rf_detection_range_m(detector, spec.raids[0].drone)  # GNSS: silent
    0.0
    """
    func = "rf_detection_range_m"
    _check_spec(func, "detector", detector, RFDetectorSpec)
    _check_spec(func, "drone", drone, DroneSpec)
    _check_height(func, height_m)
    if drone.guidance != "rf_link":
        return 0.0
    if height_m is None:
        return min(_rf_link_range_m(detector, drone), detector.range_max_m)
    return _outer(_rf_intervals(detector, drone, float(height_m)))


# --------------------------------------------------------------------------- scenario


@dataclass(frozen=True, slots=True, eq=False)
class SensorCoverage:
    """One sensor's coverage of one target at one height.

    Attributes
    ----------
    id, kind : str
        The sensor's id and kind (``radar``, ``camera``, ``rf_detector``).
    position_m : FloatArray of shape (3,)
        Its position in the scenario's ENU plane (east, north, mast height; m).
    range_m : float
        Slant range of the farthest detection (m); 0.0 if it detects the target
        nowhere at that height, NaN if the sensor was skipped (see ``note``).
    intervals_m : tuple of (float, float)
        The bands of ground range (inner, outer) it covers, innermost first (m). An
        inner edge above 0 is a hole (minimum range, cone of silence); a gap between
        bands is a ring where it does not detect (e.g. a low target within the
        clutter's reach).
    azimuth_rad, half_sector_rad : float
        Centre (math angle, counter-clockwise from east) and half width of the
        azimuth sector covered; ``half_sector_rad`` is π for the full circle.
    note : str
        What the range is against, and why a sensor was skipped.
    """

    id: str
    kind: str
    position_m: FloatArray
    range_m: float
    intervals_m: tuple[tuple[float, float], ...]
    azimuth_rad: float
    half_sector_rad: float
    note: str

    @property
    def ground_range_m(self) -> float:
        """Ground range of the covered area's outer edge (m); 0.0 if none."""
        return self.intervals_m[-1][1] if self.intervals_m else 0.0

    @property
    def full_circle(self) -> bool:
        """Whether the sensor covers every azimuth."""
        return self.half_sector_rad >= math.pi

    def polygons_m(
        self, n_per_circle: int = 360
    ) -> list[tuple[FloatArray, list[FloatArray]]]:
        """The covered area as polygons in the ENU plane.

        Parameters
        ----------
        n_per_circle : int, default 360
            Vertices per full circle of an outline.

        Returns
        -------
        list of (exterior, holes)
            One polygon per band of :attr:`intervals_m`: its exterior ring, an
            ndarray of shape (n, 2) (east, north; m), counter-clockwise and closed
            (last vertex = first), and its holes, clockwise and closed. Empty if the
            sensor covers nothing.
        """
        x0, y0 = float(self.position_m[0]), float(self.position_m[1])

        def arc(radius: float, a0: float, a1: float) -> FloatArray:
            n = max(2, math.ceil(n_per_circle * abs(a1 - a0) / (2 * math.pi))) + 1
            a = np.linspace(a0, a1, n)
            return np.column_stack([x0 + radius * np.cos(a), y0 + radius * np.sin(a)])

        def closed(ring: FloatArray) -> FloatArray:
            return np.vstack([ring, ring[:1]])

        out: list[tuple[FloatArray, list[FloatArray]]] = []
        for lo, hi in self.intervals_m:
            if self.full_circle:
                outer = closed(arc(hi, 0.0, 2 * math.pi)[:-1])
                holes = [closed(arc(lo, 2 * math.pi, 0.0)[:-1])] if lo > 0 else []
                out.append((outer, holes))
                continue
            a0 = self.azimuth_rad - self.half_sector_rad
            a1 = self.azimuth_rad + self.half_sector_rad
            inner = arc(lo, a1, a0) if lo > 0 else np.array([[x0, y0]])
            out.append((closed(np.vstack([arc(hi, a0, a1), inner])), []))
        return out


@dataclass(frozen=True, slots=True, eq=False)
class CoverageResult:
    """Every sensor's coverage of one target: what :func:`coverage` returns.

    Attributes
    ----------
    scenario : ScenarioSpec
        The scenario.
    sensors : tuple of SensorCoverage
        One per sensor, in scenario order.
    rcs_m2, pd, height_m : float
        The target: its RCS (radars), the detection probability (per scan for a
        radar, per look for a camera) and its height above the surface.
    night : bool
        Whether the cameras used their night R50.
    asset_ids : tuple of str
        The scenario's assets.
    asset_pos_m : FloatArray of shape (n_asset, 3)
        Their ENU positions (m).
    """

    scenario: ScenarioSpec
    sensors: tuple[SensorCoverage, ...]
    rcs_m2: float
    pd: float
    height_m: float
    night: bool
    asset_ids: tuple[str, ...]
    asset_pos_m: FloatArray

    @property
    def target(self) -> str:
        """The target in words, e.g. ``'RCS 0.01 m², Pd 0.9, height 50 m, night'``."""
        light = "night" if self.night else "day"
        return (
            f"RCS {self.rcs_m2:g} m², Pd {self.pd:g}, height {self.height_m:g} m, "
            f"{light}"
        )


def _radar_note(radar: RadarSpec, swerling: int, height_m: float) -> str:
    note = f"per scan, Swerling {swerling}; " + (
        "all round"
        if radar.sector_deg >= 360.0
        else f"sector {radar.sector_deg:g}° about {radar.azimuth_deg % 360:g}°"
    )
    f = float(
        radar_model.clutter_factor(
            height_m,
            0.0,
            radar.clutter_height_m,
            radar.clutter_range_m,
            radar.clutter_loss_db,
        )
    )
    if f < 1.0:
        note += (
            f"; in the clutter layer within {radar.clutter_range_m / 1000:g} km "
            f"(SNR x {f:.3g})"
        )
    return note


def _rf_coverage(
    detector: RFDetectorSpec, spec: ScenarioSpec, height_m: float
) -> tuple[tuple[Interval, ...] | None, str]:
    """An RF detector's bands against the rf_link raid it hears least far, and a note.

    None for the bands if the scenario has no rf_link drone: nothing to hear.
    """
    raids = [r for r in spec.raids if r.drone.guidance == "rf_link"]
    if not raids:
        return None, "skipped: no rf_link drones in the scenario to hear"
    options = [(_rf_intervals(detector, r.drone, height_m), r) for r in raids]
    bands, raid = min(options, key=lambda o: _outer(o[0]))
    d = raid.drone
    note = (
        f"downlink of raid {raid.id!r} ({d.downlink_eirp_w:g} W at "
        f"{d.link_frequency_hz / 1e9:g} GHz)"
    )
    if len(raids) > 1:
        note += f", the shortest range of {len(raids)} rf_link raids"
    return bands, note


def coverage(
    spec: ScenarioSpec | str | Path,
    rcs_m2: float = 0.01,
    pd: float = 0.9,
    height_m: float = 50.0,
    night: bool | None = None,
    *,
    swerling: int = 1,
) -> CoverageResult:
    """Each sensor's detection range and covered area for one target at one height.

    - A **radar**: :func:`detection_range_m` against RCS ``rcs_m2`` at ``height_m``
      (range, horizon, elevation and clutter as the engine), per scan with ``pd``;
      the area is its azimuth sector, holed by the minimum range and the cone of
      silence.
    - A **camera**: :func:`eoir_detection_range_m` with ``pd`` as the per-look
      probability (one look; ``pd = 0.5`` gives R50), R50 for the light capped by
      the scenario's visibility; the area is a full circle, since the mount slews
      to any azimuth (one look sees only its field of view).
    - An **RF detector**: :func:`rf_detection_range_m` against the downlinks of the
      scenario's ``rf_link`` drones (the shortest range when raids differ); RCS and
      ``pd`` do not apply (each look hears a link in range with the detector's
      ``pd_per_look``). A scenario without ``rf_link`` drones has nothing for it to
      hear: the detector is listed with range NaN, no area and a note.

    Parameters
    ----------
    spec : ScenarioSpec or path
        The scenario, or a scenario file to load.
    rcs_m2 : float, default 0.01
        The target's mean RCS (m²), > 0.
    pd : float, default 0.9
        Detection probability, in (0, 1) (for a radar, above its ``pfa``).
    height_m : float, default 50.0
        The target's height above the surface (m), >= 0.
    night : bool, optional
        Cameras use their night R50; default the scenario's
        ``environment.time_of_day``.
    swerling : {1, 0}, keyword-only
        The target's fluctuation model (radars).

    Returns
    -------
    CoverageResult

    Raises
    ------
    ModelError
        If an argument is outside its range.

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> cov = coverage(example_path("coastal-airbase"), rcs_m2=0.1, height_m=100.0)
    >>> cov.target
    'RCS 0.1 m², Pd 0.9, height 100 m, night'
    >>> [(s.kind, round(s.range_m)) for s in cov.sensors[:3]]
    [('radar', 6224), ('radar', 7113), ('camera', 333)]
    """
    func = "coverage"
    if not isinstance(spec, ScenarioSpec):
        spec = load_scenario(spec)
    _check_positive(func, "rcs_m2", rcs_m2)
    _check_probability(func, "pd", pd)
    if swerling not in (0, 1):
        raise ModelError(f"{func}: swerling must be 0 or 1; got {swerling!r}")
    _check_height(func, height_m)
    if night is None:
        night = spec.environment.time_of_day == "night"
    h = float(height_m)
    visibility = spec.environment.visibility_m
    params = compile_scenario(spec)
    where = params.sensors.positions()

    out: list[SensorCoverage] = []
    for site in spec.sites:
        for s in site.sensors:
            if not s.enabled:  # left out of the run: no coverage
                continue
            azimuth, half = 0.0, math.pi  # cameras and RF detectors: all round
            skipped = False
            if isinstance(s, RadarSpec):
                if pd <= s.pfa:
                    raise ModelError(
                        f"{func}: pd must be above the pfa of radar {s.id!r} "
                        f"({s.pfa:g}); got {pd!r}"
                    )
                bands = _radar_intervals(s, rcs_m2, pd, swerling, h)
                note = _radar_note(s, swerling, h)
                azimuth = math.pi / 2 - math.radians(s.azimuth_deg)
                half = math.radians(s.sector_deg) / 2
            elif isinstance(s, CameraSpec):
                r50 = _camera_r50_m(s, night, visibility)
                bands = _camera_intervals(s, pd, r50, h)
                note = (
                    f"per look; R50 {r50:g} m ({'night' if night else 'day'}, "
                    f"visibility {visibility:g} m); all round: the mount slews"
                )
            elif isinstance(s, RFDetectorSpec):
                found, note = _rf_coverage(s, spec, h)
                bands, skipped = found or (), found is None
            else:  # pragma: no cover - a new sensor kind must be added here
                raise SkyscreenError(f"coverage: unknown sensor kind {s.kind!r}")
            out.append(
                SensorCoverage(
                    id=s.id,
                    kind=s.kind,
                    position_m=where[s.id],
                    range_m=math.nan if skipped else _outer(bands),
                    intervals_m=tuple((lo, hi) for lo, hi, _ in bands),
                    azimuth_rad=azimuth,
                    half_sector_rad=half,
                    note=note,
                )
            )
    return CoverageResult(
        scenario=spec,
        sensors=tuple(out),
        rcs_m2=float(rcs_m2),
        pd=float(pd),
        height_m=h,
        night=bool(night),
        asset_ids=params.assets.ids,
        asset_pos_m=np.array(params.assets.pos_m),
    )


# --------------------------------------------------------------------------- outputs


def _require(package: str, what: str) -> None:
    """Raise unless an optional dependency imports, saying which extra installs it."""
    import importlib

    try:
        importlib.import_module(package)
    except ImportError:
        raise SkyscreenError(
            f"{what} needs the package {package!r}; install it with "
            "pip install 'skyscreen[plot]'"
        ) from None


def _shapes(result: CoverageResult, n_per_circle: int) -> tuple[list[Any], Any]:
    """Each sensor's area as a shapely geometry (None where it has none) and the union."""
    _require("shapely", "the union of the coverage areas")
    import shapely
    from shapely import geometry

    shapes: list[Any] = []
    for s in result.sensors:
        parts = [
            geometry.Polygon(outer, holes)
            for outer, holes in s.polygons_m(n_per_circle)
        ]
        shapes.append(geometry.MultiPolygon(parts) if parts else None)
    union = shapely.unary_union([g for g in shapes if g is not None])
    return shapes, union


def _rings(geom: Any) -> list[list[FloatArray]]:
    """Polygons of a shapely (multi)polygon as [exterior, *holes], right-hand rule."""
    from shapely.geometry.polygon import orient

    polys = list(getattr(geom, "geoms", [geom]))
    out = []
    for p in polys:
        if p.is_empty:
            continue
        p = orient(p, 1.0)  # exterior counter-clockwise, holes clockwise
        out.append(
            [np.asarray(p.exterior.coords)]
            + [np.asarray(r.coords) for r in p.interiors]
        )
    return out


def _lonlat(ring: FloatArray, result: CoverageResult) -> list[list[float]]:
    """ENU points (east, north) to [lon, lat] pairs at the origin's altitude.

    The inverse of :func:`skyscreen.scenario._geometry.to_enu`, which projects
    geodetic points with :func:`pymap3d.geodetic2enu` at the origin's altitude.
    """
    import pymap3d

    o = result.scenario.origin
    lat, lon, _ = pymap3d.enu2geodetic(
        ring[:, 0], ring[:, 1], 0.0, o.lat_deg, o.lon_deg, o.alt_m
    )
    return [
        [round(float(x), 7), round(float(y), 7)]
        for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat), strict=True)
    ]


def _geojson_geometry(geom: Any, result: CoverageResult) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    polys = [[_lonlat(r, result) for r in rings] for rings in _rings(geom)]
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def coverage_geojson(
    result: CoverageResult, *, n_per_circle: int = 360
) -> dict[str, Any]:
    """The coverage areas as a GeoJSON FeatureCollection (RFC 7946).

    One feature per sensor (a Polygon, or a MultiPolygon where its area comes in
    separate rings; no geometry, ``null``, where it covers nothing or was skipped)
    and a last feature, ``id`` ``"union"``, for the area some sensor covers.
    Coordinates are [longitude, latitude] (degrees, 7 decimals), converted from the
    scenario's ENU plane at its origin; rings are closed, exteriors
    counter-clockwise and holes clockwise. Each feature's ``properties`` hold the
    sensor's ``id``, ``kind``, ``range_m``, ``ground_range_m``, its site's
    ``lon_deg``/``lat_deg`` and the ``note``, and the target (``rcs_m2``, ``pd``,
    ``height_m``, ``light``). Needs shapely (the ``plot`` extra) for the union.

    Parameters
    ----------
    result : CoverageResult
        What :func:`coverage` returned.
    n_per_circle : int, default 360, keyword-only
        Vertices per full circle of an outline.

    Returns
    -------
    dict
        The FeatureCollection; ``json.dumps`` writes it.

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> gj = coverage_geojson(coverage(example_path("coastal-airbase")))
    >>> [f["properties"]["id"] for f in gj["features"]][-3:]
    ['rf-west', 'rf-east', 'union']
    >>> ring = gj["features"][0]["geometry"]["coordinates"][0]
    >>> ring[0] == ring[-1], [round(c, 2) for c in ring[0]]
    (True, [25.04, 35.01])
    """
    shapes, union = _shapes(result, n_per_circle)
    common = {
        "rcs_m2": result.rcs_m2,
        "pd": result.pd,
        "height_m": result.height_m,
        "light": "night" if result.night else "day",
    }
    features: list[dict[str, Any]] = []
    for s, geom in zip(result.sensors, shapes, strict=True):
        lon, lat = _lonlat(np.asarray(s.position_m[:2])[None, :], result)[0]
        features.append(
            {
                "type": "Feature",
                "geometry": _geojson_geometry(geom, result),
                "properties": {
                    "id": s.id,
                    "kind": s.kind,
                    "range_m": None if math.isnan(s.range_m) else s.range_m,
                    "ground_range_m": s.ground_range_m,
                    "lon_deg": lon,
                    "lat_deg": lat,
                    "note": s.note,
                    **common,
                },
            }
        )
    features.append(
        {
            "type": "Feature",
            "geometry": _geojson_geometry(union, result),
            "properties": {
                "id": "union",
                "kind": "union",
                "area_km2": round(float(union.area) / 1e6, 6),
                **common,
            },
        }
    )
    return {"type": "FeatureCollection", "features": features}


_COLOURS = {"radar": "tab:blue", "camera": "tab:orange", "rf_detector": "tab:green"}
_STYLES = ("-", "--", "-.", ":")


def plot_coverage(result: CoverageResult, *, n_per_circle: int = 360) -> Figure:
    """A map of the coverage: each sensor's outline, their union shaded, sites, assets.

    Axes in km east and north of the scenario's origin; the title names the target.
    Sensors at one position share a marker and label. Drawn on a new figure with the
    Agg backend (no display; ``pyplot`` is not used, so nothing global changes):
    save it with ``fig.savefig("coverage.png")``. Needs matplotlib and shapely (the
    ``plot`` extra).

    Parameters
    ----------
    result : CoverageResult
        What :func:`coverage` returned.
    n_per_circle : int, default 360, keyword-only
        Vertices per full circle of an outline.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> fig = plot_coverage(coverage(example_path("coastal-airbase")))
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('east (km)', 'north (km)')
    """
    _require("matplotlib", "plot_coverage")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    shapes, union = _shapes(result, n_per_circle)
    fig = Figure(figsize=(11.0, 8.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    # The union, shaded: each polygon one path, holes wound the other way.
    for rings in _rings(union):
        verts = np.vstack(rings) / 1000.0
        codes = np.concatenate(
            [
                [MplPath.MOVETO, *[MplPath.LINETO] * (len(r) - 2), MplPath.CLOSEPOLY]
                for r in rings
            ]
        )
        ax.add_patch(
            PathPatch(
                MplPath(verts, codes),
                facecolor="tab:cyan",
                alpha=0.25,
                edgecolor="none",
            )
        )
    if not union.is_empty:
        ax.plot([], [], color="tab:cyan", alpha=0.5, lw=8, label="covered (union)")

    seen: dict[str, int] = {}
    for s, geom in zip(result.sensors, shapes, strict=True):
        colour = _COLOURS.get(s.kind, "tab:gray")
        # Sensors of a kind share a colour; each has its own line style.
        style = _STYLES[seen.get(s.kind, 0) % len(_STYLES)]
        seen[s.kind] = seen.get(s.kind, 0) + 1
        label = f"{s.id} ({s.kind}, " + (
            "skipped)" if math.isnan(s.range_m) else f"{s.range_m / 1000:.2f} km)"
        )
        first = True
        for rings in _rings(geom) if geom is not None else []:
            for r in rings:
                ax.plot(
                    r[:, 0] / 1000.0,
                    r[:, 1] / 1000.0,
                    color=colour,
                    ls=style,
                    lw=1.2,
                    label=label if first else None,
                )
                first = False
        if first:  # nothing drawn: still name it in the legend
            ax.plot([], [], color=colour, lw=1.2, ls=":", label=label)

    # Sites: one marker and one label per position.
    at: dict[tuple[float, float], list[SensorCoverage]] = {}
    for s in result.sensors:
        key = (round(float(s.position_m[0]), 3), round(float(s.position_m[1]), 3))
        at.setdefault(key, []).append(s)
    for (x, y), group in at.items():
        ax.plot(x / 1000.0, y / 1000.0, "^", color="black", ms=7)
        ax.annotate(
            ", ".join(s.id for s in group),
            (x / 1000.0, y / 1000.0),
            xytext=(5, 5),
            textcoords="offset points",
            fontsize=8,
        )
    if len(result.asset_ids):
        pos = result.asset_pos_m / 1000.0
        ax.plot(pos[:, 0], pos[:, 1], "s", color="tab:red", ms=5, label="assets")
        for name, (x, y) in zip(result.asset_ids, pos[:, :2], strict=True):
            ax.annotate(
                name,
                (x, y),
                xytext=(4, -10),
                textcoords="offset points",
                fontsize=7,
                color="tab:red",
            )
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("east (km)")
    ax.set_ylabel("north (km)")
    ax.set_title(f"{result.scenario.name}: coverage against {result.target}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig
