"""Bad input that used to slip past validation, and the warnings of odd scenarios.

Regression tests of the reliability issue: nesting deep enough to exhaust the
interpreter's stack and control characters are clear ScenarioErrors naming the file;
a geodetic point near the antipode is measured along the earth, not folded onto the
local plane; numbers and booleans are strict (no ``count: yes`` as one drone); a field
put one level off is told where it belongs; a scenario without effectors or sensors, or
with raids that cannot reach their target in time, loads with a ScenarioWarning.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from skyscreen.cli import main
from skyscreen.errors import FieldError, ScenarioError
from skyscreen.scenario import (
    ScenarioWarning,
    dump_scenario,
    example_names,
    example_path,
    load_scenario,
    parse_scenario,
    read_scenario_data,
    scenario_warnings,
)
from skyscreen.scenario.load import MAX_DEPTH

E = FieldError
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Python's own warning display, whatever the calling environment says.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"},
    "PYTHONWARNINGS": "default",
}


def _errors(data: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return info.value.errors


def _read_errors(path: Path) -> list[FieldError]:
    with pytest.raises(ScenarioError) as info:
        read_scenario_data(path)
    assert info.value.source == str(path)
    return info.value.errors


def _file_errors(path: Path) -> list[FieldError]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    return info.value.errors


def _yaml_file(tmp_path: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- nesting

DEEP = 5_000
TOO_DEEP = f"must nest at most {MAX_DEPTH} levels; got deeper"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param(
            "flow.yaml",
            "a: " + "[" * DEEP + "\n",
            f"line 1: {TOO_DEEP}",
            id="yaml-list",
        ),
        pytest.param(
            "flow-map.yaml",
            "a: " + "{a: " * DEEP + "\n",
            f"line 1: {TOO_DEEP}",
            id="yaml-mapping",
        ),
        pytest.param(
            "closed.json",
            "[" * DEEP + "]" * DEEP,
            f"line 1: {TOO_DEEP}",
            id="json-closed",
        ),
        pytest.param(
            # Level i is the list that starts on line i: level 33 on line 33. (1,500
            # levels: 5,000 indented lines would pass the file size limit first.)
            "block.yaml",
            "".join(" " * i + "- \n" for i in range(1500)),
            f"line 33: {TOO_DEEP}",
            id="yaml-block",
        ),
        pytest.param(
            "deep.toml", "a = " + "[" * DEEP + "]" * DEEP + "\n", TOO_DEEP, id="toml"
        ),
        pytest.param(
            "open.toml", "a = " + "[" * DEEP + "\n", TOO_DEEP, id="toml-unclosed"
        ),
        pytest.param(
            "table.toml",
            "a = " + "{b = " * DEEP + "1" + "}" * DEEP + "\n",
            TOO_DEEP,
            id="toml-inline-tables",
        ),
    ],
)
def test_nesting_past_the_stack_is_a_scenario_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """Thousands of levels (a RecursionError before) fail like 40 levels do."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert _read_errors(path) == [E("", message)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "name: x\x00\n",
            "line 1, column 8: must be valid YAML; got character U+0000, which YAML "
            "does not allow",
            id="nul",
        ),
        pytest.param(
            "name: x\norigin: {lat_deg: 1\x07}\n",
            "line 2, column 20: must be valid YAML; got character U+0007, which YAML "
            "does not allow",
            id="bell",
        ),
        pytest.param(
            "name: x\n# \ufffe\n",
            "line 2, column 3: must be valid YAML; got character U+FFFE, which YAML "
            "does not allow",
            id="non-character",
        ),
    ],
)
def test_control_characters_are_a_scenario_error(
    tmp_path: Path, text: str, message: str
) -> None:
    """A NUL byte (a yaml ReaderError before) is reported with its line and column."""
    path = tmp_path / "nul.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert _read_errors(path) == [E("", message)]


