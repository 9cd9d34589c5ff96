"""Array type aliases shared by the package."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64] | npt.NDArray[np.int32] | npt.NDArray[Any]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
