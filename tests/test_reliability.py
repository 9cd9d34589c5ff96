"""Outputs never destroy a user's data, and a run directory is whole or refused.

``--overwrite`` (and ``overwrite=True``) replaces only a directory skyscreen wrote and
that holds nothing else, or an empty one; never the working directory, an ancestor of
it, the home directory or the root. ``wta --out`` replaces an existing file only with
``--overwrite``, and never the instance it reads.

A writer killed outright leaves a temporary that the next write removes (never a live
writer's); a directory being written is marked incomplete, and ``load_run`` refuses it.
An output that cannot be written is refused before the run, and a write that fails (a
full disk, the file size limit) leaves nothing and keeps what was there. Two writers
racing for one directory never replace each other silently. ``load_run`` verifies
every file against the row counts and checksums in run.json and the schema, and
raises ResultSchemaError for anything else.

As in test_cli.py, the command lines start together in one module fixture (each start
costs a second or more of imports), each in its own folder; the tests read the results
and compare every folder byte for byte with what it held before.
"""

from __future__ import annotations

import doctest
import errno
import hashlib
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import skyscreen
import skyscreen.run
from skyscreen import _atomic
from skyscreen._atomic import INCOMPLETE, WriterRecord, temporary_path
from skyscreen.cli import main
from skyscreen.decisions import export_decision_instances
from skyscreen.errors import ResultSchemaError, RunDirectoryError, SkyscreenError
from skyscreen.io import check_out_dir, read_run_dir, write_run_dir
from skyscreen.scenario import example_path

QUICKSTART = str(example_path("quickstart"))
RUN_FLAGS = ["-n", "5", "--workers", "1", "--quiet"]
FILE_LIMIT = 40_000
"""``ulimit -f`` of the disk-full runs, in bytes."""
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
    cwd: Path, args: list[str], env: dict[str, str], file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``skyscreen ARGS`` in a fresh interpreter, under ``ulimit -f`` if given."""

    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=limit,
    )


@dataclass
class Job:
    """One command line, run in ``folder / cwd``; ``before`` is ``folder``'s snapshot."""

    args: list[str]
    folder: Path
    cwd: str = "."
    env: dict[str, str] = field(default_factory=dict)
    file_limit: int | None = None
    before: Snapshot = field(default_factory=dict)
    result: subprocess.CompletedProcess[str] | None = None

    def run(self) -> Job:
        self.result = _cli(
            self.folder / self.cwd, self.args, {**ENV, **self.env}, self.file_limit
        )
        return self


