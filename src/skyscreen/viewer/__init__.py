"""A browser replay of a run: ``skyscreen view DIR`` (docs/viewer.md).

A small standard-library HTTP server, bound to 127.0.0.1, serves one static page (plain
JavaScript on a canvas, in the scenario's local metres) and the run directory's data
as JSON: the scenario's sites, assets, sensors with their coverage, weapons with their
envelopes, and the recorded replications' trajectories, events and air picture.
"""

from skyscreen.viewer.data import RunData, load_run_data
from skyscreen.viewer.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ViewerServer,
    make_server,
    serve,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "RunData",
    "ViewerServer",
    "load_run_data",
    "make_server",
    "serve",
]
