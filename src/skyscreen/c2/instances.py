"""Static weapon-target assignment instances in the public text format.

The format is the one of the benchmark instances of Andersen, Pavlikov & Toffolo
(2022), "Weapon-target assignment problem: exact and approximate solution
algorithms", Annals of Operations Research 312:581–606, doi:10.1007/s10479-022-04525-6.
Their instances are published in the authors' repository tuliotoffolo/wta on GitHub
(GPL-3.0, not part of this repository; :func:`best_known` looks for them in
``shared/data/wta`` beside it). :func:`generate_wta_instance` draws new instances
from the same distributions, and ``examples/wta`` holds two small ones::

    W T mu          weapon types, targets, weapons of each type
    V_0             T lines: the value of each target
    ...
    i j p_ij        kill probability of one weapon of type i on target j (0-based)
    ...

Pairs not listed have p_ij = 0. Any instance — for example one decision cycle of a
simulation — can be written in this format and studied with
:func:`skyscreen.c2.solve_wta` or the authors' tools.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skyscreen._typing import FloatArray, IntArray
from skyscreen.c2.wta import MAX_WEAPONS
from skyscreen.errors import ModelError

__all__ = [
    "WTAInstance",
    "best_known",
    "generate_wta_instance",
    "read_wta_instance",
    "write_wta_instance",
]

#: Largest file :func:`read_wta_instance` reads (bytes).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Largest W·T :func:`read_wta_instance` accepts.
MAX_PAIRS = 10**7


@dataclass(frozen=True, slots=True, eq=False)
class WTAInstance:
    """A static weapon-target assignment instance.

    Attributes
    ----------
    values : ndarray of shape (T,)
        Target values V_j.
    pk : ndarray of shape (W, T)
        Kill probability of one weapon of type i on target j.
    capacity : ndarray of shape (W,), int64
        Weapons of each type (the format's ``mu`` for every type).
    name : str
        Instance name (the file name without ``.txt`` when read from a file).
    """

    values: FloatArray
    pk: FloatArray
    capacity: IntArray
    name: str = ""


def _default_data_dir() -> Path:
    # src/skyscreen/c2/instances.py -> the repository -> its sibling shared/data/wta
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "wta"


def read_wta_instance(path: str | os.PathLike[str]) -> WTAInstance:
    r"""Read an instance in the public format.

    Parameters
    ----------
    path : str or path-like
        A ``wta_<W>x<T>x<mu>.txt`` file (or any file in that format).

    Returns
    -------
    WTAInstance
        Values (T,), kill probabilities (W, T), capacities (W,) all equal to ``mu``,
        and the file's name without its suffix.

    Raises
    ------
    skyscreen.errors.ModelError
        For a missing or unreadable file, one that is not ASCII text, a file over
        50 MB, W·T over 1e7, or a malformed line (the message names the file and
        line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "tiny.txt"
    ...     _ = p.write_text("1 2 3\n10\n5\n0 0 0.5\n0 1 0.25\n")
    ...     inst = read_wta_instance(p)
    >>> inst.name, inst.values.tolist(), inst.pk.tolist(), inst.capacity.tolist()
    ('tiny', [10.0, 5.0], [[0.5, 0.25]], [3])
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ModelError(
                f"{p}: file is {size} bytes; the limit is {MAX_FILE_BYTES}"
            )
        with p.open(encoding="ascii") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise ModelError(
            f"{p}: must be a readable instance file; got {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ModelError(
            f"{p}: must be ASCII text; got byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start}"
        ) from None

    def fail(lineno: int, what: str) -> ModelError:
        got = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else "end of file"
        return ModelError(f"{p}:{lineno}: expected {what}; got {got!r}")

    head = lines[0].split() if lines else []
    try:
        n_w, n_t, mu = (int(v) for v in head)
    except ValueError:
        raise fail(1, "'W T mu' (three integers)") from None
    if n_w < 0 or n_t < 0 or mu < 0:
        raise fail(1, "'W T mu' >= 0")
    if n_w * n_t > MAX_PAIRS:
        raise ModelError(f"{p}: W·T = {n_w}·{n_t} = {n_w * n_t} exceeds {MAX_PAIRS}")
    if n_w * mu > MAX_WEAPONS:
        raise ModelError(
            f"{p}: W·mu = {n_w}·{mu} = {n_w * mu} weapons exceeds {MAX_WEAPONS} "
            "(the solvers' work and memory grow with the number of weapons)"
        )
    values = np.empty(n_t)
    for j in range(n_t):
        lineno = 2 + j
        try:
            v = float(lines[lineno - 1])
        except (IndexError, ValueError):
            raise fail(lineno, f"the value of target {j}") from None
        if not (math.isfinite(v) and v >= 0):
            raise fail(lineno, f"the value of target {j} (finite, >= 0)")
        values[j] = v
    pk = np.zeros((n_w, n_t))
    seen = np.zeros((n_w, n_t), bool)
    for lineno in range(2 + n_t, len(lines) + 1):
        text = lines[lineno - 1].split()
        if not text:
            continue
        try:
            si, sj, sp = text
            i, j, prob = int(si), int(sj), float(sp)
        except ValueError:
            raise fail(lineno, "'i j p_ij'") from None
        if not (0 <= i < n_w and 0 <= j < n_t):
            raise fail(lineno, f"0 <= i < {n_w} and 0 <= j < {n_t}")
        if not (0.0 <= prob <= 1.0):
            raise fail(lineno, "p_ij in [0, 1]")
        if seen[i, j]:
            raise fail(lineno, f"one line for the pair ({i}, {j})")
        seen[i, j] = True
        pk[i, j] = prob
    return WTAInstance(
        values=values,
        pk=pk,
        capacity=np.full(n_w, mu, np.int64),
        name=p.name.removesuffix(".txt"),
    )


def _check_int(name: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ModelError(f"{name} must be an int >= {least}; got {value!r}")
    if value < least:
        raise ModelError(f"{name} must be an int >= {least}; got {int(value)}")
    return int(value)


#: Significant digits of the kill probabilities in the published files (``%.12g``).
_PK_DIGITS = 12


def generate_wta_instance(
    n_weapon_types: int,
    n_targets: int,
    weapons_per_type: int,
    seed: int,
    name: str | None = None,
) -> WTAInstance:
    """Draw a random instance like the published ones.

    The draws follow the distributions of the published instances of Andersen,
    Pavlikov & Toffolo (2022), measured on their files: target values are integers
    uniform on 1..100, and every kill probability p_ij is uniform on (0, 1) (none is
    zero), rounded to the 12 significant digits the files print, so writing the
    instance with :func:`write_wta_instance` and reading it back is exact. They do
    not follow the authors' random stream: an instance generated here does not
    reproduce their file of the same name. Get the published files from the
    authors' repository (tuliotoffolo/wta on GitHub, GPL-3.0).

    Parameters
    ----------
    n_weapon_types : int
        W, the number of weapon types (>= 1).
    n_targets : int
        T, the number of targets (>= 1); W·T may not exceed ``MAX_PAIRS`` (1e7).
    weapons_per_type : int
        mu, the weapons of each type (>= 1); W·mu may not exceed
        :data:`skyscreen.c2.wta.MAX_WEAPONS`.
    seed : int
        Seed (>= 0) of :func:`numpy.random.default_rng`; the same arguments give
        the same instance. The values are drawn first, then the kill probabilities
        row by row.
    name : str, optional
        Instance name; by default ``wta_<W>x<T>x<mu>`` as the published files.

    Returns
    -------
    WTAInstance
        Values (T,), kill probabilities (W, T) and capacities (W,) all ``mu``.

    Raises
    ------
    skyscreen.errors.ModelError
        For a count that is not an int >= 1, W·T or W·mu over the limits, a seed
        that is not an int >= 0 or a name that is not a string.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> inst = generate_wta_instance(2, 3, 1, seed=7)
    >>> inst.name, inst.pk.shape, inst.capacity.tolist()
    ('wta_2x3x1', (2, 3), [1, 1])
    >>> all(v.is_integer() and 1 <= v <= 100 for v in inst.values)
    True
    >>> bool(((inst.pk > 0) & (inst.pk < 1)).all())
    True
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / f"{inst.name}.txt"
    ...     write_wta_instance(inst, p)
    ...     back = read_wta_instance(p)
    >>> bool((back.values == inst.values).all() and (back.pk == inst.pk).all())
    True
    """
    n_w = _check_int("n_weapon_types", n_weapon_types, 1)
    n_t = _check_int("n_targets", n_targets, 1)
    mu = _check_int("weapons_per_type", weapons_per_type, 1)
    if n_w * n_t > MAX_PAIRS:
        raise ModelError(
            f"n_weapon_types·n_targets must be <= {MAX_PAIRS}; "
            f"got {n_w}·{n_t} = {n_w * n_t}"
        )
    if n_w * mu > MAX_WEAPONS:
        raise ModelError(
            f"n_weapon_types·weapons_per_type must be <= {MAX_WEAPONS}; "
            f"got {n_w}·{mu} = {n_w * mu}"
        )
    seed = _check_int("seed", seed, 0)
    if name is not None and not isinstance(name, str):
        raise ModelError(f"name must be a str or None; got {name!r}")
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 100, size=n_t, endpoint=True).astype(float)
    pk = _round_pk(rng.random((n_w, n_t)))
    # Rounding can give 0 or 1 (a draw within 5e-13 of either end); draw those again.
    while True:
        bad = (pk <= 0.0) | (pk >= 1.0)
        if not bad.any():
            break
        pk[bad] = _round_pk(rng.random(int(bad.sum())))
    return WTAInstance(
        values=values,
        pk=pk,
        capacity=np.full(n_w, mu, np.int64),
        name=f"wta_{n_w}x{n_t}x{mu}" if name is None else name,
    )


def _round_pk(p: FloatArray) -> FloatArray:
    # The published files print p_ij with %.12g; rounding through that text keeps
    # write-then-read exact and the files' look (repr prints the same digits).
    rounded = [float(f"{v:.{_PK_DIGITS}g}") for v in p.ravel().tolist()]
    return np.array(rounded, dtype=float).reshape(p.shape)


def _fmt(v: float) -> str:
    # Integers as integers (as the published files write values); others by repr,
    # which round-trips every float exactly.
    return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))


