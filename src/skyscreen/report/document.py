"""The after-action report: one self-contained HTML file of a run's figures and tables.

:func:`write_report` reads a run directory (or takes a :class:`RunResult`), draws each
section's figure from the run's own tables (:mod:`skyscreen.report.figures`), and
writes one HTML file with the figures embedded as PNG ``data:`` URIs, written under a
temporary name and renamed (a report that exists is whole). A sweep, comparison or
sensitivity directory gets a report of its study figures instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from skyscreen._atomic import atomic_file
from skyscreen._version import __version__
from skyscreen.errors import SkyscreenError
from skyscreen.report._html import (
    Column,
    esc,
    figure_html,
    fmt_number,
    fmt_pct,
    fmt_text,
    fmt_usd,
    note_html,
    page_html,
    table_html,
)
from skyscreen.report._style import encode_png, styled
from skyscreen.report.figures import (
    FigureData,
    plot_assets,
    plot_distributions,
    plot_effectors,
    plot_funnel,
    plot_map,
    plot_munitions,
    plot_timeline,
)
from skyscreen.run import RunResult, load_run

__all__ = [
    "SECTIONS",
    "Report",
    "Section",
    "build_report",
    "render_report",
    "write_report",
]

SECTIONS = (
    ("map", "Scenario map"),
    ("outcomes", "Outcomes with 95% intervals"),
    ("kill-chain", "Kill chain"),
    ("distributions", "Distributions and exceedance"),
    ("assets", "Assets: damage and casualties"),
    ("munitions", "Munitions and cost"),
    ("effectors", "Effectors"),
    ("timeline", "Timeline of the median replication"),
)
"""A run report's sections: (id, heading), in order."""


@dataclass(frozen=True, eq=False)
class Section:
    """One section of the report.

    Attributes
    ----------
    id, title : str
        Anchor and heading.
    html : str
        The section's body (figures, tables, notes).
    figures : dict of str to str
        Each embedded figure's id and its ``data:image/png;base64`` URI.
    data : dict of str to DataFrame
        The numbers each figure or table shows.
    notes : tuple of str
        What the run lacks for this section and how to get it.
    """

    id: str
    title: str
    html: str
    figures: dict[str, str] = field(default_factory=dict)
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Report:
    """A whole report: its header and sections (:func:`build_report`)."""

    title: str
    heading: str
    intro: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]

    def section(self, sid: str) -> Section:
        """The section with id ``sid``."""
        for s in self.sections:
            if s.id == sid:
                return s
        raise KeyError(sid)

    def html(self) -> str:
        """The page (:func:`render_report`)."""
        return render_report(self)


# --------------------------------------------------------------------------- sections


def _figure_section(
    sid: str, title: str, lead: str, drawn: FigureData, extra_html: str = ""
) -> Section:
    figures = {}
    parts = [f'<p class="lead">{esc(lead)}</p>'] if lead else []
    parts += [note_html(n) for n in drawn.notes]
    if drawn.figure is not None:
        uri = encode_png(drawn.figure)
        fig_id = f"fig-{sid}"
        figures[fig_id] = uri
        parts.append(figure_html(fig_id, uri, title, drawn.caption))
    parts.append(extra_html)
    return Section(
        sid, title, "\n".join(parts), figures, {sid: drawn.data}, drawn.notes
    )


_LABELS: dict[str, str] = {
    "n_launched": "Drones launched",
    "n_detected": "Drones detected",
    "n_identified": "Drones identified",
    "n_engaged": "Drones engaged",
    "n_killed": "Drones killed",
    "n_defeated": "Drones defeated (soft kill)",
    "n_leaked": "Drones leaked",
    "n_expended": "Drones expended",
    "n_airborne": "Drones still airborne at the end",
    "value_damaged_usd": "Value damaged",
    "casualties": "Casualties",
    "rounds_fired": "Gun rounds fired",
    "missiles_fired": "Missiles fired",
    "munitions_cost_usd": "Munitions cost",
    "detect_to_identify_s": "Detection to identification",
    "detect_to_shot_s": "Detection to first shot",
    "drones_cost_usd": "Attacker's drones cost",
    "cost_per_stop_usd": "Cost per drone stopped",
    "exchange_ratio": "Exchange ratio (defence / attacker spend)",
    "value_protected_usd": "Value protected",
    "casualties_prevented": "Casualties prevented",
    "detect_to_track_s": "Detection to confirmed track",
    "track_gospa_m": "Track GOSPA",
    "track_ospa_m": "Track OSPA",
    "false_tracks_per_cycle": "False tracks per cycle",
    "missed_truths_per_cycle": "Missed drones per cycle",
    "cost per stop (pooled)": "Cost per drone stopped (pooled)",
    "exchange ratio (pooled)": "Exchange ratio (pooled)",
}


