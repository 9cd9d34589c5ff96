"""Scenario specs: examples load, class defaults fill in, specs are frozen and round-trip."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from skyscreen.errors import FieldError, ScenarioError
from skyscreen.scenario import (
    CLASSES,
    ScenarioSpec,
    ScenarioWarning,
    dump_scenario,
    example_names,
    example_path,
    load_scenario,
    parse_scenario,
    read_scenario_data,
    scenario_json_schema,
)

EXAMPLES = [
    "coastal-airbase",
    "jammer-vs-autonomy",
    "layered-defence",
    "night-raid",
    "quickstart",
    "two-sites",
]

# examples/quickstart.yaml written by hand as TOML (tomli_w is not a dependency).
QUICKSTART_TOML = """\
name = "quickstart"
description = \"\"\"Four one-way-attack drones against a single fuel depot defended by a \
radar, a gun and a missile launcher.
\"\"\"
origin = { lat_deg = 35.0, lon_deg = 25.0, alt_m = 0.0 }
run = { dt_s = 1.0, duration_s = 1200.0, replications = 200, seed = 1 }

[[sites]]
id = "depot"
name = "Fuel depot"

[[sites.assets]]
id = "fuel"
type = "fuel"
position = { east_m = 0, north_m = 0 }
radius_m = 40
value_usd = 20.0e6
occupancy = 10
lethality = 0.1

[[sites.sensors]]
kind = "radar"
id = "radar-1"
position = { east_m = 0, north_m = 200, height_m = 10 }

[[sites.effectors]]
kind = "gun"
id = "gun-1"
position = { east_m = 300, north_m = 300 }

[[sites.effectors]]
kind = "missile"
id = "sam-1"
position = { east_m = -300, north_m = 0 }

[[raids]]
id = "wave-1"
drone = { class = "fixed_wing_owa" }
count = 4
launch_interval_s = 30
launch = { position = { east_m = 20000, north_m = 30000 }, radius_m = 500 }
target = { asset = "fuel" }
"""

# Spec models whose unset fields come from a class table, and the kind of that table.
CLASSED_DEFS = {
    "RadarSpec": "radar",
    "GunSpec": "gun",
    "MissileSpec": "missile",
    "JammerSpec": "jammer",
    "DroneSpec": "drone",
}


def _classed(kind: str) -> set[str]:
    """Every field that some class of ``kind`` gives a default."""
    return set().union(*(set(table) for table in CLASSES[kind].values()))


# --------------------------------------------------------------------------- examples


def test_example_names_lists_the_bundled_examples() -> None:
    """example_names lists the bundled examples, sorted, each a file on disk."""
    assert example_names() == EXAMPLES
    for name in EXAMPLES:
        assert example_path(name).is_file()
        assert example_path(f"{name}.yaml") == example_path(name)


def test_example_path_rejects_an_unknown_name() -> None:
    """An unknown example name raises ScenarioError listing the known ones."""
    with pytest.raises(ScenarioError) as info:
        example_path("nope")
    assert info.value.errors == [
        FieldError(
            "",
            "example must be one of ['coastal-airbase', 'jammer-vs-autonomy', "
            "'layered-defence', 'night-raid', 'quickstart', 'two-sites']; "
            "got 'nope'",
        )
    ]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_loads(name: str) -> None:
    """Every bundled example loads into a ScenarioSpec named after the example."""
    spec = load_scenario(example_path(name))
    assert isinstance(spec, ScenarioSpec)
    assert spec.name == name
    assert spec.n_drones == sum(raid.count for raid in spec.raids) > 0


def test_a_file_without_name_is_named_after_its_stem(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """load_scenario names a scenario without `name` after its file's stem."""
    del quickstart_data["name"]
    path = tmp_path / "my scenario.yaml"
    path.write_text(json.dumps(quickstart_data))
    assert load_scenario(path).name == "my-scenario"


