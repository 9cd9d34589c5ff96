"""One look for every figure and table of the report: colours, sizes, encoding.

Every figure is a :class:`matplotlib.figure.Figure` drawn on the Agg canvas directly
(``pyplot`` is not used, so no global figure registry or backend changes), inside
:func:`styled`, which applies :data:`RC` for the figure's lifetime only. Colours are
the Okabe–Ito palette (readable by colour-blind readers), one meaning each: a drone's
final state has the same colour in the funnel, the map and the timeline.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "EFFECTOR_COLOURS",
    "INK",
    "MUTED",
    "RC",
    "SENSOR_COLOURS",
    "STAGE_COLOURS",
    "STATE_COLOURS",
    "WIDTH_IN",
    "encode_png",
    "money",
    "new_figure",
    "styled",
    "tidy",
]

# Okabe & Ito (2008), "Color Universal Design".
_BLACK = "#000000"
_ORANGE = "#E69F00"
_SKY = "#56B4E9"
_GREEN = "#009E73"
_YELLOW = "#F0E442"
_BLUE = "#0072B2"
_VERMILLION = "#D55E00"
_PURPLE = "#CC79A7"

INK = "#1F2933"
"""Text and outlines."""
MUTED = "#7B8794"
"""Secondary marks: grids, routes, context."""

STATE_COLOURS = {
    "killed": _GREEN,
    "defeated": _SKY,
    "leaked": _VERMILLION,
    "expended": "#9AA5B1",
    "airborne": _ORANGE,
}
"""A drone's final state (drones.parquet ``state``)."""

STAGE_COLOURS = {
    "launched": "#243B53",
    "detected": "#334E68",
    "identified": "#486581",
    "engaged": "#627D98",
}
"""The kill chain's stages before the outcome."""

SENSOR_COLOURS = {"radar": _BLUE, "camera": _PURPLE, "rf_detector": _ORANGE}
EFFECTOR_COLOURS = {
    "gun": "#8E44AD",
    "missile": _GREEN,
    "jammer": _SKY,
    "laser": "#C0392B",
    "microwave": _YELLOW,
    "interceptor": "#7F8C8D",
}

WIDTH_IN = 11.0
"""Width of a full-width figure (inches); the page shows it at about 1000 px."""
DPI = 100
"""Resolution of the embedded PNGs."""

RC: dict[str, Any] = {
    "font.size": 9.0,
    "font.family": "DejaVu Sans",
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.0,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#D9E2EC",
    "grid.linewidth": 0.7,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "text.color": INK,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "skyscreen",
}
"""matplotlib settings of every report figure."""


@contextmanager
def styled() -> Iterator[None]:
    """Apply :data:`RC` while figures are drawn and saved, then restore the old."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, RC)):
        yield


def new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    """A new figure on the Agg canvas, laid out with constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained", dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def encode_png(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI; the figure is cleared.

    The PNG carries no metadata (no software version, no time), so the same tables
    give the same bytes.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def tidy(ax: Axes, grid: str = "both") -> None:
    """House details of an axes: the grid on ``grid`` only (``x``, ``y``, ``both``)."""
    ax.grid(False)
    if grid:
        ax.grid(True, axis=grid)  # type: ignore[arg-type]


def money(x: float) -> str:
    """USD in short words: ``$1.2M``, ``$350k``, ``$90``."""
    if math.isnan(x):
        return "–"
    a = abs(x)
    if a >= 1e9:
        return f"${x / 1e9:.3g}B"
    if a >= 1e6:
        return f"${x / 1e6:.3g}M"
    if a >= 1e3:
        return f"${x / 1e3:.3g}k"
    return f"${x:.3g}"