def test_a_nul_byte_in_toml_names_its_line(tmp_path: Path) -> None:
    """TOML's own error already names the line (kept as it is)."""
    path = tmp_path / "nul.toml"
    path.write_bytes(b'name = "x\x00"\n')
    assert _read_errors(path) == [
        E(
            "",
            "must be valid TOML; got Illegal character '\\x00' (at line 1, column 10)",
        )
    ]


@pytest.mark.parametrize(
    ("name", "contents", "message"),
    [
        ("deep.yaml", "a: " + "[" * DEEP + "\n", f"line 1: {TOO_DEEP}"),
        ("deep.toml", "a = " + "[" * DEEP + "]" * DEEP + "\n", TOO_DEEP),
        (
            "nul.yaml",
            "name: x\x00\n",
            (
                "line 1, column 8: must be valid YAML; got character U+0000, which "
                "YAML does not allow"
            ),
        ),
    ],
)
def test_validate_rejects_them_in_process(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    contents: str,
    message: str,
) -> None:
    """`skyscreen validate` exits 2 with one line naming the file, no traceback."""
    path = tmp_path / name
    path.write_bytes(contents.encode("utf-8"))
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"error: {path}: {message}"]


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skyscreen.cli", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_rejects_deep_nesting_and_nul_in_a_subprocess(tmp_path: Path) -> None:
    """The installed command gives the same one line and exit status 2."""
    (tmp_path / "deep.yaml").write_text("a: " + "[" * DEEP + "\n", encoding="utf-8")
    (tmp_path / "nul.yaml").write_bytes(b"name: x\x00\n")
    deep = _cli(tmp_path, "validate", "deep.yaml")
    nul = _cli(tmp_path, "validate", "nul.yaml")
    assert (deep.returncode, deep.stdout) == (2, "")
    assert deep.stderr.splitlines() == [f"error: deep.yaml: line 1: {TOO_DEEP}"]
    assert (nul.returncode, nul.stdout) == (2, "")
    assert nul.stderr.splitlines() == [
        (
            "error: nul.yaml: line 1, column 8: must be valid YAML; got character "
            "U+0000, which YAML does not allow"
        )
    ]


# --------------------------------------------------------------------------- geodesic

LAUNCH = ("raids", 0, "launch", "position")


def _at(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


ANTIPODE = {"lat_deg": -35.0, "lon_deg": -155.0}


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param(LAUNCH, "raids[0].launch.position", id="launch"),
        pytest.param(("raids", 0, "route"), "raids[0].route[0]", id="waypoint"),
        pytest.param(("sites", 0, "position"), "sites[0].position", id="site"),
        pytest.param(
            ("sites", 0, "assets", 0, "position"),
            "sites[0].assets[0].position",
            id="asset",
        ),
        pytest.param(
            ("sites", 0, "effectors", 0, "position"),
            "sites[0].effectors[0].position",
            id="effector",
        ),
    ],
)
def test_a_point_near_the_antipode_is_rejected(
    quickstart_data: dict[str, Any], path: tuple[Any, ...], shown: str
) -> None:
    """The antipode of the origin projects 40 km from it; its distance is 20,015 km."""
    value = [ANTIPODE] if path[-1] == "route" else ANTIPODE
    _at(quickstart_data, path, value)
    assert _errors(quickstart_data) == [
        E(shown, "must lie within 500 km of the origin; got 20015.1 km")
    ]


def test_the_antipode_no_longer_runs_40_km_from_the_base(
    quickstart_data: dict[str, Any],
) -> None:
    """Near (not at) the antipode, where the plane put it 54 km from the origin."""
    _at(quickstart_data, LAUNCH, {"lat_deg": -34.9, "lon_deg": -154.6})
    [error] = _errors(quickstart_data)
    assert error.path == "raids[0].launch.position"
    assert error.message == "must lie within 500 km of the origin; got 19977.0 km"


