"""The report's figures, each drawn from a run's own tables.

Every function takes a :class:`~skyscreen.run.RunResult` and returns a
:class:`FigureData`: the matplotlib figure (or None where the run lacks what it
needs), the numbers it plots as a DataFrame, a caption, and notes on what the run
lacks. Nothing is drawn from anywhere but the run: its tables (summary, drones,
effectors, assets, events, trajectories) and the resolved scenario its ``run.json``
records (positions, values, ranges).

Figures are drawn with the Agg canvas directly (no ``pyplot``) inside
:func:`skyscreen.report._style.styled`; see that module for the colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from skyscreen.analysis import exceedance, histogram, wilson_interval
from skyscreen.coverage import CoverageResult, coverage
from skyscreen.errors import SkyscreenError
from skyscreen.report._style import (
    EFFECTOR_COLOURS,
    INK,
    MUTED,
    SENSOR_COLOURS,
    STAGE_COLOURS,
    STATE_COLOURS,
    money,
    new_figure,
    tidy,
)
from skyscreen.run import RunResult
from skyscreen.scenario.compile import compile_scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "STATES",
    "FigureData",
    "coverage_target",
    "median_replication",
    "plot_assets",
    "plot_distributions",
    "plot_effectors",
    "plot_funnel",
    "plot_map",
    "plot_munitions",
    "plot_timeline",
]

STATES = ("killed", "defeated", "leaked", "expended", "airborne")
"""A drone's final states, in the order the report shows them."""

COVERAGE_PD = 0.9
"""Detection probability (per scan or per look) of the coverage drawn on the map."""

MAX_TIMELINE_DRONES = 80
"""Most drones (rows) the timeline draws; a larger raid shows the first ones."""

MAX_TRAJECTORIES = 3000
"""Most recorded flights drawn on the map (a larger recording is thinned evenly)."""

MAX_END_POINTS = 6000
"""Most drone end points drawn on a site's map (thinned evenly beyond)."""


@dataclass(frozen=True, eq=False)
class FigureData:
    """A report figure and the numbers it shows.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The figure; None where the run lacks what it needs (see ``notes``).
    data : DataFrame
        The numbers plotted, one row per bar, point or element.
    caption : str
        What the figure shows, in words (plain text).
    notes : tuple of str
        What the run lacks for this figure and how to get it (plain text).
    """

    figure: Figure | None
    data: pd.DataFrame
    caption: str
    notes: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- helpers


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts (column -> value)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _km(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64) / 1000.0


def _thin(n: int, most: int) -> slice:
    """A step slice keeping at most ``most`` of ``n`` items, evenly."""
    return slice(None, None, max(1, math.ceil(n / most)))


def _mean(summary: pd.DataFrame, column: str) -> float:
    if column not in summary.columns or summary.empty:
        return math.nan
    return float(np.nanmean(summary[column].to_numpy(dtype=np.float64)))


def _square(ax: Axes, xs: list[float], ys: list[float], pad: float) -> None:
    """Equal-aspect limits holding every (x, y) with ``pad`` around (same units)."""
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    half = max(x1 - x0, y1 - y0) / 2.0
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal", adjustable="box")


def _no_data(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        color=MUTED,
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


# --------------------------------------------------------------------------- map


_LABEL_OFFSETS = [
    (8, 4),
    (8, -16),
    (-8, 4),
    (-8, -16),
    (0, 12),
    (0, -22),
    (14, -6),
    (-14, -6),
    (16, 16),
    (-16, 16),
    (16, -28),
    (-16, -28),
]
"""Where a label may sit relative to its point (points; tried in this order)."""


def _place_labels(
    fig: Figure,
    ax: Axes,
    xy: list[tuple[float, float]],
    texts: list[str],
    size: float = 6.5,
) -> None:
    """Annotate each point, moving labels around it so that they do not overlap.

    Greedy: each label takes the first of :data:`_LABEL_OFFSETS` whose box (its
    size estimated from the text) overlaps no label placed before and no point.
    """
    fig.draw_without_rendering()  # the final axes position, for data -> points
    to_pt = ax.transData + fig.dpi_scale_trans.inverted()
    pts = [tuple(72.0 * to_pt.transform(p)) for p in xy]
    placed: list[tuple[float, float, float, float]] = [
        (x - 4, y - 4, x + 4, y + 4) for x, y in pts
    ]
    for (px, py), p, text in zip(pts, xy, texts, strict=True):
        lines = text.split("\n")
        w = 0.56 * size * max(len(t) for t in lines) + 4
        h = 1.25 * size * len(lines) + 2
        choice = _LABEL_OFFSETS[0]
        for dx, dy in _LABEL_OFFSETS:
            x0 = px + dx if dx >= 0 else px + dx - w
            if dx == 0:
                x0 = px - w / 2
            box = (x0, py + dy, x0 + w, py + dy + h)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                for b in placed
            ):
                choice = (dx, dy)
                placed.append(box)
                break
        dx, dy = choice
        ax.annotate(
            text,
            p,
            xytext=(dx, dy),
            textcoords="offset points",
            ha="left" if dx > 0 else "right" if dx < 0 else "center",
            va="bottom",
            fontsize=size,
            color=INK,
            zorder=8,
            linespacing=1.1,
            bbox={
                "boxstyle": "round,pad=0.15",
                "fc": "white",
                "ec": "none",
                "alpha": 0.75,
            },
            arrowprops={"arrowstyle": "-", "color": MUTED, "lw": 0.5}
            if abs(dx) > 8 or abs(dy) > 16
            else None,
        )


