"""The after-action report: one self-contained HTML file drawn from the run's tables."""

from __future__ import annotations

import dataclasses
import html.parser
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skyscreen import report
from skyscreen.errors import ResultSchemaError, SkyscreenError
from skyscreen.report import (
    SECTIONS,
    FigureData,
    Report,
    median_replication,
    plot_map,
    render_report,
    write_report,
)
from skyscreen.report import figures as F
from skyscreen.report._style import encode_png, styled
from skyscreen.report.document import _effectors_section
from skyscreen.run import RunResult

_VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col"}


class _Checker(html.parser.HTMLParser):
    """Balanced tags (void elements aside), and every src/href attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "action")]
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _check_page(page: str) -> _Checker:
    c = _Checker()
    c.feed(page)
    c.close()
    assert c.errors == []
    assert c.stack == []
    return c


def _figures(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<figure id="([^"]+)"><img src="(data:image/png;base64,[^"]+)"', page
        )
    )


@pytest.fixture(scope="module")
def full_page(full_report: Report) -> str:
    return render_report(full_report)


def test_public_names_exist() -> None:
    """Every name in skyscreen.report.__all__ exists."""
    for name in report.__all__:
        assert hasattr(report, name), name


def test_report_is_one_self_contained_html5_page(
    full_page: str, full_run: RunResult
) -> None:
    """Doctype, title, header facts, contents, every section; nothing loaded from outside."""
    assert full_page.startswith("<!DOCTYPE html>")
    checker = _check_page(full_page)
    assert "<title>coastal-airbase: skyscreen after-action report</title>" in full_page
    # No scripts, stylesheets or frames; every src/href is a data URI or an anchor.
    assert not {"script", "link", "iframe", "object", "embed"} & set(checker.tags)
    assert checker.links
    for link in checker.links:
        assert link.startswith(("data:image/png;base64,", "#")), link[:60]
    assert "http://" not in full_page
    assert "https://" not in full_page
    # Header: name, replications, seed, fidelity, version and date from run.json.
    meta = full_run.meta
    for text in (
        "coastal-airbase",
        "<dd>20</dd>",
        f"<dd>{meta['seed']}</dd>",
        f"<dd>{meta['fidelity']}</dd>",
        f"<dd>{meta['skyscreen_version']}</dd>",
        f"<dd>{meta['started_at']}</dd>",
    ):
        assert text in full_page, text
    # Contents and sections, each with its heading; every run section has its figure.
    for sid, title in SECTIONS:
        assert f'<a href="#{sid}">{title}</a>' in full_page
        assert f'<h2 id="{sid}-h">{title}</h2>' in full_page
    figs = _figures(full_page)
    assert set(figs) == {f"fig-{sid}" for sid, _ in SECTIONS if sid != "outcomes"}
    assert 'id="table-outcomes"' in full_page
    # A full run lacks nothing.
    assert "--events" not in full_page
    assert "--record K" not in full_page


def test_outcome_table_holds_the_runs_intervals(
    full_run: RunResult, full_report: Report
) -> None:
    """The outcome table is RunResult.stats() (metrics defined in some replication)."""
    rep = full_report
    shown = rep.section("outcomes").data["outcomes"]
    stats = full_run.stats()
    pd.testing.assert_frame_equal(shown, stats[stats["n"] > 0].reset_index(drop=True))
    # The map's caption states the RCS drawn: the smallest among the raids' drones.
    smallest = min(r.drone.rcs_m2 for r in full_run.scenario.raids)
    assert f"RCS {smallest:g} m²" in rep.section("map").html
    assert "smallest RCS among the raids" in rep.section("map").html


def test_bare_run_renders_and_says_what_it_lacks(
    bare_dir: Path, tmp_path: Path
) -> None:
    """Without events or trajectories: still a whole report, with notes on how to get them.

    It replaces an old report.html whole and leaves no temporary beside it.
    """
    (bare_dir / "report.html").write_text("old", encoding="utf-8")
    before = sorted(p.name for p in bare_dir.iterdir())
    out = write_report(bare_dir)
    assert out == bare_dir / "report.html"
    assert sorted(p.name for p in bare_dir.iterdir()) == before
    page = out.read_text(encoding="utf-8")
    _check_page(page)
    for sid, title in SECTIONS:
        assert f'<h2 id="{sid}-h">{title}</h2>' in page
    figs = _figures(page)
    assert "fig-timeline" not in figs
    assert "fig-map" in figs
    timeline = page[page.index('id="timeline"') :]
    assert 'class="note"' in timeline
    assert "--events" in timeline
    map_part = page[page.index('id="map"') : page.index('id="outcomes"')]
    assert "--record K" in map_part
    # Nor value protected, nor the time a magazine ran dry.
    assert "--value-protected" in page
    assert "not recorded by this run" in page


def _with(run: RunResult, **tables: pd.DataFrame) -> RunResult:
    return dataclasses.replace(run, **tables)


def _pngs(run: RunResult, names: list[str]) -> dict[str, str]:
    with styled():
        out = {}
        for name in names:
            drawn: FigureData = getattr(F, name)(run)
            assert drawn.figure is not None
            out[name] = encode_png(drawn.figure)
        return out


@pytest.fixture(scope="module")
def baseline(full_report: Report) -> dict[str, str]:
    """The figures of the unchanged run, as the report embedded them."""
    sid = {
        "plot_funnel": "kill-chain",
        "plot_distributions": "distributions",
        "plot_assets": "assets",
        "plot_munitions": "munitions",
        "plot_effectors": "effectors",
        "plot_timeline": "timeline",
    }
    return {k: full_report.section(v).figures[f"fig-{v}"] for k, v in sid.items()}


def _changed(base: dict[str, str], new: dict[str, str]) -> set[str]:
    return {k for k in new if base[k] != new[k]}


def test_value_damaged_drives_the_distributions(
    full_run: RunResult, full_report: Report, baseline: dict[str, str]
) -> None:
    """Doubling value damaged in the summary changes the distributions, not the rest."""
    s = full_run.summary.copy()
    s["value_damaged_usd"] *= 2.0
    run = _with(full_run, summary=s)
    new = _pngs(
        run, ["plot_distributions", "plot_funnel", "plot_assets", "plot_effectors"]
    )
    assert _changed(baseline, new) == {"plot_distributions"}
    assert median_replication(run) == median_replication(full_run)
    q = run.quantiles().set_index("metric")
    q0 = full_report.section("distributions").data["distributions"].set_index("metric")
    assert q.loc["value_damaged_usd", "mean"] == pytest.approx(
        2 * q0.loc["value_damaged_usd", "mean"]
    )
    assert q.loc["n_leaked", "mean"] == q0.loc["n_leaked", "mean"]


def test_summary_counts_drive_the_funnel(
    full_run: RunResult, baseline: dict[str, str]
) -> None:
    """Every drone killed in the summary: the funnel and leakers change, not the assets."""
    s = full_run.summary.copy()
    s["n_killed"] = s["n_launched"]
    for col in ("n_defeated", "n_leaked", "n_expended", "n_airborne"):
        s[col] = 0
    run = _with(full_run, summary=s)
    drawn = F.plot_funnel(run)
    new = _pngs(run, ["plot_assets", "plot_munitions", "plot_effectors"])
    with styled():
        new["plot_funnel"] = encode_png(_figure(drawn))
    assert _changed(baseline, new) == {"plot_funnel"}
    data = drawn.data.set_index("stage")
    assert data.loc["killed", "share"] == 1.0
    assert data.loc["leaked", "mean"] == 0.0


def test_assets_table_drives_the_asset_figure(
    full_run: RunResult, baseline: dict[str, str]
) -> None:
    """Every asset damaged in every replication: P(damaged) is 1 in the figure's data."""
    a = full_run.assets.copy()
    a["damaged"] = True
    run = _with(full_run, assets=a)
    drawn = F.plot_assets(run)
    new = _pngs(run, ["plot_funnel", "plot_effectors"])
    with styled():
        new["plot_assets"] = encode_png(_figure(drawn))
    assert _changed(baseline, new) == {"plot_assets"}
    assert (drawn.data["p_damaged"] == 1.0).all()