def _fmt_metric(metric: str, kind: str) -> Callable[[Any], str]:
    if kind == "probability":
        return fmt_pct
    if metric.endswith("_usd") or metric.startswith("cost per stop"):
        return fmt_usd
    if metric.endswith("_s"):
        return lambda x: "–" if _isnan(x) else f"{float(x):,.1f} s"
    if metric.endswith("_m"):
        return lambda x: "–" if _isnan(x) else f"{float(x):,.1f} m"
    return fmt_number


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts (column -> value)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _isnan(x: Any) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def _outcomes_section(result: RunResult) -> Section:
    stats = result.stats()
    defined = stats[stats["n"] > 0].copy()
    left_out = stats.loc[stats["n"] == 0, "metric"].tolist()
    rows = []
    for r in _records(defined):
        fmt = _fmt_metric(str(r["metric"]), str(r["kind"]))
        rows.append(
            {
                "metric": _LABELS.get(str(r["metric"]), str(r["metric"])),
                "estimate": fmt(r["estimate"]),
                "interval": f"{fmt(r['ci_low'])} – {fmt(r['ci_high'])}",
                "kind": {
                    "mean": "mean per replication",
                    "ratio": "ratio of totals",
                }.get(str(r["kind"]), str(r["kind"])),
                "n": f"{int(r['n']):,}",
            }
        )
    shown = pd.DataFrame(rows, columns=["metric", "estimate", "interval", "kind", "n"])
    cols: list[Column] = [
        ("metric", "Metric", fmt_text),
        ("estimate", "Estimate", fmt_text),
        ("interval", "95% interval", fmt_text),
        ("kind", "What", fmt_text),
        ("n", "Replications", fmt_text),
    ]
    parts = [
        (
            '<p class="lead">Means with Student-t intervals, ratios of totals with '
            "delta-method intervals and probabilities with Wilson intervals, from "
            "the summary and assets tables (<code>RunResult.stats()</code>). "
            "<em>Replications</em> counts those where the metric is defined.</p>"
        ),
        table_html(shown, cols, "table-outcomes"),
    ]
    if left_out:
        parts.append(
            '<p class="lead">Not defined in any replication of this run, so left '
            "out: " + esc(", ".join(left_out)) + ".</p>"
        )
    return Section(
        "outcomes",
        dict(SECTIONS)["outcomes"],
        "\n".join(parts),
        {},
        {"outcomes": defined.reset_index(drop=True)},
    )


def _funnel_section(result: RunResult) -> Section:
    drawn = plot_funnel(result)
    table = table_html(
        drawn.data,
        [
            ("stage", "Stage", fmt_text),
            ("mean", "Drones per replication", fmt_number),
            ("share", "Share of launched", fmt_pct),
        ],
        "table-kill-chain",
    )
    return _figure_section(
        "kill-chain",
        dict(SECTIONS)["kill-chain"],
        "How far along the kill chain the drones got, on average, and how their "
        "flights ended.",
        drawn,
        table,
    )


def _distributions_section(result: RunResult) -> Section:
    drawn = plot_distributions(result)
    q = drawn.data.copy()
    q["metric"] = [_LABELS.get(m, m) for m in q["metric"]]
    money_rows = q["metric"] == _LABELS["value_damaged_usd"]
    cols: list[Column] = [("metric", "Metric", fmt_text)]
    for c, h in (
        ("mean", "Mean"),
        ("q50", "Median"),
        ("q95", "95th pct"),
        ("q99", "99th pct"),
        ("max", "Max"),
    ):
        if c in q.columns:
            q[c] = [
                fmt_usd(v) if m else fmt_number(v)
                for v, m in zip(q[c], money_rows, strict=True)
            ]
            cols.append((c, h, fmt_text))
    return _figure_section(
        "distributions",
        dict(SECTIONS)["distributions"],
        "Not only the average: how the outcome varies from one replication to the "
        "next, and how likely the bad cases are.",
        drawn,
        table_html(q, cols, "table-distributions"),
    )


