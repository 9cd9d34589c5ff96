"""One compiled NumPy inner loop for every ufunc of :mod:`skyscreen.models.jit`.

A ufunc called from NumPy needs an inner loop, ``loop(args, dimensions, steps, data)``.
numba builds one per ufunc with LLVM, in every process and every time (0.06-0.1 s a
ufunc; its disk cache keeps the scalar function, not the loop). This module's loop is
compiled once and loaded from numba's cache: it calls the ufunc's scalar function, as
compiled and cached by numba, through its C entry point, whose address and arity come
in ``data``. The same compiled function on the same float64 arguments: the same bits.

``data`` points to three int64: the address of the scalar function's C entry point
(``double f(double, ...)``, or returning a boolean or an int64), the number of inputs
(1 to :data:`MAX_INPUTS`) and the output's kind (:data:`FLOAT64`, :data:`BOOLEAN`,
:data:`INT64`). Imported on the first call of a ufunc from NumPy, not before.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir  # type: ignore[import-untyped]
from numba import cfunc
from numba import types as _types
from numba.extending import intrinsic

types: Any = _types  # numba's type constructors are untyped

__all__ = ["BOOLEAN", "FLOAT64", "INT64", "MAX_INPUTS", "loop_address"]

FLOAT64, BOOLEAN, INT64 = 0, 1, 2
"""Output kinds, the third int64 of ``data``."""

MAX_INPUTS = 8
"""Most inputs a ufunc may have."""

_LOOP_SIGNATURE = types.void(
    types.CPointer(types.voidptr),
    types.CPointer(types.intp),
    types.CPointer(types.intp),
    types.voidptr,
)


@intrinsic
def _load_float64(typingctx: Any, base: Any, offset: Any) -> Any:
    """The float64 at byte ``offset`` from ``base``."""

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = builder.gep(args[0], [args[1]])
        return builder.load(builder.bitcast(ptr, ir.DoubleType().as_pointer()))

    return types.float64(types.voidptr, types.intp), codegen


@intrinsic
def _load_int64(typingctx: Any, base: Any, offset: Any) -> Any:
    """The int64 at byte ``offset`` from ``base``."""

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = builder.gep(args[0], [args[1]])
        return builder.load(builder.bitcast(ptr, ir.IntType(64).as_pointer()))

    return types.int64(types.voidptr, types.intp), codegen


@intrinsic
def _call_and_store(
    typingctx: Any, fn: Any, n_in: Any, kind: Any, out: Any, xs: Any
) -> Any:
    """``out[0] = fn(*xs[:n_in])``, the call's result and ``out``'s type per ``kind``.

    ``fn`` is the address of a function of ``n_in`` doubles returning a double (kind
    FLOAT64), an i1 (BOOLEAN, stored as NumPy's one-byte bool) or an i64 (INT64).
    """
    n_max = len(xs)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        fn_addr, n_val, kind_val, out_ptr, xs_val = args
        values = [builder.extract_value(xs_val, i) for i in range(n_max)]
        double = ir.DoubleType()
        results = {
            FLOAT64: (double, double),
            BOOLEAN: (ir.IntType(1), ir.IntType(8)),
            INT64: (ir.IntType(64), ir.IntType(64)),
        }
        done = builder.append_basic_block("done")
        by_kind = builder.switch(kind_val, done)
        for k, (returned, stored) in results.items():
            kind_block = builder.append_basic_block(f"kind{k}")
            by_kind.add_case(ir.Constant(kind_val.type, k), kind_block)
            builder.position_at_end(kind_block)
            by_n = builder.switch(n_val, done)
            for n in range(1, n_max + 1):
                block = builder.append_basic_block(f"kind{k}_n{n}")
                by_n.add_case(ir.Constant(n_val.type, n), block)
                builder.position_at_end(block)
                fnty = ir.FunctionType(returned, [double] * n)
                result = builder.call(
                    builder.inttoptr(fn_addr, fnty.as_pointer()), values[:n]
                )
                if returned != stored:
                    result = builder.zext(result, stored)
                builder.store(result, builder.bitcast(out_ptr, stored.as_pointer()))
                builder.branch(done)
        builder.position_at_end(done)
        return context.get_dummy_value()

    sig = types.void(types.int64, types.int64, types.int64, types.voidptr, xs)
    return sig, codegen


@intrinsic
def _offset(typingctx: Any, base: Any, offset: Any) -> Any:
    """``base`` + ``offset`` bytes."""

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.gep(args[0], [args[1]])

    return types.voidptr(types.voidptr, types.intp), codegen


# The intrinsics as Any for mypy (numba types them as called with a typing context).
load_float64: Any = _load_float64
load_int64: Any = _load_int64
call_and_store: Any = _call_and_store
offset: Any = _offset


@cfunc(_LOOP_SIGNATURE, cache=True)
def _loop(args: Any, dims: Any, steps: Any, data: Any) -> None:  # pragma: no cover
    fn = load_int64(data, 0)
    n_in = load_int64(data, 8)
    kind = load_int64(data, 16)
    for i in range(dims[0]):
        x0 = load_float64(args[0], i * steps[0])
        x1 = load_float64(args[1], i * steps[1]) if n_in > 1 else 0.0
        x2 = load_float64(args[2], i * steps[2]) if n_in > 2 else 0.0
        x3 = load_float64(args[3], i * steps[3]) if n_in > 3 else 0.0
        x4 = load_float64(args[4], i * steps[4]) if n_in > 4 else 0.0
        x5 = load_float64(args[5], i * steps[5]) if n_in > 5 else 0.0
        x6 = load_float64(args[6], i * steps[6]) if n_in > 6 else 0.0
        x7 = load_float64(args[7], i * steps[7]) if n_in > 7 else 0.0
        out = args[n_in]
        call_and_store(
            fn,
            n_in,
            kind,
            offset(out, i * steps[n_in]),
            (x0, x1, x2, x3, x4, x5, x6, x7),
        )


def loop_address() -> int:
    """Address of the compiled inner loop (a ``PyUFuncGenericFunction``)."""
    address = _loop.address
    assert address is not None
    return int(address)
