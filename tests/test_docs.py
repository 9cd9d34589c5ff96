"""The user documentation in docs/ matches the code.

The generated pages (scenario.md, classes.md) must equal what docs/generate.py renders
now; the hand-written pages must name every output column, event kind and command-line
option the code has, and every claim the pages make about validation rules and unused
fields is checked here against the code's behaviour.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

import skyscreen
from skyscreen.cli import _build_parser
from skyscreen.engine import CAUSES, EVENT_KINDS, OUTCOMES, STATES
from skyscreen.errors import ScenarioError
from skyscreen.scenario import example_path, parse_scenario, read_scenario_data
from skyscreen.schema import SCHEMA_VERSION, TABLES

DOCS = Path(__file__).resolve().parents[1] / "docs"
Data = dict[str, Any]


def _load_generator() -> ModuleType:
    name = "skyscreen_docs_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DOCS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


GENERATE = _load_generator()


def _quickstart() -> Data:
    return copy.deepcopy(read_scenario_data(example_path("quickstart")))


def _section(page: str, heading: str) -> str:
    """Text of the ``## heading`` section of a docs page, up to the next ``## ``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    match = re.search(
        rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert match is not None, f"{page} has no section '## {heading}'"
    return match.group(1)


# --------------------------------------------------------------------------- generated


@pytest.mark.parametrize("page", sorted(GENERATE.PAGES))
def test_generated_page_is_current(page: str) -> None:
    """The committed page equals what docs/generate.py renders from the code now."""
    expected = GENERATE.PAGES[page]()
    committed = (DOCS / page).read_text(encoding="utf-8")
    assert committed == expected, (
        f"docs/{page} is out of date; run .venv/bin/python docs/generate.py"
    )


def test_generator_check_mode_passes() -> None:
    """``generate.py --check`` exits 0 when the pages are current."""
    assert GENERATE.main(["--check"]) == 0


def test_every_scenario_field_is_in_the_reference() -> None:
    """Every field of every section appears in its section's table."""
    text = (DOCS / "scenario.md").read_text(encoding="utf-8")
    for title, model, _ in GENERATE.SECTIONS:
        section = _section("scenario.md", title)
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in section, (title, name)
    assert "## Rules across fields" in text


# --------------------------------------------------------------------------- rules


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


def _both(
    path1: tuple[Any, ...], value1: Any, path2: tuple[Any, ...], value2: Any
) -> Callable[[Data], None]:
    def apply(data: Data) -> None:
        _set(path1, value1)(data)
        _set(path2, value2)(data)

    return apply


def _two_big_raids(data: Data) -> None:
    raid = copy.deepcopy(data["raids"][0])
    raid.update(count=6000, launch_interval_s=0.0)
    data["raids"] = [raid, {**copy.deepcopy(raid), "id": "wave-2"}]


def _empty_site_target(data: Data) -> None:
    data["sites"].append({"id": "empty", "position": {"east_m": 1000, "north_m": 0}})
    data["raids"][0]["target"] = {"site": "empty"}


def _no_assets(data: Data) -> None:
    data["sites"][0]["assets"] = []
    data["raids"][0]["target"] = {}


def _pointing_up(kind: str) -> Callable[[Data], None]:
    """Add a ``kind`` whose lowest elevation is above its highest (the last effector)."""

    def mutate(data: Data) -> None:
        data["sites"][0]["effectors"] = [
            *data["sites"][0]["effectors"][:2],
            {
                "kind": kind,
                "id": kind,
                "position": {"east_m": 0, "north_m": 0},
                "elevation_min_deg": 89.5,
            },
        ]

    return mutate


RADAR = ("sites", 0, "sensors", 0)
RADAR_AT = "sites[0].sensors[0]"
GUN = ("sites", 0, "effectors", 0)
MISSILE = ("sites", 0, "effectors", 1)
RAID = ("raids", 0)