@pytest.fixture(scope="module")
def earlier() -> skyscreen.RunResult:
    """A real run, saved wherever a test needs an earlier run directory."""
    return skyscreen.simulate(
        QUICKSTART, replications=5, seed=1, workers=1, progress=False
    )


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of 200 replications with events, saved (read-only for the tests)."""
    res = skyscreen.simulate(
        QUICKSTART, replications=200, seed=2, workers=1, events=True, progress=False
    )
    return res.save(tmp_path_factory.mktemp("big") / "run")


@pytest.fixture(scope="module")
def cli(
    tmp_path_factory: pytest.TempPathFactory, earlier: skyscreen.RunResult, big: Path
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

    @job("run-existing-without-overwrite")
    def _(f: Path) -> Job:
        earlier.save(f / "run")
        return Job(["run", QUICKSTART, *RUN_FLAGS, "--out", "run"], f)

    @job("run-dot-overwrite")
    def _(f: Path) -> Job:  # an empty working directory: still never replaced
        (f / "here").mkdir()
        return Job(
            ["run", QUICKSTART, *RUN_FLAGS, "--out", ".", "--overwrite"], f, "here"
        )

    # ------------------------------------------------------------------ unwritable
    @job("run-out-under-a-file")
    def _(f: Path) -> Job:
        (f / "afile").write_text("mine\n")
        return Job(["run", QUICKSTART, *RUN_FLAGS, "--out", "afile/sub"], f)

    @job("decisions-out-under-a-file")
    def _(f: Path) -> Job:
        (f / "afile").write_text("mine\n")
        return Job(["decisions", QUICKSTART, "--out", "afile/sub/dec"], f)

    # ------------------------------------------------------------------ disk full
    # 40 kB: the small tables fit, events.parquet (about 80 kB) does not. The same
    # command without the limit compiles (and caches) the kernels first, so that the
    # limit meets only the run directory, not Numba's cache.
    full = ["run", QUICKSTART, "-n", "20", "--events", "--workers", "1", "--quiet"]

    @job("run-file-size-limit")
    def _(f: Path) -> Job:
        warm = _cli(root, [*full, "--out", str(f / "warm-up")], ENV)
        assert warm.returncode == 0, warm.stderr
        shutil.rmtree(f / "warm-up")
        return Job([*full, "--out", "out"], f, file_limit=FILE_LIMIT)

    @job("run-file-size-limit-overwrite")
    def _(f: Path) -> Job:
        shutil.copytree(big, f / "run")
        return Job([*full, "--out", "run", "--overwrite"], f, file_limit=FILE_LIMIT)

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
    with pytest.raises(RunDirectoryError, match="overwrite=True will not replace"):
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


# --------------------------------------------------------------------------- messages


def test_python_messages_name_overwrite_true(
    tmp_path: Path, cli: dict[str, Job]
) -> None:
    """Python says ``overwrite=True``; the command line says ``--overwrite``."""
    out = write_run_dir(tmp_path / "run", _tables(), {})
    with pytest.raises(RunDirectoryError) as info:
        write_run_dir(out, _tables(), {})
    assert "(use overwrite=True to replace it)" in str(info.value)
    assert "--overwrite" not in str(info.value)
    _refused(cli["run-existing-without-overwrite"], "run", "(use --overwrite to rep")


def test_overwrite_dot_is_refused(cli: dict[str, Job]) -> None:
    """`--out . --overwrite` is refused, even in an empty working directory."""
    _refused(cli["run-dot-overwrite"], ".", "the current working directory")


def test_doctests_leave_no_temporary_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Doctests that write files do it in a directory they remove."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    writes = ("tempfile", "write", "save(", "export", "mkdir")
    package = Path(skyscreen.__file__).parent
    ran = 0
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        examples = [ln for ln in source.splitlines() if ln.strip().startswith(">>>")]
        if not any(w in ln for ln in examples for w in writes):
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
        result = doctest.testmod(importlib.import_module(name), optionflags=flags)
        assert result.failed == 0, name
        ran += result.attempted
    assert ran > 0
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- killed


def _dead_writer() -> tuple[int, str]:
    """PID and start time of a process that has ended (and been waited for)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    start = _atomic._start_of(proc.pid)
    assert start is not None
    proc.communicate(b"")
    return proc.pid, start


def _fake_temporary(path: Path, size: int = 1000) -> Path:
    path.mkdir()
    (path / "summary.parquet").write_bytes(b"x" * size)
    return path


def test_the_next_write_removes_only_dead_writers_temporaries(tmp_path: Path) -> None:
    """Temporaries of dead writers go; those of live ones (or unknown) stay."""
    pid, start = _dead_writer()
    own = _atomic._start_of(os.getpid())
    assert own is not None
    dead = _fake_temporary(temporary_path(tmp_path / "run", pid=pid, start=start))
    dead_old = _fake_temporary(temporary_path(tmp_path / "a", "old", pid, start))
    reused = _fake_temporary(  # this PID, but a process started at another time
        temporary_path(tmp_path / "b", pid=os.getpid(), start=str(int(own) + 1))
    )
    live = _fake_temporary(temporary_path(tmp_path / "run"))  # this process
    foreign = _fake_temporary(  # another host's writer: cannot be checked
        tmp_path / f".run.tmp-00000000-{pid}-{start}-0123abcd"
    )
    legacy = _fake_temporary(tmp_path / ".run.tmp-0123abcd")  # a name without a writer
    user = tmp_path / f".notes.tmp-{dead.name.split('tmp-')[1]}x"
    user.write_text("mine")
    write_run_dir(tmp_path / "run", _tables(), {})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["run", live.name, foreign.name, legacy.name, user.name]), (
        left
    )
    for gone in (dead, dead_old, reused):
        assert not gone.exists(), gone


_KILLED_WRITER = """
import os, signal, sys
import pandas as pd
import pyarrow.parquet as pq
from skyscreen.io import write_run_dir
real = pq.write_table
def write_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
pq.write_table = write_then_die
write_run_dir(sys.argv[1], {"summary": pd.DataFrame({"replication": [0, 1]})}, {})
"""


