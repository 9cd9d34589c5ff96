"""OSPA, GOSPA and track-management scores (skyscreen.tracking.metrics)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from skyscreen.errors import ModelError
from skyscreen.tracking.metrics import GospaTerms, gospa, ospa, score_tracks

# ---------------------------------------------------------------------------
# Brute-force references, straight from the definitions
# ---------------------------------------------------------------------------


def _d(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(((x - y) ** 2).sum()))


def _ospa_brute(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    """Minimum over all permutations of the larger set, cut-off distances."""
    if len(x) > len(y):
        x, y = y, x
    n, m = len(x), len(y)
    if m == 0:
        return 0.0
    best = math.inf
    for perm in itertools.permutations(range(m), n):
        s = sum(min(_d(x[i], y[j]), c) ** p for i, j in enumerate(perm))
        best = min(best, s)
    return ((best + c**p * (m - n)) / m) ** (1.0 / p)


def _partial_matchings(n: int, m: int) -> Any:
    """Every partial matching of range(n) into range(m) as a tuple (-1: none)."""
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [j for j in choice if j >= 0]
        if len(used) == len(set(used)):
            yield choice


def _gospa_brute(
    x: np.ndarray, y: np.ndarray, c: float, p: float
) -> tuple[float, float, int, int]:
    """Minimum over partial assignments of pairs with d < c (alpha = 2)."""
    n, m = len(x), len(y)
    best = (math.inf, 0.0, 0, 0)
    for choice in _partial_matchings(n, m):
        pairs = [(i, j) for i, j in enumerate(choice) if j >= 0]
        if any(_d(x[i], y[j]) >= c for i, j in pairs):
            continue
        loc = sum(_d(x[i], y[j]) ** p for i, j in pairs)
        k = len(pairs)
        total = loc + c**p / 2.0 * (n + m - 2 * k)
        if total < best[0] - 1e-12:
            best = (total, loc, n - k, m - k)
    total, loc, miss, false = best
    return total ** (1.0 / p), loc, miss, false


def _points(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    return rng.uniform(0.0, 6.0, size=(n, dim))


# ---------------------------------------------------------------------------
# OSPA
# ---------------------------------------------------------------------------


def test_ospa_single_pair_is_the_distance() -> None:
    """One truth and one track 5 apart (3-4-5) give OSPA 5."""
    assert ospa([[0.0, 0.0]], [[3.0, 4.0]]) == pytest.approx(5.0)


def test_ospa_cardinality_penalty_with_p2() -> None:
    """An extra track costs c^p, averaged over the larger set, then the p-th root."""
    got = ospa([[0.0, 0.0]], [[3.0, 4.0], [50.0, 0.0]], c=10.0, p=2.0)
    assert got == pytest.approx(math.sqrt((25.0 + 100.0) / 2.0))


def test_ospa_cuts_off_far_pairs() -> None:
    """A pair farther than c scores c."""
    assert ospa([[0.0, 0.0]], [[30.0, 40.0]], c=10.0, p=3.0) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ([], [], 0.0),
        (np.zeros((0, 2)), np.zeros((0, 3)), 0.0),
        ([[1.0, 2.0]], [], 7.0),
        (np.zeros((0, 2)), [[1.0, 2.0], [3.0, 4.0]], 7.0),
    ],
)
def test_ospa_empty_sets(x: Any, y: Any, expected: float) -> None:
    """Both empty gives 0; exactly one empty gives c."""
    assert ospa(x, y, c=7.0, p=2.0) == expected


# ---------------------------------------------------------------------------
# GOSPA
# ---------------------------------------------------------------------------


def test_gospa_hand_computed_p2() -> None:
    """One close pair, one far pair: loc 25, one missed, one false, each c^p/2."""
    g = gospa([[0.0, 0.0], [100.0, 0.0]], [[3.0, 4.0], [0.0, 200.0]], c=10.0, p=2.0)
    assert g == GospaTerms(
        gospa=pytest.approx(math.sqrt(125.0)),
        localisation=pytest.approx(25.0),
        missed=50.0,
        false=50.0,
        n_missed=1,
        n_false=1,
    )


def test_gospa_far_pair_counts_as_missed_and_false() -> None:
    """A pair at d >= c is one missed truth and one false track, not a pair."""
    g = gospa([[0.0, 0.0]], [[30.0, 40.0]], c=10.0, p=1.0)
    assert (g.gospa, g.localisation, g.missed, g.false) == (10.0, 0.0, 5.0, 5.0)
    assert (g.n_missed, g.n_false) == (1, 1)


def test_gospa_pair_exactly_at_cutoff_is_unassigned() -> None:
    """A pair at exactly d == c is not an assignment (d < c is)."""
    g = gospa([[0.0, 0.0]], [[6.0, 8.0]], c=10.0)
    assert (g.n_missed, g.n_false, g.localisation) == (1, 1, 0.0)
    assert g.gospa == pytest.approx(10.0)


def test_gospa_empty_sets() -> None:
    """Three tracks and no truth: three false tracks; nothing at all: 0."""
    g = gospa([], [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], c=10.0, p=2.0)
    assert g.gospa == pytest.approx(math.sqrt(150.0))
    assert (g.missed, g.false, g.n_missed, g.n_false) == (0.0, 150.0, 0, 3)
    assert gospa([], []) == GospaTerms(0.0, 0.0, 0.0, 0.0, 0, 0)
    g = gospa([[1.0, 2.0, 3.0]], np.zeros((0, 3)), c=4.0, p=1.0)
    assert (g.gospa, g.missed, g.n_missed) == (2.0, 2.0, 1)


def test_gospa_rejects_alpha_other_than_2() -> None:
    """Only alpha = 2 is implemented."""
    with pytest.raises(ModelError, match=r"gospa: only alpha = 2 is supported; got 1"):
        gospa([[0.0, 0.0]], [[1.0, 1.0]], alpha=1)


@pytest.mark.parametrize("func", [ospa, gospa])
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"c": 0.0}, r"c must be finite and > 0; got 0.0"),
        ({"c": math.inf}, r"c must be finite and > 0; got inf"),
        ({"p": 0.5}, r"p must be finite and >= 1; got 0.5"),
    ],
)
def test_bad_c_or_p_is_rejected(
    func: Any, kwargs: dict[str, float], match: str
) -> None:
    """The cut-off c must be positive and finite, the order p at least 1."""
    with pytest.raises(ModelError, match=match):
        func([[0.0, 0.0]], [[1.0, 1.0]], **kwargs)


def test_bad_shapes_are_rejected() -> None:
    """Points must be 2-D with the same number of columns, and finite."""
    with pytest.raises(ModelError, match=r"ospa: X and Y must have the same number"):
        ospa([[0.0, 0.0]], [[1.0, 1.0, 1.0]])
    with pytest.raises(ModelError, match=r"ospa: X must have shape \(n, d\)"):
        ospa([0.0, 0.0], [[1.0, 1.0]])
    with pytest.raises(ModelError, match=r"gospa: Y must be finite"):
        gospa([[0.0, 0.0]], [[np.nan, 1.0]])


@pytest.mark.parametrize("seed", range(40))
def test_ospa_and_gospa_match_brute_force(seed: int) -> None:
    """Random small sets: the assignment solver finds the brute-force optimum."""
    rng = np.random.default_rng(seed)
    dim = int(rng.integers(1, 4))
    x = _points(rng, int(rng.integers(0, 5)), dim)
    y = _points(rng, int(rng.integers(0, 5)), dim)
    c = float(rng.choice([1.5, 3.0, 20.0]))
    p = float(rng.choice([1.0, 2.0, 3.0]))
    assert ospa(x, y, c, p) == pytest.approx(_ospa_brute(x, y, c, p), abs=1e-12)
    g = gospa(x, y, c, p)
    total, loc, miss, false = _gospa_brute(x, y, c, p)
    assert g.gospa == pytest.approx(total, abs=1e-12)
    assert g.localisation == pytest.approx(loc, abs=1e-12)
    assert (g.n_missed, g.n_false) == (miss, false)
    assert g.gospa**p == pytest.approx(g.localisation + g.missed + g.false)


# ---------------------------------------------------------------------------
# score_tracks
# ---------------------------------------------------------------------------


def _crossing() -> dict[str, np.ndarray]:
    """Two truths cross at scan 4; their tracks swap, one drops out and resumes.

    Truth 10: scans 0-7 at (10k, 0). Truth 20: scans 2-7 at (70 - 10k, 4).
    Track 100: on truth 10 at scans 0-3, on truth 20 at scans 4-7 (swap).
    Track 200: on truth 20 at scan 3, on truth 10 at scans 4, 5 and 7 (missing at
    6: a break). Track 999: a false track far away at scans 0-1.
    """
    truth = [(k, 10, 10.0 * k, 0.0) for k in range(8)]
    truth += [(k, 20, 70.0 - 10.0 * k, 4.0) for k in range(2, 8)]
    pos = {(tid, k): (x, y) for k, tid, x, y in truth}
    tracks = [(k, 100, *pos[10, k]) for k in range(4)]
    tracks += [(k, 100, *pos[20, k]) for k in range(4, 8)]
    tracks += [(3, 200, *pos[20, 3])]
    tracks += [(k, 200, *pos[10, k]) for k in (4, 5, 7)]
    tracks += [(0, 999, 500.0, 500.0), (1, 999, 500.0, 500.0)]
    t = np.array(truth)
    r = np.array(tracks)
    return {
        "truth_step": t[:, 0].astype(np.int64),
        "truth_id": t[:, 1].astype(np.int64),
        "truth_pos": t[:, 2:],
        "track_step": r[:, 0].astype(np.int64),
        "track_id": r[:, 1].astype(np.int64),
        "track_pos": r[:, 2:],
    }


def test_crossing_example_management_metrics() -> None:
    """The hand-built crossing has one swap, two switches, one break, one false id."""
    s = score_tracks(**_crossing(), c=10.0)
    assert s.steps == 8
    assert s.n_swaps == 1
    assert s.id_switches == 2
    assert s.breaks == 1
    assert s.truth_ids.tolist() == [10, 20]
    assert s.truth_id_switches.tolist() == [1, 1]
    assert s.truth_breaks.tolist() == [1, 0]
    assert s.n_false_tracks == 1
    assert s.n_track_ids == 3
    assert s.n_truths == 2
    # Truth rows 8 + 6 = 14; unassigned: truth 20 at 2, truth 10 at 6.
    assert s.completeness == pytest.approx(12 / 14)
    assert s.n_false.tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert s.n_missed.tolist() == [0, 0, 1, 0, 0, 0, 1, 0]
    assert s.false_track_rate == pytest.approx(2 / 8)
    assert s.missed_per_scan == pytest.approx(2 / 8)
    assert s.n_coalesced.tolist() == [0] * 8
    np.testing.assert_array_equal(s.truth_latency_scans, [0.0, 1.0])
    assert s.latency_mean_scans == pytest.approx(0.5)
    assert s.mean_truth_cardinality == pytest.approx(14 / 8)
    assert s.mean_track_cardinality == pytest.approx(14 / 8)
    # Scans 0-1: a perfect pair and a false track, OSPA (0 + c) / 2; scans 2 and 6:
    # one missed truth with a perfect pair, likewise; all others perfect.
    np.testing.assert_allclose(s.ospa, [5, 5, 5, 0, 0, 0, 5, 0])
    np.testing.assert_allclose(s.gospa, [5, 5, 5, 0, 0, 0, 5, 0])
    assert s.ospa_mean == pytest.approx(20 / 8)
    assert s.gospa_mean == pytest.approx(20 / 8)


def test_crossing_example_per_row_assignment() -> None:
    """Per-row assignments line up with the rows passed in."""
    data = _crossing()
    s = score_tracks(**data, c=10.0)
    want = {(10, k): 100 for k in range(4)}
    want |= {(10, 4): 200, (10, 5): 200, (10, 7): 200, (20, 3): 200}
    want |= {(20, k): 100 for k in range(4, 8)}
    for step, tid, got, ok in zip(
        data["truth_step"],
        data["truth_id"],
        s.assigned_track_id,
        s.is_assigned,
        strict=True,
    ):
        expected = want.get((int(tid), int(step)), -1)
        assert got == expected
        assert ok == (expected != -1)
    assert (s.track_is_assigned == (data["track_id"] != 999)).all()


def test_row_order_does_not_matter() -> None:
    """Shuffling the input rows changes no score, and per-row arrays follow the rows."""
    data = _crossing()
    rng = np.random.default_rng(3)
    ti = rng.permutation(data["truth_step"].size)
    ri = rng.permutation(data["track_step"].size)
    shuffled = {k: v[ti] if k.startswith("truth") else v[ri] for k, v in data.items()}
    a = score_tracks(**data, c=10.0)
    b = score_tracks(**shuffled, c=10.0)
    assert a.summary() == b.summary()
    np.testing.assert_array_equal(a.assigned_track_id[ti], b.assigned_track_id)
    np.testing.assert_array_equal(a.track_is_assigned[ri], b.track_is_assigned)


def test_latency_from_first_detection() -> None:
    """With first_detect_step, latency counts from it; missing truths get NaN."""
    s = score_tracks(**_crossing(), c=10.0, first_detect_step={10: 6})
    # Truth 10: first assigned scan at or after 6 is 7 (unassigned at 6).
    np.testing.assert_array_equal(s.truth_latency_scans, [1.0, np.nan])
    assert s.latency_mean_scans == 1.0


def test_never_assigned_truth_has_nan_latency() -> None:
    """A truth no track comes near has NaN latency and no switches or breaks."""
    s = score_tracks(
        [0, 1], [5, 5], [[0.0, 0.0], [1.0, 0.0]], [1], [1], [[90.0, 0]], c=10.0
    )
    assert np.isnan(s.truth_latency_scans).all()
    assert math.isnan(s.latency_mean_scans)
    assert (s.completeness, s.id_switches, s.breaks, s.n_false_tracks) == (0, 0, 0, 1)


def test_coalescence_counts_truths_absorbed_by_a_neighbours_track() -> None:
    """Two truths close together, one track between them: one coalesced truth."""
    s = score_tracks(
        [0, 0, 1, 1],
        [1, 2, 1, 2],
        [[0.0, 0.0], [3.0, 0.0], [0.0, 0.0], [300.0, 0.0]],
        [0, 1],
        [7, 7],
        [[1.0, 0.0], [1.0, 0.0]],
        c=10.0,
    )
    # Scan 1: truth 2 is far from every track: missed, not coalesced.
    assert s.n_coalesced.tolist() == [1, 0]
    assert s.coalescence == 0.5
    assert s.n_missed.tolist() == [1, 1]


def test_switch_without_swap_and_gap_with_new_id() -> None:
    """A track replaced after a gap by a new id is one break and one switch."""
    s = score_tracks(
        [0, 1, 2, 3],
        [1, 1, 1, 1],
        np.zeros((4, 2)),
        [0, 1, 3],
        [7, 7, 8],
        np.zeros((3, 2)),
    )
    assert (s.breaks, s.id_switches, s.n_swaps) == (1, 1, 0)


def test_truth_absent_in_between_is_not_a_break() -> None:
    """Scans where the truth itself is absent do not break its track."""
    s = score_tracks([0, 3], [1, 1], np.zeros((2, 2)), [0, 3], [7, 7], np.zeros((2, 2)))
    assert (s.breaks, s.id_switches, s.completeness, s.steps) == (0, 0, 1.0, 4)
    np.testing.assert_array_equal(s.ospa, [0.0, 0.0, 0.0, 0.0])


def test_empty_run() -> None:
    """No rows at all: every per-scan score is 0; rates over no truths are NaN."""
    empty = np.zeros(0, dtype=np.int64)
    s = score_tracks(empty, empty, [], empty, empty, [], steps=3)
    assert s.ospa.tolist() == [0.0, 0.0, 0.0]
    assert s.gospa.tolist() == [0.0, 0.0, 0.0]
    assert s.ospa_mean == 0.0
    assert math.isnan(s.completeness)
    assert (s.n_truths, s.n_track_ids, s.n_swaps) == (0, 0, 0)
    assert score_tracks(empty, empty, [], empty, empty, []).steps == 0


def _score_brute(
    data: dict[str, np.ndarray], steps: int, c: float, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-scan OSPA and GOSPA from a dict per scan and the brute-force metrics."""
    truth: dict[int, list[np.ndarray]] = defaultdict(list)
    tracks: dict[int, list[np.ndarray]] = defaultdict(list)
    for k, pos in zip(data["truth_step"], data["truth_pos"], strict=True):
        truth[int(k)].append(pos)
    for k, pos in zip(data["track_step"], data["track_pos"], strict=True):
        tracks[int(k)].append(pos)
    o, g = np.zeros(steps), np.zeros(steps)
    for k in range(steps):
        x = np.array(truth[k]).reshape(-1, 2)
        y = np.array(tracks[k]).reshape(-1, 2)
        o[k] = _ospa_brute(x, y, c, p)
        g[k] = _gospa_brute(x, y, c, p)[0]
    return o, g


