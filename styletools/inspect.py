"""Pictures of what VGG19 "sees": a grid of the strongest feature maps and a Gram heat map.

Pure tensor functions, no UI library: the web app's "Inside the network" tab shows them, and
any other front end can.

Shape:
    Activations ``(1, C, H, W)``; Gram matrices ``(1, C, C)``; outputs ``(1, 3, H', W')`` RGB
    float in [0, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from styletools.errors import ShapeError

#: Anchor colours of a perceptually ordered dark-to-bright map (close to matplotlib's magma).
_MAGMA = torch.tensor([
    [0.001, 0.000, 0.014], [0.232, 0.059, 0.437], [0.550, 0.161, 0.506],
    [0.868, 0.288, 0.409], [0.994, 0.624, 0.427], [0.987, 0.991, 0.750],
])


def strongest_channels(activations: torch.Tensor, count: int) -> torch.Tensor:
    """Indices of the ``count`` channels with the largest mean activation, strongest first.

    Raises:
        ShapeError: ``activations`` is not ``(1, C, H, W)``.
    """
    if activations.dim() != 4 or activations.shape[0] != 1:
        raise ShapeError("activations", "(1, C, H, W)", tuple(activations.shape))
    means = activations[0].mean(dim=(1, 2))
    return torch.argsort(means, descending=True)[: max(1, min(count, means.numel()))]


def colorize(values: torch.Tensor) -> torch.Tensor:
    """Map ``(H, W)`` values to ``(1, 3, H, W)`` colours, each map scaled to its own range."""
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low).clamp_min(1e-12)
    position = scaled * (len(_MAGMA) - 1)
    index = position.floor().long().clamp(max=len(_MAGMA) - 2)
    weight = (position - index).unsqueeze(-1)
    rgb = _MAGMA[index] * (1 - weight) + _MAGMA[index + 1] * weight
    return rgb.permute(2, 0, 1).unsqueeze(0).clamp(0, 1)


def feature_grid(activations: torch.Tensor, count: int = 16, *, tile: int = 128) -> torch.Tensor:
    """The strongest ``count`` feature maps of one layer, each coloured, tiled in a square grid.

    Args:
        activations: ``(1, C, H, W)`` activations of one layer.
        count: How many channels to show.
        tile: Side of each tile in pixels (maps are upsampled with nearest neighbours, so
            every activation stays a visible square).

    Returns:
        ``(1, 3, rows·(tile+2), cols·(tile+2))``.
    """
    channels = strongest_channels(activations, count)
    tiles = [colorize(activations[0, c].float().cpu()) for c in channels.tolist()]
    height, width = activations.shape[-2:]
    scale = tile / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    tiles = [
        F.pad(F.interpolate(t, size=size, mode="nearest"), (1, 1, 1, 1), value=1.0)
        for t in tiles
    ]
    columns = math.ceil(math.sqrt(len(tiles)))
    blank = torch.ones_like(tiles[0])
    tiles += [blank] * (-len(tiles) % columns)
    rows = [torch.cat(tiles[i : i + columns], dim=-1) for i in range(0, len(tiles), columns)]
    return torch.cat(rows, dim=-2)


def gram_heatmap(gram: torch.Tensor, *, side: int = 512) -> torch.Tensor:
    """A Gram matrix as a heat map: bright cells are channel pairs that fire together.

    Args:
        gram: ``(1, C, C)``, as returned by :func:`styletools.losses.gram_matrix`.
        side: Output side in pixels.

    Raises:
        ShapeError: ``gram`` is not ``(1, C, C)``.
    """
    if gram.dim() != 3 or gram.shape[0] != 1 or gram.shape[1] != gram.shape[2]:
        raise ShapeError("gram", "(1, C, C)", tuple(gram.shape))
    # Square root: co-activations span orders of magnitude; this keeps the structure visible.
    picture = colorize(gram[0].float().cpu().clamp_min(0).sqrt())
    return F.interpolate(picture, size=(side, side), mode="nearest")
