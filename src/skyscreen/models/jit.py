"""One compiled definition of each equation, for numba kernels and NumPy callers alike.

An equation written as a scalar function and decorated with :func:`ufunc` becomes a
NumPy universal function compiled by numba: NumPy code calls it on arrays (with
broadcasting), and the engine's numba kernels call the very same function on scalars,
so the two can never drift apart. Compiled code is cached on disk (``cache=True``).

The ufunc is compiled on its first use, not when its module is imported. An eager
``numba.vectorize([signature])`` loads the function from the disk cache at import but
builds the NumPy loop around it with LLVM every time (about 70 ms a ufunc, 2 s for the
models package, which every process paid even when it ran no model at NumPy level, and
a worker whose kernels all come from the cache never needs the loops). Each ufunc has
one signature, float64 arguments: the first call, from NumPy or from a kernel being
compiled, compiles that signature whatever the argument types, and the ufunc is then
frozen, so integer arguments are cast to float64 (NumPy's safe casting) exactly as the
eager ufunc cast them, never given an integer loop of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import types
from numba.np.ufunc.dufunc import DUFunc

__all__ = ["Ufunc", "ufunc"]

Ufunc = Callable[..., Any]
"""A compiled ufunc: scalars in numba kernels, arrays (broadcast) from NumPy."""


_DUFunc: Any = DUFunc  # numba's classes are untyped


class _LazyUfunc(_DUFunc):  # type: ignore[misc]
    """A DUFunc with one fixed signature, compiled on first use and then frozen."""

    _fixed: tuple[tuple[Any, ...], Any]

    def _compile_fixed(self) -> None:
        if not self._dispatcher.overloads:
            args, out = self._fixed
            super()._compile_for_argtys(args, out)
        self._frozen = True

    def _compile_for_args(self, *args: Any, **kws: Any) -> Any:
        # NumPy-level call that found no loop: compile the one signature; the C caller
        # then calls the ufunc again, and NumPy casts the arguments to it (or raises
        # NumPy's own TypeError when they cannot be cast safely).
        self._compile_fixed()

    def find_ewise_function(self, ewise_types: Any) -> Any:
        # Typing a call in a numba kernel: compile the one signature, then (frozen)
        # let numba coerce the arguments to its loop as for any NumPy ufunc.
        self._compile_fixed()
        return super().find_ewise_function(ewise_types)


def ufunc(n_in: int, out: str = "float64") -> Callable[[Callable[..., Any]], Ufunc]:
    """Compile a scalar function of ``n_in`` float64 arguments into a ufunc.

    Parameters
    ----------
    n_in : int
        Number of (float64) inputs.
    out : str
        numba type of the result (``"float64"``, ``"int64"`` or ``"boolean"``).
    """
    fixed = ((types.float64,) * n_in, getattr(types, out))

    def wrap(fn: Callable[..., Any]) -> Ufunc:
        compiled = _LazyUfunc(fn, cache=True, targetoptions={"nopython": True})
        compiled._fixed = fixed
        return compiled

    return wrap
