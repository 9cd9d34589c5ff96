"""Scenario fields by dotted path: read, set, and the values a study gives them.

A path names a field of the scenario as written in its file: ``raids.0.count``,
``sites.0.effectors.3.enabled``, ``doctrine.min_shot_pk``. A list element is named by
its index (``effectors.3``) or by its ``id`` (``effectors.gun-n``); ``raids[0].count``,
the form error messages use, is accepted too. Setting a field validates the whole
scenario again, so a value out of its field's range is the usual error naming the
field path.

``--vary PATH=VALUES`` gives a field its values:

- ``4:64:4``: a grid from 4 to 64 in steps of 4, the end included when it falls on
  the grid (``0:1:0.3`` is 0, 0.3, 0.6, 0.9);
- ``a,b,c``: a list, each item read as a YAML scalar (``true,false``, ``4,8,16``,
  ``greedy,exact``);
- ``lo:hi``: a range, for a Latin hypercube or a sensitivity study (continuous; an
  integer field takes the rounded value);
- a single value (``compare --vary``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skyscreen.errors import FieldError, ScenarioError, SkyscreenError
from skyscreen.scenario import parse_scenario
from skyscreen.scenario.load import yaml_value
from skyscreen.scenario.spec import ScenarioSpec

__all__ = [
    "MAX_GRID_POINTS",
    "Vary",
    "VaryError",
    "check_paths",
    "get_path",
    "parse_vary",
    "split_path",
    "with_values",
]

MAX_GRID_POINTS = 10_000
"""Most values one ``--vary`` grid may expand to, and most points of a full grid."""

_INDEX = re.compile(r"\[(\d+)\]")


class VaryError(SkyscreenError, ValueError):
    """A malformed ``--vary`` or a path that names no field."""


def split_path(path: str) -> list[str]:
    """The segments of a dotted path; ``raids[0].count`` and ``raids.0.count`` agree.

    Examples
    --------
    >>> split_path("raids[0].count")
    ['raids', '0', 'count']
    """
    text = _INDEX.sub(r".\1", path.strip())
    parts = text.split(".")
    if not text or any(p == "" for p in parts):
        raise VaryError(
            f"field path must be dotted names and indices, e.g. raids.0.count; "
            f"got {path!r}"
        )
    return parts


def _step(node: Any, seg: str, where: str, path: str) -> tuple[Any, Any]:
    """The child of ``node`` named ``seg``, and the key or index that reaches it."""
    if isinstance(node, Mapping):
        if seg not in node:
            names = ", ".join(sorted(str(k) for k in node)) or "none"
            raise VaryError(
                f"{path}: {where or 'the scenario'} has no field {seg!r} "
                f"(its fields: {names})"
            )
        return node[seg], seg
    if isinstance(node, list):
        if seg.isdigit():
            i = int(seg)
            if i >= len(node):
                raise VaryError(
                    f"{path}: {where} has {len(node)} entries (0..{len(node) - 1}); "
                    f"got index {i}"
                )
            return node[i], i
        ids = [x.get("id") for x in node if isinstance(x, Mapping)]
        if seg in ids:
            i = ids.index(seg)
            return node[i], i
        listed = ", ".join(str(x) for x in ids if x is not None) or "none have ids"
        raise VaryError(
            f"{path}: {where} has no entry with id {seg!r} (ids: {listed}; or give "
            "an index)"
        )
    raise VaryError(f"{path}: {where} is a value, not a mapping or list")


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in scenario data (a dict as ``model_dump`` gives it)."""
    node: Any = data
    where = ""
    for seg in split_path(path):
        node, _ = _step(node, seg, where, path)
        where = f"{where}.{seg}" if where else seg
    return node


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = split_path(path)
    node: Any = data
    where = ""
    for seg in parts[:-1]:
        node, _ = _step(node, seg, where, path)
        where = f"{where}.{seg}" if where else seg
    last = parts[-1]
    if isinstance(node, Mapping):
        # A field not written in the file but known to the schema is in the dump
        # (defaults are expanded), so every settable field is found here.
        _step(node, last, where, path)
        node[last] = value  # type: ignore[index]
    else:
        _, i = _step(node, last, where, path)
        node[i] = value


