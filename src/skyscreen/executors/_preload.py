"""Imported once by the fork server that starts the local workers: compile the kernels.

Workers are forked from the fork server, so kernels it has compiled (or loaded from
numba's on-disk cache) are ready in every worker at no cost. Without this, each worker
compiles them itself on its first chunk, all at once: measured on the 2-core machine,
a first `skyscreen run examples/coastal-airbase.yaml -n 1000` took 15.8 s instead of
9.2 s with the cache warm. :func:`skyscreen.engine.warm_up` runs a tiny built-in
scenario that reaches every kernel with the argument types the engine passes.

A failure here must not take the fork server down (multiprocessing ignores only an
ImportError of a preloaded module; anything else ends the server, and the main process
then fails to start its workers with an unhelpful EOFError). Short of memory, say, the
workers then import the engine themselves, and report what goes wrong to the main
process.
"""

from __future__ import annotations

import contextlib

with contextlib.suppress(Exception):
    from skyscreen.engine import warm_up

    warm_up()
