"""Fuzz the command line with mutated example scenarios: exit 0 or 2, never a bug.

Each example (``examples/*.yaml``) is mutated at random, as data (a key deleted, a value
replaced by one of another type or an edge value, list items duplicated, dropped or
emptied, values swapped between fields, unknown keys added) and as text (cut at a byte,
YAML syntax injected: anchors, aliases, tags, deep nesting, stray bytes). Whatever the
file holds, ``skyscreen validate`` and ``skyscreen run`` must accept it (exit 0) or
refuse it with one clear message (exit 2, a ``SkyscreenError``); an exit 1 is the
command line's "internal error ... this is a bug", and any traceback is one too.

Hypothesis is derandomized, so every run tries the same files.
"""

from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyscreen.cli import main
from skyscreen.errors import ScenarioError
from skyscreen.scenario import (
    examples_dir,
    load_scenario,
    read_scenario_data,
    scenario_json_schema,
)

EXAMPLES = sorted(examples_dir().glob("*.yaml"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLES}
DATA = {p.name: read_scenario_data(p) for p in EXAMPLES}
# SKYSCREEN_DEBUG turns an internal error into a traceback; test what users see.
ENV = {k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"}

Path_ = tuple[str | int, ...]

# --------------------------------------------------------------------- edge values

_LONG = "x" * 20_000
EDGE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    0.0,
    -0.0,
    -1.0,
    1e-300,
    5e-324,
    1e300,
    -1e300,
    1.7976931348623157e308,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "4",
    "1e3",
    "true",
    "null",
    "nan",
    _LONG,
    "ünïcödé ✈ 🛩",
    "\u202e\u0000\x07",
    "a" * 65,
    "../../etc/passwd",
    [],
    [None],
    [1, 2, 3],
    {},
    {"kind": "radar"},
    {"class": "multirotor"},
    {"east_m": 0, "north_m": 0},
    {"lat_deg": 89.0, "lon_deg": 180.0},
]
"""Values of other types and at the edges of every range."""

values = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(-3, 3), max_size=3),
)

INJECTIONS = [
    "!!python/object:os.system {}",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2001-12-14",
    "!!timestamp x",
    "!!float '1e400'",
    "!!float ''",
    "!!float abc",
    "!!int '99999999999999999999999'",
    "!!int abc",
    "!!int 0x",
    "!!bool maybe",
    "!!str [1]",
    "1" * 5000,
    "0x" + "f" * 5000,
    "2024-01-01",
    "2024-01-01 10:00:00",
    "=",
    "{1: 2, null: 3, true: 4}",
    "!custom x",
    "&anchor 5",
    "*anchor",
    "*nowhere",
    "{<<: *a}",
    "&a [*a]",
    "[" * 40 + "]" * 40,
    "{a: " * 40 + "1" + "}" * 40,
    "? [complex, key]\n: 1",
    "{[1, 2]: 3}",
    "'unterminated",
    '"\\uD800"',
    "\t tab",
    "%YAML 1.1\n---",
    "---\nsecond: document",
    "...",
    "@reserved",
    "`reserved",
    "- a\nb: c",
    "\x00",
    "\ufeff",
    "\x85",
    "0o17",
    "0x1F",
    "1_000",
    "yes",
    ".inf",
    "-.inf",
    ".nan",
    "1e309",
    "2001-12-14t21:59:43.10-05:00",
]
"""Bits of YAML syntax: tags (allowed or not), anchors and aliases, deep nesting."""


# --------------------------------------------------------------------- mutations


def _paths(node: Any, here: Path_ = ()) -> list[Path_]:
    """Every path in a tree of dicts and lists, the root (``()``) first."""
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*here, i))
    return out


def _get(root: Any, path: Path_) -> Any:
    for part in path:
        root = root[part]
    return root


