"""Colour handling for "preserve colours": keep the content's palette, take the style's strokes.

Follows Gatys et al. 2016, *Preserving Color in Neural Artistic Style Transfer*: the style
image's colour statistics are first matched to the content's (so its Grams describe strokes,
not hues), and the result keeps only its luminance, on the content's chroma (YIQ).

Shape:
    Images are ``(1, 3, H, W)`` RGB in [0, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# NTSC YIQ: Y is luminance, I and Q carry the colour.
_RGB_TO_YIQ = torch.tensor(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)


def rgb_to_yiq(images: torch.Tensor) -> torch.Tensor:
    """RGB to YIQ, per pixel."""
    matrix = _RGB_TO_YIQ.to(images)
    return torch.einsum("ij,njhw->nihw", matrix, images)


def yiq_to_rgb(images: torch.Tensor) -> torch.Tensor:
    """YIQ back to RGB (the exact inverse of :func:`rgb_to_yiq`)."""
    matrix = torch.linalg.inv(_RGB_TO_YIQ.double()).to(images)
    return torch.einsum("ij,njhw->nihw", matrix, images)


def keep_luminance(generated: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The generated image's luminance on the content's chroma (I, Q channels)."""
    if content.shape[-2:] != generated.shape[-2:]:
        content = F.interpolate(content, size=generated.shape[-2:], mode="bicubic", antialias=True)
    yiq = rgb_to_yiq(content)
    yiq[:, :1] = rgb_to_yiq(generated)[:, :1]
    return yiq_to_rgb(yiq).clamp(0.0, 1.0)


def match_color(source: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Give ``source`` the mean and covariance of ``reference``'s RGB values.

    Uses the symmetric matrix square root (Gatys et al.'s "colour histogram matching").
    """
    src = source.reshape(3, -1).double()
    ref = reference.reshape(3, -1).double()
    src_mean, ref_mean = src.mean(1, keepdim=True), ref.mean(1, keepdim=True)
    transform = _sqrtm(torch.cov(ref)) @ torch.linalg.inv(_sqrtm(torch.cov(src)))
    matched = transform @ (src - src_mean) + ref_mean
    return matched.reshape(source.shape).to(source.dtype).clamp(0.0, 1.0)


def _sqrtm(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix + 1e-8 * torch.eye(3, dtype=matrix.dtype))
    return vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T