def coverage_target(
    result: RunResult, rcs_m2: float | None = None
) -> tuple[float, float, str]:
    """The target the map's coverage is drawn against: ``(rcs_m2, height_m, why)``.

    By default the smallest RCS among the raids' drones (the hardest to see), at that
    drone's cruise height; with ``rcs_m2``, that RCS at the lowest cruise height of
    the raids. ``why`` says which, in words.
    """
    raids = result.scenario.raids
    if rcs_m2 is None:
        raid = min(
            raids, key=lambda raid_: (raid_.drone.rcs_m2, raid_.drone.cruise_height_m)
        )
        return (
            float(raid.drone.rcs_m2),
            float(raid.drone.cruise_height_m),
            (
                f"the smallest RCS among the raids' drones (raid {raid.id!r}, "
                f"{raid.drone.class_}), at its cruise height"
            ),
        )
    try:
        ok = math.isfinite(float(rcs_m2)) and rcs_m2 > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SkyscreenError(f"rcs_m2 must be a finite number > 0; got {rcs_m2!r}")
    low = min(raids, key=lambda raid_: raid_.drone.cruise_height_m)
    return (
        float(rcs_m2),
        float(low.drone.cruise_height_m),
        f"the RCS asked for, at the lowest cruise height of the raids (raid {low.id!r})",
    )


def _units(result: RunResult) -> dict[str, Any]:
    """Positions and specs of the scenario's units, from the compiled scenario."""
    spec = result.scenario
    params = compile_scenario(spec)
    return {
        "params": params,
        "eff_pos": params.effectors.positions(),
        "sen_pos": params.sensors.positions(),
    }


def _draw_polygons(ax: Axes, cov: CoverageResult, fill: bool) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for s in cov.sensors:
        colour = SENSOR_COLOURS.get(s.kind, MUTED)
        for exterior, holes in s.polygons_m(180):
            rings = [exterior, *holes]
            verts = np.vstack(rings) / 1000.0
            codes = np.concatenate(
                [
                    [
                        MplPath.MOVETO,
                        *[MplPath.LINETO] * (len(r) - 2),
                        MplPath.CLOSEPOLY,
                    ]
                    for r in rings
                ]
            )
            ax.add_patch(
                PathPatch(
                    MplPath(verts, codes),
                    facecolor=colour if fill else "none",
                    alpha=0.07 if fill else 0.9,
                    edgecolor="none" if fill else colour,
                    lw=1.0,
                    zorder=1,
                )
            )