@pytest.mark.parametrize(
    ("lat_deg", "message"),
    [
        (39.49, None),  # 498.3 km along the WGS84 ellipsoid
        (39.5, None),  # 499.4 km (500.4 km on a sphere: the ellipsoid decides)
        (39.52, "must lie within 500 km of the origin; got 501.6 km"),
    ],
)
def test_geodetic_points_near_the_limit_use_the_ellipsoid(
    quickstart_data: dict[str, Any], lat_deg: float, message: str | None
) -> None:
    """Within 1,000 km the distance is Vincenty's on WGS84 (pymap3d)."""
    _at(quickstart_data, LAUNCH, {"lat_deg": lat_deg, "lon_deg": 25.0})
    if message is None:
        parse_scenario(quickstart_data)
    else:
        assert _errors(quickstart_data) == [E("raids[0].launch.position", message)]


# --------------------------------------------------------------------------- types

RAID = ("raids", 0)
ASSET = ("sites", 0, "assets", 0)
GUN = ("sites", 0, "effectors", 0)


COUNT = "    count: 4\n"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            "    count: yes\n",
            E("raids[0].count", "must be an integer; got 'yes'"),
            id="count-yes",
        ),
        pytest.param(
            "    count: '4'\n",
            E("raids[0].count", "must be an integer, not a string; got '4'"),
            id="count-quoted",
        ),
        pytest.param(
            "    count: 4.0\n",
            E("raids[0].count", "must be an integer; got 4.0"),
            id="count-float",
        ),
        pytest.param(
            "    count: true\n",
            E("raids[0].count", "must be an integer; got true"),
            id="count-true",
        ),
        pytest.param(
            COUNT + "    launch_time_s: 1:30\n",
            E("raids[0].launch_time_s", "must be a number; got '1:30'"),
            id="sexagesimal",
        ),
        pytest.param(
            COUNT + "    launch_time_s: '60'\n",
            E("raids[0].launch_time_s", "must be a number, not a string; got '60'"),
            id="float-quoted",
        ),
        pytest.param(
            COUNT + "    launch_time_s: off\n",
            E("raids[0].launch_time_s", "must be a number; got 'off'"),
            id="float-off",
        ),
    ],
)
def test_yaml_numbers_are_strict(
    tmp_path: Path, lines: str, expected: FieldError
) -> None:
    """A YAML 1.1 word, a quoted number or a clock time is not a number."""
    text = example_path("quickstart").read_text(encoding="utf-8")
    assert COUNT in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(COUNT, lines), encoding="utf-8")
    assert _file_errors(path) == [expected]


def test_a_leading_zero_is_decimal(tmp_path: Path) -> None:
    """`count: 010` is ten drones, as YAML 1.2 reads it (YAML 1.1: octal, eight)."""
    text = example_path("quickstart").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(COUNT, "    count: 010\n"), encoding="utf-8")
    assert load_scenario(path).raids[0].count == 10


def test_yaml_booleans_are_true_and_false_only(tmp_path: Path) -> None:
    """`yes`, `no`, `on`, `off` are strings (YAML 1.2); True and FALSE are booleans."""
    path = tmp_path / "b.yaml"
    path.write_text("a: yes\nb: No\nc: on\nd: True\ne: FALSE\nf: 0o17\ng: 0x1F\n")
    assert read_scenario_data(path) == {
        "a": "yes",
        "b": "No",
        "c": "on",
        "d": True,
        "e": False,
        "f": "0o17",
        "g": 31,
    }


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            ((*GUN, "airburst"), "yes"),
            E("sites[0].effectors[0].airburst", "must be true or false; got 'yes'"),
            id="bool-yes",
        ),
        pytest.param(
            ((*GUN, "airburst"), "true"),
            E(
                "sites[0].effectors[0].airburst",
                "must be true or false, not a string; got 'true'",
            ),
            id="bool-quoted",
        ),
        pytest.param(
            ((*GUN, "airburst"), 1),
            E("sites[0].effectors[0].airburst", "must be true or false; got 1"),
            id="bool-one",
        ),
        pytest.param(
            ((*RAID, "drone", "swerling"), True),
            E("raids[0].drone.swerling", "must be one of [0, 1]; got true"),
            id="literal-true",
        ),
        pytest.param(
            ((*RAID, "drone", "swerling"), 1.0),
            E("raids[0].drone.swerling", "must be one of [0, 1]; got 1.0"),
            id="literal-float",
        ),
        pytest.param(
            (("schema_version",), True),
            E("schema_version", "must be 1; got true"),
            id="schema-version-true",
        ),
        pytest.param(
            ((*ASSET, "value_usd"), True),
            E("sites[0].assets[0].value_usd", "must be a number; got true"),
            id="float-true",
        ),
        pytest.param(
            ((*ASSET, "position", "east_m"), "0"),
            E(
                "sites[0].assets[0].position.east_m",
                "must be a number, not a string; got '0'",
            ),
            id="position-quoted",
        ),
        pytest.param(
            (("origin", "lat_deg"), "35"),
            E("origin.lat_deg", "must be a number, not a string; got '35'"),
            id="origin-quoted",
        ),
        pytest.param(
            (("doctrine",), {"shoot_look_shoot": "no"}),
            E("doctrine.shoot_look_shoot", "must be true or false; got 'no'"),
            id="doctrine-no",
        ),
    ],
)
def test_numbers_and_booleans_are_strict(
    quickstart_data: dict[str, Any],
    edit: tuple[tuple[Any, ...], Any],
    expected: FieldError,
) -> None:
    """No string, bool or float is coerced into another type."""
    _at(quickstart_data, *edit)
    assert _errors(quickstart_data) == [expected]