# (index into CROSS_RULES, mutation of quickstart, field path of the expected error)
RULE_CASES: list[tuple[int, Callable[[Data], None], str]] = [
    (
        0,
        _set(
            ("sites", 0, "assets", 0, "position"),
            {"east_m": 0, "north_m": 0, "lat_deg": 35.0, "lon_deg": 25.0},
        ),
        "sites[0].assets[0].position",
    ),
    (
        1,
        _set((*RAID, "launch", "position"), {"east_m": 600000, "north_m": 0}),
        "raids[0].launch.position",
    ),
    (2, _set((*RADAR, "id"), "fuel"), "sites[0].sensors[0].id"),
    (3, _no_assets, "sites"),
    (4, _set((*RADAR, "range_min_m"), 30000), "sites[0].sensors[0].range_max_m"),
    (
        4,
        _set((*RADAR, "elevation_min_deg"), 80),
        "sites[0].sensors[0].elevation_max_deg",
    ),
    (4, _both((*RADAR, "pd_ref"), 0.05, (*RADAR, "pfa"), 0.09), f"{RADAR_AT}.pd_ref"),
    (4, _set((*RADAR, "scan_period_s"), 0.5), "sites[0].sensors[0].scan_period_s"),
    (5, _set((*GUN, "range_min_m"), 4000), "sites[0].effectors[0].range_max_m"),
    (
        5,
        _set((*GUN, "elevation_min_deg"), 86),
        "sites[0].effectors[0].elevation_max_deg",
    ),
    (6, _set((*MISSILE, "range_min_m"), 9000), "sites[0].effectors[1].range_max_m"),
    (7, _set((*RAID, "drone", "on_link_loss"), "hover"), "raids[0].drone.on_link_loss"),
    (
        8,
        _set((*RAID, "target"), {"asset": "fuel", "site": "depot"}),
        "raids[0].target.site",
    ),
    (8, _set((*RAID, "target"), {"asset": "nope"}), "raids[0].target.asset"),
    (8, _set((*RAID, "target"), {"site": "nope"}), "raids[0].target.site"),
    (8, _empty_site_target, "raids[0].target.site"),
    (9, _set((*RAID, "launch_time_s"), 1200.0), "raids[0].launch_time_s"),
    (9, _two_big_raids, "raids"),
    (10, _set(("doctrine",), {"decision_period_s": 0.5}), "doctrine.decision_period_s"),
    (11, _set(("run", "dt_s"), 0.0001), "run.duration_s"),
    (12, _pointing_up("laser"), "sites[0].effectors[2].elevation_max_deg"),
    (13, _pointing_up("microwave"), "sites[0].effectors[2].elevation_max_deg"),
    (14, _set(("tracking",), {"confirm_m": 4, "confirm_n": 3}), "tracking.confirm_m"),
]


@pytest.mark.parametrize(("rule", "mutate", "path"), RULE_CASES)
def test_documented_rule_is_enforced(
    rule: int, mutate: Callable[[Data], None], path: str
) -> None:
    """Each rule listed under 'Rules across fields' rejects a scenario that breaks it."""
    data = _quickstart()
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    paths = [e.path for e in info.value.errors]
    assert path in paths, (GENERATE.CROSS_RULES[rule][1], paths)


def test_every_documented_rule_has_a_case() -> None:
    """No rule in the reference goes unchecked."""
    assert {r for r, _, _ in RULE_CASES} == set(range(len(GENERATE.CROSS_RULES)))


# --------------------------------------------------------------------------- unused

# Fields whose description says "tracked fidelity only": changing them must change no
# result of the truth fidelity.
CAMERA = ("sites", 0, "sensors", 1)  # added to quickstart for these tests

TRACKED_ONLY: dict[tuple[str, str], Callable[[Data], None]] = {
    ("CameraSpec", "bearing_sigma_mrad"): _set((*CAMERA, "bearing_sigma_mrad"), 80.0),
    ("RadarSpec", "range_sigma_m"): _set((*RADAR, "range_sigma_m"), 500.0),
    ("RadarSpec", "azimuth_sigma_mrad"): _set((*RADAR, "azimuth_sigma_mrad"), 80.0),
    ("RadarSpec", "elevation_sigma_mrad"): _set((*RADAR, "elevation_sigma_mrad"), 80.0),
    ("RadarSpec", "false_alarms_per_scan"): _set(
        (*RADAR, "false_alarms_per_scan"), 50.0
    ),
}
# Other claims of the pages: the airframe changes nothing in flight, and a launch
# point's height is ignored.
NO_EFFECT: dict[str, Callable[[Data], None]] = {
    **{f"{m}.{f}": change for (m, f), change in TRACKED_ONLY.items()},
    "DroneSpec.airframe": _set((*RAID, "drone", "airframe"), "multirotor"),
    "LaunchSpec.position.height_m": _set(
        (*RAID, "launch", "position"),
        {"east_m": 20000, "north_m": 30000, "height_m": 500},
    ),
}


def test_fields_described_as_tracked_only_are_the_tested_ones() -> None:
    """Descriptions saying 'tracked fidelity only' match the truth no-effect tests.

    And no description says 'not used'.
    """
    described = set()
    for _, model, _ in GENERATE.SECTIONS:
        for name, info in model.model_fields.items():
            assert "not used" not in (info.description or ""), (model, name)
            if "tracked fidelity only" in (info.description or ""):
                described.add((model.__name__, name))
    assert described == set(TRACKED_ONLY)


def _tables(data: Data) -> list[pd.DataFrame]:
    res = skyscreen.simulate(
        parse_scenario(data), replications=6, seed=5, workers=1, progress=False
    )
    return [res.summary, res.drones, res.effectors, res.assets]


def _no_effect_base() -> Data:
    """Quickstart with a camera, so the camera's unused fields can be changed."""
    data = _quickstart()
    data["sites"][0]["sensors"].append(
        {"kind": "camera", "id": "eo-1", "position": {"east_m": 100, "north_m": 200}}
    )
    return data


@pytest.fixture(scope="module")
def baseline() -> list[pd.DataFrame]:
    return _tables(_no_effect_base())


