"""Start-up of a run: the ufuncs' cached NumPy loop, plain scalars, no scipy.stats.

docs/performance.md, "Start-up": a ufunc called from NumPy gets a shared inner loop
loaded from numba's cache instead of the loop numba builds with LLVM in every process;
these check that it gives numba's own results bit for bit, and that compiling a
scenario in the main process builds no loop at all.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from skyscreen.models import laser, missile
from skyscreen.models.jit import plain

# Every ufunc of the models (and the threat value) on awkward float64 arrays (a strided
# first argument, 5% special values), broadcast against integer arrays, and on Python
# floats: results, their dtypes and types, and NumPy's floating-point warnings.
_EVALUATE = """
import importlib, pickle, pkgutil, sys, warnings
import numpy as np
import skyscreen.models as models
from skyscreen.models import jit
if sys.argv[1] == "numba":
    jit._LazyUfunc._add_cached_loop = lambda self: False  # numba's own loop
names = [m.name for m in pkgutil.iter_modules(models.__path__) if m.name[0] != "_"]
mods = [importlib.import_module("skyscreen.models." + n) for n in names]
mods.append(importlib.import_module("skyscreen.c2.threat"))
rng = np.random.default_rng(5)
special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-300, 1e300, 5e-324])
out = {}
for mod in mods:
    for name, f in sorted(vars(mod).items()):
        if not isinstance(f, jit._LazyUfunc) or f.__module__ != mod.__name__:
            continue
        n_in, n = len(f._fixed[0]), 4000
        args = []
        for _ in range(n_in):
            a = rng.normal(0.0, 10.0 ** rng.integers(-2, 5), n)
            m = rng.random(n) < 0.05
            a[m] = rng.choice(special, m.sum())
            args.append(a)
        if name == "false_alarm_count":  # a Poisson mean of 1e300 would never end
            args = [rng.random(n), 50.0 * rng.random(n)]
        args[0] = np.repeat(args[0], 2)[::2]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            arrays = f(*args)
            ints = f(*[a[:7].reshape(7, 1) for a in args[:-1]],
                     args[-1][:5].astype(np.int64) if n_in > 1 else 3)
            scalar = f(*[float(a[1]) for a in args])
        out[mod.__name__ + "." + name] = (
            arrays.tobytes(), arrays.dtype.str, ints.tobytes(), ints.shape,
            np.asarray(scalar).tobytes(), type(scalar).__name__,
            sorted(str(w.message) for w in caught),
        )
with open(sys.argv[2], "wb") as fh:
    pickle.dump(out, fh)
"""


def _evaluate(loop: str, path: Path) -> dict[str, tuple[object, ...]]:
    subprocess.run(
        [sys.executable, "-c", _EVALUATE, loop, str(path)], check=True, timeout=300
    )
    with path.open("rb") as fh:
        result: dict[str, tuple[object, ...]] = pickle.load(fh)
    return result


def test_cached_numpy_loop_gives_numbas_results_bit_for_bit(tmp_path: Path) -> None:
    """Every ufunc from NumPy: the shared cached loop equals numba's own loop."""
    cached = _evaluate("cached", tmp_path / "cached.pkl")
    own = _evaluate("numba", tmp_path / "numba.pkl")
    assert len(own) >= 30
    assert cached.keys() == own.keys()
    for name in own:
        assert cached[name] == own[name], name


def test_compiling_a_scenario_builds_no_ufunc_loop() -> None:
    """The main process compiles scenarios but runs no kernel: no loop, no numba."""
    code = (
        "import importlib, pkgutil\n"
        "import skyscreen.models as models\n"
        "from skyscreen.models import jit\n"
        "from skyscreen.scenario import example_names, example_path, load_scenario\n"
        "from skyscreen.scenario.compile import compile_scenario\n"
        "for name in example_names():\n"
        "    compile_scenario(load_scenario(example_path(name)))\n"
        "for m in pkgutil.iter_modules(models.__path__):\n"
        "    mod = importlib.import_module('skyscreen.models.' + m.name)\n"
        "    for f in vars(mod).values():\n"
        "        if isinstance(f, jit._LazyUfunc):\n"
        "            assert f.ntypes == 0, f.__name__\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_kernel_compiled_after_a_numpy_call_gives_the_same_values() -> None:
    """A ufunc first called from NumPy is then called by a new kernel: same values."""
    r = np.linspace(0.0, 12_000.0, 25)
    ok = missile.in_envelope(r, r / 3.0, 500.0, 10_000.0, 3000.0)
    pk = missile.kill_probability(r, 0.8, 10_000.0, 0.4, 0.5)

    @njit
    def kernel(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = np.empty(r.size, dtype=np.bool_)
        pk = np.empty(r.size)
        for i in range(r.size):
            ok[i] = missile.in_envelope(r[i], r[i] / 3.0, 500.0, 10_000.0, 3000.0)
            pk[i] = missile.kill_probability(r[i], 0.8, 10_000.0, 0.4, 0.5)
        return ok, pk

    ok_k, pk_k = kernel(r)
    np.testing.assert_array_equal(ok_k, ok)
    assert pk_k.tobytes() == pk.tobytes()


@pytest.mark.parametrize(
    "visibility_m", [1.0, 37.5, 1000.0, 3912.0, 20_000.0, 123_456.789, 2e5, np.inf]
)
def test_plain_extinction_is_the_ufuncs_bits(visibility_m: float) -> None:
    """plain(extinction_per_m), used by scenario compilation, gives the ufunc's bits."""
    got = plain(laser.extinction_per_m)(visibility_m)
    assert isinstance(got, float)
    assert (
        np.float64(got).tobytes()
        == np.float64(laser.extinction_per_m(visibility_m)).tobytes()
    )
