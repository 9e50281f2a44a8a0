"""Contract over the whole registry: every tool takes every image size, or refuses it clearly.

A tool's answer to a degenerate image (1 px wide or tall, 2x2, a 3x500 strip, a stride past
the border, no padding on an image under the kernel) is either a proper image or the package's
error with the size in its message, never a torch crash. The cases are generated from the
registry, so a tool added later, or a plugin's, is covered without touching this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch

from styletools.errors import StyletoolsError
from styletools.tools import ParamSpec, Tool, default_registry

REGISTRY = default_registry(plugins=False)
#: (height, width) of the images every tool must take or refuse: the issue's list, and the
#: 3x500 strip both ways round.
SIZES = [(1, 1), (1, 7), (7, 1), (2, 2), (3, 3), (3, 500), (500, 3)]
@dataclass(frozen=True)
class Case:
    """One tool on one image size, with the parameter values under test."""

    tool: type[Tool]
    height: int
    width: int
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        extra = "".join(f"-{name}={value}" for name, value in self.values.items())
        return f"{self.tool.name}-{self.height}x{self.width}{extra}"


def cheap(tool: type[Tool]) -> dict[str, Any]:
    """One optimisation step for a tool that runs one (any ``steps`` parameter), as the main
    contract test keeps the style tools cheap."""
    return {spec.name: 1 for spec in tool.specs() if spec.name == "steps" and spec.kind == "int"}


def _spec(tool: type[Tool], name: str) -> ParamSpec | None:
    return next((spec for spec in tool.specs() if spec.name == name), None)


def parameter_cases(tool: type[Tool]) -> list[Case]:
    """A stride past the image and no padding under the kernel, for tools with those params."""
    cases = []
    stride = _spec(tool, "stride")
    if stride is not None and stride.kind == "int":
        largest = int(stride.max) if stride.max is not None else 16
        if largest > 1:  # an image smaller than the stride on both sides
            cases.append(Case(tool, largest // 2 or 1, largest - 1, {"stride": largest}))
    padding = _spec(tool, "padding")
    if padding is not None and "none" in (padding.choices or ()):
        cases += [Case(tool, h, w, {"padding": "none"}) for h, w in [(2, 2), (1, 7), (3, 3)]]
    return cases


def all_cases() -> list[Any]:
    """Every tool on every size, then its parameter cases; known crashes as strict xfails."""
    cases = [Case(tool, h, w) for tool in REGISTRY for h, w in SIZES]
    cases += [case for tool in REGISTRY for case in parameter_cases(tool)]
    return [pytest.param(case, id=case.id) for case in cases]


def names_size(message: str, height: int, width: int) -> bool:
    """Whether a message gives the image size: ``WxH``, ``HxW`` (x or ×) or a shape tuple."""
    pairs = {(width, height), (height, width)}
    written = [rf"(?<!\d){a}\s*[x×]\s*{b}(?!\d)" for a, b in pairs]
    written.append(rf"{height}, {width}\)")
    return any(re.search(pattern, message) for pattern in written)


@pytest.mark.parametrize("case", all_cases())
def test_degenerate_size_gives_an_image_or_a_clear_error(case: Case):
    tool = case.tool.from_values({**cheap(case.tool), **case.values})
    images = torch.rand(1, 3, case.height, case.width, generator=torch.Generator().manual_seed(0))
    try:
        out = tool(images, generator=torch.Generator().manual_seed(0))
    except StyletoolsError as error:
        message = str(error)
        assert "\n" not in message, f"not one line: {message!r}"
        assert names_size(message, case.height, case.width), f"no size in {message!r}"
        return
    assert isinstance(out, torch.Tensor) and out.dim() == 4
    assert out.shape[:2] == images.shape[:2] and min(out.shape[-2:]) >= 1, tuple(out.shape)
    assert (out.dtype, out.device) == (images.dtype, images.device)
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("got 7x1 px (width x height)", True),
        ("images: expected shape (N, 3, H, W), got (1, 3, 1, 7)", True),
        ("an image of 1 × 7 pixels", True),
        ("got 17x1 px", False),
        ("padding='none' needs more pixels", False),
    ],
)
def test_size_check_of_the_contract_can_fail(message: str, expected: bool):
    assert names_size(message, 1, 7) is expected
