"""Building blocks shared by the style networks: conditional instance norm and its convolutions.

Both the arbitrary-style transformer (Ghiasi et al. 2017) and the 26-style network (Dumoulin
et al. 2017) are Johnson-style encoder/residual/decoder networks whose instance
normalisations take their per-channel scale ``gamma`` and shift ``beta`` from a style vector:
a 100-d embedding through a 1×1 convolution (Ghiasi), or a mix of 26 learned rows (Dumoulin),
both of which are one :class:`torch.nn.Linear`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from styletools.fastconv import conv_by_blocks, upsample_conv

#: Magenta's ``conditional_instance_norm`` epsilon (the ONNX graphs store 1e-5 too).
EPSILON = 1e-5


class ConditionalInstanceNorm(nn.Module):
    """Instance normalisation with ``gamma``, ``beta`` computed from a style vector.

    Args:
        channels: Channels ``C`` of the normalised feature map.
        style_dim: Length ``D`` of the style vector (100 for Ghiasi, 26 for Dumoulin).
        bias: Whether ``gamma``/``beta`` have a constant term (Ghiasi's 1×1 convs do).
    """

    def __init__(self, channels: int, style_dim: int, *, bias: bool = True) -> None:
        super().__init__()
        self.gamma = nn.Linear(style_dim, channels, bias=bias)
        self.beta = nn.Linear(style_dim, channels, bias=bias)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Normalise ``x`` ``(N, C, H, W)`` per image and channel; ``style`` is ``(N|1, D)``."""
        scale, shift = self.coefficients(*moments(x), style)
        return torch.addcmul(shift.to(x.dtype), x, scale.to(x.dtype))

    def coefficients(
        self, var: torch.Tensor, mean: torch.Tensor, style: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(scale, shift)``, each ``(N, C, 1, 1)`` float32, for statistics ``(N, C, 1, 1)``.

        Separate from :meth:`forward` so tiled inference can apply whole-image statistics
        gathered tile by tile (:mod:`styletools.tiled_inference`).
        """
        gamma = self.gamma(style).float()[..., None, None]
        beta = self.beta(style).float()[..., None, None]
        scale = gamma * torch.rsqrt(var + EPSILON)
        return scale, beta - mean * scale


#: Above this ``E[x²] / (var + eps)``, ``E[x²] - E[x]²`` loses more than ~0.1 % of the
#: variance to float32 cancellation. Real photos stay below 100 in these networks.
_CANCELLATION_LIMIT = 1e4


def moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Variance and mean of ``(N, C, H, W)`` over ``H, W``, each ``(N, C, 1, 1)`` float32.

    Computed in float32 even for bf16 activations, whose 8-bit mantissa cannot hold a
    low-contrast map's variance. ``E[x²] - E[x]²`` takes two plain reductions, 4-8× faster
    than ``torch.var_mean`` on the CPU; when the mean dwarfs the spread (a nearly flat image)
    it would cancel, and ``torch.var_mean`` is used instead (a device sync on GPUs).
    """
    values = x.float()
    mean = values.mean(dim=(2, 3), keepdim=True)
    square = values.square().mean(dim=(2, 3), keepdim=True)
    var = (square - mean.square()).clamp_min(0)
    if bool((square > _CANCELLATION_LIMIT * (var + EPSILON)).any()):
        return torch.var_mean(values, dim=(2, 3), keepdim=True, correction=0)
    return var, mean


class StyledConv(nn.Module):
    """[Nearest ×2 upsampling,] reflection padding, convolution [, conditional instance norm].

    Magenta's ``conv`` pads with ``tf.pad(mode='REFLECT')`` by ``kernel // 2`` and then runs a
    VALID convolution; its ``upsampling`` is ``resize_nearest_neighbor`` ×2 before that. The
    activation is left to the caller (ReLU, none in a residual's second conv, or sigmoid).
    The upsampling conv runs by phases and a 9×9 conv with at most 4 outputs on pixel
    blocks (:mod:`~styletools.fastconv`): the same function, about 2× faster.

    Args:
        cin: Input channels.
        cout: Output channels.
        kernel: Square kernel size (odd).
        stride: Convolution stride (2 in the encoder).
        upsample: Upsample ×2 (nearest) before the convolution (the decoder); needs a 3×3.
        style_dim: Length of the style vector; ``None`` for a plain conv with a bias.
        norm_bias: Whether the norm's ``gamma``/``beta`` have a constant term.
    """

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int,
        *,
        stride: int = 1,
        upsample: bool = False,
        style_dim: int | None = None,
        norm_bias: bool = True,
    ) -> None:
        super().__init__()
        self.upsample = upsample
        # The output layers (a few channels out of a 9×9) run 2× faster on pixel blocks.
        self.by_blocks = kernel > 3 and stride == 1 and cout <= 4
        # A bias before instance norm is removed by its mean subtraction: leave it out.
        self.conv = nn.Conv2d(
            cin, cout, kernel, stride, kernel // 2, padding_mode="reflect", bias=style_dim is None
        )
        self.norm = (
            None if style_dim is None else ConditionalInstanceNorm(cout, style_dim, bias=norm_bias)
        )

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """``(N, C_in, H, W)`` → ``(N, C_out, H', W')``; ``style`` ``(N|1, D)`` feeds the norm."""
        x = self.convolve(x)
        return x if self.norm is None else self.norm(x, style)

    def convolve(self, x: torch.Tensor) -> torch.Tensor:
        """The layer without its norm (tiled inference normalises with whole-image statistics)."""
        if self.upsample:
            return upsample_conv(x, self.conv)
        if self.by_blocks and x.shape[-2] % 2 == 0 and x.shape[-1] % 2 == 0:
            return conv_by_blocks(x, self.conv)
        return self.conv(x)


class ResidualBlock(nn.Module):
    """``x + norm(conv(relu(norm(conv(x)))))``: Magenta's ``residual_block``."""

    def __init__(self, channels: int, style_dim: int, *, norm_bias: bool = True) -> None:
        super().__init__()
        self.first = StyledConv(channels, channels, 3, style_dim=style_dim, norm_bias=norm_bias)
        self.second = StyledConv(channels, channels, 3, style_dim=style_dim, norm_bias=norm_bias)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` → same shape."""
        return x + self.second(F.relu(self.first(x, style)), style)


def tf_same_padding(height: int, width: int, kernel: int, stride: int) -> tuple[int, int, int, int]:
    """TensorFlow's ``padding='SAME'`` as ``F.pad`` amounts ``(left, right, top, bottom)``.

    TF pads so the output has ``ceil(size / stride)`` positions and puts the odd pixel at the
    end: a stride-2 3×3 conv on an even side pads (0, 1), on an odd side (1, 1). The
    predictor's graph, fixed at 256 px, has the even case baked in; computing it here lets
    it run at any size.

    >>> tf_same_padding(256, 255, 3, 2)
    (1, 1, 0, 1)
    """

    def split(size: int) -> tuple[int, int]:
        total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
        return total // 2, total - total // 2

    return (*split(width), *split(height))
