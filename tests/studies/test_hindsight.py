"""The hindsight bound (skyscreen.studies.hindsight).

The bound must hold per replication against every policy run with the same seed, its
table of shots must give the outcome the engine draws for every shot it fires, and the
MILP must find the optimum of the relaxation as enumeration defines it.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyscreen import simulate
from skyscreen.cli import main
from skyscreen.errors import ScenarioError, SkyscreenError
from skyscreen.scenario import example_path, load_scenario, parse_scenario
from skyscreen.scenario.spec import ScenarioSpec
from skyscreen.studies import HindsightBound, hindsight_bound
from skyscreen.studies.hindsight import (
    _Limits,
    _problem,
    _solve,
    candidate_shots,
)
from skyscreen.studies.overrides import with_values

SEED = 3
REPS = 6


def _scenario(
    n_drones: int = 6,
    layout: int = 0,
    *,
    gun_rounds: int = 9,
    gun_reloads: int = 0,
    sam_ready: int = 1,
    doctrine: dict[str, Any] | None = None,
    extra_effectors: tuple[dict[str, Any], ...] = (),
) -> ScenarioSpec:
    """Three assets, two guns and a launcher, ``n_drones`` one-way-attack drones.

    Guns fire bursts of 9 rounds (550 rounds/min for 1 s), so ``gun_rounds`` 9 is one
    burst a magazine.
    """
    rng = np.random.default_rng(layout)
    gx, gy = rng.uniform(-1500, 1500, 2), rng.uniform(-1500, 1500, 2)
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
            "reload_s": 20.0,
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
    launch = {"east_m": float(rng.uniform(5000, 8000)), "north_m": 6000.0}
    return parse_scenario(
        {
            "name": "hindsight-test",
            "origin": {"lat_deg": 35.0, "lon_deg": 25.0, "alt_m": 0.0},
            "run": {"dt_s": 1.0, "duration_s": 300.0, "replications": 4, "seed": 1},
            "doctrine": {"weapons_control": "free", **(doctrine or {})},
            "sites": [
                {
                    "id": "s",
                    "assets": assets,
                    "sensors": [
                        {
                            "kind": "radar",
                            "id": "radar-1",
                            "position": {"east_m": 0, "north_m": 0, "height_m": 10},
                        }
                    ],
                    "effectors": [*guns, sam, *extra_effectors],
                }
            ],
            "raids": [
                {
                    "id": "r1",
                    "drone": {"class": "fixed_wing_owa"},
                    "count": n_drones,
                    "launch_interval_s": 4,
                    "launch_jitter_s": 3,
                    "launch": {"position": launch, "radius_m": 800},
                    "target": {"site": "s"},
                }
            ],
        }
    )


SCENARIOS = {
    # 8 drones against 4 shots: the bound is well above zero.
    "scarce": {"n_drones": 8, "layout": 0},
    # Two bursts a magazine and a reload: the reload windows and channels bind.
    "reloads": {"n_drones": 5, "layout": 1, "gun_rounds": 18, "gun_reloads": 1},
}

POLICIES = [
    {"wta_method": m, "min_shot_pk": pk, "shoot_look_shoot": sls}
    for m in ("greedy", "exact")
    for pk in (0.0, 0.1)
    for sls in (True, False)
] + [{"fire_control": "lookahead"}]


@functools.cache
def _bound(name: str) -> HindsightBound:
    return hindsight_bound(_scenario(**SCENARIOS[name]), REPS, seed=SEED)


def _damaged(spec: ScenarioSpec, reps: int = REPS, seed: int = SEED) -> np.ndarray:
    res = simulate(spec, reps, seed=seed, workers=1, progress=False)
    return res.summary.sort_values("replication")["value_damaged_usd"].to_numpy()


# ------------------------------------------------------------------------- validity


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize(
    "policy", POLICIES, ids=lambda d: "-".join(str(v) for v in d.values())
)
def test_bound_holds_per_replication(name: str, policy: dict[str, Any]) -> None:
    """No policy damages less than the bound in any replication (same seed)."""
    hb = _bound(name)
    damaged = _damaged(_scenario(**SCENARIOS[name], doctrine=policy))
    assert (hb.value_damaged_usd <= damaged).all(), (hb.value_damaged_usd, damaged)
    assert (hb.lp_value_damaged_usd <= hb.value_damaged_usd).all()
    assert (hb.value_damaged_usd <= hb.undefended_value_damaged_usd).all()


def test_scarce_bound_is_informative() -> None:
    """With 4 shots for 8 drones the bound is above zero and proven optimal."""
    hb = _bound("scarce")
    assert hb.mean > 0
    assert set(hb.status) == {"optimal"}
    assert set(hb.method) == {"milp"}
    assert (hb.n_killed <= 4).all()  # a burst from each gun, two missiles


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    n_drones=st.integers(3, 8),
    layout=st.integers(0, 50),
    gun_rounds=st.sampled_from([9, 18]),
    sam_ready=st.integers(0, 2),
    seed=st.integers(0, 1000),
)
def test_bound_holds_on_generated_scenarios(
    n_drones: int, layout: int, gun_rounds: int, sam_ready: int, seed: int
) -> None:
    spec = _scenario(n_drones, layout, gun_rounds=gun_rounds, sam_ready=sam_ready)
    hb = hindsight_bound(spec, 3, seed=seed)
    assert (hb.value_damaged_usd <= _damaged(spec, 3, seed)).all()


# ------------------------------------------------------------------ outcome mapping


def test_candidate_shots_reproduce_the_engines_outcomes() -> None:
    """Every shot the engine fires is a candidate, with the outcome the engine drew."""
    _check_candidates(_scenario(6, 1, gun_rounds=90, gun_reloads=1, sam_ready=4), 6, 4)


def test_candidate_shots_with_a_jammer_in_the_flight() -> None:
    """two-sites (a link jammer): the jammed flight is every policy's, until a kill.

    The engine's shots under the myopic and the look-ahead fire control are
    candidates with the engine's outcomes, and the jammer neutralised drones in the
    same replications; the bound holds in each.
    """
    spec = load_scenario(example_path("two-sites"))
    weapons = {
        f"sites.{i}.effectors.{j}.enabled": False
        for i, site in enumerate(spec.sites)
        for j, e in enumerate(site.effectors)
        if e.kind != "jammer"
    }
    jam = _jam_events(simulate(with_values(spec, weapons), 8, seed=2002, **_EV).events)
    assert len(jam) > 10
    for doctrine in ({}, {"doctrine.fire_control": "lookahead"}):
        run = with_values(spec, doctrine)
        ev = _check_candidates(run, 8, 2002)
        # Each jamming of the jammer-only flight happens in the defended run at
        # the same instant, unless a weapon killed the drone first.
        got = _jam_events(ev).set_index(["replication", "drone", "kind"])["t_s"]
        kill = ev[ev["kind"].astype(str) == "kill"].groupby(["replication", "drone"])
        killed = kill["t_s"].min()
        n_same = 0
        for (r, d, k), t in jam.set_index(["replication", "drone", "kind"])[
            "t_s"
        ].items():
            if (r, d, k) in got.index:
                assert got[(r, d, k)] == t
                n_same += 1
            else:
                assert killed.get((r, d), np.inf) <= t
        assert n_same > 5
        hb = hindsight_bound(run, 8, seed=2002)
        assert (hb.value_damaged_usd <= _damaged(run, 8, 2002)).all()


_EV = {"workers": 1, "progress": False, "events": True}


def test_no_weapons_the_bound_is_the_jammed_flight() -> None:
    """With no weapon the bound is each replication's own value damaged.

    jammer-vs-autonomy (link and GNSS jammers, no gun or launcher): no candidate
    shot, so each replication's bound is its flight's value damaged, which must be
    the engine's own (links lost, GNSS fixes lost and the drift that moves impact
    points included).
    """
    spec = load_scenario(example_path("jammer-vs-autonomy"))
    res = simulate(spec, 12, seed=5, **_EV)
    kinds = set(res.events["kind"].astype(str))
    assert {"link_lost", "gnss_lost", "damage"} <= kinds
    damaged = res.summary.sort_values("replication")["value_damaged_usd"].to_numpy()
    assert damaged.sum() > 0
    for relaxation in ("perfect", "doctrine", "cameras"):
        hb = hindsight_bound(spec, 12, seed=5, relaxation=relaxation)
        np.testing.assert_array_equal(hb.value_damaged_usd, damaged)
        np.testing.assert_array_equal(hb.undefended_value_damaged_usd, damaged)


def _jam_events(ev: pd.DataFrame) -> pd.DataFrame:
    """The link-loss and defeat events (replication, drone, kind, t_s)."""
    kind = ev["kind"].astype(str)
    jam = ev[kind.isin(["link_lost", "defeated", "gnss_lost"])].copy()
    jam["kind"] = jam["kind"].astype(str)
    return jam[["replication", "drone", "kind", "t_s"]]


def _check_candidates(spec: ScenarioSpec, n: int, seed: int) -> pd.DataFrame:
    """Every engine fire event is a candidate with the engine's outcome; the events."""
    cands = candidate_shots(spec, n, seed=seed)
    res = simulate(spec, n, seed=seed, workers=1, progress=False, events=True)
    ev = res.events
    assert ev is not None
    fire = ev[ev["kind"] == "fire"].copy()
    fire["step"] = np.round(fire["t_s"] / spec.run.dt_s).astype(np.int64) - 1
    fire["effector"] = fire["sensor_or_effector"].astype(str)
    keys = ["replication", "effector", "drone", "step"]
    both = fire.merge(cands, on=keys, how="left", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert set(both["kind_y"]) == {"gun", "missile"}
    assert (both["t_fire_s"] == both["t_s"]).all()
    # The shot's resolution (a kill or a miss event at its time of resolution).
    done = ev[ev["kind"].isin(["kill", "miss"])].copy()
    done["effector"] = done["sensor_or_effector"].astype(str)
    done = done.rename(columns={"t_s": "t_done", "kind": "result"})
    m = both.merge(
        done[["replication", "effector", "drone", "t_done", "result"]],
        on=["replication", "effector", "drone"],
    )
    m = m[m["t_done"] == m["t_resolve_s"]]
    full = m["rounds"] == np.where(m["kind_y"] == "gun", 9, 1)
    m = m[full]  # a short burst's kill probability is lower (the bound counts it full)
    assert len(m) > 30
    assert (m["result"].astype(str) == "kill").any()
    assert (m["result"].astype(str) == "miss").any()
    assert ((m["result"].astype(str) == "kill") == m["kill"]).all()
    return ev


# ------------------------------------------------------------------------- the MILP


def _feasible(chosen: np.ndarray, shots: dict[str, np.ndarray], lim: _Limits) -> bool:
    """The relaxation's rules, as the module docstring states them, on a shot list."""
    for e in np.unique(shots["effector"][chosen]):
        mine = chosen[shots["effector"][chosen] == e]
        s = np.sort(shots["step"][mine])
        if len(s) > lim.total[e] or (np.diff(s) < lim.gap[e]).any():
            return False
        b, span = int(lim.per_mag[e]), int(lim.reload_span[e])
        if span and any(s[i + b] - s[i] < span for i in range(len(s) - b)):
            return False
        if lim.channels[e]:
            step, t_fire, t_res = (shots[k][mine] for k in ("step", "t_fire", "t_res"))
            for i in range(len(mine)):
                flying = (step < step[i]) & (t_res > t_fire[i])
                if flying.sum() + 1 > lim.channels[e]:
                    return False
    return True


def _brute(
    shots: dict[str, np.ndarray], damages: np.ndarray, values: np.ndarray, lim: _Limits
) -> float:
    """The least value damaged over every feasible subset of the shots."""
    best = float(values[damages.any(axis=0)].sum())
    n = len(shots["step"])
    for k in range(1, n + 1):
        for chosen in itertools.combinations(range(n), k):
            idx = np.asarray(chosen)
            if not _feasible(idx, shots, lim):
                continue
            alive = np.ones(damages.shape[0], dtype=bool)
            alive[shots["drone"][idx]] = False
            best = min(best, float(values[damages[alive].any(axis=0)].sum()))
    return best


def _instance(
    seed: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, _Limits]:
    """12 random shots of 3 weapons (half of them the first) at 5 drones, 10 steps."""
    rng = np.random.default_rng(seed)
    n_d, n_a, n = 5, 3, 12
    e = np.sort(rng.choice(3, size=n, p=[0.5, 0.25, 0.25]))
    cells = [
        rng.choice(n_d * 10, size=int((e == k).sum()), replace=False) for k in range(3)
    ]
    j, step = np.divmod(np.concatenate(cells), 10)
    shots = {
        "effector": e,
        "drone": j,
        "step": step,
        "t_fire": step + 1.0,
        "t_res": step + 1.0 + rng.uniform(0.0, 4.0, n),
    }
    damages = rng.random((n_d, n_a)) < 0.5
    values = np.array([5.0, 3.0, 2.0])
    lim = _Limits(
        gap=np.array([2, 3, 1]),
        per_mag=np.array([1, 2, 1]),
        total=np.array([3, 2, 2]),
        reload_span=np.array([7, 0, 0]),
        channels=np.array([0, 0, 1]),
    )
    return shots, damages, values, lim


# Instances where the limits cost value: each rule binds in at least one of them.
BINDING = (2, 5, 10, 19, 24, 26, 29, 31)


@pytest.mark.parametrize("seed", BINDING)
def test_milp_equals_brute_force(seed: int) -> None:
    """The MILP's optimum is the least value damaged over every feasible schedule."""
    shots, damages, values, lim = _instance(seed)
    args = [shots[k] for k in ("effector", "drone", "step", "t_fire", "t_res")]
    pr = _problem(*args, damages, values, lim)
    exact = _solve(pr, "milp", 10_000, shots["step"])
    lp = _solve(pr, "lp", 10_000, shots["step"])
    assert exact.status == "optimal"
    assert exact.value_usd == pytest.approx(_brute(shots, damages, values, lim))
    assert lp.value_usd <= exact.value_usd + 1e-9
    assert lp.method == "lp"
    assert exact.lp_usd == pytest.approx(lp.value_usd)


def test_each_rule_binds_in_the_brute_force_instances() -> None:
    """Dropping any one rule lowers some instance's optimum: each is tested."""
    for seed, rules in ((10, ("gap", "reload_span", "total")), (24, ("channels",))):
        shots, damages, values, lim = _instance(seed)
        best = _brute(shots, damages, values, lim)
        for rule in rules:
            loose = {"gap": 1, "total": 99, "reload_span": 0, "channels": 0}[rule]
            dropped = replace(lim, **{rule: np.full(3, loose)})
            assert _brute(shots, damages, values, dropped) < best, (seed, rule)


def test_lp_method_and_frame(tmp_path: Path) -> None:
    hb = hindsight_bound(_scenario(**SCENARIOS["scarce"]), 2, seed=SEED, method="lp")
    assert set(hb.method) == {"lp"}
    assert (hb.value_damaged_usd == hb.lp_value_damaged_usd).all()
    df = hb.to_frame()
    assert list(df["replication"]) == [0, 1]
    hb.save(tmp_path / "b.parquet")
    back = pd.read_parquet(tmp_path / "b.parquet")
    assert back["value_damaged_usd"].tolist() == df["value_damaged_usd"].tolist()
    with pytest.raises(SkyscreenError, match=r"parquet or \.csv"):
        hb.save(tmp_path / "b.txt")


# ---------------------------------------------------------------------- refusals


def test_refuses_kinds_it_does_not_model() -> None:
    laser = {
        "kind": "laser",
        "id": "las-1",
        "position": {"east_m": 0, "north_m": 0},
    }
    with pytest.raises(ScenarioError, match=r"effectors\[3\] is a laser"):
        hindsight_bound(_scenario(3, extra_effectors=(laser,)), 1, seed=1)
    off = _scenario(3, extra_effectors=({**laser, "enabled": False},))
    assert hindsight_bound(off, 1, seed=1).value_damaged_usd.shape == (1,)


def test_refuses_bad_arguments() -> None:
    spec = _scenario(3)
    with pytest.raises(SkyscreenError, match="method must be one of"):
        hindsight_bound(spec, 1, seed=1, method="brute")
    with pytest.raises(SkyscreenError, match="node_limit"):
        hindsight_bound(spec, 1, seed=1, node_limit=0)
    with pytest.raises(SkyscreenError, match="seed"):
        hindsight_bound(spec, 1, seed=-1)


# --------------------------------------------------------------------------- CLI


def _write(spec: ScenarioSpec, path: Path) -> Path:
    import yaml

    data = spec.model_dump(mode="json", by_alias=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_cli_hindsight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(_scenario(**SCENARIOS["scarce"]), tmp_path / "s.yaml")
    out = tmp_path / "bound.csv"
    argv = [
        "hindsight", str(path), "-n", "3", "--seed", str(SEED), "--out", str(out)
    ]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "bound" in text
    assert "milp/optimal 3" in text
    df = pd.read_csv(out)
    hb = _bound("scarce")
    assert df["value_damaged_usd"].tolist() == hb.value_damaged_usd[:3].tolist()
    # An existing --out file needs --overwrite; the other bad inputs exit 2 too.
    assert main(argv) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite", "--method", "lp"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "x.txt"], "must end in .parquet or .csv"),
        (["--method", "foo"], "invalid choice"),
        (["-n", "0"], "must be >= 1"),
        (["--node-limit", "x"], "must be an integer"),
    ],
)
def test_cli_hindsight_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    path = _write(_scenario(3), tmp_path / "s.yaml")
    extra = [str(tmp_path / e) if e == "x.txt" else e for e in extra]
    assert _exit_code(["hindsight", str(path), *extra]) == 2
    assert message in capsys.readouterr().err


def _exit_code(argv: list[str]) -> int:
    """``main``'s status, or argparse's exit status."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_cli_hindsight_refuses_a_missing_file_and_a_laser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hindsight", str(tmp_path / "nope.yaml")]) == 2
    assert "not found" in capsys.readouterr().err
    laser = {"kind": "laser", "id": "las-1", "position": {"east_m": 0, "north_m": 0}}
    path = _write(_scenario(3, extra_effectors=(laser,)), tmp_path / "j.yaml")
    assert main(["hindsight", str(path), "-n", "1"]) == 2
    assert "models guns, missiles and jammers only" in capsys.readouterr().err
