"""``skyscreen view``: serves a run until interrupted; a bad directory exits 2."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from skyscreen.cli import main


def test_view_of_a_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["view", str(tmp_path / "nope"), "--port", "0", "--no-browser"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert "nope" in err
    assert "Traceback" not in err


def test_view_rejects_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["view", "x", "--port", "70000"])
    assert exc.value.code == 2
    assert "must be a port" in capsys.readouterr().err


def test_view_serves_on_loopback_until_ctrl_c(run_dir: Path) -> None:
    command = ["view", str(run_dir), "--port", "0", "--no-browser"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyscreen.cli", *command],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        with urllib.request.urlopen(found.group(0) + "api/run", timeout=30) as r:
            meta = json.load(r)
        assert meta["scenario_name"] == "quickstart"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # leave no server behind when the test fails
            proc.wait()
            raise
        assert code == 0
