"""The doctrine-constrained and expected hindsight bounds (skyscreen.studies.hindsight).

Validity first: every schedule the engine fires must satisfy each rule the doctrine
relaxation adds (checked on the engine's own fire and assign events, rule by rule),
the doctrine bound must stay below every policy's value damaged in every replication
and the expected bound's mean below every policy's mean.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from skyscreen import simulate
from skyscreen.cli import main
from skyscreen.errors import SkyscreenError
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.compile import compile_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import HindsightBound, hindsight_bound
from skyscreen.studies import _hindsight_doctrine as doc
from skyscreen.studies._hindsight_expected import solve_expected
from skyscreen.studies.hindsight import _limits, _timing, candidate_shots

REPS = 5


def _scenario(
    doctrine: dict[str, Any] | None = None,
    *,
    layout: int = 0,
    n_fixed: int = 5,
    n_quads: int = 3,
    gun_rounds: int = 36,
    gun_reloads: int = 1,
    sam_ready: int = 2,
    identify_range_m: float = 2500.0,
) -> ScenarioSpec:
    """Three assets, two guns, a launcher, a radar, a camera and an RF detector.

    Fixed-wing drones fly by GNSS (only the camera identifies them); multirotors use a
    radio link (the RF detector classifies them). Guns fire bursts of 9 rounds, so 36
    rounds are 4 bursts a magazine.
    """
    rng = np.random.default_rng(layout)
    gx, gy = rng.uniform(-1200, 1200, 2), rng.uniform(-1200, 1200, 2)
    ax, ay = rng.uniform(-400, 400, 3), rng.uniform(-400, 400, 3)
    assets = [
        {
            "id": f"a{i}",
            "type": "fuel",
            "position": {"east_m": float(ax[i]), "north_m": float(ay[i])},
            "radius_m": 40,
            "value_usd": v,
            "vulnerability": 0.8,
        }
        for i, v in enumerate((50e6, 20e6, 5e6))
    ]
    guns = [
        {
            "kind": "gun",
            "id": f"gun-{i}",
            "position": {"east_m": float(gx[i]), "north_m": float(gy[i])},
            "magazine_rounds": gun_rounds,
            "reloads": gun_reloads,
            "reload_s": 12.0,
        }
        for i in range(2)
    ]
    sam = {
        "kind": "missile",
        "id": "sam-1",
        "position": {"east_m": 0, "north_m": -300},
        "ready_rounds": sam_ready,
        "reloads": 1,
        "reload_s": 15.0,
        "channels": 1,
    }
    sensors = [
        {
            "kind": "radar",
            "id": "radar-1",
            "position": {"east_m": 0, "north_m": 0, "height_m": 10},
            "scan_period_s": 2.0,
        },
        {
            "kind": "camera",
            "id": "eo-1",
            "position": {"east_m": 300, "north_m": 600, "height_m": 10},
            "identify_range_m": identify_range_m,
        },
        {
            "kind": "rf_detector",
            "id": "rf-1",
            "position": {"east_m": -500, "north_m": 200, "height_m": 10},
        },
    ]
    launch = {"east_m": float(rng.uniform(4000, 7000)), "north_m": 6000.0}
    raids: list[dict[str, Any]] = [
        {
            "id": "owa",
            "drone": {"class": "fixed_wing_owa"},
            "count": n_fixed,
            "launch_interval_s": 5,
            "launch_jitter_s": 3,
            "launch": {"position": launch, "radius_m": 800},
            "target": {"site": "s"},
        }
    ]
    if n_quads:
        raids.append(
            {
                "id": "quad",
                "drone": {"class": "multirotor", "guidance": "rf_link"},
                "count": n_quads,
                "launch_time_s": 20,
                "launch_interval_s": 6,
                "launch": {"position": {"east_m": -3000, "north_m": 3000}},
                "target": {"site": "s"},
            }
        )
    return parse_scenario(
        {
            "name": "hindsight-doctrine-test",
            "origin": {"lat_deg": 35.0, "lon_deg": 25.0, "alt_m": 0.0},
            "run": {"dt_s": 1.0, "duration_s": 400.0, "replications": 4, "seed": 1},
            "doctrine": {"weapons_control": "free", **(doctrine or {})},
            "sites": [
                {
                    "id": "s",
                    "assets": assets,
                    "sensors": sensors,
                    "effectors": [*guns, sam],
                }
            ],
            "raids": raids,
        }
    )


# Doctrines the bound depends on; each is run with several fire-control policies.
DOCTRINES: dict[str, dict[str, Any]] = {
    "free-sls": {"shoot_look_shoot": True, "max_shooters_per_drone": 2},
    "free-salvo": {"shoot_look_shoot": False, "max_shooters_per_drone": 1},
    "tight": {"weapons_control": "tight", "decision_period_s": 3.0},
    "hold": {"weapons_control": "hold", "self_defence_range_m": 1500.0},
}

# Scenario changes per doctrine: under weapons tight the camera identifies only within
# 600 m, so identification binds (the doctrine bound is then above the perfect one).
LAYOUT: dict[str, dict[str, Any]] = {"tight": {"identify_range_m": 600.0}}

POLICIES: dict[str, dict[str, Any]] = {
    "greedy": {"wta_method": "greedy", "min_shot_pk": 0.0},
    "greedy-floor": {"wta_method": "greedy", "min_shot_pk": 0.1},
    "exact": {"wta_method": "exact", "min_shot_pk": 0.05},
    "lookahead": {"fire_control": "lookahead", "lookahead_horizon_s": 20.0},
}


@functools.cache
def _run(doctrine: str, policy: str, reps: int = REPS, seed: int = 11) -> Any:
    spec = _scenario(
        {**DOCTRINES[doctrine], **POLICIES[policy]}, **LAYOUT.get(doctrine, {})
    )
    return simulate(spec, reps, seed=seed, workers=1, progress=False, events=True)


@functools.cache
def _bound(doctrine: str, relaxation: str, reps: int = REPS) -> HindsightBound:
    spec = _scenario(DOCTRINES[doctrine], **LAYOUT.get(doctrine, {}))
    return hindsight_bound(spec, reps, seed=11, relaxation=relaxation)


def _damaged(res: Any) -> np.ndarray:
    return res.summary.sort_values("replication")["value_damaged_usd"].to_numpy()


# ------------------------------------------------ the engine obeys each new rule


def _fired(res: Any, spec: ScenarioSpec) -> pd.DataFrame:
    """The engine's fire events, each with the assign event that committed it."""
    ev = res.events
    assert ev is not None
    ev = ev.assign(effector=ev["sensor_or_effector"].astype(str))
    fire = ev[ev["kind"] == "fire"].copy()
    fire["step"] = np.round(fire["t_s"] / spec.run.dt_s).astype(np.int64) - 1
    assign = ev[ev["kind"] == "assign"][["replication", "effector", "drone", "t_s"]]
    assign = assign.rename(columns={"t_s": "t_assign", "drone": "drone_assign"})
    fire = fire.sort_values("t_s")
    both = pd.merge_asof(
        fire,
        assign.sort_values("t_assign"),
        left_on="t_s",
        right_on="t_assign",
        by=["replication", "effector"],
    )
    assert (both["drone"] == both["drone_assign"]).all()
    return both[["replication", "effector", "drone", "step", "t_s", "t_assign"]]