def _set(root: Any, path: Path_, value: Any) -> Any:
    """``root`` with the value at ``path`` replaced (the root itself if path is ())."""
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _mutate(draw: Callable[..., Any], data: Any) -> Any:
    """One mutation of the tree ``data`` (changed in place where it can be)."""
    paths = _paths(data)
    path = draw(st.sampled_from(paths), label="path")
    target = _get(data, path)
    op = draw(
        st.sampled_from(
            [
                "delete",
                "replace",
                "replace",
                "replace",
                "duplicate",
                "swap",
                "empty",
                "unknown_key",
                "nest",
            ]
        ),
        label="op",
    )
    if op == "delete" and path:
        parent = _get(data, path[:-1])
        del parent[path[-1]]
        return data
    if op == "duplicate" and isinstance(target, list) and target:
        i = draw(st.integers(0, len(target) - 1))
        times = draw(st.sampled_from([1, 2, 50]))
        target.extend(copy.deepcopy(target[i]) for _ in range(times))
        return data
    if op == "swap" and path:
        other = draw(st.sampled_from([p for p in paths if p]), label="other")
        a, b = copy.deepcopy(target), copy.deepcopy(_get(data, other))
        if other[: len(path)] == path or path[: len(other)] == other:
            return _set(data, path, b)  # one holds the other: copy, do not swap
        _set(data, path, b)
        return _set(data, other, a)
    if op == "empty" and isinstance(target, list | dict):
        target.clear()
        return data
    if op == "unknown_key" and isinstance(target, dict):
        key = draw(
            st.sampled_from(["extra", "Name", "class_", "kind", "id", "speed_mps", "ü"])
        )
        target[key] = draw(values)
        return data
    if op == "nest":
        return _set(data, path, {"nested": [target]})
    return _set(data, path, copy.deepcopy(draw(values, label="value")))


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def _text_mutate(draw: Callable[..., Any], text: str) -> bytes:
    """One mutation of the file's text: cut, syntax injected, a byte put in."""
    raw = text.encode("utf-8")
    op = draw(st.sampled_from(["truncate", "inject", "inject", "byte"]), label="textop")
    if op == "truncate":
        return raw[: draw(st.integers(0, len(raw)), label="cut")]
    lines = raw.split(b"\n")
    at = draw(st.integers(0, len(lines)), label="line")
    if op == "byte":
        byte = bytes([draw(st.integers(0, 255), label="byte")])
        line = lines[at] if at < len(lines) else b""
        col = draw(st.integers(0, len(line)), label="col")
        lines[at : at + 1] = [line[:col] + byte + line[col:]]
        return b"\n".join(lines)
    snippet = draw(st.sampled_from(INJECTIONS), label="snippet")
    line = lines[at] if at < len(lines) else b""
    if b": " in line and draw(st.booleans(), label="as value"):
        key, _, _ = line.partition(b": ")
        lines[at] = key + b": " + snippet.encode("utf-8")
    else:
        indent = len(line) - len(line.lstrip(b" "))
        lines.insert(at, b" " * indent + snippet.encode("utf-8"))
    return b"\n".join(lines)


