"""Scenario errors: each names the field path, what was expected and what was given.

The messages are a contract (docs/architecture.md; docs/scenario.md), so every expected string is exact.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from skyscreen.errors import FieldError, ScenarioError
from skyscreen.scenario import load_scenario, parse_scenario, read_scenario_data
from skyscreen.scenario.load import MAX_ALIASES, MAX_FILE_BYTES

DELETE = object()
"""Marks a key to remove instead of a value to set."""


def _edit(data: dict[str, Any], edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    """Set (or with DELETE remove) each path in ``data``, in place."""
    for path, value in edits:
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value


def _parse_errors(data: dict[str, Any]) -> list[FieldError]:
    """The field errors parse_scenario raises for ``data``."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return info.value.errors


def _read_errors(path: Path) -> list[FieldError]:
    """The field errors read_scenario_data raises for ``path``, which it names."""
    with pytest.raises(ScenarioError) as info:
        read_scenario_data(path)
    assert info.value.source == str(path)
    return info.value.errors


RAID = ("raids", 0)
DRONE = ("raids", 0, "drone")
GUN = ("sites", 0, "effectors", 0)
RADAR = ("sites", 0, "sensors", 0)
E = FieldError

ONE_ERROR = [
    pytest.param(
        [(("origin",), DELETE)],
        E("origin", "is required; got nothing"),
        id="missing-field",
    ),
    pytest.param(
        [((*RAID, "count"), DELETE)],
        E("raids[0].count", "is required; got nothing"),
        id="missing-nested-field",
    ),
    pytest.param(
        [((*GUN, "kind"), DELETE)],
        E("sites[0].effectors[0].kind", "is required; got nothing"),
        id="missing-kind",
    ),
    pytest.param(
        [((*DRONE, "speed_mps"), "fast")],
        E("raids[0].drone.speed_mps", "must be a number; got 'fast'"),
        id="string-for-a-number",
    ),
    pytest.param(
        [((*RAID, "count"), 2.5)],
        E("raids[0].count", "must be an integer; got 2.5"),
        id="float-for-an-integer",
    ),
    pytest.param(
        [((*GUN, "airburst"), "maybe")],
        E("sites[0].effectors[0].airburst", "must be true or false; got 'maybe'"),
        id="string-for-a-bool",
    ),
    pytest.param(
        [(("origin",), 5)],
        E("origin", "must be a mapping; got 5"),
        id="number-for-a-mapping",
    ),
    pytest.param(
        [(("sites",), {"id": "depot"})],
        E("sites", "must be a list; got a mapping"),
        id="mapping-for-a-list",
    ),
    pytest.param(
        [((*DRONE, "speed_mps"), -5.0)],
        E("raids[0].drone.speed_mps", "must be > 0.0; got -5.0"),
        id="negative-speed",
    ),
    pytest.param(
        [((*DRONE, "speed_mps"), float("nan"))],
        E("raids[0].drone.speed_mps", "must be a finite number; got nan"),
        id="nan-speed",
    ),
    pytest.param(
        [((*RAID, "count"), 10_001)],
        E("raids[0].count", "must be <= 10000; got 10001"),
        id="count-over-limit",
    ),
    pytest.param(
        [((*DRONE, "sped_mps"), 50.0)],
        E(
            "raids[0].drone.sped_mps",
            "is not a known field (did you mean 'speed_mps'?); got 50.0",
        ),
        id="unknown-field-with-hint",
    ),
    pytest.param(
        [(("raid",), [])],
        E("raid", "is not a known field (did you mean 'raids'?); got a list"),
        id="unknown-top-level-field-with-hint",
    ),
    pytest.param(
        [((*GUN, "wibble"), "green")],
        E("sites[0].effectors[0].wibble", "is not a known field; got 'green'"),
        id="unknown-field-without-hint",
    ),
    pytest.param(
        [((*GUN, "kind"), "railgun")],
        E(
            "sites[0].effectors[0].kind",
            "must be one of ['gun', 'missile', 'jammer', 'laser', 'microwave', "
            "'interceptor']; got 'railgun'",
        ),
        id="unknown-effector-kind",
    ),
    pytest.param(
        [((*RADAR, "kind"), "eoir")],
        E(
            "sites[0].sensors[0].kind",
            "must be one of ['radar', 'camera', 'rf_detector']; got 'eoir'",
        ),
        id="unknown-sensor-kind",
    ),
    pytest.param(
        [((*DRONE, "class"), "jet")],
        E(
            "raids[0].drone.class",
            "must be one of ['fixed_wing_owa', 'multirotor']; got 'jet'",
        ),
        id="unknown-drone-class",
    ),
    pytest.param(
        [((*GUN, "class"), "big_gun")],
        E(
            "sites[0].effectors[0].class",
            "must be 'small_calibre_gun'; got 'big_gun'",
        ),
        id="unknown-gun-class",
    ),
    pytest.param(
        [((*RAID, "drone"), {})],
        E("raids[0].drone.class", "is required; got nothing"),
        id="drone-without-class",
    ),
    pytest.param(
        [((*RAID, "target", "asset"), "fule")],
        E(
            "raids[0].target.asset",
            "must name an asset; got unknown asset 'fule'; known: ['fuel']",
        ),
        id="dangling-target-asset",
    ),
    pytest.param(
        [((*RAID, "target"), {"site": "port"})],
        E(
            "raids[0].target.site",
            "must name a site; got unknown site 'port'; known: ['depot']",
        ),
        id="dangling-target-site",
    ),
    pytest.param(
        [((*RAID, "target"), {"asset": "fuel", "site": "depot"})],
        E(
            "raids[0].target.site",
            "must be unset when asset is given; got asset='fuel', site='depot'",
        ),
        id="target-asset-and-site",
    ),
    pytest.param(
        [(("sites", 0, "effectors", 1, "id"), "gun-1")],
        E(
            "sites[0].effectors[1].id",
            "must be unique; got 'gun-1', already used at sites[0].effectors[0].id",
        ),
        id="duplicate-id",
    ),
    pytest.param(
        [((*RADAR, "id"), "fuel")],
        E(
            "sites[0].sensors[0].id",
            "must be unique; got 'fuel', already used at sites[0].assets[0].id",
        ),
        id="duplicate-id-across-kinds",
    ),
    pytest.param(
        [((*RAID, "id"), "wave 1")],
        E(
            "raids[0].id",
            "must contain only letters, digits, '_', '-' and '.', starting with a "
            "letter or digit; got 'wave 1'",
        ),
        id="id-with-a-space",
    ),
    pytest.param(
        [((*GUN, "range_min_m"), 4000), ((*GUN, "range_max_m"), 3000)],
        E(
            "sites[0].effectors[0].range_max_m",
            "must be > range_min_m (4000.0); got 3000.0",
        ),
        id="range-min-above-max",
    ),
    pytest.param(
        [((*GUN, "range_min_m"), 3500)],
        E(
            "sites[0].effectors[0].range_max_m",
            "must be > range_min_m (3500.0); got 3500.0",
        ),
        id="range-min-equal-to-class-max",
    ),
    pytest.param(
        [((*GUN, "position", "north_m"), DELETE)],
        E(
            "sites[0].effectors[0].position",
            "needs both east_m and north_m; got east_m",
        ),
        id="position-missing-north",
    ),
    pytest.param(
        [((*GUN, "position", "lat_deg"), 35.0), ((*GUN, "position", "lon_deg"), 25.0)],
        E(
            "sites[0].effectors[0].position",
            "give either east_m/north_m or lat_deg/lon_deg, not both; got east_m, "
            "north_m, lat_deg, lon_deg",
        ),
        id="position-local-and-geodetic",
    ),
    pytest.param(
        [((*GUN, "position"), {"height_m": 5.0})],
        E(
            "sites[0].effectors[0].position",
            "needs east_m/north_m or lat_deg/lon_deg; got neither",
        ),
        id="position-empty",
    ),
    pytest.param(
        [((*RAID, "launch", "position", "east_m"), 600_000.0)],
        E(
            "raids[0].launch.position",
            "must lie within 500 km of the origin; got 600.7 km",
        ),
        id="launch-too-far",
    ),
    pytest.param(
        [(("sites", 0, "position"), {"east_m": 499_800.0, "north_m": 0.0})],
        E(
            "sites[0].effectors[0].position",
            "must lie within 500 km of the origin; got 500.1 km",
        ),
        id="offset-from-site-too-far",
    ),
    pytest.param(
        [((*RADAR, "scan_period_s"), 0.5)],
        E("sites[0].sensors[0].scan_period_s", "must be >= run.dt_s (1.0); got 0.5"),
        id="scan-period-below-dt",
    ),
    pytest.param(
        [(("doctrine",), {"decision_period_s": 0.5})],
        E("doctrine.decision_period_s", "must be >= run.dt_s (1.0); got 0.5"),
        id="decision-period-below-dt",
    ),
    pytest.param(
        [((*RAID, "launch_time_s"), 1150)],
        E(
            "raids[0].launch_time_s",
            "must launch the last drone (with its jitter) before run.duration_s "
            "(1200.0); got last launch at 1240.0",
        ),
        id="last-launch-after-duration",
    ),
    pytest.param(
        [(("run", "dt_s"), 0.001), (("run", "duration_s"), 172_800.0)],
        E(
            "run.duration_s",
            "must be at most 2,000,000 steps of dt_s; got 172800000 steps",
        ),
        id="too-many-steps",
    ),
    pytest.param(
        [(("sites",), [])],
        E("sites", "must have at least 1 item(s); got 0"),
        id="empty-sites",
    ),
    pytest.param(
        [(("sites", 0, "assets"), [])],
        E("sites", "must hold at least one asset to defend; got none"),
        id="no-assets",
    ),
    pytest.param(
        [((*DRONE, "on_link_loss"), "hover")],
        E(
            "raids[0].drone.on_link_loss",
            "must not be 'hover' for a fixed_wing airframe; got 'hover'",
        ),
        id="fixed-wing-cannot-hover",
    ),
    pytest.param(
        [(("schema_version",), 2)],
        E("schema_version", "must be 1; got 2"),
        id="unknown-schema-version",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), ONE_ERROR)
