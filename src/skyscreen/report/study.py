"""The report of a study directory: a sweep, a paired comparison or a sensitivity study.

The figures are the studies' own (:mod:`skyscreen.studies`), drawn on report-styled
figures from the study's tables (``sweep.parquet``, ``points.parquet``,
``comparison``, ``sensitivity.csv``), with the points or differences as tables.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from skyscreen.report._html import (
    Column,
    esc,
    figure_html,
    fmt_number,
    fmt_text,
    table_html,
)
from skyscreen.report._style import WIDTH_IN, encode_png, new_figure, styled
from skyscreen.studies import (
    Comparison,
    SensitivityResult,
    SweepResult,
    load_comparison,
    load_sensitivity,
    load_sweep,
)
from skyscreen.studies.compare import plot_comparison
from skyscreen.studies.sensitivity import plot_indices
from skyscreen.studies.sweep import HEADLINE_METRICS, plot_heatmap, plot_metric

__all__ = ["build_study_report", "load_study"]


def load_study(path: str | Path) -> SweepResult | Comparison | SensitivityResult:
    """The study in ``path``: a comparison, a sensitivity study, or a sweep."""
    sweep = load_sweep(path)
    if sweep.meta.get("design") == "compare":
        return load_comparison(path)
    if isinstance(sweep.meta.get("sensitivity"), dict):
        return load_sensitivity(path)
    return sweep


def _sweep_section(res: SweepResult) -> tuple[str, str, str]:
    parts = []
    grid2 = res.meta.get("design") == "grid" and len(res.paths) == 2
    for metric in HEADLINE_METRICS:
        fig = new_figure(4.0, WIDTH_IN * 0.62)
        ax = fig.subplots()
        plot_metric(res, metric, ax=ax)
        parts.append(
            figure_html(
                f"fig-sweep-{metric}",
                encode_png(fig),
                f"{metric} over the sweep",
                f"Mean {metric} at each point with its 95% interval (points.parquet).",
            )
        )
        if grid2:
            fig = new_figure(4.6, WIDTH_IN * 0.62)
            ax = fig.subplots()
            plot_heatmap(res, metric, ax=ax)
            parts.append(
                figure_html(
                    f"fig-sweep-{metric}-heatmap",
                    encode_png(fig),
                    f"{metric} heat map",
                    f"Mean {metric} over the two varied fields.",
                )
            )
    pts = res.points
    cols: list[Column] = [("point", "Point", fmt_text)]
    cols += [(p, p, fmt_text) for p in res.paths]
    for metric in HEADLINE_METRICS:
        c = f"{metric}_mean"
        if c in pts.columns:
            cols.append((c, f"{metric} (mean)", fmt_number))
    parts.append(table_html(pts, cols, "table-sweep-points"))
    return ("sweep", "Sweep", "\n".join(parts))


def _comparison_section(comp: Comparison) -> tuple[str, str, str]:
    fig = new_figure(5.4, WIDTH_IN * 0.8)
    plot_comparison(comp, HEADLINE_METRICS, fig=fig)
    parts = [
        (
            f'<p class="lead">A: {esc(comp.names[0])}; B: {esc(comp.names[1])}; '
            f"{len(comp.a):,} paired replications (common random numbers).</p>"
        ),
        figure_html(
            "fig-comparison",
            encode_png(fig),
            "paired differences",
            "Each metric's paired difference B − A with its 95% interval; red where "
            "it is significant after Holm's correction.",
        ),
    ]
    t = comp.table
    cols: list[Column] = [("metric", "Metric", fmt_text)]
    for c, h in (
        ("mean_a", "A (mean)"),
        ("mean_b", "B (mean)"),
        ("diff", "B − A"),
        ("ci_low", "95% low"),
        ("ci_high", "95% high"),
    ):
        if c in t.columns:
            cols.append((c, h, fmt_number))
    if "significant_holm" in t.columns:
        cols.append(
            ("significant_holm", "Significant (Holm)", lambda x: "yes" if x else "no")
        )
    parts.append(table_html(t, cols, "table-comparison"))
    return ("comparison", "Paired comparison", "\n".join(parts))


def _sensitivity_section(res: SensitivityResult) -> tuple[str, str, str]:
    parts = []
    for metric in pd.unique(res.table["metric"]):
        n = int((res.table["metric"] == metric).sum())
        fig = new_figure(0.35 * n + 2.0, WIDTH_IN * 0.8)
        plot_indices(res, str(metric), fig=fig)
        parts.append(
            figure_html(
                f"fig-sensitivity-{metric}",
                encode_png(fig),
                f"sensitivity of {metric}",
                f"Sensitivity indices of {metric} ({res.method}), 95% intervals.",
            )
        )
    t = res.table
    cols: list[Column] = [
        (c, c, fmt_text if t[c].dtype == object else fmt_number) for c in t.columns
    ]
    parts.append(table_html(t, cols, "table-sensitivity"))
    return ("sensitivity", f"Sensitivity ({res.method})", "\n".join(parts))


def build_study_report(path: str | Path) -> Any:
    """The :class:`~skyscreen.report.document.Report` of a study directory."""
    from skyscreen.report.document import Report, Section

    study = load_study(path)
    sweep = study if isinstance(study, SweepResult) else study.sweep
    meta = sweep.meta
    with styled():
        if isinstance(study, Comparison):
            sid, title, inner = _comparison_section(study)
        elif isinstance(study, SensitivityResult):
            sid, title, inner = _sensitivity_section(study)
        else:
            sid, title, inner = _sweep_section(study)
    name = str(meta.get("scenario_name", sweep.scenario.name))
    facts = (
        ("Points", f"{len(sweep.points):,}"),
        ("Replications per point", f"{meta.get('replications', math.nan):,}"),
        ("Seed", str(meta.get("seed", "–"))),
        ("Design", str(meta.get("design", "–"))),
        ("Fidelity", str(meta.get("fidelity", "–"))),
        ("Run on", str(meta.get("started_at", "–"))),
        ("skyscreen", str(meta.get("skyscreen_version", "–"))),
    )
    return Report(
        title=f"{name}: skyscreen study report",
        heading=f"Study report: {name}",
        intro=sweep.scenario.description.strip(),
        facts=facts,
        sections=(Section(sid, title, inner),),
    )
