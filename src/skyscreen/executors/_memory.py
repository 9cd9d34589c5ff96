"""Memory: how much is available, and recognising an allocation that failed.

Kept free of heavy imports (standard library only) so that ``skyscreen.run`` can
import it before NumPy, pandas and numba, and report a failure to load those (a
``ulimit -v`` too small for llvmlite's library, say) as :class:`InsufficientMemoryError`
(defined in :mod:`skyscreen.errors`, re-exported here).
"""

from __future__ import annotations

import errno
import os
import re

from skyscreen.errors import InsufficientMemoryError

__all__ = [
    "InsufficientMemoryError",
    "available_memory",
    "format_bytes",
    "is_out_of_memory",
]

GiB = 1 << 30


# Messages of allocation failures that arrive as other exceptions: the dynamic loader's
# when mmap fails under ``ulimit -v`` (wrapped by llvmlite in an OSError that says the
# library "could not be found"), and strerror(ENOMEM).
_OOM_TEXT = re.compile(
    r"failed to map segment|cannot allocate memory|out of memory", re.IGNORECASE
)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc``, or an exception it was raised from, is a failed allocation.

    A :class:`MemoryError` (pyarrow's ``ArrowMemoryError`` and NumPy's are ones), an
    OSError with errno ENOMEM, or an error whose message is the loader's "failed to map
    segment from shared object".
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, MemoryError):
            return True
        if isinstance(cur, OSError) and cur.errno == errno.ENOMEM:
            return True
        if _OOM_TEXT.search(str(cur)):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """What the cgroup (v2) limit leaves, where this process runs under one."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            path = next((ln.strip()[3:] for ln in fh if ln.startswith("0::")), None)
        if path is None:
            return None
        base = os.path.join("/sys/fs/cgroup", path.lstrip("/"))
        with open(os.path.join(base, "memory.max"), encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open(os.path.join(base, "memory.current"), encoding="ascii") as fh:
            current = int(fh.read().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def _address_space_left() -> int | None:
    """What ``ulimit -v`` (RLIMIT_AS) leaves this process, if it is set."""
    try:
        import resource  # not on Windows
    except ImportError:  # pragma: no cover
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            size = next(
                int(ln.split()[1]) * 1024 for ln in fh if ln.startswith("VmSize:")
            )
    except (OSError, ValueError, StopIteration):
        return None
    return max(0, soft - size)


def available_memory() -> int | None:
    """Bytes this process can still allocate, as far as can be told; None if unknown.

    The least of the kernel's estimate of memory available without swapping
    (``MemAvailable`` in /proc/meminfo), what the memory cgroup's limit leaves, and
    what the address-space limit (``ulimit -v``) leaves this process.
    """
    known = [
        v
        for v in (_meminfo_available(), _cgroup_available(), _address_space_left())
        if v is not None
    ]
    return min(known) if known else None


def format_bytes(n: float) -> str:
    """``n`` bytes in MiB or GiB, e.g. ``1.5 GiB``."""
    if n >= GiB:
        return f"{n / GiB:,.1f} GiB"
    return f"{n / (1 << 20):,.0f} MiB"
