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
        ``(N, 3, H, W)``.

    >>> flip(torch.zeros(2, 3, 4, 5), torch.tensor([True, False])).shape
    torch.Size([2, 3, 4, 5])
    """
    flipped = _FLIPS[axis](images)
    return torch.where(mask.to(images.device).view(-1, 1, 1, 1), flipped, images)


_FLIPS = {"horizontal": tvf.horizontal_flip, "vertical": tvf.vertical_flip}
