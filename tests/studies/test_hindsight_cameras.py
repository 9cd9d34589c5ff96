"""The cameras hindsight relaxation (skyscreen.studies.hindsight, relaxation "cameras").

Validity first: every identification a camera makes in an engine run must be one of
the relaxation's options, and each camera's identifications must satisfy every clique
row (one identification at a time) and each drone's row (identified once); every
weapons-tight shot the engine fires must find its drone identified in time; the bound
must stay below every policy's value damaged in every replication.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from skyscreen import simulate
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import HindsightBound, hindsight_bound, with_values
from skyscreen.studies import _hindsight_cameras as cam
from skyscreen.studies.hindsight import _fly, _prepare, _replay_ok, candidate_shots

REPS = 4
SEED = 5

_COASTAL = load_scenario(example_path("coastal-airbase"))
SCENARIOS: dict[str, ScenarioSpec] = {
    "coastal": _COASTAL,
    # The first raid's fixed-wing drones 3 s apart: they pass the cameras together.
    "crowd": with_values(
        _COASTAL,
        {"raids.0.launch_interval_s": 3.0, "raids.0.launch_jitter_s": 0.0},
    ),
    # Missiles free: no replay, the camera rows alone.
    "guns-tight": with_values(_COASTAL, {"doctrine.identification_required": ["gun"]}),
}

POLICIES: dict[str, dict[str, Any]] = {
    "greedy": {"wta_method": "greedy", "min_shot_pk": 0.0},
    "greedy-floor": {"wta_method": "greedy", "min_shot_pk": 0.1},
    "exact": {"wta_method": "exact", "min_shot_pk": 0.05},
    "lookahead": {"fire_control": "lookahead", "lookahead_horizon_s": 20.0},
}


def _spec(name: str, policy: str) -> ScenarioSpec:
    spec = SCENARIOS[name]
    doc = spec.doctrine.model_copy(update=POLICIES[policy])
    return spec.model_copy(update={"doctrine": doc})


@functools.cache
def _run(name: str, policy: str) -> Any:
    return simulate(
        _spec(name, policy), REPS, seed=SEED, workers=1, progress=False, events=True
    )


@functools.cache
def _bound(name: str, relaxation: str) -> HindsightBound:
    return hindsight_bound(SCENARIOS[name], REPS, seed=SEED, relaxation=relaxation)


@functools.cache
def _options(name: str) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Every option (replication, camera, drone, step, start) and the option rows."""
    _, p, reps, seed = _prepare(SCENARIOS[name], REPS, SEED, None)
    fl = _fly(p, reps, seed, keep=False, sense=True)
    assert fl.cam_obs is not None
    t1 = np.minimum((np.arange(p.n_steps) + 1.0) * p.dt_s, p.duration_s)
    opts = cam.camera_options(
        fl.cam_obs, fl.cam_look, t1, float(p.doctrine.identify_time_s)
    )
    cams = [u for site in SCENARIOS[name].sites for u in site.sensors]
    cam_ids = np.array([u.id for u in cams if u.kind == "camera" and u.enabled])
    frame = pd.DataFrame(
        {
            "replication": reps[opts.row],
            "camera": cam_ids[opts.cam],
            "drone": opts.drone,
            "step": opts.step,
            "start": opts.start,
        }
    )
    return frame, [idx for idx, _ in cam.camera_rows(opts)]


def _identified(name: str, policy: str) -> pd.DataFrame:
    """The engine's identify events: replication, sensor, drone, step."""
    ev = _run(name, policy).events
    assert ev is not None
    ident = ev[ev["kind"] == "identify"].copy()
    ident["sensor"] = ident["sensor_or_effector"].astype(str)
    dt = SCENARIOS[name].run.dt_s
    ident["step"] = np.round(ident["t_s"] / dt).astype(np.int64) - 1
    return ident[["replication", "sensor", "drone", "t_s", "step"]]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_engine_identifications_obey_the_camera_rows(name: str) -> None:
    """Each camera identification is an option; no row holds two of them."""
    frame, rows = _options(name)
    cam_ids = set(frame["camera"])
    n_full = 0
    for policy in ("greedy", "lookahead"):
        ident = _identified(name, policy)
        by_cam = ident[ident["sensor"].isin(cam_ids)]
        assert len(by_cam), policy
        assert not ident.duplicated(["replication", "drone"]).any()
        keys = ["replication", "drone", "step"]
        m = by_cam.rename(columns={"sensor": "camera"}).merge(
            frame.reset_index(), on=[*keys, "camera"], how="left"
        )
        assert m["index"].notna().all(), m[m["index"].isna()]
        chosen = np.zeros(len(frame), dtype=np.int64)
        chosen[m["index"].astype(np.int64).to_numpy()] = 1
        counts = np.array([chosen[idx].sum() for idx in rows])
        assert (counts <= 1).all(), (policy, counts.max())
        n_full += int((counts == 1).sum())
    assert n_full > 0