def test_effectors_table_drives_the_effector_figure(
    full_run: RunResult, full_report: Report, baseline: dict[str, str]
) -> None:
    """Kills and a t_dry_s column in the effectors table show in the effector figure."""
    e = full_run.effectors.copy()
    e["kills"] = e["kills"] + 3
    run = _with(full_run, effectors=e)
    new = _pngs(run, ["plot_effectors", "plot_funnel", "plot_assets"])
    assert _changed(baseline, new) == {"plot_effectors"}
    # The run has the column; a table without it (an older run's) says so.
    assert "P(ran dry)" in full_report.section("effectors").html
    with styled():
        older = _effectors_section(_with(full_run, effectors=e.drop(columns="t_dry_s")))
    assert "not recorded by this run" in older.html

    e["t_dry_s"] = np.where(e["effector"] == "gun-n", 900.0, np.nan)
    with styled():
        section = _effectors_section(_with(full_run, effectors=e))
    d = section.data["effectors"].set_index("effector")
    assert d.loc["gun-n", "p_dry"] == 1.0
    assert d.loc["gun-n", "t_dry_median_s"] == 900.0
    assert d.loc["gun-ne", "p_dry"] == 0.0
    assert section.notes == ()
    assert "P(ran dry)" in section.html
    assert "900 s" in section.html
    assert "not recorded by this run" not in section.html