def test_a_killed_writer_leaves_an_incomplete_directory_that_is_cleaned_up(
    tmp_path: Path,
) -> None:
    """SIGKILL mid-write: the temporary says incomplete, and the next write removes it.

    ``load_run`` refuses it naming the dead writer; ``overwrite`` recognises it (moved
    to a visible name) as skyscreen's.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(tmp_path / "run")],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == -9, stderr
    (tmp,) = tmp_path.iterdir()
    assert tmp.name.startswith(".run.tmp-")
    marker = json.loads((tmp / INCOMPLETE).read_text())
    assert marker["writer_pid"] == proc.pid
    with pytest.raises(ResultSchemaError) as info:
        skyscreen.load_run(tmp)
    assert str(info.value).startswith(
        f"{tmp}: incomplete run (writer PID {proc.pid} started "
        f"{marker['started_at']}; died): it was interrupted; re-run it"
    )
    moved = tmp_path / "moved"
    shutil.copytree(tmp, moved)  # a user gave it a visible name
    with pytest.raises(ResultSchemaError, match="moved: incomplete run"):
        skyscreen.load_run(moved)
    with pytest.raises(RunDirectoryError, match="got an existing non-empty dir"):
        check_out_dir(moved)
    check_out_dir(moved, overwrite=True)
    write_run_dir(moved, _tables(), {}, overwrite=True)
    assert not (moved / INCOMPLETE).exists()
    write_run_dir(tmp_path / "run", _tables(), {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moved", "run"]


def test_a_directory_being_written_is_incomplete(tmp_path: Path) -> None:
    """A live writer's directory: load_run says so, and overwrite refuses it."""
    out = write_run_dir(tmp_path / "run", _tables(), {})
    (out / INCOMPLETE).write_text(WriterRecord.current().to_json())
    with pytest.raises(ResultSchemaError) as info:
        skyscreen.load_run(out)
    assert f"(writer PID {os.getpid()} started " in str(info.value)
    assert "; still running): it is still being written" in str(info.value)
    before = _snapshot(out)
    with pytest.raises(RunDirectoryError, match="a directory skyscreen is still writ"):
        write_run_dir(out, _tables(), {}, overwrite=True)
    assert _snapshot(out) == before
    (out / INCOMPLETE).write_text("not a writer record")  # a user's file now
    with pytest.raises(RunDirectoryError, match=r"did not write \(incomplete\)"):
        write_run_dir(out, _tables(), {}, overwrite=True)


def test_writing_marks_the_directory_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While tables are written the directory names its writer; then it does not."""
    seen: list[dict[str, Any]] = []
    real = pq.write_table

    def spy(table: Any, where: Any, **kwargs: Any) -> None:
        seen.append(json.loads((Path(where).parent / INCOMPLETE).read_text()))
        real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", spy)
    out = write_run_dir(tmp_path / "run", _tables(), {})
    assert seen
    assert seen[0]["writer_pid"] == os.getpid()
    assert not (out / INCOMPLETE).exists()


# --------------------------------------------------------------------------- unwritable


def test_an_out_under_a_file_is_refused_before_running(cli: dict[str, Job]) -> None:
    """`--out afile/sub`: exit 2 naming the path before anything runs."""
    for name, out in [
        ("run-out-under-a-file", "afile/sub"),
        ("decisions-out-under-a-file", "afile/sub/dec"),
    ]:
        job = cli[name]
        _refused(job, out, f"cannot be created: {job.folder / 'afile'} is a file")
        assert job.result is not None
        assert job.result.stdout == ""


def test_a_read_only_parent_is_refused_before_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parent that takes no new file: exit 2 naming the path, nothing simulated.

    As root a read-only mode does not stop a write, so there the kernel's refusal
    (EACCES from mkdir under the directory) is made in-process.
    """
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
    else:
        real = os.mkdir

        def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
            if ro in Path(path).parents:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
            real(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", mkdir)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before the output was checked")

    monkeypatch.setattr(skyscreen.run, "simulate", never)
    out = ro / "sub" / "run"
    try:
        assert main(["run", QUICKSTART, *RUN_FLAGS, "--out", str(out)]) == 2
    finally:
        ro.chmod(0o755)
    err = capsys.readouterr().err
    assert err == (
        f"error: {out}: cannot be written: {ro} does not take a new file "
        "(permission denied)\n"
    )
    assert list(ro.iterdir()) == []


# --------------------------------------------------------------------------- disk full


