"""J, the cost the optimisation lowers and fast training learns to lower in one pass.

J = α·w_c·Ĵ_content + β·w_s·Σ_l λ_l·Ĵ_style^l (+ an optional total-variation term), each Ĵ a
squared error relative to the photo's own (:func:`styletools.losses.relative_squared_error`).

Shape:
    Images are float32 ``(N, 3, H, W)`` RGB in [0, 1]; costs are 0-dim tensors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from styletools.config import TransferConfig, strength_weights
from styletools.losses import (
    channel_products,
    gram_matrix,
    relative_squared_error,
    squared_error_baseline,
)
from styletools.losses import total_variation as tv_cost
from styletools.tiling import Tile, layer_stride, margin_for, tile_grid
from styletools.vgg import Features
from styletools.vgg_layers import LAYER_CHANNELS

#: Called before each tile of a tiled pass with (pass, tile, tiles): pass 1 gathers the
#: Gram matrices, pass 2 back-propagates.
TileCallback = Callable[[int, int, int], None]


@dataclass(frozen=True)
class Costs:
    """The terms of J for one evaluation (0-dim tensors, differentiable)."""

    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor
    total: torch.Tensor


class Objective:
    """J for one scale: targets are computed once, then each call costs one forward pass.

    J = α·w_c·Ĵ_content + β·w_s·Σ_l λ_l·Ĵ_style^l, where each Ĵ is a squared error relative
    to the photo's own (:func:`styletools.losses.relative_squared_error`): the share of the
    photo's features lost, and the share of its Gram gap to the painting left. (w_c, w_s)
    come from the strength and the output size, and λ sums to 1. Several style images are
    blended by averaging their Gram matrices with the blend weights: one target instead of
    several. ``extra`` adds a caller's own term of the image (video's temporal cost) to J.

    With ``tile`` (a core side in px), :meth:`cost_and_gradient` runs tile by tile
    (:mod:`styletools.tiling`) and gives the untiled value and gradient: pass 1 sums each
    layer's Gram matrix over the image without gradients, which fixes dJ/dG; pass 2
    back-propagates each tile's share through it. Memory then follows the tile, not the image.
    Pass 1 (and the targets, and :meth:`cost`) keeps no activations for a backward pass, so
    it takes larger tiles, ``gather_tile`` (``None``: the whole image), and fewer margins.
    """

    def __init__(
        self,
        features: Features,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor],
        blend: Sequence[float],
        config: TransferConfig,
        extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
        *,
        tile: int | None = None,
        gather_tile: int | None = None,
    ) -> None:
        self.features, self.config, self.extra = features, config, extra
        self.tile, self.gather_tile = tile, gather_tile
        self.margin = margin_for((*config.content_layers, *config.style_layers))
        self.on_tile: TileCallback | None = None
        self.gram_targets = {name: torch.zeros(()) for name in config.style_layers}
        for style, weight in zip(styles, blend, strict=True):
            grams = self._gather(style)
            for name, gram in grams.items():
                self.gram_targets[name] = self.gram_targets[name].to(gram) + weight * gram
        self.set_photos(content)
        raw = config.style_layer_weights or (1.0,) * len(config.style_layers)
        self.layer_weights = tuple(w / sum(raw) for w in raw)
        content_share, style_share = strength_weights(config.strength, config.size)
        self.content_weight = config.content_weight * content_share / len(config.content_layers)
        self.style_weight = config.style_weight * style_share

    def set_photos(self, photos: torch.Tensor) -> None:
        """Content targets and both baselines from ``photos`` (a training batch swaps them)."""
        self.content_targets: dict[str, torch.Tensor] = {}

        def keep(tile: Tile, acts: dict[str, torch.Tensor]) -> None:
            for name in self.config.content_layers:
                core, full = self._core(acts[name], name, tile), self._map_shape(photos, name)
                if core.shape == full:  # one tile: the features themselves
                    self.content_targets[name] = core
                    continue
                if name not in self.content_targets:
                    self.content_targets[name] = photos.new_empty(full).contiguous(
                        memory_format=torch.channels_last
                    )
                self._core_of(self.content_targets[name], name, tile, core.shape[-2:]).copy_(core)

        grams = self._gather(photos, keep)
        self.content_baselines = {
            name: squared_error_baseline(torch.zeros_like(target), target)
            for name, target in self.content_targets.items()
        }
        self.style_baselines = {
            name: squared_error_baseline(grams[name], self.gram_targets[name])
            for name in self.config.style_layers
        }

    def __call__(self, image: torch.Tensor) -> Costs:
        """J of ``image`` in one differentiable pass (untiled)."""
        acts = self.features(image)
        content = self._content_cost(acts, self.content_targets)
        grams = {name: gram_matrix(acts[name]) for name in self.config.style_layers}
        style = self._style_cost(grams)
        return self._costs(image, content, style)

    def cost(self, image: torch.Tensor) -> Costs:
        """J of ``image`` without gradients, tile by tile when the objective tiles."""
        parts: list[torch.Tensor] = []

        def compare(tile: Tile, acts: dict[str, torch.Tensor]) -> None:
            parts.append(self._content_cost(*self._cores(acts, tile)))

        with torch.no_grad():
            grams = self._gather(image, compare)
            return self._costs(image, sum(parts[1:], start=parts[0]), self._style_cost(grams))

    def cost_and_gradient(self, image: torch.Tensor) -> tuple[Costs, torch.Tensor]:
        """J of ``image`` (detached) and dJ/d``image``, tile by tile when the objective tiles."""
        tiles = self._tiles(image, self.tile)
        if len(tiles) == 1:
            leaf = image.detach().requires_grad_(True)
            costs = self(leaf)
            (grad,) = torch.autograd.grad(costs.total, leaf)
            return dataclasses.replace(costs, total=costs.total.detach()), grad
        grams = self._gather(image)
        grams = {name: gram.requires_grad_(True) for name, gram in grams.items()}
        style = self._style_cost(grams)
        weighted = torch.autograd.grad(self.style_weight * style, list(grams.values()))
        gram_grads = dict(zip(grams, weighted, strict=True))
        grad, content = torch.zeros_like(image), image.new_zeros(())
        for index, tile in enumerate(tiles):
            self._report(2, index, len(tiles))
            leaf = image[(..., *tile.pixels())].detach().requires_grad_(True)
            content_part, surrogate = self._tile_share(leaf, tile, gram_grads, image.shape)
            (tile_grad,) = torch.autograd.grad(surrogate, leaf)
            grad[(..., *tile.pixels())] += tile_grad
            content = content + content_part.detach()
        leaf = image.detach().requires_grad_(True)
        pixel_terms = self._costs(leaf, content, style.detach())
        if pixel_terms.total.requires_grad:  # total variation or the caller's term
            grad += torch.autograd.grad(pixel_terms.total, leaf)[0]
        return dataclasses.replace(pixel_terms, total=pixel_terms.total.detach()), grad

    def _tile_share(
        self, leaf: torch.Tensor, tile: Tile, gram_grads: dict[str, torch.Tensor],
        shape: torch.Size,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A tile's content cost and a surrogate whose gradient is its share of dJ/dimage.

        The surrogate is Σ_l <dJ/dG_l, G_l of the tile's core>, weighted by the core's share
        of the layer's positions, so its gradient is the tile's exact part of the style
        gradient; the content cost is local, a sum over the cores.
        """
        acts = self.features(leaf)
        content = self._content_cost(*self._cores(acts, tile))
        surrogate = self.content_weight * content
        for name, gram_grad in gram_grads.items():
            core = self._core(acts[name], name, tile)
            share = core.shape[-2] * core.shape[-1] / self._positions(shape, name)
            surrogate = surrogate + share * (gram_grad * gram_matrix(core)).sum()
        return content, surrogate

    def _cores(
        self, acts: dict[str, torch.Tensor], tile: Tile
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """The tile's own content features and the matching parts of the targets."""
        cores = {name: self._core(acts[name], name, tile) for name in self.config.content_layers}
        targets = {
            name: self._core_of(self.content_targets[name], name, tile, core.shape[-2:])
            for name, core in cores.items()
        }
        return cores, targets

    def _content_cost(
        self, acts: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]
    ) -> torch.Tensor:
        some = next(iter(acts.values()))
        return sum(
            (
                relative_squared_error(acts[name], target, self.content_baselines[name])
                for name, target in targets.items()
            ),
            start=some.new_zeros(()),
        )

    def _style_cost(self, grams: dict[str, torch.Tensor]) -> torch.Tensor:
        some = next(iter(grams.values()))
        return sum(
            (
                weight
                * relative_squared_error(
                    grams[name], self.gram_targets[name], self.style_baselines[name]
                )
                for name, weight in zip(self.config.style_layers, self.layer_weights, strict=True)
            ),
            start=some.new_zeros(()),
        )

    def _costs(self, image: torch.Tensor, content: torch.Tensor, style: torch.Tensor) -> Costs:
        """J from its VGG19 terms and the terms of the pixels themselves."""
        tv = tv_cost(image) if self.config.tv_weight else image.new_zeros(())
        total = self.content_weight * content + self.style_weight * style
        total = total + self.config.tv_weight * tv
        if self.extra is not None:
            total = total + self.extra(image)
        return Costs(content.detach(), style.detach(), tv.detach(), total)

    def _tiles(self, image: torch.Tensor, side: int | None) -> tuple[Tile, ...]:
        return tile_grid(image.shape[-2], image.shape[-1], side, self.margin)

    def _report(self, stage: int, index: int, count: int) -> None:
        if self.on_tile is not None:
            self.on_tile(stage, index + 1, count)

    def _gather(
        self, image: torch.Tensor,
        visit: Callable[[Tile, dict[str, torch.Tensor]], None] | None = None,
    ) -> dict[str, torch.Tensor]:
        """The whole image's Gram matrices, without gradients, tile by tile when the objective
        tiles; ``visit`` sees each tile's features (for the content layers)."""
        tiles, sums = self._tiles(image, self.gather_tile), {}
        with torch.no_grad():
            for index, tile in enumerate(tiles):
                if len(tiles) > 1:
                    self._report(1, index, len(tiles))
                acts = self.features(image[(..., *tile.pixels())])
                for name in self.config.style_layers:
                    products = channel_products(self._core(acts[name], name, tile))
                    sums[name] = sums[name] + products if name in sums else products
                if visit is not None:
                    visit(tile, acts)
        return {name: total / self._positions(image.shape, name) for name, total in sums.items()}

    @staticmethod
    def _map_shape(image: torch.Tensor, name: str) -> torch.Size:
        """The shape of the whole image's feature map of one layer (poolings floor)."""
        stride = layer_stride(name)
        return torch.Size(
            (image.shape[0], LAYER_CHANNELS[name], image.shape[-2] // stride,
             image.shape[-1] // stride)
        )

    @staticmethod
    def _positions(shape: torch.Size, name: str) -> int:
        stride = layer_stride(name)
        return (shape[-2] // stride) * (shape[-1] // stride)

    @staticmethod
    def _core(acts: torch.Tensor, name: str, tile: Tile) -> torch.Tensor:
        """The tile's own features of one layer."""
        return acts[(..., *tile.core(layer_stride(name), acts.shape[-2:]))]

    @staticmethod
    def _core_of(
        full: torch.Tensor, name: str, tile: Tile, shape: tuple[int, int]
    ) -> torch.Tensor:
        """Where a tile's core of ``shape`` lies in the whole image's feature map."""
        stride = layer_stride(name)
        top, left = tile.rows.core_start // stride, tile.cols.core_start // stride
        return full[..., top : top + shape[0], left : left + shape[1]]