def test_drones_table_drives_the_map(full_run: RunResult, full_report: Report) -> None:
    """The map's end points come from the drones table: all killed, the map changes."""
    d = full_run.drones.copy()
    d["state"] = "killed"
    with styled():
        killed = encode_png(_figure(plot_map(_with(full_run, drones=d))))
    assert killed != full_report.section("map").figures["fig-map"]


def _figure(drawn: FigureData) -> object:
    assert drawn.figure is not None
    return drawn.figure


def test_map_data_and_rcs(full_run: RunResult, full_report: Report) -> None:
    """The map lists units, envelopes and routes; a larger RCS gives larger coverage."""
    small = FigureData(None, full_report.section("map").data["map"], "")
    with styled():
        large = plot_map(full_run, rcs_m2=1.0)
    data = small.data
    assert set(data["layer"]) >= {"asset", "sensor", "effector", "launch", "target"}
    assets = data[data["layer"] == "asset"].set_index("id")
    assert assets.loc["civil-shelter", "label"] == "$5M, 3,000 people"
    eff = data[data["layer"] == "effector"].set_index("id")
    spec = {e.id: e for s in full_run.scenario.sites for e in s.effectors}
    for eid, r in eff.iterrows():
        assert r["radius_m"] == spec[str(eid)].range_max_m
    radar = lambda fd: fd.data[
        (fd.data["layer"] == "sensor") & (fd.data["kind"] == "radar")
    ]["radius_m"].to_numpy()
    assert (radar(large) >= radar(small)).all()
    assert (radar(large) > radar(small)).any()
    assert "RCS 1 m²" in large.caption
    with pytest.raises(SkyscreenError, match="rcs_m2 must be"):
        plot_map(full_run, rcs_m2=-1.0)


def test_median_replication_lower_middle_lowest_id(full_run: RunResult) -> None:
    """The lower middle value damaged; among replications with it, the lowest id."""
    s = pd.DataFrame(
        {"replication": [4, 7, 2, 9, 5], "value_damaged_usd": [3.0, 1.0, 1.0, 5.0, 3.0]}
    )
    assert median_replication(_with(full_run, summary=s)) == 4  # sorted 1 1 3 3 5
    s = s.iloc[:4]  # 3 1 1 5: lower middle is 1, ids 7 and 2
    assert median_replication(_with(full_run, summary=s)) == 2


def test_errors(bare_dir: Path, tmp_path: Path) -> None:
    """A missing or damaged run is load_run's error; a missing out directory is named."""
    with pytest.raises(ResultSchemaError):
        write_report(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(bare_dir, broken, ignore=shutil.ignore_patterns("report.html"))
    (broken / "summary.parquet").write_bytes(b"not parquet")
    with pytest.raises(ResultSchemaError):
        write_report(broken)
    assert not (broken / "report.html").exists()
    out = tmp_path / "no" / "such" / "dir" / "r.html"
    with pytest.raises(SkyscreenError, match="does not exist"):
        write_report(bare_dir, out)
    assert not (tmp_path / "no").exists()
    with pytest.raises(SkyscreenError, match="is a directory"):
        write_report(bare_dir, tmp_path)
