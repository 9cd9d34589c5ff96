"""The tracked fidelity end to end: determinism, every example, the picture table."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import skyscreen
from skyscreen.scenario import ScenarioWarning, example_names, example_path
from skyscreen.schema import TABLE_NAMES

SCENARIO = Path(__file__).parents[1] / "data" / "all-states.yaml"
N_REP = 24
SEED = 5


@pytest.fixture(scope="module")
def spec() -> skyscreen.ScenarioSpec:
    with pytest.warns(ScenarioWarning):
        return skyscreen.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def baseline(spec: skyscreen.ScenarioSpec) -> skyscreen.RunResult:
    return skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        fidelity="tracked",
        workers=1,
        chunk_size=1000,
        events=True,
        record=3,
        progress=False,
    )


def _same(a: skyscreen.RunResult, b: skyscreen.RunResult) -> None:
    for name in TABLE_NAMES:
        if getattr(a, name) is None and getattr(b, name) is None:
            continue
        pd.testing.assert_frame_equal(
            getattr(a, name).reset_index(drop=True),
            getattr(b, name).reset_index(drop=True),
            check_exact=True,
            obj=name,
        )


def test_tracked_run_has_its_columns_and_picture(
    baseline: skyscreen.RunResult,
) -> None:
    """Tracking scores are filled, the picture table holds the recorded reps."""
    s = baseline.summary
    for col in ("track_gospa_m", "track_ospa_m", "false_tracks_per_cycle"):
        assert s[col].notna().all(), col
        assert (s[col] >= 0).all(), col
    assert (s["track_ospa_m"] <= 100.0 + 1e-9).all()  # OSPA is bounded by c
    assert baseline.picture is not None
    assert set(baseline.picture["replication"]) <= {0, 1, 2}
    assert baseline.picture["confirmed"].any()
    assert baseline.meta["fidelity"] == "tracked"
    tracked = baseline.drones["t_tracked_s"]
    detected = baseline.drones["t_first_detect_s"]
    ok = tracked.notna()
    assert ok.any()
    assert (tracked[ok] >= detected[ok]).all()  # a track needs a detection first


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 1), (1, 5), (2, 7)])
def test_tracked_results_do_not_depend_on_chunking(
    spec: skyscreen.ScenarioSpec,
    baseline: skyscreen.RunResult,
    workers: int,
    chunk_size: int,
) -> None:
    """Bit-identical tables, picture included, whatever the chunks and workers."""
    other = skyscreen.simulate(
        spec,
        replications=N_REP,
        seed=SEED,
        fidelity="tracked",
        workers=workers,
        chunk_size=chunk_size,
        events=True,
        record=3,
        progress=False,
    )
    _same(baseline, other)


def test_truth_fidelity_leaves_tracking_columns_empty() -> None:
    res = skyscreen.simulate(
        example_path("quickstart"), replications=3, seed=1, workers=1, progress=False
    )
    assert res.summary["track_gospa_m"].isna().all()
    assert res.drones["t_tracked_s"].isna().all()
    assert res.picture is None


@pytest.mark.parametrize("name", example_names())
def test_every_example_runs_tracked(name: str) -> None:
    """Every example runs end to end in the tracked fidelity and tracks drones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        res = skyscreen.simulate(
            example_path(name),
            replications=4,
            seed=2,
            fidelity="tracked",
            workers=1,
            progress=False,
        )
    s = res.summary
    assert (
        s["n_killed"] + s["n_defeated"] + s["n_leaked"] + s["n_expended"]
        + s["n_airborne"]
        == s["n_launched"]
    ).all()  # fmt: skip
    assert np.isfinite(s["track_gospa_m"]).all()
    assert res.drones["t_tracked_s"].notna().any()


@pytest.mark.parametrize(
    "tracking",
    [
        {"association": "jpda"},
        {"motion": "imm", "turn_rate_deg_s": 15.0},
        {"association": "jpda", "motion": "imm", "confirm_m": 2, "confirm_n": 3},
    ],
)
def test_tracker_options_run_and_stay_deterministic(
    spec: skyscreen.ScenarioSpec, tracking: dict[str, object]
) -> None:
    """JPDA and the IMM run end to end; chunking still changes nothing."""
    from skyscreen.scenario import parse_scenario

    data = spec.model_dump(mode="json", by_alias=True)
    data["tracking"].update(tracking)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        other = parse_scenario(data)
    runs = [
        skyscreen.simulate(
            other,
            replications=8,
            seed=SEED,
            fidelity="tracked",
            workers=1,
            chunk_size=c,
            progress=False,
        )
        for c in (8, 3)
    ]
    _same(runs[0], runs[1])
    assert runs[0].summary["track_gospa_m"].notna().all()
    assert runs[0].drones["t_tracked_s"].notna().any()