def test_a_file_size_limit_leaves_nothing(cli: dict[str, Job]) -> None:
    """`ulimit -f` during the write: exit 2 naming the path, nothing left behind."""
    job = cli["run-file-size-limit"]
    _refused(job, "out", "could not be written", "file size limit")


def test_a_file_size_limit_keeps_the_earlier_run(cli: dict[str, Job]) -> None:
    """`ulimit -f` under --overwrite: the earlier run is as it was, and loads."""
    job = cli["run-file-size-limit-overwrite"]
    _refused(job, "run", "could not be written", "the directory that was there is")
    skyscreen.load_run(job.folder / "run")


def test_a_full_disk_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC from the writer: RunDirectoryError naming the path; the old run kept."""
    out = write_run_dir(tmp_path / "run", _tables(), {"x": 1})
    before = _snapshot(tmp_path)
    real = pq.write_table

    def full(table: Any, where: Any, **kwargs: Any) -> None:
        real(table, where, **kwargs)
        raise OSError(errno.ENOSPC, "Error writing bytes to file")

    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(RunDirectoryError) as info:
        write_run_dir(out, _tables(), {"x": 2}, overwrite=True)
    assert str(info.value) == (
        f"{out}: could not be written (no space left on the device); nothing was "
        "left behind; the directory that was there is as it was"
    )
    assert _snapshot(tmp_path) == before


# --------------------------------------------------------------- item 9: memory at import
# Under `ulimit -v` the first thing to fail is loading a library: NumPy for validate,
# numba's llvmlite (a large shared object) for run. Each must be a memory error, exit
# 2, not a traceback. The limits are set between what the process has mapped before
# and after that library loads, measured here (they differ between machines).

_FOOTPRINT = """
import re, sys
def size():
    return int(re.search(r"VmSize:\\s+(\\d+) kB", open("/proc/self/status").read())[1])
out = [size()]
import skyscreen.scenario
out.append(size())
import skyscreen.io, skyscreen.analysis.stats, scipy.stats
assert "numba" not in sys.modules
out.append(size())
import numba
out.append(size())
print(*out)
"""


def _under_address_space_limit(
    cwd: Path, args: list[str], limit_kib: int
) -> subprocess.CompletedProcess[str]:
    """``skyscreen ARGS`` in a fresh interpreter under ``ulimit -v LIMIT_KIB``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_kib << 10, limit_kib << 10))

    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )


