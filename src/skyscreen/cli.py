"""The ``skyscreen`` command line.

Every error a user can cause prints one clear message (no traceback) and exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (its default, made explicit)."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1; got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0; got {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port, 0 to 65535; got {value}")
    return value


_RECORD_SELECT = ("best", "median", "worst")  # skyscreen.run.RECORD_SELECT (lazy)


def _record_select(text: str) -> str:
    names = [n.strip() for n in text.split(",")]
    bad = [n for n in names if n not in _RECORD_SELECT]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"must be some of {','.join(_RECORD_SELECT)}, comma-separated; got {text!r}"
        )
    return text


def _replication_id(text: str) -> int:
    value = _non_negative_int(text)
    limit = 2**32 - 1  # skyscreen.scenario.spec.MAX_REPLICATION_ID (kept lazy)
    if value > limit:
        raise argparse.ArgumentTypeError(f"must be <= {limit}; got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0; got {text}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0; got {text}")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1); got {text}")
    return value


def _open_probability(text: str) -> float:
    value = _positive_float(text)
    if not value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1); got {text!r}")
    return value


def _m_of_n(text: str) -> tuple[int, int]:
    parts = text.split("/")
    try:
        m, n = (int(v) for v in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected M/N with integers 1 ≤ M ≤ N ≤ 62; got {text!r}"
        ) from None
    if not 1 <= m <= n <= 62:
        raise argparse.ArgumentTypeError(
            f"expected M/N with integers 1 ≤ M ≤ N ≤ 62; got {text!r}"
        )
    return m, n


def _area(text: str) -> tuple[float, float, float, float]:
    try:
        x0, x1, y0, y1 = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected four numbers X0,X1,Y0,Y1; got {text!r}"
        ) from None
    import math

    if not (x1 > x0 and y1 > y0) or not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise argparse.ArgumentTypeError(
            f"expected finite X0 < X1 and Y0 < Y1; got {text!r}"
        )
    return x0, x1, y0, y1


def _executor_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="local process pool (default), or Dask distributed: a LocalCluster of "
        "--workers processes, or the cluster at --scheduler (pip install "
        "'skyscreen[dask]'; docs/dask.md); the results are the same",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
        "--executor dask)",
    )


def _study_common(p: argparse.ArgumentParser) -> None:
    """Options every study (sweep, compare, sensitivity) shares."""
    p.add_argument(
        "-n",
        "--replications",
        type=_positive_int,
        metavar="REPS",
        help="replications per point (default: the scenario's); every point runs "
        "the same ids with the same seed",
    )
    p.add_argument("--seed", type=_non_negative_int, help="root seed")
    p.add_argument("--fidelity", choices=["truth", "tracked"], default="truth")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="study directory (default runs/<name>-<kind>-<time>)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing directory that skyscreen wrote and nothing else",
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        nargs="?",
        const="",
        help="complete the interrupted study in DIR with its own settings; without "
        "DIR, continue the one in --out DIR if there is one (its scenario must be "
        "SCENARIO), else start it",
    )
    p.add_argument(
        "--workers", type=_positive_int, metavar="N", help="worker processes"
    )
    p.add_argument(
        "--chunk-size", type=_positive_int, metavar="C", help="replications per chunk"
    )
    _executor_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _study_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid or Latin hypercube of field values",
        description="Run a scenario at every point of a design; every point runs the "
        "same replications with the same seed (common random numbers). Writes "
        "sweep.parquet (a row per point and replication), points.parquet (a row per "
        "point with each metric's mean and 95%% interval), sweep.json and figures. "
        "Resumable: an interrupted sweep is completed by --resume DIR.",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=VALUES",
        help="a field and its values: raids.0.count=4:64:4 (end included on the "
        "grid), sites.0.effectors.gun-n.enabled=true,false, doctrine.min_shot_pk=0:0.3 "
        "(a range, for --design lhs); repeat for more fields",
    )
    p.add_argument("--design", choices=["grid", "lhs"], default="grid")
    p.add_argument(
        "--points", type=_positive_int, metavar="K", help="Latin hypercube points"
    )
    p.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    _study_common(p)

    p = sub.add_parser(
        "compare",
        help="paired comparison of two scenarios with common random numbers",
        description="Run A and B with the same seeds and replications and report "
        "every summary metric's paired difference B - A with its 95%% interval, "
        "Holm-corrected significance and the variance saved against independent "
        "seeds. B is a second file, or A with --vary PATH=VALUE.",
    )
    p.add_argument("scenario", metavar="A", nargs="?")
    p.add_argument("other", metavar="B", nargs="?")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="B is A with this field set (repeatable), e.g. "
        "sites.0.effectors.gun-n.enabled=false",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="list every metric, not only those that differ",
    )
    _study_common(p)

    p = sub.add_parser(
        "sensitivity",
        help="Morris screening or Sobol indices over uncertain fields (SALib)",
        description="Which fields matter most? Morris elementary effects (n "
        "trajectories: n*(k+1) points) or Sobol indices (N a power of two: N*(k+2) "
        "points) of the chosen metrics' means, ranked, with 95%% intervals.",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=LO:HI",
        help="a field and its range (or listed values a,b,c); repeat for more",
    )
    p.add_argument("--method", choices=["morris", "sobol"], default="morris")
    p.add_argument(
        "--samples",
        type=_positive_int,
        default=None,
        metavar="N",
        help="Morris trajectories (default 10) or Sobol base samples (a power of "
        "two, default 64)",
    )
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="METRIC",
        help="summary metric to analyse (repeatable; default n_leaked and "
        "value_damaged_usd)",
    )
    _study_common(p)

    p = sub.add_parser(
        "query",
        help="SQL (DuckDB) over a run's or a sweep's Parquet files",
        description="Run SQL over a run directory (views summary, drones, effectors, "
        "assets, events, trajectories, ...) or a sweep directory (views sweep, "
        "points); print the result or write it as CSV or Parquet (docs/query.md).",
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("sql", metavar="SQL")
    p.add_argument(
        "--out", metavar="FILE", help="write the result to FILE.csv or FILE.parquet"
    )
    p.add_argument(
        "--max-rows",
        type=_non_negative_int,
        default=50,
        metavar="K",
        help="rows to print (default 50)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="skyscreen",
        description="Counter-drone air-defence simulation (notional parameters only).",
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="check a scenario file and list every error")
    p.add_argument("scenario", metavar="SCENARIO")

    p = sub.add_parser(
        "run",
        help="run a scenario's Monte Carlo replications",
        description="Run a scenario's Monte Carlo replications into a run directory. "
        "Each finished chunk is saved as it ends: a run stopped at any moment (Ctrl-C, "
        "kill) is completed by `skyscreen run --resume DIR`, with the results an "
        "uninterrupted run gives.",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?")
    p.add_argument(
        "--resume",
        metavar="DIR",
        nargs="?",
        const="",
        help="complete the interrupted run in DIR (no SCENARIO; its settings are "
        "the interrupted run's); without DIR, continue the one in --out DIR if "
        "there is one (its scenario must be SCENARIO), else start it",
    )
    p.add_argument(
        "-n",
        "--replications",
        type=_positive_int,
        metavar="REPS",
        help="replications (default: the scenario's)",
    )
    p.add_argument("--seed", type=_non_negative_int, help="root seed")
    p.add_argument("--fidelity", choices=["truth", "tracked"], default="truth")
    p.add_argument(
        "--out", metavar="DIR", help="run directory (default runs/<name>-<timestamp>)"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing directory that skyscreen wrote and nothing else",
    )
    p.add_argument("--events", action="store_true", help="record the event log")
    p.add_argument(
        "--record",
        type=_non_negative_int,
        default=0,
        metavar="K",
        help="record trajectories of the first K replications",
    )
    p.add_argument(
        "--record-select",
        type=_record_select,
        metavar="LIST",
        help="after the run, run again and record (trajectories and events) the "
        "replications chosen by value damaged: any of best,median,worst",
    )
    p.add_argument(
        "--value-protected",
        action="store_true",
        help="also run the same seeds without effectors: value and lives the defence "
        "saved, paired by replication (about doubles the run time)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: CPU count)",
    )
    p.add_argument(
        "--chunk-size", type=_positive_int, metavar="C", help="replications per chunk"
    )
    _executor_arguments(p)
    p.add_argument(
        "--dt-s", type=float, metavar="DT", help="override the time step (s)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "wta", help="solve a static weapon-target assignment instance file"
    )
    p.add_argument("instance", metavar="INSTANCE", help="file in the public format")
    p.add_argument(
        "--method",
        choices=["greedy", "improve", "exact", "brute"],
        default="exact",
        help="solver (default: exact)",
    )
    p.add_argument(
        "--time-limit",
        type=_positive_float,
        metavar="S",
        help="wall-clock budget in seconds (improve, exact)",
    )
    p.add_argument(
        "--max-iter",
        type=_non_negative_int,
        metavar="N",
        help="iteration budget (improve: rounds; exact: rounds and MILP nodes)",
    )
    p.add_argument("--seed", type=_non_negative_int, default=0, help="improve's seed")
    p.add_argument(
        "--out", metavar="FILE.csv", help="write the assignment (i,j,count rows)"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (never the instance file)",
    )

    p = sub.add_parser(
        "hindsight",
        help="the hindsight bound on value damaged (guns and missiles)",
    )
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument(
        "-n",
        "--replications",
        type=_positive_int,
        metavar="REPS",
        help="replications (default: the scenario's)",
    )
    p.add_argument(
        "--seed",
        type=_non_negative_int,
        help="root seed (default: the scenario's); compare with runs of this seed",
    )
    p.add_argument(
        "--method",
        choices=["auto", "milp", "lp"],
        default="auto",
        help="auto (default) and milp: the MILP within a node budget; lp: the LP "
        "relaxation",
    )
    p.add_argument(
        "--node-limit",
        type=_positive_int,
        metavar="K",
        help="branch-and-bound nodes per replication (default 2000; milp 20000)",
    )
    p.add_argument(
        "--relaxation",
        choices=["perfect", "doctrine", "cameras", "expected"],
        default="perfect",
        help="perfect (default): paths and shot outcomes known; doctrine: the same "
        "within the doctrine's cycles, picture and weapons control; cameras: "
        "doctrine with the cameras' identifications as the engine makes them; "
        "expected: paths known, outcomes not (bounds the mean)",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write one row per replication (.parquet or .csv)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (never the scenario file)",
    )

    p = sub.add_parser(
        "decisions",
        help="export one replication's decision cycles as WTA instance files",
    )
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--out", metavar="DIR", required=True, help="directory to create")
    p.add_argument(
        "--replication",
        type=_replication_id,
        default=0,
        metavar="I",
        help="replication id (default 0)",
    )
    p.add_argument("--seed", type=_non_negative_int, help="root seed")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing directory that skyscreen wrote and nothing else",
    )

    p = sub.add_parser(
        "coverage", help="map each sensor's detection range against a target"
    )
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument(
        "--rcs",
        type=_positive_float,
        default=0.01,
        metavar="M2",
        help="the target's RCS in m² (radars; default 0.01)",
    )
    p.add_argument(
        "--pd",
        type=_probability,
        default=0.9,
        metavar="P",
        help="detection probability, per scan (radar) or per look (camera); "
        "default 0.9",
    )
    p.add_argument(
        "--height-m",
        type=_non_negative_float,
        default=50.0,
        metavar="H",
        help="the target's height above the surface in m (default 50)",
    )
    light = p.add_mutually_exclusive_group()
    light.add_argument(
        "--night",
        dest="night",
        action="store_const",
        const=True,
        help="cameras use their night R50 (default: the scenario's time of day)",
    )
    light.add_argument(
        "--day",
        dest="night",
        action="store_const",
        const=False,
        help="cameras use their day R50",
    )
    p.add_argument(
        "--format",
        choices=["png", "geojson"],
        help="default: geojson if FILE ends in .geojson or .json, else png",
    )
    p.add_argument(
        "--out", metavar="FILE", required=True, help="the map or GeoJSON to write"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (never the scenario file)",
    )

    p = sub.add_parser(
        "track",
        help="run the tracker on recorded measurements (CSV step,meas_id,x,y[,z])",
    )
    p.add_argument("meas", metavar="MEAS.csv")
    p.add_argument("--out", metavar="TRACKS.csv", required=True)
    p.add_argument(
        "--dt-s",
        type=_positive_float,
        default=1.0,
        metavar="S",
        help="scan period in s (default 1)",
    )
    p.add_argument(
        "--noise-m",
        type=_positive_float,
        default=10.0,
        metavar="M",
        help="measurement noise, 1σ per axis, in m (default 10)",
    )
    p.add_argument(
        "--pd",
        type=_open_probability,
        default=0.9,
        metavar="P",
        help="detection probability (default 0.9)",
    )
    p.add_argument(
        "--clutter-per-scan",
        type=_non_negative_float,
        default=10.0,
        metavar="N",
        help="mean false alarms per scan (default 10)",
    )
    p.add_argument(
        "--area-m",
        type=_area,
        metavar="X0,X1,Y0,Y1",
        help="the surveillance area that turns the clutter count into a "
        "density (default: the measurements' bounding box)",
    )
    p.add_argument(
        "--process-noise",
        type=_positive_float,
        default=0.05,
        metavar="Q",
        help="process noise PSD in m²/s³ (default 0.05)",
    )
    p.add_argument("--association", choices=["gnn", "jpda"], default="gnn")
    p.add_argument("--motion", choices=["cv", "imm"], default="cv")
    p.add_argument(
        "--gate-prob",
        type=_open_probability,
        default=0.999,
        metavar="P",
        help="gate probability (default 0.999)",
    )
    p.add_argument(
        "--confirm",
        type=_m_of_n,
        default=(3, 4),
        metavar="M/N",
        help="confirm after M hits in N scans (default 3/4)",
    )
    p.add_argument(
        "--tentative-misses",
        type=_positive_int,
        default=2,
        metavar="K",
        help="drop a tentative track after K misses (default 2)",
    )
    p.add_argument(
        "--delete-misses",
        type=_positive_int,
        default=4,
        metavar="K",
        help="delete a confirmed track after K misses (default 4)",
    )
    p.add_argument(
        "--init-vel-std",
        type=_positive_float,
        default=40.0,
        metavar="V",
        help="prior velocity std of a new track, m/s (default 40)",
    )
    p.add_argument(
        "--capacity",
        type=_positive_int,
        default=None,
        metavar="K",
        help="track slots (default: 4 × the largest scan + 64)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line (wall_s: the tracking loop alone)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out file"
    )

    _study_parsers(sub)

    p = sub.add_parser(
        "view", help="replay a run in the browser (a server on this machine only)"
    )
    p.add_argument("dir", metavar="DIR", help="run directory")
    p.add_argument(
        "--port",
        type=_port,
        default=8765,
        metavar="P",
        help="port to serve on (default 8765; 0: any free port)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only)",
    )
    p.add_argument(
        "--no-browser", action="store_true", help="print the address, open no browser"
    )

    p = sub.add_parser(
        "report", help="write the after-action report of a run (one HTML file)"
    )
    p.add_argument("dir", metavar="DIR", help="run, sweep or comparison directory")
    p.add_argument(
        "--out", metavar="FILE", help="the HTML file (default DIR/report.html)"
    )
    p.add_argument(
        "--rcs",
        type=_positive_float,
        metavar="M2",
        help="radar cross-section of the coverage drawn on the map (default: the "
        "smallest of the raids' drones)",
    )

    p = sub.add_parser("animate", help="write a GIF or MP4 clip of one replication")
    p.add_argument("dir", metavar="DIR", help="run directory (with trajectories)")
    p.add_argument(
        "--replication",
        type=_non_negative_int,
        metavar="I",
        help="replication id (default: the first recorded)",
    )
    p.add_argument(
        "--out", default="raid.gif", help="FILE.gif, or FILE.mp4 with ffmpeg"
    )
    p.add_argument("--fps", type=_positive_int, default=10, help="frames per second")
    p.add_argument(
        "--seconds",
        type=float,
        default=15.0,
        help="length of the clip; the whole flight is played in it",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --out file"
    )

    sub.add_parser("schema", help="print the JSON Schema of scenario files")

    p = sub.add_parser("examples", help="list the bundled example scenarios")
    p.add_argument("--copy", metavar="DIR", help="copy them into DIR")
    return parser


def _fmt(value: Any, metric: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if metric.endswith("_usd"):
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    return f"{value:,.2f}"


def _console() -> Any:
    """Rich's console on stdout; 120 columns when stdout is not a terminal.

    Piped to a file or another program, Rich would assume 80 columns and cut the
    metric names; the COLUMNS variable still wins.
    """
    from rich.console import Console

    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=120)
    return console


def _compact(value: Any, metric: str) -> str:
    """A short number for narrow tables: 3.8, 612k, $20.0M."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    sign, v = ("-" if value < 0 else ""), abs(float(value))
    cur = "$" if metric.endswith("_usd") else ""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{sign}{cur}{v / div:.3g}{suffix}"
    return f"{sign}{cur}{v:.3g}"


