"""A short clip of one recorded replication: ``skyscreen animate``.

The map in local metres (as the viewer and the report draw it): assets sized by value,
sensors, weapons with their envelopes; the drones move with fading trails, coloured by
their state, shots are drawn as lines while they fly (from the ``fire`` events), and
kills, soft kills and impacts stay marked where they happened. Every frame is drawn
from the run's own tables (trajectories, events, drones), so the clip shows what the
run recorded and nothing else.

GIF is written with Pillow (a matplotlib dependency), MP4 with ffmpeg when it is on
the ``PATH``. The file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from skyscreen.errors import SkyscreenError
from skyscreen.run import RunResult, load_run
from skyscreen.scenario.compile import compile_scenario

__all__ = ["MAX_FRAMES", "animate"]

MAX_FRAMES = 2000
"""Most frames a clip may have (``fps`` x ``seconds``)."""

_STATE_COLOUR = {
    "flying": "#f2a33a",
    "neutralised": "#b48cf2",
    "killed": "#3ccf91",
    "defeated": "#b48cf2",
    "leaked": "#ef4f4f",
    "expended": "#8a94a6",
}
_BACKGROUND = "#0f141b"
_GRID = "#243040"
_TEXT = "#d5dde8"
_SHOT_LINGER_S = 3.0
"""A gun burst's line is shown this long (simulated seconds) after it is fired."""


@dataclass(frozen=True)
class _Units:
    """Where the defences are: ids, kinds, positions (m) and outer ranges (m)."""

    ids: list[str]
    kinds: list[str]
    xy: np.ndarray
    reach_m: np.ndarray
    effector: np.ndarray


def _units(result: RunResult) -> tuple[_Units, pd.DataFrame]:
    spec = result.scenario
    params = compile_scenario(spec)
    pos = {**params.sensors.positions(), **params.effectors.positions()}
    ids, kinds, xy, reach, eff = [], [], [], [], []
    for site in spec.sites:
        for group, is_eff in ((site.sensors, False), (site.effectors, True)):
            for u in group:
                if not u.enabled or u.id not in pos:
                    continue
                ids.append(u.id)
                kinds.append(u.kind)
                xy.append(pos[u.id][:2])
                reach.append(float(getattr(u, "range_max_m", 0.0) or 0.0))
                eff.append(is_eff)
    assets = pd.DataFrame(
        {
            "id": list(params.assets.ids),
            "x": np.asarray(params.assets.pos_m)[:, 0],
            "y": np.asarray(params.assets.pos_m)[:, 1],
            "value": [a.value_usd for s in spec.sites for a in s.assets],
        }
    )
    return (
        _Units(
            ids,
            kinds,
            np.asarray(xy, float).reshape(-1, 2),
            np.asarray(reach, float),
            np.asarray(eff, bool),
        ),
        assets,
    )


def _writer(out: Path, fps: int) -> Any:
    from matplotlib import animation as mpl_animation

    suffix = out.suffix.lower()
    if suffix == ".gif":
        return mpl_animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        if shutil.which("ffmpeg") is None:
            raise SkyscreenError(
                f"{out}: writing MP4 needs ffmpeg on the PATH (apt-get install ffmpeg); "
                "or write a .gif"
            )
        return mpl_animation.FFMpegWriter(fps=fps, codec="libx264")
    raise SkyscreenError(f"out must end in .gif or .mp4; got {out.name!r}")


