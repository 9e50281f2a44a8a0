"""Colour control: keep the photo's palette, take the painting's strokes.

Two modes of Gatys et al. (2016, *Preserving Color in Neural Artistic Style Transfer*; 2017,
*Controlling Perceptual Factors in Neural Style Transfer*):

* paste: the painting's colour statistics are first matched to the photo's (so its Grams
  describe strokes, not hues), and the result keeps only its luminance, on the photo's
  chroma (YIQ);
* luminance: the optimisation sees luminance only, the photo's against the painting's
  luminance matched to the photo's mean and spread, and the result's luminance goes on the
  photo's chroma. No colour ever enters the objective, so none can bleed in.

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


def luminance_image(images: torch.Tensor) -> torch.Tensor:
    """The luminance Y as a grey RGB image (R = G = B = Y), which VGG19 takes as it is."""
    luminance = rgb_to_yiq(images)[:, :1]
    return luminance.expand(-1, 3, -1, -1).clamp(0.0, 1.0).contiguous()


def match_luminance(painting: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """The painting's luminance as a grey image, with the photo's luminance mean and standard
    deviation (the paper's "luminance histogram matching")."""
    source, reference = rgb_to_yiq(painting)[:, :1], rgb_to_yiq(photo)[:, :1]
    spread = reference.std() / source.std().clamp_min(1e-6)
    matched = (source - source.mean()) * spread + reference.mean()
    return matched.expand(-1, 3, -1, -1).clamp(0.0, 1.0).contiguous()