def test_one_mistake_gives_one_exact_error(
    quickstart_data: dict[str, Any],
    edits: list[tuple[tuple[Any, ...], Any]],
    expected: FieldError,
) -> None:
    """Each mistake raises ScenarioError with exactly its path, expectation and value."""
    _edit(quickstart_data, edits)
    assert _parse_errors(quickstart_data) == [expected]


def test_a_geodetic_position_too_far_is_measured_along_the_earth(
    quickstart_data: dict[str, Any],
) -> None:
    """A geodetic launch point 10 degrees north is reported with its distance in km.

    Along the earth, not on the local plane (1104.7 km there): projected onto the
    plane, a point near the antipode would land close to the origin.
    """
    quickstart_data["raids"][0]["launch"]["position"] = {
        "lat_deg": 45.0,
        "lon_deg": 25.0,
    }
    assert _parse_errors(quickstart_data) == [
        E(
            "raids[0].launch.position",
            "must lie within 500 km of the origin; got 1112.0 km",
        )
    ]


def test_too_many_drones_in_all(quickstart_data: dict[str, Any]) -> None:
    """Raids within their own limits but over the scenario's total are reported once."""
    raid = quickstart_data["raids"][0]
    raid.update(count=6000, launch_interval_s=0)
    quickstart_data["raids"].append({**raid, "id": "wave-2"})
    assert _parse_errors(quickstart_data) == [
        E("raids", "must launch at most 10000 drones in all; got 12000")
    ]