def _schema_words() -> tuple[list[str], list[str]]:
    """Every choice (enum and const strings) and every field name of the schema."""
    choices: set[str] = set()
    fields: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "enum":
                    choices.update(v for v in value if isinstance(v, str))
                elif key == "const" and isinstance(value, str):
                    choices.add(value)
                elif key == "properties":
                    fields.update(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(scenario_json_schema())
    return sorted(choices), sorted(fields)


CHOICES, FIELDS = _schema_words()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _renamed(item: Any, n: int) -> Any:
    """A copy of a list item with its ``id`` (if any) made unique again."""
    item = copy.deepcopy(item)
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        item["id"] = f"{item['id'][:50]}-dup{n}"
    return item


def _gentle(draw: Callable[..., Any], data: Any) -> Any:
    """One mutation that keeps the file's shape, so that it often stays valid.

    A number becomes another number (0, its negative, scaled up or down, the type's
    edge); a key is deleted; a list item is duplicated (with a fresh id) or dropped; a
    choice becomes another of the schema's choices; a boolean flips; a known field is
    added with a plausible value.
    """
    paths = _paths(data)
    path = draw(st.sampled_from(paths), label="path")
    target = _get(data, path)
    if _is_number(target):
        factor = draw(
            st.sampled_from([0, -1, 1e-9, 1e-3, 0.5, 2, 10, 1000, 1e6]), label="factor"
        )
        value = target * factor
        if isinstance(target, int):
            value = int(value) if math.isfinite(value) else 0
        if draw(st.booleans(), label="edge"):
            value = draw(st.sampled_from([0, 1, 0.0, 1e-6, 1e9, 2**31 - 1, 0.999999]))
        return _set(data, path, value)
    if isinstance(target, bool):
        return _set(data, path, not target)
    if isinstance(target, str) and target in CHOICES:
        return _set(data, path, draw(st.sampled_from(CHOICES), label="choice"))
    if isinstance(target, list) and target:
        i = draw(st.integers(0, len(target) - 1), label="item")
        op = draw(st.sampled_from(["duplicate", "drop", "empty"]), label="listop")
        if op == "duplicate":
            for n in range(draw(st.sampled_from([1, 3, 20]), label="copies")):
                target.append(_renamed(target[i], n))
        elif op == "drop":
            del target[i]
        else:
            target.clear()
        return data
    if isinstance(target, dict) and draw(st.booleans(), label="add"):
        key = draw(st.sampled_from(FIELDS), label="field")
        target[key] = draw(
            st.sampled_from(
                [
                    *(0, 1, 0.5, 100.0, 1e5, True, False, "x", CHOICES[0], [], {}),
                    {"east_m": 100.0, "north_m": -50.0},
                    [{"east_m": 1, "north_m": 2}],
                ]
            ),
            label="field value",
        )
        return data
    if path:
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    return data


@st.composite
def scenario_files(draw: Callable[..., Any], gentle: bool = False) -> tuple[str, bytes]:
    """(name, bytes) of a mutated example: as data (harsh or gentle), as text, or both.

    ``gentle``: only shape-keeping mutations, mostly valid files that then run.
    """
    name = draw(st.sampled_from(sorted(DATA)), label="example")
    data: Any = copy.deepcopy(DATA[name])
    if gentle:
        for _ in range(draw(st.integers(1, 4), label="mutations")):
            data = _gentle(draw, data)
        return name, _dump(data).encode("utf-8")
    how = draw(st.sampled_from(["data", "gentle", "text", "both"]), label="how")
    if how == "text":
        return name, _text_mutate(draw, TEXTS[name])
    for _ in range(draw(st.integers(1, 4), label="mutations")):
        data = _gentle(draw, data) if how == "gentle" else _mutate(draw, data)
    text = _dump(data)
    if how == "both":
        return name, _text_mutate(draw, text)
    return name, text.encode("utf-8")


# --------------------------------------------------------------------- checks


# What a message must not show: pydantic's own wording (a fallback in the error
# formatting) and Python reprs of objects that are not plain data.
_RAW = re.compile(
    r"\b(Input|Keys|Value|Field|Tuple|List|Dictionary|Assertion) "
    r"(should|error|required)\b|got (b'|datetime\.|\{'|frozenset\(|set\()"
)


def _check(code: int, err: str, raw: bytes) -> None:
    """Exit 0 or 2, no traceback, no internal error, and a clear message on exit 2."""
    shown = raw[:3000].decode("utf-8", "replace")
    where = f"\n--- stderr ---\n{err}\n--- file ---\n{shown}"
    lines = err.splitlines()
    assert not any(ln.startswith("Traceback (most recent") for ln in lines), where
    assert not any(ln.startswith("internal error:") for ln in lines), where
    assert code in (0, 2), f"exit {code}{where}"
    if code == 2:
        errors = [ln for ln in lines if not ln.startswith("warning: ")]
        assert errors, where
        assert errors[0].startswith("error: "), where
        assert _RAW.search(err) is None, where


def _write(folder: Path, raw: bytes) -> Path:
    path = folder / "scenario.yaml"
    path.write_bytes(raw)
    return path


def _cheap_enough(path: Path) -> bool:
    """Whether a run of 2 replications takes moments (a mutation may ask for hours)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec = load_scenario(path)
    except ScenarioError:
        return True  # refused at once
    steps = spec.run.duration_s / spec.run.dt_s
    units = sum(len(s.sensors) + len(s.effectors) for s in spec.sites)
    return steps * (spec.n_drones + units) <= 200_000


_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}


@settings(max_examples=600, **_SETTINGS)
@given(file=scenario_files())
def test_validate_a_mutated_example(
    file: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    """`skyscreen validate FILE`: exit 0 ("ok") or 2 (one error message), no bug."""
    _, raw = file
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), raw)
        capsys.readouterr()
        code = main(["validate", str(path)])
        out, err = capsys.readouterr()
    _check(code, err, raw)
    if code == 0:
        assert out == "ok\n"


@settings(max_examples=60, **_SETTINGS)
@given(file=scenario_files(gentle=True))
def test_run_a_mutated_example(
    file: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    """`skyscreen run FILE -n 2`: exit 0 or 2, no bug."""
    _, raw = file
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), raw)
        if not _cheap_enough(path):
            return
        capsys.readouterr()
        out_dir = str(Path(tmp) / "out")
        code = main(
            ["run", str(path), "-n", "2", "--workers", "1", "--quiet", "--out", out_dir]
        )
        _, err = capsys.readouterr()
    _check(code, err, raw)


# --------------------------------------------------------------------- found bugs
# What the fuzzing found, one file each: every one was an exit 1 ("internal error") or a
# message showing a Python object instead of saying what was expected and given.

QUICKSTART = TEXTS["quickstart.yaml"]
_DIGITS = "1" * 5000


def _quickstart_with(old: str, new: str) -> str:
    assert QUICKSTART.count(old) == 1, old
    return QUICKSTART.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # A scalar that an explicit tag does not fit: ValueError, KeyError, IndexError
        # and AttributeError from PyYAML's constructors (exit 1).
        ("count: 4", "count: !!int abc", "column 12: must be an integer; got 'abc'"),
        ("count: 4", "count: !!int 0x", "must be an integer; got '0x'"),
        ("count: 4", "count: !!float ''", "column 12: must be a number; got ''"),
        ("count: 4", "count: !!float abc", "must be a number; got 'abc'"),
        ("count: 4", "count: !!bool maybe", "must be true or false; got 'maybe'"),
        ("count: 4", "count: !!timestamp x", "tag '!!timestamp' is not allowed"),
        # An integer past Python's 4,300-digit conversion limit (exit 1).
        (
            "count: 4",
            f"count: {_DIGITS}",
            "column 12: must be an integer of at most 4,300 digits; got 5,000 digits",
        ),
        (
            "count: 4",
            "count: 0x" + "f" * 5000,
            "must be an integer of at most 4,300 digits; got 5,000 digits",
        ),
        # Tags of YAML types that are not plain data: shown as b'hello', {'a', 'b'}.
        ("count: 4", "count: !!binary aGVsbG8=", "tag '!!binary' is not allowed"),
        ("- id: wave-1", "- id: !!set {a, b}", "tag '!!set' is not allowed"),
        ("name: quickstart", "name: !!omap [a: 1]", "tag '!!omap' is not allowed"),
        ("name: quickstart", "name: !!pairs [a: 1]", "tag '!!pairs' is not allowed"),
        # Keys that are not text: "[1] Keys should be strings", "None Keys should...".
        (
            "name: quickstart",
            "name: quickstart\n1: 2",
            "must have text keys; got the key 1",
        ),
        (
            "name: quickstart",
            "name: quickstart\nnull: 2",
            "quickstart.yaml: must have text keys; got the key null",
        ),
        (
            "count: 4",
            "count: 4\n    true: 1",
            "raids[0] must have text keys; got the key true",
        ),
        # A kind that is not text: got "{'a': 1}" (the mapping as a quoted string).
        (
            "{kind: gun,",
            "{kind: {a: 1},",
            ("sites[0].effectors[0].kind must be one of ['gun', ", "]; got a mapping"),
        ),
        # A lone surrogate: pydantic's "Input should be a valid string, unable to...".
        (
            "name: quickstart",
            'name: "\\uD800"',
            "name must be valid Unicode text; got '\\ud800'",
        ),
    ],
)
def test_a_bad_scalar_or_key_is_a_clear_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    message: str | tuple[str, ...],
) -> None:
    """Each exits 2 with a message saying what was expected and what was given."""
    path = tmp_path / "quickstart.yaml"
    path.write_text(_quickstart_with(old, new), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for part in (message,) if isinstance(message, str) else message:
        assert part in err, err
    _check(2, err, path.read_bytes())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("name: quickstart", "name: 2024-01-01"),
        ("type: fuel", "type: 2024-01-01 10:00:00"),
        ("type: fuel", "type: ="),
    ],
)
def test_dates_and_equals_signs_are_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    """A date or ``=`` is a string, as in YAML 1.2 (not a date, nor the tag !!value).

    Before, ``name: 2024-01-01`` was "must be a string; got datetime.date(2024, 1,
    1)" and ``type: =`` "tag '!!value' is not allowed".
    """
    path = tmp_path / "quickstart.yaml"
    path.write_text(_quickstart_with(old, new), encoding="utf-8")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    spec = load_scenario(path)
    assert new.endswith((spec.name, spec.sites[0].assets[0].type))


def test_toml_with_a_huge_integer_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A TOML integer past 4,300 digits (tomllib's ValueError; exit 1 before).

    Also a huge hexadecimal one (repr of the int raised ValueError) and a date.
    """
    path = tmp_path / "big.toml"
    path.write_text(f'name = "x"\ncount = {_DIGITS}\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "must be valid TOML with integers of at most 4,300 digits" in err, err
    path.write_text(f'name = "x"\ncount = 0x{"f" * 4000}\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "got an integer of about 4,816 digits" in err, err
    path.write_text('name = "x"\ndescription = 1979-05-27\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "description must be a string; got date 1979-05-27" in err, err


# --------------------------------------------------------------------- subprocesses


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_mutated_files_in_a_real_process(tmp_path: Path) -> None:
    """A few mutated files through the command as users start it: exit 0 or 2 only."""
    half = QUICKSTART.encode("utf-8")[: len(QUICKSTART) // 2]
    cases: list[tuple[str, bytes, list[str], int]] = [
        ("tag", _quickstart_with("count: 4", "count: !!int abc").encode(), [], 2),
        ("cut", half, [], 2),
        (
            "code",
            _quickstart_with(
                "count: 4", "count: !!python/object/apply:os.system ['touch pwned']"
            ).encode(),
            [],
            2,
        ),
        (
            "huge",
            _quickstart_with("count: 4", f"count: {_DIGITS}").encode(),
            ["run", "-n", "2", "--workers", "1", "--quiet", "--out", "out"],
            2,
        ),
        (
            "valid",
            _dump(
                {
                    **DATA["quickstart.yaml"],
                    "raids": [
                        {**DATA["quickstart.yaml"]["raids"][0], "count": 1},
                        {**DATA["quickstart.yaml"]["raids"][0], "id": "w2", "count": 1},
                    ],
                }
            ).encode(),
            ["run", "-n", "2", "--workers", "1", "--quiet", "--out", "out"],
            0,
        ),
    ]
    jobs = []
    for name, raw, args, _ in cases:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "s.yaml").write_bytes(raw)
        cmd = [args[0], "s.yaml", *args[1:]] if args else ["validate", "s.yaml"]
        jobs.append((folder, cmd))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda job: _cli(job[0], *job[1]), jobs))
    for (name, raw, _, expected), proc in zip(cases, results, strict=True):
        _check(proc.returncode, proc.stderr, raw)
        assert proc.returncode == expected, (name, proc.stderr)
    assert not (tmp_path / "code" / "pwned").exists()
    assert (tmp_path / "valid" / "out" / "run.json").is_file()
