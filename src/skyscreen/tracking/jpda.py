r"""JPDA marginal association probabilities for one cluster of tracks and measurements.

Convention
----------
A cluster is given as a weight matrix ``w`` of shape ``(n_t, n_m + 1)``, float64, with
non-negative finite entries:

* ``w[i, 0]`` is the missed-detection weight of track ``i`` (typically
  :math:`1 - P_D P_G`);
* ``w[i, j + 1]`` is the likelihood ratio of track ``i`` taking measurement ``j``
  (typically :math:`P_D\,\mathcal{N}(\nu_{ij}; 0, S_i) / \lambda_{clutter}`), and
  exactly 0 where the pair is not gated.

A joint association event gives every track at most one measurement and every
measurement at most one track; its weight is the product over tracks of the chosen
``w`` entries (measurements no track takes are clutter, weight 1). The marginals
``beta`` have the shape of ``w``: ``beta[i, 0]`` is the probability that track ``i`` is
missed, ``beta[i, j + 1]`` that it takes measurement ``j``. Every row of ``beta`` sums
to 1 and ``beta`` is exactly 0 wherever ``w`` is. Both the events' weights and the
marginals are unchanged by scaling a row of ``w`` by a positive constant (each event
takes exactly one entry from each row), so ``w`` may be given up to a per-track factor.

Functions
---------
:func:`jpda_exact`
    Exact marginals by depth-first enumeration of the joint events; the reference.
    Cost grows like the number of feasible events: use it for small clusters (up to about
    8 tracks).
:func:`jpda_bp`
    Belief-propagation approximation of Williams & Lau [1]_, O(n_t n_m) per iteration;
    exact when the association graph (tracks and measurements joined where gated) is a
    forest.

Compiled cores
--------------
Both wrappers validate and then call ``@numba.njit(cache=True)`` cores that other
compiled code may call directly. They assume valid input (2-D C-contiguous float64,
entries finite and >= 0) and allocate nothing but, in ``_exact_core``, four arrays of
length n_t or n_m (and, when it falls back to the log domain, ``log w`` and three more).

``_exact_core(w, beta) -> float``
    ``w`` (n_t, n_m + 1) float64, read only; ``beta`` (n_t, n_m + 1) float64, written.
    Returns the natural log of the total weight of all joint events (the cluster's
    likelihood ratio, up to the row factors), ``-inf`` when no event has positive
    weight, in which case ``beta`` is filled with NaN. Products of weights are formed
    directly (rows scaled by their maxima); when the total of the scaled events is
    tiny (their products may have underflowed) the enumeration is redone in the log
    domain (``_exact_core_log``), so any range of finite positive weights gives the
    marginals.

``_bp_core(w, beta, mu, nu, buf, max_iter, tol) -> int``
    ``w`` (n_t, n_m + 1) float64, read only; ``beta`` (n_t, n_m + 1) float64, written;
    ``mu`` and ``nu`` (n_t, n_m) float64, work arrays for the track-to-measurement and
    measurement-to-track messages (their contents on entry are ignored; on return they
    hold the final messages); ``buf`` float64 of length >= max(n_t, n_m) + 1, scratch;
    ``max_iter`` int >= 1; ``tol`` float >= 0. Returns the number of iterations done if
    the largest change of a measurement-to-track message in the last iteration was
    <= ``tol``, and ``-max_iter`` if the budget ran out first (``beta`` then holds the
    marginals of the last messages). A track whose row of ``beta`` cannot be normalised
    (``w[i, 0] == 0`` and every gated measurement is claimed by tracks that must take
    it: the cluster has no feasible event) gets a row of NaN.

Belief propagation
------------------
With :math:`\psi_{ij} = w_{i,j+1} / w_{i,0}`, Williams & Lau iterate, from
:math:`\nu_{j \to i} = 1`,

.. math::

    \mu_{i \to j} = \frac{\psi_{ij}}{1 + \sum_{j' \ne j} \psi_{ij'}\,
    \nu_{j' \to i}}, \qquad
    \nu_{j \to i} = \frac{1}{1 + \sum_{i' \ne i} \mu_{i' \to j}},

and read off :math:`\beta_{i,j+1} \propto \psi_{ij} \nu_{j \to i}`,
:math:`\beta_{i,0} \propto 1`, normalised per track. This module multiplies the
first fraction's numerator and denominator by :math:`w_{i,0}`, which gives the same
messages without dividing by :math:`w_{i,0}`:

.. math::

    \mu_{i \to j} = \frac{w_{i,j+1}}{w_{i,0} + \sum_{j' \ne j} w_{i,j'+1}\,
    \nu_{j' \to i}},

and so treats a track that is never missed (``w[i, 0] == 0``, e.g. :math:`P_D P_G = 1`)
exactly, without a floor: when such a track's only measurement still open to it is
``j``, :math:`\mu_{i \to j} = +\infty` and :math:`\nu_{j \to i'} = 0` for every
other track, i.e. ``j`` is reserved for ``i``. The sums that exclude one term are
formed from prefix and suffix sums (no subtraction, so no cancellation and no
``inf - inf``); ``mu`` is set to 0 where ``w`` is 0. Convergence is tested on the
measurement-to-track messages (which lie in [0, 1]; the others are functions of them)
with an iteration budget, not a time limit, so results are reproducible. Williams & Lau
prove this iteration converges.

References
----------
.. [1] J. Williams and R. Lau, "Approximate evaluation of marginal association
   probabilities with belief propagation", IEEE Transactions on Aerospace and
   Electronic Systems 50(4), 2942-2959, 2014.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from skyscreen._typing import FloatArray

# Below this total (of events weighted by row-scaled weights, each row's largest 1),
# events may have been lost to underflow (products under 2.2e-308) with weights not
# negligible against the total, or the total itself is 0: :func:`_exact_core` then
# redoes the enumeration in the log domain. An event lost above it weighs < 1e-58 of
# the total.
_TOTAL_MIN = 1e-250

__all__ = ["jpda_bp", "jpda_exact"]


@njit(cache=True)
def _exact_core(w: FloatArray, beta: FloatArray) -> float:
    """Exact JPDA marginals by enumeration; see the module docstring."""
    n_t = w.shape[0]
    n_c = w.shape[1]  # n_m + 1
    n_m = n_c - 1
    beta[:, :] = 0.0
    # Rows are scaled by their maxima (marginals do not change) so that products of
    # many small or large likelihood ratios neither underflow nor overflow.
    scale = np.empty(n_t)
    log_scale = 0.0
    for i in range(n_t):
        m = 0.0
        for c in range(n_c):
            m = max(m, w[i, c])
        if m <= 0.0:
            beta[:, :] = np.nan
            return -math.inf
        scale[i] = 1.0 / m
        log_scale += math.log(m)
    if n_t == 0:
        return 0.0
    choice = np.full(n_t, -1, dtype=np.int64)  # column chosen by each track on the path
    used = np.zeros(max(n_m, 1), dtype=np.bool_)  # measurement taken on the path
    prod = np.ones(n_t + 1)  # prod[d]: weight of the choices of tracks 0..d-1
    total = 0.0
    d = 0
    while d >= 0:
        c = choice[d]
        if c > 0:
            used[c - 1] = False  # release the previous choice of track d
        c += 1
        while c < n_c and (w[d, c] <= 0.0 or (c > 0 and used[c - 1])):
            c += 1
        if c == n_c:  # track d has no further option: back up
            choice[d] = -1
            d -= 1
            continue
        choice[d] = c
        if c > 0:
            used[c - 1] = True
        p = prod[d] * (w[d, c] * scale[d])
        if d == n_t - 1:  # a complete joint event
            total += p
            for i in range(n_t):
                beta[i, choice[i]] += p
        else:
            prod[d + 1] = p
            d += 1
    if total < _TOTAL_MIN:
        # [tests fix] The events' products underflowed (to 0 or subnormal), so the
        # marginals were NaN: scaling rows by their maxima does not help when every
        # event must take a small entry from several rows, e.g. tracks sharing their
        # only measurement, with miss weights of 1e-290 relative to it (a clutter
        # density of 1e-300). The marginals are well defined all the same; redo the
        # sums in the log domain. Clusters whose total is not this small never come
        # here (results unchanged).
        return _exact_core_log(np.log(w), beta)
    inv = 1.0 / total
    for i in range(n_t):
        for c in range(n_c):
            beta[i, c] *= inv
    return math.log(total) + log_scale


@njit(cache=True)
def _exact_core_log(lw: FloatArray, beta: FloatArray) -> float:
    """Exact JPDA marginals by enumeration from log weights ``lw`` (−inf: weight 0).

    Two passes over the events: the first finds the largest log weight of an event,
    the second sums the events' weights relative to it (each at most 1, the largest
    exactly 1), so the sums neither overflow nor underflow whatever the weights'
    range. Returns the log of the total weight, −inf (``beta`` NaN) when no event has
    positive weight.
    """
    n_t = lw.shape[0]
    n_c = lw.shape[1]
    n_m = n_c - 1
    beta[:, :] = 0.0
    if n_t == 0:
        return 0.0
    choice = np.full(n_t, -1, dtype=np.int64)
    used = np.zeros(max(n_m, 1), dtype=np.bool_)
    acc = np.zeros(n_t + 1)  # acc[d]: log weight of the choices of tracks 0..d-1
    top = -math.inf
    total = 0.0
    for pass_ in range(2):
        d = 0
        while d >= 0:
            c = choice[d]
            if c > 0:
                used[c - 1] = False
            c += 1
            while c < n_c and (lw[d, c] == -math.inf or (c > 0 and used[c - 1])):
                c += 1
            if c == n_c:
                choice[d] = -1
                d -= 1
                continue
            choice[d] = c
            if c > 0:
                used[c - 1] = True
            a = acc[d] + lw[d, c]
            if d == n_t - 1:
                if pass_ == 0:
                    top = max(top, a)
                else:
                    p = math.exp(a - top)
                    total += p
                    for i in range(n_t):
                        beta[i, choice[i]] += p
            else:
                acc[d + 1] = a
                d += 1
        if top == -math.inf:
            beta[:, :] = np.nan
            return -math.inf
    inv = 1.0 / total
    for i in range(n_t):
        for c in range(n_c):
            beta[i, c] *= inv
    return math.log(total) + top


@njit(cache=True)
def _bp_core(
    w: FloatArray,
    beta: FloatArray,
    mu: FloatArray,
    nu: FloatArray,
    buf: FloatArray,
    max_iter: int,
    tol: float,
) -> int:
    """Belief-propagation JPDA marginals; see the module docstring."""
    n_t = w.shape[0]
    n_m = w.shape[1] - 1
    nu[:, :] = 1.0
    n_done = -max_iter
    for it in range(max_iter):
        # Track to measurement: mu[i, j] = w[i, j+1] / (w[i, 0] + sum_{j' != j} ...),
        # the excluded-term sum as prefix (running) + suffix (buf[j + 1]).
        for i in range(n_t):
            buf[n_m] = 0.0
            for j in range(n_m - 1, -1, -1):
                buf[j] = buf[j + 1] + w[i, j + 1] * nu[i, j]
            pre = w[i, 0]
            for j in range(n_m):
                wij = w[i, j + 1]
                if wij > 0.0:
                    den = pre + buf[j + 1]
                    mu[i, j] = wij / den if den > 0.0 else math.inf
                else:
                    mu[i, j] = 0.0
                pre += wij * nu[i, j]
        # Measurement to track: nu[i, j] = 1 / (1 + sum_{i' != i} mu[i', j]).
        delta = 0.0
        for j in range(n_m):
            buf[n_t] = 0.0
            for i in range(n_t - 1, -1, -1):
                buf[i] = buf[i + 1] + mu[i, j]
            pre = 0.0
            for i in range(n_t):
                new = 1.0 / (1.0 + (pre + buf[i + 1]))
                delta = max(delta, abs(new - nu[i, j]))
                nu[i, j] = new
                pre += mu[i, j]
        if delta <= tol:
            n_done = it + 1
            break
    for i in range(n_t):
        s = w[i, 0]
        beta[i, 0] = s
        for j in range(n_m):
            b = w[i, j + 1] * nu[i, j]
            beta[i, j + 1] = b
            s += b
        if s > 0.0:
            inv = 1.0 / s
            for c in range(n_m + 1):
                beta[i, c] *= inv
        else:
            beta[i, :] = np.nan
    return n_done


def _check_weights(w: object) -> FloatArray:
    """Validate a weight matrix and return it as a C-contiguous float64 array."""
    arr = np.asarray(w)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(
            f"w must be 2-D of shape (n_t, n_m + 1) with n_m >= 0; got shape {arr.shape}"
        )
    if not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ValueError(f"w must be a real array; got dtype {arr.dtype}")
    out = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError("w must be finite; got NaN or infinity")
    if np.any(out < 0.0):
        raise ValueError(f"w must be >= 0; got minimum {float(out.min())!r}")
    return out


def _check_out(out: object, shape: tuple[int, ...]) -> FloatArray:
    """Return ``out``, checked against ``shape``, or a new array of that shape."""
    if out is None:
        return np.empty(shape)
    if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.shape != shape:
        got = (
            f"{out.dtype} array of shape {out.shape}"
            if isinstance(out, np.ndarray)
            else type(out).__name__
        )
        raise ValueError(f"out must be a float64 array of shape {shape}; got {got}")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("out must be C-contiguous and writeable")
    return out


def _infeasible(beta: FloatArray) -> ValueError:
    bad = np.flatnonzero(~np.isfinite(beta).all(axis=1))
    return ValueError(
        "w has no feasible joint association event (a track with w[i, 0] == 0 cannot "
        f"be given a measurement); tracks {bad.tolist()}"
    )


def jpda_exact(w: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Exact JPDA marginal association probabilities of one cluster.

    Enumerates every joint association event depth-first over tracks, skipping zero
    weights; the cost is proportional to the number of events with positive weight
    times n_t, so keep clusters to about 8 tracks.

    Parameters
    ----------
    w : FloatArray of shape (n_t, n_m + 1)
        Column 0: each track's missed-detection weight; column j + 1: the likelihood
        ratio of the track taking measurement j, 0 where not gated. Finite, >= 0.
    out : FloatArray of shape (n_t, n_m + 1), optional
        C-contiguous float64 array to write the result into.

    Returns
    -------
    beta : FloatArray of shape (n_t, n_m + 1)
        ``beta[i, 0]``: probability that track i is missed; ``beta[i, j + 1]``:
        probability that it takes measurement j. Rows sum to 1; 0 wherever ``w`` is.

    Raises
    ------
    ValueError
        If ``w`` or ``out`` is malformed, or no joint event has positive weight.

    See Also
    --------
    jpda_bp : The belief-propagation approximation, for larger clusters.

    Examples
    --------
    >>> import numpy as np
    >>> jpda_exact(np.array([[1.0, 1.0], [1.0, 1.0]]))
    array([[0.66666667, 0.33333333],
           [0.66666667, 0.33333333]])
    """
    wf = _check_weights(w)
    beta = _check_out(out, wf.shape)
    log_total = _exact_core(wf, beta)
    if not math.isfinite(log_total):
        raise _infeasible(beta)
    return beta


