"""``skyscreen animate``: a clip of one recorded replication."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import skyscreen
from skyscreen.cli import main
from skyscreen.errors import SkyscreenError
from skyscreen.report.animation import animate
from skyscreen.run import RunResult
from skyscreen.scenario import example_path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("animate") / "run"
    skyscreen.simulate(
        example_path("quickstart"),
        replications=3,
        seed=2,
        events=True,
        record=2,
        progress=False,
        workers=1,
    ).save(out)
    return out


def _frames(path: Path) -> list[np.ndarray]:
    im = Image.open(path)
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    return out


def test_cli_writes_a_gif_whose_frames_show_the_raid_moving(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raid.gif"
    code = main(
        [
            "animate",
            str(run_dir),
            "--replication",
            "1",
            "--out",
            str(out),
            "--fps",
            "4",
            "--seconds",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert f"clip written to {out}" in capsys.readouterr().out
    frames = _frames(out)
    assert len(frames) == 12
    # The drones move: consecutive frames differ, and the clock in the title too.
    assert all(np.abs(a - b).sum() > 0 for a, b in itertools.pairwise(frames))
    assert not list(tmp_path.glob(".raid-*"))  # no temporary left behind


def test_the_clip_is_drawn_from_the_runs_trajectories(
    run_dir: Path, tmp_path: Path
) -> None:
    result = skyscreen.load_run(run_dir)
    a = animate(result, tmp_path / "a.gif", 0, fps=2, seconds=2)
    assert result.trajectories is not None
    moved = result.trajectories.copy()
    moved["x_m"] += 5000.0  # every drone 5 km further east
    shifted = RunResult(**{**result.__dict__, "trajectories": moved})
    b = animate(shifted, tmp_path / "b.gif", 0, fps=2, seconds=2)
    assert any(
        np.abs(x - y).sum() > 0 for x, y in zip(_frames(a), _frames(b), strict=False)
    )


def test_errors_name_what_is_missing(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SkyscreenError, match="replication 2 has no trajectories"):
        animate(run_dir, tmp_path / "x.gif", 2)
    with pytest.raises(SkyscreenError, match=r"must end in \.gif or \.mp4"):
        animate(run_dir, tmp_path / "x.avi")
    (tmp_path / "there.gif").write_bytes(b"x")
    with pytest.raises(SkyscreenError, match="exists"):
        animate(run_dir, tmp_path / "there.gif")
    for fps in (0, 61):  # the limits are 1 and 60
        with pytest.raises(SkyscreenError, match="fps must be 1 to 60"):
            animate(run_dir, tmp_path / "f.gif", fps=fps)
    with pytest.raises(SkyscreenError, match="at most"):
        animate(run_dir, tmp_path / "y.gif", fps=60, seconds=1000)
    bare = skyscreen.simulate(
        example_path("quickstart"), replications=1, progress=False, workers=1
    )
    with pytest.raises(SkyscreenError, match="--record K"):
        animate(bare, tmp_path / "z.gif")


def test_mp4_needs_ffmpeg(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "raid.mp4"
    if shutil.which("ffmpeg") is None:
        with pytest.raises(SkyscreenError, match="needs ffmpeg"):
            animate(run_dir, out, fps=2, seconds=1)
        assert not out.exists()
    else:
        animate(run_dir, out, fps=2, seconds=1)
        assert out.stat().st_size > 0