def _assets_section(result: RunResult) -> Section:
    drawn = plot_assets(result)
    table = table_html(
        drawn.data,
        [
            ("asset", "Asset", fmt_text),
            ("site", "Site", fmt_text),
            ("type", "Type", fmt_text),
            ("value_usd", "Value", fmt_usd),
            ("p_damaged", "P(damaged)", fmt_pct),
            ("p_lo", "95% low", fmt_pct),
            ("p_hi", "95% high", fmt_pct),
            ("mean_hits", "Hits (mean)", fmt_number),
            ("occupancy", "Occupancy", fmt_number),
            ("mean_casualties", "Casualties (mean)", fmt_number),
            ("max_casualties", "Casualties (max)", fmt_number),
        ],
        "table-assets",
    )
    return _figure_section(
        "assets",
        dict(SECTIONS)["assets"],
        "Which assets the raids damaged, how often, and who was hurt.",
        drawn,
        table,
    )


def _munitions_section(result: RunResult) -> Section:
    drawn = plot_munitions(result)
    s = result.stats().set_index("metric")
    n_of: dict[Any, Any] = s["n"].to_dict()

    def row(metric: str) -> dict[str, str] | None:
        if int(n_of.get(metric, 0)) == 0:
            return None
        r = s.loc[metric]
        fmt = _fmt_metric(metric, str(r["kind"]))
        return {
            "metric": _LABELS.get(metric, metric),
            "estimate": fmt(r["estimate"]),
            "interval": f"{fmt(r['ci_low'])} – {fmt(r['ci_high'])}",
        }

    wanted = [
        "rounds_fired",
        "missiles_fired",
        "munitions_cost_usd",
        "drones_cost_usd",
        "cost per stop (pooled)",
        "exchange ratio (pooled)",
        "value_protected_usd",
        "casualties_prevented",
    ]
    rows = [r for r in (row(m) for m in wanted) if r is not None]
    table = table_html(
        pd.DataFrame(rows, columns=["metric", "estimate", "interval"]),
        [
            ("metric", "Metric", fmt_text),
            ("estimate", "Estimate", fmt_text),
            ("interval", "95% interval", fmt_text),
        ],
        "table-munitions",
    )
    return _figure_section(
        "munitions",
        dict(SECTIONS)["munitions"],
        "What the defence spent, on what, and what it bought.",
        drawn,
        table,
    )


def _effectors_section(result: RunResult) -> Section:
    drawn = plot_effectors(result)
    cols: list[Column] = [
        ("effector", "Effector", fmt_text),
        ("kind", "Kind", fmt_text),
        ("engagements", "Engagements", fmt_number),
        ("kills", "Kills", fmt_number),
        ("rounds_fired", "Rounds", fmt_number),
        ("missiles_fired", "Missiles", fmt_number),
        ("cost_usd", "Cost", fmt_usd),
    ]
    if "p_dry" in drawn.data.columns:
        cols += [
            ("p_dry", "P(ran dry)", fmt_pct),
            (
                "t_dry_median_s",
                "Ran dry at (median)",
                lambda x: "never" if _isnan(x) else f"{float(x):,.0f} s",
            ),
        ]
    else:
        cols.append(("effector", "Ran dry at", lambda _: "not recorded by this run"))
    return _figure_section(
        "effectors",
        dict(SECTIONS)["effectors"],
        "Each effector's work per replication (means).",
        drawn,
        table_html(drawn.data, cols, "table-effectors"),
    )


