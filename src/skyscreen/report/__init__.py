"""The after-action report: one self-contained HTML file of a run's figures and tables.

:func:`write_report` is the entry point (``skyscreen report DIR``); the figure
functions of :mod:`skyscreen.report.figures` draw each section from the run's own
tables and return the numbers they plot (:class:`FigureData`). See docs/report.md.
"""

from __future__ import annotations

from skyscreen.report.document import (
    SECTIONS,
    Report,
    Section,
    build_report,
    render_report,
    write_report,
)
from skyscreen.report.figures import (
    FigureData,
    coverage_target,
    median_replication,
    plot_assets,
    plot_distributions,
    plot_effectors,
    plot_funnel,
    plot_map,
    plot_munitions,
    plot_timeline,
)
from skyscreen.report.study import build_study_report, load_study

__all__ = [
    "SECTIONS",
    "FigureData",
    "Report",
    "Section",
    "build_report",
    "build_study_report",
    "coverage_target",
    "load_study",
    "median_replication",
    "plot_assets",
    "plot_distributions",
    "plot_effectors",
    "plot_funnel",
    "plot_map",
    "plot_munitions",
    "plot_timeline",
    "render_report",
    "write_report",
]
