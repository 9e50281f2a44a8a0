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
    # On the meta device: shapes only, no arithmetic, so even 256 px costs nothing. With
    # autograd on, the network runs its plain resize-convolutions: the nominal count.
    with FlopCounterMode(display=False) as counter:
        net.to("meta")(torch.empty(1, 3, height, side, device="meta"))
    convolutions = counter.get_flop_counts()["Global"][torch.ops.aten.convolution]
    assert conv_flops(net, height, side) == convolutions


@pytest.mark.parametrize(("height", "width"), [(16, 16), (17, 33), (65, 7), (1, 1)])
def test_inference_form_equals_the_plain_network(height, width):
    # Two implementations of one function: with autograd, upsample then convolve and a plain
    # 9×9 output layer; without, phase kernels at the source size and 2×2 pixel blocks
    # (float64, so only rounding can differ).
    torch.manual_seed(0)
    net = TransformerNet(width=4, residual_blocks=1).double().eval()
    images = torch.rand(2, 3, height, width, dtype=torch.float64)
    plain = net(images)
    with torch.no_grad():
        by_phases = net(images)
    torch.testing.assert_close(by_phases, plain.detach(), rtol=1e-12, atol=1e-12)


def test_inference_counts_the_work_of_its_rewritten_convolutions():
    # By phases, each upsampling 3×3 convolution costs about 16/36 of its multiply-adds; by
    # 2×2 blocks, the 9×9 output layer costs 1.2× its own.
    net = TransformerNet(width=8).to("meta")
    counts = []
    for grad in (True, False):
        with FlopCounterMode(display=False) as counter, torch.set_grad_enabled(grad):
            net(torch.empty(1, 3, 64, 64, device="meta"))
        counts.append(counter.get_flop_counts()["Global"][torch.ops.aten.convolution])
    # 32→16 channels from 16 px and 16→8 from 32 px: plain at the ×2 size with 3×3 taps,
    # by phases at the source size plus a border of one, 4 phases of 2×2 taps.
    plain = 2 * 9 * (32 * 32 * 32 * 16 + 64 * 64 * 16 * 8)
    by_phases = 2 * 4 * 4 * (17 * 17 * 32 * 16 + 33 * 33 * 16 * 8)
    # 8→3 channels at 64 px with 9×9 taps; by blocks 32→12 channels at 32 px with 5×5 taps.
    output_plain, output_by_blocks = 2 * 64 * 64 * 8 * 3 * 81, 2 * 32 * 32 * 32 * 12 * 25
    assert counts[0] - counts[1] == plain - by_phases + output_plain - output_by_blocks
    assert by_phases / plain < 0.5
