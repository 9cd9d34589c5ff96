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

A first call from NumPy does not build numba's loop either (it is not cached: 60-100
ms a ufunc, in every process; the engine calls seven ufuncs on arrays, scenario
compilation one). It loads the scalar function from the cache and registers one inner
loop shared by all the ufuncs, itself compiled once and cached
(:mod:`skyscreen.models._ufunc_loop`), which calls the function through its C entry
point: 2-10 ms. The same compiled function on the same arguments gives the same bits,
NumPy's broadcasting, casting and floating-point warnings included. A kernel compiled
later in the process links the same function, as after numba's own loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import types
from numba.core.compiler_lock import global_compiler_lock
from numba.np.numpy_support import as_dtype
from numba.np.ufunc.dufunc import DUFunc

__all__ = ["Ufunc", "plain", "ufunc"]

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
        # NumPy-level call that found no loop: give the ufunc its one loop; the C
        # caller then calls the ufunc again, and NumPy casts the arguments to it (or
        # raises NumPy's own TypeError when they cannot be cast safely).
        with global_compiler_lock:  # re-entrant; numba's compilations take it too
            if self.ntypes:  # another thread gave it its loop meanwhile
                return
            if not self._dispatcher.overloads and self._try_cached_loop():
                self._frozen = True
            else:
                self._compile_fixed()

    def _try_cached_loop(self) -> bool:
        """:meth:`_add_cached_loop`, or False where it cannot be used.

        False where the numba internals it uses differ (another numba version): the
        caller then builds numba's own loop, as before.
        """
        try:
            return self._add_cached_loop()
        except (AttributeError, TypeError, ImportError):
            return False

    def _add_cached_loop(self) -> bool:
        """Register the shared cached inner loop over the scalar function's C entry.

        Instead of the loop numba builds with LLVM (0.06-0.1 s, in every process):
        the scalar function is loaded from numba's cache and called through its C
        entry point by :mod:`skyscreen.models._ufunc_loop`'s loop, itself loaded from
        the cache. False (nothing registered) where that entry point is missing.
        """
        from skyscreen.models import _ufunc_loop

        args, out = self._fixed
        kinds = {
            types.float64: _ufunc_loop.FLOAT64,
            types.boolean: _ufunc_loop.BOOLEAN,
            types.int64: _ufunc_loop.INT64,
        }
        if out not in kinds or len(args) > _ufunc_loop.MAX_INPUTS:
            return False
        cres = self._dispatcher.compile(out(*args), **self.targetoptions)
        entry = cres.library.get_pointer_to_function(
            cres.fndesc.llvm_cfunc_wrapper_name
        )
        if not entry:
            return False
        data = np.array([entry, len(args), kinds[out]], dtype=np.int64)
        dtypes = [as_dtype(a).num for a in (*args, out)]
        self._add_loop(_ufunc_loop.loop_address(), dtypes, data.ctypes.data)
        # Kept alive with the ufunc: the loop's data, and the scalar function's code
        # (which kernels compiled later in this process link, as numba's own path).
        self._keepalive.append((data, cres.library, cres.environment))
        self._lower_me.libs.append(cres.library)
        return True

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


def plain(compiled: Ufunc) -> Callable[..., Any]:
    """The scalar function behind a :func:`ufunc`, as plain Python.

    For one number at set-up, in a process that would otherwise start numba's compiler
    only for it (the first compiled call in a process costs about 0.3 s, the ufunc's
    NumPy loop 0.06-0.1 s more). Python gives the ufunc's bits only where both round
    the same way: + - * / and comparisons (IEEE 754 in both), and the C library's
    functions, which both call; check the function before using it here.

    Examples
    --------
    >>> from skyscreen.models import laser
    >>> plain(laser.extinction_per_m)(3912.0)
    0.001
    """
    # DUFunc keeps the Python function as __wrapped__ (functools.update_wrapper).
    fn: Callable[..., Any] = getattr(compiled, "__wrapped__")  # noqa: B009
    return fn
