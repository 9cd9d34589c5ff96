"""Bases of the scenario models: frozen pydantic specs, class defaults, shared field types.

The lowest module of the scenario layer's specs (:mod:`skyscreen.scenario.spec`, the
kinds' specs in :mod:`skyscreen.scenario.kinds`, the geometry in
``skyscreen.scenario._geometry`` all build on it); it imports none of them.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from skyscreen.scenario._classes import CLASSES, ClassDefault

__all__ = ["ClassedSpec", "Id", "Probability", "Spec", "check_order", "fail_at"]

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="Identifier: letters, digits, '_', '-', '.'; unique in the scenario.",
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def fail_at(field: str, message: str, value: Any) -> None:
    """Raise a validation error located at ``field`` of the model being validated."""
    text = message.replace("{", "{{").replace("}", "}}")
    raise ValidationError.from_exception_data(
        "Spec",
        [
            InitErrorDetails(
                type=PydanticCustomError("cross_check", text), loc=(field,), input=value
            )
        ],
    )


def check_order(spec: Any, low: str, high: str) -> None:
    """Fail at ``high`` unless ``spec.low < spec.high``."""
    lo, hi = getattr(spec, low), getattr(spec, high)
    if lo >= hi:
        fail_at(high, f"must be > {low} ({lo}); got {hi}", hi)


class Spec(BaseModel):
    """Base of every scenario model: frozen, strict, unknown fields rejected.

    Collections are tuples, so a validated scenario cannot be changed in place (it is
    checked once, then trusted by everything downstream) and specs hash.

    Validation is strict: a number is a number and a boolean a boolean, never a string
    (``count: "4"``), a boolean (``count: true``, ``seed = true``) or, for an integer,
    a float (``count: 4.0``); only an integer is accepted where a number is expected.
    Before pydantic's checks, a list in a file becomes the tuple a field holds (strict
    mode accepts only tuples), and an integer choice (``swerling: 1``) refuses
    ``true`` and ``1.0``, which Python's equality would let through.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
        allow_inf_nan=False,
        strict=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _file_shapes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = data
        for name, info in cls.model_fields.items():
            key = name if name in data else info.alias
            if key is None or key not in data:
                continue
            value = data[key]
            origin = typing.get_origin(info.annotation)
            if origin is tuple and isinstance(value, list):
                out = dict(out) if out is data else out
                out[key] = tuple(value)
            elif origin is typing.Literal and isinstance(value, bool | float):
                choices = typing.get_args(info.annotation)
                if not any(type(c) is type(value) for c in choices):
                    _wrong_literal(key, choices, value)
        return out


def _wrong_literal(field: str, choices: tuple[Any, ...], value: Any) -> None:
    """Fail at ``field`` as pydantic's own Literal check would (``literal_error``)."""
    shown = [repr(c) for c in choices]
    expected = (
        shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    )
    raise ValidationError.from_exception_data(
        "Spec",
        [
            InitErrorDetails(
                type=PydanticCustomError(
                    "literal_error",
                    "Input should be {expected}",
                    {"expected": expected},
                ),
                loc=(field,),
                input=value,
            )
        ],
    )


def _relax_required(schema: dict[str, Any], cls: type[Any]) -> None:
    """Fields filled from a class table are optional in files; say so in the schema."""
    kind = getattr(cls, "CLASS_KIND", None)
    if kind is None:
        return
    table: dict[str, dict[str, ClassDefault]] = CLASSES[kind]
    classed = set().union(*(set(t) for t in table.values()))
    schema["required"] = [f for f in schema.get("required", []) if f not in classed]
    props = schema.get("properties", {})
    for name in classed:
        if name in props:
            per_class = ", ".join(f"{c}: {t[name].value!r}" for c, t in table.items())
            desc = props[name].get("description", "")
            props[name]["description"] = f"{desc} Class default ({per_class}).".strip()


class ClassedSpec(Spec):
    """A Spec whose unset fields come from a notional class table (``CLASSES[kind]``)."""

    model_config = ConfigDict(json_schema_extra=_relax_required)

    CLASS_KIND: ClassVar[str]
    DEFAULT_CLASS: ClassVar[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _fill_class_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        table = CLASSES[cls.CLASS_KIND]
        name = data.get("class", data.get("class_", cls.DEFAULT_CLASS))
        # An unknown class is reported by the Literal on `class`; fill from the first
        # class meanwhile so the user sees that one error, not a missing-field flood.
        defaults = table.get(name) if isinstance(name, str) else None
        if defaults is None:
            defaults = next(iter(table.values()))
        merged = {k: d.value for k, d in defaults.items()}
        merged.update(data)
        return merged
