"""Typed parameters: one frozen dataclass is the single declaration of a set of knobs.

A tool declares its settings once, as a frozen dataclass whose fields are made with
:func:`param`. Everything a front end needs is derived from it:

* :func:`param_specs` turns the fields into :class:`ParamSpec` records (name, kind, python
  type, default, help, min, max, choices, optional) from which the CLI options, the Gradio
  widgets and the batch pipeline spec are generated;
* :func:`parse_params` turns a mapping of text (``--degrees -10-10``, the batch string
  ``crop:scale=0.6-1.0``) or of JSON values (a manifest) into a checked ``Params`` instance;
* :func:`params_to_json` writes a ``Params`` back as plain JSON data that
  :func:`parse_params` reads again exactly.

Supported field types (the ``kind`` of a :class:`ParamSpec`):

=========================  ========  ==========================================
annotation                 kind      text form
=========================  ========  ==========================================
``int``                    int       ``3``
``float``                  float     ``0.5``
``bool``                   bool      ``true``/``false``/``yes``/``no``/``1``/``0``
``str`` with ``choices``   str       ``reflect``
``Path``                   path      ``stats.json``
``tuple[float, float]``    range     ``0.6-1.0``, ``-10-10``, ``-20--5``; ``x`` means
                                     ``-x-x`` for a signed range (torchvision's ``degrees=15``)
``Literal["a", "b"]``      str       ``a`` (the choices are the literal's values)
``tuple[int, ...]``        ints      ``150,60`` (commas or spaces)
``tuple[float, ...]``      floats    ``0.7,0.3``
``tuple[str, ...]``        names     ``relu1_1,relu2_1`` (each one of ``choices``, if given)
``X | None``               (of X)    ``none`` (or empty) means "tool default"
=========================  ========  ==========================================

The same specs describe a tool's ``Params``, the transfer and training configurations and the
app's serving options, so every knob of the product is declared once.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from styletools.errors import ConfigError, ToolError

#: A ``(low, high)`` float interval, written ``LOW-HIGH`` on the command line.
FloatRange = tuple[float, float]

_KINDS: dict[object, str] = {
    int: "int",
    float: "float",
    bool: "bool",
    str: "str",
    Path: "path",
    FloatRange: "range",
    tuple[int, ...]: "ints",
    tuple[float, ...]: "floats",
    tuple[str, ...]: "names",
}
#: Kinds whose value is a tuple of items, and each item's kind.
LIST_ITEMS: dict[str, str] = {"ints": "int", "floats": "float", "names": "str"}
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE_TEXT = re.compile(rf"^\s*({_NUMBER})\s*(?:-|,|:|\.\.)\s*({_NUMBER})\s*$")
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}
_NONE_TEXT = {"", "none", "null", "default"}


def param(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: Sequence[str] | None = None,
    unit: str | None = None,
) -> Any:
    """Declare one parameter (of a tool, a configuration or a server) as a dataclass field.

    Args:
        default: Value when the user gives none; ``None`` for an optional "tool default".
        help: One line shown by ``styletools tools``, ``--help`` and the web app.
        min: Smallest allowed value (numbers, and both ends of a range).
        max: Largest allowed value (numbers, and both ends of a range).
        choices: The allowed strings of a ``str`` or ``names`` parameter (a ``Literal``
            annotation gives them by itself).
        unit: What a number counts, shown after it (``px``, ``MB``, ``MP``).

    Returns:
        A :func:`dataclasses.field` carrying the metadata.

    Example:
        >>> @dataclasses.dataclass(frozen=True)
        ... class Params:
        ...     p: float = param(0.5, help="probability", min=0.0, max=1.0)
        >>> param_specs(Params)[0].max
        1.0
    """
    meta = {"help": help, "min": min, "max": max, "choices": tuple(choices) if choices else None,
            "unit": unit}
    return dataclasses.field(default=default, metadata=meta)


def declared(spec: ParamSpec, *, default: Any = ...) -> Any:
    """The field of an already-declared spec, so a knob shared by several dataclasses (the
    strength of the transfer, the training and the style tools) stays one declaration; a
    tool may give it its own default."""
    return param(spec.default if default is ... else default, help=spec.help, min=spec.min,
                 max=spec.max, choices=spec.choices, unit=spec.unit)


@dataclass(frozen=True)
class ParamSpec:
    """What a front end needs to know about one parameter.

    Attributes:
        name: Field name in snake_case (the CLI flag is :attr:`flag`).
        kind: One of ``int``, ``float``, ``bool``, ``str``, ``path``, ``range``, ``ints``,
            ``floats``, ``names``.
        type: The python type (``tuple`` for a range or a list).
        default: Default value (``None`` for an optional "tool default").
        help: One-line description.
        min: Smallest allowed number, or ``None``.
        max: Largest allowed number, or ``None``.
        choices: Allowed strings, or ``None``.
        optional: ``None`` is accepted and means "tool default".
        unit: What a number counts (``px``), or ``None``.
    """

    name: str
    kind: str
    type: type
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    optional: bool = False
    unit: str | None = None

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--pad-mode``."""
        return "--" + self.name.replace("_", "-")

    def allowed(self) -> str:
        """The allowed set in words, used in help texts and error messages."""
        if self.choices:
            each = "each one of " if self.kind in LIST_ITEMS else "one of "
            text = each + ", ".join(self.choices)
        else:
            unit = f" {self.unit}" if self.unit else ""
            text = _ALLOWED_TEXT[self.kind] + _bounds_text(self.min, self.max) + unit
        return text + (", or none" if self.optional else "")

    def describe(self) -> str:
        """One line: help, allowed set and default."""
        return f"{self.help} ({self.allowed()}; default {self.format(self.default)})"

    def format(self, value: Any) -> str:
        """Text form of ``value`` that :func:`coerce_value` reads back."""
        if self.kind in LIST_ITEMS and value is not None:
            return ",".join(format_value(item) for item in value)
        return format_value(value)