@pytest.mark.parametrize("seed", range(5))
def test_per_scan_scores_match_brute_force(seed: int) -> None:
    """Random runs: per-scan OSPA/GOSPA and their means match the brute force.

    The means are over all scans, empty ones included, as the reference scorer
    averages.
    """
    rng = np.random.default_rng(seed)
    steps = 12
    rows: dict[str, list[tuple[float, ...]]] = {"truth": [], "track": []}
    for k in range(steps - 2):  # the last two scans stay empty
        for kind_rows in rows.values():
            for i in rng.permutation(5)[: rng.integers(0, 5)]:
                kind_rows.append((k, i, *rng.uniform(0.0, 8.0, size=2)))
    data: dict[str, np.ndarray] = {}
    for kind, r in rows.items():
        a = np.array(r).reshape(-1, 4)
        data[f"{kind}_step"] = a[:, 0].astype(np.int64)
        data[f"{kind}_id"] = a[:, 1].astype(np.int64)
        data[f"{kind}_pos"] = a[:, 2:]
    c, p = 3.0, 2.0
    s = score_tracks(**data, steps=steps, c=c, p=p)
    o, g = _score_brute(data, steps, c, p)
    np.testing.assert_allclose(s.ospa, o, atol=1e-12)
    np.testing.assert_allclose(s.gospa, g, atol=1e-12)
    assert s.ospa_mean == pytest.approx(o.mean())
    assert s.gospa_mean == pytest.approx(g.mean())
    np.testing.assert_allclose(
        s.gospa**p, s.gospa_localisation + s.gospa_missed + s.gospa_false
    )
    np.testing.assert_array_equal(s.n_truth - s.n_missed, s.n_track - s.n_false)
    assert s.completeness == pytest.approx(s.is_assigned.mean())


