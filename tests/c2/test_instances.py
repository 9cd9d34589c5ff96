"""WTA instance files: reading, writing, limits, and the best-known values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skyscreen.c2 import (
    WTAInstance,
    best_known,
    generate_wta_instance,
    read_wta_instance,
    write_wta_instance,
)
from skyscreen.c2 import instances as instances_module
from skyscreen.errors import ModelError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "wta"

# A small instance written as the published files are (``%.12g`` probabilities, one
# line per pair, zeros included): the numbers are made up, the layout is theirs.
PUBLISHED_STYLE = """\
3 4 2
13
60
71
100
0 0 0.409311426086
0 1 0.48037625241
0 2 0.00921414556928
0 3 0.999999999999
1 0 7.60722551318e-05
1 1 0.1
1 2 0.5
1 3 0.123456789012
2 0 0.0103826382229
2 1 0.876543210987
2 2 0.9
2 3 0.25
"""


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


def test_reads_the_published_format(tmp_path: Path) -> None:
    """A file laid out as the published ones is read exactly and written back as is."""
    path = tmp_path / "wta_3x4x2.txt"
    path.write_text(PUBLISHED_STYLE)
    inst = read_wta_instance(path)
    assert inst.name == "wta_3x4x2"
    assert inst.values.shape == (4,)
    assert inst.pk.shape == (3, 4)
    assert inst.capacity.dtype == np.int64
    assert inst.capacity.tolist() == [2, 2, 2]
    assert inst.values.tolist() == [13.0, 60.0, 71.0, 100.0]
    assert inst.pk.tolist() == [
        [0.409311426086, 0.48037625241, 0.00921414556928, 0.999999999999],
        [7.60722551318e-05, 0.1, 0.5, 0.123456789012],
        [0.0103826382229, 0.876543210987, 0.9, 0.25],
    ]
    # Writing it reproduces the file, byte for byte.
    out = tmp_path / "copy.txt"
    write_wta_instance(inst, out)
    assert out.read_bytes() == PUBLISHED_STYLE.encode("ascii")


# ------------------------------------------------------------------------ generator


def test_generated_instance_follows_the_published_distributions() -> None:
    """Values are the integers 1..100, p_ij uniform on (0, 1), 12 significant digits."""
    inst = generate_wta_instance(10, 2000, 3, seed=5)
    assert inst.name == "wta_10x2000x3"
    assert inst.values.shape == (2000,)
    assert inst.pk.shape == (10, 2000)
    assert inst.capacity.dtype == np.int64
    assert inst.capacity.tolist() == [3] * 10
    assert inst.values.dtype == np.float64
    assert sorted(set(inst.values.tolist())) == [float(v) for v in range(1, 101)]
    assert inst.values.mean() == pytest.approx(50.5, abs=2.0)
    assert bool(((inst.pk > 0.0) & (inst.pk < 1.0)).all())
    assert inst.pk.mean() == pytest.approx(0.5, abs=0.01)
    deciles = np.quantile(inst.pk, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(deciles, [0.1, 0.5, 0.9], atol=0.02)
    # Each p_ij is its own 12-significant-digit text, as the published files print.
    assert all(float(f"{p:.12g}") == p for p in inst.pk.ravel().tolist())


def test_generated_instance_is_written_as_the_published_files(tmp_path: Path) -> None:
    """Written out, it reads back exactly and every p_ij line reads ``i j %.12g``."""
    inst = generate_wta_instance(6, 9, 2, seed=11)
    path = tmp_path / f"{inst.name}.txt"
    write_wta_instance(inst, path)
    lines = path.read_text(encoding="ascii").splitlines()
    assert lines[0] == "6 9 2"
    assert lines[1:10] == [str(int(v)) for v in inst.values]
    assert lines[10:] == [
        f"{i} {j} {inst.pk[i, j]:.12g}" for i in range(6) for j in range(9)
    ]
    back = read_wta_instance(path)
    assert back.name == "wta_6x9x2"
    np.testing.assert_array_equal(back.values, inst.values)
    np.testing.assert_array_equal(back.pk, inst.pk)
    np.testing.assert_array_equal(back.capacity, inst.capacity)


def test_generated_instance_depends_on_the_seed_only() -> None:
    """The same arguments give the same instance; another seed another; name is kept."""
    a = generate_wta_instance(4, 5, 1, seed=3)
    b = generate_wta_instance(np.int64(4), 5, 1, seed=np.int64(3), name="mine")
    c = generate_wta_instance(4, 5, 1, seed=4)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.pk, b.pk)
    np.testing.assert_array_equal(a.capacity, b.capacity)
    assert (a.name, b.name) == ("wta_4x5x1", "mine")
    assert not np.array_equal(a.pk, c.pk)


@pytest.mark.parametrize(
    ("args", "name", "message"),
    [
        ((0, 5, 1, 0), None, "n_weapon_types must be an int >= 1; got 0"),
        ((2.0, 5, 1, 0), None, "n_weapon_types must be an int >= 1; got 2.0"),
        ((True, 5, 1, 0), None, "n_weapon_types must be an int >= 1; got True"),
        ((2, -3, 1, 0), None, "n_targets must be an int >= 1; got -3"),
        ((2, "5", 1, 0), None, "n_targets must be an int >= 1; got '5'"),
        ((2, 5, 0, 0), None, "weapons_per_type must be an int >= 1; got 0"),
        ((2, 5, 1, -1), None, "seed must be an int >= 0; got -1"),
        ((2, 5, 1, None), None, "seed must be an int >= 0; got None"),
        ((2, 5, 1, 0), 7, "name must be a str or None; got 7"),
        (
            (100_000, 101, 1, 0),
            None,
            "n_weapon_types·n_targets must be <= 10000000; got 100000·101 = 10100000",
        ),
        (
            (1001, 1, 100, 0),
            None,
            "n_weapon_types·weapons_per_type must be <= 100000; got 1001·100 = 100100",
        ),
    ],
)
def test_generator_refuses_bad_arguments(
    args: tuple[Any, ...], name: Any, message: str
) -> None:
    """Errors name the argument, what was expected and what was given."""
    with pytest.raises(ModelError, match="^" + re.escape(message) + "$"):
        generate_wta_instance(*args, name=name)


@pytest.mark.parametrize(
    ("file", "args"),
    [("wta_8x10x1.txt", (8, 10, 1, 1)), ("wta_20x40x2.txt", (20, 40, 2, 2))],
)
def test_bundled_examples_are_the_stated_generator_calls(
    tmp_path: Path, file: str, args: tuple[int, int, int, int]
) -> None:
    """examples/wta/README.md's calls write the bundled files byte for byte."""
    out = tmp_path / file
    write_wta_instance(generate_wta_instance(*args), out)
    assert out.read_bytes() == (EXAMPLES / file).read_bytes()
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    n_w, n_t, mu, seed = args
    call = f"generate_wta_instance({n_w}, {n_t}, {mu}, seed={seed}), "
    assert f'{call}"examples/wta/{file}"' in readme


