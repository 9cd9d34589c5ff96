"""A replication's result does not depend on the replications it shares a chunk with.

Found by the resume tests: a camera's search sweep advanced in steps where its
replication had nothing airborne, steps the engine skips only when the whole chunk
is quiet, so its pointing (and later detections) depended on the chunk. Coastal-airbase
replication 21 and night-raid replication 32 differed between a chunk of 40 and
smaller chunks; the check covers every bundled example.
"""

from __future__ import annotations

import pandas as pd
import pytest

import skyscreen
from skyscreen.scenario import example_names, example_path


@pytest.mark.slow
@pytest.mark.parametrize("name", example_names())
def test_whole_equals_chunked(name: str) -> None:
    kw = {"replications": 40, "seed": 5, "progress": False, "workers": 1}
    whole = skyscreen.simulate(example_path(name), **kw)
    # Chunk sizes at which the camera defect showed (a size per example keeps the
    # suite quick; each caught it where it existed).
    for chunk in (3,) if name == "coastal-airbase" else (7,):
        part = skyscreen.simulate(example_path(name), chunk_size=chunk, **kw)
        for table in ("summary", "drones", "effectors", "assets"):
            pd.testing.assert_frame_equal(
                getattr(whole, table),
                getattr(part, table),
                check_exact=True,
                obj=f"{name} {table}, chunks of {chunk}",
            )