@pytest.mark.parametrize("field", sorted(NO_EFFECT))
def test_documented_no_effect(field: str, baseline: list[pd.DataFrame]) -> None:
    """Changing a field the docs call unused leaves every result table unchanged."""
    data = _no_effect_base()
    NO_EFFECT[field](data)
    for got, want in zip(_tables(data), baseline, strict=True):
        pd.testing.assert_frame_equal(got, want)


# --------------------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # night-raid has RF detectors and rf_link drones, and the tracked fidelity with
    # record writes the picture: every table is written.
    res = skyscreen.simulate(
        example_path("night-raid"),
        replications=3,
        seed=1,
        workers=1,
        events=True,
        record=1,
        progress=False,
        fidelity="tracked",
    )
    return res.save(tmp_path_factory.mktemp("run") / "demo")


_DOC_TYPES = {
    "int64": "int",
    "float64": "float",
    "bool": "bool",
    "category": "category",
}
"""The Type column of outputs.md's tables, as the schema's logical types."""


def _documented_columns(table: str) -> list[tuple[str, str]]:
    """``(column, logical type)`` as a table's section of outputs.md lists them.

    In order, from the ``| Column | Type |`` table of the ``## <table>.parquet``
    section; a row may name several columns.
    """
    lines = _section("outputs.md", f"{table}.parquet").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Column |"))
    out = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        names, kind = (cell.strip() for cell in line.strip("|").split("|")[:2])
        for name in re.findall(r"`([^`]+)`", names):
            out.append((name, _DOC_TYPES[kind]))
    return out


@pytest.mark.parametrize("table", list(TABLES))
def test_outputs_page_lists_exactly_the_schema_columns(table: str) -> None:
    """Each table's section lists the schema's columns, in order, with their types."""
    want = [(c.name, c.type) for c in TABLES[table].columns]
    assert _documented_columns(table) == want


def test_outputs_page_documents_every_column(saved_run: Path) -> None:
    """Every column of every table a run writes is in its section of outputs.md."""
    for t in TABLES.values():
        columns = pd.read_parquet(saved_run / t.file).columns
        assert [name for name, _ in _documented_columns(t.name)] == list(columns)


def test_outputs_page_lists_the_run_directory() -> None:
    """The listing at the top names every table's file, and the schema version."""
    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    listing = text.split("```")[1]
    files = re.findall(r"^  (\S+\.parquet) ", listing, re.MULTILINE)
    assert files == [t.file for t in TABLES.values()]
    run_json = _section("outputs.md", "run.json")
    assert f"Version of the run-directory layout ({SCHEMA_VERSION})" in run_json


def test_outputs_page_documents_run_json(saved_run: Path) -> None:
    """Every key of run.json is in the run.json section."""
    meta = json.loads((saved_run / "run.json").read_text())
    section = _section("outputs.md", "run.json")
    for key in meta:
        assert f"`{key}`" in section, key


def test_outputs_page_documents_codes() -> None:
    """States, causes, event kinds and outcomes are named where they are described."""
    drones = _section("outputs.md", "drones.parquet")
    for state in ("killed", "defeated", "leaked", "expended", "airborne"):
        assert f"`{state}`" in drones
    for cause in CAUSES[1:]:
        assert f"`{cause}`" in drones
    events = _section("outputs.md", "events.parquet")
    for kind in EVENT_KINDS:
        assert f"| `{kind}` |" in events, kind
    for outcome in OUTCOMES[1:]:
        assert f"`{outcome}`" in events, outcome
    assert "rounds:" not in events  # round counts are the rounds column
    assert "`damaged:<asset id>`" in events
    trajectories = _section("outputs.md", "trajectories.parquet")
    for state in STATES[1:]:  # a trajectory row is never "pending"
        assert f"`{state}`" in trajectories, state
    stats = _section("outputs.md", "Statistics: stats()")
    for col in ("metric", "kind", "estimate", "ci_low", "ci_high", "n"):
        assert f"`{col}`" in stats


# --------------------------------------------------------------------------- cli


def test_cli_page_documents_every_command_and_option() -> None:
    """Every command, option and choice of the parser appears in cli.md."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = _build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)
    for command, subparser in sub.choices.items():
        assert f"### {command}" in text, command
        for action in subparser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in text, (command, option)
            for choice in action.choices or ():
                assert str(choice) in text, (command, choice)
    assert "--version" in text


# --------------------------------------------------------------------------- links


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        slug = _slug(line.lstrip("#"))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _links(page: Path) -> list[str]:
    out = []
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            out += re.findall(r"\]\(([^)\s]+)\)", line)
    return out


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_links_resolve(page: str) -> None:
    """Every relative link of a docs page names an existing page and heading."""
    for link in _links(DOCS / page):
        if re.match(r"[a-z]+://", link):
            continue
        target, _, anchor = link.partition("#")
        path = (DOCS / target) if target else DOCS / page
        assert path.is_file(), (page, link)
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), (page, link)
