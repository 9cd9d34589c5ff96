"""Outputs never destroy a user's data.

``--overwrite`` (and ``overwrite=True``) replaces only a directory skyscreen wrote and
that holds nothing else, or an empty one; never the working directory, an ancestor of
it, the home directory or the root. ``wta --out`` replaces an existing file only with
``--overwrite``, and never the instance it reads.

As in test_cli.py, the command lines start together in one module fixture (each start
costs a second or more of imports), each in its own folder; the tests read the results
and compare every folder byte for byte with what it held before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

import skyscreen
from skyscreen.cli import main
from skyscreen.decisions import export_decision_instances
from skyscreen.errors import RunDirectoryError, SkyscreenError
from skyscreen.io import check_out_dir, write_run_dir
from skyscreen.scenario import example_path

QUICKSTART = str(example_path("quickstart"))
RUN_FLAGS = ["-n", "5", "--workers", "1", "--quiet"]
TINY_WTA = "3 4 1\n10\n8\n5\n1\n0 0 0.5\n0 1 0.4\n1 1 0.6\n1 2 0.3\n2 2 0.9\n2 3 0.2\n"
# SKYSCREEN_DEBUG turns an internal error into a traceback; test what users see.
ENV = {k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"}

Snapshot = dict[str, bytes | None]
"""Every path under a folder: a file's bytes, or None for a directory."""