def write_wta_instance(instance: WTAInstance, path: str | os.PathLike[str]) -> None:
    """Write an instance in the public format (read back exactly).

    Every (i, j) pair is written, zeros included, as in the published files.

    Parameters
    ----------
    instance : WTAInstance
        The instance; every weapon type must have the same capacity (the format's
        single ``mu``).
    path : str or path-like
        File to write.

    Raises
    ------
    skyscreen.errors.ModelError
        If the capacities differ between types, or the arrays' shapes disagree.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> inst = WTAInstance(np.array([10.0, 5.5]), np.array([[0.5, 0.1]]),
    ...                    np.array([2]), "demo")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "demo.txt"
    ...     write_wta_instance(inst, p)
    ...     print(p.read_text(), end="")
    ...     read_wta_instance(p).pk.tolist()
    1 2 2
    10
    5.5
    0 0 0.5
    0 1 0.1
    [[0.5, 0.1]]
    """
    values = np.asarray(instance.values, float)
    pk = np.asarray(instance.pk, float)
    capacity = np.asarray(instance.capacity)
    n_t = values.shape[0]
    n_w = capacity.shape[0]
    if pk.shape != (n_w, n_t):
        raise ModelError(f"pk must have shape (W, T) = {(n_w, n_t)}; got {pk.shape}")
    if n_w and np.any(capacity != capacity[0]):
        raise ModelError(
            "the public format has one capacity (mu) for every weapon type; "
            f"got {capacity.tolist()}"
        )
    mu = int(capacity[0]) if n_w else 0
    out = [f"{n_w} {n_t} {mu}"]
    out += [_fmt(v) for v in values]
    out += [f"{i} {j} {float(pk[i, j])!r}" for i in range(n_w) for j in range(n_t)]
    Path(path).write_text("\n".join(out) + "\n", encoding="ascii")


def best_known(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    bound: str = "upper",
) -> float | None:
    """Best-known objective of a published instance, from ``best_known.csv``.

    Parameters
    ----------
    name : str
        Instance name, e.g. ``"wta_50x100x1"`` (a file name or path is reduced to it).
    data_dir : str or path-like, optional
        Directory holding ``best_known.csv``; by default ``shared/data/wta`` beside
        this repository.
    bound : {"upper", "lower"}, default "upper"
        ``"upper"``: the best objective found (the best-known value); ``"lower"``:
        the best proven lower bound, both from the authors' logs.

    Returns
    -------
    float or None
        The value, or None if the file or the instance is not there.

    Examples
    --------
    >>> best_known("no_such_instance") is None
    True
    """
    if bound not in ("upper", "lower"):
        raise ModelError(f"bound must be one of ['lower', 'upper']; got {bound!r}")
    directory = _default_data_dir() if data_dir is None else Path(data_dir)
    table = directory / "best_known.csv"
    if not table.is_file():
        return None
    key = Path(name).name.removesuffix(".txt")
    column = f"best_{bound}_bound"
    with table.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("instance") == key and row.get(column):
                return float(row[column])
    return None
