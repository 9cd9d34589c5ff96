"""The benchmark scripts run (on a tiny instance), so they do not rot between uses."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wta_benchmark_prints_a_row_per_method(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchmarks/wta.py on one tiny instance prints every method and the gaps."""
    (tmp_path / "wta_2x3x1.txt").write_text(
        "2 3 1\n10\n5\n1\n0 0 0.5\n0 1 0.4\n1 1 0.6\n1 2 0.3\n"
    )
    (tmp_path / "best_known.csv").write_text(
        "instance,best_lower_bound,best_upper_bound\nwta_2x3x1,8.0,8.0\n"
    )
    wta = _load("wta.py")
    assert wta.main(["--data", str(tmp_path), "--exact-time", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if line.startswith("wta_2x3x1")]
    assert [r[1] for r in rows] == ["greedy", "improve.", "improve", "exact"]
    exact = rows[-1]
    # Optimum: 10·0.5 + 5·0.4 + 1 = 8.0, proven; the gap to best known is 0.
    assert float(exact[3]) == pytest.approx(8.0)
    assert exact[4] == "+0.0000%"
    assert exact[-1] == "optimal"
    assert lines[-1] == "greedy timing: wta_100x200x1.txt not found"


def _record(sim: float, digest: str = "d0", **means: float) -> dict[str, object]:
    """A run's record as benchmarks/compare_commits.py's runner prints it."""
    return {
        "replications": 400,
        "sim_s": sim,
        "cpu_s": sim * 0.9,
        "proc_s": sim + 3.0,
        "import_s": 2.0,
        "first_call_s": 0.5,
        "summary_sha256": digest,
        "summary_means": {"n_leaked": 1.5, **means},
    }


def test_compare_commits_bootstrap_ratio_is_the_ratio_of_medians() -> None:
    """The point estimate is median(tree)/median(base); the interval holds it."""
    cc = _load("compare_commits.py")
    assert cc.bootstrap_ratio([2.0, 2.0, 2.0], [1.0, 1.0, 1.0]) == (2.0, 2.0, 2.0)
    tree = [4.1, 4.0, 4.3, 3.9, 4.2]
    base = [4.0, 4.1, 3.8, 4.4, 4.0]
    ratio, low, high = cc.bootstrap_ratio(tree, base)
    assert ratio == pytest.approx(4.1 / 4.0)
    assert low <= ratio <= high
    assert 0.9 < low < high < 1.2
    # A fixed seed: the same interval every time.
    assert cc.bootstrap_ratio(tree, base) == (ratio, low, high)
    with pytest.raises(ValueError, match="at least one run"):
        cc.bootstrap_ratio([], base)


def test_compare_commits_table_flags_slower_and_differing_results() -> None:
    """One line per scenario with medians, ratio, interval, verdict; notes below."""
    cc = _load("compare_commits.py")
    same = cc.summarize(
        "coastal-airbase",
        [_record(s) for s in (4.0, 4.2, 4.1)],
        [_record(s) for s in (4.1, 4.0, 4.2)],
    )
    assert same["sim"]["ratio"] == pytest.approx(1.0)
    assert same["meets_target"]
    assert same["identical_results"]
    slower = cc.summarize(
        "large-500x100",
        [_record(s) for s in (10.0, 10.5, 9.5)],
        [_record(s, "d1", n_leaked=2.0) for s in (12.0, 12.5, 11.5)],
    )
    assert slower["sim"]["ratio"] == pytest.approx(1.2)
    assert not slower["meets_target"]
    assert not slower["identical_results"]
    lines = cc.format_table([same, slower]).splitlines()
    assert lines[0].split()[:3] == ["scenario", "reps", "runs"]
    assert lines[2].split()[:6] == [
        "coastal-airbase",
        "400",
        "3",
        "4.100",
        "4.100",
        "1.000",
    ]
    assert lines[2].split()[-2:] == ["<=1.05", "ok"]
    assert lines[3].split()[-3:] == ["NO", "<=1.05", "SLOWER"]
    startup = next(i for i, x in enumerate(lines) if "import base" in x) + 2
    assert lines[startup].split() == [
        "coastal-airbase",
        "2.00",
        "2.00",
        "0.50",
        "0.50",
        "7.10",
        "7.10",
    ]
    assert lines[-1].startswith("large-500x100: summaries differ")
    assert "n_leaked 1.5 -> 2" in lines[-1]


def test_benchmark_scenarios_load() -> None:
    """Both pinned scenarios are valid, and the large one is what its generator writes."""
    import skyscreen

    scenarios = BENCHMARKS / "scenarios"
    names = sorted(p.stem for p in scenarios.glob("*.yaml"))
    assert names == ["coastal-airbase", "large-500x100"]
    coastal = skyscreen.load_scenario(scenarios / "coastal-airbase.yaml")
    assert coastal.name == "coastal-airbase"
    assert sum(r.count for r in coastal.raids) == 24
    large = skyscreen.load_scenario(scenarios / "large-500x100.yaml")
    assert sum(r.count for r in large.raids) == 500
    assert sum(len(s.effectors) for s in large.sites) == 100
    make_large = _load("scenarios/make_large.py")
    assert make_large.render() == (scenarios / "large-500x100.yaml").read_text()


def test_tracking_vs_stonesoup_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _load("tracking_vs_stonesoup.py").main(["--help"])
    assert exc.value.code == 0
    assert "--ss-venv" in capsys.readouterr().out


def test_crossing_scenario_is_deterministic(tmp_path: Path) -> None:
    """The crossing scenario is a pure function of its seed, in the harness format."""
    ts = _load("tracking_scenarios.py")
    meta = ts.make_crossing_scenario(tmp_path / "a", 11, n_groups=3, steps=60)
    ts.make_crossing_scenario(tmp_path / "b", 11, n_groups=3, steps=60)
    assert meta["n_targets"] == 9
    for f in ("truth.csv", "meas.csv", "scenario.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    header = (tmp_path / "a" / "meas.csv").read_text().splitlines()[0]
    assert header == "step,meas_id,x,y,is_clutter,target_id"