def test_several_structural_errors_are_all_listed(
    quickstart_data: dict[str, Any],
) -> None:
    """A missing field, an unknown kind and a negative speed are reported together."""
    _edit(
        quickstart_data,
        [
            (("origin",), DELETE),
            ((*GUN, "kind"), "railgun"),
            ((*DRONE, "speed_mps"), -5.0),
        ],
    )
    assert _parse_errors(quickstart_data) == [
        E("origin", "is required; got nothing"),
        E(
            "sites[0].effectors[0].kind",
            "must be one of ['gun', 'missile', 'jammer', 'laser', 'microwave', "
            "'interceptor']; got 'railgun'",
        ),
        E("raids[0].drone.speed_mps", "must be > 0.0; got -5.0"),
    ]


def test_several_cross_field_errors_are_all_listed(
    quickstart_data: dict[str, Any],
) -> None:
    """A short scan period, a dangling target and a short decision period together."""
    _edit(
        quickstart_data,
        [
            ((*RADAR, "scan_period_s"), 0.5),
            ((*RAID, "target", "asset"), "nowhere"),
            (("doctrine",), {"decision_period_s": 0.5}),
        ],
    )
    assert _parse_errors(quickstart_data) == [
        E("sites[0].sensors[0].scan_period_s", "must be >= run.dt_s (1.0); got 0.5"),
        E(
            "raids[0].target.asset",
            "must name an asset; got unknown asset 'nowhere'; known: ['fuel']",
        ),
        E("doctrine.decision_period_s", "must be >= run.dt_s (1.0); got 0.5"),
    ]


