"""Notional class defaults: one value per field, each with the reason for its choice.

Values sit inside the public class-level ranges of MODELS.md ("Notional classes"); none
describes a real system. A scenario selects a class with ``class: <name>`` and overrides
any field. ``docs/classes.md`` is generated from these tables.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLASSES", "ClassDefault"]


class ClassDefault:
    """A default value and why it was chosen."""

    __slots__ = ("reason", "value")

    def __init__(self, value: Any, reason: str) -> None:
        self.value = value
        self.reason = reason


D = ClassDefault

DRONE_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "fixed_wing_owa": {
        "airframe": D(
            "fixed_wing", "a wing: turns limited by bank angle, cannot hover"
        ),
        "speed_mps": D(50.0, "middle of the 40-55 m/s class range"),
        "cruise_height_m": D(
            300.0,
            "low enough to stay under many radars' horizon, "
            "inside the 50-2 000 m class range",
        ),
        "climb_rate_mps": D(5.0, "a small propeller airframe's sustained climb"),
        "rcs_m2": D(0.3, "inside the 0.1-1 m² class range, toward its small end"),
        "swerling": D(1, "small airframes fluctuate scan to scan (MODELS.md)"),
        "presented_area_m2": D(
            0.6, "wing span ~2.5 m by a slender fuselage, seen from a gun"
        ),
        "bank_max_deg": D(
            30.0, "a gentle autopilot bank; turn radius ~440 m at 50 m/s"
        ),
        "dive_range_m": D(1200.0, "terminal dive starts ~1 km out, at ~15° from 300 m"),
        "dive_speed_mps": D(60.0, "the dive adds speed over cruise"),
        "endurance_s": D(
            14400.0, "hours of fuel: range, not endurance, bounds the raid"
        ),
        "warhead_lethal_radius_m": D(15.0, "middle of the 10-20 m class range"),
        "cep_m": D(20.0, "GNSS/INS terminal accuracy, inside the 10-30 m class range"),
        "guidance": D("gnss", "flies to fixed coordinates by GNSS/INS"),
        "on_link_loss": D("continue", "no command link to lose: it flies on"),
        "link_eirp_w": D(10.0, "a directional ground-station antenna; unused for gnss"),
        "link_js_threshold_db": D(10.0, "link lost at J/S above 10 dB"),
        "link_loss_delay_s": D(2.0, "a few seconds of lost frames before failsafe"),
        "gnss_js_threshold_db": D(
            35.0,
            "a plain single-antenna GPS receiver loses lock at J/S ~30-40 dB; "
            "middle of that",
        ),
        "gnss_signal_dbm": D(-130.0, "GPS L1 C/A at the antenna, about -130 dBm"),
        "ins_drift_mps": D(
            2.0,
            "MEMS inertial unit aided by airspeed and heading: a wind error of "
            "a couple of m/s",
        ),
        "downlink_eirp_w": D(
            1.0, "a telemetry radio; heard only when the drone flies rf_link"
        ),
        "link_frequency_hz": D(2.4e9, "the 2.4 GHz band of common drone links"),
        "hpm_s50_w_m2": D(
            3000.0,
            "a metal-skinned airframe with a shielded autopilot (~1 kV/m field): a "
            "few times harder than a consumer quadcopter",
        ),
        "hpm_sigma_ln": D(
            1.0, "airframe thresholds spread over a factor of ~3 either way (1σ)"
        ),
        "speed_jitter": D(0.05, "5% spread in cruise speed between airframes"),
        "route_offset_m": D(
            300.0, "each drone's lateral offset from the planned route"
        ),
        "cost_usd": D(35000.0, "inside the $20-50k class range"),
    },
    "multirotor": {
        "airframe": D(
            "multirotor",
            "rotors: hovers if its link is lost; tilted 45° it turns within ~23 m",
        ),
        "speed_mps": D(15.0, "inside the 10-25 m/s class range"),
        "cruise_height_m": D(80.0, "low, inside the 0-500 m class range"),
        "climb_rate_mps": D(4.0, "a small quadcopter's climb"),
        "rcs_m2": D(
            0.01,
            "inside the 0.003-0.1 m² class range, the reference target "
            "of a short-range radar",
        ),
        "swerling": D(1, "small airframes fluctuate scan to scan (MODELS.md)"),
        "presented_area_m2": D(0.15, "a 0.5 m frame with its payload"),
        "bank_max_deg": D(45.0, "tilts hard to turn: radius ~23 m at 15 m/s"),
        "dive_range_m": D(150.0, "drops onto the target from close in"),
        "dive_speed_mps": D(15.0, "same as cruise"),
        "endurance_s": D(1800.0, "about half an hour of battery"),
        "warhead_lethal_radius_m": D(5.0, "a small payload"),
        "cep_m": D(3.0, "piloted onto the target over video"),
        "guidance": D("rf_link", "remotely piloted over a radio link"),
        "on_link_loss": D(
            "hover", "a common failsafe: hold position until the battery runs out"
        ),
        "link_eirp_w": D(10.0, "a directional ground-station antenna"),
        "link_js_threshold_db": D(10.0, "link lost at J/S above 10 dB"),
        "link_loss_delay_s": D(2.0, "a few seconds of lost frames before failsafe"),
        "gnss_js_threshold_db": D(
            30.0, "a consumer GNSS module: the low end of the ~30-40 dB range"
        ),
        "gnss_signal_dbm": D(-130.0, "GPS L1 C/A at the antenna, about -130 dBm"),
        "ins_drift_mps": D(
            5.0, "a consumer MEMS IMU with no airspeed sensor drifts faster"
        ),
        "downlink_eirp_w": D(0.5, "a video downlink of a few hundred milliwatts"),
        "link_frequency_hz": D(2.4e9, "the 2.4 GHz band of common drone links"),
        "hpm_s50_w_m2": D(
            1000.0,
            "unshielded consumer electronics upset near 600 V/m (~1000 W/m²), as in "
            "published HPM susceptibility tests",
        ),
        "hpm_sigma_ln": D(
            1.0, "airframe thresholds spread over a factor of ~3 either way (1σ)"
        ),
        "speed_jitter": D(0.1, "10% spread in cruise speed between pilots"),
        "route_offset_m": D(
            100.0, "each drone's lateral offset from the planned route"
        ),
        "cost_usd": D(2000.0, "a commercial quadcopter with a payload, ~$1k class"),
    },
}

RADAR_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "short_range_radar": {
        "pd_ref": D(0.9, "the usual way small-drone detection is specified"),
        "rcs_ref_m2": D(0.01, "a small multirotor"),
        "range_ref_m": D(
            3500.0,
            "0.01 m² at 3.5 km (2-5 km class); then 1 m² at 11 km (6-15 km class)",
        ),
        "pfa": D(1e-6, "a common design false-alarm probability"),
        "scan_period_s": D(1.0, "a fast-rotating surveillance radar (1-2 s class)"),
        "range_min_m": D(150.0, "blind range of a short-pulse radar"),
        "range_max_m": D(20000.0, "instrumented range"),
        "elevation_min_deg": D(-2.0, "looks slightly down from its mast"),
        "elevation_max_deg": D(70.0, "a cone of silence overhead"),
        "range_sigma_m": D(10.0, "range resolution of a few tens of metres"),
        "azimuth_sigma_mrad": D(5.0, "a ~1° beam, split"),
        "elevation_sigma_mrad": D(10.0, "coarser in elevation"),
        "false_alarms_per_scan": D(1.0, "after clutter processing (tracked fidelity)"),
        "azimuth_deg": D(0.0, "centre of the sector (north)"),
        "sector_deg": D(360.0, "a rotating antenna covers the full circle"),
        "clutter_height_m": D(
            30.0, "below ~30 m a small target competes with ground and sea clutter"
        ),
        "clutter_range_m": D(10000.0, "clutter returns fade beyond ~10 km"),
        "clutter_loss_db": D(
            10.0, "Doppler processing recovers most, not all, of the low cover"
        ),
    },
}

CAMERA_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "day_night_camera": {
        "r50_day_m": D(3000.0, "visible channel: a few km by day (class range)"),
        "r50_night_m": D(1000.0, "low-light channel: ~1 km at night (class range)"),
        "pd_exponent": D(
            2.0,
            "the target transfer function's exponent (1.5-2.5 near R50, "
            "Vollmerhausen & Jacobs)",
        ),
        "look_period_s": D(1.0, "one detection decision per second of video"),
        "range_max_m": D(8000.0, "beyond ~8 km a small drone is a few pixels"),
        "fov_deg": D(6.0, "a narrow field of view for detail at range"),
        "slew_rate_deg_s": D(60.0, "a powered pan-tilt mount"),
        "azimuth_deg": D(0.0, "starts looking north"),
        "identify_range_m": D(1500.0, "identification within ~1-2 km (class range)"),
        "bearing_sigma_mrad": D(1.0, "a pixel or two of a narrow field of view"),
    },
    "thermal_camera": {
        "r50_day_m": D(3000.0, "thermal: 1-5 km (class range), day and night alike"),
        "r50_night_m": D(3000.0, "thermal keeps its range at night"),
        "pd_exponent": D(
            2.0,
            "the target transfer function's exponent (1.5-2.5 near R50, "
            "Vollmerhausen & Jacobs)",
        ),
        "look_period_s": D(1.0, "one detection decision per second of video"),
        "range_max_m": D(8000.0, "beyond ~8 km a small drone is a few pixels"),
        "fov_deg": D(6.0, "a narrow field of view for detail at range"),
        "slew_rate_deg_s": D(60.0, "a powered pan-tilt mount"),
        "azimuth_deg": D(0.0, "starts looking north"),
        "identify_range_m": D(1500.0, "identification within ~1-2 km (class range)"),
        "bearing_sigma_mrad": D(1.0, "a pixel or two of a narrow field of view"),
    },
}

RF_DETECTOR_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "rf_detector": {
        "sensitivity_dbm": D(
            -85.0, "hears a 0.5 W downlink at ~4 km in free space at 2.4 GHz"
        ),
        "gain_dbi": D(0.0, "an omnidirectional antenna array"),
        "look_period_s": D(1.0, "sweeps the drone bands about once a second"),
        "pd_per_look": D(0.9, "links transmit almost continuously in flight"),
        "range_max_m": D(10000.0, "line of sight limits a mast antenna"),
        "bearing_sigma_deg": D(3.0, "direction finding of a few degrees"),
        "classify_time_s": D(2.0, "a protocol signature takes a few seconds"),
    },
}

GUN_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "small_calibre_gun": {
        "rate_rpm": D(550.0, "a single 35 mm barrel, inside 200-1 000 rounds/min"),
        "burst_s": D(1.0, "short bursts, then look"),
        "dispersion_mrad": D(1.0, "round-to-round dispersion, ~1-2 mrad class"),
        "bias_mrad": D(1.0, "fire-control aim bias shared by a burst, same order"),
        "muzzle_velocity_mps": D(1050.0, "inside the 800-1 100 m/s class range"),
        "range_min_m": D(100.0, "fuzing and laying limit"),
        "range_max_m": D(3500.0, "effective slant range, inside the 1-4 km class"),
        "elevation_min_deg": D(-5.0, "can depress a little"),
        "elevation_max_deg": D(85.0, "almost overhead"),
        "slew_rate_deg_s": D(60.0, "a powered mount"),
        "settle_s": D(0.5, "to steady after slewing"),
        "magazine_rounds": D(250, "ready rounds on the mount"),
        "reload_s": D(300.0, "a crew reloads in five minutes"),
        "reloads": D(2, "two more magazines on site"),
        "cost_per_round_usd": D(60.0, "inside the $10-100 class range"),
        "airburst": D(False, "plain impact-fuzed rounds"),
        "lethal_radius_m": D(
            2.0, "fragment radius of one airburst round (if airburst)"
        ),
        "pk_given_hit": D(0.5, "one hit on a small airframe kills half the time"),
    },
}

MISSILE_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "short_range_missile": {
        "range_min_m": D(500.0, "arming distance"),
        "range_max_m": D(8000.0, "inside the 0.5-10 km class range"),
        "altitude_max_m": D(4000.0, "the ~4 km class ceiling"),
        "speed_mps": D(600.0, "average speed, ~600 m/s class"),
        "pk": D(0.8, "inside the 0.5-0.9 class range"),
        "pk_edge": D(0.5, "Pk at maximum range"),
        "falloff_start": D(0.7, "Pk starts to fall at 70% of maximum range"),
        "reaction_s": D(4.0, "from assignment to launch"),
        "channels": D(2, "missiles guided at once"),
        "ready_rounds": D(4, "rounds on the launcher"),
        "reload_s": D(900.0, "a reload takes a quarter of an hour"),
        "reloads": D(0, "no reload during a raid unless set"),
        "cost_usd": D(150000.0, "inside the $50k-2M class range, at its low end"),
    },
}

JAMMER_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "rf_jammer": {
        "eirp_w": D(20.0, "effective 0.5-5 km against a 10 W link (class range)"),
        "azimuth_deg": D(0.0, "centre of the sector (north)"),
        "sector_deg": D(360.0, "omnidirectional"),
        "range_max_m": D(5000.0, "line of sight and antenna limits"),
    },
}

LASER_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "high_energy_laser": {
        "dwell_ref_s": D(
            2.0,
            "seconds of dwell at 1-3 km (class range): 2 s at 1 km and 8 s at 2 km "
            "in clear air",
        ),
        "range_ref_m": D(1000.0, "the near end of the 1-3 km class range"),
        "range_max_m": D(
            3000.0, "the far end of the 1-3 km class range: dwells grow as R²"
        ),
        "elevation_min_deg": D(-5.0, "can point a little below the horizon"),
        "elevation_max_deg": D(85.0, "almost overhead"),
        "slew_rate_deg_s": D(60.0, "a powered beam director, like a gun mount"),
        "acquire_s": D(1.0, "fine-track acquisition of the aim point before lasing"),
        "firing_budget_s": D(
            30.0, "a 10-100 kW class thermal store: a few dwells in a row"
        ),
        "cooldown_s": D(120.0, "an empty store recovers in two minutes"),
        "cost_per_second_usd": D(
            1.0, "fuel and wear: a few dollars a dwell, near zero but not zero"
        ),
    },
}

MICROWAVE_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "hpm_emitter": {
        "eirp_w": D(
            1e9,
            "1 GW effective (a ~1 MW pulse through a 30 dBi antenna): ~900 W/m² at "
            "300 m, so half of unshielded quadcopters fall at ~300 m and the reach "
            "is a few hundred metres (class range)",
        ),
        "beam_half_angle_deg": D(15.0, "a 30° beam: tens of degrees wide (class)"),
        "range_max_m": D(
            500.0, "beyond ~500 m even an unshielded quadcopter falls 1 time in 8"
        ),
        "elevation_min_deg": D(-5.0, "can point a little below the horizon"),
        "elevation_max_deg": D(85.0, "almost overhead"),
        "slew_rate_deg_s": D(90.0, "a light antenna on a fast pedestal"),
        "settle_s": D(0.5, "a short settle: the wide beam forgives pointing"),
        "shot_period_s": D(1.0, "a shot a second while the store lasts"),
        "burst_shots": D(30, "half a minute of shots from a full store"),
        "recharge_s": D(
            4.0, "the generator's duty limit: one shot per 4 s once the store is empty"
        ),
        "cost_per_shot_usd": D(5.0, "fuel and wear: near zero per shot, not zero"),
    },
}

INTERCEPTOR_CLASSES: dict[str, dict[str, ClassDefault]] = {
    "expendable_interceptor": {
        "speed_mps": D(
            70.0,
            "inside the 50-80 m/s class range, faster than the 40-55 m/s one-way-"
            "attack drones it hunts",
        ),
        "turn_rate_deg_s": D(
            60.0, "a small fixed-wing interceptor's hard turn: radius ~70 m at 70 m/s"
        ),
        "guidance": D(
            "proportional_navigation",
            "a collision course: pure pursuit ends in a tail chase",
        ),
        "nav_constant": D(3.5, "between the usual 3 and 4"),
        "fuze_radius_m": D(5.0, "a small proximity-fuzed fragmentation warhead"),
        "pk_closure": D(0.7, "inside the 0.5-0.8 class range"),
        "range_max_m": D(5000.0, "a few km of command datalink and seeker handover"),
        "endurance_s": D(300.0, "five minutes on a battery: 21 km of flight at 70 m/s"),
        "launch_delay_s": D(5.0, "power-up, seeker check and rail launch"),
        "rack": D(8, "one launcher's load"),
        "channels": D(2, "two guidance channels per launcher"),
        "reusable": D(False, "a warhead that detonates: each interceptor is spent"),
        "turnaround_s": D(300.0, "unused while reusable is false"),
        "cost_usd": D(15000.0, "one interceptor, inside the $2k-30k class range"),
    },
    "reusable_interceptor": {
        "speed_mps": D(
            55.0,
            "a fast multirotor at the low end of the 50-80 m/s class range, still "
            "faster than the one-way-attack drones it hunts",
        ),
        "turn_rate_deg_s": D(90.0, "a multirotor turns harder than a wing"),
        "guidance": D(
            "pure_pursuit", "points at the target, as a camera-guided multirotor does"
        ),
        "nav_constant": D(3.5, "unused with pure pursuit; between the usual 3 and 4"),
        "fuze_radius_m": D(3.0, "a net or a small charge: it must come close"),
        "pk_closure": D(0.6, "inside the 0.5-0.8 class range, a net's lower odds"),
        "range_max_m": D(3000.0, "a few km of datalink, and the flight back"),
        "endurance_s": D(600.0, "ten minutes on a battery, the flight home included"),
        "launch_delay_s": D(5.0, "spin-up and take-off"),
        "rack": D(4, "four airframes per launcher"),
        "channels": D(2, "two pilots or guidance channels per launcher"),
        "reusable": D(True, "lands back on the launcher"),
        "turnaround_s": D(300.0, "battery swap and re-arm in five minutes"),
        "cost_usd": D(
            2000.0,
            "per sortie: a share of the airframe, the net or charge, and the crew",
        ),
    },
}

CLASSES: dict[str, dict[str, dict[str, ClassDefault]]] = {
    "drone": DRONE_CLASSES,
    "radar": RADAR_CLASSES,
    "camera": CAMERA_CLASSES,
    "rf_detector": RF_DETECTOR_CLASSES,
    "gun": GUN_CLASSES,
    "missile": MISSILE_CLASSES,
    "jammer": JAMMER_CLASSES,
    "laser": LASER_CLASSES,
    "microwave": MICROWAVE_CLASSES,
    "interceptor": INTERCEPTOR_CLASSES,
}
"""Class tables by kind: ``CLASSES[kind][class_name][field] -> ClassDefault``."""
