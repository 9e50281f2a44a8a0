"""Augmentation kernels: what torchvision.transforms.v2 lacks, and thin per-sample wrappers.

Flips, crops, rotation, shear and elastic warping call ``torchvision.transforms.v2.functional``;
colour shifting and AlexNet's PCA colour augmentation are written here.

Shape:
    images: ``(N, 3, H, W)`` float in [0, 1] -> ``(N, 3, H, W)``.
"""

from __future__ import annotations

import torch
from torchvision.transforms.v2 import functional as tvf


def flip(images: torch.Tensor, mask: torch.Tensor, *, axis: str = "horizontal") -> torch.Tensor:
    """Mirror the images whose ``mask`` entry is true.

    Args:
        images: ``(N, 3, H, W)``.
        mask: ``(N,)`` bool, which samples to flip.
        axis: ``horizontal`` (left-right) or ``vertical`` (top-bottom).

    Returns:
        ``(N, 3, H, W)``; ``images`` itself when no sample is flipped (as torchvision's
        random flip returns its input), never a modified ``images``.

    >>> flip(torch.zeros(2, 3, 4, 5), torch.tensor([True, False])).shape
    torch.Size([2, 3, 4, 5])
    """
    # The uniform cases skip the blend: it cost 50x a plain flip on a single 512 px image.
    if not bool(mask.any()):
        return images
    flipped = _FLIPS[axis](images)
    if bool(mask.all()):
        return flipped
    return torch.where(mask.to(images.device).view(-1, 1, 1, 1), flipped, images)


_FLIPS = {"horizontal": tvf.horizontal_flip, "vertical": tvf.vertical_flip}


#: Interpolation name -> torchvision mode, for the geometric tools.
INTERPOLATIONS = {
    "nearest": tvf.InterpolationMode.NEAREST,
    "bilinear": tvf.InterpolationMode.BILINEAR,
    "bicubic": tvf.InterpolationMode.BICUBIC,
}


def elastic_displacement(
    height: int, width: int, *, alpha: float, sigma: float, generator: torch.Generator
) -> torch.Tensor:
    """A smooth random displacement field, as ``v2.ElasticTransform`` draws it.

    torchvision draws from the global RNG; this is the same recipe on an explicit
    ``generator``: uniform noise in [-1, 1], Gaussian-blurred with ``sigma``, scaled by
    ``alpha`` pixels (normalised to the grid's [-1, 1] extent).

    Returns:
        ``(1, H, W, 2)`` float32 on the CPU, for ``torchvision.transforms.v2.functional.elastic``.

    >>> elastic_displacement(4, 6, alpha=5.0, sigma=1.0, generator=torch.Generator()).shape
    torch.Size([1, 4, 6, 2])
    """
    # Odd kernel of 8 sigma, as torchvision, but capped so that reflect padding still fits a
    # small image (torchvision fails there).
    size = min(int(8 * sigma + 1) | 1, 2 * min(height, width) - 1)
    fields = []
    for extent in (width, height):
        noise = torch.rand(1, 1, height, width, generator=generator) * 2 - 1
        noise = tvf.gaussian_blur(noise, [size, size], [sigma, sigma])
        fields.append(noise * alpha / extent)
    return torch.cat(fields, dim=1).permute(0, 2, 3, 1)


def color_shift(images: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Add one offset per image and channel, then clip to [0, 1].

    Args:
        images: ``(N, 3, H, W)``.
        offsets: ``(N, 3)`` RGB offsets.

    Returns:
        ``(N, 3, H, W)`` in [0, 1].

    >>> color_shift(torch.full((1, 3, 2, 2), 0.5), torch.tensor([[0.1, 0.0, -0.1]]))[0, :, 0, 0]
    tensor([0.6000, 0.5000, 0.4000])
    """
    offsets = offsets.to(device=images.device, dtype=images.dtype)
    return (images + offsets.view(-1, 3, 1, 1)).clamp(0.0, 1.0)


def rgb_covariance(images: torch.Tensor) -> torch.Tensor:
    """Covariance of the RGB values of each image, ``(N, 3, 3)`` float64 on the CPU.

    Computed in float64 on the CPU so the eigenvectors are the same on every device.
    """
    pixels = images.detach().flatten(2).to(device="cpu", dtype=torch.float64)
    centred = pixels - pixels.mean(dim=2, keepdim=True)
    return centred @ centred.transpose(1, 2) / max(pixels.shape[2] - 1, 1)


def pca_basis(covariance: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues (descending) and eigenvectors (columns) of RGB covariance matrices.

    Each eigenvector is signed so that its largest-magnitude component is positive: ``eigh``
    may return either sign, and a recorded shift must replay the same way everywhere.

    Args:
        covariance: ``(..., 3, 3)`` symmetric.

    Returns:
        ``eigenvalues`` ``(..., 3)`` clipped at 0, and ``eigenvectors`` ``(..., 3, 3)`` whose
        column ``i`` belongs to ``eigenvalues[..., i]``.
    """
    values, vectors = torch.linalg.eigh(covariance)
    values, vectors = values.flip(-1).clamp(min=0.0), vectors.flip(-1)
    largest = vectors.abs().argmax(dim=-2, keepdim=True)
    signs = torch.sign(vectors.gather(-2, largest))
    return values, vectors * torch.where(signs == 0, 1.0, signs)


def pca_color(
    images: torch.Tensor,
    alphas: torch.Tensor,
    *,
    eigenvalues: torch.Tensor | None = None,
    eigenvectors: torch.Tensor | None = None,
) -> torch.Tensor:
    """AlexNet's PCA colour augmentation: add ``[p1 p2 p3] [a1 l1, a2 l2, a3 l3]^T``.

    Krizhevsky et al. (2012) add to every pixel a multiple of the principal components of
    the RGB values, the eigenvalue ``l_i`` times a random ``a_i ~ N(0, sigma)``. They used
    one PCA of the whole training set; by default this computes one per image, and a
    dataset's PCA (``styletools pca-stats``) can be passed instead.

    Args:
        images: ``(N, 3, H, W)`` in [0, 1].
        alphas: ``(N, 3)`` the ``a_i`` per image.
        eigenvalues: ``(3,)`` dataset eigenvalues, or ``None`` for per-image PCA.
        eigenvectors: ``(3, 3)`` dataset eigenvectors (columns), with ``eigenvalues``.

    Returns:
        ``(N, 3, H, W)`` in [0, 1].
    """
    if eigenvalues is None or eigenvectors is None:
        eigenvalues, eigenvectors = pca_basis(rgb_covariance(images))
    weights = alphas.to(torch.float64) * eigenvalues.to(torch.float64)
    shift = (eigenvectors.to(torch.float64) @ weights.unsqueeze(-1)).squeeze(-1)
    return color_shift(images, shift)
