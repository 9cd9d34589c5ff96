"""The study commands: ``skyscreen sweep``, ``compare``, ``sensitivity`` and ``query``.

In-process through :func:`skyscreen.cli.main` (it returns the exit status); bad input
exits 2 with one ``error: ...`` line on stderr, no traceback, and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from skyscreen.cli import main
from skyscreen.studies import load_comparison, load_sensitivity, load_sweep

QUIET = ["--quiet", "--workers", "1"]


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables fit 80 columns when not on a terminal (names cut to "n_launch…")."""
    monkeypatch.setenv("COLUMNS", "200")


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    """The error on stderr (after any warnings about the scenario), checked."""
    _, err = capsys.readouterr()
    lines = err.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith("error: ")]
    assert len(starts) == 1, err
    assert all(ln.startswith("warning: ") for ln in lines[: starts[0]]), err
    assert "Traceback" not in err
    assert "internal error" not in err
    return "\n".join(lines[starts[0] :])


def _no_error(stderr: str) -> None:
    """Only warnings (the short scenario's drones cannot reach the target)."""
    assert all(ln.startswith("warning: ") for ln in stderr.splitlines()), stderr


@pytest.fixture(scope="module")
def sweep_dir(short_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "sweep"
    argv = ["sweep", str(short_file), "--vary", "raids.0.count=2,3,5"]
    assert main([*argv, "-n", "2", "--seed", "4", "--out", str(out), *QUIET]) == 0
    return out


def test_sweep_end_to_end(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {p.name for p in sweep_dir.iterdir()}
    assert {"sweep.json", "sweep.parquet", "points.parquet", "n_leaked.png"} <= files
    res = load_sweep(sweep_dir)
    assert res.meta["seed"] == 4
    assert res.meta["replications"] == 2
    assert res.points["raids.0.count"].tolist() == [2, 3, 5]
    assert res.points["n_launched_mean"].tolist() == [2.0, 3.0, 5.0]
    assert len(res.rows) == 6


def test_sweep_prints_its_table(
    short_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s"
    argv = ["sweep", str(short_file), "--vary", "raids.0.count=2,4", "-n", "1"]
    assert main([*argv, "--out", str(out), "--no-figures", *QUIET]) == 0
    stdout, stderr = capsys.readouterr()
    assert "quickstart sweep: 2 points x 1 replications" in stdout
    assert "raids.0.count" in stdout
    assert f"results in {out}" in stdout
    assert not list(out.glob("*.png"))  # --no-figures
    _no_error(stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "raids.0.cnt=2,3"], "raids.0.cnt: raids.0 has no field 'cnt'"),
        (
            ["--vary", "sites.0.effectors.gun-9.enabled=true,false"],
            "no entry with id 'gun-9' (ids: gun-1, sam-1; or give an index)",
        ),
        (["--vary", "raids.0.count=2:8"], "gives a range lo:hi"),
        (["--vary", "raids.0.count=2:8", "--design", "lhs"], "needs --points"),
        (["--vary", "raids.0.count=4:2:1"], "the end must be >= the start"),
        (["--vary", "raids.0.count=0,1"], "raids[0].count must be >= 1; got 0"),
        ([], "a sweep needs at least one --vary"),
    ],
)
def test_sweep_refusals_write_nothing(
    short_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    argv = ["sweep", str(short_file), *args, "-n", "1", "--out", str(out), *QUIET]
    assert main(argv) == 2
    assert message in _error(capsys)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_resume_with_a_scenario_is_refused(
    short_file: Path, sweep_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", str(short_file), "--resume", str(sweep_dir), *QUIET]) == 2
    err = _error(capsys)
    assert "--resume continues a sweep with its own settings; drop SCENARIO" in err
    assert main(["compare", str(short_file), "B.yaml", "--resume", str(sweep_dir)]) == 2
    assert "drop B" in _error(capsys)
    assert main(["sweep"]) == 2
    assert "give a SCENARIO and --vary PATH=VALUES, or --resume DIR" in _error(capsys)


def test_compare_prints_a_table(
    short_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", str(short_file), "--vary", "raids.0.count=6", "-n", "3"]
    assert main([*argv, "--seed", "2", "--out", str(out), *QUIET]) == 0
    stdout, stderr = capsys.readouterr()
    _no_error(stderr)
    assert "A: quickstart" in stdout
    assert "B: raids.0.count=6" in stdout
    assert "3 paired replications, seed 2" in stdout
    line = next(ln for ln in stdout.splitlines() if "n_launched" in ln)
    assert "yes (Holm)" in line
    assert "B - A" in stdout
    assert "variance saved" in stdout
    comp = load_comparison(out)
    row = comp.table.set_index("metric").loc["n_launched"]
    assert (row["mean_a"], row["mean_b"]) == (4.0, 6.0)
    assert (out / "comparison.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["B.yaml", "--vary", "raids.0.count=6"], "give either B or --vary"),
        ([], "give either B or --vary"),
        (["--vary", "raids.0.count=5,6"], "one value per field"),
        (["--vary", "raids.0.cnt=6"], "no field 'cnt'"),
    ],
)
def test_compare_refusals(
    short_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    argv = ["compare", str(short_file), *args, "-n", "1", "--out", str(out), *QUIET]
    assert main(argv) == 2
    assert message in _error(capsys)
    assert not out.exists()


def test_sensitivity_morris(
    short_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sens"
    argv = [
        "sensitivity",
        str(short_file),
        "--vary",
        "raids.0.count=2:8",
        "--vary",
        "doctrine.min_shot_pk=0:0.3",
        "--method",
        "morris",
        "--samples",
        "2",
        "--metric",
        "n_launched",
        "-n",
        "1",
        "--seed",
        "1",
        "--out",
        str(out),
        *QUIET,
    ]
    assert main(argv) == 0
    stdout, _ = capsys.readouterr()
    text = " ".join(stdout.split())  # the title wraps to the table's width
    assert "morris sensitivity of n_launched (6 points x 1 replications)" in text
    res = load_sensitivity(out)
    assert res.method == "morris"
    assert res.table["field"].tolist()[0] == "raids.0.count"  # ranked first
    assert res.table.set_index("field").loc["doctrine.min_shot_pk", "mu_star"] == 0


def test_sensitivity_refusals(
    short_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    base = ["sensitivity", str(short_file), "-n", "1", "--out", str(out), *QUIET]
    vary = ["--vary", "raids.0.count=2:8"]
    assert main([*base, *vary, "--method", "sobol", "--samples", "6"]) == 2
    assert "power of two" in _error(capsys)
    assert main([*base, *vary, "--metric", "n_leeked"]) == 2
    assert "n_leeked" in _error(capsys)
    assert main(base) == 2
    assert "needs at least one --vary" in _error(capsys)
    assert not out.exists()


def test_query_a_sweep(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(sweep_dir), "SELECT count(*) AS n FROM sweep"]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == ""
    assert stdout.split() == ["n", "6"]  # 3 points x 2 replications
    sql = (
        'SELECT p."raids.0.count" AS c, avg(s.n_launched) AS m FROM sweep s '
        "JOIN points p USING (point) GROUP BY 1 ORDER BY 1"
    )
    csv = sweep_dir.parent / "q.csv"
    assert main(["query", str(sweep_dir), sql, "--out", str(csv)]) == 0
    assert "3 rows written" in capsys.readouterr().out
    q = pd.read_csv(csv)
    assert q["c"].tolist() == [2, 3, 5]
    assert q["m"].tolist() == [2.0, 3.0, 5.0]


def test_query_with_bad_sql(
    sweep_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", str(sweep_dir), "SELEKT * FROM sweep"]) == 2
    _error(capsys)
    assert main(["query", str(sweep_dir), "SELECT * FROM no_such_view"]) == 2
    _error(capsys)
    meta = json.loads((sweep_dir / "sweep.json").read_text())
    assert meta["files"]["sweep.parquet"]["rows"] == 6  # untouched