def animate(
    source: str | Path | RunResult,
    out: str | Path = "raid.gif",
    replication: int | None = None,
    *,
    fps: int = 10,
    seconds: float = 15.0,
    trail_s: float = 120.0,
    dpi: int = 80,
    overwrite: bool = False,
) -> Path:
    """Write a clip of one recorded replication of a run.

    Parameters
    ----------
    source : path or RunResult
        A run directory, or a run in memory; it needs trajectories (``--record K`` or
        ``--record-select``), and shows shots, kills and impacts with events.
    out : path
        ``.gif`` (Pillow) or ``.mp4`` (needs ffmpeg).
    replication : int, optional
        The replication (its id); default the first recorded one.
    fps, seconds : int, float
        Frames per second and length of the clip: the replication's flying time is
        played in ``seconds`` (at most :data:`MAX_FRAMES` frames).
    trail_s : float
        Length of the drones' trails, simulated seconds.
    dpi : int
        Resolution (the figure is 8 x 6.5 inches).
    overwrite : bool
        Replace an existing ``out``.

    Returns
    -------
    Path
        The clip written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import animation as mpl_animation
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    out = Path(out)
    if not 1 <= int(fps) <= 60:
        raise SkyscreenError(f"fps must be 1 to 60; got {fps}")
    if not float(seconds) > 0 or round(fps * seconds) > MAX_FRAMES:
        raise SkyscreenError(
            f"seconds must be > 0 with at most {MAX_FRAMES} frames (fps x seconds); "
            f"got {seconds} at {fps} fps"
        )
    if trail_s < 0:
        raise SkyscreenError(f"trail_s must be >= 0; got {trail_s}")
    if out.exists() and not overwrite:
        raise SkyscreenError(
            f"{out} exists; pass overwrite (--overwrite) to replace it"
        )
    if not out.parent.is_dir():
        raise SkyscreenError(f"{out.parent} is not a directory")
    writer = _writer(out, int(fps))
    result = source if isinstance(source, RunResult) else load_run(source)
    tr = result.trajectories
    if tr is None or tr.empty:
        raise SkyscreenError(
            "the run has no trajectories to animate; run it with --record K "
            "or --record-select best,median,worst"
        )
    recorded = np.unique(tr["replication"].to_numpy())
    rep = int(recorded[0]) if replication is None else int(replication)
    if rep not in recorded:
        raise SkyscreenError(
            f"replication {rep} has no trajectories; recorded: "
            f"{', '.join(map(str, recorded[:20]))}{' ...' if len(recorded) > 20 else ''}"
        )
    t = tr[tr["replication"] == rep]
    ev = result.events
    ev = None if ev is None else ev[ev["replication"] == rep]
    units, assets = _units(result)

    times = np.unique(t["t_s"].to_numpy())
    n_frames = max(2, round(fps * seconds))
    frame_t = np.linspace(times[0], times[-1], min(n_frames, len(times)))
    drone_ids = np.unique(t["drone"].to_numpy())
    # Positions per drone, in time order (rows are ordered by time, then drone).
    tracks = {
        d: (g["t_s"].to_numpy(), g["x_m"].to_numpy(), g["y_m"].to_numpy(), g["state"])
        for d, g in t.groupby("drone", sort=True)
    }

    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=dpi)
    fig.patch.set_facecolor(_BACKGROUND)
    ax.set_facecolor(_BACKGROUND)
    for side in ax.spines.values():
        side.set_color(_GRID)
    ax.tick_params(colors=_TEXT, labelsize=7)
    ax.grid(color=_GRID, linewidth=0.5)
    ax.set_aspect("equal")
    xs = np.concatenate([t["x_m"].to_numpy(), units.xy[:, 0], assets["x"].to_numpy()])
    ys = np.concatenate([t["y_m"].to_numpy(), units.xy[:, 1], assets["y"].to_numpy()])
    pad = 0.05 * max(np.ptp(xs), np.ptp(ys), 1000.0)
    ax.set_xlim(xs.min() - pad, xs.max() + pad)
    ax.set_ylim(ys.min() - pad, ys.max() + pad)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v / 1000:g} km")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:g} km")
    for k in np.flatnonzero(units.effector & (units.reach_m > 0)):
        ax.add_patch(
            Circle(
                tuple(units.xy[k]),
                units.reach_m[k],
                fill=False,
                color="#e08a3a",
                alpha=0.35,
                linewidth=0.8,
            )
        )
    size = 30 + 120 * np.sqrt(assets["value"] / max(assets["value"].max(), 1.0))
    ax.scatter(
        assets["x"], assets["y"], s=size, marker="s", c="#e8edf3", zorder=3, alpha=0.9
    )
    sensors = ~units.effector
    sx, sy = units.xy[sensors].T
    ax.scatter(sx, sy, marker="^", s=30, c="#4aa8ff", zorder=4)
    ex, ey = units.xy[units.effector].T
    ax.scatter(ex, ey, marker="D", s=24, c="#e08a3a", zorder=4)

    trails = LineCollection([], linewidths=1.0, zorder=5)
    ax.add_collection(trails)
    shots = LineCollection([], colors="#ff6b6b", linewidths=1.0, zorder=6)
    ax.add_collection(shots)
    dots = ax.scatter([], [], s=18, zorder=7, edgecolors="none")
    marks = ax.scatter([], [], s=40, zorder=6, marker="x", linewidths=1.5)
    clock = ax.set_title("", color=_TEXT, fontsize=10, loc="left")

    fires = pd.DataFrame()
    ends = pd.DataFrame()
    if ev is not None and not ev.empty:
        kinds = ev["kind"].astype(str)
        fires = ev[kinds == "fire"]
        ends = ev[kinds.isin(["kill", "leak", "defeated"])]
    where = dict(zip(units.ids, units.xy, strict=True))
    end_colour = {"kill": "#3ccf91", "leak": "#ef4f4f", "defeated": "#b48cf2"}

    def frame(i: int) -> list[Any]:
        now = float(frame_t[i])
        segs, seg_col, px, py, pc = [], [], [], [], []
        airborne = killed = leaked = 0
        for d in drone_ids:
            ts, x, y, state = tracks[d]
            k = int(np.searchsorted(ts, now, side="right"))
            if k == 0:
                continue
            s = str(state.iloc[k - 1])
            last = k == len(ts) and s not in ("flying", "neutralised")
            if last:
                killed += s == "killed"
                leaked += s == "leaked"
                continue
            airborne += 1
            c = _STATE_COLOUR.get(s, "#f2a33a")
            px.append(x[k - 1])
            py.append(y[k - 1])
            pc.append(c)
            j = int(np.searchsorted(ts, now - trail_s, side="left"))
            if k - j >= 2:
                segs.append(np.column_stack([x[j:k], y[j:k]]))
                seg_col.append(c)
        trails.set_segments(segs)
        trails.set_color(seg_col)
        trails.set_alpha(0.5)
        dots.set_offsets(np.column_stack([px, py]) if px else np.empty((0, 2)))
        dots.set_color(pc)
        shot_segs = []
        if not fires.empty:
            live = fires[(fires["t_s"] <= now) & (fires["t_s"] > now - _SHOT_LINGER_S)]
            for _, f in live.iterrows():
                src = where.get(str(f["sensor_or_effector"]))
                if src is not None:
                    shot_segs.append([tuple(src), (f["x_m"], f["y_m"])])
        shots.set_segments(shot_segs)
        if not ends.empty:
            done = ends[ends["t_s"] <= now]
            marks.set_offsets(done[["x_m", "y_m"]].to_numpy(float).reshape(-1, 2))
            marks.set_color([end_colour[str(k)] for k in done["kind"]])
        minutes, secs = divmod(int(now), 60)
        clock.set_text(
            f"{result.scenario.name} · replication {rep} · T+{minutes:02d}:{secs:02d}"
            f" · airborne {airborne} · killed {killed} · leaked {leaked}"
        )
        return [trails, shots, dots, marks, clock]

    clip = mpl_animation.FuncAnimation(
        fig, frame, frames=len(frame_t), interval=1000 / fps, blit=False
    )
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{out.stem}-", suffix=out.suffix, dir=out.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        clip.save(tmp, writer=writer, dpi=dpi)
        os.replace(tmp, out)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
    return out