def test_toml_types_are_strict(tmp_path: Path) -> None:
    """`seed = true` and `value_usd = "2e7"` (accepted before) are both errors."""
    path = tmp_path / "s.toml"
    path.write_text(
        """\
name = "quickstart"
origin = { lat_deg = 35.0, lon_deg = 25.0 }
run = { dt_s = 1.0, duration_s = 1200.0, seed = true }

[[sites]]
id = "depot"
[[sites.assets]]
id = "fuel"
position = { east_m = 0, north_m = 0 }
value_usd = "2e7"
[[sites.sensors]]
kind = "radar"
id = "radar-1"
position = { east_m = 0, north_m = 200, height_m = 10 }
[[sites.effectors]]
kind = "gun"
id = "gun-1"
position = { east_m = 300, north_m = 300 }

[[raids]]
id = "wave-1"
drone = { class = "fixed_wing_owa" }
count = 4
launch = { position = { east_m = 20000, north_m = 30000 } }
""",
        encoding="utf-8",
    )
    assert _file_errors(path) == [
        E("run.seed", "must be an integer; got true"),
        E("sites[0].assets[0].value_usd", "must be a number, not a string; got '2e7'"),
    ]


def test_integers_are_still_numbers(tmp_path: Path) -> None:
    """`value_usd: 20000000` (an int) and `2.0e7` (YAML 1.2 float) both load."""
    text = example_path("quickstart").read_text(encoding="utf-8")
    for written in ("20000000", "2.0e7", "2e7"):
        path = tmp_path / "v.yaml"
        path.write_text(text.replace("20.0e6", written), encoding="utf-8")
        assert load_scenario(path).sites[0].assets[0].value_usd == 2e7


def test_json_integers_load_and_round_trip(tmp_path: Path) -> None:
    """JSON's numbers are as strict as YAML's; a dumped scenario still loads back."""
    data = read_scenario_data(example_path("coastal-airbase"))
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    spec = load_scenario(path)
    again = tmp_path / "again.yaml"
    dump_scenario(spec, again)
    assert load_scenario(again) == spec


@pytest.mark.parametrize("value", ["0o17", "yes", "1:30", "010", "0b11", "~", "1e5"])
def test_strings_that_yaml_reads_as_other_types_round_trip(
    tmp_path: Path, quickstart_data: dict[str, Any], value: str
) -> None:
    """A text such as '0o17', 'yes' or '010' stays a string through dump and load."""
    quickstart_data["description"] = value
    spec = parse_scenario(quickstart_data)
    path = tmp_path / "s.yaml"
    dump_scenario(spec, path)
    assert load_scenario(path).description == value


# --------------------------------------------------------------------------- fields