def test_summary_is_every_scalar_as_float() -> None:
    """summary() gives the scalars, all floats, and no arrays."""
    s = score_tracks(**_crossing(), c=10.0)
    d = s.summary()
    assert all(type(v) is float for v in d.values())
    assert d["n_swaps"] == 1.0
    assert d["c"] == 10.0
    assert d["steps"] == 8.0
    assert "ospa" not in d
    assert {"ospa_mean", "gospa_mean", "completeness", "coalescence"} <= d.keys()


def test_result_arrays_are_read_only() -> None:
    """The arrays in a TrackScore cannot be written through."""
    s = score_tracks(**_crossing(), c=10.0)
    with pytest.raises(ValueError, match="read-only"):
        s.ospa[0] = 1.0


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            {"truth_step": [0, 0], "truth_id": [1, 1]},
            (
                r"score_tracks: each truth id may appear once per step; "
                r"got id 1 twice at step 0"
            ),
        ),
        ({"track_step": [-1]}, r"track_step must be >= 0; got -1"),
        ({"steps": 2}, r"every step must be < steps \(2\); got step 2"),
        ({"truth_id": [1]}, r"truth_id must have as many rows as truth_step \(2\)"),
        ({"truth_step": [0.5, 1]}, r"truth_step must hold integers; got dtype float"),
        ({"track_pos": [[0.0, 0.0, 0.0]]}, r"must have the same number of columns"),
        ({"steps": 2.5}, r"steps must be an int >= 0; got 2.5"),
    ],
)
def test_score_tracks_rejects_bad_input(change: dict[str, Any], match: str) -> None:
    """Messages name the function, the argument, what was expected and what came."""
    kwargs: dict[str, Any] = {
        "truth_step": [0, 1],
        "truth_id": [1, 2],
        "truth_pos": [[0.0, 0.0], [1.0, 1.0]],
        "track_step": [2],
        "track_id": [7],
        "track_pos": [[0.0, 0.0]],
    }
    kwargs |= change
    with pytest.raises(ModelError, match=match):
        score_tracks(**kwargs)
