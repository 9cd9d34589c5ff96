"""Resumable runs and studies: killed at any moment, resumed, identical results.

A run or study with an output directory saves each finished chunk as it ends
(skyscreen.io.checkpoint). Killed outright (SIGKILL) or interrupted (Ctrl-C, SIGTERM),
it leaves a directory marked incomplete: load_run refuses it, --resume completes it
without running a saved chunk again, and the tables equal an uninterrupted run's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import skyscreen
import skyscreen.run
from skyscreen.cli import main
from skyscreen.errors import ResultSchemaError, RunDirectoryError
from skyscreen.io.checkpoint import ChunkStore, is_interrupted
from skyscreen.scenario import example_path
from skyscreen.schema import TABLES
from skyscreen.studies import load_sweep, resume, sweep

QUICKSTART = str(example_path("quickstart"))
COASTAL = str(example_path("coastal-airbase"))
ENV = {k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"}


def _same_tables(a: skyscreen.RunResult, b: skyscreen.RunResult) -> None:
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=name)


def _chunks(out: Path) -> list[str]:
    d = out / "chunks"
    return (
        sorted(p.name for p in d.iterdir() if not p.name.startswith("."))
        if d.is_dir()
        else []
    )


class _StopAfter:
    """run_tasks stand-in: runs the tasks, raising KeyboardInterrupt after ``k``."""

    def __init__(self, k: int | None) -> None:
        self.k = k
        self.ran = 0

    def __call__(
        self,
        params: Any,
        tasks: Any,
        workers: int,
        on_progress: Any = None,
        on_result: Any = None,
        keep: bool = True,
    ) -> list[Any]:
        from skyscreen.executors.local import _run

        plist = [params] if not isinstance(params, list) else params
        out = []
        for i, t in enumerate(tasks):
            if self.k is not None and self.ran >= self.k:
                raise KeyboardInterrupt
            r = _run(plist[t.point], t)
            self.ran += 1
            if on_result is not None:
                on_result(i, r)
            if keep:
                out.append(r)
        return out


@pytest.mark.parametrize("value_protected", [False, True])
def test_an_interrupted_run_resumes_without_rerunning_saved_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value_protected: bool
) -> None:
    kw = {
        "replications": 30,
        "seed": 11,
        "events": True,
        "record": 4,
        "value_protected": value_protected,
        "progress": False,
    }
    whole = skyscreen.simulate(QUICKSTART, workers=1, **kw)
    out = tmp_path / "run"
    stop = _StopAfter(3)
    monkeypatch.setattr(skyscreen.run, "run_tasks", stop)
    with pytest.raises(KeyboardInterrupt):
        skyscreen.simulate(QUICKSTART, workers=1, chunk_size=4, out=out, **kw)
    assert len(_chunks(out)) == 3
    assert is_interrupted(out) is False  # this process, its writer, is alive...
    with pytest.raises(ResultSchemaError, match="incomplete"):
        skyscreen.load_run(out)
    # ...so nobody may resume it, nor overwrite it.
    with pytest.raises(ResultSchemaError, match="still being written"):
        skyscreen.resume(out)
    _pretend_the_writer_died(out)
    assert is_interrupted(out)
    with pytest.raises(RunDirectoryError, match="resume"):
        skyscreen.simulate(QUICKSTART, workers=1, out=out, **kw)
    again = _StopAfter(None)
    monkeypatch.setattr(skyscreen.run, "run_tasks", again)
    done = skyscreen.resume(out, progress=False)
    n_tasks = (2 if value_protected else 1) * 8  # 30 replications in chunks of 4
    assert again.ran == n_tasks - 3  # the saved chunks were not run again
    _same_tables(whole, done)
    _same_tables(whole, skyscreen.load_run(out))
    assert sorted(os.listdir(out)) == sorted(
        [
            ".skyscreen",
            "run.json",
            *(TABLES[n].file for n in TABLES if getattr(whole, n) is not None),
        ]
    )


def _pretend_the_writer_died(out: Path) -> None:
    """Rewrite the incomplete marker as a dead process's (a PID that is not running)."""
    from skyscreen._atomic import INCOMPLETE, WriterRecord

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    rec = WriterRecord.current()
    dead = WriterRecord(proc.pid, rec.start, rec.host, rec.started_at)
    (out / INCOMPLETE).write_text(dead.to_json(), encoding="utf-8")


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_chunks(
    proc: subprocess.Popen[str], out: Path, k: int, limit: float = 120.0
) -> None:
    deadline = time.monotonic() + limit
    while len(_chunks(out)) < k:
        if proc.poll() is not None:
            raise AssertionError(
                f"finished before it could be killed: {proc.communicate()}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("no chunk saved in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_run_killed_with_sigkill_resumes_to_the_same_result(tmp_path: Path) -> None:
    """SIGKILL of the whole process group mid-run, then `run --resume`: bit-identical."""
    out = tmp_path / "run"
    args = [
        COASTAL,
        "-n",
        "40",
        "--seed",
        "5",
        "--chunk-size",
        "5",
        "--workers",
        "2",
        "--events",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = _start(["run", *args], tmp_path)
    _wait_for_chunks(proc, out, 2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = _chunks(out)
    assert 2 <= len(saved) < 8
    with pytest.raises(ResultSchemaError, match="incomplete"):
        skyscreen.load_run(out)
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "skyscreen.cli",
            "run",
            "--resume",
            str(out),
            "--quiet",
            "--workers",
            "1",
        ],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    whole = skyscreen.simulate(
        COASTAL, replications=40, seed=5, events=True, progress=False
    )
    _same_tables(whole, skyscreen.load_run(out))
    assert not [
        p for p in tmp_path.iterdir() if p.name.startswith(".")
    ]  # no temporaries


@pytest.mark.slow
def test_ctrl_c_leaves_a_resumable_sweep_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    varies = ["--vary", "raids.2.count=4,8", "--vary", "doctrine.min_shot_pk=0,0.1"]
    proc = _start(
        [
            "sweep",
            COASTAL,
            *varies,
            "-n",
            "20",
            "--seed",
            "3",
            "--chunk-size",
            "5",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(out),
        ],
        tmp_path,
    )
    _wait_for_chunks(proc, out, 2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"skyscreen sweep --resume {out}" in err
    assert "Traceback" not in err
    assert is_interrupted(out)
    with pytest.raises(ResultSchemaError, match="incomplete"):
        load_sweep(out)
    # --resume refuses new settings, and a sweep resumed as a run is refused too.
    assert main(["sweep", "--resume", str(out), "-n", "5"]) == 2
    assert main(["run", "--resume", str(out), "--quiet"]) == 2
    assert main(["sweep", "--resume", str(out), "--quiet", "--workers", "2"]) == 0
    whole = sweep(
        COASTAL,
        ["raids.2.count=4,8", "doctrine.min_shot_pk=0,0.1"],
        replications=20,
        seed=3,
        workers=2,
        progress=False,
    )
    done = load_sweep(out)
    pd.testing.assert_frame_equal(whole.rows, done.rows, check_exact=True)
    pd.testing.assert_frame_equal(whole.points, done.points, check_exact=True)
    assert (out / "n_leaked-heatmap.png").is_file()


def test_a_resumed_sweep_in_process_equals_one_run_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skyscreen.run as run_module

    kw = {"replications": 9, "seed": 2, "progress": False, "figures": False}
    varies = ["raids.0.count=2,4,6"]
    whole = sweep(QUICKSTART, varies, workers=1, **kw)
    stop = _StopAfter(4)
    monkeypatch.setattr(run_module, "run_tasks", stop)
    with pytest.raises(KeyboardInterrupt):
        sweep(QUICKSTART, varies, workers=1, chunk_size=2, out=tmp_path / "s", **kw)
    assert len(_chunks(tmp_path / "s")) == 4
    _pretend_the_writer_died(tmp_path / "s")
    again = _StopAfter(None)
    monkeypatch.setattr(run_module, "run_tasks", again)
    done = resume(tmp_path / "s", progress=False)
    assert again.ran == 3 * 5 - 4  # 3 points x 5 chunks, 4 saved
    pd.testing.assert_frame_equal(whole.rows, done.rows, check_exact=True)
    pd.testing.assert_frame_equal(whole.points, done.points, check_exact=True)


def test_a_failed_run_removes_its_directory_and_keeps_the_one_it_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    first = skyscreen.simulate(
        QUICKSTART, replications=5, seed=1, workers=1, progress=False, out=out
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(skyscreen.run, "run_tasks", broken)
    with pytest.raises(RuntimeError, match="boom"):
        skyscreen.simulate(
            QUICKSTART,
            replications=5,
            seed=2,
            workers=1,
            progress=False,
            out=out,
            overwrite=True,
        )
    _same_tables(first, skyscreen.load_run(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_resume_refuses_what_is_not_an_interrupted_study(tmp_path: Path) -> None:
    out = tmp_path / "run"
    skyscreen.simulate(
        QUICKSTART, replications=3, seed=1, workers=1, progress=False, out=out
    )
    with pytest.raises(ResultSchemaError, match="not an interrupted study"):
        skyscreen.resume(out)
    with pytest.raises(ResultSchemaError, match="not an interrupted study"):
        skyscreen.resume(tmp_path)
    assert main(["run", "--resume", str(out), "--quiet"]) == 2


def test_a_damaged_plan_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    monkeypatch.setattr(skyscreen.run, "run_tasks", _StopAfter(1))
    with pytest.raises(KeyboardInterrupt):
        skyscreen.simulate(
            QUICKSTART,
            replications=8,
            seed=1,
            workers=1,
            chunk_size=2,
            progress=False,
            out=out,
        )
    _pretend_the_writer_died(out)
    plan = (out / "plan.json").read_text()
    (out / "plan.json").write_text(plan.replace('"seed": 1', '"seed": 2'))
    with pytest.raises(ResultSchemaError, match="damaged"):
        ChunkStore.resume(out, "run")


def test_resume_flag_continues_the_study_in_out_or_starts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sweep SCENARIO --vary ... --out DIR --resume`: the interrupted command again."""
    import skyscreen.run as run_module

    args = [
        "sweep",
        QUICKSTART,
        "--vary",
        "raids.0.count=2,4",
        "-n",
        "6",
        "--seed",
        "4",
        "--chunk-size",
        "2",
        "--workers",
        "1",
        "--quiet",
        "--no-figures",
    ]
    out = tmp_path / "s"
    monkeypatch.setattr(run_module, "run_tasks", _StopAfter(2))
    assert main([*args, "--out", str(out)]) == 130
    _pretend_the_writer_died(out)
    monkeypatch.setattr(run_module, "run_tasks", _StopAfter(None))
    # Another scenario is refused; the same one is continued.
    other = tmp_path / "other.yaml"
    other.write_text(
        Path(QUICKSTART).read_text().replace("name: quickstart", "name: other")
    )
    assert (
        main(
            [
                "sweep",
                str(other),
                "--vary",
                "raids.0.count=2,4",
                "--out",
                str(out),
                "--resume",
                "--quiet",
            ]
        )
        == 2
    )
    assert "another scenario" in capsys.readouterr().err
    assert main([*args, "--out", str(out), "--resume"]) == 0
    assert "resuming the interrupted sweep" in capsys.readouterr().err
    whole = sweep(
        QUICKSTART,
        ["raids.0.count=2,4"],
        replications=6,
        seed=4,
        workers=1,
        progress=False,
    )
    pd.testing.assert_frame_equal(whole.rows, load_sweep(out).rows, check_exact=True)
    # Nothing to continue: --resume starts it.
    fresh = tmp_path / "fresh"
    assert main([*args, "--out", str(fresh), "--resume"]) == 0
    pd.testing.assert_frame_equal(whole.rows, load_sweep(fresh).rows, check_exact=True)
