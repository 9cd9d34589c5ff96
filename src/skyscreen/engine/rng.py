"""Random streams: one per (replication, purpose), consumed in fixed-size blocks.

Replication ``i`` draws for purpose ``k`` only from
``Generator(PCG64(SeedSequence(seed, spawn_key=(i, k))))`` (DESIGN.md), so its numbers
do not depend on which other replications share its chunk or process, and a new purpose
never shifts another's stream. Per-step streams hand out one fixed-shape slice per
*index* (a step, or a radar scan); slice ``n`` of replication ``i`` is the same whatever
happened before, because every index consumes the same count of draws whether or not the
engine uses them ("draw a fixed count, then mask"). Blocks of indices are drawn per
replication with one generator call, so the cost is one call per replication per block,
not per step.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from skyscreen._typing import FloatArray, IntArray

__all__ = ["BlockStream", "Purpose", "generator", "uniforms"]


class Purpose(IntEnum):
    """Fixed purpose keys: the second element of every stream's spawn key.

    Never renumber: values are part of the reproducibility contract. New models take
    new numbers.
    """

    LAUNCH = 0
    """Launch time and point, speed, route offset, target choice."""
    DETECTION = 1
    """Radar detection draws, one per (radar, drone) per scan."""
    GUN = 2
    """Aim bias and burst outcome, per gun per step."""
    MISSILE = 3
    """Missile outcome, per launcher per step."""
    JAMMER = 4
    """Reserved for jamming models."""
    DAMAGE = 5
    """Impact scatter, asset damage and casualties, per drone."""


def generator(seed: int, replication: int, purpose: int) -> np.random.Generator:
    """The generator of one replication and purpose (the DESIGN.md seed contract).

    Examples
    --------
    >>> a = generator(7, 3, Purpose.GUN).random()
    >>> b = generator(7, 3, Purpose.GUN).random()
    >>> a == b
    True
    """
    ss = np.random.SeedSequence(seed, spawn_key=(int(replication), int(purpose)))
    return np.random.Generator(np.random.PCG64(ss))


def uniforms(
    seed: int, replications: IntArray, purpose: int, shape: tuple[int, ...]
) -> FloatArray:
    """One block of Uniform[0, 1) draws per replication, stacked: (n_rep, *shape)."""
    out = np.empty((len(replications), *shape))
    for row, rep in enumerate(replications):
        out[row] = generator(seed, int(rep), purpose).random(shape)
    return out


class BlockStream:
    """Per-index uniform draws of fixed shape for a batch of replications.

    Parameters
    ----------
    seed : int
        Root seed.
    replications : array of int
        Replication ids of the batch.
    purpose : int
        A :class:`Purpose`.
    shape : tuple of int
        Shape of one index's draws per replication.
    block : int
        Indices drawn per generator call.
    contiguous : bool
        Return C-contiguous copies (for arrays handed to compiled kernels).
    """

    def __init__(
        self,
        seed: int,
        replications: IntArray,
        purpose: int,
        shape: tuple[int, ...],
        block: int = 256,
        contiguous: bool = False,
    ) -> None:
        self._gens = [generator(seed, int(r), purpose) for r in replications]
        self._shape = shape
        self._block = block
        self._first = -block  # first index held in the buffer
        self._buf = np.empty((len(self._gens), block, *shape))
        self._contiguous = contiguous

    def __call__(self, index: int) -> FloatArray:
        """Draws of ``index`` for every replication, shape (n_rep, *shape).

        Indices must not decrease from call to call; skipped indices are drawn and
        discarded, so any index always gets the same numbers.
        """
        if index < self._first:
            raise ValueError(f"index must not decrease; got {index} < {self._first}")
        while index >= self._first + self._block:
            size = (self._block, *self._shape)
            for row, g in enumerate(self._gens):
                self._buf[row] = g.random(size)
            self._first += self._block
        out = self._buf[:, index - self._first]
        # With `contiguous`, a copy in one memory layout for any batch size, so a
        # compiled kernel sees one argument type (a (1, ...) slice is C-contiguous, a
        # larger one is not).
        return np.ascontiguousarray(out) if self._contiguous else out