@functools.cache
def _checked(doctrine: str, policy: str) -> dict[str, list[tuple[int, float]]]:
    """(shots fired, cap) of every doctrine row that holds a fired shot, by family.

    Family ``decision``: per fired shot, (1 if its assign time is one of the
    decision cycles the relaxation allows for it — the cycle grid, the picture,
    identification, weapons hold and the weapon's delay after a decision — else 2,
    cap 1).
    """
    spec = _scenario(
        {**DOCTRINES[doctrine], **POLICIES[policy]}, **LAYOUT.get(doctrine, {})
    )
    res = _run(doctrine, policy)
    fired = _fired(res, spec)
    cands = candidate_shots(spec, REPS, seed=11, relaxation="doctrine")
    keys = ["replication", "effector", "drone", "step"]
    m = fired.merge(cands, on=keys, how="left", indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    out: dict[str, list[tuple[int, float]]] = {"decision": []}
    inside = (m["decision_first_s"] <= m["t_assign"] + 1e-9) & (
        m["t_assign"] <= m["decision_last_s"] + 1e-9
    )
    out["decision"] = [(1 if ok else 2, 1.0) for ok in inside]
    p = compile_scenario(spec)
    lim = _limits(p)
    tm = _timing(p, lim)
    eff_index = {e: i for i, e in enumerate(p.effector_ids)}
    t_dec = tm.t_dec
    for r in range(REPS):
        c = cands[cands["replication"] == r].reset_index(drop=True)
        e = c["effector"].map(eff_index).to_numpy()
        step = c["step"].to_numpy()
        k_hi = np.searchsorted(t_dec, c["decision_last_s"].to_numpy())
        k_hi = np.where(np.isfinite(c["decision_last_s"]), k_hi, len(t_dec))
        rows = doc.weapon_rows(
            tm, lim, e, step, c["t_fire_s"].to_numpy(), c["t_resolve_s"].to_numpy()
        ) + doc.drone_rows(
            tm, p, c["drone"].to_numpy(), k_hi, c["t_resolve_s"].to_numpy()
        )
        shot = np.zeros(len(c), dtype=np.int64)
        f = fired[fired["replication"] == r].merge(c.reset_index(), on=keys)
        shot[f["index"].to_numpy()] = 1
        for family, idx, cap in rows:
            n = int(shot[idx].sum())
            if n:
                out.setdefault(family, []).append((n, cap))
    return out


FAMILIES = ("decision", "gap", "reload", "total", "channels", "shooters")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("doctrine", sorted(DOCTRINES))
def test_engine_schedules_obey_each_rule(doctrine: str, family: str) -> None:
    """The shots the engine fires (two policies) satisfy every row of the family."""
    for policy in ("greedy", "lookahead"):
        got = _checked(doctrine, policy).get(family, [])
        bad = [(n, cap) for n, cap in got if n > cap]
        assert not bad, (policy, bad)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_rule_is_exercised(family: str) -> None:
    """Each family holds fired shots, and some row is full (the check can fail)."""
    rows = [
        row
        for d in DOCTRINES
        for pol in ("greedy", "lookahead")
        for row in _checked(d, pol).get(family, [])
    ]
    assert rows, family
    if family != "decision":
        assert any(n == cap for n, cap in rows), family


def test_tight_and_hold_restrict_the_candidates() -> None:
    """Weapons tight and hold remove candidates the free doctrine allows."""
    free = candidate_shots(_scenario(), 2, seed=11, relaxation="doctrine")
    n_free = int(free["decision_first_s"].notna().sum())
    for name in ("tight", "hold"):
        spec = _scenario(DOCTRINES[name], **LAYOUT.get(name, {}))
        df = candidate_shots(spec, 2, seed=11, relaxation="doctrine")
        assert len(df) == len(free)
        assert int(df["decision_first_s"].notna().sum()) < n_free, name


# ------------------------------------------------------------------- the bounds


@pytest.mark.parametrize("doctrine", sorted(DOCTRINES))
def test_doctrine_bound_holds_per_replication(doctrine: str) -> None:
    """No policy under the doctrine damages less than its bound in any replication."""
    hb = _bound(doctrine, "doctrine")
    perfect = _bound(doctrine, "perfect")
    assert (perfect.value_damaged_usd <= hb.value_damaged_usd + 1e-6).all()
    assert (hb.value_damaged_usd <= hb.undefended_value_damaged_usd).all()
    assert hb.relaxation == "doctrine"
    assert perfect.relaxation == "perfect"
    for policy in POLICIES:
        damaged = _damaged(_run(doctrine, policy))
        assert (hb.value_damaged_usd <= damaged).all(), (policy, hb.value_damaged_usd)


def test_doctrine_bound_is_tighter_somewhere() -> None:
    """Weapons tight makes the doctrine bound exceed the perfect one."""
    assert _bound("tight", "doctrine").mean > _bound("tight", "perfect").mean


def test_expected_bound_below_every_policy_mean() -> None:
    """The expected bound's mean is below each policy's mean (same paths).

    It bounds the expected value damaged given each replication's paths, so only
    the means compare: the policies' means carry the noise of shot outcomes, allowed
    for by three standard errors.
    """
    for doctrine in ("free-sls", "tight"):
        hb = _bound(doctrine, "expected")
        assert set(hb.method) == {"lp"}
        assert (hb.value_damaged_usd <= hb.undefended_value_damaged_usd).all()
        for policy in POLICIES:
            d = _damaged(_run(doctrine, policy))
            se = d.std(ddof=1) / np.sqrt(len(d))
            assert hb.mean <= d.mean() + 3 * se, (doctrine, policy, hb.mean, d.mean())


def test_union_bound_not_jensen() -> None:
    """The LP credits a drone at most Σ p·P(fired); the product form would be wrong.

    One drone, two shots of p = 0.5 of two weapons. Shoot-look-shoot fires the second
    only if the first missed: P(fired) = (1, 0.5), survival 0.25. The LP at that x
    gives 1 − 0.5 − 0.25 = 0.25 (exact here), and its optimum, firing both, 0; the
    product form exp(Σ x ln(1 − p)) = 0.354 would claim more than the policy gets.
    """
    damages = np.array([[True]])
    values = np.array([10.0])
    drone = np.array([0, 0])
    p = np.array([0.5, 0.5])
    free = solve_expected(drone, p, [], damages, values)
    assert free.value_usd == pytest.approx(0.0, abs=1e-5)
    # Only the first shot, and the second with probability 1/2: 1 − 0.5 − 0.25.
    half = solve_expected(
        drone, p, [("cap", np.array([1]), 0.5), ("cap", np.array([0]), 1.0)],
        damages, values,
    )  # fmt: skip
    assert half.value_usd == pytest.approx(2.5, abs=1e-5)
    assert np.exp(np.log(0.5) * 1.5) > 0.25


def test_expected_bound_is_informative() -> None:
    """On a raid the weapons cannot all kill, the bound is above zero."""
    hb = _bound("tight", "expected")
    assert hb.mean > 0


def test_refuses_an_unknown_relaxation() -> None:
    with pytest.raises(SkyscreenError, match="relaxation must be one of"):
        hindsight_bound(_scenario(), 1, seed=1, relaxation="oracle")
    with pytest.raises(SkyscreenError, match="relaxation must be one of"):
        candidate_shots(_scenario(), 1, seed=1, relaxation="oracle")


def test_cli_relaxation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    spec = _scenario(DOCTRINES["tight"], **LAYOUT["tight"])
    path = tmp_path / "s.yaml"
    data = spec.model_dump(mode="json", by_alias=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "b.csv"
    argv = ["hindsight", str(path), "-n", "2", "--seed", "11", "--out", str(out)]
    assert main([*argv, "--relaxation", "doctrine"]) == 0
    text = capsys.readouterr().out
    assert "relaxation   doctrine" in text
    df = pd.read_csv(out)
    assert df["value_damaged_usd"].tolist() == pytest.approx(
        _bound("tight", "doctrine").value_damaged_usd[:2].tolist()
    )
    assert main([*argv, "--relaxation", "expected", "--overwrite"]) == 0
    assert "lp/optimal 2" in capsys.readouterr().out
    try:
        code = main([*argv, "--relaxation", "nope", "--overwrite"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert "invalid choice" in capsys.readouterr().err