_ALLOWED_TEXT = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "text",
    "path": "a file path",
    "range": "a range LOW-HIGH (LOW <= HIGH)",
    "ints": "whole numbers separated by commas",
    "floats": "numbers separated by commas",
    "names": "names separated by commas",
}


def _bounds_text(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return ""
    return f" in [{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def format_value(value: Any) -> str:
    """Text form of a single or range value that :func:`parse_params` reads back (lists:
    :meth:`ParamSpec.format`)."""
    if isinstance(value, tuple):
        return f"{value[0]}-{value[1]}"
    if isinstance(value, bool):
        return str(value).lower()
    return "none" if value is None else str(value)


@functools.cache
def param_specs(params_cls: type) -> tuple[ParamSpec, ...]:
    """Describe every field of a ``Params`` dataclass (once per class: configs check
    themselves on every construction).

    Raises:
        ToolError: The class is not a dataclass or a field has an unsupported type or no help.
    """
    if not dataclasses.is_dataclass(params_cls):
        raise ToolError(f"{params_cls!r}: Params must be a frozen dataclass")
    try:
        hints = typing.get_type_hints(params_cls)
    except (NameError, TypeError) as error:
        name = params_cls.__qualname__
        raise ToolError(f"{name}: cannot resolve field types ({error})") from None
    return tuple(_spec(field, hints[field.name]) for field in dataclasses.fields(params_cls))


def _spec(field: dataclasses.Field[Any], annotation: object) -> ParamSpec:
    base, optional = _strip_optional(annotation)
    literal = typing.get_args(base) if typing.get_origin(base) is typing.Literal else None
    kind = "str" if literal else _KINDS.get(base)
    if kind is None:
        raise ToolError(f"parameter {field.name!r}: unsupported type {annotation!r}")
    if "help" not in field.metadata:
        raise ToolError(f"parameter {field.name!r}: declare it with styletools.tools.param()")
    meta = field.metadata
    return ParamSpec(
        name=field.name,
        kind=kind,
        type=str if literal else tuple if kind in _TUPLE_KINDS else typing.cast(type, base),
        default=field.default,
        help=meta["help"],
        min=meta["min"],
        max=meta["max"],
        choices=meta["choices"] or literal,
        optional=optional,
        unit=meta.get("unit"),
    )


_TUPLE_KINDS = frozenset({"range", *LIST_ITEMS})


def _strip_optional(annotation: object) -> tuple[object, bool]:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation, False
    rest = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if len(rest) != 1:
        raise ToolError(f"unsupported union type {annotation!r}: use X | None")
    return rest[0], True


# --- text and JSON values -> typed values ---------------------------------------------------


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(text)


def _parse_range(text: str) -> FloatRange:
    match = _RANGE_TEXT.match(text)
    if match:
        return float(match.group(1)), float(match.group(2))
    single = float(text)
    return single, single


def _parse_list(item: Callable[[str], Any]) -> Callable[[str], tuple[Any, ...]]:
    def parse(text: str) -> tuple[Any, ...]:
        return tuple(item(word) for word in _LIST_SEPARATORS.split(text) if word)

    return parse


_FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": _parse_bool,
    "str": str,
    "path": Path,
    "range": _parse_range,
    "ints": _parse_list(int),
    "floats": _parse_list(float),
    "names": _parse_list(str),
}


