"""Exact tiled inference of the one-pass style networks, so a print-size image fits a budget.

Both networks (the trained :class:`~styletools.fast.network.TransformerNet` and the
conditional :class:`~styletools.arbitrary.networks.ConditionalTransformer`) are Johnson's
layout: a 9×9 conv and a stride-2 conv at full resolution, the rest of the encoder, residual
blocks and a first upsampling conv at half and quarter resolution, then a second upsampling
conv and a 9×9 output conv at full resolution. Their memory is the full-resolution
activations (``width`` channels a pixel); the half- and quarter-resolution maps hold 4× and
16× fewer values per channel.

So only the two full-resolution ends are tiled, and the middle runs whole, with the
network's own modules, on a cached half-resolution map:

1. **head**: if the first conv is normalised (TransformerNet, the 26-style network), one
   pass gathers its whole-image statistics tile by tile; a second pass runs conv, norm,
   ReLU and the stride-2 conv and writes each tile's core into the half-resolution map;
2. **middle**: the rest of the network up to the last upsampling, untiled (so its instance
   norms are the untiled ones);
3. **tail**: one pass gathers the statistics of the last upsampling conv; a second runs it,
   its norm, ReLU and the output conv and writes each core into the output. The
   conditional network's output norm (3 channels) and sigmoid then run on the whole output.

Instance norm needs each channel's mean and variance over the whole image, so a tiled
pass cannot normalise before the statistics are known; each pass that gathers them
accumulates per-channel sums and sums of squares over the tile cores, which partition the
map. The full-resolution convs of the head and tail thus run twice (the output conv once):
1.2–1.3× the untiled time (measured, see :data:`COST_FACTOR`). Running every norm layer's
statistics pass through all earlier layers instead would cost about 8× for 15 norms.

Tiles read the padded image (the network's own padding) with margins of :data:`MARGIN`
pixels around cores on the 16 px grid of :mod:`styletools.tiling`, so every tile starts on
an even pixel and keeps the stride-2 grid of the whole image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from styletools.arbitrary.layers import ConditionalInstanceNorm
from styletools.arbitrary.networks import ConditionalTransformer
from styletools.errors import ConfigError
from styletools.fast.network import TransformerNet, pad_for_network
from styletools.fastconv import conv_by_blocks
from styletools.tiling import Tile, tile_grid

#: Margin of a tile in full-resolution pixels. A tile's own reflection padding corrupts
#: its first pixels next to an inner edge: 5 px of the head (9×9, then 3×3 stride 2: 3 px of
#: the half-resolution map) and 5 px of the tail (3×3 after ×2, then 9×9). 8 keeps tiles on
#: even pixels, which the stride-2 conv and the ×2 upsampling need.
MARGIN = 8

Layer = Callable[[torch.Tensor], torch.Tensor]
#: Whole-image ``(var, mean)``, each ``(N, C, 1, 1)`` float32, to a norm's ``(scale, shift)``.
Coefficients = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class _Pieces:
    """A network cut where tiling changes: see the module docstring for the stages."""

    head: Layer  # full resolution, before its norm
    head_norm: Coefficients | None  # None: the head conv has a bias and no norm
    down: Layer  # the stride-2 conv, before its norm: the cached half-resolution map
    middle: Layer  # that map to the input of the last upsampling conv
    up: Layer  # the last upsampling conv, before its norm
    up_norm: Coefficients
    out: Layer  # the output conv
    finish: Layer  # what runs on the whole output (output norm, sigmoid)


def tiled_forward(net: TransformerNet, images: torch.Tensor, tile: int) -> torch.Tensor:
    """``net(images)`` without gradients, computed tile by tile (unclamped, as the network).

    Args:
        net: A trained network.
        images: ``(N, 3, H, W)`` float in [0, 1], any ``H, W >= 1``.
        tile: Core side of a tile in pixels, rounded down to the 16 px grid (16 at least);
            a tile reads :data:`MARGIN` more on each side.

    Returns:
        ``(N, 3, H, W)``, equal to ``net(images)`` up to float rounding (~1e-6).

    Raises:
        ConfigError: ``tile`` is not a positive integer.
    """
    _check_tile(tile)
    height, width = images.shape[-2:]
    padded, (top, left) = pad_for_network(images)
    with torch.no_grad():
        out = _run(_transformer_net_pieces(net), padded, tile)
    return out[..., top : top + height, left : left + width]


def tiled_conditional_forward(
    network: ConditionalTransformer, content: torch.Tensor, style: torch.Tensor, tile: int
) -> torch.Tensor:
    """``network(content, style)`` without gradients, computed tile by tile.

    Args:
        network: A :class:`~styletools.arbitrary.StyleTransformer` or
            :class:`~styletools.arbitrary.MultiStyle26`.
        content: ``(N, 3, H, W)`` float in [0, 1], any ``H, W >= 1``.
        style: ``(N, D)`` or ``(1, D)``: the embedding or the 26-style mix.
        tile: As :func:`tiled_forward`.

    Returns:
        ``(N, 3, H, W)`` in [0, 1], equal to ``network(content, style)`` up to rounding.

    Raises:
        ConfigError: ``tile`` is not a positive integer.
        ShapeError: ``content`` or ``style`` has the wrong shape.
    """
    _check_tile(tile)
    height, width = content.shape[-2:]
    padded, style, (top, left) = network.prepare(content, style)
    with torch.no_grad():
        out = _run(_conditional_pieces(network, style), padded, tile)
    return out[..., top : top + height, left : left + width]


def _check_tile(tile: int) -> None:
    if isinstance(tile, bool) or not isinstance(tile, int) or tile < 1:
        raise ConfigError(f"tile: must be a positive number of pixels, got {tile!r}")


def _run(pieces: _Pieces, padded: torch.Tensor, tile: int) -> torch.Tensor:
    """The three stages on the padded image ``(N, 3, H, W)`` (sides multiples of 4)."""
    tiles = tile_grid(*padded.shape[-2:], tile, MARGIN)
    head = _then_relu(pieces.head, pieces.head_norm, tiles, padded, 1)
    half = _assemble(tiles, padded, lambda x: pieces.down(head(x)), 1, 2)
    decoded = pieces.middle(half)
    del half  # the middle's input is no longer needed while the tail runs
    up = _then_relu(pieces.up, pieces.up_norm, tiles, decoded, 2)
    return pieces.finish(_assemble(tiles, decoded, lambda x: pieces.out(up(x)), 2, 1))


def _then_relu(
    layer: Layer,
    norm: Coefficients | None,
    tiles: tuple[Tile, ...],
    source: torch.Tensor,
    step: int,
) -> Layer:
    """``relu(norm(layer(x)))`` with the norm's whole-image statistics, gathered first."""
    if norm is None:
        return lambda x: F.relu(layer(x))
    scale, shift = norm(*_statistics(tiles, source, layer, step))

    def normalised(x: torch.Tensor) -> torch.Tensor:
        y = layer(x)
        return torch.addcmul(shift.to(y.dtype), y, scale.to(y.dtype)).relu_()

    return normalised


