"""Read scenario files safely and turn validation failures into clear errors.

Scenario files are data, never code: YAML is read with a safe loader that also bounds the
file size, the number of aliases, the size a document expands to and its nesting depth;
TOML with :mod:`tomllib`. Every problem becomes a :class:`~skyscreen.errors.FieldError`
naming the field path, what was expected and what was given. A valid scenario that
cannot run meaningfully (no effectors, a raid that cannot arrive in time) loads with a
:class:`ScenarioWarning`.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import math
import re
import sys
import tomllib
import types
import typing
import warnings
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from skyscreen.errors import FieldError, ScenarioError
from skyscreen.scenario.kinds import EFFECTOR_SPECS, SENSOR_SPECS
from skyscreen.scenario.spec import ScenarioSpec, scenario_warnings

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "ScenarioWarning",
    "dump_scenario",
    "format_validation_error",
    "load_scenario",
    "parse_scenario",
    "read_scenario_data",
    "scenario_json_schema",
    "yaml_value",
]

MAX_FILE_BYTES = 5_000_000
"""Largest scenario file accepted (bytes)."""
MAX_ALIASES = 100
"""Most YAML aliases (``*name``) in one file."""
MAX_NODES = 1_000_000
"""Most nodes a document may expand to once aliases are followed."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists."""

_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "yaml"}
_TOO_DEEP = f"must nest at most {MAX_DEPTH} levels; got deeper"


class ScenarioWarning(UserWarning):
    """A valid scenario that cannot run meaningfully.

    :func:`load_scenario` warns, once per problem, when no site has effectors or
    sensors, or a raid's drones cannot reach their target before the run ends or
    their endurance runs out (:func:`~skyscreen.scenario.spec.scenario_warnings`).
    The scenario still loads and runs.
    """


# Tags of discriminated unions that pydantic inserts into error locations: the names
# of the registered kinds.
_UNION_TAGS = frozenset(SENSOR_SPECS) | frozenset(EFFECTOR_SPECS)


# --------------------------------------------------------------------------- YAML