def _out_of_memory(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: not enough memory"), lines[0]
    assert "ulimit -v" in lines[0], lines[0]


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not Path("/proc/self/status").is_file(),
    reason="reads /proc",
)
def test_libraries_that_do_not_fit_in_memory_are_a_clear_error(tmp_path: Path) -> None:
    """Under a `ulimit -v` too small for their libraries validate and run exit 2.

    The limit for validate stops NumPy loading; the one for run stops numba's
    llvmlite, which validate does not need (it still succeeds under that limit).
    """
    # The command line lets OpenBLAS start no threads under an address-space limit;
    # measure as it will run.
    env = {**ENV, "OPENBLAS_NUM_THREADS": "1"}
    measured = subprocess.run(
        [sys.executable, "-c", _FOOTPRINT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    bare, scenario, before_numba, with_numba = map(int, measured.stdout.split())
    numpy_limit = (bare + scenario) // 2
    numba_limit = (before_numba + with_numba) // 2
    out = str(tmp_path / "out")
    jobs = {
        "validate-no-numpy": (["validate", QUICKSTART], numpy_limit),
        "validate-no-numba": (["validate", QUICKSTART], numba_limit),
        "run-no-numba": (
            ["run", QUICKSTART, "-n", "2", "--workers", "1", "--quiet", "--out", out],
            numba_limit,
        ),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = {
            name: pool.submit(_under_address_space_limit, tmp_path, args, limit)
            for name, (args, limit) in jobs.items()
        }
        results = {name: future.result() for name, future in done.items()}
    _out_of_memory(results["validate-no-numpy"])
    assert "to load skyscreen's libraries" in results["validate-no-numpy"].stderr
    ok = results["validate-no-numba"]
    assert (ok.returncode, ok.stdout) == (0, "ok\n"), ok.stderr  # no numba needed
    _out_of_memory(results["run-no-numba"])
    assert "libraries" in results["run-no-numba"].stderr
    assert not (tmp_path / "out").exists()


def test_import_skyscreen_loads_no_heavy_library() -> None:
    """`import skyscreen` and `import skyscreen.cli`: the standard library only.

    So a library that cannot be loaded fails inside the command line's main, which
    reports it; and every public name is still there, loaded when first used.
    """
    script = (
        "import sys, skyscreen, skyscreen.cli\n"
        "heavy = {'numpy', 'scipy', 'pandas', 'pyarrow', 'numba', 'llvmlite',"
        " 'pydantic', 'yaml', 'rich'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not heavy, sorted(heavy)\n"
        "assert skyscreen.load_scenario.__module__ == 'skyscreen.scenario.load'\n"
        "assert issubclass(skyscreen.InsufficientMemoryError, MemoryError)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- tampered


def _rerecord(out: Path, name: str) -> None:
    """Record ``name``'s present rows and checksum in run.json (as a forger would)."""
    meta = json.loads((out / "run.json").read_text())
    rows = pq.read_metadata(out / name).num_rows
    digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
    meta["files"][name] = {"rows": rows, "sha256": digest}
    (out / "run.json").write_text(json.dumps(meta))


def _edit_meta(out: Path, **changes: Any) -> None:
    meta = json.loads((out / "run.json").read_text())
    meta.update(changes)
    (out / "run.json").write_text(json.dumps(meta))


def _load_fails(out: Path, *words: str) -> str:
    with pytest.raises(ResultSchemaError) as info:
        skyscreen.load_run(out)
    msg = str(info.value)
    for word in words:
        assert word in msg, (word, msg)
    return msg


def test_load_run_refuses_a_deleted_table(big: Path, tmp_path: Path) -> None:
    """events.parquet deleted while run.json lists it; or unlisted as well."""
    out = shutil.copytree(big, tmp_path / "run")
    (out / "events.parquet").unlink()
    _load_fails(out, f"{out}: must hold events.parquet, which run.json lists")
    meta = json.loads((out / "run.json").read_text())
    del meta["files"]["events.parquet"]
    (out / "run.json").write_text(json.dumps(meta))
    _load_fails(out, "events is true but files does not list events.parquet")


def test_load_run_refuses_a_cut_table(big: Path, tmp_path: Path) -> None:
    """summary.parquet cut to 10 of 200 rows: checksum, rows, replications."""
    out = shutil.copytree(big, tmp_path / "run")
    pd.read_parquet(out / "summary.parquet").head(10).to_parquet(
        out / "summary.parquet", index=False
    )
    _load_fails(out, f"{out / 'summary.parquet'}: SHA-256 checksum differs")
    meta = json.loads((out / "run.json").read_text())
    rows = meta["files"]["summary.parquet"]["rows"]
    _rerecord(out, "summary.parquet")
    meta = json.loads((out / "run.json").read_text())
    meta["files"]["summary.parquet"]["rows"] = rows
    (out / "run.json").write_text(json.dumps(meta))
    _load_fails(out, "summary.parquet: must have the 200 rows run.json records; got 10")
    _rerecord(out, "summary.parquet")
    _load_fails(out, "replications must be the 10 rows of summary.parquet; got int 200")


def test_load_run_refuses_a_table_of_another_run(big: Path, tmp_path: Path) -> None:
    """drones.parquet of another scenario; events.parquet added to a run without."""
    other = skyscreen.simulate(
        example_path("two-sites"), replications=3, seed=1, workers=1, progress=False
    ).save(tmp_path / "other")
    out = shutil.copytree(big, tmp_path / "run")
    shutil.copyfile(other / "drones.parquet", out / "drones.parquet")
    _load_fails(out, "drones.parquet: SHA-256 checksum differs", "another run")
    shutil.copyfile(big / "events.parquet", other / "events.parquet")
    _load_fails(other, "events.parquet: run.json does not list it")


def test_load_run_refuses_a_column_of_the_wrong_type(big: Path, tmp_path: Path) -> None:
    """n_killed stored as float: the checksum, and the schema if re-recorded."""
    out = shutil.copytree(big, tmp_path / "run")
    df = pd.read_parquet(out / "summary.parquet")
    df["n_killed"] = df["n_killed"].astype(float)
    df.to_parquet(out / "summary.parquet", index=False)
    _load_fails(out, "summary.parquet: SHA-256 checksum differs")
    _rerecord(out, "summary.parquet")
    _load_fails(out, "summary.parquet: column n_killed must be int (int64); got double")
    df.drop(columns="n_killed").assign(extra=1).to_parquet(out / "summary.parquet")
    _rerecord(out, "summary.parquet")
    _load_fails(out, "summary.parquet: must have columns ['n_killed']; got none")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"files": ["summary.parquet"]}, "files must map each Parquet file"),
        ({"files": {"summary.parquet": "x"}}, "files['summary.parquet'].rows must"),
        ({"files": {"tracks.parquet": {}}}, "files must name tables of schema"),
        ({"scenario": None}, "scenario must be a JSON object"),
        ({"seed": "7"}, "seed must be an integer >= 0; got str '7'"),
    ],
)
def test_load_run_refuses_a_damaged_run_json(
    big: Path, tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    """run.json without what a run records: ResultSchemaError, not KeyError & co."""
    out = shutil.copytree(big, tmp_path / "run")
    _edit_meta(out, **change)
    _load_fails(out, f"{out / 'run.json'}: ", words)
    meta = json.loads((out / "run.json").read_text())
    del meta["scenario"]
    (out / "run.json").write_text(json.dumps(meta))
    _load_fails(out, "scenario must be a JSON object")


def test_load_run_refuses_damaged_files_and_nothing_else(
    big: Path, tmp_path: Path
) -> None:
    """Truncated at many lengths, a byte flipped, run.json binary: ResultSchemaError.

    Never another exception (ArrowInvalid, UnicodeDecodeError, ...), and never a run.
    """
    out = shutil.copytree(big, tmp_path / "run")
    cases = 0
    for f in sorted(out.iterdir()):
        if f.name == ".skyscreen":
            continue
        data = f.read_bytes()
        n = len(data)
        variants = [
            data[:k] for k in sorted({0, 1, 4, 8, n // 3, n // 2, n - 9, n - 2})
        ]
        if f.suffix == ".parquet":
            for at in sorted({0, 3, 4, n // 4, n // 2, n - 8, n - 5, n - 1}):
                flipped = bytearray(data)
                flipped[at] ^= 0x40
                variants.append(bytes(flipped))
        else:
            variants.append(bytes(range(256)) * 4)
            variants.append(data.replace(b'"seed"', b'"se\xffed"'))
        for variant in variants:
            f.write_bytes(variant)
            with pytest.raises(ResultSchemaError, match=rf"{f.name}: "):
                skyscreen.load_run(out)
            cases += 1
        f.write_bytes(data)
    assert cases > 50
    skyscreen.load_run(out)  # restored: whole again


# --------------------------------------------------------------------------- races


def _run_meta(earlier: skyscreen.RunResult, writer: int) -> dict[str, Any]:
    return {
        **earlier.meta,
        "scenario": earlier.scenario.model_dump(mode="json", by_alias=True),
        "writer": writer,
    }


def _race(
    out: Path,
    earlier: skyscreen.RunResult,
    overwrite: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> list[BaseException | None]:
    """Two writers of ``out`` in threads, both past every check before either renames.

    Both wait, after writing their last table, until the other has done so too, and
    every rename through ``os`` takes 50 ms longer, so that a check made before a
    rename without a lock is out of date by the time of the rename.
    """
    barrier = threading.Barrier(2, timeout=60)
    real = pq.write_table

    def slow(rename: Callable[..., None]) -> Callable[..., None]:
        def later(*args: Any, **kwargs: Any) -> None:
            time.sleep(0.05)
            rename(*args, **kwargs)

        return later

    monkeypatch.setattr(os, "replace", slow(os.replace))
    monkeypatch.setattr(os, "rename", slow(os.rename))

    def together(table: Any, where: Any, **kwargs: Any) -> None:
        real(table, where, **kwargs)
        if Path(where).name == "assets.parquet":
            barrier.wait()

    monkeypatch.setattr(pq, "write_table", together)
    tables = {name: getattr(earlier, name) for name in skyscreen.schema.TABLES}
    outcome: list[BaseException | None] = [None, None]

    def write(i: int) -> None:
        try:
            write_run_dir(out, tables, _run_meta(earlier, i), overwrite=overwrite)
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            outcome[i] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


@pytest.fixture(params=["renameat2", "lock"])
def rename(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of the final rename: renameat2 (Linux) and the locked fallback."""
    if request.param == "lock":
        monkeypatch.setattr(_atomic, "_renameat2", None)
    elif _atomic._renameat2 is None:
        pytest.skip("renameat2 is not available here")
    return str(request.param)


def test_two_writers_of_one_new_directory(
    tmp_path: Path,
    earlier: skyscreen.RunResult,
    monkeypatch: pytest.MonkeyPatch,
    rename: str,
) -> None:
    """Without overwrite exactly one wins; the other gets a clear error naming it."""
    for round_ in range(3):
        out = tmp_path / f"run{round_}"
        outcome = _race(out, earlier, False, monkeypatch)
        errors = [e for e in outcome if e is not None]
        assert len(errors) == 1, outcome
        (error,) = errors
        assert type(error) is RunDirectoryError, repr(error)
        assert str(error) == (
            f"{out}: another process wrote there while these results were being "
            "written; what it wrote was kept and these results were discarded (use "
            "overwrite=True to replace a directory skyscreen wrote)"
        )
        winner = outcome.index(None)
        _, meta = read_run_dir(out)
        assert meta["writer"] == winner
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run0", "run1", "run2"]


def test_two_writers_overwriting_one_directory(
    tmp_path: Path,
    earlier: skyscreen.RunResult,
    monkeypatch: pytest.MonkeyPatch,
    rename: str,
) -> None:
    """With overwrite both succeed, one after the other; no raw OSError, no debris."""
    out = earlier.save(tmp_path / "run")
    for _ in range(3):
        outcome = _race(out, earlier, True, monkeypatch)
        assert outcome == [None, None]
        _, meta = read_run_dir(out)
        assert meta["writer"] in (0, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ------------------------------------------------------------ item 11: WTA sizes


@pytest.mark.parametrize("head", ["2 2 1000000000", "2 2 100000"])
def test_wta_refuses_a_huge_weapon_count_at_once(tmp_path: Path, head: str) -> None:
    """A tiny file naming a huge per-weapon count is refused in moments, exit 2."""
    inst = tmp_path / "huge.txt"
    inst.write_text(f"{head}\n1\n1\n0 0 0.5\n1 1 0.5\n", encoding="utf-8")
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", "wta", str(inst)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "exceeds 100000" in proc.stderr
    assert str(inst) in proc.stderr
    assert time.monotonic() - t0 < 30


def test_solve_wta_bounds_the_number_of_weapons() -> None:
    """solve_wta refuses capacities summing past MAX_WEAPONS with a ModelError."""
    from skyscreen.c2 import solve_wta
    from skyscreen.c2.wta import MAX_WEAPONS
    from skyscreen.errors import ModelError

    with pytest.raises(ModelError, match=f"at most {MAX_WEAPONS} weapons; got"):
        solve_wta([1.0, 1.0], [[0.5, 0.5], [0.5, 0.5]], [MAX_WEAPONS, 1])


# ------------------------------------------------ item 10 (ids) and 20 (small ones)


def test_decisions_refuses_a_replication_id_beyond_the_streams(tmp_path: Path) -> None:
    """An id past 2**32 - 1 (or past int64) is a usage error naming the limit."""
    for big in ("99999999999999999999", str(2**32)):
        proc = subprocess.run(
            [sys.executable, "-m", "skyscreen.cli", "decisions",
             QUICKSTART, "--out", str(tmp_path / "d"),
             "--replication", big],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "4294967295" in proc.stderr


def test_simulate_refuses_replication_ids_beyond_the_streams() -> None:
    """Ids that would repeat another id's random numbers are refused, not aliased."""
    import skyscreen

    spec = skyscreen.load_scenario(QUICKSTART)
    for bad in ([2**32], [10**20], [True]):
        with pytest.raises(skyscreen.SkyscreenError, match="replication ids must be"):
            skyscreen.simulate(spec, replications=bad, workers=1, progress=False)


def test_mean_intervals_of_counts_stay_in_their_support() -> None:
    """At small n the t interval of a count is clipped at 0, not negative."""
    import pandas as pd

    from skyscreen.analysis.stats import summary_stats
    from skyscreen.schema import SUMMARY_COLUMNS

    summary = pd.DataFrame({c: [0, 0, 5] for c in SUMMARY_COLUMNS})
    out = summary_stats(summary, pd.DataFrame())
    assert (out["ci_low"] >= 0.0).all()
    assert out.loc[out["metric"] == "n_leaked", "ci_high"].item() > 5 / 3
