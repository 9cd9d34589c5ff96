"""Positions in a scenario and the local East-North-Up plane they map to.

:class:`OriginSpec` and :class:`PositionSpec` (re-exported by
:mod:`skyscreen.scenario.spec`) and :func:`to_enu`, which converts geodetic input at the
boundary (pymap3d). Every spec that holds a position and the compile step build on this
module; it imports none of them.
"""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pymap3d.vincenty
from pydantic import Field, model_validator

from skyscreen._typing import FloatArray
from skyscreen.scenario._base import Spec

__all__ = ["EARTH_MEAN_RADIUS_M", "OriginSpec", "PositionSpec", "geodesic_m", "to_enu"]

EARTH_MEAN_RADIUS_M = 6_371_008.8
"""Mean radius of the WGS84 ellipsoid (m), for great-circle distances."""
_VINCENTY_BELOW_M = 1_000_000.0


class OriginSpec(Spec):
    """Geodetic origin of the local East-North-Up plane."""

    lat_deg: float = Field(ge=-89.0, le=89.0, description="Latitude (degrees north).")
    lon_deg: float = Field(ge=-180.0, le=180.0, description="Longitude (degrees east).")
    alt_m: float = Field(
        default=0.0,
        ge=-500.0,
        le=9000.0,
        description="Ground altitude above WGS84 (m).",
    )


class PositionSpec(Spec):
    """A point: local ``east_m``/``north_m`` or geodetic ``lat_deg``/``lon_deg``.

    Local coordinates of things on a site are offsets from the site's position; those of
    sites and launch points are from the scenario origin. ``height_m`` is above the
    ground or sea.
    """

    east_m: float | None = Field(default=None, description="East offset (m).")
    north_m: float | None = Field(default=None, description="North offset (m).")
    lat_deg: float | None = Field(
        default=None, ge=-89.0, le=89.0, description="Latitude (degrees north)."
    )
    lon_deg: float | None = Field(
        default=None, ge=-180.0, le=180.0, description="Longitude (degrees east)."
    )
    height_m: float = Field(
        default=0.0, ge=0.0, le=20000.0, description="Height above ground or sea (m)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> PositionSpec:
        local = (self.east_m is not None, self.north_m is not None)
        geo = (self.lat_deg is not None, self.lon_deg is not None)
        if any(local) and any(geo):
            raise ValueError(
                "give either east_m/north_m or lat_deg/lon_deg, not both; got "
                f"{self._given()}"
            )
        if any(local) and not all(local):
            raise ValueError(f"needs both east_m and north_m; got {self._given()}")
        if any(geo) and not all(geo):
            raise ValueError(f"needs both lat_deg and lon_deg; got {self._given()}")
        if not any(local) and not any(geo):
            raise ValueError("needs east_m/north_m or lat_deg/lon_deg; got neither")
        return self

    def _given(self) -> str:
        names = ("east_m", "north_m", "lat_deg", "lon_deg")
        return ", ".join(n for n in names if getattr(self, n) is not None)

    @property
    def is_geodetic(self) -> bool:
        """Whether the point is given in latitude and longitude."""
        return self.lat_deg is not None


def geodesic_m(
    lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float
) -> float:
    """Distance between two points along the earth's surface (m).

    Up to 1,000 km it is the geodesic on the WGS84 ellipsoid (Vincenty's formula,
    :func:`pymap3d.vincenty.vdist`, accurate to millimetres); beyond, where Vincenty's
    iteration converges slowly or not at all near the antipode, the great-circle
    distance on a sphere of the mean radius (haversine, within 0.6 %).

    Examples
    --------
    >>> round(geodesic_m(35.0, 25.0, 45.0, 25.0) / 1000, 1)
    1112.0
    >>> round(geodesic_m(35.0, 25.0, 39.5, 25.0) / 1000, 1)
    499.4
    >>> round(geodesic_m(35.0, 25.0, -35.0, -155.0) / 1000, 1)
    20015.1
    """
    p1, p2 = math.radians(lat1_deg), math.radians(lat2_deg)
    dp, dl = p2 - p1, math.radians(lon2_deg - lon1_deg)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    sphere = 2.0 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    if sphere >= _VINCENTY_BELOW_M:
        return sphere
    dist, _ = pymap3d.vincenty.vdist(lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    return float(dist)


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