def test_the_reference_counts_list_items_not_characters() -> None:
    """docs/scenario.md: lists have item(s), strings character(s)."""
    text = (DOCS / "scenario.md").read_text(encoding="utf-8")
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        rows.setdefault(line.split(" | ")[0], []).append(line)
    [sites] = rows["| `sites`"]
    assert "at least 1 item(s); at most 50 items" in sites
    [route] = rows["| `route`"]
    assert "at most 100 items" in route
    assert "character" not in rows["| `assets`"][0]
    assert any(
        "at least 1 character(s); at most 100 characters" in row
        for row in rows["| `name`"]
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            ((*RAID, "speed_mps"), 50.0),
            E(
                "raids[0].speed_mps",
                "is misplaced: 'speed_mps' is a field of raids[0].drone, not of "
                "raids[0]; got 50.0",
            ),
            id="drone-field-under-raid",
        ),
        pytest.param(
            ((*RAID, "drone", "count"), 5),
            E(
                "raids[0].drone.count",
                "is misplaced: 'count' is a field of raids[0], not of raids[0].drone; "
                "got 5",
            ),
            id="raid-field-under-drone",
        ),
        pytest.param(
            ((*RAID, "launch", "speed_mps"), 50.0),
            E(
                "raids[0].launch.speed_mps",
                "is misplaced: 'speed_mps' is a field of raids[0].drone, not of "
                "raids[0].launch; got 50.0",
            ),
            id="drone-field-under-launch",
        ),
        pytest.param(
            (("replications",), 5),
            E(
                "replications",
                "is misplaced: 'replications' is a field of run, not of the top "
                "level; got 5",
            ),
            id="run-field-at-top",
        ),
        pytest.param(
            ((*ASSET, "east_m"), 5.0),
            E(
                "sites[0].assets[0].east_m",
                "is misplaced: 'east_m' is a field of sites[0].assets[0].position, "
                "not of sites[0].assets[0]; got 5.0",
            ),
            id="position-field-under-asset",
        ),
        pytest.param(
            ((*GUN, "scan_period_s"), 2.0),
            E(
                "sites[0].effectors[0].scan_period_s",
                "is misplaced: 'scan_period_s' is a field of sites[0].sensors[] "
                "(kind: radar), not of sites[0].effectors[0]; got 2.0",
            ),
            id="radar-field-under-gun",
        ),
        pytest.param(
            (("doctrine",), {"dt_s": 1.0}),
            E(
                "doctrine.dt_s",
                "is misplaced: 'dt_s' is a field of run, not of doctrine; got 1.0",
            ),
            id="run-field-under-doctrine",
        ),
        pytest.param(
            ((*RAID, "sped_mps"), 50.0),
            E(
                "raids[0].sped_mps",
                "is not a known field (did you mean 'speed_mps', a field of "
                "raids[0].drone?); got 50.0",
            ),
            id="misspelt-and-misplaced",
        ),
    ],
)
def test_a_misplaced_field_is_told_where_it_belongs(
    quickstart_data: dict[str, Any],
    edit: tuple[tuple[Any, ...], Any],
    expected: FieldError,
) -> None:
    """Not "did you mean 'speed_mps'?" for speed_mps itself: where it goes instead."""
    _at(quickstart_data, *edit)
    assert _errors(quickstart_data) == [expected]


def _warnings_of(path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path)
    assert all(issubclass(w.category, ScenarioWarning) for w in caught)
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("name", example_names())
def test_the_examples_load_without_warnings(name: str) -> None:
    """No bundled example warns (pytest would fail every test that loads it)."""
    assert _warnings_of(example_path(name)) == []


def test_no_effectors_warns(tmp_path: Path, quickstart_data: dict[str, Any]) -> None:
    """A scenario that cannot engage anything loads, with a warning naming the file."""
    quickstart_data["sites"][0]["effectors"] = []
    path = _yaml_file(tmp_path, quickstart_data)
    with pytest.warns(ScenarioWarning) as record:
        load_scenario(path)
    assert [str(w.message) for w in record] == [
        f"{path}: no site has effectors: no drone can be engaged"
    ]
    assert issubclass(ScenarioWarning, UserWarning)


