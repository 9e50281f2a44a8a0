"""Edge tools: each registered class agrees with the functional kernel."""

from __future__ import annotations

import pytest
import torch

from styletools.tools import default_registry
from styletools.tools.edges import TOOLS, GradientParams
from styletools.tools.functional import edges as F

REGISTRY = default_registry(plugins=False)


@pytest.mark.parametrize("tool_class", TOOLS, ids=lambda tool: tool.name)
def test_tool_and_function_agree(tool_class, images):
    values = {"color": "rgb", "display": "signed", "padding": "zero", "stride": "2"}
    tool = tool_class.from_values(values)
    direction = "x" if tool_class.Params is not GradientParams else "magnitude"
    expected = F.edges(images, tool_class.filter, direction=direction, color="rgb",
                       display="signed", padding="zero", stride=2)
    assert torch.equal(tool(images), expected)
    assert expected.shape[-2:] == (6, 8)


def test_edge_family_is_listed_together():
    assert REGISTRY.list(family="edges") == [
        "horizontal-edges", "laplacian", "prewitt", "scharr", "sobel", "vertical-edges"
    ]


@pytest.mark.parametrize("direction", ["x", "y"])
def test_gradient_directions_select_kernels(direction, images):
    tool = REGISTRY.create("sobel", {"direction": direction, "display": "signed"})
    assert torch.equal(tool(images), F.edges(images, "sobel", direction=direction,
                                             display="signed"))
