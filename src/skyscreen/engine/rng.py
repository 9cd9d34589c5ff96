r"""Random numbers: one counter-based stream per (replication, purpose, entity).

Every uniform the engine draws is a pure function of the run's seed, a *stream key* and
a *counter*: the Philox4x32-10 counter-based generator (Salmon, Moraes, Dror & Shaw,
"Parallel random numbers: as easy as 1, 2, 3", SC 2011; the generator behind NumPy's
``Philox`` and cuRAND).

- The **key** names the purpose and the unit: :func:`stream_key` derives it from the
  seed, the purpose (:class:`Purpose`) and the unit's *id* (a gun's id, a radar's id,
  an asset's id) through NumPy's ``SeedSequence``, so a unit's stream depends on its
  name, not on its position in the scenario.
- The **counter** is (replication id, the drone's two words, an index): a drone is
  named by its raid's id (a 32-bit CRC, made distinct within the scenario) and its
  number within the raid (:func:`drone_keys`); the index is a step, a radar's scan
  number or the number of a draw within one event.

So a replication's numbers do not depend on its chunk, process or executor; and adding,
removing or reordering a unit, a raid or a drone leaves every other unit's and drone's
draws unchanged — the common random numbers that paired comparisons, sweeps and
look-ahead policies rely on. Draws are made only where they are used, inside the
kernels. Renaming a unit or a raid changes its draws.

The 53-bit uniform in [0, 1) takes the first two 32-bit words of the Philox output.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from enum import IntEnum

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray, IntArray
from skyscreen.models.measurement import box_muller, box_muller_pair

__all__ = [
    "Purpose",
    "draw",
    "drone_keys",
    "drone_uniforms",
    "normals3",
    "stream_key",
    "stream_keys",
    "uniform",
    "uniform_pair",
]

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


class Purpose(IntEnum):
    """Fixed purpose keys, part of every stream key.

    Never renumber: values are part of the reproducibility contract. New models take
    new numbers.
    """

    LAUNCH = 0
    """Launch time and point, speed, route offset, target choice (per drone)."""
    DETECTION = 1
    """Radar detection (per radar; counter: drone, the radar's scan number)."""
    GUN = 2
    """Aim bias and burst outcome (per gun; counter: drone, step)."""
    MISSILE = 3
    """Missile outcome (per launcher; counter: drone, step)."""
    JAMMER = 4
    """Reserved for jamming models."""
    DAMAGE = 5
    """Impact scatter (unit ``impact``) and, per asset, damage and casualties."""
    CAMERA = 6
    """EO/IR detection (per camera; counter: drone, the camera's look number)."""
    RF_DETECTOR = 7
    """RF detection and bearing noise (per detector; counter: drone, look number)."""
    LASER = 8
    """Reserved for lasers (the dwell to kill is deterministic: no draws yet)."""
    MICROWAVE = 9
    """High-power microwave effect (per emitter; counter: drone, step)."""
    INTERCEPTOR = 10
    """Interceptor kill at closure (per launcher; counter: drone, step)."""
    MEASUREMENT = 11
    """Measurement noise of the tracked fidelity (per sensor; counter: drone, the
    sensor's scan or look number × 8 + block: two Philox blocks, four uniforms)."""
    FALSE_ALARM = 12
    """False alarms of the tracked fidelity (per radar; counter: component, false
    alarm number, the radar's scan number)."""


def stream_key(seed: int, purpose: int, name: str = "") -> tuple[int, int]:
    """The Philox key (two 32-bit words) of one purpose and unit under a root seed.

    Examples
    --------
    >>> stream_key(7, Purpose.GUN, "gun-1") == stream_key(7, Purpose.GUN, "gun-1")
    True
    >>> stream_key(7, Purpose.GUN, "gun-1") == stream_key(7, Purpose.GUN, "gun-2")
    False
    """
    name_int = int.from_bytes(name.encode("utf-8"), "little")
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(purpose), name_int))
    words = ss.generate_state(2, np.uint32)
    return int(words[0]), int(words[1])