def plot_map(result: RunResult, rcs_m2: float | None = None) -> FigureData:
    """The scenario on the local plane, with how the raids came in.

    An overview (launch areas, routes, sensor coverage, recorded trajectories) and a
    close view of each site (assets sized by value, sensor coverage against the
    chosen RCS, weapon envelopes, where the drones of every replication ended).

    Parameters
    ----------
    result : RunResult
        The run.
    rcs_m2 : float, optional
        RCS of the coverage drawn (m²); default the smallest among the raids' drones
        (:func:`coverage_target`).

    Returns
    -------
    FigureData
        ``data``: one row per element drawn: ``layer`` (site, asset, sensor,
        effector, launch, waypoint, target), ``id``, ``kind``, ``x_m``, ``y_m``,
        ``radius_m`` (coverage range, envelope, launch radius, asset radius),
        ``value``, ``label``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    spec = result.scenario
    units = _units(result)
    params = units["params"]
    rcs, height, why = coverage_target(result, rcs_m2)
    cov = coverage(spec, rcs_m2=rcs, pd=COVERAGE_PD, height_m=height)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []

    # ---- elements (in metres), shared by the panels
    assets = params.assets
    for i, aid in enumerate(assets.ids):
        rows.append(
            {
                "layer": "asset",
                "id": aid,
                "kind": assets.types[i],
                "x_m": float(assets.pos_m[i, 0]),
                "y_m": float(assets.pos_m[i, 1]),
                "radius_m": float(assets.radius_m[i]),
                "value": float(assets.value_usd[i]),
                "label": f"{money(float(assets.value_usd[i]))}, "
                f"{int(assets.occupancy[i]):,} people",
            }
        )
    for s in cov.sensors:
        rows.append(
            {
                "layer": "sensor",
                "id": s.id,
                "kind": s.kind,
                "x_m": float(s.position_m[0]),
                "y_m": float(s.position_m[1]),
                "radius_m": s.ground_range_m if not math.isnan(s.range_m) else math.nan,
                "value": s.range_m,
                "label": s.note,
            }
        )
        if math.isnan(s.range_m):
            notes.append(f"Sensor {s.id} not drawn: {s.note}.")
    site_of: dict[str, int] = {}
    for si, site in enumerate(spec.sites):
        for e in site.effectors:
            if not e.enabled:
                continue
            site_of[e.id] = si
            pos = units["eff_pos"][e.id]
            reach = float(getattr(e, "range_max_m", math.nan))
            rows.append(
                {
                    "layer": "effector",
                    "id": e.id,
                    "kind": e.kind,
                    "x_m": float(pos[0]),
                    "y_m": float(pos[1]),
                    "radius_m": reach,
                    "value": reach,
                    "label": f"{e.kind}, max range {reach / 1000:.3g} km",
                }
            )
        for sen in site.sensors:
            if sen.enabled:
                site_of[sen.id] = si
    drones = params.drones
    for ri, raid in enumerate(spec.raids):
        first = int(np.flatnonzero(drones.raid_idx == ri)[0])
        launch = drones.launch_pos_m[first]
        rows.append(
            {
                "layer": "launch",
                "id": raid.id,
                "kind": raid.drone.class_,
                "x_m": float(launch[0]),
                "y_m": float(launch[1]),
                "radius_m": float(drones.launch_radius_m[first]),
                "value": float(raid.count),
                "label": f"{raid.id}: {raid.count} × {raid.drone.class_}",
            }
        )
        for w in range(int(drones.n_waypoints[first])):
            wp = drones.route_m[first, w]
            rows.append(
                {
                    "layer": "waypoint",
                    "id": raid.id,
                    "kind": str(w),
                    "x_m": float(wp[0]),
                    "y_m": float(wp[1]),
                    "radius_m": math.nan,
                    "value": float(wp[2]),
                    "label": "",
                }
            )
        t = int(drones.target_asset[first])
        if t >= 0:
            tx, ty = assets.pos_m[t, 0], assets.pos_m[t, 1]
            what = assets.ids[t]
        else:  # value-weighted draw: aim the arrow at the weighted centre
            w = drones.target_weight[first]
            tx = float(np.sum(w * assets.pos_m[:, 0]))
            ty = float(np.sum(w * assets.pos_m[:, 1]))
            what = (
                f"assets of {raid.target.site}"
                if raid.target.site is not None
                else "every asset"
            ) + " (value-weighted)"
        rows.append(
            {
                "layer": "target",
                "id": raid.id,
                "kind": "",
                "x_m": float(tx),
                "y_m": float(ty),
                "radius_m": math.nan,
                "value": math.nan,
                "label": what,
            }
        )
    data = pd.DataFrame(
        rows,
        columns=["layer", "id", "kind", "x_m", "y_m", "radius_m", "value", "label"],
    )

    # ---- layout: the overview, then one close view per site (two columns)
    n_sites = len(spec.sites)
    n_panels = 1 + n_sites
    cols = 2
    n_rows = math.ceil(n_panels / cols)
    fig = new_figure(5.1 * n_rows + 0.8)
    grid = fig.subplots(n_rows, cols, squeeze=False).ravel()
    for ax in grid[n_panels:]:
        ax.set_visible(False)
    overview, site_axes = grid[0], grid[1:n_panels]

    traj = result.trajectories
    traj_lines: list[Any] = []
    traj_colours: list[str] = []
    if traj is not None and not traj.empty:
        groups = list(traj.groupby(["replication", "drone"], sort=True))
        for _, g in groups[_thin(len(groups), MAX_TRAJECTORIES)]:
            xy = np.column_stack([_km(g["x_m"]), _km(g["y_m"])])
            traj_lines.append(xy)
            traj_colours.append(STATE_COLOURS.get(str(g["state"].iloc[-1]), MUTED))
        n_rec = traj["replication"].nunique()
        traj_note = (
            f"Faint lines: the true flights of the {n_rec} recorded replication"
            f"{'s' if n_rec != 1 else ''} (ids below {result.meta.get('record', n_rec)}),"
            " coloured by how each drone ended."
        )
    else:
        traj_note = ""
        notes.append(
            "No trajectories recorded in this run: re-run with --record K "
            "(Python: record=K) to draw the flights of the first K replications."
        )

    def draw_units(ax: Axes, detail: bool) -> None:
        if not detail:  # the close views would stack the fills into a grey mass
            _draw_polygons(ax, cov, fill=True)
        _draw_polygons(ax, cov, fill=False)
        for r in _records(data[data["layer"] == "effector"]):
            colour = EFFECTOR_COLOURS.get(str(r["kind"]), MUTED)
            if math.isfinite(float(r["radius_m"])):
                ax.add_patch(
                    Circle(
                        (_km(r["x_m"]), _km(r["y_m"])),
                        float(r["radius_m"]) / 1000.0,
                        facecolor="none",
                        edgecolor=colour,
                        lw=0.9,
                        ls=(0, (4, 2)),
                        zorder=2,
                    )
                )
            if detail:
                ax.plot(
                    _km(r["x_m"]),
                    _km(r["y_m"]),
                    "D",
                    ms=5,
                    color=colour,
                    mec="white",
                    mew=0.6,
                    zorder=5,
                )
                ax.annotate(
                    str(r["id"]),
                    (_km(r["x_m"]), _km(r["y_m"])),
                    xytext=(4, -9),
                    textcoords="offset points",
                    fontsize=6.5,
                    color=colour,
                    zorder=6,
                )
        if detail:
            seen: set[tuple[float, float]] = set()
            for r in _records(data[data["layer"] == "sensor"]):
                key = (round(float(r["x_m"])), round(float(r["y_m"])))
                colour = SENSOR_COLOURS.get(str(r["kind"]), MUTED)
                ax.plot(
                    _km(r["x_m"]),
                    _km(r["y_m"]),
                    "^",
                    ms=6,
                    color=colour,
                    mec="white",
                    mew=0.6,
                    zorder=5,
                )
                offset = 12 if key in seen else 4
                seen.add(key)
                ax.annotate(
                    str(r["id"]),
                    (_km(r["x_m"]), _km(r["y_m"])),
                    xytext=(4, offset),
                    textcoords="offset points",
                    fontsize=6.5,
                    color=colour,
                    zorder=6,
                )

    def draw_assets(ax: Axes, labels: bool) -> None:
        a = data[data["layer"] == "asset"]
        if a.empty:
            return
        top = max(float(a["value"].max()), 1.0)
        ax.scatter(
            _km(a["x_m"]),
            _km(a["y_m"]),
            s=25.0 + 260.0 * a["value"].to_numpy() / top,
            facecolor="#FDF6E3",
            edgecolor=INK,
            lw=1.0,
            zorder=7,
        )
        if labels:
            _place_labels(
                fig,
                ax,
                [(float(_km(r["x_m"])), float(_km(r["y_m"]))) for r in _records(a)],
                [f"{r['id']}\n{r['label']}" for r in _records(a)],
            )

    # ---- overview
    ax = overview
    draw_units(ax, detail=False)
    if traj_lines:
        ax.add_collection(
            LineCollection(
                traj_lines, colors=traj_colours, lw=0.6, alpha=0.35, zorder=3
            )
        )
    for r in _records(data[data["layer"] == "launch"]):
        route = data[(data["layer"] == "waypoint") & (data["id"] == r["id"])]
        target = data[(data["layer"] == "target") & (data["id"] == r["id"])].iloc[0]
        xs = [r["x_m"], *route["x_m"], target["x_m"]]
        ys = [r["y_m"], *route["y_m"], target["y_m"]]
        ax.plot(_km(xs[:-1]), _km(ys[:-1]), "-", color=INK, lw=1.0, alpha=0.7, zorder=4)
        ax.annotate(
            "",
            xy=(_km(xs[-1]), _km(ys[-1])),
            xytext=(_km(xs[-2]), _km(ys[-2])),
            arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1.0, "alpha": 0.7},
            zorder=4,
        )
        ax.plot(_km(route["x_m"]), _km(route["y_m"]), "o", ms=3, color=INK, zorder=4)
        if float(r["radius_m"]) > 0:
            ax.add_patch(
                Circle(
                    (_km(r["x_m"]), _km(r["y_m"])),
                    float(r["radius_m"]) / 1000.0,
                    facecolor=STATE_COLOURS["leaked"],
                    alpha=0.12,
                    edgecolor=STATE_COLOURS["leaked"],
                    zorder=3,
                )
            )
        ax.plot(
            _km(r["x_m"]),
            _km(r["y_m"]),
            "v",
            ms=7,
            color=STATE_COLOURS["leaked"],
            mec="white",
            zorder=6,
        )
        ax.annotate(
            str(r["label"]),
            (_km(r["x_m"]), _km(r["y_m"])),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=7,
            color=INK,
            zorder=8,
        )
    draw_assets(ax, labels=False)
    for si, site in enumerate(spec.sites):
        pts = data[
            (data["layer"] == "asset") & data["id"].isin([a.id for a in site.assets])
        ]
        if pts.empty:
            continue
        ax.annotate(
            site.name or site.id,
            (_km(pts["x_m"].mean()), _km(pts["y_m"].mean())),
            xytext=(-8, -14),
            textcoords="offset points",
            ha="right",
            fontsize=7.5,
            fontweight="bold",
            color=INK,
            zorder=8,
        )
        del si
    pts_x = [*data["x_m"].dropna()]
    pts_y = [*data["y_m"].dropna()]
    for r in _records(data[data["layer"].isin(["sensor", "launch"])]):
        rad = float(r["radius_m"]) if math.isfinite(float(r["radius_m"])) else 0.0
        pts_x += [float(r["x_m"]) - rad, float(r["x_m"]) + rad]
        pts_y += [float(r["y_m"]) - rad, float(r["y_m"]) + rad]
    span = max(max(pts_x) - min(pts_x), max(pts_y) - min(pts_y), 1000.0)
    _square(ax, list(_km(pts_x)), list(_km(pts_y)), 0.04 * span / 1000.0)
    ax.set_title("Overview: raids, routes and sensor coverage")
    ax.set_xlabel("east (km)")
    ax.set_ylabel("north (km)")

    # ---- one close view per site
    ends = result.drones
    close_views: list[Axes] = []
    for si, (site, ax) in enumerate(zip(spec.sites, site_axes, strict=False)):
        mine = data[
            data["id"].isin(
                [a.id for a in site.assets] + [k for k, v in site_of.items() if v == si]
            )
            & data["layer"].isin(["asset", "sensor", "effector"])
        ]
        if mine.empty:
            _no_data(ax, f"{site.id}: no units")
            continue
        span = max(float(np.ptp(mine["x_m"])), float(np.ptp(mine["y_m"])))
        pad = max(0.12 * span, 400.0)
        draw_units(ax, detail=True)
        if not ends.empty:
            for state, marker in (("killed", "x"), ("defeated", "+"), ("leaked", ".")):
                at = ends[ends["state"] == state]
                at = at.iloc[_thin(len(at), MAX_END_POINTS)]
                ax.scatter(
                    _km(at["x_end_m"]),
                    _km(at["y_end_m"]),
                    s=9 if marker != "." else 14,
                    marker=marker,
                    color=STATE_COLOURS[state],
                    alpha=0.45,
                    lw=0.8,
                    zorder=7.5 if state == "leaked" else 4,
                )
        xs, ys = list(mine["x_m"]), list(mine["y_m"])
        stopped = ends[ends["state"].isin(["killed", "defeated"])]
        site_reach = mine.loc[mine["layer"] == "effector", "radius_m"].dropna()
        if not stopped.empty and not site_reach.empty:
            # Widen the view to hold most kill points, within the weapons' reach.
            cx, cy = float(np.mean(xs)), float(np.mean(ys))
            dist = np.hypot(stopped["x_end_m"] - cx, stopped["y_end_m"] - cy)
            half = min(float(np.quantile(dist, 0.8)), float(site_reach.max()))
            xs += [cx - half, cx + half]
            ys += [cy - half, cy + half]
        _square(ax, list(_km(xs)), list(_km(ys)), pad / 1000.0)
        ax.set_title(f"{site.name or site.id}: defences and where drones ended")
        ax.set_xlabel("east (km)")
        ax.set_ylabel("north (km)")
        close_views.append(ax)

    # ---- one legend for the figure
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="#FDF6E3",
            mec=INK,
            ms=8,
            label="asset (size: value)",
        ),
        Line2D(
            [],
            [],
            marker="v",
            ls="",
            color=STATE_COLOURS["leaked"],
            ms=7,
            label="launch area",
        ),
        Line2D(
            [],
            [],
            color=INK,
            lw=1.0,
            marker="o",
            ms=3,
            label="route (waypoints) to target",
        ),
    ]
    kinds = sorted({s.kind for s in cov.sensors if not math.isnan(s.range_m)})
    handles += [
        Line2D(
            [],
            [],
            marker="^",
            color=SENSOR_COLOURS.get(k, MUTED),
            lw=1.0,
            label=f"{k.replace('_', ' ')} coverage",
        )
        for k in kinds
    ]
    ekinds = sorted(set(data.loc[data["layer"] == "effector", "kind"]))
    handles += [
        Line2D(
            [],
            [],
            marker="D",
            color=EFFECTOR_COLOURS.get(k, MUTED),
            lw=0.9,
            ls=(0, (4, 2)),
            label=f"{k} (max range)",
        )
        for k in ekinds
    ]
    handles += [
        Line2D(
            [], [], marker=m, ls="", color=STATE_COLOURS[s], label=f"{s} (end point)"
        )
        for s, m in (("killed", "x"), ("defeated", "+"), ("leaked", "."))
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=5, fontsize=7.5)
    for ax in close_views:  # last: the labels dodge each other in the final layout
        draw_assets(ax, labels=True)

    light = "night" if cov.night else "day"
    caption = (
        "The scenario's local East-North-Up plane around its origin "
        f"({spec.origin.lat_deg:g}°, {spec.origin.lon_deg:g}°), in km. Sensor "
        f"coverage against RCS {rcs:g} m² ({why}, {height:g} m), detected with "
        f"Pd {COVERAGE_PD:g} per scan or look, {light}. Weapon envelopes are the "
        "effectors' maximum ranges. End points: where the drones of every "
        f"replication ended ({len(result.summary):,} replications). {traj_note}"
    )
    return FigureData(fig, data, caption.strip(), tuple(notes))


# --------------------------------------------------------------------------- funnel


def plot_funnel(result: RunResult) -> FigureData:
    """The kill chain: launched → detected → identified → engaged → outcome.

    Means per replication of the summary's counts; the last bar splits the launched
    drones by final state.

    Returns
    -------
    FigureData
        ``data``: ``stage``, ``mean`` (drones per replication), ``share`` (of the
        drones launched).
    """
    s = result.summary
    launched = _mean(s, "n_launched")
    stages = [
        ("launched", "n_launched"),
        ("detected", "n_detected"),
        ("identified", "n_identified"),
        ("engaged", "n_engaged"),
    ]
    rows = [
        {"stage": name, "mean": _mean(s, col)}
        for name, col in stages
        if col in s.columns
    ]
    rows += [{"stage": st, "mean": _mean(s, f"n_{st}")} for st in STATES]
    data = pd.DataFrame(rows)
    data["share"] = data["mean"] / launched if launched > 0 else math.nan

    fig = new_figure(3.4)
    ax = fig.subplots()
    chain = data[data["stage"].isin([n for n, _ in stages])]
    labels = [*chain["stage"], "outcome"]
    y = np.arange(len(labels))[::-1]
    for yi, r in zip(y, _records(chain), strict=False):
        ax.barh(yi, r["mean"], color=STAGE_COLOURS[str(r["stage"])], height=0.62)
        ax.text(
            float(r["mean"]) + 0.01 * max(launched, 1.0),
            yi,
            f"{float(r['mean']):.3g}  ({float(r['share']):.0%})",
            va="center",
            fontsize=8,
        )
    left = 0.0
    out = data[data["stage"].isin(STATES)]
    for r in _records(out):
        m = float(r["mean"])
        if m <= 0:
            continue
        ax.barh(
            y[-1],
            m,
            left=left,
            color=STATE_COLOURS[str(r["stage"])],
            height=0.62,
            label=f"{r['stage']} {m:.3g} ({float(r['share']):.0%})",
        )
        if m >= 0.06 * max(launched, 1e-9):
            ax.text(
                left + m / 2,
                y[-1],
                f"{r['stage']}\n{m:.3g}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if r["stage"] in ("killed", "leaked") else INK,
            )
        left += m
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(launched, 1e-9) * 1.18)
    ax.set_xlabel("drones per replication (mean)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), title="outcome")
    tidy(ax, "x")
    ax.set_title("Kill chain: what happened to the drones")
    caption = (
        f"Mean drones per replication over {len(s):,} replications (summary table). "
        "Percentages are of the drones launched. Identified: by a camera or an RF "
        "detector; engaged: at least one burst or missile fired at it."
    )
    return FigureData(fig, data, caption)


# --------------------------------------------------------------------------- distributions


def _exceedance_panel(
    ax: Axes, values: Any, scale: float, colour: str, xlabel: str
) -> pd.DataFrame:
    frame = exceedance(values)
    x = frame["x"].to_numpy(dtype=np.float64) / scale
    ax.step(x, frame["p_exceed"], where="post", color=colour, lw=1.6)
    ax.fill_between(
        x, frame["lo"], frame["hi"], step="post", color=colour, alpha=0.2, lw=0
    )
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(X > x), 95% band")
    tidy(ax)
    return frame


def plot_distributions(result: RunResult) -> FigureData:
    """Histograms of leakers and value damaged; exceedance of value and casualties.

    Returns
    -------
    FigureData
        ``data``: :meth:`RunResult.quantiles` of ``n_leaked``,
        ``value_damaged_usd`` and ``casualties``.
    """
    s = result.summary
    n = len(s)
    fig = new_figure(6.2)
    (a1, a2), (a3, a4) = fig.subplots(2, 2)

    h = histogram(s["n_leaked"])
    a1.bar(
        (h["left"] + h["right"]) / 2,
        h["count"] / n,
        width=(h["right"] - h["left"]) * 0.85,
        color=STATE_COLOURS["leaked"],
    )
    a1.set_xlabel("drones leaked in a replication")
    a1.set_ylabel("share of replications")
    a1.set_title("Leakers")
    a1.xaxis.get_major_locator().set_params(integer=True)
    tidy(a1, "y")

    v = s["value_damaged_usd"].to_numpy(dtype=np.float64) / 1e6
    if np.isfinite(v).any() and np.nanmax(v) > np.nanmin(v):
        hv = histogram(v, bins=min(30, max(5, int(math.sqrt(n)))))
        a2.bar(
            hv["left"],
            hv["count"] / n,
            width=(hv["right"] - hv["left"]),
            align="edge",
            color="#8E44AD",
            edgecolor="white",
            lw=0.5,
        )
    else:
        value = float(v[0]) if len(v) else 0.0
        a2.bar([value], [1.0], width=1.0, color="#8E44AD")
    a2.set_xlabel("value damaged in a replication (USD million)")
    a2.set_ylabel("share of replications")
    a2.set_title("Value damaged")
    tidy(a2, "y")

    _exceedance_panel(
        a3, s["value_damaged_usd"], 1e6, "#8E44AD", "value damaged x (USD million)"
    )
    a3.set_title("How bad can it get: value damaged")
    _exceedance_panel(a4, s["casualties"], 1.0, INK, "casualties x")
    a4.set_title("How bad can it get: casualties")

    data = (
        result.quantiles()
        .set_index("metric")
        .loc[["n_leaked", "value_damaged_usd", "casualties"]]
        .reset_index()
    )
    caption = (
        f"Over {n:,} replications (summary table). Exceedance: the share of "
        "replications with more than x, with its 95% Wilson interval at each x."
    )
    return FigureData(fig, data, caption)


# --------------------------------------------------------------------------- assets


def plot_assets(result: RunResult) -> FigureData:
    """Per asset: probability it is damaged (Wilson 95%) and mean casualties.

    Returns
    -------
    FigureData
        ``data``: ``asset, site, type, value_usd, occupancy, p_damaged, p_lo, p_hi,
        mean_hits, mean_value_damaged_usd, mean_casualties, max_casualties``.
    """
    a = result.assets
    value = {x.id: x.value_usd for site in result.scenario.sites for x in site.assets}
    g = a.groupby("asset", observed=True, sort=False)
    data = pd.DataFrame(
        {
            "site": g["site"].first().astype(str),
            "type": g["type"].first().astype(str) if "type" in a else "",
            "n": g.size(),
            "damaged": g["damaged"].sum(),
            "occupancy": g["occupancy"].first() if "occupancy" in a else 0,
            "mean_hits": g["hits"].mean(),
            "mean_value_damaged_usd": g["value_damaged_usd"].mean(),
            "mean_casualties": g["casualties"].mean(),
            "max_casualties": g["casualties"].max(),
        }
    )
    data.index = data.index.astype(str)
    data.index.name = "asset"
    data = data.reset_index()
    data["value_usd"] = [value.get(x, math.nan) for x in data["asset"]]
    lo, hi = wilson_interval(data["damaged"].to_numpy(), data["n"].to_numpy())
    data["p_damaged"] = data["damaged"] / data["n"]
    data["p_lo"], data["p_hi"] = lo, hi

    fig = new_figure(max(2.4, 0.42 * len(data) + 1.4))
    a1, a2 = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(data))[::-1]
    p = data["p_damaged"].to_numpy(dtype=np.float64)
    a1.barh(y, p, color=STATE_COLOURS["leaked"], height=0.6, alpha=0.85)
    a1.errorbar(
        p,
        y,
        xerr=[p - data["p_lo"].to_numpy(), data["p_hi"].to_numpy() - p],
        fmt="none",
        ecolor=INK,
        capsize=3,
        lw=0.9,
    )
    a1.set_yticks(
        y, [f"{r['asset']}  ({money(float(r['value_usd']))})" for r in _records(data)]
    )
    a1.set_xlim(0, 1)
    a1.set_xlabel("P(damaged), 95% Wilson interval")
    a1.set_title("Probability each asset is damaged")
    tidy(a1, "x")
    c = data["mean_casualties"].to_numpy(dtype=np.float64)
    a2.barh(y, c, color=INK, height=0.6, alpha=0.8)
    for yi, r in zip(y, _records(data), strict=True):
        a2.text(
            float(r["mean_casualties"]),
            yi,
            f"  {float(r['mean_casualties']):.3g} of {int(r['occupancy']):,}",
            va="center",
            fontsize=7.5,
        )
    a2.set_xlim(0, max(float(np.nanmax(c)) if len(c) else 0.0, 1e-9) * 1.35 + 1e-9)
    a2.set_xlabel("casualties per replication (mean), of the occupancy")
    a2.set_title("Casualties per asset")
    tidy(a2, "x")
    caption = (
        f"From the assets table over {len(result.summary):,} replications: an asset "
        "is damaged when at least one detonation damaged it; its value counts once."
    )
    return FigureData(fig, data, caption)


# --------------------------------------------------------------------------- munitions


def plot_munitions(result: RunResult) -> FigureData:
    """Munitions cost per effector, and cost against value protected when recorded.

    Returns
    -------
    FigureData
        ``data``: ``effector, kind, rounds_fired, missiles_fired, cost_usd`` (means
        per replication).
    """
    e = result.effectors
    s = result.summary
    g = e.groupby("effector", observed=True, sort=False)
    data = pd.DataFrame(
        {
            "kind": g["kind"].first().astype(str),
            "rounds_fired": g["rounds_fired"].mean(),
            "missiles_fired": g["missiles_fired"].mean(),
            "cost_usd": g["cost_usd"].mean(),
        }
    )
    data.index = data.index.astype(str)
    data.index.name = "effector"
    data = data.reset_index()
    vp = (
        s["value_protected_usd"].to_numpy(dtype=np.float64)
        if "value_protected_usd" in s
        else np.array([])
    )
    has_vp = bool(np.isfinite(vp).any())
    notes = []
    if not has_vp:
        notes.append(
            "Value protected is not recorded by this run: re-run with "
            "--value-protected (Python: value_protected=True) to compare the "
            "munitions spent with the value they saved."
        )

    fig = new_figure(max(2.8, 0.3 * len(data) + 1.6))
    a1, a2 = fig.subplots(1, 2)
    y = np.arange(len(data))[::-1]
    a1.barh(
        y,
        data["cost_usd"] / 1e3,
        color=[EFFECTOR_COLOURS.get(k, MUTED) for k in data["kind"]],
        height=0.6,
    )
    for yi, c in zip(y, data["cost_usd"], strict=True):
        a1.text(float(c) / 1e3, yi, "  " + money(float(c)), va="center", fontsize=7.5)
    a1.set_xlim(
        0, max(float(data["cost_usd"].max()) / 1e3 if len(data) else 0, 1e-9) * 1.25
    )
    a1.set_yticks(y, [f"{r['effector']} ({r['kind']})" for r in _records(data)])
    a1.set_xlabel("munitions cost per replication (USD thousand, mean)")
    a1.set_title("Where the money went")
    tidy(a1, "x")
    cost = s["munitions_cost_usd"].to_numpy(dtype=np.float64)
    if has_vp:
        ok = np.isfinite(vp)
        a2.scatter(
            cost[ok] / 1e6, vp[ok] / 1e6, s=10, alpha=0.5, color=STATE_COLOURS["killed"]
        )
        top = max(float(np.nanmax(cost)), float(np.nanmax(vp[ok])), 1.0) / 1e6
        a2.plot([0, top], [0, top], color=MUTED, lw=0.9, ls="--")
        a2.text(
            top, top, " break-even", color=MUTED, fontsize=7, va="bottom", ha="right"
        )
        a2.set_xlabel("munitions cost (USD million)")
        a2.set_ylabel("value protected (USD million)")
        a2.set_title("Cost against value protected, per replication")
    else:
        hc = histogram(cost / 1e3, bins=min(30, max(5, int(math.sqrt(len(cost))))))
        if np.nanmax(cost) > np.nanmin(cost):
            a2.bar(
                hc["left"],
                hc["count"] / len(cost),
                width=hc["right"] - hc["left"],
                align="edge",
                color=STAGE_COLOURS["identified"],
                edgecolor="white",
                lw=0.5,
            )
        else:
            a2.bar([float(cost[0]) / 1e3], [1.0], color=STAGE_COLOURS["identified"])
        a2.set_xlabel("munitions cost in a replication (USD thousand)")
        a2.set_ylabel("share of replications")
        a2.set_title("Munitions cost per replication")
    tidy(a2)
    caption = (
        "Means per replication from the effectors table; the right panel from the "
        "summary table."
    )
    return FigureData(fig, data, caption, tuple(notes))


# --------------------------------------------------------------------------- effectors


def plot_effectors(result: RunResult) -> FigureData:
    """Per effector: engagements and kills, shots fired, and when magazines ran dry.

    Returns
    -------
    FigureData
        ``data``: ``effector, kind, engagements, kills, rounds_fired,
        missiles_fired, cost_usd`` (means per replication), and with ``t_dry_s`` in
        the effectors table, ``p_dry, p_dry_lo, p_dry_hi, t_dry_median_s``.
    """
    e = result.effectors
    g = e.groupby("effector", observed=True, sort=False)
    data = pd.DataFrame(
        {
            "kind": g["kind"].first().astype(str),
            "engagements": g["engagements"].mean(),
            "kills": g["kills"].mean(),
            "rounds_fired": g["rounds_fired"].mean(),
            "missiles_fired": g["missiles_fired"].mean(),
            "cost_usd": g["cost_usd"].mean(),
        }
    )
    has_dry = "t_dry_s" in e.columns
    notes: list[str] = []
    if has_dry:
        dry = e["t_dry_s"].notna().groupby(e["effector"], observed=True, sort=False)
        k, n = dry.sum(), dry.size()
        lo, hi = wilson_interval(k.to_numpy(), n.to_numpy())
        data["p_dry"] = (k / n).to_numpy()
        data["p_dry_lo"], data["p_dry_hi"] = lo, hi
        data["t_dry_median_s"] = (
            e.groupby("effector", observed=True, sort=False)["t_dry_s"]
            .median()
            .to_numpy()
        )
    else:
        notes.append(
            "Time the magazine ran dry: not recorded by this run (its effectors "
            "table has no t_dry_s column; runs of a later skyscreen record it)."
        )
    data.index = data.index.astype(str)
    data.index.name = "effector"
    data = data.reset_index()

    panels = 3 if has_dry else 2
    fig = new_figure(max(2.8, 0.34 * len(data) + 1.6))
    axes = fig.subplots(1, panels, sharey=True)
    y = np.arange(len(data))[::-1]
    h = 0.38
    a1 = axes[0]
    a1.barh(
        y + h / 2,
        data["engagements"],
        h,
        color=STAGE_COLOURS["engaged"],
        label="engagements",
    )
    a1.barh(
        y - h / 2,
        data["kills"],
        h,
        color=STATE_COLOURS["killed"],
        label="kills (jammers: defeats)",
    )
    a1.set_yticks(y, [f"{r['effector']} ({r['kind']})" for r in _records(data)])
    a1.set_xlabel("per replication (mean)")
    a1.set_title("Engagements and kills")
    a1.legend(loc="lower right")
    tidy(a1, "x")
    a2 = axes[1]
    shots = data["rounds_fired"] + data["missiles_fired"]
    a2.barh(
        y,
        shots,
        color=[EFFECTOR_COLOURS.get(k, MUTED) for k in data["kind"]],
        height=0.6,
    )
    for yi, r in zip(y, _records(data), strict=True):
        what = (
            f"{float(r['missiles_fired']):.3g} missiles"
            if r["kind"] == "missile"
            else f"{float(r['rounds_fired']):.3g} "
            + ("shots" if r["kind"] == "microwave" else "rounds")
        )
        a2.text(
            float(r["rounds_fired"] + r["missiles_fired"]),
            yi,
            "  " + what,
            va="center",
            fontsize=7.5,
        )
    a2.set_xlim(0, max(float(shots.max()) if len(shots) else 0.0, 1e-9) * 1.4)
    a2.set_xlabel("fired per replication (mean)")
    a2.set_title("Rounds and missiles fired")
    tidy(a2, "x")
    if has_dry:
        a3 = axes[2]
        p = data["p_dry"].to_numpy(dtype=np.float64)
        a3.barh(y, p, color=STATE_COLOURS["airborne"], height=0.6)
        a3.errorbar(
            p,
            y,
            xerr=[p - data["p_dry_lo"], data["p_dry_hi"] - p],
            fmt="none",
            ecolor=INK,
            capsize=3,
            lw=0.9,
        )
        for yi, r in zip(y, _records(data), strict=True):
            t = float(r["t_dry_median_s"])
            if math.isfinite(t):
                a3.text(
                    min(float(r["p_dry_hi"]), 0.75),
                    yi,
                    f"  median {t:.0f} s",
                    va="center",
                    fontsize=7.5,
                )
        a3.set_xlim(0, 1)
        a3.set_xlabel("P(magazine ran dry), 95% Wilson interval")
        a3.set_title("Magazines run dry")
        tidy(a3, "x")
    caption = (
        "Means per replication from the effectors table. An engagement is an "
        "assignment by C2 (cancelled ones included)."
    )
    return FigureData(fig, data, caption, tuple(notes))


# --------------------------------------------------------------------------- timeline


def median_replication(result: RunResult) -> int:
    """The replication whose value damaged is the median (the lower middle value).

    With an even number of replications the lower of the two middle values; among
    replications with that value, the lowest id.
    """
    s = result.summary
    v = s["value_damaged_usd"].to_numpy(dtype=np.float64)
    order = np.lexsort((s["replication"].to_numpy(), v))
    target = v[order[(len(order) - 1) // 2]]
    ids = s["replication"].to_numpy()[v == target]
    return int(ids.min())


_EVENT_MARKS = {
    "launch": ("o", MUTED, "launch"),
    "detect": ("^", SENSOR_COLOURS["radar"], "first detection"),
    "identify": ("D", SENSOR_COLOURS["camera"], "identified"),
    "fire": ("|", INK, "shot fired"),
    "link_lost": ("s", STATE_COLOURS["defeated"], "link lost"),
    "kill": ("X", STATE_COLOURS["killed"], "killed"),
    "defeated": ("P", STATE_COLOURS["defeated"], "defeated"),
    "leak": ("*", STATE_COLOURS["leaked"], "leaked (arrived)"),
    "expended": ("o", STATE_COLOURS["expended"], "expended"),
}


def plot_timeline(result: RunResult) -> FigureData:
    """The median replication as a timeline: one row per drone, its events over time.

    Needs the event log (``events=True``, ``--events``).

    Returns
    -------
    FigureData
        ``data``: the events drawn (``replication, t_s, kind, drone,
        sensor_or_effector``); empty without an event log.
    """
    rep = median_replication(result)
    cols = ["replication", "t_s", "kind", "drone", "sensor_or_effector"]
    ev = result.events
    if ev is None:
        note = (
            "No event log in this run: re-run with --events (Python: events=True) "
            "to see the timeline of the median replication."
        )
        return FigureData(None, pd.DataFrame(columns=cols), "", (note,))
    mine = ev[(ev["replication"] == rep) & ev["kind"].isin(list(_EVENT_MARKS))]
    data = mine[cols].reset_index(drop=True)
    data["kind"] = data["kind"].astype(str)
    drones = result.drones[result.drones["replication"] == rep]
    drones = drones.sort_values("drone")
    notes: list[str] = []
    if len(drones) > MAX_TIMELINE_DRONES:
        notes.append(
            f"The timeline shows the first {MAX_TIMELINE_DRONES} of "
            f"{len(drones)} drones."
        )
        drones = drones.iloc[:MAX_TIMELINE_DRONES]
    row_of = {int(d): i for i, d in enumerate(drones["drone"])}
    n = len(row_of)
    end_t = float(result.meta.get("duration_s", math.nan))

    fig = new_figure(1.6 + 0.17 * n + 1.8)
    top, ax = fig.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [1.6, 1.6 + 0.17 * n]}
    )
    # Upper panel: drones airborne, killed and leaked so far.
    t_grid = np.sort(data["t_s"].unique())
    if len(t_grid):
        t_all = np.concatenate([[0.0], t_grid])

        def cum(kind: str | list[str]) -> Any:
            kinds = [kind] if isinstance(kind, str) else kind
            times = np.sort(data.loc[data["kind"].isin(kinds), "t_s"].to_numpy())
            return np.searchsorted(times, t_all, side="right")

        ended = cum(["kill", "leak", "defeated", "expended"])
        top.step(
            t_all,
            cum("launch") - ended,
            where="post",
            color=STATE_COLOURS["airborne"],
            label="airborne",
        )
        for kind, state in (
            ("kill", "killed"),
            ("defeated", "defeated"),
            ("leak", "leaked"),
        ):
            c = cum(kind)
            if c[-1] > 0:
                top.step(
                    t_all,
                    c,
                    where="post",
                    color=STATE_COLOURS[state],
                    label=f"{state} (cumulative)",
                )
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    top.set_ylabel("drones")
    tidy(top)

    raid_of = drones.set_index("drone")["raid"].astype(str).to_dict()
    state_of = drones.set_index("drone")["state"].astype(str).to_dict()
    for d, row in row_of.items():
        yv = n - 1 - row
        times = data.loc[data["drone"] == d, "t_s"]
        if times.empty:
            continue
        t0 = float(times.min())
        t1 = drones.loc[drones["drone"] == d, "t_end_s"].iloc[0]
        t1 = float(t1) if np.isfinite(t1) else end_t
        ax.plot(
            [t0, t1],
            [yv, yv],
            color=STATE_COLOURS.get(state_of[d], MUTED),
            lw=2.2,
            alpha=0.35,
            solid_capstyle="butt",
        )
    for kind, (marker, colour, label) in _EVENT_MARKS.items():
        k = data[(data["kind"] == kind) & data["drone"].isin(list(row_of))]
        if k.empty:
            continue
        ys = [n - 1 - row_of[int(d)] for d in k["drone"]]
        ax.scatter(
            k["t_s"],
            ys,
            marker=marker,
            color=colour,
            s=26 if marker != "|" else 40,
            lw=1.0,
            label=label,
            zorder=3,
        )
    ax.set_yticks(
        [n - 1 - r for r in row_of.values()],
        [f"{raid_of[d]} #{d}" for d in row_of],
        fontsize=6.5 if n > 30 else 7.5,
    )
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlabel("time (s)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="events")
    tidy(ax, "x")
    srow = result.summary[result.summary["replication"] == rep].iloc[0]
    top.set_title(
        f"Replication {rep}: value damaged {money(float(srow['value_damaged_usd']))}"
        f", {int(srow['n_leaked'])} leaked, {int(srow['n_killed'])} killed, "
        f"{int(srow['casualties'])} casualties"
    )
    caption = (
        f"Replication {rep}, the median by value damaged "
        f"({len(result.summary):,} replications; ties go to the lowest id), from the "
        "event log. Each row is a drone, from launch to the end of its flight, "
        "shaded by how it ended; the upper panel counts drones airborne and ended."
    )
    return FigureData(fig, data, caption, tuple(notes))
