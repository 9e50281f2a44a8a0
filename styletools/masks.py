"""Region masks: where each painting goes (Gatys et al. 2017, *Controlling Perceptual Factors
in Neural Style Transfer*).

A mask is a grey-level image, 1 where its painting applies fully, 0 where it does not, and
in between for soft edges (hair, a feathered horizon). What no mask covers keeps the photo.
This module reads masks of any mode, sizes them to the photo, and derives what the objective
needs: each style layer's view of a mask and the weight of "keep the photo" per pixel.

Shape:
    Masks are float32 ``(1, 1, H, W)`` in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from styletools import images
from styletools.errors import ConfigError


def mask_from_image(image: Image.Image) -> torch.Tensor:
    """The mask an image draws: its transparency where it has any, else its grey level.

    A layer painted in an editor is a brush stroke on a transparent sheet whatever the brush's
    colour, so its alpha is the mask; a mask saved from a segmentation or a paint program is
    opaque, white where the painting goes. 16-bit and float masks keep their precision.
    """
    if image.mode in ("RGBA", "LA", "PA", "P") and _has_transparency(image):
        values = np.asarray(image.convert("RGBA"), dtype=np.float32)[..., 3] / 255.0
    elif image.mode in images.SIXTEEN_BIT_MODES:
        values = np.asarray(image, dtype=np.float32) / 65535.0
    elif image.mode == "F":
        values = np.asarray(image, dtype=np.float32)
    else:
        values = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    return torch.from_numpy(np.clip(values, 0.0, 1.0).copy())[None, None]


def _has_transparency(image: Image.Image) -> bool:
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255


def open_mask(
    source: str | Path | Image.Image, size: tuple[int, int],
    *, max_pixels: int = images.DEFAULT_MAX_PIXELS,
) -> tuple[torch.Tensor, str | None]:
    """Read a mask (a file or a PIL image) at the photo's ``(height, width)``.

    Returns:
        The mask, and a note for the user when it had another size and was resized.

    Raises:
        ImageError: The file is missing, not an image, or too large.
    """
    if isinstance(source, Image.Image):
        images.check_pixels(source.size, max_pixels=max_pixels, name="mask")
        mask, name = mask_from_image(source), "mask"
    else:
        mask, name = mask_from_image(images.open_decoded(source, max_pixels=max_pixels)), source
    height, width = mask.shape[-2:]
    if (height, width) == tuple(size):
        return mask, None
    note = f"{name}: a {width}x{height} px mask, resized to the photo's {size[1]}x{size[0]} px"
    if abs(width / height - size[1] / size[0]) > 0.01 * size[1] / size[0]:
        note += " (its proportions differ, so it is stretched)"
    return resize_mask(mask, size), note


def resize_mask(mask: torch.Tensor, size: tuple[int, int] | torch.Size) -> torch.Tensor:
    """A mask at another ``(height, width)``: bilinear, antialiased when it shrinks, so a
    soft edge stays soft and a thin stroke keeps its share of the pixels."""
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    resized = F.interpolate(mask, size=tuple(size), mode="bilinear", antialias=True,
                            align_corners=False)
    return resized.clamp(0.0, 1.0)


def feather(mask: torch.Tensor, radius: float) -> torch.Tensor:
    """Soften a mask's edges: a Gaussian blur whose ramp spans about ``radius`` px on either
    side of an edge (sigma ``radius / 2``, cut at two sigmas).

    A brush without a soft edge (Gradio's) paints hard masks, and a hard seam between the
    photo and a painting shows. Borders are replicated, so a mask that fills an edge of the
    image keeps filling it.

    Args:
        mask: ``(1, 1, H, W)`` in [0, 1].
        radius: In pixels of ``mask``; 0 returns it unchanged.

    Returns:
        The softened mask, same shape, dtype and device.

    >>> hard = torch.zeros(1, 1, 8, 8)
    >>> hard[..., 4:] = 1.0
    >>> soft = feather(hard, 2.0)
    >>> soft.shape, 0.0 < soft[0, 0, 0, 3].item() < 0.5 < soft[0, 0, 0, 4].item() < 1.0
    (torch.Size([1, 1, 8, 8]), True)
    """
    if radius <= 0:
        return mask
    reach = math.ceil(radius)
    offsets = torch.arange(-reach, reach + 1, dtype=mask.dtype, device=mask.device)
    kernel = torch.exp(-0.5 * (offsets / (radius / 2.0)) ** 2)
    kernel = kernel / kernel.sum()
    padded = F.pad(mask, (reach, reach, reach, reach), mode="replicate")
    rows = F.conv2d(padded, kernel.view(1, 1, 1, -1))
    return F.conv2d(rows, kernel.view(1, 1, -1, 1)).clamp(0.0, 1.0)


def check_masks(masks: Sequence[torch.Tensor], paintings: int) -> None:
    """One mask per painting, each ``(1, 1, H, W)``.

    Raises:
        ConfigError: The counts differ or a mask has another shape.
    """
    if len(masks) != paintings:
        raise _count_error(len(masks), paintings)
    for mask in masks:
        if mask.dim() != 4 or mask.shape[:2] != (1, 1):
            raise ConfigError(f"mask: expected shape (1, 1, H, W), got {tuple(mask.shape)}")


def _count_error(masks: int, paintings: int) -> ConfigError:
    return ConfigError(
        f"mask: {masks} mask(s) for {paintings} painting(s); give one mask per painting, in "
        "the paintings' order"
    )


def open_masks(
    sources: Sequence[str | Path | Image.Image], paintings: int, size: tuple[int, int]
) -> tuple[list[torch.Tensor], list[str]]:
    """One mask per painting, from files or images, checked before any work.

    Returns:
        The masks at ``size`` and the notes of those that were resized.

    Raises:
        ConfigError: Not one mask per painting.
        ImageError: A file is not an image.
    """
    if len(sources) != paintings:
        raise _count_error(len(sources), paintings)
    opened = [open_mask(source, size) for source in sources]
    return [mask for mask, _ in opened], [note for _, note in opened if note]


def layer_view(mask: torch.Tensor, stride: int) -> torch.Tensor:
    """The mask at a layer whose positions are ``stride`` px apart: the mean over each
    position's stride×stride block (the paper's choice), floored like VGG19's poolings, so
    the view has exactly the layer's shape."""
    if stride == 1:
        return mask
    return F.avg_pool2d(mask, kernel_size=stride, stride=stride)


