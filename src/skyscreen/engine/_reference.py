"""NumPy reference kernels: the engine's hot paths as vectorised array code.

Each function here has a numba twin of the same name and signature in
:mod:`skyscreen.engine._numba`; the tests run both on the same inputs and compare. The
engine uses the numba twins by default (``backend="numba"``) and these with
``backend="numpy"``. Arguments are flat arrays: state arrays of shape (R, D, ...) are
passed as (R·D, ...) views and drones are addressed by flat index ``j = r·D + d``.
Kernels write their results into the arrays they are given and return nothing.
"""

from __future__ import annotations

import numpy as np

from skyscreen._typing import BoolArray, FloatArray, IntArray
from skyscreen.c2.threat import threat_values_and_time
from skyscreen.models import gun as gun_model
from skyscreen.models import kinematics
from skyscreen.models import missile as missile_model
from skyscreen.models import radar as radar_model

__all__ = ["assign", "detect", "evaluate", "move"]

FLYING = 1
RETURN = 2  # LINK_LOSS.index("return")


def move(
    k: IntArray,
    n_d: int,
    t0: float,
    t1: float,
    status: IntArray,
    t_launch: FloatArray,
    pos: FloatArray,
    vel: FloatArray,
    heading: FloatArray,
    speed: FloatArray,
    wp_idx: IntArray,
    route: FloatArray,
    home: FloatArray,
    diving: BoolArray,
    n_wp: IntArray,
    on_link_loss: IntArray,
    dive_range: FloatArray,
    bank: FloatArray,
    cruise_h: FloatArray,
    climb: FloatArray,
    dive_speed: FloatArray,
    arrive: FloatArray,
    home_reached: FloatArray,
) -> None:
    """Move the airborne drones ``k`` from ``t0`` (or their launch) to ``t1``.

    Flying drones steer toward their route point with a bank-limited turn rate
    (g·tan φ / v) and a climb-limited height, capture a waypoint within their turn
    radius, and dive straight at the aim point once within ``dive_range`` of it.
    Neutralised drones hover in place or fly home (``on_link_loss``).

    Writes ``pos, vel, heading, wp_idx, diving`` of the moved drones, their arrival time
    at the aim point into ``arrive`` and the time a returning drone reaches home into
    ``home_reached`` (both inf otherwise).
    """
    d = k % n_d
    flying = status[k] == FLYING
    returning = ~flying & (on_link_loss[d] == RETURN)
    hovering = ~flying & ~returning
    start = np.maximum(t_launch[k], t0)
    dte = np.where(hovering, 0.0, np.clip(t1 - start, 0.0, t1 - t0))

    p = pos[k]
    wp = wp_idx[k]
    tgt = route[k, wp]
    tgt = np.where(returning[:, None], home[k], tgt)
    final = (wp == n_wp[d]) & ~returning
    dxy = tgt[:, :2] - p[:, :2]
    dist_h = np.hypot(dxy[:, 0], dxy[:, 1])
    v = speed[k]
    h = heading[k]
    # Within its turn radius (or a step) of the aim point a wing can no longer turn
    # onto it, so the dive starts there at the latest, whatever dive_range says.
    capture = np.maximum(kinematics.turn_radius_m(v, bank[d]), v * (t1 - t0))
    div = diving[k] | (flying & final & (dist_h <= np.maximum(dive_range[d], capture)))
    diving[k] = div
    dive = div & flying
    cruise = (flying & ~dive) | returning

    # Cruise: bank-limited steering toward the route point, climb-limited height.
    desired = np.arctan2(dxy[:, 1], dxy[:, 0])
    rate = kinematics.max_turn_rate_rad_s(v, bank[d])
    c_heading = kinematics.steer_heading(h, desired, rate, dte)
    step = v * dte
    z_goal = np.where(final | returning, cruise_h[d], tgt[:, 2])
    lim = climb[d] * dte
    dz = np.clip(z_goal - p[:, 2], -lim, lim)
    cos_h, sin_h = np.cos(c_heading), np.sin(c_heading)
    c_pos = np.stack([p[:, 0] + step * cos_h, p[:, 1] + step * sin_h, p[:, 2] + dz], -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(dte > 0.0, 1.0 / dte, 0.0)
    c_vel = np.stack([v * cos_h, v * sin_h, dz * inv], axis=-1)
    # Waypoint capture within the same radius, so a bank-limited wing never circles a
    # point inside its turn.
    after = np.hypot(tgt[:, 0] - c_pos[:, 0], tgt[:, 1] - c_pos[:, 1])
    advance = cruise & ~final & ~returning & (after <= capture)
    reached = returning & (dist_h <= step)

    # Dive: straight at the aim point at dive speed.
    vec = tgt - p
    d3 = np.sqrt(vec[:, 0] * vec[:, 0] + vec[:, 1] * vec[:, 1] + vec[:, 2] * vec[:, 2])
    v_dive = dive_speed[d]
    dstep = v_dive * dte
    arrived = dive & (d3 <= dstep)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(d3[:, None] > 0.0, vec / d3[:, None], 0.0)
    d_pos = p + unit * np.minimum(dstep, d3)[:, None]

    pos[k] = np.where(dive[:, None], d_pos, np.where(cruise[:, None], c_pos, p))
    vel[k] = np.where(
        dive[:, None], unit * v_dive[:, None], np.where(cruise[:, None], c_vel, 0.0)
    )
    heading[k] = np.where(
        dive, np.arctan2(unit[:, 1], unit[:, 0]), np.where(cruise, c_heading, h)
    )
    wp_idx[k] = wp + advance
    with np.errstate(invalid="ignore", divide="ignore"):
        arrive[k] = np.where(arrived, start + d3 / v_dive, np.inf)
        home_reached[k] = np.where(
            reached, start + dist_h / np.maximum(v, 1e-9), np.inf
        )


def detect(
    k: IntArray,
    n_d: int,
    pos: FloatArray,
    rcs: FloatArray,
    radar_pos: FloatArray,
    range_min: FloatArray,
    range_max: FloatArray,
    el_min: FloatArray,
    el_max: FloatArray,
    snr_ref: FloatArray,
    rcs_ref: FloatArray,
    range_ref: FloatArray,
    pfa: FloatArray,
    scanning: BoolArray,
    draws: FloatArray,
    hit: BoolArray,
    sensor: IntArray,
) -> None:
    """Swerling 1 detection of drones ``k`` by the scanning radars.

    A radar covers a drone within its range and elevation limits and the 4/3-earth
    horizon; it detects it when this scan's uniform draw ``draws[r, s, d]`` falls below
    Pd = Pfa^(1/(1+SNR)), SNR from the reference detection by the radar equation.
    Writes ``hit`` (N,) and ``sensor`` (N,), the first radar that detected (-1 if none).
    """
    r, d = k // n_d, k % n_d
    p = pos[k]  # (N, 3)
    rel = p[:, None, :] - radar_pos[None, :, :]  # (N, S, 3)
    ground = np.hypot(rel[..., 0], rel[..., 1])
    rng = np.maximum(np.sqrt(ground**2 + rel[..., 2] ** 2), 1e-3)
    elev = np.arctan2(rel[..., 2], ground)
    horizon = radar_model.horizon_range_m(radar_pos[None, :, 2], p[:, None, 2])
    cover = (
        scanning[None, :]
        & (rng >= range_min)
        & (rng <= range_max)
        & (elev >= el_min)
        & (elev <= el_max)
        & (rng <= horizon)
    )
    snr = radar_model.snr(rng, rcs[d, None], snr_ref, rcs_ref, range_ref)
    pd = radar_model.pd_swerling1(snr, pfa)
    det = cover & (draws[r, :, d] < pd)
    hit[:] = det.any(axis=1)
    sensor[:] = np.where(hit, np.argmax(det, axis=1), -1)


def assign(
    rows: IntArray,
    eligible: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    pending: IntArray,
    shot_active: BoolArray,
    shot_drone: IntArray,
    shot_pk: FloatArray,
    free: BoolArray,
    gun_az: FloatArray,
    gun_el: FloatArray,
    lethal: FloatArray,
    raid_idx: IntArray,
    asset_pos: FloatArray,
    asset_r: FloatArray,
    asset_v: FloatArray,
    margin: float,
    tau: float,
    g_pos: FloatArray,
    g_slew: FloatArray,
    g_settle: FloatArray,
    g_rmin: FloatArray,
    g_rmax: FloatArray,
    g_elmin: FloatArray,
    g_elmax: FloatArray,
    pk_table: FloatArray,
    pk_step: FloatArray,
    m_pos: FloatArray,
    m_speed: FloatArray,
    m_reaction: FloatArray,
    m_rmin: FloatArray,
    m_rmax: FloatArray,
    m_alt: FloatArray,
    m_pk: FloatArray,
    m_pk_edge: FloatArray,
    m_falloff: FloatArray,
    max_shooters: int,
    w_cost: FloatArray,
    cost_weight: float,
    min_pk: float,
    hold_range: float,
    m_min_ttg: float,
    m_reserve_low: BoolArray,
    reserve_value: float,
    out_target: IntArray,
    out_slew: FloatArray,
    out_pk: FloatArray,
    out_value: FloatArray,
    out_surv: FloatArray,
) -> None:
    """Threat evaluation, predicted Pk and greedy assignment for replications ``rows``.

    For every engageable (replication, drone) pair: the threat value and time to go
    (:func:`skyscreen.c2.threat_values_and_time`); for each gun, the slew time, the
    predicted position at fire time and, inside the envelope, the bias-averaged burst Pk
    from ``pk_table``; for each missile launcher, the intercept after its reaction time
    and, inside the envelope, Pk at the intercept range. Doctrine then zeroes the Pk of
    forbidden pairs: under weapons hold a weapon farther than ``hold_range`` from the
    drone; a missile against a drone less than ``m_min_ttg`` from impact; a launcher down
    to its reserve (``m_reserve_low``) against a drone worth less than
    ``reserve_value``; any shot with predicted Pk below ``min_pk``. Finally greedy maximum marginal return with costs: repeatedly the
    (weapon, drone) pair with the largest ``V·S·Pk − cost_weight·w_cost`` > 0, with each
    drone's survival S from shots in the air and at most ``max_shooters`` on a drone.

    Writes, per row: ``out_target`` (n_rows, W) the drone assigned to each weapon or -1;
    ``out_slew`` (n_rows, G) each assigned gun's slew and settle time; ``out_pk`` and
    ``out_value`` (n_rows, W) the predicted Pk and threat value of each assignment;
    ``out_surv`` (n_rows,) the expected surviving threat value after the assignment,
    Σ_j V_j S_j over the engageable drones.
    """
    values, pk, slew, surv = evaluate(
        rows,
        eligible,
        pos,
        vel,
        shot_active,
        shot_drone,
        shot_pk,
        gun_az,
        gun_el,
        lethal,
        raid_idx,
        asset_pos,
        asset_r,
        asset_v,
        margin,
        tau,
        g_pos,
        g_slew,
        g_settle,
        g_rmin,
        g_rmax,
        g_elmin,
        g_elmax,
        pk_table,
        pk_step,
        m_pos,
        m_speed,
        m_reaction,
        m_rmin,
        m_rmax,
        m_alt,
        m_pk,
        m_pk_edge,
        m_falloff,
        min_pk,
        hold_range,
        m_min_ttg,
        m_reserve_low,
        reserve_value,
    )
    n_rows, n_w, n_d = pk.shape
    n_g = len(g_slew)
    # Greedy maximum marginal return with costs, every row at once (first maximum in
    # (weapon, drone) order, as the numba twin).
    wfree = free[rows].copy()
    count = pending[rows].copy()
    penalty = (cost_weight * w_cost)[None, :, None]
    out_target[:] = -1
    out_pk[:] = 0.0
    out_value[:] = 0.0
    all_rows = np.arange(n_rows)
    for _ in range(n_w):
        gain = (values * surv)[:, None, :] * pk - penalty
        gain = np.where(
            wfree[:, :, None] & (count < max_shooters)[:, None, :], gain, 0.0
        )
        flat = gain.reshape(n_rows, -1)
        best = np.argmax(flat, axis=1)
        ok = flat[all_rows, best] > 0.0
        if not ok.any():
            break
        rr = all_rows[ok]
        ww, dd = np.divmod(best[ok], n_d)
        out_target[rr, ww] = dd
        out_pk[rr, ww] = pk[rr, ww, dd]
        out_value[rr, ww] = values[rr, dd]
        wfree[rr, ww] = False
        surv[rr, dd] *= 1.0 - pk[rr, ww, dd]
        count[rr, dd] += 1
    out_surv[:] = np.sum(values * surv, axis=1)
    if n_g:
        chosen = np.maximum(out_target[:, :n_g], 0)
        out_slew[:] = np.take_along_axis(slew, chosen[:, :, None], axis=2)[:, :, 0]


def evaluate(
    rows: IntArray,
    eligible: BoolArray,
    pos: FloatArray,
    vel: FloatArray,
    shot_active: BoolArray,
    shot_drone: IntArray,
    shot_pk: FloatArray,
    gun_az: FloatArray,
    gun_el: FloatArray,
    lethal: FloatArray,
    raid_idx: IntArray,
    asset_pos: FloatArray,
    asset_r: FloatArray,
    asset_v: FloatArray,
    margin: float,
    tau: float,
    g_pos: FloatArray,
    g_slew: FloatArray,
    g_settle: FloatArray,
    g_rmin: FloatArray,
    g_rmax: FloatArray,
    g_elmin: FloatArray,
    g_elmax: FloatArray,
    pk_table: FloatArray,
    pk_step: FloatArray,
    m_pos: FloatArray,
    m_speed: FloatArray,
    m_reaction: FloatArray,
    m_rmin: FloatArray,
    m_rmax: FloatArray,
    m_alt: FloatArray,
    m_pk: FloatArray,
    m_pk_edge: FloatArray,
    m_falloff: FloatArray,
    min_pk: float,
    hold_range: float,
    m_min_ttg: float,
    m_reserve_low: BoolArray,
    reserve_value: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The weapon-target assignment instance of each row: what :func:`assign` solves.

    Returns
    -------
    values : ndarray of shape (n_rows, D)
        Threat value of each engageable drone (0 for the others).
    pk : ndarray of shape (n_rows, G + M, D)
        Predicted kill probability after envelopes and doctrine (0 where forbidden).
    slew : ndarray of shape (n_rows, G, D)
        Slew and settle time of each gun onto each drone.
    surv : ndarray of shape (n_rows, D)
        Survival probability from the shots already in the air.
    """
    n_rows = len(rows)
    n_d = eligible.shape[1]
    n_g, n_m = len(g_slew), len(m_speed)
    n_w = n_g + n_m
    r_loc, d = np.nonzero(eligible[rows])
    r = rows[r_loc]
    p, v = pos[r, d], vel[r, d]
    values = np.zeros((n_rows, n_d))
    ttg = np.full((n_rows, n_d), np.inf)
    values[r_loc, d], ttg[r_loc, d] = threat_values_and_time(
        p, v, lethal[d], asset_pos, asset_r, asset_v, margin, tau
    )
    pk = np.zeros((n_rows, n_w, n_d))
    slew = np.zeros((n_rows, n_g, n_d))
    if n_g:
        rel0 = p[:, None, :] - g_pos[None]
        az0 = np.arctan2(rel0[..., 1], rel0[..., 0])
        el0 = np.arctan2(rel0[..., 2], np.hypot(rel0[..., 0], rel0[..., 1]))
        s_pair = gun_model.slew_time_s(
            az0 - gun_az[r], el0 - gun_el[r], g_slew, g_settle
        )
        ahead = p[:, None, :] + v[:, None, :] * s_pair[..., None]  # (N, G, 3)
        rel = ahead - g_pos[None]
        ground = np.hypot(rel[..., 0], rel[..., 1])
        rng_f = np.sqrt(ground**2 + rel[..., 2] ** 2)
        el_f = np.arctan2(rel[..., 2], ground)
        ok = (
            (rng_f >= g_rmin)
            & (rng_f <= g_rmax)
            & (el_f >= g_elmin)
            & (el_f <= g_elmax)
        )
        ok &= np.sqrt(np.sum(rel0 * rel0, axis=-1)) <= hold_range
        x = rng_f / pk_step
        i0 = np.clip(np.floor(x).astype(np.int64), 0, pk_table.shape[-1] - 2)
        w = np.clip(x - i0, 0.0, 1.0)
        gi = np.arange(n_g)[None, :]
        raid = raid_idx[d][:, None]
        lo, hi = pk_table[gi, raid, i0], pk_table[gi, raid, i0 + 1]
        pk[r_loc, :n_g, d] = np.where(ok, lo + w * (hi - lo), 0.0)
        slew[r_loc, :, d] = s_pair
    if n_m:
        start = p[:, None, :] + v[:, None, :] * m_reaction[None, :, None]  # (N, M, 3)
        vv = np.broadcast_to(v[:, None, :], start.shape)
        t_f = missile_model.intercept_time_s(start - m_pos[None], vv, m_speed)
        with np.errstate(invalid="ignore"):
            ip = start + vv * np.where(np.isfinite(t_f), t_f, 0.0)[..., None]
        rel = ip - m_pos[None]
        rng_m = np.sqrt(rel[..., 0] ** 2 + rel[..., 1] ** 2 + rel[..., 2] ** 2)
        ok_m = np.isfinite(t_f) & missile_model.in_envelope(
            rng_m, ip[..., 2], m_rmin, m_rmax, m_alt
        )
        rel0 = p[:, None, :] - m_pos[None]
        ok_m &= np.sqrt(np.sum(rel0 * rel0, axis=-1)) <= hold_range
        ok_m &= (ttg[r_loc, d] >= m_min_ttg)[:, None]
        ok_m &= ~m_reserve_low[r] | (values[r_loc, d] >= reserve_value)[:, None]
        pk_m = missile_model.kill_probability(rng_m, m_pk, m_rmax, m_pk_edge, m_falloff)
        pk[r_loc, n_g:, d] = np.where(ok_m, pk_m, 0.0)

    pk = np.where(pk >= min_pk, pk, 0.0)
    surv = np.ones((n_rows, n_d))
    act = shot_active[rows]
    if act.any():
        rr, ss = np.nonzero(act)
        np.multiply.at(
            surv, (rr, shot_drone[rows][rr, ss]), 1.0 - shot_pk[rows][rr, ss]
        )
    return values, pk, slew, surv