def test_the_hold_rule_is_sharp() -> None:
    """A camera identifies again as soon as the rule allows, somewhere.

    One look more between a camera's identifications (an invalid row) is broken.
    """
    hits = 0
    for name in SCENARIOS:
        frame, _ = _options(name)
        for policy in ("greedy", "lookahead"):
            ident = _identified(name, policy).rename(columns={"sensor": "camera"})
            m = ident.merge(frame, on=["replication", "camera", "drone", "step"])
            m = m.sort_values(["replication", "camera", "step"])
            prev = m.groupby(["replication", "camera"])["step"].shift(1)
            # The rule: the previous identification before the latest hold start.
            assert (prev.isna() | (prev < m["start"])).all()
            hits += int((prev == m["start"] - 1).sum())
    assert hits > 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_tight_shots_follow_an_identification(name: str) -> None:
    """Every fired shot's drone is identified by the shot's last decision cycle.

    And the shot was assigned within the decision window the relaxation allows it
    (the windows use the replay's exact identifications).
    """
    spec = SCENARIOS[name]
    cands = candidate_shots(spec, REPS, seed=SEED, relaxation="cameras")
    for policy in ("greedy", "lookahead"):
        ev = _run(name, policy).events
        fire = ev[ev["kind"] == "fire"].copy()
        fire["effector"] = fire["sensor_or_effector"].astype(str)
        fire["step"] = np.round(fire["t_s"] / spec.run.dt_s).astype(np.int64) - 1
        keys = ["replication", "effector", "drone", "step"]
        m = fire[keys].merge(cands, on=keys, how="left")
        assert m["decision_last_s"].notna().all()
        tight = m[m["kind"].isin(spec.doctrine.identification_required)]
        assert len(tight)
        ident = _identified(name, policy).set_index(["replication", "drone"])["t_s"]
        at = pd.MultiIndex.from_frame(tight[["replication", "drone"]])
        t_id = ident.reindex(at).to_numpy()
        assert (t_id <= tight["decision_last_s"].to_numpy() + 1e-9).all()
        assign = ev[ev["kind"] == "assign"].copy()
        assign["effector"] = assign["sensor_or_effector"].astype(str)
        a = pd.merge_asof(
            fire.sort_values("t_s"),
            assign[["replication", "effector", "t_s"]]
            .rename(columns={"t_s": "t_assign"})
            .sort_values("t_assign"),
            left_on="t_s",
            right_on="t_assign",
            by=["replication", "effector"],
        ).merge(cands, on=keys, how="left")
        assert (a["decision_first_s"] <= a["t_assign"] + 1e-9).all()
        assert (a["t_assign"] <= a["decision_last_s"] + 1e-9).all()


@pytest.mark.parametrize("name", ["coastal", "crowd"])
def test_replay_identifications_are_the_engines(name: str) -> None:
    """Before the replay's end, every run identifies as the replay does.

    The same drones at the same times, whatever the policy (weapons tight: the
    cameras' tasks do not depend on the policy).
    """
    _, p, reps, seed = _prepare(SCENARIOS[name], REPS, SEED, None)
    assert _replay_ok(p)
    fl = _fly(p, reps, seed, keep=False, sense=True, replay=True)
    assert fl.t_id_s is not None
    assert fl.replay_end is not None
    t1 = np.minimum((np.arange(p.n_steps) + 1.0) * p.dt_s, p.duration_s)
    t_end = np.append(t1, np.inf)[fl.replay_end]
    n_exact = 0
    for policy in POLICIES:
        ev = _identified(name, policy)
        got = np.full(fl.t_id_s.shape, np.nan)
        row = np.searchsorted(reps, ev["replication"].to_numpy())
        got[row, ev["drone"].to_numpy()] = ev["t_s"].to_numpy()
        want = fl.t_id_s
        before = (want < t_end[:, None]) | (got < t_end[:, None])
        assert np.array_equal(got[before], want[before]), policy
        n_exact += int(before.sum())
    assert n_exact > 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_cameras_bound_holds_per_replication(name: str) -> None:
    """Between the doctrine bound and every policy's value damaged, per replication."""
    hb = _bound(name, "cameras")
    doc = _bound(name, "doctrine")
    assert hb.relaxation == "cameras"
    assert (doc.value_damaged_usd <= hb.value_damaged_usd + 1e-6).all()
    assert (hb.value_damaged_usd <= hb.undefended_value_damaged_usd).all()
    for policy in POLICIES:
        res = _run(name, policy)
        damaged = res.summary.sort_values("replication")["value_damaged_usd"]
        assert (hb.value_damaged_usd <= damaged.to_numpy()).all(), policy