def keep_weight(masks: Sequence[torch.Tensor]) -> torch.Tensor | None:
    """How much each pixel keeps the photo: what the masks leave uncovered, ``1 - Σ masks``
    clamped to [0, 1]; ``None`` where the masks cover everything."""
    covered = torch.stack(list(masks)).sum(0)
    keep = (1.0 - covered).clamp(0.0, 1.0)
    return keep if bool(keep.any()) else None


def is_empty(mask: torch.Tensor) -> bool:
    """True for a mask that selects nothing."""
    return not bool(mask.any())


def is_full(mask: torch.Tensor) -> bool:
    """True for a mask that selects every pixel fully: the same as no mask."""
    return bool((mask == 1.0).all())


def composite(
    photo: torch.Tensor, paintings: Sequence[torch.Tensor], masks: Sequence[torch.Tensor]
) -> torch.Tensor:
    """The photo where no mask covers it, each stylised picture where its mask does.

    Where masks overlap, their pictures are averaged by mask weight.
    """
    masks = [resize_mask(mask, photo.shape[-2:]).to(photo) for mask in masks]
    covered = torch.stack(masks).sum(0)
    share = covered.clamp_min(1.0)
    out = (1.0 - covered).clamp(0.0, 1.0) * photo
    for picture, mask in zip(paintings, masks, strict=True):
        out = out + mask / share * picture
    return out.clamp(0.0, 1.0)