def build_report(source: str | Path | RunResult, rcs_m2: float | None = None) -> Report:
    """Draw every section of the report of a run (figures encoded, tables built).

    Parameters
    ----------
    source : path or RunResult
        A run directory (read with :func:`skyscreen.load_run`), or a run.
    rcs_m2 : float, optional
        RCS of the sensor coverage on the map (m²); default the smallest among the
        raids' drones.

    Returns
    -------
    Report
    """
    result = source if isinstance(source, RunResult) else load_run(source)
    meta = result.meta
    spec = result.scenario
    sections: list[Section] = []
    with styled():
        sections.append(
            _figure_section(
                "map",
                dict(SECTIONS)["map"],
                "Where everything is: the defended sites, what they protect, what "
                "they see and reach, and where the raids came from.",
                plot_map(result, rcs_m2),
            )
        )
        sections.append(_outcomes_section(result))
        sections.append(_funnel_section(result))
        sections.append(_distributions_section(result))
        sections.append(_assets_section(result))
        sections.append(_munitions_section(result))
        sections.append(_effectors_section(result))
        sections.append(
            _figure_section(
                "timeline",
                dict(SECTIONS)["timeline"],
                "One typical replication from start to end: when each drone was "
                "launched, detected, shot at, and how its flight ended.",
                plot_timeline(result),
            )
        )
    facts = (
        ("Replications", f"{result.n_replications:,}"),
        ("Seed", str(meta.get("seed", "–"))),
        ("Fidelity", str(meta.get("fidelity", "–"))),
        ("Time step", f"{meta.get('dt_s', '–')} s"),
        ("Simulated", f"{meta.get('duration_s', '–')} s"),
        ("Events", "recorded" if result.events is not None else "not recorded"),
        ("Trajectories", _recorded(result)),
        ("Run on", str(meta.get("started_at", "–"))),
        ("skyscreen", str(meta.get("skyscreen_version", "–"))),
    )
    name = str(meta.get("scenario_name", spec.name))
    return Report(
        title=f"{name}: skyscreen after-action report",
        heading=f"After-action report: {name}",
        intro=spec.description.strip(),
        facts=facts,
        sections=tuple(sections),
    )


def _recorded(result: RunResult) -> str:
    t = result.trajectories
    if t is None:
        return "not recorded"
    n = int(t["replication"].nunique()) if not t.empty else 0
    return f"{n} replication{'s' if n != 1 else ''}"


def render_report(report: Report) -> str:
    """The report as one HTML5 page."""
    return page_html(
        title=report.title,
        heading=report.heading,
        intro=report.intro,
        facts=report.facts,
        sections=[(s.id, s.title, s.html) for s in report.sections],
        footer=f"Written by skyscreen {__version__} from the run's own tables. All "
        "parameters are notional.",
    )


def _default_out(source: str | Path | RunResult) -> Path:
    if isinstance(source, RunResult):
        if source.path is None:
            raise SkyscreenError(
                "write_report: out is required for a run that was not saved (its "
                "path is None); give out=, or save the run first"
            )
        return Path(source.path) / "report.html"
    return Path(source) / "report.html"


def write_report(
    source: str | Path | RunResult,
    out: str | Path | None = None,
    *,
    rcs_m2: float | None = None,
) -> Path:
    """Write the after-action report of a run (or a study) as one HTML file.

    Parameters
    ----------
    source : path or RunResult
        A run directory, a :class:`RunResult`, or a sweep, comparison or
        sensitivity directory (one with ``sweep.json``).
    out : path, optional
        The HTML file; default ``report.html`` in the directory. Its directory must
        exist; an existing file is replaced.
    rcs_m2 : float, optional, keyword-only
        RCS (m²) of the sensor coverage drawn on the map; default the smallest among
        the raids' drones.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ResultSchemaError
        If the directory is not a complete run (from :func:`skyscreen.load_run`),
        or not a complete study.
    SkyscreenError
        If the directory of ``out`` does not exist, or ``out`` cannot be written.

    Examples
    --------
    >>> import skyscreen
    >>> from skyscreen.scenario import example_path
    >>> run = skyscreen.simulate(example_path("quickstart"), replications=20,
    ...                          seed=1, workers=1, progress=False)
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_report(run, pathlib.Path(d) / "report.html")
    ...     path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    target = Path(out) if out is not None else _default_out(source)
    if target.is_dir():
        raise SkyscreenError(f"out {target}: is a directory; give a file name")
    if out is not None and not target.parent.is_dir():
        raise SkyscreenError(
            f"out {target}: its directory {target.parent} does not exist; create it "
            "first or give another file"
        )
    if not isinstance(source, RunResult) and (Path(source) / "sweep.json").is_file():
        from skyscreen.report.study import build_study_report

        page = render_report(build_study_report(source))
    else:
        page = render_report(build_report(source, rcs_m2))
    try:
        with atomic_file(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise SkyscreenError(
            f"out {target}: could not be written ({exc.strerror or exc}); a file "
            "that was there is as it was"
        ) from None
    return target
