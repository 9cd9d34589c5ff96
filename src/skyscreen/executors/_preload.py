"""Imported once by the fork server that starts the local workers: compile the kernels.

Workers are forked from the fork server, so kernels it has compiled (or loaded from
numba's on-disk cache) are ready in every worker at no cost. Without this, each worker
compiles them itself on its first chunk, all at once: measured on the 2-core machine,
a first `skyscreen run examples/coastal-airbase.yaml -n 1000` took 15.8 s instead of
9.2 s with the cache warm. Running one replication of the bundled quickstart exercises
exactly the argument types the engine passes (read-only parameter arrays included), so
no worker meets a signature that was not compiled here.
"""

from __future__ import annotations

import numpy as np

from skyscreen.engine import run_chunk
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import compile_scenario

__all__ = ["warm_up"]


def warm_up() -> None:
    """Run one replication of the quickstart example, compiling every kernel."""
    params = compile_scenario(load_scenario(example_path("quickstart")))
    run_chunk(params, np.arange(1), seed=0)


warm_up()
