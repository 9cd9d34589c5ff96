"""The `skyscreen` command: exit codes, exact messages on stderr, no leftover results.

Bad input goes through the real command in a subprocess. Every start costs more than a
second of imports, so :func:`cli` starts those command lines together and the tests read
the results; the other commands run :func:`skyscreen.cli.main` in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from skyscreen.cli import main
from skyscreen.scenario import example_names, example_path, read_scenario_data

Result = subprocess.CompletedProcess[str]
Job = tuple[Result, list[str]]
"""A command's result and what its own folder (its --out goes there) holds after it."""

QUICKSTART = str(example_path("quickstart"))
RUN_FLAGS = ["-n", "2", "--workers", "1", "--quiet"]
RUN_FILES = [
    ".skyscreen",
    "assets.parquet",
    "drones.parquet",
    "effectors.parquet",
    "run.json",
    "summary.parquet",
]
# SKYSCREEN_DEBUG turns an internal error into a traceback; test what users see.
ENV = {k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"}


def _quickstart_with(edit: Callable[[dict[str, Any]], Any]) -> str:
    data = read_scenario_data(QUICKSTART)
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


def _alias_flood() -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _drone(data: dict[str, Any]) -> dict[str, Any]:
    return data["raids"][0]["drone"]  # type: ignore[no-any-return]


# name -> (file name, its contents or None for no file, the message after "FILE: ")
BAD_INPUTS: dict[str, tuple[str, str | bytes | None, str]] = {
    "missing-field": (
        "missing-field.yaml",
        _quickstart_with(lambda d: d.pop("origin")),
        "origin is required; got nothing",
    ),
    "wrong-type": (
        "wrong-type.yaml",
        _quickstart_with(lambda d: _drone(d).update(speed_mps="fast")),
        "raids[0].drone.speed_mps must be a number; got 'fast'",
    ),
    "negative-speed": (
        "negative-speed.yaml",
        _quickstart_with(lambda d: _drone(d).update(speed_mps=-5.0)),
        "raids[0].drone.speed_mps must be > 0.0; got -5.0",
    ),
    "unknown-kind": (
        "unknown-kind.yaml",
        _quickstart_with(
            lambda d: d["sites"][0]["effectors"][0].update(kind="railgun")
        ),
        (
            "sites[0].effectors[0].kind must be one of ['gun', 'missile', 'jammer', "
            "'laser', 'microwave', 'interceptor']; got 'railgun'"
        ),
    ),
    "dangling-reference": (
        "dangling-reference.yaml",
        _quickstart_with(lambda d: d["raids"][0].update(target={"asset": "fule"})),
        (
            "raids[0].target.asset must name an asset; got unknown asset 'fule'; "
            "known: ['fuel']"
        ),
    ),
    "huge-file": (
        "huge.yaml",
        b"#" * 30_000_000,
        "file must be at most 5,000,000 bytes; got 30,000,000 bytes",
    ),
    "alias-flood": (
        "lol.yaml",
        _alias_flood(),
        "must expand to at most 1,000,000 YAML nodes; got more (an alias flood?)",
    ),
    "python-tag": (
        "evil.yaml",
        '!!python/object/apply:os.system ["touch pwned"]\n',
        (
            "line 1: tag '!!python/object/apply:os.system' is not allowed: scenario "
            "files are plain data (mappings, lists, strings, numbers, booleans)"
        ),
    ),
    "non-mapping": (
        "list.yaml",
        "- quickstart\n- two-sites\n",
        "must be a mapping at the top level; got a list",
    ),
    "empty-file": ("empty.yaml", "", "is empty; expected a scenario mapping"),
    "missing-path": ("missing.yaml", None, "file not found"),
}
# `run` reads a scenario exactly as `validate` does; these cover its failure path with a
# field error, a refused tag (that must not run) and an alias flood.
RUN_BAD = ["negative-speed", "python-tag", "alias-flood"]


def _cli(cwd: Path, *args: str) -> Result:
    """Run ``skyscreen ARGS`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _listing(folder: Path) -> list[str]:
    """Every path under ``folder``, relative and sorted (hidden ones too)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _job(root: Path, job: str, args: list[str]) -> Job:
    """Run one command line in ``root``, its ``--out`` inside ``root/job``."""
    folder = root / job
    folder.mkdir()
    if "--out" in args:
        i = args.index("--out") + 1
        args = [*args[:i], f"{job}/{args[i]}", *args[i + 1 :]]
    return _cli(root, *args), _listing(folder)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every bad input file."""
    root = tmp_path_factory.mktemp("cli")
    for file_name, contents, _ in BAD_INPUTS.values():
        if isinstance(contents, bytes):
            (root / file_name).write_bytes(contents)
        elif contents is not None:
            (root / file_name).write_text(contents, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cli(workdir: Path) -> dict[str, Job]:
    """Every subprocess of this module, started together; their results by job name."""
    jobs: dict[str, list[str]] = {
        # The slowest job first, so that it does not finish last.
        "run-ok": ["run", QUICKSTART, "--out", "run", "-n", "5", *RUN_FLAGS[2:]],
        "validate-ok": ["validate", QUICKSTART],
    }
    for name, (file_name, _, _) in BAD_INPUTS.items():
        jobs[f"validate-{name}"] = ["validate", file_name]
    for name in RUN_BAD:
        jobs[f"run-{name}"] = ["run", BAD_INPUTS[name][0], "--out", "run", *RUN_FLAGS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {
            job: pool.submit(_job, workdir, job, args) for job, args in jobs.items()
        }
        return {job: f.result() for job, f in futures.items()}


def _assert_clean_failure(result: Result, lines: list[str]) -> None:
    """Exit 2, exactly ``lines`` on stderr, nothing on stdout, no traceback."""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == lines
    assert result.stdout == ""
    assert result.returncode == 2


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_validate_rejects_bad_input(cli: dict[str, Job], name: str) -> None:
    """`validate` on a bad input exits 2 with one exact line naming file and field."""
    file_name, _, message = BAD_INPUTS[name]
    result, _ = cli[f"validate-{name}"]
    _assert_clean_failure(result, [f"error: {file_name}: {message}"])


@pytest.mark.parametrize("name", RUN_BAD)
def test_run_rejects_bad_input_and_leaves_nothing(
    cli: dict[str, Job], name: str
) -> None:
    """`run` on a bad input exits 2 with the same line and writes nothing at all."""
    file_name, _, message = BAD_INPUTS[name]
    result, left = cli[f"run-{name}"]
    _assert_clean_failure(result, [f"error: {file_name}: {message}"])
    assert left == []  # no run directory, and no .run.tmp-* beside it


def test_a_python_tag_never_runs(cli: dict[str, Job], workdir: Path) -> None:
    """The os.system call of the !!python tag ran neither under validate nor run."""
    assert cli["validate-python-tag"][0].returncode == 2
    assert cli["run-python-tag"][0].returncode == 2
    assert not list(workdir.rglob("pwned"))


# --------------------------------------------------------------------------- good input


def test_validate_says_ok(cli: dict[str, Job]) -> None:
    """`validate` on a good scenario prints "ok" and exits 0."""
    result, _ = cli["validate-ok"]
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_run_writes_exactly_the_run_files(cli: dict[str, Job]) -> None:
    """`run -n 5 --out DIR` exits 0; DIR holds run.json, four tables and the marker."""
    result, left = cli["run-ok"]
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "quickstart: 5 replications, seed 1" in result.stdout
    # Nothing beside DIR either: the temporary folder was renamed into place.
    assert left == ["run", *(f"run/{name}" for name in RUN_FILES)]


# --------------------------------------------------------------------------- in-process


@pytest.mark.parametrize("name", example_names())
def test_validate_accepts_every_example(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """`validate` prints "ok" and returns 0 for each bundled example."""
    assert main(["validate", str(example_path(name))]) == 0
    assert capsys.readouterr() == ("ok\n", "")


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`schema` prints the scenario JSON Schema as JSON."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "skyscreen scenario"
    assert "RaidSpec" in schema["$defs"]


def test_examples_lists_the_bundled_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`examples` lists each bundled example by name, then its path."""
    assert main(["examples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[::2]] == [
        "coastal-airbase",
        "jammer-vs-autonomy",
        "layered-defence",
        "night-raid",
        "quickstart",
        "two-sites",
    ]
    assert [line.strip() for line in lines[1::2]] == [
        str(example_path(name)) for name in example_names()
    ]


def test_examples_copy_copies_then_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`examples --copy DIR` copies the examples, then exits 2 leaving them as they are."""
    dest = tmp_path / "copied"
    assert main(["examples", "--copy", str(dest)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        str(dest / f"{name}.yaml") for name in example_names()
    ]
    for name in example_names():
        assert (dest / f"{name}.yaml").read_bytes() == example_path(name).read_bytes()
    (dest / "quickstart.yaml").write_text("edited")
    assert main(["examples", "--copy", str(dest)]) == 2
    assert capsys.readouterr() == (
        "",
        (
            f"error: {dest}: must not already hold the examples; got "
            f"{example_names()} there\n"
        ),
    )
    assert (dest / "quickstart.yaml").read_text() == "edited"


def test_run_replaces_a_non_empty_out_only_with_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`run` into an earlier run exits 2; with --overwrite --events it replaces it."""
    out = tmp_path / "run"
    args = ["run", QUICKSTART, *RUN_FLAGS, "--out", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    assert capsys.readouterr() == (
        "",
        (
            f"error: {out}: must be empty or new; got an existing non-empty directory "
            "(use --overwrite to replace it)\n"
        ),
    )
    assert _listing(tmp_path) == ["run", *(f"run/{name}" for name in RUN_FILES)]
    assert main([*args, "--overwrite", "--events"]) == 0
    # Replaced whole, with the event table, and no temporary or old folder beside it.
    assert _listing(tmp_path) == sorted(
        ["run", "run/events.parquet", *(f"run/{name}" for name in RUN_FILES)]
    )


def test_run_on_an_unreachable_scheduler_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`run --scheduler` with no scheduler there exits 2 naming it, writing nothing."""
    import socket

    import skyscreen.executors.dask

    monkeypatch.setattr(skyscreen.executors.dask, "CONNECT_TIMEOUT_S", 1.0)

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "run"
    address = f"tcp://127.0.0.1:{port}"
    args = ["run", QUICKSTART, "--out", str(out), *RUN_FLAGS, "--scheduler", address]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert address in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_zero_replications(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`run -n 0` exits 2 with the usage and a one-line reason."""
    with pytest.raises(SystemExit) as info:
        main(["run", QUICKSTART, "--out", str(tmp_path / "run"), "-n", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: skyscreen run")
    assert err.splitlines()[-1] == (
        "error: argument -n/--replications: must be >= 1; got 0"
    )
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ wta, decisions

TINY_WTA = "3 4 1\n10\n8\n5\n1\n0 0 0.5\n0 1 0.4\n1 1 0.6\n1 2 0.3\n2 2 0.9\n2 3 0.2\n"


@pytest.mark.parametrize("method", ["greedy", "improve", "exact", "brute"])
def test_wta_solves_an_instance_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, method: str
) -> None:
    """`wta FILE --out A.csv` prints the result and writes the non-zero counts."""
    inst = tmp_path / "tiny.txt"
    inst.write_text(TINY_WTA)
    out = tmp_path / "sub" / "a.csv"
    assert main(["wta", str(inst), "--method", method, "--out", str(out)]) == 0
    lines = dict(
        line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines()
    )
    # Optimal: type 0 on target 0, 1 on 1, 2 on 2: 5 + 3.2 + 0.5 + 1 = 9.7.
    assert lines["objective"] == "9.700000"
    assert out.read_text() == "i,j,count\n0,0,1\n1,1,1\n2,2,1\n"
    if method in ("exact", "brute"):
        assert lines["status"] == "optimal"
    assert [p.name for p in out.parent.iterdir()] == ["a.csv"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "must be a readable instance file; got No such file or directory"),
        ("3 4\n", ":1: expected 'W T mu' (three integers); got '3 4'"),
        ("1 1 1\n5\n0 0 1.5\n", ":3: expected p_ij in [0, 1]; got '0 0 1.5'"),
    ],
)
def test_wta_rejects_bad_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    text: str | None,
    message: str,
) -> None:
    """A missing or malformed instance exits 2 with the file, the line and the reason."""
    inst = tmp_path / "bad.txt"
    if text is not None:
        inst.write_text(text)
    assert main(["wta", str(inst), "--out", str(tmp_path / "a.csv")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {inst}{message if message[0] == ':' else ': ' + message}\n"
    assert not (tmp_path / "a.csv").exists()


def test_decisions_exports_then_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`decisions` writes instance files, index.csv and the marker; again, exit 2."""
    out = tmp_path / "dec"
    assert main(["decisions", QUICKSTART, "--out", str(out), "--seed", "1"]) == 0
    said = capsys.readouterr().out
    n = int(said.split()[0])
    files = sorted(p.name for p in out.iterdir())
    assert n > 0
    assert len(files) == n + 2
    assert "index.csv" in files
    assert ".skyscreen" in files
    assert main(["decisions", QUICKSTART, "--out", str(out)]) == 2
    assert "must be empty or new" in capsys.readouterr().err
    assert main(["decisions", QUICKSTART, "--out", str(out), "--overwrite"]) == 0
