"""WTA instance files: reading, writing, limits, and the best-known values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from skyscreen.c2 import WTAInstance, best_known, read_wta_instance, write_wta_instance
from skyscreen.c2 import instances as instances_module
from skyscreen.errors import ModelError

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "wta"
needs_data = pytest.mark.skipif(
    not (DATA / "wta_50x100x1.txt").is_file(), reason="shared/data/wta not present"
)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    """Write then read gives back the same floats, bit for bit."""
    rng = np.random.default_rng(1)
    inst = WTAInstance(
        values=np.concatenate(
            [rng.integers(1, 100, 4).astype(float), rng.uniform(0, 50, 3)]
        ),
        pk=rng.uniform(0.0, 1.0, (5, 7)) * (rng.random((5, 7)) > 0.3),
        capacity=np.full(5, 2),
        name="random",
    )
    path = tmp_path / "random.txt"
    write_wta_instance(inst, path)
    back = read_wta_instance(path)
    np.testing.assert_array_equal(back.values, inst.values)
    np.testing.assert_array_equal(back.pk, inst.pk)
    np.testing.assert_array_equal(back.capacity, inst.capacity)
    assert back.name == "random"
    assert path.read_text().splitlines()[0] == "5 7 2"


@needs_data
def test_reads_the_published_instance(tmp_path: Path) -> None:
    """wta_50x100x1 has 100 values, 50×100 probabilities and one weapon per type."""
    inst = read_wta_instance(DATA / "wta_50x100x1.txt")
    assert inst.name == "wta_50x100x1"
    assert inst.values.shape == (100,)
    assert inst.pk.shape == (50, 100)
    assert inst.capacity.tolist() == [1] * 50
    assert inst.values[:4].tolist() == [13.0, 60.0, 71.0, 93.0]
    assert inst.pk[0, 0] == 0.409311426086
    # Writing it reproduces the published file.
    out = tmp_path / "copy.txt"
    write_wta_instance(inst, out)
    assert out.read_text() == (DATA / "wta_50x100x1.txt").read_text()


@needs_data
def test_best_known_values() -> None:
    """best_known reads the published bounds; unknown names give None."""
    assert best_known("wta_50x100x1") == 1734.302257
    assert best_known("wta_50x100x1.txt", bound="lower") == 1734.302278
    assert best_known(str(DATA / "wta_100x200x2.txt")) == 116.057161
    assert best_known("wta_500x1000x3") == 12.076208
    assert best_known("wta_1x1x1") is None


def test_best_known_in_another_directory(tmp_path: Path) -> None:
    """An explicit directory is used; a missing table gives None."""
    (tmp_path / "best_known.csv").write_text(
        "instance,best_lower_bound,best_upper_bound\nmine,1.5,2.5\n"
    )
    assert best_known("mine", tmp_path) == 2.5
    assert best_known("mine", tmp_path, bound="lower") == 1.5
    assert best_known("mine", tmp_path / "nowhere") is None
    with pytest.raises(
        ModelError, match=re.escape("bound must be one of ['lower', 'upper']")
    ):
        best_known("mine", tmp_path, bound="middle")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 2\n", ":1: expected 'W T mu' (three integers); got '2 2'"),
        ("1 2 1\n5\n", ":3: expected the value of target 1; got 'end of file'"),
        (
            "1 2 1\n5\n-3\n",
            ":3: expected the value of target 1 (finite, >= 0); got '-3'",
        ),
        ("1 1 1\n5\n0 0\n", ":3: expected 'i j p_ij'; got '0 0'"),
        (
            "1 1 1\n5\n0 1 0.5\n",
            ":3: expected 0 <= i < 1 and 0 <= j < 1; got '0 1 0.5'",
        ),
        ("1 1 1\n5\n0 0 1.5\n", ":3: expected p_ij in [0, 1]; got '0 0 1.5'"),
        (
            "1 1 1\n5\n0 0 0.5\n0 0 0.5\n",
            ":4: expected one line for the pair (0, 0); got '0 0 0.5'",
        ),
        ("100000 100001 1\n", ": W·T = 100000·100001 = 10000100000 exceeds 10000000"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    """Errors name the file, the line, what was expected and what was found."""
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ModelError, match="^" + re.escape(f"{path}{message}") + "$"):
        read_wta_instance(path)


def test_large_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the size limit is not read."""
    monkeypatch.setattr(instances_module, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("1 1 1\n5\n0 0 0.5\n")
    with pytest.raises(
        ModelError, match=re.escape("file is 16 bytes; the limit is 10")
    ):
        read_wta_instance(path)


def test_missing_pairs_are_zero(tmp_path: Path) -> None:
    """Pairs not listed have kill probability 0."""
    path = tmp_path / "sparse.txt"
    path.write_text("2 2 3\n1\n2\n1 0 0.25\n")
    inst = read_wta_instance(path)
    assert inst.pk.tolist() == [[0.0, 0.0], [0.25, 0.0]]
    assert inst.capacity.tolist() == [3, 3]


def test_write_refuses_mixed_capacities(tmp_path: Path) -> None:
    """The format has one mu; differing capacities cannot be written."""
    inst = WTAInstance(np.ones(2), np.full((2, 2), 0.5), np.array([1, 2]))
    with pytest.raises(ModelError, match=re.escape("got [1, 2]")):
        write_wta_instance(inst, tmp_path / "x.txt")
