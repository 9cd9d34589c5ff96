"""One compiled definition of each equation, for numba kernels and NumPy callers alike.

An equation written as a scalar function and decorated with :func:`ufunc` becomes a
NumPy universal function compiled by numba: NumPy code calls it on arrays (with
broadcasting), and the engine's numba kernels call the very same function on scalars,
so the two can never drift apart. Compiled code is cached on disk (``cache=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import vectorize

__all__ = ["Ufunc", "ufunc"]

Ufunc = Callable[..., Any]
"""A compiled ufunc: scalars in numba kernels, arrays (broadcast) from NumPy."""


def ufunc(n_in: int, out: str = "float64") -> Callable[[Callable[..., Any]], Ufunc]:
    """Compile a scalar function of ``n_in`` float64 arguments into a ufunc.

    Parameters
    ----------
    n_in : int
        Number of (float64) inputs.
    out : str
        numba type of the result (``"float64"`` or ``"boolean"``).
    """
    signature = f"{out}({', '.join(['float64'] * n_in)})"

    def wrap(fn: Callable[..., Any]) -> Ufunc:
        compiled: Ufunc = vectorize([signature], cache=True)(fn)  # type: ignore[no-untyped-call]
        return compiled

    return wrap
