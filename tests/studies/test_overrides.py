"""Scenario fields by dotted path, and the values ``--vary`` gives them."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyscreen.errors import ScenarioError
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import VaryError, parse_vary, with_values
from skyscreen.studies.overrides import (
    MAX_GRID_POINTS,
    check_paths,
    get_path,
    split_path,
)

COASTAL = load_scenario(example_path("coastal-airbase"))


# --------------------------------------------------------------------------- grids


def test_integer_grid_includes_its_end_when_on_the_grid() -> None:
    v = parse_vary("raids.0.count=4:64:4")
    assert v.path == "raids.0.count"
    assert v.values == tuple(range(4, 65, 4))
    assert len(v.values) == 16
    assert v.values[-1] == 64
    assert all(type(x) is int for x in v.values)
    assert not v.is_range


def test_integer_grid_stops_before_an_end_off_the_grid() -> None:
    assert parse_vary("x=4:63:4").values == tuple(range(4, 61, 4))
    assert parse_vary("x=5:5:3").values == (5,)
    assert parse_vary("x=-6:6:4").values == (-6, -2, 2, 6)


def test_float_grid_has_no_float_noise() -> None:
    v = parse_vary("doctrine.min_shot_pk=0:1:0.3")
    assert v.values == (0.0, 0.3, 0.6, 0.9)
    assert [repr(x) for x in v.values] == ["0.0", "0.3", "0.6", "0.9"]
    tenths = parse_vary("x=0:1:0.1").values
    # Exactly the literals, not 0.30000000000000004; the end 1.0 included.
    assert tenths == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    assert parse_vary("x=0.5:1.25:0.25").values == (0.5, 0.75, 1.0, 1.25)


@given(
    lo=st.integers(-(10**6), 10**6),
    span=st.integers(0, 10**6),
    step=st.integers(1, 10**6),
)
@settings(max_examples=300, deadline=None)
def test_integer_grid_property(lo: int, span: int, step: int) -> None:
    hi = lo + span
    n = span // step + 1
    if n > MAX_GRID_POINTS:
        with pytest.raises(VaryError, match="at most 10,000 values"):
            parse_vary(f"x={lo}:{hi}:{step}")
        return
    values = parse_vary(f"x={lo}:{hi}:{step}").values
    assert values[0] == lo
    assert all(b - a == step for a, b in itertools.pairwise(values))
    assert max(values) <= hi
    assert (values[-1] == hi) == (span % step == 0)
    assert hi - values[-1] < step  # nothing left out at the end either
    assert values == tuple(range(lo, hi + 1, step))


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("x=0:1999999999:2000000000", (0,)),
        ("x=5:1000000004:1000000000", (5,)),
        ("x=0:1999999999999:1000000000000", (0, 1000000000000)),
    ],
)
def test_integer_grid_with_a_huge_step_never_passes_its_end(
    text: str, want: tuple[int, ...]
) -> None:
    assert parse_vary(text).values == want


# --------------------------------------------------------------------------- lists


def test_list_items_are_yaml_scalars() -> None:
    assert parse_vary("sites.0.effectors.3.enabled=true,false").values == (
        True,
        False,
    )
    ints = parse_vary("raids.0.count=4,8,16").values
    assert ints == (4, 8, 16)
    assert all(type(x) is int for x in ints)
    assert parse_vary("doctrine.wta_method=greedy,exact").values == (
        "greedy",
        "exact",
    )
    mixed = parse_vary("x= 1.5 , -3 ,greedy, 0.25").values
    assert mixed == (1.5, -3, "greedy", 0.25)
    assert [type(x) for x in mixed] == [float, int, str, float]


def test_list_items_read_as_the_scenario_loader_reads_them() -> None:
    assert parse_vary("x=1e6,2.5e3").values == (1e6, 2500.0)
    assert parse_vary("x=yes,010").values == ("yes", 10)
    v = parse_vary("sites.0.assets.0.value_usd=1e6:2e6")
    assert (v.low, v.high) == (1e6, 2e6)


def test_a_single_value_and_a_range() -> None:
    assert parse_vary("raids.0.count=6").values == (6,)
    r = parse_vary("doctrine.min_shot_pk=0:0.3")
    assert r.is_range
    assert r.values == ()
    assert (r.low, r.high) == (0, 0.3)
    assert r.at(0.0) == 0
    assert r.at(0.5) == pytest.approx(0.15)
    listed = parse_vary("x=a,b,c")
    assert [listed.at(u) for u in (0.0, 0.33, 0.34, 0.67, 0.999)] == list("aabcc")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("raids.0.count", "--vary must be PATH=VALUES"),
        ("raids.0.count=", "--vary must be PATH=VALUES"),
        ("=4,8", "--vary must be PATH=VALUES"),
        ("raids.0.count=4,,8", "empty item in the list '4,,8'"),
        ("raids.0.count=4,8,", "empty item"),
        ("raids.0.count=4:64:0", "the step must be > 0; got 0"),
        ("raids.0.count=4:64:-4", "the step must be > 0; got -4"),
        ("raids.0.count=64:4:4", "the end must be >= the start; got 64:4"),
        ("raids.0.count=64:4", "the end must be >= the start; got 64:4"),
        ("raids.0.count=0:100000:1", "at most 10,000 values; got 100,001"),
        ("raids.0.count=a:8", "the start must be a number; got 'a'"),
        ("raids.0.count=4:8:x", "the step must be a number; got 'x'"),
        ("raids.0.count=1:2:3:4", "a range is lo:hi or lo:hi:step"),
        ("raids.0.count=true:8", "the start must be a number; got 'true'"),
        ("raids..count=4", "field path must be dotted names and indices"),
    ],
)
def test_malformed_vary(text: str, message: str) -> None:
    with pytest.raises(VaryError) as info:
        parse_vary(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)  # VaryError is a ValueError too


def test_a_list_of_too_many_values() -> None:
    items = ",".join(str(i) for i in range(MAX_GRID_POINTS + 1))
    with pytest.raises(VaryError, match="at most 10,000 values"):
        parse_vary(f"x={items}")
    assert len(parse_vary(f"x={items.rpartition(',')[0]}").values) == MAX_GRID_POINTS


# --------------------------------------------------------------------------- paths


def test_split_path_forms_agree() -> None:
    assert split_path("raids[0].count") == ["raids", "0", "count"]
    assert split_path("raids.0.count") == ["raids", "0", "count"]
    assert split_path("sites[0].effectors[3].enabled") == split_path(
        "sites.0.effectors.3.enabled"
    )


def test_paths_by_index_by_id_and_by_bracket_agree() -> None:
    data = COASTAL.model_dump(mode="json", by_alias=True)
    ids = [e["id"] for e in data["sites"][0]["effectors"]]
    i = ids.index("gun-n")
    assert i != 0  # so that an index and an id are really different ways in
    by_id = "sites.0.effectors.gun-n.enabled"
    by_index = f"sites.0.effectors.{i}.enabled"
    by_bracket = f"sites[0].effectors[{i}].enabled"
    assert get_path(data, by_id) is True
    for path in (by_id, by_index, by_bracket):
        spec = with_values(COASTAL, {path: False})
        effs = spec.sites[0].effectors
        assert [e.enabled for e in effs] == [e.id != "gun-n" for e in effs]
    # raids[0].count and raids.0.count set the same field.
    a = with_values(COASTAL, {"raids[0].count": 9})
    b = with_values(COASTAL, {"raids.0.count": 9})
    assert a == b
    assert a.raids[0].count == 9
    assert a.raids[1].count == 6


def test_get_path_reads_defaults_not_written_in_the_file() -> None:
    data = COASTAL.model_dump(mode="json", by_alias=True)
    assert get_path(data, "doctrine.min_shot_pk") == COASTAL.doctrine.min_shot_pk
    assert get_path(data, "raids.owa-2.count") == 6
    assert get_path(data, "raids.quad-3.count") == 12


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "sites.0.effectors.gun-zz.enabled",
            (
                "sites.0.effectors.gun-zz.enabled: sites.0.effectors has no entry with "
                "id 'gun-zz' (ids: gun-ne, gun-n, gun-e, gun-nw, gun-se, gun-sw, "
                "sam-north, sam-south; or give an index)"
            ),
        ),
        (
            "sites.0.effectors.8.enabled",
            (
                "sites.0.effectors.8.enabled: sites.0.effectors has 8 entries (0..7); "
                "got index 8"
            ),
        ),
        ("sites.1.name", "sites.1.name: sites has 1 entries (0..0); got index 1"),
        ("raids.0.cnt", "raids.0 has no field 'cnt' (its fields: count, drone, id,"),
        ("nope", "the scenario has no field 'nope' (its fields: description, doctrine"),
        ("sites.0.name.x", "sites.0.name is a value, not a mapping or list"),
    ],
)
def test_a_bad_path_says_what_is_there(path: str, message: str) -> None:
    data = COASTAL.model_dump(mode="json", by_alias=True)
    with pytest.raises(VaryError) as info:
        get_path(data, path)
    assert message in str(info.value)
    with pytest.raises(VaryError) as info2:
        with_values(COASTAL, {path: 1})
    assert message in str(info2.value)


def test_check_paths_lists_every_bad_path_at_once(quickstart: ScenarioSpec) -> None:
    varies = [
        parse_vary("raids.0.cnt=1,2"),
        parse_vary("sites.0.effectors.gun-9.enabled=true,false"),
        parse_vary("raids[0].count=1,2"),
        parse_vary("raids.0.count=3"),
        parse_vary("doctrine.min_shot_pk=0:0.2"),
    ]
    with pytest.raises(ScenarioError) as info:
        check_paths(quickstart, varies)
    text = str(info.value)
    assert "3 errors" in text
    assert "raids.0 has no field 'cnt'" in text
    assert "no entry with id 'gun-9' (ids: gun-1, sam-1; or give an index)" in text
    assert "raids.0.count is varied twice; give it once" in text
    assert "min_shot_pk" not in text
    check_paths(quickstart, varies[3:])  # the good ones pass


# --------------------------------------------------------------------------- values


def test_with_values_validates_and_names_the_field(quickstart: ScenarioSpec) -> None:
    with pytest.raises(ScenarioError) as info:
        with_values(quickstart, {"doctrine.min_shot_pk": 1.5})
    assert "doctrine.min_shot_pk must be <= 1.0; got 1.5" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        with_values(quickstart, {"raids.0.count": -3})
    assert "raids[0].count must be >= 1; got -3" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        with_values(quickstart, {"raids[0].count": "many"})
    assert "raids[0].count must be an integer; got 'many'" in str(info.value)


def test_an_integer_field_takes_a_float_rounded(quickstart: ScenarioSpec) -> None:
    assert with_values(quickstart, {"raids.0.count": 7.4}).raids[0].count == 7
    assert with_values(quickstart, {"raids.0.count": 7.6}).raids[0].count == 8
    spec = with_values(quickstart, {"raids.0.count": 7.0})
    assert type(spec.raids[0].count) is int
    assert spec.raids[0].count == 7
    # and a float field an integer, as a float
    pk = with_values(quickstart, {"doctrine.min_shot_pk": 0})
    assert pk.doctrine.min_shot_pk == 0.0


def test_with_values_changes_only_what_it_names(quickstart: ScenarioSpec) -> None:
    before = quickstart.model_dump(mode="json", by_alias=True)
    spec = with_values(
        quickstart,
        {"raids.0.count": 6, "sites.0.effectors.gun-1.enabled": False},
    )
    after = spec.model_dump(mode="json", by_alias=True)
    assert quickstart.model_dump(mode="json", by_alias=True) == before  # not mutated
    assert after["raids"][0]["count"] == 6
    assert after["sites"][0]["effectors"][0]["enabled"] is False
    after["raids"][0]["count"] = before["raids"][0]["count"]
    after["sites"][0]["effectors"][0]["enabled"] = True
    assert after == before
    assert with_values(quickstart, {}) == quickstart


def test_vary_at_covers_a_range_linearly() -> None:
    v = parse_vary("x=2:8")
    assert [v.at(u) for u in (0.0, 0.25, 0.5)] == [2.0, 3.5, 5.0]
    assert math.isnan(parse_vary("x=1,2").low)
