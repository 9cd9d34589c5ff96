"""Workers start whatever the length of TMPDIR (the fork server's Unix socket)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skyscreen.scenario import example_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server: Linux")
def test_a_long_tmpdir_does_not_stop_the_workers(tmp_path: Path) -> None:
    # Deeper than a Unix socket path allows (107 bytes) once multiprocessing adds
    # its pymp-* folder and the socket's name: it failed with "AF_UNIX path too long".
    deep = tmp_path / ("t" * 60) / ("m" * 60)
    deep.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(deep)}
    argv = [
        sys.executable,
        "-m",
        "skyscreen.cli",
        "run",
        str(example_path("quickstart")),
    ]
    argv += ["-n", "4", "--workers", "2", "--out", str(tmp_path / "run"), "--quiet"]
    done = subprocess.run(
        argv, check=False, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "AF_UNIX" not in done.stderr