def test_json_files_load_like_yaml(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """A .json scenario file loads to the same spec as the YAML it came from."""
    path = tmp_path / "quickstart.json"
    path.write_text(json.dumps(quickstart_data))
    assert load_scenario(path) == load_scenario(example_path("quickstart"))


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize(
    ("kind", "cls", "pick"),
    [
        ("radar", "short_range_radar", lambda s: s.sites[0].sensors[0]),
        ("gun", "small_calibre_gun", lambda s: s.sites[0].effectors[0]),
        ("missile", "short_range_missile", lambda s: s.sites[0].effectors[1]),
        ("drone", "fixed_wing_owa", lambda s: s.raids[0].drone),
    ],
)
def test_class_defaults_fill_unset_fields(kind: str, cls: str, pick: Any) -> None:
    """A sensor, effector or drone given only its class holds every class default."""
    model = pick(load_scenario(example_path("quickstart")))
    assert model.class_ == cls
    for field, default in CLASSES[kind][cls].items():
        assert getattr(model, field) == default.value, field


def test_jammer_class_defaults_fill_unset_fields() -> None:
    """The two-sites jammer, given no class, holds every rf_jammer default."""
    spec = load_scenario(example_path("two-sites"))
    jammer = spec.sites[1].effectors[3]
    assert jammer.kind == "jammer"
    for field, default in CLASSES["jammer"]["rf_jammer"].items():
        assert getattr(jammer, field) == default.value, field


def test_an_override_wins_and_other_defaults_stay(
    quickstart_data: dict[str, Any],
) -> None:
    """A gun with rate_rpm: 300 fires at 300 and keeps every other class default."""
    quickstart_data["sites"][0]["effectors"][0]["rate_rpm"] = 300
    gun = parse_scenario(quickstart_data).sites[0].effectors[0]
    assert gun.rate_rpm == 300.0
    for field, default in CLASSES["gun"]["small_calibre_gun"].items():
        if field != "rate_rpm":
            assert getattr(gun, field) == default.value, field


def test_the_drone_class_chooses_its_table(quickstart_data: dict[str, Any]) -> None:
    """A multirotor drone takes the multirotor table; a field override still wins."""
    quickstart_data["raids"][0]["drone"] = {"class": "multirotor", "speed_mps": 20}
    drone = parse_scenario(quickstart_data).raids[0].drone
    assert drone.speed_mps == 20.0
    for field, default in CLASSES["drone"]["multirotor"].items():
        if field != "speed_mps":
            assert getattr(drone, field) == default.value, field


def test_the_resolved_spec_is_frozen() -> None:
    """Assigning to a field of the spec, or of a nested spec, raises."""
    spec = load_scenario(example_path("quickstart"))
    with pytest.raises(ValidationError, match="frozen"):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        spec.raids[0].count = 99  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        spec.sites[0].effectors[0].rate_rpm = 1.0  # type: ignore[misc]
    assert spec.raids[0].count == 4


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", EXAMPLES)
def test_dump_then_load_gives_an_equal_spec(name: str, tmp_path: Path) -> None:
    """dump_scenario then load_scenario gives back an equal spec for every example."""
    spec = load_scenario(example_path(name))
    path = tmp_path / f"{name}.yaml"
    text = dump_scenario(spec, path)
    assert path.read_text(encoding="utf-8") == text
    again = load_scenario(path)
    assert again.model_dump() == spec.model_dump()
    assert again == spec


def test_dump_writes_every_default(tmp_path: Path) -> None:
    """The dumped file spells out class defaults, so it loads the same without them."""
    path = tmp_path / "q.yaml"
    dump_scenario(load_scenario(example_path("quickstart")), path)
    gun = read_scenario_data(path)["sites"][0]["effectors"][0]
    assert gun["class"] == "small_calibre_gun"
    assert set(CLASSES["gun"]["small_calibre_gun"]) <= set(gun)


def test_a_string_that_looks_like_a_number_stays_a_string(
    tmp_path: Path, quickstart_data: dict[str, Any]
) -> None:
    """A name such as '1e5' is quoted when dumped, so it loads back as a string."""
    quickstart_data["name"] = "1e5"
    spec = parse_scenario(quickstart_data)
    path = tmp_path / "s.yaml"
    dump_scenario(spec, path)
    assert load_scenario(path).name == "1e5"


def test_exponents_without_a_sign_read_as_numbers(tmp_path: Path) -> None:
    """YAML numbers such as 20.0e6 and 1e6 read as floats, as YAML 1.2 reads them."""
    path = tmp_path / "n.yaml"
    path.write_text("a: 20.0e6\nb: -1e6\nc: 1.5E-3\nd: '1e6'\ne: 1e\n")
    assert read_scenario_data(path) == {
        "a": 20.0e6,
        "b": -1e6,
        "c": 1.5e-3,
        "d": "1e6",
        "e": "1e",
    }


def test_toml_loads_equal_to_yaml(tmp_path: Path) -> None:
    """The quickstart example written as TOML loads to the same spec as its YAML."""
    path = tmp_path / "quickstart.toml"
    path.write_text(QUICKSTART_TOML, encoding="utf-8")
    from_toml = load_scenario(path)
    from_yaml = load_scenario(example_path("quickstart"))
    assert from_toml.model_dump() == from_yaml.model_dump()


# --------------------------------------------------------------------------- schema


def test_schema_is_json_for_draft_2020_12() -> None:
    """scenario_json_schema is plain JSON declaring draft 2020-12."""
    schema = scenario_json_schema()
    assert json.loads(json.dumps(schema)) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "skyscreen scenario"
    assert schema["required"] == ["origin", "sites", "raids"]  # name: the file stem
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("model", "kind"), CLASSED_DEFS.items())
def test_schema_does_not_require_class_defaulted_fields(model: str, kind: str) -> None:
    """Fields a class fills are optional in the schema and their defaults described."""
    definition = scenario_json_schema()["$defs"][model]
    classed = _classed(kind)
    assert not classed & set(definition.get("required", []))
    for field in classed:
        assert "Class default (" in definition["properties"][field]["description"]