def test_the_message_names_the_file_and_lists_every_error(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """str(ScenarioError) starts with the file and puts each error on its own line."""
    _edit(quickstart_data, [(("origin",), DELETE), ((*DRONE, "speed_mps"), -5.0)])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(quickstart_data))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}: 2 errors\n"
        "  origin is required; got nothing\n"
        "  raids[0].drone.speed_mps must be > 0.0; got -5.0"
    )


def test_scenario_error_is_a_value_error(quickstart_data: dict[str, Any]) -> None:
    """`except ValueError` still catches a bad scenario."""
    del quickstart_data["origin"]
    with pytest.raises(ValueError, match=r"^origin is required; got nothing$"):
        parse_scenario(quickstart_data)


# --------------------------------------------------------------------------- files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param("e.yaml", "", "is empty; expected a scenario mapping", id="empty"),
        pytest.param(
            "c.yaml",
            "# nothing\n",
            "is empty; expected a scenario mapping",
            id="comment",
        ),
        pytest.param(
            "e.toml", "", "is empty; expected a scenario mapping", id="empty-toml"
        ),
        pytest.param(
            "l.yaml",
            "- a\n- b\n",
            "must be a mapping at the top level; got a list",
            id="list",
        ),
        pytest.param(
            "s.yaml",
            "hello\n",
            "must be a mapping at the top level; got 'hello'",
            id="scalar",
        ),
        pytest.param(
            "l.json",
            "[1, 2]",
            "must be a mapping at the top level; got a list",
            id="json-list",
        ),
        pytest.param(
            "syntax.yaml",
            "name: x\norigin: {lat_deg: 1\nsites: [\n",
            "line 3, column 6: must be valid YAML; got expected ',' or '}', but got ':'",
            id="yaml-syntax",
        ),
        pytest.param(
            "indent.yaml",
            "name: x\n  origin: 1\n",
            "line 2, column 9: must be valid YAML; got mapping values are not allowed "
            "here",
            id="yaml-indent",
        ),
        pytest.param(
            "custom.yaml",
            "name: !foo x\n",
            "line 1: tag '!foo' is not allowed: scenario files are plain data "
            "(mappings, lists, strings, numbers, booleans)",
            id="custom-tag",
        ),
        pytest.param(
            "recursive.yaml",
            "a: &a [1, *a]\n",
            "line 1: must not refer to itself; got a recursive alias",
            id="recursive-alias",
        ),
        pytest.param(
            "dup.yaml",
            "name: x\norigin: {}\nname: y\n",
            "line 3: keys must be unique; got 'name' twice",
            id="duplicate-keys",
        ),
        pytest.param(
            "deep.yaml",
            "a: " + "[" * 40 + "]" * 40 + "\n",
            "line 1: must nest at most 32 levels; got deeper",
            id="too-deep-flow",
        ),
        pytest.param(
            # Level 1 is the document; key k<i> on line i + 1 is at level i + 2, so
            # level 33 is first reached on line 32.
            "deep-block.yaml",
            "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v\n",
            "line 32: must nest at most 32 levels; got deeper",
            id="too-deep-block",
        ),
        pytest.param(
            # Fine where the anchor is (depth 30), too deep where the alias is used.
            "deep-alias.yaml",
            "a: &a " + "[" * 29 + "]" * 29 + "\nb: " + "[" * 5 + "*a" + "]" * 5 + "\n",
            "line 1: must nest at most 32 levels; got deeper",
            id="too-deep-through-alias",
        ),
        pytest.param(
            "deep.toml",
            "a = " + "[" * 40 + "]" * 40 + "\n",
            "must nest at most 32 levels; got deeper",
            id="too-deep-toml",
        ),
        pytest.param(
            "bad.toml",
            "name = \n",
            "must be valid TOML; got Invalid value (at line 1, column 8)",
            id="invalid-toml",
        ),
        pytest.param(
            "scenario.txt",
            "name: x\n",
            "file name must end in .yaml, .yml, .json or .toml; got 'scenario.txt'",
            id="wrong-suffix",
        ),
    ],
)
def test_bad_files_are_rejected_with_a_clear_message(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """A file that is not a scenario mapping is rejected with one exact message."""
    assert _read_errors(_write(tmp_path, name, text)) == [E("", message)]


def test_python_tags_are_rejected_and_never_run(tmp_path: Path) -> None:
    """A !!python tag is refused before anything it names is called."""
    marker = tmp_path / "pwned"
    path = _write(
        tmp_path,
        "evil.yaml",
        f'name: x\norigin: !!python/object/apply:os.system ["touch {marker}"]\n',
    )
    assert _read_errors(path) == [
        E(
            "",
            "line 2: tag '!!python/object/apply:os.system' is not allowed: scenario "
            "files are plain data (mappings, lists, strings, numbers, booleans)",
        )
    ]
    assert not marker.exists()


def _alias_flood(levels: int, width: int) -> str:
    """A "billion laughs" document: each level lists the previous one ``width`` times."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_flood_fails_fast(tmp_path: Path) -> None:
    """A billion-laughs document (9**10 nodes) is refused in well under a second."""
    path = _write(tmp_path, "lol.yaml", _alias_flood(levels=9, width=9))
    start = time.perf_counter()
    errors = _read_errors(path)
    assert time.perf_counter() - start < 1.0
    assert errors == [
        E(
            "",
            "must expand to at most 1,000,000 YAML nodes; got more (an alias flood?)",
        )
    ]


def test_too_many_aliases_are_refused(tmp_path: Path) -> None:
    """More than MAX_ALIASES aliases are refused, naming the line of the one too many."""
    aliases = ", ".join(["*a"] * (MAX_ALIASES + 1))
    path = _write(tmp_path, "many.yaml", f"a: &a x\nb: [{aliases}]\n")
    assert _read_errors(path) == [
        E("", "line 2: must use at most 100 YAML aliases; got more")
    ]


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    """A file one byte over MAX_FILE_BYTES is refused before it is read."""
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert _read_errors(path) == [
        E("", "file must be at most 5,000,000 bytes; got 5,000,001 bytes")
    ]


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    """A file of exactly MAX_FILE_BYTES passes the size check (and is then empty)."""
    path = tmp_path / "full.toml"  # TOML: PyYAML would take seconds over 5 MB
    path.write_bytes(b"#" * MAX_FILE_BYTES)
    assert _read_errors(path) == [E("", "is empty; expected a scenario mapping")]


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    """A path that does not exist gives 'file not found' after the path."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: file not found"


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    """A directory named like a scenario file is refused."""
    path = tmp_path / "dir.yaml"
    path.mkdir()
    assert _read_errors(path) == [
        E("", "must be a file; got a directory or special file")
    ]


@pytest.mark.parametrize("name", ["u.yaml", "u.toml"])
def test_non_utf8_bytes_are_refused(tmp_path: Path, name: str) -> None:
    """Bytes that are not UTF-8 are refused, naming their offset."""
    path = tmp_path / name
    path.write_bytes(b"name: \xff\xfe\n")
    assert _read_errors(path) == [
        E("", "must be UTF-8 text; got an undecodable byte at offset 6")
    ]
