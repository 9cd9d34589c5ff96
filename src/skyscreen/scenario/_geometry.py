"""Geodetic input to the local East-North-Up plane (pymap3d at the boundary)."""

from __future__ import annotations

import numpy as np
import pymap3d

from skyscreen._typing import FloatArray
from skyscreen.scenario.spec import OriginSpec, PositionSpec

__all__ = ["to_enu"]


def to_enu(
    position: PositionSpec, origin: OriginSpec, base_m: FloatArray | None = None
) -> FloatArray:
    """East, north and height (m) of a position in the scenario's local plane.

    Local positions are offsets from ``base_m`` (a site's centre; the origin if None).
    Geodetic positions are projected with :func:`pymap3d.geodetic2enu` at the origin's
    altitude; the height stays the height above ground (flat local plane, DESIGN.md).

    Returns
    -------
    ndarray of shape (3,)
        ``[east_m, north_m, height_m]``.
    """
    if position.lat_deg is not None and position.lon_deg is not None:
        e, n, _ = pymap3d.geodetic2enu(
            position.lat_deg,
            position.lon_deg,
            origin.alt_m,
            origin.lat_deg,
            origin.lon_deg,
            origin.alt_m,
        )
        return np.array([float(e), float(n), position.height_m])
    assert position.east_m is not None
    assert position.north_m is not None
    base = np.zeros(3) if base_m is None else base_m
    return np.array(
        [base[0] + position.east_m, base[1] + position.north_m, position.height_m]
    )