def test_schema_requires_what_no_class_fills() -> None:
    """An effector needs its kind, id and position; a drone needs only its class."""
    defs = scenario_json_schema()["$defs"]
    assert defs["GunSpec"]["required"] == ["kind", "id", "position"]
    assert defs["DroneSpec"]["required"] == ["class"]


def test_schema_is_valid_json_schema() -> None:
    """The schema passes the JSON Schema 2020-12 meta-schema."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(scenario_json_schema())


@pytest.mark.parametrize("name", EXAMPLES)
def test_schema_accepts_every_example(name: str) -> None:
    """Each example's raw YAML data validates against the schema."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    data = read_scenario_data(example_path(name))
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_rejects_a_negative_speed(quickstart_data: dict[str, Any]) -> None:
    """The schema, like the loader, rejects a drone with a negative speed."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    quickstart_data["raids"][0]["drone"]["speed_mps"] = -5.0
    errors = list(validator.iter_errors(quickstart_data))
    assert [list(e.absolute_path) for e in errors] == [
        ["raids", 0, "drone", "speed_mps"]
    ]


# --------------------------------------------------------------------------- property


_BASE = read_scenario_data(example_path("quickstart"))
_DURATION_S = _BASE["run"]["duration_s"]
_coord = st.floats(-300_000.0, 300_000.0, allow_nan=False)  # stays within 500 km
_offset = st.floats(-2_000.0, 2_000.0, allow_nan=False)


@st.composite
def quickstart_variations(draw: st.DrawFn) -> dict[str, Any]:
    """Valid variations of quickstart: counts, speeds, positions and launch times."""
    data = copy.deepcopy(_BASE)
    raid = data["raids"][0]
    count = draw(st.integers(1, 20))
    interval = draw(st.floats(0.0, 30.0))
    jitter = draw(st.floats(0.0, 60.0))
    # The last launch, with its jitter, must come before the end of the run.
    latest = _DURATION_S - (count - 1) * interval - jitter - 1.0
    raid.update(
        count=count,
        launch_interval_s=interval,
        launch_jitter_s=jitter,
        launch_time_s=draw(st.floats(0.0, latest)),
    )
    raid["drone"]["speed_mps"] = draw(st.floats(1.0, 400.0))
    raid["drone"]["cruise_height_m"] = draw(st.floats(1.0, 15_000.0))
    raid["launch"] = {
        "position": {"east_m": draw(_coord), "north_m": draw(_coord)},
        "radius_m": draw(st.floats(0.0, 100_000.0)),
    }
    raid["route"] = [
        {"east_m": e, "north_m": n}
        for e, n in draw(st.lists(st.tuples(_coord, _coord), max_size=3))
    ]
    gun = data["sites"][0]["effectors"][0]
    gun["position"] = {
        "east_m": draw(_offset),
        "north_m": draw(_offset),
        "height_m": draw(st.floats(0.0, 100.0)),
    }
    if draw(st.booleans()):
        gun["rate_rpm"] = draw(st.floats(1.0, 10_000.0))
    data["sites"][0]["assets"][0]["occupancy"] = draw(st.integers(0, 1_000_000))
    data["doctrine"] = {"decision_period_s": draw(st.floats(1.0, 600.0))}
    return data


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the property test's files (module-scoped, so Hypothesis may use it)."""
    return tmp_path_factory.mktemp("roundtrip")


@settings(max_examples=40, deadline=None)
@given(data=quickstart_variations())
def test_variations_round_trip(data: dict[str, Any], scratch: Path) -> None:
    """Any valid variation of quickstart survives dump -> load unchanged."""
    spec = parse_scenario(data)
    path = scratch / "variation.yaml"
    dump_scenario(spec, path)
    with warnings.catch_warnings():  # a slow raid from far away may not arrive in time
        warnings.simplefilter("ignore", ScenarioWarning)
        again = load_scenario(path)
    assert again.model_dump() == spec.model_dump()
    assert again == spec