def _cast_like(old: Any, value: Any) -> Any:
    """``value`` as the type of the field's current value where that is unambiguous."""
    if isinstance(old, bool) or old is None:
        return value
    if isinstance(old, int) and isinstance(value, float) and math.isfinite(value):
        return round(value)
    if (
        isinstance(old, float)
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    return value


def with_values(
    spec: ScenarioSpec, values: Mapping[str, Any], source: str | None = None
) -> ScenarioSpec:
    """``spec`` with the fields at the given paths set, validated again.

    An integer field given a float takes it rounded (a Latin hypercube draws floats).

    Raises
    ------
    VaryError
        If a path names no field.
    ScenarioError
        If a value is not valid for its field (the message names the field path).

    Examples
    --------
    >>> from skyscreen.scenario import example_path, load_scenario
    >>> spec = load_scenario(example_path("quickstart"))
    >>> with_values(spec, {"raids.0.count": 7.4}).raids[0].count
    7
    """
    data = spec.model_dump(mode="json", by_alias=True)
    for path, value in values.items():
        old = get_path(data, path)
        _set_path(data, path, _cast_like(old, value))
    where = ", ".join(f"{p}={v!r}" for p, v in values.items())
    return parse_scenario(data, source=source or f"the scenario with {where}")


def _scalar(text: str) -> Any:
    """An item of ``--vary`` read as the scenario files read a value (YAML 1.2)."""
    return yaml_value(text)


def _number(text: str, what: str) -> float:
    value = _scalar(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise VaryError(f"{what} must be a number; got {text!r}")
    if not math.isfinite(value):
        raise VaryError(f"{what} must be finite; got {text!r}")
    return value


@dataclass(frozen=True)
class Vary:
    """One varied field: its path and either its values or a range.

    Attributes
    ----------
    path : str
        The field's dotted path.
    values : tuple
        The values of a grid or list (empty for a range).
    low, high : float
        A range's ends (NaN for a grid or list).
    """

    path: str
    values: tuple[Any, ...] = ()
    low: float = math.nan
    high: float = math.nan

    @property
    def is_range(self) -> bool:
        """Whether this is a continuous range ``lo:hi`` rather than listed values."""
        return not self.values

    def at(self, u: float) -> Any:
        """The value at ``u`` in [0, 1): a point of the range, or a listed value."""
        if self.is_range:
            return self.low + u * (self.high - self.low)
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]


def _grid(lo: float, hi: float, step: float, what: str) -> tuple[Any, ...]:
    if step <= 0:
        raise VaryError(f"{what}: the step must be > 0; got {step}")
    if hi < lo:
        raise VaryError(f"{what}: the end must be >= the start; got {lo}:{hi}")
    n = math.floor((hi - lo) / step * (1 + 1e-12) + 1e-9) + 1
    if n > MAX_GRID_POINTS:
        raise VaryError(f"{what}: at most {MAX_GRID_POINTS:,} values; got {n:,}")
    ints = all(float(x).is_integer() for x in (lo, hi, step))
    if ints:  # exact integer arithmetic: no rounding tolerance to overshoot the end
        return tuple(range(int(lo), int(hi) + 1, int(step)))
    # Rounded to the step's decimals, so 0:1:0.1 gives 0.3, not 0.30000000000000004.
    decimals = max(0, -math.floor(math.log10(step)) + 6)
    return tuple(round(lo + i * step, decimals) for i in range(n))


def parse_vary(text: str) -> Vary:
    """A ``PATH=VALUES`` argument (see the module docstring).

    Examples
    --------
    >>> parse_vary("raids.0.count=4:16:4").values
    (4, 8, 12, 16)
    >>> parse_vary("sites.0.effectors.3.enabled=true,false").values
    (True, False)
    >>> v = parse_vary("doctrine.min_shot_pk=0:0.3")
    >>> v.is_range, v.low, v.high
    (True, 0, 0.3)
    """
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise VaryError(
            f"--vary must be PATH=VALUES (e.g. raids.0.count=4:64:4 or "
            f"sites.0.effectors.3.enabled=true,false); got {text!r}"
        )
    split_path(path)
    what = f"--vary {path}"
    if "," in spec:
        items = tuple(_scalar(s.strip()) for s in spec.split(","))
        if any(s.strip() == "" for s in spec.split(",")):
            raise VaryError(f"{what}: empty item in the list {spec!r}")
        if len(items) > MAX_GRID_POINTS:
            raise VaryError(f"{what}: at most {MAX_GRID_POINTS:,} values")
        return Vary(path, items)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) == 2:
            lo = _number(parts[0], f"{what}: the start")
            hi = _number(parts[1], f"{what}: the end")
            if hi < lo:
                raise VaryError(f"{what}: the end must be >= the start; got {spec}")
            return Vary(path, (), lo, hi)
        if len(parts) == 3:
            lo = _number(parts[0], f"{what}: the start")
            hi = _number(parts[1], f"{what}: the end")
            step = _number(parts[2], f"{what}: the step")
            return Vary(path, _grid(lo, hi, step, what))
        raise VaryError(f"{what}: a range is lo:hi or lo:hi:step; got {spec!r}")
    return Vary(path, (_scalar(spec),))


def check_paths(spec: ScenarioSpec, varies: Sequence[Vary]) -> None:
    """Raise a :class:`ScenarioError` listing every path that names no field."""
    data = spec.model_dump(mode="json", by_alias=True)
    errors = []
    seen: set[str] = set()
    for v in varies:
        key = ".".join(split_path(v.path))
        if key in seen:
            errors.append(FieldError(v.path, "is varied twice; give it once"))
        seen.add(key)
        try:
            get_path(data, v.path)
        except VaryError as exc:
            errors.append(FieldError("", str(exc)))
    if errors:
        raise ScenarioError(errors, source="--vary")