def jpda_bp(
    w: FloatArray,
    out: FloatArray | None = None,
    max_iter: int = 1000,
    tol: float = 1e-12,
) -> FloatArray:
    """Approximate JPDA marginals by belief propagation (Williams & Lau, 2014).

    O(n_t n_m) per iteration; exact when the association graph (tracks and
    measurements, joined where ``w`` is positive) is a forest. The messages are
    iterated until the largest change of a measurement-to-track message is at most
    ``tol`` or ``max_iter`` iterations are done, whichever comes first.

    Parameters
    ----------
    w : FloatArray of shape (n_t, n_m + 1)
        Column 0: each track's missed-detection weight; column j + 1: the likelihood
        ratio of the track taking measurement j, 0 where not gated. Finite, >= 0.
    out : FloatArray of shape (n_t, n_m + 1), optional
        C-contiguous float64 array to write the result into.
    max_iter : int, default 1000
        Iteration budget, >= 1.
    tol : float, default 1e-12
        Convergence tolerance on the messages, >= 0.

    Returns
    -------
    beta : FloatArray of shape (n_t, n_m + 1)
        Approximate marginals, laid out as in :func:`jpda_exact`. Rows sum to 1; 0
        wherever ``w`` is.

    Raises
    ------
    ValueError
        If an argument is malformed, or a track cannot be given any measurement that
        other tracks do not have to take (no feasible joint event).

    See Also
    --------
    jpda_exact : Exact marginals by enumeration.

    Examples
    --------
    >>> import numpy as np
    >>> jpda_bp(np.array([[1.0, 1.0], [1.0, 1.0]]))
    array([[0.66666667, 0.33333333],
           [0.66666667, 0.33333333]])
    """
    wf = _check_weights(w)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer):
        raise TypeError(f"max_iter must be an int; got {type(max_iter).__name__}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1; got {max_iter}")
    if not (math.isfinite(tol) and tol >= 0.0):
        raise ValueError(f"tol must be a finite float >= 0; got {tol!r}")
    beta = _check_out(out, wf.shape)
    n_t, n_c = wf.shape
    mu = np.empty((n_t, n_c - 1))
    nu = np.empty((n_t, n_c - 1))
    buf = np.empty(max(n_t, n_c - 1) + 1)
    _bp_core(wf, beta, mu, nu, buf, int(max_iter), float(tol))
    if not np.all(np.isfinite(beta)):
        raise _infeasible(beta)
    return beta
