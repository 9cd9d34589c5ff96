"""Compile: one ScenarioParams in SI units, grouped, with the kinds' derived tables."""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest

from skyscreen.engine import EFFECTOR_KINDS, SENSOR_KINDS
from skyscreen.models import gun as gun_model
from skyscreen.models import radar as radar_model
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import DoctrineParams, KindBlocks, compile_scenario
from skyscreen.scenario.kinds import EFFECTOR_SPECS, SENSOR_SPECS, SpecKind
from skyscreen.scenario.spec import ScenarioSpec, SiteSpec


@pytest.fixture(scope="module")
def spec() -> ScenarioSpec:
    return load_scenario(example_path("coastal-airbase"))


def test_scenario_and_engine_registries_list_the_same_kinds() -> None:
    """Each layer's registry names the same kinds in the same order."""
    assert list(SENSOR_SPECS) == [k.name for k in SENSOR_KINDS]
    assert list(EFFECTOR_SPECS) == [k.name for k in EFFECTOR_KINDS]
    for name, entry in {**SENSOR_SPECS, **EFFECTOR_SPECS}.items():
        assert isinstance(entry, SpecKind)
        assert entry.spec.model_fields["kind"].annotation.__args__ == (name,)


def test_site_unions_come_from_the_registry() -> None:
    """A site's effectors are the registry's kinds, discriminated by ``kind``."""
    schema = SiteSpec.model_json_schema(by_alias=True)
    items = schema["properties"]["effectors"]["items"]
    assert sorted(items["discriminator"]["mapping"]) == sorted(EFFECTOR_SPECS)
    sensors = schema["properties"]["sensors"]["items"]
    assert sorted(sensors["discriminator"]["mapping"]) == sorted(SENSOR_SPECS)


def test_params_are_grouped_by_kind_in_registry_order(spec: ScenarioSpec) -> None:
    """Blocks by kind name in registry order; ids and kinds follow them."""
    p = compile_scenario(spec)
    assert isinstance(p.sensors, KindBlocks)
    assert list(p.sensors) == list(SENSOR_SPECS)
    assert list(p.effectors) == list(EFFECTOR_SPECS)
    assert p.effector_ids == tuple(i for b in p.effectors.values() for i in b.ids)
    assert p.effector_kinds == tuple(
        name for name, b in p.effectors.items() for _ in range(b.n)
    )
    assert p.sensor_ids == tuple(i for b in p.sensors.values() for i in b.ids)
    units = [u for s in spec.sites for u in s.effectors]
    for name, block in p.effectors.items():
        assert block.ids == tuple(u.id for u in units if u.kind == name)


def test_doctrine_is_one_group(spec: ScenarioSpec) -> None:
    """Every doctrine field is in ``p.doctrine`` with the spec's value."""
    p = compile_scenario(spec)
    assert isinstance(p.doctrine, DoctrineParams)
    names = [f.name for f in fields(DoctrineParams)]
    assert sorted(names) == sorted(type(spec.doctrine).model_fields)
    for name in names:
        assert getattr(p.doctrine, name) == getattr(spec.doctrine, name)


def test_derived_tables_are_compiled_with_their_kind(spec: ScenarioSpec) -> None:
    """Radar reference SNR and gun burst tables come from models/ at compile time."""
    p = compile_scenario(spec)
    radars = p.sensors["radar"]
    for q in range(radars.n):
        want = radar_model.snr_from_reference(
            float(radars.pd_ref[q]), float(radars.pfa[q]), 1
        )
        assert radars.snr_ref[q] == want
    guns = p.effectors["gun"]
    specs = [u for s in spec.sites for u in s.effectors if u.kind == "gun"]
    assert guns.n == len(specs) > 0
    n_raid = len(p.raid_ids)
    assert guns.hit_radius_m.shape == (guns.n, n_raid)
    assert guns.pk_table.shape[:2] == (guns.n, n_raid)
    for k, g in enumerate(specs):
        assert guns.rate_rps[k] == g.rate_rpm / 60.0
        assert guns.n_rounds[k] == gun_model.rounds_per_burst(g.rate_rpm, g.burst_s)
        assert guns.pk_step_m[k] == g.range_max_m / (guns.pk_table.shape[2] - 1)
        # Pk falls off with range and stays a probability.
        assert ((guns.pk_table[k] >= 0.0) & (guns.pk_table[k] <= 1.0)).all()
        assert (guns.pk_table[k, :, 1] >= guns.pk_table[k, :, -1]).all()


def test_params_stay_read_only_through_pickling(spec: ScenarioSpec) -> None:
    """Every block's arrays are read-only, also after a round trip to a worker."""
    p = pickle.loads(pickle.dumps(compile_scenario(spec)))
    assert list(p.effectors) == list(EFFECTOR_SPECS)
    for block in (*p.sensors.values(), *p.effectors.values(), p.drones, p.assets):
        for f in fields(block):
            value = getattr(block, f.name)
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, f.name
    with pytest.raises(TypeError):
        p.effectors["gun"] = None  # type: ignore[index]
