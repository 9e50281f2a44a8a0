"""Open images as the core's tensors, at the sizes a configuration asks for.

Next to :mod:`styletools.images` (decoding, checks, saving): this module decides the sizes,
so every front end loads the photo and the paintings by the same rule.

Shape:
    Tensors are float32 ``(1, 3, H, W)`` RGB in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image

from styletools import images
from styletools.config import TransferConfig

ImageSource = str | Path | Image.Image


def load_image_tensor(
    source: ImageSource, long_side: int, *, max_pixels: int = images.DEFAULT_MAX_PIXELS
) -> torch.Tensor:
    """Open a path (or take a PIL image), resize its long side with Lanczos, make a tensor."""
    if isinstance(source, Image.Image):
        picture = images.normalize_image(source)
        images.check_pixels(picture.size, max_pixels=max_pixels, name="image")
    else:
        picture = images.open_image(source, max_pixels=max_pixels)
    return images.to_tensor(images.resize_long_side(picture, long_side))


def load_inputs(
    content: ImageSource, styles: Sequence[ImageSource], config: TransferConfig
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Open the photo at the output size and the paintings at ``size × style_scale``.

    One rule for every front end: the style's strokes are sized relative to the output.
    """
    return load_image_tensor(content, config.size), load_paintings(styles, config)


def load_paintings(
    paintings: Sequence[ImageSource],
    config: TransferConfig,
    *,
    max_pixels: int = images.DEFAULT_MAX_PIXELS,
) -> list[torch.Tensor]:
    """Open the paintings at :meth:`TransferConfig.painting_size`, the one rule for every front
    end and tool, so the same config paints the same strokes whoever calls it."""
    size = config.painting_size()
    return [load_image_tensor(p, size, max_pixels=max_pixels) for p in paintings]