def test_confirm_m_above_confirm_n_is_an_error(spec: skyscreen.ScenarioSpec) -> None:
    from skyscreen.scenario import parse_scenario

    data = spec.model_dump(mode="json", by_alias=True)
    data["tracking"].update({"confirm_m": 5, "confirm_n": 3})
    with pytest.raises(skyscreen.ScenarioError, match="confirm_m"):
        parse_scenario(data)


def test_false_alarms_are_poisson_and_uniform_over_the_coverage() -> None:
    """A radar's false alarms per scan are Poisson, uniform over the coverage.

    Poisson with the field's mean; uniform over the covered annular sector by area and
    over [0, false_alarm_height_m] in height.
    """
    from skyscreen.engine.kinds import make_layout
    from skyscreen.engine.kinds.radar import RADAR
    from skyscreen.engine.setup import init_state
    from skyscreen.models import kinematics
    from skyscreen.scenario import parse_scenario
    from skyscreen.scenario.compile import compile_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        spec = skyscreen.load_scenario(example_path("quickstart"))
    data = spec.model_dump(mode="json", by_alias=True)
    radar = next(u for u in data["sites"][0]["sensors"] if u["kind"] == "radar")
    radar.update(
        false_alarms_per_scan=4.0,
        range_min_m=1000.0,
        range_max_m=9000.0,
        azimuth_deg=90.0,  # east
        sector_deg=120.0,
    )
    data["tracking"]["false_alarm_height_m"] = 300.0
    p = compile_scenario(parse_scenario(data))
    layout = make_layout(p)
    n_rep = 3000
    st = init_state(p, layout, np.arange(n_rep), 9)
    pl = next(x for x in layout.sensors if x.kind is RADAR)
    kst = st.sensors[layout.sensors.index(pl)]
    step = int(np.flatnonzero(kst.scan_no[:, 0] >= 0)[0])
    m = RADAR.measure(pl, kst, st, step, np.zeros(0, dtype=np.int64),
                      np.zeros(0, bool), np.zeros(0, dtype=np.int64))  # fmt: skip
    assert m is not None
    assert (m.label == -1).all()  # nothing airborne: every measurement is false
    counts = np.bincount(m.rep, minlength=n_rep)
    # Poisson: mean 4 within 4 standard errors, variance/mean near 1
    assert abs(counts.mean() - 4.0) < 4 * np.sqrt(4.0 / n_rep)
    assert 0.9 < counts.var() / counts.mean() < 1.1
    rel = m.z_m - p.sensors["radar"].pos_m[0]
    ground = np.hypot(rel[:, 0], rel[:, 1])
    assert ground.min() >= 1000.0 - 100  # measurement noise blurs the edges a little
    assert ground.max() <= 9000.0 + 100
    # uniform by area: P(ground <= r) = (r² - r_min²) / (r_max² - r_min²)
    cdf = (np.clip(ground, 1000, 9000) ** 2 - 1000**2) / (9000**2 - 1000**2)
    assert stats.kstest(cdf, "uniform").pvalue > 1e-3
    bearing = np.degrees(
        kinematics.wrap_angle(np.pi / 2 - np.arctan2(rel[:, 1], rel[:, 0]))
    )
    assert np.all(np.abs(bearing - 90.0) <= 60.0 + 1.0)
    assert stats.kstest((bearing - 30.0) / 120.0, "uniform").pvalue > 1e-3
    assert m.z_m[:, 2].min() >= 0.0
    assert m.z_m[:, 2].max() <= 300.0
    assert np.all(np.linalg.eigvalsh(m.cov_m2) > 0)


def test_picture_rows_follow_the_drones(baseline: skyscreen.RunResult) -> None:
    """Every column of picture.parquet read back against the truth.

    Confirmed tracks sit on the recorded trajectories (most within a few tens of
    metres of a drone at the same time), move at drone speeds, carry a positive
    uncertainty, and appear only at times the trajectories were recorded.
    """
    pic = baseline.picture
    traj = baseline.trajectories
    assert pic is not None
    assert traj is not None
    assert (pic["sigma_m"] > 0).all()
    assert pic["track"].ge(0).all()
    conf = pic[pic["confirmed"]]
    assert len(conf) > 0
    near = []
    for (rep, t), rows in conf.groupby(["replication", "t_s"]):
        truth = traj[(traj["replication"] == rep) & (traj["t_s"] == t)]
        assert len(truth) > 0, (rep, t)  # a tracker update only while drones fly
        xyz = truth[["x_m", "y_m", "z_m"]].to_numpy()
        for p in rows[["x_m", "y_m", "z_m"]].to_numpy():
            near.append(np.min(np.linalg.norm(xyz - p, axis=1)))
    near_m = np.asarray(near)
    assert np.median(near_m) < 50.0
    assert np.mean(near_m < 200.0) > 0.9  # the rest: false tracks, lagging turns
    speed = np.linalg.norm(conf[["vx_mps", "vy_mps", "vz_mps"]].to_numpy(), axis=1)
    assert np.median(speed) < 100.0  # the drones fly at most a few tens of m/s


