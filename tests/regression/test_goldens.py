"""The examples' summaries match their committed goldens.

Same seed, same replications: the numbers are reproduced bit for bit on one NumPy
version; the tolerance (relative 1e-9) only absorbs floating-point differences between
platforms and NumPy releases. A change beyond it is a change of behaviour: regenerate
with ``make goldens`` and explain every changed number in the commit message.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from skyscreen.scenario import example_names

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("goldens", HERE / "goldens.py")
assert _spec is not None
assert _spec.loader is not None
goldens = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(goldens)


@pytest.mark.parametrize("name", example_names())
def test_example_matches_golden(name: str) -> None:
    """An example's summary means, damage frequencies and state counts are unchanged."""
    path = HERE / "goldens" / f"{name}.json"
    assert path.exists(), f"no golden for {name}; run `make goldens`"
    want = json.loads(path.read_text())
    got = goldens.golden_summary(name)
    assert got["drone_states"] == want["drone_states"]
    for key in ("summary_mean", "asset_damaged_freq"):
        assert got[key].keys() == want[key].keys()
        for metric, value in want[key].items():
            if value is None:  # never defined (no drone identified, say)
                assert got[key][metric] is None, metric
                continue
            assert got[key][metric] == pytest.approx(value, rel=1e-9, abs=1e-9), metric