def test_no_sensors_warns(tmp_path: Path, quickstart_data: dict[str, Any]) -> None:
    """A scenario that cannot detect anything loads, with a warning."""
    quickstart_data["sites"][0]["sensors"] = []
    path = _yaml_file(tmp_path, quickstart_data)
    assert _warnings_of(path) == [
        f"{path}: no site has sensors: no drone can be detected or fired at"
    ]


def test_a_raid_that_arrives_after_the_end_warns(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """35.6 km (from the launch disc's edge) take 707 s: too late from 600 s on."""
    raid = quickstart_data["raids"][0]
    raid.update(launch_time_s=600, launch_interval_s=0)
    path = _yaml_file(tmp_path, quickstart_data)
    [message] = _warnings_of(path)
    assert message == (
        f"{path}: raids[0] cannot reach its target before the run ends: its first "
        "drone launches at 600 s and needs at least 707 s to fly the 35.6 km; "
        "run.duration_s is 1200"
    )


def test_a_raid_through_far_waypoints_warns(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """The route counts: a detour of 2 x 200 km cannot be flown in 1200 s."""
    quickstart_data["raids"][0]["route"] = [{"east_m": 200_000, "north_m": 0}]
    path = _yaml_file(tmp_path, quickstart_data)
    [message] = _warnings_of(path)
    assert message.startswith(f"{path}: raids[0] cannot reach its target before")


def test_a_raid_beyond_its_endurance_warns(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """A drone that drops out before it can arrive is as harmless as a late one."""
    quickstart_data["raids"][0]["drone"]["endurance_s"] = 600
    path = _yaml_file(tmp_path, quickstart_data)
    assert _warnings_of(path) == [
        (
            f"{path}: raids[0] cannot reach its target within drone.endurance_s "
            "(600): it needs at least 707 s to fly the 35.6 km"
        )
    ]


def test_a_raid_that_just_arrives_does_not_warn(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """Launched at 450 s, the 707 s flight ends before 1200 s: no warning."""
    quickstart_data["raids"][0].update(launch_time_s=450, launch_interval_s=0)
    assert _warnings_of(_yaml_file(tmp_path, quickstart_data)) == []


def test_the_nearest_target_counts(quickstart_data: dict[str, Any]) -> None:
    """Without a target asset, the nearest asset decides whether a raid can arrive."""
    data = copy.deepcopy(quickstart_data)
    data["sites"][0]["assets"].append(
        {"id": "far", "position": {"east_m": -200_000, "north_m": 0}, "value_usd": 1}
    )
    data["raids"][0]["target"] = {}
    assert scenario_warnings(parse_scenario(data)) == []
    data["raids"][0]["target"] = {"asset": "far"}
    [message] = scenario_warnings(parse_scenario(data))
    assert message.startswith("raids[0] cannot reach its target before the run ends")


def test_parse_scenario_does_not_warn(quickstart_data: dict[str, Any]) -> None:
    """Only loading a file warns: re-validating a recorded scenario stays quiet."""
    quickstart_data["sites"][0]["effectors"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_scenario(quickstart_data)


def test_validate_shows_the_warning_and_succeeds(
    tmp_path: Path,
    quickstart_data: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In process: exit 0, "ok", and the warning as a ``warning:`` line on stderr."""
    quickstart_data["sites"][0]["effectors"] = []
    path = _yaml_file(tmp_path, quickstart_data)
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n"
    assert err.startswith("warning: ")
    assert "no site has effectors" in err


def test_validate_prints_the_warning_in_a_subprocess(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """The command line shows the warning on stderr, once, with no traceback."""
    quickstart_data["sites"][0]["effectors"] = []
    _yaml_file(tmp_path, quickstart_data, "s.yaml")
    result = _cli(tmp_path, "validate", "s.yaml")
    assert (result.returncode, result.stdout) == (0, "ok\n")
    assert "Traceback" not in result.stderr
    text = "s.yaml: no site has effectors: no drone can be engaged"
    assert result.stderr.count(text) == 1