def stream_keys(seed: int, purpose: int, names: Sequence[str]) -> IntArray:
    """The keys of one purpose's units, (n, 2) int64, for kernels that index them.

    Examples
    --------
    >>> k = stream_keys(7, Purpose.DETECTION, ["r1", "r2"])
    >>> k.shape, tuple(k[1]) == stream_key(7, Purpose.DETECTION, "r2")
    ((2, 2), True)
    """
    return np.array(
        [stream_key(seed, purpose, n) for n in names], dtype=np.int64
    ).reshape(-1, 2)


def drone_keys(
    raid_ids: Sequence[str], raid_idx: IntArray, index_in_raid: IntArray
) -> IntArray:
    """The two counter words naming each drone: (raid word, number in the raid), (D, 2).

    The raid word is the CRC-32 of the raid's id; should two raids of a scenario share
    one (about one chance in 10⁶ for a hundred raids), the later raid's id is hashed
    again with a suffix until the words are distinct.

    Examples
    --------
    >>> drone_keys(["a", "b"], np.array([0, 0, 1]), np.array([0, 1, 0]))[:, 1].tolist()
    [0, 1, 0]
    """
    words: list[int] = []
    for rid in raid_ids:
        w, salt = zlib.crc32(rid.encode("utf-8")), 0
        while w in words:
            salt += 1
            w = zlib.crc32(f"{rid}\0{salt}".encode())
        words.append(w)
    out = np.empty((len(raid_idx), 2), dtype=np.int64)
    out[:, 0] = np.asarray(words, dtype=np.int64)[np.asarray(raid_idx, dtype=np.int64)]
    out[:, 1] = index_in_raid
    return out


