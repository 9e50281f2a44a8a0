"""Exact tiles of an image for VGG19: which pixels each tile reads and which features it owns.

A feature of a deep layer depends on a window of pixels around it (its receptive field), so a
tile whose margin covers that window computes its core's features exactly as the whole image
would, and the cores partition every layer's feature map. Offsets on the deepest pooling grid
(16 px at block 5) keep every pooling window where it is in the whole image. The whole-image
sums that style transfer needs (Gram matrices, squared errors) are then sums over the cores:
``styletools.objective`` adds them up and back-propagates tile by tile, so the gradient equals
the untiled one (Galerne et al., *Scaling Painting Style Transfer*, EGSR 2024).

Torch-free, so the memory planner and ``--dry-run`` can lay tiles out before loading anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from styletools.vgg_layers import LAYER_NAMES


def layer_stride(layer: str) -> int:
    """Pixels per feature of ``layer``: each pooling before its block halves the grid.

    >>> [layer_stride(name) for name in ("relu1_1", "relu2_1", "relu4_2", "relu5_1")]
    [1, 2, 8, 16]
    """
    block = int(layer.removeprefix("relu").split("_")[0])
    return 2 ** (block - 1)


def receptive_reach(layer: str) -> tuple[int, int]:
    """How many pixels before and after a feature's own position its window reaches.

    Each 3x3 convolution widens the window by one feature on each side of its grid, and each
    2x2 pooling maps a feature to two of the finer grid's; followed back to the pixels.

    >>> receptive_reach("relu1_1"), receptive_reach("relu4_2"), receptive_reach("relu5_1")
    ((1, 1), (38, 45), (70, 85))
    """
    before, after = 0, 0  # in features of the current grid, around position 0
    for name in reversed(LAYER_NAMES[: LAYER_NAMES.index(layer) + 1]):
        before, after = before + 1, after + 1
        if name.endswith("_1") and name != "relu1_1":  # a pooling feeds this block
            before, after = 2 * before, 2 * after + 1
    return before, after


def margin_for(layers: Iterable[str]) -> int:
    """The tile margin that makes every core feature of ``layers`` exact, on the 16 px grid.

    >>> margin_for(["relu1_1", "relu5_1"]), margin_for(["relu2_1"])
    (96, 16)
    """
    reach = max(max(receptive_reach(name)) for name in layers)
    return GRID * math.ceil(reach / GRID)


#: VGG19's coarsest pooling grid (four poolings): tile offsets are multiples of it.
GRID = 16


@dataclass(frozen=True)
class Span:
    """One tile along one axis: it reads pixels [start, stop) and owns [core_start, core_stop)."""

    start: int
    stop: int
    core_start: int
    core_stop: int

    def core_features(self, stride: int, length: int) -> slice:
        """The tile's own features on a grid of ``stride`` px, in the tile's feature map of
        ``length`` features; the last tile owns everything to the map's end."""
        first = (self.core_start - self.start) // stride
        last = length if self.core_stop % GRID else (self.core_stop - self.start) // stride
        return slice(first, min(last, length))


def spans(length: int, core: int, margin: int) -> tuple[Span, ...]:
    """Split an axis of ``length`` px into cores of ``core`` px (on the grid) with margins.

    The last core takes the remainder, so each feature belongs to exactly one core.

    >>> [(s.start, s.stop, s.core_start, s.core_stop) for s in spans(100, 48, 16)]
    [(0, 64, 0, 48), (32, 100, 48, 100)]
    """
    core = max(GRID, core - core % GRID)
    edges = list(range(0, length, core)) + [length]
    if len(edges) > 2 and edges[-1] - edges[-2] < GRID:  # no sliver core: join it to the last
        del edges[-2]
    return tuple(
        Span(max(0, lo - margin), min(length, hi + margin), lo, hi)
        for lo, hi in zip(edges, edges[1:], strict=False)
    )


@dataclass(frozen=True)
class Tile:
    """A rectangle of the image: rows and columns as :class:`Span`."""

    rows: Span
    cols: Span

    def pixels(self) -> tuple[slice, slice]:
        """The slices of the image this tile reads."""
        return slice(self.rows.start, self.rows.stop), slice(self.cols.start, self.cols.stop)

    def core(self, stride: int, shape: tuple[int, int]) -> tuple[slice, slice]:
        """The slices of the tile's feature map (of ``shape``) that the tile owns."""
        return self.rows.core_features(stride, shape[0]), self.cols.core_features(stride, shape[1])


def tile_grid(height: int, width: int, side: int | None, margin: int) -> tuple[Tile, ...]:
    """Tiles with cores of ``side`` px covering a ``height`` x ``width`` image; one tile
    (the whole image) when ``side`` is ``None`` or covers it."""
    if side is None or side >= max(height, width):
        return (Tile(Span(0, height, 0, height), Span(0, width, 0, width)),)
    rows, cols = spans(height, side, margin), spans(width, side, margin)
    return tuple(Tile(row, col) for row in rows for col in cols)