def _range_from_value(value: Any) -> FloatRange:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), float(value)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return _float_from_value(value[0]), _float_from_value(value[1])
    raise TypeError(value)


def _float_from_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(value)
    return float(value)


def _int_from_value(value: Any) -> int:
    # A whole float is an int: JSON clients and number widgets send 7.0 for 7.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _instance_of(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(value)
        return value

    return check


def _list_from_value(item: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    def convert(value: Any) -> tuple[Any, ...]:
        # One value is a list of one: a JSON client may send 60 for steps "60".
        elements = value if isinstance(value, (list, tuple)) else (value,)
        return tuple(item(element) for element in elements)

    return convert


_FROM_VALUE: dict[str, Callable[[Any], Any]] = {
    "int": _int_from_value,
    "float": _float_from_value,
    "bool": _instance_of(bool),
    "str": _instance_of(str),
    "path": lambda value: Path(_instance_of((str, Path))(value)),
    "range": _range_from_value,
}
_FROM_VALUE.update({kind: _list_from_value(_FROM_VALUE[item]) for kind, item in LIST_ITEMS.items()})


def coerce_value(tool: str, spec: ParamSpec, value: Any) -> Any:
    """Convert text or a JSON value to the parameter's type and check its allowed set.

    Args:
        tool: Tool name, for the error message.
        spec: The parameter.
        value: Text (command line, batch spec) or an already-typed / JSON value.

    Returns:
        The typed value (a ``tuple`` for ranges, a ``Path`` for paths, or ``None``).

    Raises:
        ConfigError: The value does not parse or lies outside the allowed set; the message
            names the tool, the parameter, the value and the allowed set.
    """
    if spec.optional and (value is None or (isinstance(value, str) and value.strip().lower()
                                            in _NONE_TEXT)):
        return None
    convert = _FROM_TEXT[spec.kind] if isinstance(value, str) else _FROM_VALUE[spec.kind]
    try:
        typed = convert(value)
    except (TypeError, ValueError):
        raise _value_error(tool, spec, value) from None
    typed = _symmetric(spec, value, typed)
    check_value(tool, spec, typed, shown=value)
    return typed


def _symmetric(spec: ParamSpec, value: Any, typed: Any) -> Any:
    """A single number for a signed range means ``(-x, x)``, as torchvision's ``degrees=15``."""
    text = isinstance(value, str)
    single = isinstance(value, int | float) or (text and not _RANGE_TEXT.match(value))
    if spec.kind != "range" or not single or spec.min is None or spec.min >= 0:
        return typed
    return -abs(typed[0]), abs(typed[0])


def check_value(tool: str, spec: ParamSpec, value: Any, *, shown: Any = None) -> None:
    """Check an already-typed value against the spec's type, choices and bounds.

    Args:
        tool: Tool name, for the message.
        spec: The parameter.
        value: The typed value.
        shown: The value as the user wrote it, for the message (default ``value``).

    Raises:
        ConfigError: The value is of the wrong type or outside the allowed set.
    """
    if value is None and spec.optional:
        return
    error = _value_error(tool, spec, value if shown is None else shown)
    try:
        typed = _FROM_VALUE[spec.kind](value)
    except TypeError:
        raise error from None
    items = typed if spec.kind in LIST_ITEMS else (typed,)
    if spec.choices and not all(item in spec.choices for item in items):
        raise error
    numbers = typed if spec.kind in _TUPLE_KINDS else (typed,)
    if spec.kind in ("int", "float", "range", "ints", "floats") and not all(
        _within(number, spec.min, spec.max) for number in numbers
    ):
        raise error
    if spec.kind == "range" and numbers[0] > numbers[1]:
        raise error


def _within(number: float, low: float | None, high: float | None) -> bool:
    return (
        math.isfinite(number)
        and (low is None or number >= low)
        and (high is None or number <= high)
    )


def _value_error(tool: str, spec: ParamSpec, value: Any) -> ConfigError:
    shown = spec.format(value) if isinstance(value, tuple) else value
    where = f"{tool}: " if tool else ""
    return ConfigError(f"{where}{spec.name}={shown!r} is not allowed; expected {spec.allowed()}")


def parse_values(
    tool: str, params_cls: type, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Typed, checked values of the settings a front end gave, by field name.

    Keys may use ``-`` or ``_`` (``pad-mode`` and ``pad_mode`` are the same). ``None``, empty
    text and an empty list mean "not given" and are left out, so the caller's defaults hold.

    Raises:
        ConfigError: Unknown parameter, or a value that does not parse or is out of range.
    """
    specs = {spec.name: spec for spec in param_specs(params_cls)}
    typed: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = key.strip().replace("-", "_")
        if name not in specs:
            known = ", ".join(specs) or "(none)"
            where = f"{tool}: " if tool else ""
            raise ConfigError(f"{where}unknown parameter {key!r}; known parameters: {known}")
        if value is not None and not (isinstance(value, str | list | tuple) and not value):
            typed[name] = coerce_value(tool, specs[name], value)
    return typed


def parse_params(
    tool: str, params_cls: type, values: Mapping[str, Any] | None = None
) -> Any:
    """Build a checked ``Params`` instance from text or JSON values (see :func:`parse_values`).

    Args:
        tool: Tool name, for error messages.
        params_cls: The tool's frozen ``Params`` dataclass.
        values: Parameter name -> text or JSON value; missing keys keep their defaults.

    Returns:
        An instance of ``params_cls``.

    Raises:
        ConfigError: Unknown parameter, or a value that does not parse or is out of range.

    Example:
        >>> @dataclasses.dataclass(frozen=True)
        ... class Params:
        ...     scale: FloatRange = param((0.5, 1.0), help="area", min=0.1, max=1.0)
        >>> parse_params("crop", Params, {"scale": "0.6-1.0"})
        Params(scale=(0.6, 1.0))
    """
    return params_cls(**parse_values(tool, params_cls, values))


def check_params(tool: str, params: Any) -> None:
    """Check every field of a ``Params`` instance built directly in Python.

    Raises:
        ConfigError: A field has the wrong type or is outside its allowed set.
    """
    for spec in param_specs(type(params)):
        check_value(tool, spec, getattr(params, spec.name))


def params_to_json(params: Any) -> dict[str, Any]:
    """Plain JSON data for a ``Params`` instance (ranges as lists, paths as text).

    :func:`parse_params` reads the result back to an equal instance.
    """
    return {
        field.name: _json_value(getattr(params, field.name))
        for field in dataclasses.fields(params)
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, Path) else value
