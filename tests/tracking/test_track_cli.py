"""``skyscreen track``: recorded measurements in, confirmed tracks out."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyscreen.cli import main


def write_meas(path: Path, scene: Any, *, shuffle_labels: int | None = None) -> None:
    """The peer harness's format: step,meas_id,x,y[,z],is_clutter,target_id."""
    axes = ["x", "y", "z"][: scene.dim]
    lab = scene.meas_label.copy()
    if shuffle_labels is not None:
        lab = np.random.default_rng(shuffle_labels).permutation(lab)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["step", "meas_id", *axes, "is_clutter", "target_id"])
        for i, (k, p, lb) in enumerate(
            zip(scene.meas_step, scene.meas_pos, lab, strict=True)
        ):
            w.writerow([k, i, *(f"{v:.4f}" for v in p), int(lb < 0), lb])


def _track(capsys: Any, *argv: str) -> tuple[int, str, str]:
    rc = main(["track", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def scene2(scene_factory: Any) -> Any:
    return scene_factory(n_targets=5, steps=40, seed=2, box=10000.0, clutter=5.0)


def test_track_writes_tracks_and_one_json_line(
    tmp_path: Path, capsys: Any, scene2: Any
) -> None:
    meas, out = tmp_path / "meas.csv", tmp_path / "tracks.csv"
    write_meas(meas, scene2)
    rc, stdout, err = _track(capsys, str(meas), "--out", str(out), "--json")
    assert rc == 0, err
    lines = stdout.splitlines()
    assert len(lines) == 1
    info = json.loads(lines[0])
    assert info["wall_s"] >= 0
    assert info["steps"] == 40
    assert info["measurements"] == len(scene2.meas_step)
    assert info["n_track_ids"] >= 5
    rows = out.read_text().splitlines()
    assert rows[0] == "step,track_id,x,y"
    body = np.array([[float(v) for v in r.split(",")] for r in rows[1:]])
    assert len(body) > 0
    assert np.isfinite(body).all()
    pairs = {(int(k), int(i)) for k, i in body[:, :2]}
    assert len(pairs) == len(body)  # a track appears once per scan
    assert body[:, 0].min() >= 0
    assert body[:, 0].max() < 40
    # human-readable output without --json
    out2 = tmp_path / "t2.csv"
    rc, stdout, _ = _track(capsys, str(meas), "--out", str(out2))
    assert rc == 0
    assert "tracks confirmed" in stdout
    assert out2.read_bytes() == out.read_bytes()


def test_labels_are_never_read(tmp_path: Path, capsys: Any, scene2: Any) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_meas(a, scene2)
    write_meas(b, scene2, shuffle_labels=5)
    assert a.read_text() != b.read_text()
    outs = []
    for m in (a, b):
        o = tmp_path / f"{m.stem}_tracks.csv"
        rc, _, err = _track(capsys, str(m), "--out", str(o), "--association", "jpda")
        assert rc == 0, err
        outs.append(o.read_bytes())
    assert outs[0] == outs[1]


def test_three_d_input_gives_three_d_tracks(
    tmp_path: Path, capsys: Any, scene_factory: Any
) -> None:
    scene = scene_factory(n_targets=3, steps=20, seed=4, dim=3, clutter=2.0)
    meas, out = tmp_path / "meas3.csv", tmp_path / "t3.csv"
    write_meas(meas, scene)
    rc, _, err = _track(
        capsys, str(meas), "--out", str(out), "--motion", "imm", "--json"
    )
    assert rc == 0, err
    rows = out.read_text().splitlines()
    assert rows[0] == "step,track_id,x,y,z"
    assert len(rows) > 1
    assert all(len(r.split(",")) == 5 for r in rows[1:])


def test_empty_measurement_file(tmp_path: Path, capsys: Any) -> None:
    meas, out = tmp_path / "m.csv", tmp_path / "t.csv"
    meas.write_text("step,meas_id,x,y,is_clutter,target_id\n")
    rc, stdout, err = _track(capsys, str(meas), "--out", str(out), "--json")
    assert rc == 0, err
    assert json.loads(stdout)["steps"] == 0
    assert out.read_text() == "step,track_id,x,y\n"


_GOOD = "step,meas_id,x,y\n0,0,1.0,2.0\n1,1,3.0,4.0\n"


@pytest.mark.parametrize(
    ("content", "argv", "message"),
    [
        (None, [], "cannot read the measurements"),
        ("step,meas_id,x\n0,0,1\n", [], "missing y"),
        ("step,meas_id,x,y\n0,0,1.0,2.0\n1,1,abc,4.0\n", [], "row 3, column x"),
        ("step,meas_id,x,y\n0,0,1.0,2.0\n1,1,3.0,nan\n", [], "row 3, column y"),
        ("step,meas_id,x,y\n0,0,1.0,2.0\n-1,1,3.0,4.0\n", [], "row 3, column step"),
        ("step,meas_id,x,y\n0.5,0,1.0,2.0\n", [], "row 2, column step"),
        ("step,meas_id,x,y\n0,0,1.0\n", [], "row 2: expected 4 columns"),
        (_GOOD, ["--confirm", "5/3"], "--confirm"),
        (_GOOD, ["--confirm", "x"], "--confirm"),
        (_GOOD, ["--area-m", "0,1,2"], "--area-m"),
        (_GOOD, ["--area-m", "5,1,0,1"], "--area-m"),
        (_GOOD, ["--pd", "1"], "--pd"),
    ],
)
def test_errors_exit_2_with_a_message(
    tmp_path: Path,
    capsys: Any,
    content: str | None,
    argv: list[str],
    message: str,
) -> None:
    meas, out = tmp_path / "meas.csv", tmp_path / "tracks.csv"
    if content is not None:
        meas.write_text(content)
    try:
        rc = main(["track", str(meas), "--out", str(out), *argv])
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code
    _, err = capsys.readouterr()
    assert rc == 2
    last = err.strip().splitlines()[-1]  # after argparse's usage lines, if any
    assert last.startswith("error: "), err
    assert message in last, err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert not out.exists()


def test_existing_out_needs_overwrite(tmp_path: Path, capsys: Any) -> None:
    meas, out = tmp_path / "meas.csv", tmp_path / "tracks.csv"
    meas.write_text(_GOOD)
    out.write_text("keep me\n")
    rc, _, err = _track(capsys, str(meas), "--out", str(out))
    assert rc == 2
    assert "--overwrite" in err
    assert "Traceback" not in err
    assert out.read_text() == "keep me\n"
    # never the input file, even with --overwrite
    rc, _, err = _track(capsys, str(meas), "--out", str(meas), "--overwrite")
    assert rc == 2
    assert "refusing to overwrite" in err
    assert meas.read_text() == _GOOD
    rc, _, err = _track(capsys, str(meas), "--out", str(out), "--overwrite")
    assert rc == 0, err
    assert out.read_text().startswith("step,track_id,x,y\n")