def _snapshot(folder: Path) -> Snapshot:
    return {
        p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def _user_dir(folder: Path) -> Path:
    """A directory of a user's own files: a thesis and a subdirectory."""
    folder.mkdir(parents=True)
    (folder / "thesis.txt").write_bytes(b"x\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.bin").write_bytes(bytes(range(256)))
    return folder


def _cli(
    cwd: Path, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run ``skyscreen ARGS`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass
class Job:
    """One command line, run in ``folder / cwd``; ``before`` is ``folder``'s snapshot."""

    args: list[str]
    folder: Path
    cwd: str = "."
    env: dict[str, str] = field(default_factory=dict)
    before: Snapshot = field(default_factory=dict)
    result: subprocess.CompletedProcess[str] | None = None

    def run(self) -> Job:
        self.result = _cli(self.folder / self.cwd, self.args, {**ENV, **self.env})
        return self


@pytest.fixture(scope="module")
def earlier() -> skyscreen.RunResult:
    """A real run, saved wherever a test needs an earlier run directory."""
    return skyscreen.simulate(
        QUICKSTART, replications=5, seed=1, workers=1, progress=False
    )


@pytest.fixture(scope="module")
def cli(
    tmp_path_factory: pytest.TempPathFactory, earlier: skyscreen.RunResult
) -> dict[str, Job]:
    """Every subprocess of this module, started together; the jobs by name."""
    root = tmp_path_factory.mktemp("reliability")
    setups: dict[str, Callable[[Path], Job]] = {}

    def job(name: str) -> Callable[[Callable[[Path], Job]], Callable[[Path], Job]]:
        def register(setup: Callable[[Path], Job]) -> Callable[[Path], Job]:
            setups[name] = setup
            return setup

        return register

    # ------------------------------------------------------------------ refused
    @job("run-user-dir")
    def _(f: Path) -> Job:
        _user_dir(f / "mine")
        return Job(["run", QUICKSTART, *RUN_FLAGS, "--out", "mine", "--overwrite"], f)

    @job("decisions-user-dir")
    def _(f: Path) -> Job:
        _user_dir(f / "mine")
        return Job(["decisions", QUICKSTART, "--out", "mine", "--overwrite"], f)

    @job("run-earlier-run-with-a-user-file")
    def _(f: Path) -> Job:
        earlier.save(f / "run")
        (f / "run" / "notes.txt").write_text("my notes")
        return Job(["run", QUICKSTART, *RUN_FLAGS, "--out", "run", "--overwrite"], f)

    @job("run-cwd")
    def _(f: Path) -> Job:  # the working directory is an earlier run: still refused
        earlier.save(f / "here")
        out = str(f / "here")
        return Job(
            ["run", QUICKSTART, *RUN_FLAGS, "--out", out, "--overwrite"], f, "here"
        )

    @job("decisions-ancestor")
    def _(f: Path) -> Job:  # a sweep holding the (empty) working directory
        (f / "sweep" / "point").mkdir(parents=True)
        (f / "sweep" / ".skyscreen").write_text('{"kind": "sweep"}')
        return Job(
            ["decisions", QUICKSTART, "--out", "..", "--overwrite"], f, "sweep/point"
        )

    @job("run-home")
    def _(f: Path) -> Job:
        earlier.save(f / "home")
        home = str(f / "home")
        return Job(
            ["run", QUICKSTART, *RUN_FLAGS, "--out", home, "--overwrite"],
            f,
            env={"HOME": home},
        )

    @job("wta-existing-out")
    def _(f: Path) -> Job:
        (f / "inst.txt").write_text(TINY_WTA)
        (f / "a.csv").write_text("my table\n")
        return Job(["wta", "inst.txt", "--out", "a.csv"], f)

    @job("wta-out-is-the-input")
    def _(f: Path) -> Job:
        (f / "inst.txt").write_text(TINY_WTA)
        return Job(["wta", "inst.txt", "--out", "inst.txt", "--overwrite"], f)

    @job("wta-out-is-the-input-by-another-path")
    def _(f: Path) -> Job:
        (f / "inst.txt").write_text(TINY_WTA)
        (f / "sub").mkdir()
        return Job(["wta", "inst.txt", "--out", "sub/../inst.txt", "--overwrite"], f)

    jobs: dict[str, Job] = {}
    for name, setup in setups.items():
        folder = root / name
        folder.mkdir()
        jobs[name] = setup(folder)
        jobs[name].before = _snapshot(folder)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        for done in pool.map(Job.run, jobs.values()):
            assert done.result is not None
    return jobs


def _refused(job: Job, path: str, *words: str) -> None:
    """Exit 2 with one message naming ``path``, no traceback, the folder untouched."""
    result = job.result
    assert result is not None
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert _snapshot(job.folder) == job.before  # byte for byte, and nothing added


# --------------------------------------------------------------------------- refused


def test_run_overwrite_keeps_a_users_directory(cli: dict[str, Job]) -> None:
    """`run --out mine --overwrite` leaves a directory of the user's files as it was."""
    _refused(
        cli["run-user-dir"],
        "mine",
        "refusing to overwrite a directory skyscreen did not write",
        "sub/",
        "thesis.txt",
    )


def test_decisions_overwrite_keeps_a_users_directory(cli: dict[str, Job]) -> None:
    """`decisions --out mine --overwrite` leaves a user's directory as it was."""
    _refused(
        cli["decisions-user-dir"],
        "mine",
        "refusing to overwrite a directory skyscreen did not write",
        "thesis.txt",
    )


def test_overwrite_keeps_a_user_file_in_an_earlier_run(cli: dict[str, Job]) -> None:
    """A run directory the user added a file to is not replaced; the message names it."""
    _refused(
        cli["run-earlier-run-with-a-user-file"],
        "run",
        "a skyscreen run directory that also holds files skyscreen did not write",
        "(notes.txt)",
    )


def test_overwrite_refuses_the_working_directory(cli: dict[str, Job]) -> None:
    """`--out "$PWD" --overwrite` is refused, even when it is an earlier run."""
    job = cli["run-cwd"]
    _refused(job, str(job.folder / "here"), "the current working directory")


def test_overwrite_refuses_an_ancestor_of_the_working_directory(
    cli: dict[str, Job],
) -> None:
    """`--out .. --overwrite` is refused, even when it is a sweep skyscreen wrote."""
    _refused(cli["decisions-ancestor"], "..", "an ancestor of the current working")


def test_overwrite_refuses_the_home_directory(cli: dict[str, Job]) -> None:
    """`--out "$HOME" --overwrite` is refused, even when it is an earlier run."""
    job = cli["run-home"]
    _refused(job, str(job.folder / "home"), "the home directory")


def test_wta_keeps_an_existing_out_file(cli: dict[str, Job]) -> None:
    """`wta --out FILE` with an existing FILE exits 2 before solving, FILE untouched."""
    job = cli["wta-existing-out"]
    _refused(job, "--out a.csv", "use --overwrite")
    assert job.result is not None
    assert job.result.stdout == ""  # refused before solving


@pytest.mark.parametrize(
    ("name", "out"),
    [
        ("wta-out-is-the-input", "inst.txt"),
        ("wta-out-is-the-input-by-another-path", "sub/../inst.txt"),
    ],
)
def test_wta_never_overwrites_its_input(
    cli: dict[str, Job], name: str, out: str
) -> None:
    """`wta FILE --out FILE --overwrite` exits 2 and leaves the instance as it was."""
    job = cli[name]
    _refused(job, f"--out {out}", "refusing to overwrite the instance file inst.txt")
    assert (job.folder / "inst.txt").read_text() == TINY_WTA


# --------------------------------------------------------------------------- replaced
# What may be replaced still is; these run skyscreen.cli.main in-process.


def test_overwrite_replaces_an_earlier_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, earlier: skyscreen.RunResult
) -> None:
    """`run --overwrite --events` replaces an earlier run whole, leaving nothing beside."""
    out = earlier.save(tmp_path / "run")
    assert not (out / "events.parquet").exists()
    assert (
        main(
            [
                "run",
                QUICKSTART,
                *RUN_FLAGS,
                "--out",
                str(out),
                "--overwrite",
                "--events",
            ]
        )
        == 0
    )
    assert capsys.readouterr().err == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (out / "events.parquet").is_file()
    assert json.loads((out / ".skyscreen").read_text())["kind"] == "run"


def test_overwrite_replaces_earlier_decisions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, spec: skyscreen.ScenarioSpec
) -> None:
    """`decisions --overwrite` replaces an earlier export (of another replication)."""
    out = tmp_path / "dec"
    export_decision_instances(spec, out, replication=1)
    assert main(["decisions", QUICKSTART, "--out", str(out), "--overwrite"]) == 0
    assert capsys.readouterr().err == ""
    names = sorted(p.name for p in out.iterdir())
    assert names[:2] == [".skyscreen", "index.csv"]
    assert names[2:]
    assert all("-r0-" in n for n in names[2:])  # replication 0's, not 1's
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dec"]


def test_overwrite_writes_into_an_empty_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An empty directory is written to with --overwrite."""
    out = tmp_path / "run"
    out.mkdir()
    assert main(["run", QUICKSTART, *RUN_FLAGS, "--out", str(out), "--overwrite"]) == 0
    assert capsys.readouterr().err == ""
    assert (out / "run.json").is_file()


def test_wta_overwrite_replaces_an_out_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`wta --out FILE --overwrite` replaces FILE with the assignment."""
    (tmp_path / "inst.txt").write_text(TINY_WTA)
    out = tmp_path / "a.csv"
    out.write_text("old\n")
    args = ["wta", str(tmp_path / "inst.txt"), "--out", str(out), "--overwrite"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""
    assert out.read_text() == "i,j,count\n0,0,1\n1,1,1\n2,2,1\n"


# --------------------------------------------------------------------------- Python API


def _tables() -> dict[str, pd.DataFrame | None]:
    return {"summary": pd.DataFrame({"replication": [0, 1]}), "events": None}


@pytest.fixture
def spec() -> skyscreen.ScenarioSpec:
    return skyscreen.load_scenario(QUICKSTART)


def test_write_run_dir_keeps_a_users_directory(tmp_path: Path) -> None:
    """overwrite=True refuses a user's directory, naming it and its entries."""
    out = _user_dir(tmp_path / "mine")
    before = _snapshot(tmp_path)
    with pytest.raises(RunDirectoryError) as info:
        write_run_dir(out, _tables(), {}, overwrite=True)
    assert str(info.value) == (
        f"{out}: refusing to overwrite a directory skyscreen did not write "
        "(contains sub/, thesis.txt)"
    )
    with pytest.raises(RunDirectoryError, match="--overwrite will not replace"):
        write_run_dir(out, _tables(), {})
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "user_file",
    ["notes.txt", "mine.parquet", "sub/", ".skyscreen-notes", "index.csv"],
)
def test_write_run_dir_keeps_a_user_file_in_a_run_directory(
    tmp_path: Path, user_file: str
) -> None:
    """A run directory holding anything a run does not write is not replaced."""
    out = write_run_dir(tmp_path / "run", _tables(), {})
    if user_file.endswith("/"):
        (out / user_file).mkdir()
    else:
        (out / user_file).write_text("mine")
    before = _snapshot(tmp_path)
    with pytest.raises(RunDirectoryError, match="also holds files skyscreen did not"):
        write_run_dir(out, _tables(), {}, overwrite=True)
    assert _snapshot(tmp_path) == before


def test_write_run_dir_replaces_what_skyscreen_wrote(
    tmp_path: Path, spec: skyscreen.ScenarioSpec
) -> None:
    """overwrite=True replaces an earlier run, one from before the marker, an export."""
    out = write_run_dir(tmp_path / "run", _tables(), {"x": 1})
    write_run_dir(out, _tables(), {"x": 2}, overwrite=True)
    assert json.loads((out / "run.json").read_text())["x"] == 2
    (out / ".skyscreen").unlink()  # as written before the marker existed
    write_run_dir(out, _tables(), {"x": 3}, overwrite=True)
    assert json.loads((out / "run.json").read_text())["x"] == 3
    export_decision_instances(spec, tmp_path / "dec")
    write_run_dir(tmp_path / "dec", _tables(), {}, overwrite=True)
    assert (tmp_path / "dec" / "run.json").is_file()
    (tmp_path / "empty").mkdir()
    write_run_dir(tmp_path / "empty", _tables(), {}, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dec", "empty", "run"]


def test_a_foreign_marker_is_a_user_file(tmp_path: Path) -> None:
    """A .skyscreen file that is not skyscreen's marker does not make a directory ours."""
    out = write_run_dir(tmp_path / "run", _tables(), {})
    (out / ".skyscreen").write_text("my editor settings")
    before = _snapshot(out)
    with pytest.raises(RunDirectoryError, match=r"did not write \(\.skyscreen\)"):
        write_run_dir(out, _tables(), {}, overwrite=True)
    assert _snapshot(out) == before
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / ".skyscreen").write_text('{"kind": "mine"}')
    with pytest.raises(RunDirectoryError, match=r"did not write \(contains \.sky"):
        check_out_dir(tmp_path / "cfg", overwrite=True)


def test_export_keeps_a_users_directory(
    tmp_path: Path, spec: skyscreen.ScenarioSpec
) -> None:
    """export_decision_instances(overwrite=True) refuses a user's directory."""
    out = _user_dir(tmp_path / "mine")
    before = _snapshot(tmp_path)
    with pytest.raises(SkyscreenError, match=r"mine: refusing to overwrite a dir"):
        export_decision_instances(spec, out, overwrite=True)
    assert _snapshot(tmp_path) == before


def test_export_keeps_a_user_file_in_an_export(
    tmp_path: Path, spec: skyscreen.ScenarioSpec
) -> None:
    """A .txt file that index.csv does not list is the user's: the export is kept."""
    out = tmp_path / "dec"
    export_decision_instances(spec, out)
    (out / "notes.txt").write_text("mine")
    before = _snapshot(tmp_path)
    with pytest.raises(
        RunDirectoryError, match=r"decisions directory .*\(notes\.txt\)"
    ):
        export_decision_instances(spec, out, overwrite=True)
    assert _snapshot(tmp_path) == before


def test_export_replaces_an_earlier_export(
    tmp_path: Path, spec: skyscreen.ScenarioSpec
) -> None:
    """overwrite=True replaces an export, also one written before the marker."""
    out = tmp_path / "dec"
    export_decision_instances(spec, out, replication=1)
    (out / ".skyscreen").unlink()
    paths = export_decision_instances(spec, out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".skyscreen", "index.csv", *(p.name for p in paths)]
    )
    marker = json.loads((out / ".skyscreen").read_text())
    assert marker == {"kind": "decisions", "skyscreen_version": skyscreen.__version__}


def test_protected_directories_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The working directory, its ancestors, home and root: never, even if ours."""
    run = write_run_dir(tmp_path / "run", _tables(), {})
    (run / "inner").mkdir()  # so the ancestor is ours in all but that: still refused
    monkeypatch.chdir(run)
    for out, what in [
        (".", "the current working directory"),
        (str(run), "the current working directory"),
    ]:
        with pytest.raises(RunDirectoryError, match=f"refusing to overwrite {what}"):
            write_run_dir(out, _tables(), {}, overwrite=True)
    monkeypatch.chdir(run / "inner")
    with pytest.raises(RunDirectoryError, match="an ancestor of the current working"):
        check_out_dir("..", overwrite=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(run))
    with pytest.raises(RunDirectoryError, match="refusing to overwrite the home"):
        check_out_dir(run, overwrite=True)
    with pytest.raises(RunDirectoryError, match="refusing to overwrite the filesystem"):
        check_out_dir(Path(tmp_path.anchor), overwrite=True)
    assert (run / "run.json").is_file()


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    """A link to an earlier run is not replaced (nor is what it points to)."""
    run = write_run_dir(tmp_path / "run", _tables(), {})
    (tmp_path / "link").symlink_to(run)
    before = _snapshot(run)
    with pytest.raises(RunDirectoryError, match="link: refusing to overwrite a symb"):
        write_run_dir(tmp_path / "link", _tables(), {}, overwrite=True)
    assert _snapshot(run) == before


def test_a_sweep_is_replaced_only_with_nothing_else_in_it(tmp_path: Path) -> None:
    """A sweep of run directories may be replaced; with a user's file in it, not."""
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / ".skyscreen").write_text('{"kind": "sweep", "skyscreen_version": "0"}')
    (sweep / "sweep.json").write_text("{}")
    write_run_dir(sweep / "p0", _tables(), {})
    check_out_dir(sweep, overwrite=True)
    (sweep / "p0" / "notes.txt").write_text("mine")
    with pytest.raises(RunDirectoryError, match=r"skyscreen sweep directory .*\(p0/\)"):
        check_out_dir(sweep, overwrite=True)


def test_a_file_added_while_writing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target is checked again just before it is replaced."""
    import pyarrow.parquet as pq

    out = write_run_dir(tmp_path / "run", _tables(), {})
    real = pq.write_table

    def meanwhile(*args: object, **kwargs: object) -> None:
        (out / "notes.txt").write_text("written during the run")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", meanwhile)
    with pytest.raises(RunDirectoryError, match=r"did not write \(notes\.txt\)"):
        write_run_dir(out, _tables(), {}, overwrite=True)
    assert (out / "notes.txt").read_text() == "written during the run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary left