def _print_summary(result: Any, out_dir: Path) -> None:
    from rich.table import Table

    stats = result.stats()
    console = _console()
    table = Table(
        title=f"{result.scenario.name}: {result.n_replications:,} replications, "
        f"seed {result.seed}",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("mean / probability", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("median", justify="right")
    table.add_column("95th pct", justify="right")
    dist = result.quantiles(q=(0.5, 0.95)).set_index("metric")
    for row in stats.itertuples(index=False):
        if row.n == 0:  # never defined in this run (value protected not asked for)
            continue
        if row.kind == "ratio":
            usd = row.metric.startswith("cost")
            est = f"${row.estimate:,.0f}" if usd else f"{row.estimate:,.2f}"
            lo = f"${row.ci_low:,.0f}" if usd else f"{row.ci_low:,.2f}"
            hi = f"${row.ci_high:,.0f}" if usd else f"{row.ci_high:,.2f}"
            table.add_row(row.metric, est, f"{lo} - {hi}", "", "")
            continue
        if row.kind == "mean":
            est = _fmt(row.estimate, row.metric)
            ci = f"{_fmt(row.ci_low, row.metric)} - {_fmt(row.ci_high, row.metric)}"
            med = p95 = ""
            if row.metric in dist.index:
                med = _compact(dist.loc[row.metric, "q50"], row.metric)
                p95 = _compact(dist.loc[row.metric, "q95"], row.metric)
        else:
            est = f"{row.estimate:.3f}"
            ci = f"{row.ci_low:.3f} - {row.ci_high:.3f}"
            med = p95 = ""
        table.add_row(row.metric, est, ci, med, p95)
    console.print(table)
    console.print(f"wall time {result.meta['wall_time_s']:.1f} s; results in {out_dir}")


def _load(path: str) -> Any:
    """Load a scenario, printing each of its warnings as a ``warning: ...`` line."""
    import warnings

    from skyscreen.scenario import ScenarioWarning, load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        spec = load_scenario(path)
    for w in caught:
        if issubclass(w.category, ScenarioWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:  # pragma: no cover - anything else goes on as Python would show it
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return spec


def _cmd_validate(args: argparse.Namespace) -> int:
    _load(args.scenario)
    print("ok")
    return 0


_RUN_SETTINGS = (
    "replications",
    "seed",
    "out",
    "overwrite",
    "events",
    "value_protected",
    "record_select",
    "chunk_size",
    "dt_s",
)


def _resume_form(args: argparse.Namespace, command: str) -> None:
    """``--resume`` without DIR: continue the study in ``--out`` if it is there.

    The form ``skyscreen sweep SCENARIO --vary ... --out DIR --resume`` repeats the
    command that was interrupted. If DIR holds an interrupted study, it is continued
    with its saved settings (SCENARIO must be the same scenario, apart from its run
    settings); if DIR holds none, the study starts as if --resume were not given.
    """
    import json

    from skyscreen.errors import SkyscreenError

    if args.resume != "":
        return
    if not args.out:
        raise SkyscreenError(
            "--resume without DIR continues the study in --out DIR; give --out"
        )
    out = Path(args.out)
    if not ((out / "plan.json").is_file() and (out / "incomplete").is_file()):
        args.resume = None  # nothing to continue: start it
        return
    try:
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        saved = plan.get("scenario") or plan["scenarios"][0]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        raise SkyscreenError(
            f"{out}: its plan.json is damaged; cannot resume it"
        ) from None
    if args.scenario is not None:
        mine = _load(args.scenario).model_dump(mode="json", by_alias=True)
        if {k: v for k, v in mine.items() if k != "run"} != {
            k: v for k, v in saved.items() if k != "run"
        }:
            raise SkyscreenError(
                f"{out}: holds an interrupted {command} of another scenario than "
                f"{args.scenario} (or of an earlier version of it); resume it with "
                f"`skyscreen {command} --resume {out}`, or start again with --overwrite"
            )
    print(
        f"resuming the interrupted {command} in {out} with its saved settings",
        file=sys.stderr,
    )
    for name in (
        "scenario",
        "other",
        "replications",
        "seed",
        "out",
        "chunk_size",
        "dt_s",
        "record_select",
    ):
        if hasattr(args, name):
            setattr(args, name, None)
    for name in ("overwrite", "events", "value_protected"):
        if hasattr(args, name):
            setattr(args, name, False)
    for name in ("vary", "metric"):
        if hasattr(args, name):
            setattr(args, name, [])
    if hasattr(args, "record"):
        args.record = 0
    if hasattr(args, "fidelity"):
        args.fidelity = "truth"
    args.resume = str(out)


def _cmd_run(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError

    _resume_form(args, "run")
    if args.resume is not None:
        given = [f"--{k.replace('_', '-')}" for k in _RUN_SETTINGS if getattr(args, k)]
        if args.scenario is not None:
            given.insert(0, "SCENARIO")
        if args.record or args.fidelity != "truth":
            given.append("--record/--fidelity")
        if given:
            raise SkyscreenError(
                f"--resume continues a run with its own settings; drop {', '.join(given)}"
            )
        return int(_interruptible(Path(args.resume), "run", lambda: _resume_run(args)))
    if args.scenario is None:
        raise SkyscreenError("give a SCENARIO to run, or --resume DIR")
    spec = _load(args.scenario)
    _start_workers_early(args)  # warms up while the rest is imported
    from skyscreen.io import check_out_dir, default_out_dir

    out = Path(args.out) if args.out else default_out_dir(spec.name)
    _check_study_dir(out, args.overwrite, "run")  # fail before spending the time
    check_out_dir(out, args.overwrite)
    from skyscreen.run import simulate  # (its imports alone take seconds)

    def run() -> int:
        result = simulate(
            spec,
            replications=args.replications,
            seed=args.seed,
            fidelity=args.fidelity,
            workers=args.workers,
            chunk_size=args.chunk_size,
            events=args.events,
            record=args.record,
            progress=not args.quiet,
            dt_s=args.dt_s,
            value_protected=args.value_protected,
            out=out,
            overwrite=args.overwrite,
            executor=args.executor,
            scheduler=args.scheduler,
            record_select=args.record_select,
        )
        _print_summary(result, out)
        return 0

    return int(_interruptible(out, "run", run))


def _start_workers_early(args: argparse.Namespace) -> None:
    """Let the worker pool's fork server warm up while the run layer is imported."""
    if args.executor == "local" and args.scheduler is None and args.workers != 1:
        from skyscreen.executors._early import start_fork_server

        start_fork_server()
    # Dask's LocalCluster likewise (issue 12, its start-up): the fork server now, the
    # scheduler and workers in a background thread; this process's runs use it, and
    # it is closed at exit (docs/dask.md).
    elif args.executor == "dask" and args.scheduler is None:
        from skyscreen.executors._early import start_local_cluster

        start_local_cluster(args.workers)


def _start_dask_fork_server_early(args: argparse.Namespace) -> None:
    """With ``--executor dask`` (no ``--scheduler``), start the fork server at once.

    Issue 12, Dask's start-up: the server that the LocalCluster's workers fork from
    imports the engine, warms up its kernels and imports Dask (seconds) while this
    process loads the scenario and the run layer; the cluster itself starts once the
    arguments are checked (:func:`_start_workers_early`).
    """
    dask = getattr(args, "executor", None) == "dask"
    if dask and getattr(args, "scheduler", None) is None:
        from skyscreen.executors._early import DASK_PRELOAD, start_fork_server

        start_fork_server(DASK_PRELOAD)


def _resume_run(args: argparse.Namespace) -> int:
    from skyscreen.run import resume

    result = resume(
        args.resume,
        workers=args.workers,
        progress=not args.quiet,
        executor=args.executor,
        scheduler=args.scheduler,
    )
    _print_summary(result, Path(args.resume))
    return 0


def _check_study_dir(out: Path, overwrite: bool, command: str) -> None:
    """An interrupted study at ``out`` without --overwrite: say --resume continues it."""
    from skyscreen._atomic import INCOMPLETE, read_writer_record
    from skyscreen.errors import RunDirectoryError

    if overwrite or not (out / "plan.json").is_file():
        return
    record = read_writer_record(out / INCOMPLETE)
    if record is not None and record.alive() is False:
        raise RunDirectoryError(
            f"{out}: an interrupted {command} is there; continue it with "
            f"`skyscreen {command} --resume {out}`, or start again with --overwrite"
        )


def _interruptible(out: Path, command: str, body: Any) -> Any:
    """``body()``; on Ctrl-C (then 130) or SIGTERM, say how to resume ``out``."""
    from skyscreen.executors.local import Terminated

    try:
        return body()
    except (KeyboardInterrupt, Terminated) as exc:
        if (out / "plan.json").is_file() and (out / "incomplete").is_file():
            print(
                f"interrupted; the finished chunks are saved in {out}: continue with "
                f"`skyscreen {command} --resume {out}`",
                file=sys.stderr,
            )
        if isinstance(exc, KeyboardInterrupt):
            return 130
        raise


def _cmd_wta(args: argparse.Namespace) -> int:
    path = Path(args.instance)
    out = Path(args.out) if args.out else None
    if out is not None:
        _check_file_target(out, path, "instance", args.overwrite)  # before solving
    from skyscreen.c2 import best_known, read_wta_instance, solve_wta

    inst = read_wta_instance(path)
    res = solve_wta(
        inst.values,
        inst.pk,
        inst.capacity,
        args.method,
        time_limit_s=args.time_limit,
        max_iter=args.max_iter,
        seed=args.seed,
    )
    n_w, n_t = inst.pk.shape
    print(
        f"instance     {inst.name}: {n_w} weapon types x {n_t} targets, "
        f"{int(inst.capacity.sum())} weapons"
    )
    print(
        f"method       {res.method} ({res.iterations} "
        f"iteration{'' if res.iterations == 1 else 's'}, {res.time_s:.3f} s)"
    )
    print(f"objective    {res.objective:.6f}")
    print(f"lower bound  {res.lower_bound:.6f}")
    print(f"gap          {res.gap:.3e}")
    print(f"status       {res.status}")
    best = best_known(inst.name, path.parent)
    if best is not None:
        print(f"best known   {best:.6f} ({(res.objective - best) / best:+.4%})")
    if out is not None:
        _check_file_target(out, path, "instance", args.overwrite)  # it may have changed
        _write_file(out, _assignment_csv(res.x), "assignment")
        print(f"assignment   {args.out}")
    return 0


def _check_file_target(out: Path, source: Path, what: str, overwrite: bool) -> None:
    """Raise unless ``--out`` may write the file ``out``.

    It must be new, or an existing file with ``overwrite``; never a directory, and
    never the command's input file ``source`` (its ``what``: "instance",
    "scenario"), nor a link to it, even with ``overwrite``.
    """
    from skyscreen.errors import SkyscreenError

    if out.is_dir():
        raise SkyscreenError(f"--out {out}: must be a file path; got a directory")
    if not (out.exists() or out.is_symlink()):
        from skyscreen._outdir import check_writable

        try:
            check_writable(out)
        except SkyscreenError as exc:
            raise SkyscreenError(f"--out {exc}") from None
        return
    same = os.path.realpath(out) == os.path.realpath(source)
    if not same and out.exists():
        try:
            same = os.path.samefile(out, source)
        except OSError:  # the input is gone: not the same file
            same = False
    if same:
        raise SkyscreenError(
            f"--out {out}: refusing to overwrite the {what} file {source}"
        )
    if not overwrite:
        raise SkyscreenError(
            f"--out {out}: must be a new file; got an existing file "
            "(use --overwrite to replace it)"
        )


def _write_file(out: Path, write: Any, what: str) -> None:
    """Write ``out`` through ``write(tmp)`` under a temporary name, then rename."""
    from skyscreen._atomic import atomic_file
    from skyscreen.errors import SkyscreenError

    try:
        with atomic_file(out) as tmp:
            write(tmp)
    except OSError as exc:
        raise SkyscreenError(
            f"--out {out}: could not be written ({exc.strerror or exc}); the "
            f"{what} was not saved and a file that was there is as it was"
        ) from None


def _assignment_csv(x: Any) -> Any:
    """A writer of the CSV of the non-zero counts of assignment ``x``."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write("i,j,count\n")
            for i, j in zip(*x.nonzero(), strict=True):
                fh.write(f"{i},{j},{x[i, j]}\n")

    return write


def _cmd_hindsight(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError

    out = Path(args.out) if args.out else None
    if out is not None:
        if out.suffix.lower() not in (".parquet", ".csv"):
            raise SkyscreenError(
                f"--out {out}: must end in .parquet or .csv; got "
                f"{out.suffix or 'no suffix'!r}"
            )
        _check_file_target(out, Path(args.scenario), "scenario", args.overwrite)
    spec = _load(args.scenario)
    from skyscreen.studies.hindsight import hindsight_bound

    hb = hindsight_bound(
        spec,
        replications=args.replications,
        seed=args.seed,
        method=args.method,
        node_limit=args.node_limit,
        relaxation=args.relaxation,
    )
    n = len(hb.replications)
    print(f"scenario     {hb.scenario_name}: {n:,} replications, seed {hb.seed}")
    print(f"relaxation   {args.relaxation}")
    for label, column in (
        ("bound", "value_damaged_usd"),
        ("LP bound", "lp_value_damaged_usd"),
        ("undefended", "undefended_value_damaged_usd"),
    ):
        m, lo, hi = hb.interval(column)
        ci = (
            "" if n < 2 else f"  (95% interval {_fmt(lo, column)} - {_fmt(hi, column)})"
        )
        print(f"{label:<12} {_fmt(m, column)} mean value damaged{ci}")
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(hb.method_counts().items()))
    print(f"methods      {counts}")
    if out is not None:
        _check_file_target(out, Path(args.scenario), "scenario", args.overwrite)
        frame, csv = hb.to_frame(), out.suffix.lower() == ".csv"

        def write(tmp: Path) -> None:
            if csv:
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)

        _write_file(out, write, "bound")
        print(f"per replication {out}")
    return 0


def _cmd_decisions(args: argparse.Namespace) -> int:
    from skyscreen.io import check_out_dir

    spec = _load(args.scenario)
    check_out_dir(args.out, args.overwrite)  # fail before spending the time
    from skyscreen.decisions import export_decision_instances

    paths = export_decision_instances(
        spec, args.out, args.replication, args.seed, overwrite=args.overwrite
    )
    print(
        f"{len(paths)} decision instances of replication {args.replication} "
        f"in {args.out} (index.csv maps them to weapons and drones)"
    )
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    spec = _load(args.scenario)
    out = Path(args.out)
    fmt = args.format or (
        "geojson" if out.suffix.lower() in (".geojson", ".json") else "png"
    )
    _check_file_target(
        out, Path(args.scenario), "scenario", args.overwrite
    )  # before work
    from skyscreen.coverage import coverage, coverage_geojson, plot_coverage

    cov = coverage(
        spec, rcs_m2=args.rcs, pd=args.pd, height_m=args.height_m, night=args.night
    )
    # Everything that can fail runs before anything is printed or written.
    if fmt == "png":
        fig = plot_coverage(cov)

        def write(tmp: Path) -> None:
            fig.savefig(tmp, format="png", dpi=120)

    else:
        text = json.dumps(coverage_geojson(cov)) + "\n"

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

    width = max([len("sensor"), *(len(s.id) for s in cov.sensors)])
    print(f"coverage of {spec.name} against {cov.target}")
    print(f"{'sensor':<{width}}  {'kind':<11}  {'range km':>8}  note")
    for s in cov.sensors:
        km = "-" if math.isnan(s.range_m) else f"{s.range_m / 1000:.2f}"
        print(f"{s.id:<{width}}  {s.kind:<11}  {km:>8}  {s.note}")
    _check_file_target(out, Path(args.scenario), "scenario", args.overwrite)  # again
    _write_file(out, write, "coverage")
    print(f"{fmt} written to {out}")
    return 0


def _cmd_track(args: argparse.Namespace) -> int:
    import json

    from skyscreen.io.measurements import read_measurements, write_tracks
    from skyscreen.tracking import TrackerConfig, run_scans

    path = Path(args.meas)
    out = Path(args.out)
    _check_file_target(out, path, "measurements", args.overwrite)
    meas = read_measurements(path)
    dim = meas.pos.shape[1]
    if args.area_m is not None:
        x0, x1, y0, y1 = args.area_m
        area = (x1 - x0) * (y1 - y0)
    else:
        span = meas.pos.max(axis=0) - meas.pos.min(axis=0) if len(meas.pos) else []
        area = float(span[0] * span[1]) if len(span) else 0.0
    if dim == 3 and len(meas.pos):
        area *= max(float(meas.pos[:, 2].max() - meas.pos[:, 2].min()), 1.0)
    density = args.clutter_per_scan / area if area > 0 else 0.0
    n_steps = int(meas.step.max()) + 1 if len(meas.step) else 0
    largest = int(meas.per_scan_max) if len(meas.step) else 0
    cfg = TrackerConfig(
        dim=dim,
        association=args.association,
        motion=args.motion,
        process_noise=args.process_noise,
        pd=args.pd,
        clutter_density=max(density, 1e-30),
        gate_prob=args.gate_prob,
        confirm_m=args.confirm[0],
        confirm_n=args.confirm[1],
        tentative_misses=args.tentative_misses,
        delete_misses=args.delete_misses,
        init_vel_std_mps=args.init_vel_std,
        capacity=args.capacity or 4 * largest + 64,
    )
    table = run_scans(
        meas.step, meas.pos, cfg, noise_m=args.noise_m, dt_s=args.dt_s,
        n_steps=n_steps,
    )  # fmt: skip
    _check_file_target(out, path, "measurements", args.overwrite)
    _write_file(out, lambda tmp: write_tracks(tmp, table), "tracks")
    info = {
        "tool": "skyscreen",
        "association": args.association,
        "motion": args.motion,
        "steps": n_steps,
        "measurements": len(meas.step),
        "wall_s": round(table.wall_s, 6),
        "ms_per_step": round(1000 * table.wall_s / max(n_steps, 1), 4),
        "n_track_ids": len(set(table.track_id.tolist())),
        "clutter_density": density,
        "tracks_csv": str(out),
    }
    if args.json:
        print(json.dumps(info))
    else:
        print(
            f"tracked      {len(meas.step)} measurements in {n_steps} scans: "
            f"{info['n_track_ids']} tracks confirmed"
        )
        print(f"loop         {table.wall_s:.4f} s ({info['ms_per_step']} ms per scan)")
        print(f"tracks       {out}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from skyscreen.scenario import scenario_json_schema

    print(json.dumps(scenario_json_schema(), indent=2))
    return 0


def _cmd_examples(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError
    from skyscreen.scenario import example_names, example_path, read_scenario_data

    names = example_names()
    if args.copy:
        dest = Path(args.copy)
        dest.mkdir(parents=True, exist_ok=True)
        clashes = [n for n in names if (dest / f"{n}.yaml").exists()]
        if clashes:
            raise SkyscreenError(
                f"{dest}: must not already hold the examples; got {clashes} there"
            )
        for n in names:
            shutil.copyfile(example_path(n), dest / f"{n}.yaml")
            print(dest / f"{n}.yaml")
        return 0
    for n in names:
        data = read_scenario_data(example_path(n))
        desc = " ".join(str(data.get("description", "")).split())
        print(f"{n:<18} {desc}")
        print(f"{'':<18} {example_path(n)}")
    return 0


def _study_out(args: argparse.Namespace, name: str, kind: str) -> Path:
    from skyscreen.io import check_out_dir, default_out_dir

    out = Path(args.out) if args.out else default_out_dir(f"{name}-{kind}")
    _check_study_dir(out, args.overwrite, kind)
    check_out_dir(out, args.overwrite)
    _start_workers_early(args)
    return out


def _study_run(
    out: Path, command: str, body: Any, show: Callable[[Any, Path], None]
) -> int:
    """Run a study (``body()``) resumably in ``out`` and show its result: exit status."""
    res = _interruptible(out, command, body)
    if isinstance(res, int):  # interrupted: 130
        return res
    show(res, out)
    return 0


def _study_resume(args: argparse.Namespace, command: str) -> Any:
    """``--resume DIR``: refuse other settings; return the completed study's result."""
    from skyscreen.errors import SkyscreenError

    settings = ("replications", "seed", "out", "overwrite", "chunk_size", "vary")
    given = [f"--{k.replace('_', '-')}" for k in settings if getattr(args, k, None)]
    if args.scenario is not None:
        given.insert(0, "SCENARIO")
    if given:
        raise SkyscreenError(
            f"--resume continues a {command} with its own settings; drop "
            f"{', '.join(given)}"
        )
    from skyscreen.studies import resume, study_kind

    kind = study_kind(args.resume)
    if kind != command and not (
        command == "sensitivity" and kind in ("morris", "sobol")
    ):
        name = "sensitivity" if kind in ("morris", "sobol") else kind
        raise SkyscreenError(
            f"{args.resume}: an interrupted {name}; resume it with "
            f"`skyscreen {name} --resume {args.resume}`"
        )
    return resume(
        args.resume,
        args.workers,
        not args.quiet,
        executor=args.executor,
        scheduler=args.scheduler,
    )


def _study_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "replications": args.replications,
        "seed": args.seed,
        "fidelity": args.fidelity,
        "workers": args.workers,
        "chunk_size": args.chunk_size,
        "progress": not args.quiet,
        "overwrite": args.overwrite,
        "executor": args.executor,
        "scheduler": args.scheduler,
    }


def _cmd_sweep(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError

    _resume_form(args, "sweep")
    if args.resume is not None:
        out = Path(args.resume)
        return _study_run(
            out, "sweep", lambda: _study_resume(args, "sweep"), _print_sweep
        )
    if args.scenario is None:
        raise SkyscreenError("give a SCENARIO and --vary PATH=VALUES, or --resume DIR")
    if not args.vary:
        raise SkyscreenError("a sweep needs at least one --vary PATH=VALUES")
    from skyscreen.studies.overrides import check_paths, parse_vary
    from skyscreen.studies.sweep import make_points

    spec = _load(args.scenario)
    varies = [parse_vary(v) for v in args.vary]
    check_paths(spec, varies)
    make_points(varies, args.design, args.points)  # fail before spending the time
    out = _study_out(args, spec.name, "sweep")
    from skyscreen.studies import sweep

    return _study_run(
        out,
        "sweep",
        lambda: sweep(
            spec,
            varies,
            design=args.design,
            n_points=args.points,
            out=out,
            figures=not args.no_figures,
            **_study_kwargs(args),
        ),
        _print_sweep,
    )


def _print_sweep(res: Any, out: Path) -> None:
    from rich.table import Table

    from skyscreen.studies.sweep import HEADLINE_METRICS

    table = Table(
        title=f"{res.scenario.name} sweep: {len(res.points)} points x "
        f"{res.meta['replications']:,} replications, seed {res.meta['seed']}",
        title_justify="left",
    )
    for p in res.paths:
        table.add_column(p, overflow="fold")
    for m in HEADLINE_METRICS:
        table.add_column(m, justify="right", overflow="fold")
    pts = res.points.head(60)
    for i in range(len(pts)):
        cells = [str(pts[p].iloc[i]) for p in res.paths]
        for m in HEADLINE_METRICS:
            mean, hi = pts[f"{m}_mean"].iloc[i], pts[f"{m}_hi"].iloc[i]
            cells.append(f"{_compact(mean, m)} ±{_compact(hi - mean, m)}")
        table.add_row(*cells)
    console = _console()
    console.print(table)
    console.print("mean ±half-width of its 95% interval")
    if len(res.points) > 60:
        console.print(f"... {len(res.points) - 60} more points in points.parquet")
    console.print(f"wall time {res.meta['wall_time_s']:.1f} s; results in {out}")


def _cmd_compare(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError

    _resume_form(args, "compare")
    if args.resume is not None:
        if args.other is not None:
            raise SkyscreenError("--resume continues a comparison; drop B")
        out = Path(args.resume)
        return _study_run(
            out,
            "compare",
            lambda: _study_resume(args, "compare"),
            lambda res, out: _print_comparison(res, out, args.all),
        )
    if args.scenario is None:
        raise SkyscreenError(
            "give A and B, or A and --vary PATH=VALUE, or --resume DIR"
        )
    if (args.other is None) == (not args.vary):
        raise SkyscreenError("give either B or --vary PATH=VALUE, not both")
    a = _load(args.scenario)
    b = _load(args.other) if args.other is not None else None
    if b is None:
        from skyscreen.studies.overrides import check_paths, parse_vary

        check_paths(a, [parse_vary(v) for v in args.vary])
    out = _study_out(args, a.name, "compare")
    from skyscreen.studies import compare

    return _study_run(
        out,
        "compare",
        lambda: compare(a, b, vary=args.vary or None, out=out, **_study_kwargs(args)),
        lambda res, out: _print_comparison(res, out, args.all),
    )


def _print_comparison(comp: Any, out: Path, show_all: bool) -> None:
    from rich.table import Table

    t = comp.table
    table = Table(
        title=f"A: {comp.names[0]}\nB: {comp.names[1]}\n{len(comp.a):,} paired "
        f"replications, seed {comp.sweep.meta['seed']}",
        title_justify="left",
    )
    for col, just in (
        ("metric", "left"),
        ("A", "right"),
        ("B", "right"),
        ("B - A", "right"),
        ("95% interval", "right"),
        ("significant", "left"),
        ("variance saved", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    hidden = 0
    for row in t.itertuples(index=False):
        if row.n == 0 or (not show_all and row.diff == 0 and row.ci_high == 0):
            hidden += 1
            continue
        sig = (
            "yes (Holm)"
            if row.significant_holm
            else ("yes" if row.significant else "no")
        )
        ratio = (
            "-"
            if not math.isfinite(row.variance_ratio)
            else f"{row.variance_ratio:.1f}x"
        )
        table.add_row(
            row.metric,
            _fmt(row.mean_a, row.metric),
            _fmt(row.mean_b, row.metric),
            _fmt(row.diff, row.metric),
            f"{_fmt(row.ci_low, row.metric)} - {_fmt(row.ci_high, row.metric)}",
            sig,
            ratio,
        )
    console = _console()
    console.print(table)
    if hidden:
        console.print(
            f"({hidden} metrics identical or undefined in both; --all lists them)"
        )
    console.print(
        "variance saved: (var A + var B) / var(B - A), how many times more "
        f"replications independent seeds would need; results in {out}"
    )


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from skyscreen.errors import SkyscreenError

    _resume_form(args, "sensitivity")
    if args.resume is not None:
        out = Path(args.resume)
        return _study_run(
            out,
            "sensitivity",
            lambda: _study_resume(args, "sensitivity"),
            _print_sensitivity,
        )
    if args.scenario is None:
        raise SkyscreenError("give a SCENARIO and --vary PATH=LO:HI, or --resume DIR")
    if not args.vary:
        raise SkyscreenError("a sensitivity study needs at least one --vary PATH=LO:HI")
    from skyscreen.studies.overrides import check_paths, parse_vary

    spec = _load(args.scenario)
    varies = [parse_vary(v) for v in args.vary]
    check_paths(spec, varies)
    n = args.samples or (10 if args.method == "morris" else 64)
    out = _study_out(args, spec.name, "sensitivity")
    from skyscreen.studies import sensitivity

    return _study_run(
        out,
        "sensitivity",
        lambda: sensitivity(
            spec,
            varies,
            method=args.method,
            n=n,
            metrics=args.metric or ("n_leaked", "value_damaged_usd"),
            out=out,
            **_study_kwargs(args),
        ),
        _print_sensitivity,
    )


def _print_sensitivity(res: Any, out: Path) -> None:
    from rich.table import Table

    console = _console()
    cols = (
        ["mu_star", "mu_star_conf", "sigma"]
        if res.method == "morris"
        else ["S1", "S1_conf", "ST", "ST_conf"]
    )
    for metric, g in res.table.groupby("metric", sort=False):
        table = Table(
            title=f"{res.sweep.scenario.name}: {res.method} sensitivity of {metric} "
            f"({len(res.sweep.points)} points x {res.sweep.meta['replications']:,} "
            "replications)",
            title_justify="left",
        )
        table.add_column("rank", justify="right")
        table.add_column("field")
        for c in cols:
            table.add_column(c.replace("_conf", " +/-"), justify="right")
        for _, r in g.iterrows():
            table.add_row(
                str(r["rank"]), str(r["field"]), *(f"{r[c]:.4g}" for c in cols)
            )
        console.print(table)
    console.print(f"results in {out}")


def _cmd_query(args: argparse.Namespace) -> int:
    from skyscreen.io.query import format_table, query, write_query

    df = query(args.dir, args.sql)
    if args.out:
        write_query(df, Path(args.out))
        print(f"{len(df):,} rows written to {args.out}")
        return 0
    print(format_table(df, max_rows=args.max_rows))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from skyscreen.report import write_report

    out = write_report(args.dir, args.out, rcs_m2=args.rcs)
    print(f"report written to {out}")
    return 0


def _cmd_animate(args: argparse.Namespace) -> int:
    from skyscreen.report.animation import animate

    out = animate(
        args.dir,
        args.out,
        args.replication,
        fps=args.fps,
        seconds=args.seconds,
        overwrite=args.overwrite,
    )
    print(f"clip written to {out}")
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    from skyscreen.viewer import serve

    serve(args.dir, host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0


_COMMANDS = {
    "validate": _cmd_validate,
    "run": _cmd_run,
    "wta": _cmd_wta,
    "hindsight": _cmd_hindsight,
    "decisions": _cmd_decisions,
    "coverage": _cmd_coverage,
    "track": _cmd_track,
    "sweep": _cmd_sweep,
    "compare": _cmd_compare,
    "sensitivity": _cmd_sensitivity,
    "query": _cmd_query,
    "report": _cmd_report,
    "view": _cmd_view,
    "animate": _cmd_animate,
    "schema": _cmd_schema,
    "examples": _cmd_examples,
}


def _ignore_file_size_signal() -> None:
    """Make a write past ``ulimit -f`` fail with an error, not kill the process.

    The kernel sends SIGXFSZ, which by default ends the process at once, leaving its
    temporaries behind; ignored, the write raises OSError(EFBIG), reported as an error
    naming the output (exit 2).
    """
    sig = getattr(signal, "SIGXFSZ", None)
    if sig is not None:
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(sig, signal.SIG_IGN)


def _one_blas_thread_under_an_address_space_limit() -> None:
    """Under ``ulimit -v``, let OpenBLAS start no threads (unless the user chose).

    OpenBLAS reserves a buffer of tens of MiB for each of its threads (one per CPU) when
    NumPy and SciPy load. Under an address-space limit that is often what fails first,
    in C, where no error can be caught: SciPy's copy retries for ever, NumPy's ends the
    process (exit 1) or raises KeyboardInterrupt. With one thread it reserves one
    buffer, so that mostly a library that does not fit fails to load as an ImportError,
    reported as a memory error (exit 2); narrow ranges of limits remain where a C
    library's own allocation fails (OpenBLAS, LLVM) and ends or stalls the process.
    skyscreen does no large linear algebra. Set before NumPy is imported (``import
    skyscreen.cli`` does not import it), and inherited by the worker processes.
    """
    try:
        import resource  # not on Windows
    except ImportError:  # pragma: no cover
        return
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _memory_message(exc: BaseException) -> str:
    """What a failed allocation or library load says, in one line, and what to do."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and all(cur is not e for e in chain):
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    lines = [
        (type(e).__name__, ln.strip().removeprefix("Original error was: "))
        for e in chain
        for ln in str(e).splitlines()
        if ln.strip()
    ]
    telling = [x for x in lines if _MEMORY_TEXT.search(x[1])] or lines
    detail = ": ".join(telling[0]) if telling else type(exc).__name__
    loading = (
        any(isinstance(e, ImportError) for e in chain)
        or any("shared object" in ln for _, ln in lines)
        or _during_import(exc)
    )
    what = "to load skyscreen's libraries " if loading else ""
    return (
        f"error: not enough memory {what}({detail}); free memory or raise the limit "
        "(ulimit -v)"
    )


_MEMORY_TEXT = re.compile(r"memory|map segment|allocat", re.IGNORECASE)


def _during_import(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a module was being imported."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        tb = tb.tb_next
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skyscreen`` command; returns the exit status.

    Every import of a heavy library (NumPy, pandas, numba) happens in here, so that
    one failing for want of memory (``ulimit -v``) is a memory error, exit 2.
    """
    _ignore_file_size_signal()
    _one_blas_thread_under_an_address_space_limit()
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from skyscreen import __version__

        print(f"skyscreen {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    # Imported before any command runs: once memory has run out, an import in the
    # handler below would fail too (standard library only, both).
    from skyscreen.errors import SkyscreenError
    from skyscreen.executors import is_out_of_memory

    try:
        _start_dask_fork_server_early(args)
        return _COMMANDS[args.command](args)
    except SkyscreenError as exc:
        print(f"error: {exc.cli_message or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so briefly, full traceback on request
        if os.environ.get("SKYSCREEN_DEBUG"):
            raise
        if is_out_of_memory(exc):  # the environment, not a bug: exit 2
            try:
                message = _memory_message(exc)
            except MemoryError:  # too little even for the message: the gist
                message = "error: not enough memory; free memory or raise the limit"
            print(message, file=sys.stderr)
            return EXIT_USAGE
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "(this is a bug in skyscreen; set SKYSCREEN_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
