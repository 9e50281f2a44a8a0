"""The exact rewrites of slow convolutions (styletools.fastconv), against the plain layers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from styletools.fastconv import conv_by_blocks, upsample_conv


@pytest.fixture(autouse=True)
def seeded() -> None:
    torch.manual_seed(0)


@pytest.mark.parametrize(("cin", "cout", "height", "width"), [(16, 8, 7, 10), (3, 5, 1, 1)])
def test_upsample_conv_equals_upsampling_then_convolving(cin, cout, height, width):
    conv = nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect")
    x = torch.randn(2, cin, height, width, requires_grad=True)
    ours = upsample_conv(x, conv)
    reference = conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=0)
    (grad,) = torch.autograd.grad(ours.square().sum(), x)
    (reference_grad,) = torch.autograd.grad(reference.square().sum(), x)
    torch.testing.assert_close(grad, reference_grad, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(("cin", "cout", "kernel"), [(8, 3, 9), (4, 3, 9), (5, 6, 3)])
def test_conv_by_blocks_equals_the_convolution(cin, cout, kernel):
    conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, padding_mode="reflect")
    x = torch.randn(2, cin, 12, 18)
    torch.testing.assert_close(conv_by_blocks(x, conv), conv(x), atol=1e-5, rtol=0)
