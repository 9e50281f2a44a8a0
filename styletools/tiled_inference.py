"""Exact tiled inference of the one-pass style networks, so a print-size image fits a budget.

Both networks (the trained :class:`~styletools.fast.network.TransformerNet` and the
conditional :class:`~styletools.arbitrary.networks.ConditionalTransformer`) are Johnson's
layout: a 9×9 conv and a stride-2 conv at full resolution, a stride-2 conv, residual blocks
and a first upsampling conv at half and quarter resolution, then a second upsampling conv
and a 9×9 output conv at full resolution. Untiled, their memory is the full-resolution
activations (``width`` channels a pixel, three at a time); a half-resolution map holds 4×
and a quarter-resolution one 16× fewer values per channel.

Instance norm needs each channel's mean and variance over the whole image, so no tile can
be normalised before every tile has run the layers below it. Rather than one statistics
pass per norm layer through all the layers below it (15 norms, ~8× the untiled work), the
network runs stage by stage:

1. **head**: a pass over tiles gathers the first conv's statistics (per-channel sums and
   sums of squares over the tile cores, which partition the map); a second runs conv,
   norm, ReLU and the stride-2 conv and writes each tile's core into a whole
   half-resolution map;
2. **middle**: every layer below full resolution runs on whole cached maps, one
   convolution at a time (tiled, each tile writing its core into the whole output map), and
   each norm then takes its statistics from the whole map and applies them in place;
3. **tail**: a pass gathers the last upsampling conv's statistics; a second runs it, its
   norm, ReLU and the output conv into the whole output, where the conditional network's
   output norm and sigmoid run.

Only the full-resolution convs of the head and tail run twice, so the cost does not grow
with the number of norms. Measured on this 2-core CPU (shared, so ±20 %) at 1024-2048 px:
1.0-1.3× the untiled time for TransformerNet with 512 px tiles, 2× for the narrow arbitrary
networks, whose small convs lose more to per-tile overhead; 128 px tiles cost 1.8×
(width 32) to 6-7× (width 8). Memory is a few whole maps of the middle (a quarter of the
untiled peak or less) and one tile's working set (:func:`inference_bytes`), so
:func:`tile_for_budget` picks the largest tile that fits.

Tiles read the padded image (the network's own padding) with :data:`MARGIN` pixels around
cores on the 16 px grid of :mod:`styletools.tiling`, so every window starts on a multiple
of 8 pixels and keeps the stride-2 and ×2 grids of the whole image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import torch
from torch import nn

from styletools.errors import ConfigError
from styletools.fast.network import ResidualBlock, TransformerNet, pad_for_network
from styletools.fastconv import conv_by_blocks
from styletools.memory import MemoryBudgetError, format_size
from styletools.tiling import GRID, Tile, tile_grid

if TYPE_CHECKING:  # annotations only: styletools.arbitrary's API imports this module
    from styletools.arbitrary.layers import ConditionalInstanceNorm
    from styletools.arbitrary.networks import ConditionalTransformer

#: Margin of a tile in full-resolution pixels. A tile's own reflection padding corrupts its
#: first pixels next to an inner edge: 5 px of the head (9×9, then 3×3 stride 2: 3 px of the
#: half-resolution map), 5 px of the tail (3×3 after ×2, then 9×9) and one position of each
#: middle conv (4 px at quarter resolution). 8 keeps every window on the quarter grid.
MARGIN = 8
#: Temporaries of a tile beyond the maps counted (padding copies, layout conversions),
#: fitted with :func:`inference_bytes`.
TILE_WORKSPACE = 1.25
#: What a call adds whatever the size: the kernels' scratch buffers and allocator slack.
CALL_BYTES = 16 * 2**20

Layer = Callable[[torch.Tensor], torch.Tensor]
#: Whole-image ``(var, mean)``, each ``(N, C, 1, 1)`` float32, to a norm's ``(scale, shift)``.
Coefficients = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class _Conv:
    """One convolution of the network and what follows it.

    ``steps`` are full-resolution pixels per position of its input and output map (1, 2, 4).
    """

    layer: Layer  # the convolution alone (padding, upsampling and bias included)
    norm: Coefficients | None  # None: a conv with a bias and no norm
    steps: tuple[int, int]
    relu: bool = True


@dataclass(frozen=True)
class _Pieces:
    """A network as the stages of the module docstring; a pair in ``middle`` is a residual
    block."""

    head: _Conv
    down: _Conv
    middle: tuple[_Conv | tuple[_Conv, _Conv], ...]
    up: _Conv
    out: _Conv
    finish: Layer  # in place on the whole normalised output: sigmoid, or nothing


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
    """The stages on the padded image ``(N, 3, H, W)`` (sides multiples of 4)."""
    tiles = tile_grid(*padded.shape[-2:], tile, MARGIN)
    x = _layerwise(_fused(pieces.head, pieces.down, tiles, padded), tiles, padded)
    # A middle position holds 4-16× fewer values than a full-resolution pixel: tiles twice
    # the side keep about the same working set with less margin.
    middle_tiles = tile_grid(*padded.shape[-2:], 2 * tile, MARGIN)
    for stage in pieces.middle:
        if isinstance(stage, tuple):
            first, second = stage
            x = x.add_(_layerwise(second, middle_tiles, _layerwise(first, middle_tiles, x)))
        else:
            x = _layerwise(stage, middle_tiles, x)
    return pieces.finish(_layerwise(_fused(pieces.up, pieces.out, tiles, x), tiles, x))


def _fused(first: _Conv, second: _Conv, tiles: tuple[Tile, ...], source: torch.Tensor) -> _Conv:
    """``second`` fed by ``first`` in the same tile, so ``first``'s full-resolution output is
    never whole; its norm takes the whole-image statistics of an extra pass over the tiles."""
    if first.norm is None:
        scale, shift = torch.ones(()), torch.zeros(())
    else:
        scale, shift = first.norm(*_statistics(tiles, source, first))

    def layer(x: torch.Tensor) -> torch.Tensor:
        y = first.layer(x)  # normalised in place: one full-resolution tile fewer
        return second.layer(y.mul_(scale.to(y)).add_(shift.to(y)).relu_())

    return _Conv(layer, second.norm, (first.steps[0], second.steps[1]), second.relu)


def _layerwise(stage: _Conv, tiles: tuple[Tile, ...], source: torch.Tensor) -> torch.Tensor:
    """``stage`` on a whole map: its conv tile by tile, then its norm and ReLU in place."""
    x = _assemble(tiles, source, stage)
    if stage.norm is not None:
        scale, shift = stage.norm(*torch.var_mean(x.float(), (2, 3), correction=0, keepdim=True))
        x.mul_(scale.to(x.dtype)).add_(shift.to(x.dtype))
    return x.relu_() if stage.relu else x


def _statistics(
    tiles: tuple[Tile, ...], source: torch.Tensor, stage: _Conv
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel variance and mean of ``stage``'s conv over the whole image.

    Each core's variance and mean (float32 on the device: MPS has no float64) are combined
    in float64 on the host by Chan et al.'s rule, mean of the variances plus variance of
    the means. Plain sums of squares would cancel on a flat image, whose variance is far
    below the norm's epsilon.
    """
    counts, moments = [], []
    for tile in tiles:
        core = _core(stage.layer(source[_window(tile, stage.steps[0])]), tile, stage.steps[1])
        var_mean = torch.var_mean(core.float(), (2, 3), correction=0)
        counts.append(core[0, 0].numel())
        moments.append(torch.stack(var_mean).to("cpu", torch.float64))
    weights = torch.tensor(counts, dtype=torch.float64)[:, None, None] / sum(counts)
    var, mean = torch.stack(moments, 1)  # each (tiles, N, C)
    total_mean = (weights * mean).sum(0)
    total_var = (weights * (var + (mean - total_mean).square())).sum(0)
    return tuple(
        t[..., None, None].to(source.device, torch.float32) for t in (total_var, total_mean)
    )