def _statistics(
    tiles: tuple[Tile, ...], source: torch.Tensor, layer: Layer, step: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel variance and mean of ``layer``'s full-resolution output.

    ``source`` has ``step`` full-resolution pixels per position. Each core's sums are taken
    in float32 on the device (MPS has no float64) and added up in float64 on the host.
    """
    sums, count = torch.zeros(2, 1, 1, dtype=torch.float64), 0
    for tile in tiles:
        core = _core(layer(source[_window(tile, step)]), tile, 1).float()
        tile_sums = torch.stack((core.sum((2, 3)), core.square().sum((2, 3))))
        sums, count = sums + tile_sums.to("cpu", torch.float64), count + core[0, 0].numel()
    mean, square = (sums / count).unbind()
    var = (square - mean.square()).clamp_min(0)
    return tuple(t[..., None, None].to(source.device, torch.float32) for t in (var, mean))


def _assemble(
    tiles: tuple[Tile, ...], source: torch.Tensor, layer: Layer, step_in: int, step_out: int
) -> torch.Tensor:
    """The whole map of ``layer`` (at ``step_out`` px per position) from its tiles' cores."""
    out: torch.Tensor | None = None
    for tile in tiles:
        result = layer(source[_window(tile, step_in)])
        if out is None:
            size = [side * step_in // step_out for side in source.shape[-2:]]
            out = result.new_empty(*result.shape[:2], *size)
        rows, cols = (
            slice(s.core_start // step_out, s.core_stop // step_out) for s in (tile.rows, tile.cols)
        )
        out[..., rows, cols] = _core(result, tile, step_out)
    return out


def _window(tile: Tile, step: int) -> tuple[object, slice, slice]:
    """Index of the tile's pixels in a map of ``step`` full-resolution px per position."""
    return (Ellipsis, *(slice(s.start // step, s.stop // step) for s in (tile.rows, tile.cols)))


def _core(result: torch.Tensor, tile: Tile, step: int) -> torch.Tensor:
    """The tile's own positions in its ``result`` map of ``step`` px per position."""
    rows, cols = (
        slice((s.core_start - s.start) // step, (s.core_stop - s.start) // step)
        for s in (tile.rows, tile.cols)
    )
    return result[..., rows, cols]


def _instance_norm(norm: nn.InstanceNorm2d) -> Coefficients:
    """``nn.InstanceNorm2d``'s affine map for given statistics."""

    def coefficients(var: torch.Tensor, mean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scale = norm.weight[:, None, None] * torch.rsqrt(var + norm.eps)
        return scale, norm.bias[:, None, None] - mean * scale

    return coefficients


def _transformer_net_pieces(net: TransformerNet) -> _Pieces:
    body = net.body  # conv, IN, ReLU, conv/2, ... , UpsampleConv, IN, ReLU, conv
    return _Pieces(
        head=body[0],
        head_norm=_instance_norm(body[1]),
        down=body[3],
        middle=body[4:-4],
        up=body[-4],
        up_norm=_instance_norm(body[-3]),
        out=partial(conv_by_blocks, conv=body[-1]),  # as TransformerNet.forward without grad
        finish=lambda x: x,
    )


def _conditional_pieces(network: ConditionalTransformer, style: torch.Tensor) -> _Pieces:
    first, second, third = network.contract
    up, out = network.expand[1:]

    def middle(x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x if second.norm is None else second.norm(x, style))
        x = F.relu(third(x, style))
        for block in network.residual:
            x = block(x, style)
        return F.relu(network.expand[0](x, style))

    def conditional(norm: ConditionalInstanceNorm | None) -> Coefficients | None:
        return None if norm is None else partial(norm.coefficients, style=style)

    return _Pieces(
        head=first.convolve,
        head_norm=conditional(first.norm),
        down=second.convolve,
        middle=middle,
        up=up.convolve,
        up_norm=conditional(up.norm),
        out=out.convolve,
        finish=lambda x: torch.sigmoid(out.norm(x, style)),
    )