EDGES = [
    # the documented limits of the tracking block, one run each
    {"confirm_m": 1, "confirm_n": 1, "tentative_misses": 1, "delete_misses": 1},
    {"confirm_m": 62, "confirm_n": 62, "tentative_misses": 1000},
    {"capacity": 1},
    {"gate_prob": 1e-6, "pd": 1e-6, "switch_prob": 1e-6, "motion": "imm"},
    {"gate_prob": 0.999999, "pd": 0.999999, "switch_prob": 0.999999, "motion": "imm"},
    {"process_noise_m2_s3": 1e-9, "max_pos_std_m": 1e-3, "init_vel_std_mps": 1e-3},
    {"process_noise_m2_s3": 1e4, "max_pos_std_m": 1e6, "init_vel_std_mps": 1000.0},
    {"turn_rate_deg_s": 180.0, "motion": "imm", "association": "jpda"},
    {"false_alarm_height_m": 20000.0, "association": "jpda"},
]


@pytest.mark.parametrize("tracking", EDGES)
def test_tracking_block_at_its_limits(
    spec: skyscreen.ScenarioSpec, tracking: dict[str, object]
) -> None:
    """Each tracking field at the ends of its documented range runs end to end.

    Every drone ends in one state; the scores are finite and in range.
    """
    from skyscreen.scenario import parse_scenario

    data = spec.model_dump(mode="json", by_alias=True)
    data["tracking"].update(tracking)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        other = parse_scenario(data)
    res = skyscreen.simulate(
        other, replications=4, seed=SEED, fidelity="tracked", workers=1, progress=False
    )
    s = res.summary
    total = s[["n_killed", "n_defeated", "n_leaked", "n_expended", "n_airborne"]]
    assert (total.sum(axis=1) == s["n_launched"]).all()
    assert s["track_gospa_m"].between(0, np.inf).all()
    assert s["track_ospa_m"].between(0, 100.0).all()
    assert (s["false_tracks_per_cycle"] >= 0).all()
    assert (s["missed_truths_per_cycle"] >= 0).all()


def test_engine_scores_equal_the_metrics_module() -> None:
    """The engine's compiled GOSPA/OSPA equal the metrics module's on the same sets.

    Per replication, with the confirmed tracks predicted to the scoring time.
    """
    from skyscreen.engine.track import SCORE_C_M, _score
    from skyscreen.tracking import gospa, ospa
    from skyscreen.tracking.tracker import CONFIRMED

    rng = np.random.default_rng(4)
    n_rep, n_d, n_k = 40, 6, 9
    truth_pos = rng.uniform(0, 400, (n_rep, n_d, 3))
    truth = rng.random((n_rep, n_d)) < 0.6
    xc = np.concatenate(
        [rng.uniform(0, 400, (n_rep, n_k, 3)), rng.normal(0, 20, (n_rep, n_k, 3))],
        axis=2,
    )
    t_state = rng.uniform(8.0, 10.0, (n_rep, n_k))
    status = np.where(rng.random((n_rep, n_k)) < 0.5, CONFIRMED, 1).astype(np.int8)
    out = np.zeros((n_rep, 6))
    t = 10.0
    _score(np.ones(n_rep, bool), truth_pos, truth, xc, t_state, status, SCORE_C_M,
           t, out)  # fmt: skip
    for r in range(n_rep):
        conf = status[r] == CONFIRMED
        est = xc[r, conf, :3] + xc[r, conf, 3:] * (t - t_state[r, conf])[:, None]
        x = truth_pos[r, truth[r]]
        g = gospa(x, est, c=SCORE_C_M, p=1.0)
        assert out[r, 0] == pytest.approx(g.gospa, abs=1e-9)
        assert out[r, 1] == pytest.approx(ospa(x, est, c=SCORE_C_M, p=1.0), abs=1e-9)
        assert out[r, 3] == g.n_missed
        assert out[r, 4] == g.n_false