class _BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and rejects duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ScenarioError(
                    f"line {mark.line + 1}: must use at most {MAX_ALIASES} YAML aliases; "
                    f"got more"
                )
            return super().compose_node(parent, index)
        # PyYAML composes recursively: stop at MAX_DEPTH, long before the interpreter's
        # recursion limit (levels counted as _expanded_size counts them: the document
        # is level 1, a mapping's keys and values one below it).
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ScenarioError(f"line {mark.line + 1}: {_TOO_DEEP}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            keys: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, list | dict):
                    continue  # unhashable: the base class reports it
                if key in keys:
                    raise ScenarioError(
                        f"line {key_node.start_mark.line + 1}: keys must be unique; got "
                        f"{key!r} twice"
                    )
                keys.add(key)
        return super().construct_mapping(node, deep=deep)


class _SafeDumper(yaml.SafeDumper):
    """SafeDumper that quotes strings the loader would read as numbers."""


# PyYAML follows YAML 1.1, whose plain scalars turn into other types than YAML 1.2,
# JSON, JSON Schema and editors expect. In YAML 1.1 `yes`, `no`, `on` and `off` are
# booleans (so `count: yes` was one drone), `1:30` is 90 (base 60), `010` is 8 (octal)
# and `0b11` is 3; and an exponent needs a sign and a dot, so `20.0e6` and `1e6` are
# strings. The loader reads plain scalars as YAML 1.2's core schema does: booleans are
# `true` and `false` (any case as YAML allows), integers decimal (`_` separators
# allowed) or hexadecimal, floats need a dot or an exponent; everything else is a
# string, which strict validation then rejects where a number is expected. The dumper
# keeps YAML 1.1's resolvers as well as these, so a string either would read as
# something else (such as '1e5', 'yes' or '010') is quoted.
_YAML12_RESOLVERS = [
    (
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    ),
    (
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    ),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            re.VERBOSE,
        ),
        list("-+0123456789."),
    ),
]
# YAML 1.1's dates (`2024-01-01`) and its `=` (the "value" key) are strings in YAML 1.2
# too: a description or label that looks like a date stays that string.
_YAML11_ONLY = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}
_BoundedSafeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in {t for t, _, _ in _YAML12_RESOLVERS} | _YAML11_ONLY
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _cls in (_BoundedSafeLoader, _SafeDumper):
    for _tag, _regexp, _first in _YAML12_RESOLVERS:
        _cls.add_implicit_resolver(_tag, _regexp, _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A YAML 1.2 integer: decimal (a leading zero is not octal) or hexadecimal."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    digits = text.lstrip("+-")
    digits = digits[2:] if digits[:2] in {"0x", "0X"} else digits
    limit = sys.get_int_max_str_digits()  # Python's bound on int(str) (0: none)
    if limit and len(digits) > limit:
        mark = node.start_mark
        raise ScenarioError(
            f"line {mark.line + 1}, column {mark.column + 1}: must be an integer of at "
            f"most {limit:,} digits; got {len(digits):,} digits"
        )
    if text[:2] in {"0x", "0X"}:
        return int(text, 16)
    return int(text, 10)


def _checked(
    construct: Any, expected: str
) -> Callable[[yaml.SafeLoader, yaml.ScalarNode], Any]:
    """A scalar constructor that refuses text it cannot read (``!!int abc``) clearly.

    PyYAML's constructors raise ValueError, KeyError or IndexError on a scalar an explicit tag
    does not fit.
    """

    def construct_checked(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except ScenarioError:
            raise
        except (ValueError, KeyError, IndexError):
            mark = node.start_mark
            raise ScenarioError(
                f"line {mark.line + 1}, column {mark.column + 1}: must be {expected}; "
                f"got {_shown(node.value)}"
            ) from None

    return construct_checked


_BoundedSafeLoader.add_constructor(
    "tag:yaml.org,2002:int", _checked(_construct_int, "an integer")
)
_BoundedSafeLoader.add_constructor(
    "tag:yaml.org,2002:float",
    _checked(yaml.SafeLoader.construct_yaml_float, "a number"),
)
_BoundedSafeLoader.add_constructor(
    "tag:yaml.org,2002:bool",
    _checked(yaml.SafeLoader.construct_yaml_bool, "true or false"),
)


def _not_plain_data(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Refuse a tag as any unknown one is ("tag '!!binary' is not allowed")."""
    return loader.construct_undefined(node)


# Scenario files are plain data: binary, dates, sets and ordered maps are refused.
for _tag in ("binary", "timestamp", "set", "omap", "pairs"):
    _BoundedSafeLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _not_plain_data)


def _expanded_size(node: yaml.Node) -> tuple[int, int]:
    """Nodes a YAML node expands to (aliases followed) and its depth, memoised."""
    memo: dict[int, tuple[int, int]] = {}

    def too_deep(n: yaml.Node) -> ScenarioError:
        return ScenarioError(
            f"line {n.start_mark.line + 1}: must nest at most {MAX_DEPTH} levels; got "
            "deeper"
        )

    def visit(n: yaml.Node, on_path: set[int]) -> tuple[int, int]:
        key = id(n)
        # Depth is checked from the top so the error names the line where the document
        # first goes too deep (on_path holds exactly n's ancestors).
        level = len(on_path) + 1
        if key in memo:
            if level + memo[key][1] - 1 > MAX_DEPTH:
                raise too_deep(n)
            return memo[key]
        if level > MAX_DEPTH:
            raise too_deep(n)
        if key in on_path:
            raise ScenarioError(
                f"line {n.start_mark.line + 1}: must not refer to itself; got a "
                "recursive alias"
            )
        size, depth = 1, 1
        children: list[yaml.Node] = []
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                children += [k, v]
        elif isinstance(n, yaml.SequenceNode):
            children = list(n.value)
        if children:
            on_path.add(key)
            for c in children:
                s, d = visit(c, on_path)
                size += s
                depth = max(depth, d + 1)
                if size > MAX_NODES:
                    raise ScenarioError(
                        f"must expand to at most {MAX_NODES:,} YAML nodes; got more "
                        "(an alias flood?)"
                    )
            on_path.discard(key)
        memo[key] = (size, depth)
        return size, depth

    return visit(node, set())


def yaml_value(text: str) -> Any:
    """``text`` read as scenario files read a value: YAML 1.2 core rules.

    ``1e6`` is a number, ``yes`` and ``on`` are strings, ``010`` is ten. Text that is
    not a plain value (a mapping, list, or bad YAML) comes back as it is.

    Examples
    --------
    >>> yaml_value("1e6"), yaml_value("true"), yaml_value("yes"), yaml_value("010")
    (1000000.0, True, 'yes', 10)
    """
    try:
        value = _load_yaml(text)
    except ScenarioError:
        return text
    if isinstance(value, int | float | str | bool):
        return value
    return text


def _load_yaml(text: str) -> Any:
    try:
        loader = _BoundedSafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise ScenarioError(_unprintable(text, exc)) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.composer.ComposerError as exc:
            raise ScenarioError(_yaml_problem(exc)) from None
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        tag = getattr(exc.problem_mark, "line", None)
        found = re.search(r"tag '([^']+)'", str(exc.problem))
        if found:
            line = f"line {tag + 1}: " if tag is not None else ""
            raise ScenarioError(
                f"{line}tag {found.group(1).replace('tag:yaml.org,2002:', '!!')!r} is not "
                "allowed: scenario files are plain data (mappings, lists, strings, "
                "numbers, booleans)"
            ) from None
        raise ScenarioError(_yaml_problem(exc)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_problem(exc)) from None
    finally:
        loader.dispose()


def _unprintable(text: str, exc: yaml.reader.ReaderError) -> str:
    """Where the character YAML refuses is, and which it is."""
    pos = exc.position
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return (
        f"line {line}, column {column}: must be valid YAML; got character "
        f"U+{code:04X}, which YAML does not allow"
    )


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}must be valid YAML; got {problem}"


def _check_depth(data: Any, depth: int = 1) -> None:
    if depth > MAX_DEPTH:
        raise ScenarioError(_TOO_DEEP)
    if isinstance(data, dict):
        for v in data.values():
            _check_depth(v, depth + 1)
    elif isinstance(data, list):
        for v in data:
            _check_depth(v, depth + 1)


# --------------------------------------------------------------------------- reading


def read_scenario_data(path: str | Path) -> dict[str, Any]:
    """Read a scenario file into plain data, safely and within bounds.

    Parameters
    ----------
    path : str or Path
        A ``.yaml``, ``.yml``, ``.json`` or ``.toml`` file.

    Returns
    -------
    dict
        The top-level mapping.

    Raises
    ------
    ScenarioError
        If the file is missing, too large, not valid YAML/TOML, uses a tag or too many
        aliases, nests too deeply, is empty or is not a mapping.
    """
    p = Path(path)
    source = str(path)
    try:
        kind = _SUFFIXES.get(p.suffix.lower())
        if kind is None:
            raise ScenarioError(
                f"file name must end in .yaml, .yml, .json or .toml; got {p.name!r}"
            )
        if not p.exists():
            raise ScenarioError("file not found")
        if not p.is_file():
            raise ScenarioError("must be a file; got a directory or special file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"file must be at most {MAX_FILE_BYTES:,} bytes; got {size:,} bytes"
            )
        raw = p.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                f"must be UTF-8 text; got an undecodable byte at offset {exc.start}"
            ) from None
        try:
            if kind == "toml":
                try:
                    data: Any = tomllib.loads(text)
                except tomllib.TOMLDecodeError as exc:
                    raise ScenarioError(f"must be valid TOML; got {exc}") from None
                except ValueError:  # int() past sys.get_int_max_str_digits()
                    raise ScenarioError(
                        "must be valid TOML with integers of at most "
                        f"{sys.get_int_max_str_digits():,} digits; got a longer one"
                    ) from None
                _check_depth(data)
                if not data:
                    data = None
            else:
                data = _load_yaml(text)
        except RecursionError:
            # tomllib parses nested arrays and tables recursively, so thousands of
            # levels exhaust the stack before _check_depth can count them. (YAML stops
            # at MAX_DEPTH while composing; this is the net under it.)
            raise ScenarioError(_TOO_DEEP) from None
        if data is None:
            raise ScenarioError("is empty; expected a scenario mapping")
        if not isinstance(data, dict):
            raise ScenarioError(
                f"must be a mapping at the top level; got {_shown(data)}"
            )
        return data
    except ScenarioError as exc:
        raise ScenarioError(exc.errors, source=source) from None
    except OSError as exc:
        raise ScenarioError(
            f"cannot be read; got {exc.strerror}", source=source
        ) from None


def parse_scenario(data: dict[str, Any], source: str | None = None) -> ScenarioSpec:
    """Validate plain data into a :class:`ScenarioSpec`, listing every error.

    Raises
    ------
    ScenarioError
        With one :class:`~skyscreen.errors.FieldError` per problem.
    """
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc), source=source) from None


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Load and validate a scenario file.

    A file without ``name`` is named after its stem.

    Parameters
    ----------
    path : str or Path
        The scenario file (YAML or TOML).

    Returns
    -------
    ScenarioSpec
        The validated scenario with class defaults filled in.

    Raises
    ------
    ScenarioError
        Naming the file and every problem in it.

    Warns
    -----
    ScenarioWarning
        Once per problem that makes a valid scenario pointless to run, the message
        starting with the file (see
        :func:`~skyscreen.scenario.spec.scenario_warnings`). Only loading a file
        warns: :func:`parse_scenario` does not.

    Examples
    --------
    >>> from skyscreen.scenario import example_path
    >>> spec = load_scenario(example_path("quickstart"))
    >>> spec.name
    'quickstart'
    """
    data = read_scenario_data(path)
    if "name" not in data:
        stem = (
            re.sub(r"[^A-Za-z0-9_.\-]", "-", Path(path).stem).lstrip("-_.")
            or "scenario"
        )
        data = {"name": stem, **data}
    spec = parse_scenario(data, source=str(path))
    for message in scenario_warnings(spec):
        warnings.warn(f"{path}: {message}", ScenarioWarning, stacklevel=2)
    return spec


def dump_scenario(spec: ScenarioSpec, path: str | Path | None = None) -> str:
    """Write a scenario as YAML with every default expanded; return the text.

    ``load_scenario(dump_scenario(spec, p))`` gives back an equal spec.
    """
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = yaml.dump(data, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of scenario files, for editors."""
    schema = ScenarioSpec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "skyscreen scenario"
    # A file may leave out `name`: load_scenario names it after the file.
    schema["required"] = [f for f in schema.get("required", []) if f != "name"]
    name = schema["properties"]["name"]
    name["description"] = f"{name.get('description', '')} Default: the file's stem."
    return schema


# --------------------------------------------------------------------------- errors


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return type(value).__name__


def _shown(value: Any) -> str:
    if isinstance(value, dict | list) or value is None:
        return _type_name(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, int) and value.bit_length() > 200:
        # (repr of an int past sys.get_int_max_str_digits() raises ValueError)
        return f"an integer of about {int(value.bit_length() * math.log10(2)):,} digits"
    if isinstance(value, datetime.date | datetime.time):  # TOML dates and times
        return f"{type(value).__name__} {value.isoformat()}"
    return repr(value)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    prev: int | str | None = None
    for part in loc:
        if isinstance(part, str) and isinstance(prev, int) and part in _UNION_TAGS:
            prev = part
            continue  # pydantic's union tag, not a field
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "class_":
            out += ".class" if out else "class"
        else:
            out += f".{part}" if out else part
        prev = part
    return out


def _unwrap(annotation: Any) -> Any:
    """A field's type without Annotated metadata and without ``| None``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _children(model: type[BaseModel]) -> list[tuple[str, bool, type[BaseModel]]]:
    """The models a model's fields hold: (field name as written, is a list, model)."""
    out = []
    for name, info in model.model_fields.items():
        annotation = _unwrap(info.annotation)
        is_list = typing.get_origin(annotation) is tuple
        if is_list:
            annotation = _unwrap(typing.get_args(annotation)[0])
        members = (
            typing.get_args(annotation)
            if typing.get_origin(annotation) in (typing.Union, types.UnionType)
            else (annotation,)
        )
        for m in members:
            if _is_model(m):
                out.append((info.alias or name, is_list, m))
    return out


def _field(model: type[BaseModel], name: Any) -> Any:
    for fname, info in model.model_fields.items():
        if name in (fname, info.alias):
            return info
    return None


def _has_field(model: type[BaseModel], name: str) -> bool:
    return _field(model, name) is not None


def _kind_of(model: type[BaseModel]) -> str | None:
    """The registry kind a sensor or effector spec is tagged with, if it is one."""
    info = model.model_fields.get("kind")
    if info is None:
        return None
    choices = typing.get_args(info.annotation)
    return str(choices[0]) if choices else None


@functools.cache
def _all_models() -> tuple[type[BaseModel], ...]:
    """Every model reachable from ScenarioSpec, nearest first."""
    seen: list[type[BaseModel]] = [ScenarioSpec]
    for model in seen:
        for _, _, child in _children(model):
            if child not in seen:
                seen.append(child)
    return tuple(seen)


@functools.cache
def _field_names() -> tuple[str, ...]:
    names: set[str] = set()
    for model in _all_models():
        names.update(f.alias or n for n, f in model.model_fields.items())
    return tuple(sorted(names))


def _model_chain(loc: tuple[int | str, ...]) -> list[tuple[str, type[BaseModel]]]:
    """The models along an error location with their paths, the top level first.

    Stops early where the location leaves the schema; the last entry is the model at
    ``loc`` only if the whole location could be followed.
    """
    chain: list[tuple[str, type[BaseModel]]] = [("", ScenarioSpec)]
    state: Any = ScenarioSpec
    for j, part in enumerate(loc):
        if _is_model(state):
            info = _field(state, part)
            if info is None:
                break
            state = _unwrap(info.annotation)
        elif typing.get_origin(state) is tuple and isinstance(part, int):
            state = _unwrap(typing.get_args(state)[0])
        elif typing.get_origin(state) in (typing.Union, types.UnionType):
            tagged = [m for m in typing.get_args(state) if _is_model(m)]
            state = next((m for m in tagged if _kind_of(m) == part), None)
            if state is None:
                break
        else:
            break
        # A discriminated union is followed by its tag: the model comes one step on.
        if _is_model(state):
            chain.append((_path(loc[: j + 1]), state))
    return chain


def _where(start: str, model: type[BaseModel], name: str) -> str | None:
    """Path of the nearest model at or below ``model`` (at ``start``) with a field.

    Lists are written ``[]``, and a sensor or effector kind is named after its list.
    """
    # (path, model, path as shown): the kind is named after the path, not inside it.
    queue: deque[tuple[str, type[BaseModel], str]] = deque([(start, model, start)])
    seen: set[type[BaseModel]] = set()
    while queue:
        path, m, shown = queue.popleft()
        if m in seen:
            continue
        seen.add(m)
        if _has_field(m, name):
            return shown
        for field, is_list, child in _children(m):
            sub = f"{path}.{field}" if path else field
            if is_list:
                sub += "[]"
            kind = _kind_of(child)
            queue.append((sub, child, f"{sub} (kind: {kind})" if kind else sub))
    return None


def _belongs(loc: tuple[int | str, ...], name: str) -> str | None:
    """Where a field put at ``loc``, which is not its place, belongs.

    The nearest model that has it: searched below the enclosing model, then below each
    model above that, up to the top level.
    """
    chain = _model_chain(loc[:-1])
    if chain[-1][0] != _path(loc[:-1]):
        return None
    for path, model in reversed(chain):
        found = _where(path, model, name)
        if found is not None:
            return found or "the top level"
    return None


def _unknown_field(loc: tuple[int | str, ...], got: str) -> str:
    name = str(loc[-1])
    parent = _path(loc[:-1]) or "the top level"
    home = _belongs(loc, name) if name in _field_names() else None
    if home is not None:
        return (
            f"is misplaced: {name!r} is a field of {home}, not of {parent}; got {got}"
        )
    chain = _model_chain(loc[:-1])
    local: list[str] = []
    if chain[-1][0] == _path(loc[:-1]):
        local = [f.alias or n for n, f in chain[-1][1].model_fields.items()]
    close = difflib.get_close_matches(name, local, n=1)
    if close:
        return f"is not a known field (did you mean {close[0]!r}?); got {got}"
    close = difflib.get_close_matches(name, _field_names(), n=1)
    if not close or close[0] == name:  # (a field whose place cannot be told)
        return f"is not a known field; got {got}"
    home = _belongs((*loc[:-1], close[0]), close[0])
    where = f", a field of {home}" if home is not None else ""
    return f"is not a known field (did you mean {close[0]!r}{where}?); got {got}"


_INT_TEXT = re.compile(r"\s*[-+]?[0-9][0-9_]*\s*")
_FLOAT_TEXT = re.compile(
    r"\s*[-+]?(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?\s*"
)


def _quoted(value: Any, pattern: re.Pattern[str] | None) -> str:
    """``, not a string`` when a string holds what was expected (``'4'``, ``'true'``)."""
    if not isinstance(value, str):
        return ""
    if pattern is None:
        match = value.strip().lower() in {"true", "false"}
    else:
        match = pattern.fullmatch(value) is not None
    return ", not a string" if match else ""


_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)")


def _choices(expected: str) -> str:
    """``must be 'a'`` or ``must be one of ['a', 'b']`` from pydantic's expectation text.

    pydantic writes ``'a', 'b' or 'c'`` for literals and ``'a', 'b', 'c'`` for union
    tags; both become one list so every choice error reads the same.
    """
    values: list[Any] = [
        q if n == "" else (float(n) if "." in n else int(n))
        for q, n in _CHOICE.findall(expected)
    ]
    if len(values) == 1:
        return f"must be {values[0]!r}"
    return f"must be one of {values!r}"


def _message(err: Any) -> tuple[str, str]:
    kind = err["type"]
    ctx = err.get("ctx", {})
    got = _shown(err.get("input"))
    loc = tuple(err["loc"])
    if kind == "missing":
        return "", "is required; got nothing"
    if kind == "extra_forbidden":
        return "", _unknown_field(loc, got)
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        key, op = bounds[kind]
        return "", f"must be {op} {ctx.get(key)}; got {got}"
    value = err.get("input")
    if kind in {"float_parsing", "float_type"}:
        return "", f"must be a number{_quoted(value, _FLOAT_TEXT)}; got {got}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "", f"must be an integer{_quoted(value, _INT_TEXT)}; got {got}"
    if kind in {"bool_parsing", "bool_type"}:
        return "", f"must be true or false{_quoted(value, None)}; got {got}"
    if kind in {"string_type", "string_sub_type"}:
        return "", f"must be a string; got {got}"
    if kind == "string_unicode":  # a lone surrogate ("\ud800" in a quoted string)
        return "", f"must be valid Unicode text; got {got}"
    if kind == "invalid_key":  # reported at the mapping (see format_validation_error)
        return "", f"must have text keys; got the key {got}"
    if kind == "finite_number":
        return "", f"must be a finite number; got {got}"
    if kind == "literal_error":
        return "", f"{_choices(str(ctx.get('expected', '')))}; got {got}"
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        field = "class" if "class" in str(ctx.get("discriminator", "")) else "kind"
        if kind == "union_tag_not_found":
            return field, "is required; got nothing"
        expected = _choices(str(ctx.get("expected_tags", "")))
        # ctx holds the tag as text ("{'a': 1}" for a mapping): show what was written.
        given = err.get("input")
        tag = given[field] if isinstance(given, dict) and field in given else ctx["tag"]
        return field, f"{expected}; got {_shown(tag)}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "", f"must be a mapping; got {got}"
    if kind in {"list_type", "tuple_type"}:
        return "", f"must be a list; got {got}"
    if kind == "too_short":
        return "", (
            f"must have at least {ctx.get('min_length')} item(s); got "
            f"{ctx.get('actual_length')}"
        )
    if kind == "too_long":
        return "", (
            f"must have at most {ctx.get('max_length')} item(s); got "
            f"{ctx.get('actual_length')}"
        )
    if kind == "string_pattern_mismatch":
        return "", (
            f"must contain only letters, digits, '_', '-' and '.', starting with a "
            f"letter or digit; got {got}"
        )
    if kind == "string_too_short":
        return "", f"must not be empty; got {got}"
    if kind == "string_too_long":
        n = len(err["input"]) if isinstance(err.get("input"), str) else "more"
        return "", f"must be at most {ctx.get('max_length')} characters; got {n}"
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return "", msg
    if kind == "cross_check":
        return "", str(err["msg"])
    return "", f"{err['msg']}; got {got}"


def format_validation_error(exc: ValidationError) -> list[FieldError]:
    """Turn a pydantic error into field errors: path, expectation, value.

    Examples
    --------
    >>> from pydantic import ValidationError
    >>> try:
    ...     ScenarioSpec.model_validate({"name": "x"})
    ... except ValidationError as e:
    ...     print(format_validation_error(e)[0])
    origin is required; got nothing
    """
    out: list[FieldError] = []
    errors = exc.errors(include_url=False)
    # pydantic counts only valid items against a tuple's minimum length, so a list
    # whose one item is wrong is also reported "too short": keep the item's error.
    for err in errors:
        if err["type"] == "too_short" and any(
            tuple(e["loc"][: len(err["loc"])]) == tuple(err["loc"])
            and len(e["loc"]) > len(err["loc"])
            for e in errors
        ):
            continue
        suffix, message = _message(err)
        loc = tuple(err["loc"])
        path = _path(loc[:-1] if err["type"] == "invalid_key" else loc)
        if suffix:
            path = f"{path}.{suffix}" if path else suffix
        fe = FieldError(path, message)
        if fe not in out:
            out.append(fe)
    return out
