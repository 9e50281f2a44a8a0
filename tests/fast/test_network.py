"""The transformation network: sizes, FLOP count, and what instance norm promises."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from styletools.fast.network import TransformerNet, conv_flops


@pytest.fixture(scope="module")
def net() -> TransformerNet:
    torch.manual_seed(0)
    return TransformerNet(width=4, residual_blocks=1).eval()


@pytest.mark.parametrize(("height", "width"), [(1, 1), (17, 33), (65, 7), (16, 16), (3, 100)])
def test_any_size_comes_back_at_its_size(net, height, width):
    with torch.no_grad():
        out = net(torch.rand(2, 3, height, width))
    assert out.shape == (2, 3, height, width) and torch.isfinite(out).all()


def test_no_transposed_convolutions():
    # Resize-convolution everywhere: transposed convolutions leave checkerboards.
    kinds = {type(m) for m in TransformerNet().modules()}
    assert torch.nn.ConvTranspose2d not in kinds and torch.nn.InstanceNorm2d in kinds


def test_each_output_ignores_its_batch_mates(net):
    images = torch.rand(3, 3, 24, 20, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        together = net(images)
        alone = net(images[1:2])
    torch.testing.assert_close(together[1:2], alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("width", "height", "side"), [(32, 256, 256), (8, 64, 96), (16, 40, 24)])
def test_flop_count_matches_torch_counter(width, height, side):
    net = TransformerNet(width=width)
    # On the meta device: shapes only, no arithmetic, so even 256 px costs nothing.
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net.to("meta")(torch.empty(1, 3, height, side, device="meta"))
    convolutions = counter.get_flop_counts()["Global"][torch.ops.aten.convolution]
    assert conv_flops(net, height, side) == convolutions


def test_johnson_network_is_about_20_gflop_at_256_px():
    assert conv_flops(TransformerNet(), 256, 256) == pytest.approx(20.16e9, rel=1e-3)
