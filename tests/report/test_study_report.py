"""Reports of study directories (a sweep, a paired comparison) and value protected."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from skyscreen.report import plot_munitions, write_report
from skyscreen.report._style import styled
from skyscreen.run import RunResult
from skyscreen.scenario import example_path, load_scenario
from skyscreen.studies import compare, sweep, with_values

# The quickstart, shortened to 60 s: every drone launches, none arrives (fast).
_SHORT = with_values(
    load_scenario(example_path("quickstart")),
    {"run.duration_s": 60.0, "raids.0.launch_interval_s": 5.0},
)


def _figure_ids(page: str) -> list[str]:
    return re.findall(r'<figure id="([^"]+)"><img src="data:image/png;base64,', page)


def test_sweep_directory_report(tmp_path: Path) -> None:
    """A sweep directory's report holds its metric figures and its points table."""
    out = tmp_path / "sweep"
    sweep(
        _SHORT,
        ["raids.0.count=2,4"],
        replications=4,
        seed=1,
        workers=1,
        progress=False,
        out=out,
        figures=False,
    )
    page = write_report(out).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>quickstart: skyscreen study report</title>" in page
    assert len(_figure_ids(page)) == 4
    assert 'id="table-sweep-points"' in page
    assert "https://" not in page


def test_comparison_directory_report(tmp_path: Path) -> None:
    """A comparison directory's report holds the paired differences."""
    out = tmp_path / "cmp"
    compare(
        _SHORT,
        vary=["raids.0.count=3"],
        replications=4,
        seed=1,
        workers=1,
        progress=False,
        out=out,
    )
    page = write_report(out, tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert _figure_ids(page) == ["fig-comparison"]
    assert 'id="table-comparison"' in page


def test_value_protected_is_drawn_when_recorded(bare_run: RunResult) -> None:
    """With value protected in the summary: no note, and the scatter instead of a histogram."""
    s = bare_run.summary.copy()
    s["value_protected_usd"] = np.linspace(0.0, 2e7, len(s))
    with styled():
        drawn = plot_munitions(dataclasses.replace(bare_run, summary=s))
        bare = plot_munitions(bare_run)
    assert drawn.notes == ()
    assert any("--value-protected" in n for n in bare.notes)
    assert drawn.figure is not None
    assert drawn.figure.axes[1].get_ylabel() == "value protected (USD million)"