def _assemble(tiles: tuple[Tile, ...], source: torch.Tensor, stage: _Conv) -> torch.Tensor:
    """The whole map of ``stage``'s conv from its tiles' cores."""
    step_in, step_out = stage.steps
    out: torch.Tensor | None = None
    for tile in tiles:
        result = stage.layer(source[_window(tile, step_in)])
        if out is None:
            size = [side * step_in // step_out for side in source.shape[-2:]]
            # In the tiles' memory format: channels-last weights (the arbitrary networks')
            # make channels-last maps, on which the next convs run faster.
            layout = torch.channels_last if result.stride(1) == 1 else torch.contiguous_format
            out = torch.empty(
                *result.shape[:2],
                *size,
                dtype=result.dtype,
                device=result.device,
                memory_format=layout,
            )
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


def _instance_norm(norm: nn.Module) -> Coefficients:
    """``nn.InstanceNorm2d``'s affine map for given statistics."""

    def coefficients(var: torch.Tensor, mean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scale = norm.weight[:, None, None] * torch.rsqrt(var + norm.eps)
        return scale, norm.bias[:, None, None] - mean * scale

    return coefficients


def _transformer_net_pieces(net: TransformerNet) -> _Pieces:
    body = net.body  # conv, IN, ReLU, conv/2, IN, ReLU, conv/2, IN, ReLU, blocks, up, IN, ...

    def conv(index: int, steps: tuple[int, int]) -> _Conv:
        return _Conv(body[index], _instance_norm(body[index + 1]), steps)

    def block(module: ResidualBlock) -> tuple[_Conv, _Conv]:
        first, norm, _, second, last_norm = module.body
        return (
            _Conv(first, _instance_norm(norm), (4, 4)),
            _Conv(second, _instance_norm(last_norm), (4, 4), relu=False),
        )

    blocks = [block(module) for module in body if isinstance(module, ResidualBlock)]
    return _Pieces(
        head=conv(0, (1, 1)),
        down=conv(3, (1, 2)),
        middle=(conv(6, (2, 4)), *blocks, conv(-7, (4, 2))),
        up=conv(-4, (2, 1)),
        # 2×2 blocks, as TransformerNet.forward without autograd.
        out=_Conv(partial(conv_by_blocks, conv=body[-1]), None, (1, 1), relu=False),
        finish=lambda x: x,
    )


def _conditional_pieces(network: ConditionalTransformer, style: torch.Tensor) -> _Pieces:
    def conv(module: nn.Module, steps: tuple[int, int], *, relu: bool = True) -> _Conv:
        norm: ConditionalInstanceNorm | None = module.norm
        coefficients = None if norm is None else partial(norm.coefficients, style=style)
        return _Conv(module.convolve, coefficients, steps, relu)

    first, second, third = network.contract
    up_half, up_full, out = network.expand
    blocks = [
        (conv(block.first, (4, 4)), conv(block.second, (4, 4), relu=False))
        for block in network.residual
    ]
    return _Pieces(
        head=conv(first, (1, 1)),
        down=conv(second, (1, 2)),
        middle=(conv(third, (2, 4)), *blocks, conv(up_half, (4, 2))),
        up=conv(up_full, (2, 1)),
        out=conv(out, (1, 1), relu=False),
        finish=torch.Tensor.sigmoid_,
    )


def inference_bytes(
    network: TransformerNet | ConditionalTransformer, height: int, width: int, tile: int | None
) -> int:
    """Estimated peak memory that one image's inference adds, in bytes (the input excluded).

    Counted from the network's channel widths as the maps alive at each stage's peak, in
    values per padded pixel, then fitted to the peak RSS growth measured on the CPU
    (``/proc/self/status`` VmHWM, reset through ``/proc/self/clear_refs`` before the call,
    the counter behind ``resource.ru_maxrss``, after a warm-up run): within 0.87-1.16× for
    TransformerNet widths 8 and 32 and both arbitrary networks at 2048² px, untiled and
    tiles 128 and 512; ``tests/test_tiled_inference.py`` measures it again at 1024×768.

    * untiled: two full-resolution encoder maps and the image, or four decoder maps, a
      pixel (Johnson's width 32: 512 bytes a pixel, 2 GiB at 2048²);
    * tiled: the whole maps of the busiest middle stage (a half- and a quarter-resolution
      map: 96 bytes a pixel at width 32, 28 for the arbitrary network), plus the busiest
      tile's working set, which :data:`TILE_WORKSPACE` pads for the temporaries.

    Args:
        network: The network that will run.
        height: Image height in pixels.
        width: Image width in pixels.
        tile: As :func:`tiled_forward`; ``None`` for untiled inference.

    Returns:
        Bytes, for one image (a batch of N needs N times as much).
    """
    c1, c2, c3, d1, d2 = (conv.out_channels for conv in _stage_convs(network))
    sides = [max(16, -(-side // 4) * 4) for side in (height, width)]
    pixels = sides[0] * sides[1]
    copy = 3 if sides != [height, width] else 0  # the padded image
    element = next(network.parameters()).element_size()
    if tile is None:
        return CALL_BYTES + element * round((copy + max(2 * c1 + 3, 4 * d2)) * pixels)
    whole = copy + max(c2 / 4 + c3 / 16, 3 * c3 / 16, c3 / 16 + d1 / 4, d1 / 4 + 3)
    window = min((tile + 2 * MARGIN) ** 2, pixels)
    middle_window = min((2 * tile + 2 * MARGIN) ** 2, pixels)
    workspace = max(
        (2 * c1 + c2 / 4 + 3) * window,  # head: conv, its padding for the stride-2 conv, output
        (3 * d2 + 3) * window,  # tail: the upsampling conv's phases, rows and result
        (c3 / 16 + 3 * d1 / 4) * middle_window,  # the first upsampling conv, likewise
    )
    return CALL_BYTES + element * round(whole * pixels + TILE_WORKSPACE * workspace)


def tile_for_budget(
    network: TransformerNet | ConditionalTransformer, height: int, width: int, budget: int
) -> int | None:
    """The tile for a memory budget: ``None`` (untiled) if that fits, else the largest tile.

    Larger tiles waste less on margins and per-tile overhead, so the largest that fits
    is the fastest (:func:`inference_bytes`).

    Raises:
        MemoryBudgetError: Even the smallest tile (16 px) needs more than ``budget``.
    """
    if inference_bytes(network, height, width, None) <= budget:
        return None
    fitting = [
        tile
        for tile in range(GRID, max(height, width) + GRID, GRID)
        if inference_bytes(network, height, width, tile) <= budget
    ]
    if not fitting:
        need = inference_bytes(network, height, width, GRID)
        raise MemoryBudgetError(
            f"max_memory: the one-pass network needs about {format_size(need)} for "
            f"{width}×{height} px even in {GRID} px tiles; the budget is {format_size(budget)}"
        )
    return fitting[-1]


def _stage_convs(network: nn.Module) -> list[nn.Conv2d]:
    """The convs whose outputs set the memory: the encoder's three, the decoder's two."""
    convs = [module for module in network.modules() if isinstance(module, nn.Conv2d)]
    return [*convs[:3], *convs[-3:-1]]
