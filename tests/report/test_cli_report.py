"""``skyscreen report``: writes the page and says where; a bad directory exits 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skyscreen.cli import main


def test_report_command_writes_the_page(
    bare_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    shutil.copytree(bare_dir, run)
    out = tmp_path / "r.html"
    assert main(["report", str(run), "--out", str(out), "--rcs", "0.5"]) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "0.5 m²" in page


def test_report_of_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_report_rejects_a_non_positive_rcs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", "x", "--rcs", "0"])
    assert exc.value.code == 2
