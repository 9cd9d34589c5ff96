"""End to end through ``simulate``: closed forms where they hold, and time-step insensitivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import skyscreen
from skyscreen.scenario import example_path, parse_scenario

DATA = Path(__file__).parent / "data"
Z99 = stats.norm.ppf(0.995)


def _interval(mean: float, sd: float, n: int) -> tuple[float, float]:
    half = Z99 * sd / np.sqrt(n)
    return mean - half, mean + half


@pytest.fixture(scope="module")
def layered() -> skyscreen.ScenarioSpec:
    return skyscreen.load_scenario(DATA / "layered.yaml")


def test_layered_binomial_leakers(layered: skyscreen.ScenarioSpec) -> None:
    """Two independent one-shot layers leak N (1-p1)(1-p2) drones on average."""
    n_rep, n, p1, p2 = 1000, 8, 0.5, 0.4
    res = skyscreen.simulate(layered, replications=n_rep, seed=3, workers=2)
    q = (1 - p1) * (1 - p2)
    expected = n * q
    sd = np.sqrt(n * q * (1 - q))  # leakers ~ Binomial(N, q) per replication
    lo, hi = _interval(float(res.summary["n_leaked"].mean()), sd, n_rep)
    assert lo <= expected <= hi
    assert not lo <= expected * 1.1 <= hi  # negative control: 10% off is rejected
    # One shot per drone per layer: the outer layer fires N, the inner N(1-p1).
    fired = res.effectors.groupby("effector", observed=True)["missiles_fired"].mean()
    assert fired["outer"] == n
    lo, hi = _interval(fired["inner"], np.sqrt(n * p1 * (1 - p1)), n_rep)
    assert lo <= n * (1 - p1) <= hi


def test_limited_capacity_layer(layered: skyscreen.ScenarioSpec) -> None:
    """A layer with C shots against N > C drones lets (N - C) + C(1-p) through."""
    data = layered.model_dump(mode="json", by_alias=True)
    effectors = data["sites"][0]["effectors"]
    data["sites"][0]["effectors"] = [e for e in effectors if e["id"] == "outer"]
    outer = data["sites"][0]["effectors"][0]
    outer.update(ready_rounds=3, pk=0.6, pk_edge=0.6)
    spec = parse_scenario(data)
    n_rep, n, c, p = 1000, 8, 3, 0.6
    res = skyscreen.simulate(spec, replications=n_rep, seed=4, workers=2)
    expected = (n - c) + c * (1 - p)
    lo, hi = _interval(
        float(res.summary["n_leaked"].mean()), np.sqrt(c * p * (1 - p)), n_rep
    )
    assert lo <= expected <= hi
    assert not lo <= expected * 1.1 <= hi
    assert (res.summary["missiles_fired"] == c).all()


def test_layered_binomial_with_area_and_lasting_kinds() -> None:
    """Missile, interceptor and microwave layers: N Π(1 − p_k) leakers.

    tests/data/layered-area.yaml gives each drone exactly one shot per layer: p = 0.5
    for the missile, ``pk_closure`` = 0.6 for the interceptor, and Φ(ln(S/S₅₀)/σ) =
    0.5 at the microwave's 300 m (to within 0.003 over the 300-301 m it fires at).
    Each layer engages the drones the layers before it spared, each once.
    """
    spec = skyscreen.load_scenario(DATA / "layered-area.yaml")
    n_rep, n = 1000, 8
    p_layers = [0.5, 0.6, 0.5]
    res = skyscreen.simulate(spec, replications=n_rep, seed=11, workers=2)
    q = float(np.prod([1 - p for p in p_layers]))
    expected = n * q
    sd = np.sqrt(n * q * (1 - q))
    lo, hi = _interval(float(res.summary["n_leaked"].mean()), sd, n_rep)
    assert lo <= expected <= hi
    assert not lo <= expected * 1.15 <= hi  # negative control
    by = res.effectors.groupby("effector", observed=True)
    assert by["missiles_fired"].mean()["outer"] == n
    # Engagements of each later layer: Binomial(N, Π over the layers before).
    for name, col, k in (("icpt", "engagements", 1), ("hpm", "rounds_fired", 2)):
        q_k = float(np.prod([1 - p for p in p_layers[:k]]))
        mean = by[col].mean()[name]
        lo, hi = _interval(mean, np.sqrt(n * q_k * (1 - q_k)), n_rep)
        assert lo <= n * q_k <= hi, (name, mean, n * q_k)
    # One shot per drone it reached: kills never exceed shots in a replication.
    hpm = res.effectors[res.effectors["effector"] == "hpm"]
    assert (hpm["kills"] <= hpm["rounds_fired"]).all()
    # The summary's rounds are gun rounds: there is no gun here.
    assert hpm["rounds_fired"].sum() > 0
    assert (res.summary["rounds_fired"] == 0).all()


@pytest.mark.parametrize("name", ["coastal-airbase"])
def test_halving_dt_changes_no_mean(name: str) -> None:
    """Halving dt_s moves no summary mean beyond its Monte Carlo interval."""
    spec = skyscreen.load_scenario(example_path(name))
    n_rep = 300
    a = skyscreen.simulate(spec, replications=n_rep, seed=5, workers=2).summary
    b = skyscreen.simulate(
        spec, replications=n_rep, seed=6, workers=2, dt_s=spec.run.dt_s / 2
    ).summary
    z = stats.norm.ppf(1 - 0.001 / 2)  # 99.9% per metric: 13 metrics, ~1% in all
    for col in a.columns.drop("replication"):
        if a[col].isna().all() and b[col].isna().all():
            continue  # not asked for (value protected)
        se = np.sqrt(a[col].var() / n_rep + b[col].var() / n_rep)
        diff = abs(a[col].mean() - b[col].mean())
        assert diff <= max(z * se, 1e-9), (col, a[col].mean(), b[col].mean(), se)


def _light(name: str, time_of_day: str) -> skyscreen.ScenarioSpec:
    spec = skyscreen.load_scenario(example_path(name))
    data = spec.model_dump(mode="json", by_alias=True)
    data["environment"]["time_of_day"] = time_of_day
    return parse_scenario(data)


@pytest.mark.parametrize(("name", "n"), [("coastal-airbase", 150), ("night-raid", 400)])
def test_night_costs_identification_and_leakers(name: str, n: int) -> None:
    """At night the day/night cameras identify fewer drones, so more leak (tight).

    Same seeds by day and at night: at night the day/night cameras identify fewer
    drones, later and closer in, so under weapons tight more drones leak. Paired differences (night − day) per replication, with their 95% t intervals: each
    must exclude 0 in the documented direction.
    """
    runs = {
        tod: skyscreen.simulate(
            _light(name, tod), replications=n, seed=9, workers=1, progress=False
        ).summary
        for tod in ("day", "night")
    }

    def interval(metric: str) -> tuple[float, float]:
        d = (runs["night"][metric] - runs["day"][metric]).to_numpy(dtype=float)
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        return d.mean() - half, d.mean() + half

    assert interval("n_identified")[1] < 0.0
    assert interval("n_leaked")[0] > 0.0


def test_jamming_by_guidance() -> None:
    """Jamming by guidance: piloted defeated, GNSS off their aim, autonomous untouched.

    On jammer-vs-autonomy link jamming defeats the piloted drones, GNSS jamming pushes
    the GNSS drones off their aim (a miss of drift x time on INS), and the autonomous
    ones are untouched and hit as their CEP says.
    """
    res = skyscreen.simulate(
        example_path("jammer-vs-autonomy"),
        replications=60,
        seed=2,
        workers=1,
        progress=False,
    )
    d = res.drones
    raid = d["raid"].astype(str)
    assert (d.loc[raid == "piloted", "state"] == "defeated").all()
    gnss, auto = d[raid == "gnss"], d[raid == "autonomous"]
    assert (gnss["state"] == "leaked").all()
    assert gnss["t_gnss_lost_s"].notna().all()
    assert (auto["state"] == "leaked").all()
    assert auto["t_gnss_lost_s"].isna().all()
    # Drift 2 m/s for minutes on INS against a 20 m CEP.
    assert gnss["miss_m"].median() > 5 * auto["miss_m"].median()