@njit(cache=True, inline="always")
def _philox4(
    c0: np.uint64,
    c1: np.uint64,
    c2: np.uint64,
    c3: np.uint64,
    k0: np.uint64,
    k1: np.uint64,
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:  # pragma: no cover
    """The four output words of Philox4x32-10 (words held in uint64)."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (
            ((p1 >> _S32) ^ c1 ^ k0) & _MASK,
            p1 & _MASK,
            ((p0 >> _S32) ^ c3 ^ k1) & _MASK,
            p0 & _MASK,
        )
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@njit(cache=True, inline="always")
def _philox(
    c0: np.uint64,
    c1: np.uint64,
    c2: np.uint64,
    c3: np.uint64,
    k0: np.uint64,
    k1: np.uint64,
) -> tuple[np.uint64, np.uint64]:  # pragma: no cover - compiled
    """The first two output words of Philox4x32-10 (words held in uint64)."""
    a, b, _, _ = _philox4(c0, c1, c2, c3, k0, k1)
    return a, b


@njit(cache=True)
def uniform_pair(
    k0: int, k1: int, c0: int, c1: int, c2: int, c3: int
) -> tuple[float, float]:
    """Two uniforms in [0, 1) from one Philox block at counter ``(c0, c1, c2, c3)``.

    The first is :func:`uniform` at the same counter (output words 0 and 1); the second
    is made the same way from words 2 and 3. For draws that come in pairs (the two
    uniforms of a Box–Muller transform), at half the cost of two counters.
    """
    a, b, c, d = _philox4(
        np.uint64(c0) & _MASK,
        np.uint64(c1) & _MASK,
        np.uint64(c2) & _MASK,
        np.uint64(c3) & _MASK,
        np.uint64(k0),
        np.uint64(k1),
    )
    scale = 1.0 / 9007199254740992.0
    u = float((a >> np.uint64(5)) * 67108864 + (b >> np.uint64(6))) * scale
    v = float((c >> np.uint64(5)) * 67108864 + (d >> np.uint64(6))) * scale
    return u, v


@njit(cache=True)
def normals3(
    k0: int, k1: int, c0: int, c1: int, c2: int, c3: int
) -> tuple[float, float, float]:
    """Three independent standard normal deviates from counters c3 and c3 + 1.

    Four uniforms from two Philox blocks (:func:`uniform_pair`), by the Box–Muller
    transform: the first pair gives two deviates, the second one.
    """
    u0, u1 = uniform_pair(k0, k1, c0, c1, c2, c3)
    u2, u3 = uniform_pair(k0, k1, c0, c1, c2, c3 + 1)
    n1, n2 = box_muller_pair(u0, u1)
    return n1, n2, box_muller(u2, u3)


@njit(cache=True)
def uniform(k0: int, k1: int, c0: int, c1: int, c2: int, c3: int) -> float:
    """The uniform in [0, 1) of key ``(k0, k1)`` at counter ``(c0, c1, c2, c3)``.

    Each word is taken modulo 2**32.
    """
    a, b = _philox(
        np.uint64(c0) & _MASK,
        np.uint64(c1) & _MASK,
        np.uint64(c2) & _MASK,
        np.uint64(c3) & _MASK,
        np.uint64(k0),
        np.uint64(k1),
    )
    return float((a >> np.uint64(5)) * 67108864 + (b >> np.uint64(6))) * (
        1.0 / 9007199254740992.0
    )


@njit(cache=True)
def _drone_fill(
    k0: int, k1: int, reps: IntArray, dkey: IntArray, out: FloatArray
) -> None:
    for i in range(out.shape[0]):
        for d in range(out.shape[1]):
            for j in range(out.shape[2]):
                out[i, d, j] = uniform(k0, k1, reps[i], dkey[d, 0], dkey[d, 1], j)


def drone_uniforms(
    key: tuple[int, int], reps: IntArray, dkey: IntArray, n: int
) -> FloatArray:
    """``n`` uniforms per (replication, drone) of one stream: (R, D, n).

    Examples
    --------
    >>> k = stream_key(7, Purpose.LAUNCH)
    >>> dk = drone_keys(["a"], np.array([0, 0]), np.array([0, 1]))
    >>> u = drone_uniforms(k, np.array([0, 3]), dk, 4)
    >>> u.shape, bool((drone_uniforms(k, np.array([3]), dk[1:], 4)[0, 0] == u[1, 1]).all())
    ((2, 2, 4), True)
    """
    out = np.empty((len(reps), len(dkey), n))
    _drone_fill(int(key[0]), int(key[1]), np.asarray(reps, dtype=np.int64), dkey, out)
    return out


@njit(cache=True)
def _at(
    keys: IntArray,
    reps: IntArray,
    w1: IntArray,
    w2: IntArray,
    index: int,
    out: FloatArray,
) -> None:
    per_row = keys.shape[0] > 1
    for i in range(out.shape[0]):
        q = i if per_row else 0
        for j in range(out.shape[1]):
            out[i, j] = uniform(
                keys[q, 0], keys[q, 1], reps[i], w1[i], w2[i], index + j
            )


def draw(
    key: tuple[int, int] | IntArray,
    reps: IntArray,
    dkey: IntArray,
    index: int,
    n: int = 1,
) -> FloatArray:
    """Uniforms of one stream for drones ``dkey`` (N, 2) of replications ``reps`` (N,).

    Counter ``(rep, drone words, index + j)`` for ``j < n``; returns (N, n), or (N,)
    when ``n`` is 1. ``key`` is one stream's key (2,), or one per row (N, 2) (the
    units of a kind firing in the same step, drawn at once).

    Examples
    --------
    >>> k = stream_key(7, Purpose.GUN, "gun-1")
    >>> dk = drone_keys(["a"], np.array([0, 0]), np.array([0, 1]))
    >>> a = draw(k, np.array([0, 1]), dk, 10)
    >>> b = draw(k, np.array([1]), dk[1:], 9, n=2)
    >>> bool(a[1] == b[0, 1])
    True
    """
    reps = np.asarray(reps, dtype=np.int64)
    out = np.empty((len(reps), n))
    _at(
        np.asarray(key, dtype=np.int64).reshape(-1, 2),
        reps,
        np.ascontiguousarray(dkey[:, 0]),
        np.ascontiguousarray(dkey[:, 1]),
        int(index),
        out,
    )
    return out[:, 0] if n == 1 else out