# ------------------------------------------------------------------------ best known

# Same columns as shared/data/wta/best_known.csv.
BEST_KNOWN_CSV = """\
instance,weapon_types,targets,weapons_per_type,best_lower_bound,best_upper_bound,file_here
wta_50x100x1,50,100,1,1734.302278,1734.302257,yes
wta_100x200x2,100,200,2,116.057150,116.057161,yes
wta_300x600x3,300,600,3,,31.5,yes
wta_500x1000x3,500,1000,3,12.076100,12.076208,no
"""


def test_best_known_values(tmp_path: Path) -> None:
    """best_known reads the bounds of a table in the published layout; else None."""
    (tmp_path / "best_known.csv").write_text(BEST_KNOWN_CSV)
    assert best_known("wta_50x100x1", tmp_path) == 1734.302257
    assert best_known("wta_50x100x1.txt", tmp_path, bound="lower") == 1734.302278
    assert best_known(str(tmp_path / "wta_100x200x2.txt"), tmp_path) == 116.057161
    assert best_known("wta_100x200x2", str(tmp_path), bound="lower") == 116.057150
    assert best_known("wta_500x1000x3", tmp_path) == 12.076208
    assert best_known("wta_300x600x3", tmp_path) == 31.5
    assert best_known("wta_300x600x3", tmp_path, bound="lower") is None
    assert best_known("wta_1x1x1", tmp_path) is None
    # Not in the default table either, whether or not shared/data/wta is there.
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
