"""Typed parameters: specs, text and JSON parsing, checks, messages."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from styletools.errors import ConfigError, ToolError
from styletools.params import check_params, params_to_json
from styletools.tools import FloatRange, param, param_specs, parse_params


@dataclasses.dataclass(frozen=True)
class Params:
    count: int = param(2, help="a count", min=1, max=8)
    level: float = param(0.5, help="a level", min=0.0, max=1.0)
    fast: bool = param(False, help="a switch")
    mode: str = param("reflect", help="a mode", choices=("zero", "reflect"))
    scale: FloatRange = param((0.5, 1.0), help="a range", min=0.1, max=1.0)
    stats: Path | None = param(None, help="a file; none = per image")
    size: int | None = param(None, help="a size; none = input size", min=1)


def test_specs_describe_every_field():
    specs = {spec.name: spec for spec in param_specs(Params)}
    assert [spec.kind for spec in specs.values()] == [
        "int", "float", "bool", "str", "range", "path", "int"
    ]
    assert specs["mode"].choices == ("zero", "reflect") and specs["count"].max == 8
    assert specs["stats"].optional and not specs["count"].optional
    assert specs["scale"].flag == "--scale" and "in [0.1, 1.0]" in specs["scale"].allowed()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"count": "3"}, {"count": 3}),
        ({"level": "0.25"}, {"level": 0.25}),
        ({"fast": "yes"}, {"fast": True}),
        ({"fast": "0"}, {"fast": False}),
        ({"mode": "zero"}, {"mode": "zero"}),
        ({"scale": "0.6-1.0"}, {"scale": (0.6, 1.0)}),
        ({"scale": "0.6,0.9"}, {"scale": (0.6, 0.9)}),
        ({"scale": "0.7"}, {"scale": (0.7, 0.7)}),
        ({"stats": "a/b.json"}, {"stats": Path("a/b.json")}),
        ({"stats": "none"}, {"stats": None}),
        ({"size": "64"}, {"size": 64}),
        ({"scale": [0.6, 1]}, {"scale": (0.6, 1.0)}),
        ({"count": 4, "fast": True}, {"count": 4, "fast": True}),
    ],
)
def test_parses_text_and_json_values(values, expected):
    assert parse_params("demo", Params, values) == Params(**expected)


def test_negative_ranges_parse():
    @dataclasses.dataclass(frozen=True)
    class Angles:
        degrees: FloatRange = param((0.0, 0.0), help="angles", min=-90.0, max=90.0)

    assert parse_params("rotate", Angles, {"degrees": "-20--5"}).degrees == (-20.0, -5.0)
    assert parse_params("rotate", Angles, {"degrees": "-10-10"}).degrees == (-10.0, 10.0)


@pytest.mark.parametrize("value", ["15", "-15", 15, 15.0])
def test_single_number_of_a_signed_range_is_symmetric(value):
    # torchvision's RandomRotation(degrees=15) means (-15, 15); `rotate:degrees=15` agrees.
    @dataclasses.dataclass(frozen=True)
    class Angles:
        degrees: FloatRange = param((0.0, 0.0), help="angles", min=-90.0, max=90.0)

    assert parse_params("rotate", Angles, {"degrees": value}).degrees == (-15.0, 15.0)


def test_dash_and_underscore_keys_are_the_same():
    @dataclasses.dataclass(frozen=True)
    class Two:
        pad_mode: str = param("a", help="x", choices=("a", "b"))

    assert parse_params("demo", Two, {"pad-mode": "b"}).pad_mode == "b"


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        ({"count": "9"}, r"demo: count='9' is not allowed; expected an integer in \[1, 8\]"),
        ({"count": "2.5"}, "count='2.5'.*an integer"),
        ({"count": True}, "count=True"),
        ({"level": "nan"}, "level='nan'"),
        ({"fast": "maybe"}, "fast='maybe'.*true or false"),
        ({"mode": "wrap"}, "mode='wrap'.*one of zero, reflect"),
        ({"scale": "0.05-1.0"}, r"scale='0.05-1.0'.*within|scale='0.05-1.0'.*\[0.1, 1.0\]"),
        ({"scale": "0.9-0.6"}, "LOW <= HIGH"),
        ({"size": "0"}, "size='0'.*or none"),
        ({"colour": "red"}, "unknown parameter 'colour'; known parameters: count, level"),
    ],
)
def test_errors_name_tool_param_value_and_allowed_set(values, pattern):
    with pytest.raises(ConfigError, match=pattern):
        parse_params("demo", Params, values)


def test_json_round_trip_is_exact():
    params = parse_params("demo", Params, {"scale": "0.3-0.7", "stats": "s.json", "level": 0.1})
    data = json.loads(json.dumps(params_to_json(params)))
    assert parse_params("demo", Params, data) == params


def test_direct_construction_is_checked():
    check_params("demo", Params())
    with pytest.raises(ConfigError, match="level=2.0"):
        check_params("demo", Params(level=2.0))


def test_undeclared_field_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Plain:
        x: int = 1

    with pytest.raises(ToolError, match="declare it with"):
        param_specs(Plain)


def test_unsupported_type_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Listy:
        x: list = param(None, help="x")

    with pytest.raises(ToolError, match="unsupported type"):
        param_specs(Listy)
