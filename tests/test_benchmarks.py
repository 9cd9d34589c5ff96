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
