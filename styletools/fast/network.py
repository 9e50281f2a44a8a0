"""The image transformation network of Johnson et al. (2016), with the later fixes.

Departures from the paper, each a known improvement:
    * instance normalisation instead of batch normalisation (Ulyanov et al. 2016): the
      contrast of the photo no longer leaks into the output, and one image's output does not
      depend on the others in its batch;
    * resize-convolution (nearest upsampling, then a stride-1 convolution) instead of
      transposed convolutions, which leave checkerboard artefacts (Odena et al. 2016);
    * reflection padding inside, so borders are not darkened by zero padding;
    * a linear output in [0, 1] pixel space instead of a scaled tanh, clamped at inference.

Without autograd, two layers run in an equivalent cheaper form (same function, float
rounding aside): the upsampling convolutions by phases at the source size, and the 9×9 output
layer on 2×2 pixel blocks. :func:`conv_flops` counts the plain network, so a throughput
computed from it is the network's nominal work per second.

``width`` scales every layer's channels (Johnson: 32); a narrow network (8 or 16) trains and
runs 4–16× cheaper, which the tests and a CPU training use.

Shape:
    Input ``(N, 3, H, W)`` float RGB in [0, 1]; output ``(N, 3, H, W)``, any ``H, W`` >= 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from styletools.fast.settings import DEFAULT_RESIDUAL_BLOCKS, DEFAULT_WIDTH
from styletools.fastconv import conv_by_blocks, upsample_conv

#: Sides are padded up to a multiple of 4 (two stride-2 stages) and at least this, so the
#: bottleneck has 4×4 positions for instance normalisation and reflection padding.
MIN_SIDE = 16


def _conv(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, padding_mode="reflect")


def _norm_relu(channels: int) -> list[nn.Module]:
    return [nn.InstanceNorm2d(channels, affine=True), nn.ReLU(inplace=True)]


class ResidualBlock(nn.Module):
    """conv-IN-ReLU-conv-IN plus the input (He et al.; Johnson's blocks, no ReLU after the sum)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(channels, channels, 3),
            *_norm_relu(channels),
            _conv(channels, channels, 3),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class UpsampleConv(nn.Module):
    """Nearest-neighbour ×2, then a 3×3 convolution: every output pixel sees the same taps.

    Without autograd (inference) the same function runs by phases: the ×2 image is never
    made, and each output pixel's 3×3 taps fall on a 2×2 patch of the source, so the
    convolution runs at the source size with about 16/36 of the multiply-adds (measured 2.4× faster
    for the 64→32 layer at 256 px). Training keeps the plain form, which the bundled model was
    trained with bit for bit.
    """

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = _conv(cin, cout, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return upsample_conv(x, self.conv)


class TransformerNet(nn.Module):
    """Photo in, stylised photo out, in one pass; fully convolutional.

    Args:
        width: Channels of the first layer (the encoder doubles it twice); Johnson uses 32.
        residual_blocks: Residual blocks at quarter resolution; Johnson uses 5.

    >>> net = TransformerNet(width=4, residual_blocks=1)
    >>> net(torch.rand(2, 3, 17, 33)).shape
    torch.Size([2, 3, 17, 33])
    """

    def __init__(
        self, width: int = DEFAULT_WIDTH, residual_blocks: int = DEFAULT_RESIDUAL_BLOCKS
    ) -> None:
        super().__init__()
        self.width, self.residual_blocks = width, residual_blocks
        w1, w2, w4 = width, 2 * width, 4 * width
        self.body = nn.Sequential(
            _conv(3, w1, 9), *_norm_relu(w1),
            _conv(w1, w2, 3, 2), *_norm_relu(w2),
            _conv(w2, w4, 3, 2), *_norm_relu(w4),
            *[ResidualBlock(w4) for _ in range(residual_blocks)],
            UpsampleConv(w4, w2), *_norm_relu(w2),
            UpsampleConv(w2, w1), *_norm_relu(w1),
            _conv(w1, 3, 9),
        )  # fmt: skip

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Stylise ``(N, 3, H, W)`` in [0, 1]; the output is unclamped (training needs that).

        Odd sizes are edge-padded up to a multiple of 4 and cropped back, so the output has
        exactly the input's size.
        """
        height, width = images.shape[-2:]
        x, (top, left) = pad_for_network(images)
        x, last = self.body[:-1](x), self.body[-1]
        # The 32 -> 3 output layer runs at a fraction of the conv kernels' speed; on 2×2 blocks
        # it is 1.7× faster at 256 px (inference only, like UpsampleConv's phases).
        out = last(x) if torch.is_grad_enabled() else conv_by_blocks(x, last)
        return out[..., top : top + height, left : left + width]


def _padded(side: int) -> int:
    return max(MIN_SIDE, -(-side // 4) * 4)


def pad_for_network(images: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Edge-pad ``(N, 3, H, W)`` (centred) to the network's sides; return it and ``(top, left)``.

    Shared with :mod:`styletools.tiled_inference`, whose tiles must see the same padded image.
    """
    height, width = images.shape[-2:]
    pad_h, pad_w = _padded(height) - height, _padded(width) - width
    padding = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    x = F.pad(images, padding, mode="replicate") if pad_h or pad_w else images
    return x, (padding[2], padding[0])


def conv_flops(net: TransformerNet, height: int, width: int) -> int:
    """Floating-point operations (2 per multiply-add) of the network's convolutions.

    Counted from the layers themselves at the padded size, so the figure follows any change
    of architecture; normalisation, ReLU and upsampling are memory-bound and not counted.

    >>> conv_flops(TransformerNet(), 256, 256) / 1e9  # Johnson's network, one 256 px image
    20.157825024
    """
    flops, h, w = 0, _padded(height), _padded(width)
    for module in net.modules():
        if isinstance(module, UpsampleConv):
            h, w = h * 2, w * 2
        elif isinstance(module, nn.Conv2d):
            h, w = -(-h // module.stride[0]), -(-w // module.stride[1])
            kh, kw = module.kernel_size
            flops += 2 * h * w * module.in_channels * module.out_channels * kh * kw
    return flops
