"""J, the cost the optimisation lowers and fast training learns to lower in one pass.

J = α·w_c·Ĵ_content + β·w_s·Σ_l λ_l·Ĵ_style^l (+ an optional total-variation term), each Ĵ a
squared error relative to the photo's own (:func:`styletools.losses.relative_squared_error`).

Shape:
    Images are float32 ``(N, 3, H, W)`` RGB in [0, 1]; masks ``(1, 1, H, W)`` in [0, 1]; costs
    are 0-dim tensors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from styletools.allocator import release_freed_memory
from styletools.config import TransferConfig, strength_weights
from styletools.errors import ConfigError
from styletools.losses import gram_matrix, relative_squared_error, squared_error_baseline
from styletools.losses import total_variation as tv_cost
from styletools.masks import check_masks, is_empty, is_full, keep_weight, layer_view, resize_mask
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


@dataclass
class Region:
    """Part of the image matched to one Gram target (Gatys et al. 2017's guided Gram matrices).

    ``masks`` holds the region's weight at each position of each style layer (``None``: all
    positions, weight 1) and ``mass`` the sum of the squared weights, the Gram matrix's
    divisor: G = Σ_p m_p²·a_p·a_pᵀ / Σ_p m_p², so an all-one mask is the plain Gram matrix
    and a region's Gram matrix does not shrink with its area.
    """

    targets: dict[str, torch.Tensor]
    weight: float
    masks: dict[str, torch.Tensor | None]
    mass: dict[str, float]
    baselines: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)


class Objective:
    """J for one scale: targets are computed once, then each call costs one forward pass.

    J = α·w_c·Ĵ_content + β·w_s·Σ_l λ_l·Ĵ_style^l, where each Ĵ is a squared error relative
    to the photo's own (:func:`styletools.losses.relative_squared_error`): the share of the
    photo's features lost, and the share of its Gram gap to the painting left. (w_c, w_s)
    come from the strength and the output size, and λ sums to 1. Several style images are
    blended by averaging their Gram matrices with the blend weights: one target instead of
    several. ``extra`` adds a caller's own term of the image (video's temporal cost) to J.

    With ``masks`` (one per painting), each painting is matched in its own region instead
    (:class:`Region`), at ``config.region_strengths``, and what no mask covers is the photo:
    J is taken of :meth:`compose`'s picture, the photo where no mask covers the image and
    the optimised image where masks do, blended by their coverage on soft edges. The kept
    pixels are thus exactly the photo (a pull towards it, tried first, left the strokes of
    a region ~5/255 over the protected side of its edge: VGG19's receptive fields reach
    ~150 px), and since J sees the composite, the content term over the whole image and the
    Gram matrices keep the seams natural.

    With ``tile`` (a core side in px), :meth:`cost_and_gradient` runs tile by tile
    (:mod:`styletools.tiling`) and gives the untiled value and gradient: pass 1 sums each
    layer's Gram matrix over the image without gradients, which fixes dJ/dG; pass 2
    back-propagates each tile's share through it. Memory then follows the tile, not the image.
    Pass 1 (and the targets, and :meth:`cost`) keeps no activations for a backward pass, so
    it takes larger tiles, ``gather_tile`` (``None``: the whole image), and fewer margins.
    """

    def __init__(  # noqa: PLR0913 - the targets' inputs, then keyword-only regions and tiles
        self,
        features: Features,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor],
        blend: Sequence[float],
        config: TransferConfig,
        extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
        *,
        masks: Sequence[torch.Tensor] | None = None,
        tile: int | None = None,
        gather_tile: int | None = None,
    ) -> None:
        self.features, self.config, self.extra = features, config, extra
        self.tile, self.gather_tile = tile, gather_tile
        self.margin = margin_for((*config.content_layers, *config.style_layers))
        self.on_tile: TileCallback | None = None
        raw = config.style_layer_weights or (1.0,) * len(config.style_layers)
        self.layer_weights = tuple(w / sum(raw) for w in raw)
        content_share, style_share = strength_weights(config.strength, config.size)
        self.content_weight = config.content_weight * content_share / len(config.content_layers)
        self.style_weight = config.style_weight * style_share
        self.keep: torch.Tensor | None = None
        if masks is None:
            self.regions = [self._blended_region(styles, blend)]
        else:
            check_masks(masks, len(styles))
            sized = [resize_mask(mask.to(content), content.shape[-2:]) for mask in masks]
            self.regions = self._masked_regions(styles, sized, content_share)
            self.keep = keep_weight(sized)
        self.set_photos(content)

    def _whole(self, targets: dict[str, torch.Tensor] | None = None) -> Region:
        """The region of every position, at the strength's style weight."""
        return Region(targets or {}, self.style_weight,
                      dict.fromkeys(self.config.style_layers), {})

    def _blended_region(self, styles: Sequence[torch.Tensor], blend: Sequence[float]) -> Region:
        """The whole image against the blend of the paintings' Gram matrices."""
        targets = {name: torch.zeros(()) for name in self.config.style_layers}
        for style, weight in zip(styles, blend, strict=True):
            (grams,) = self._gather(style, regions=(self._whole(),))
            for name, gram in grams.items():
                targets[name] = targets[name].to(gram) + weight * gram
        return self._whole(targets)

    def _masked_regions(
        self, styles: Sequence[torch.Tensor], masks: Sequence[torch.Tensor], content_share: float
    ) -> list[Region]:
        """One region per painting that its mask selects at all; an all-one mask is no mask.

        A region's strength sets its own ratio of style to content weight, on the content
        weight the overall strength gives: at the overall strength it is the unmasked weight.
        """
        regions = []
        for index, (style, mask) in enumerate(zip(styles, masks, strict=True)):
            strength = self.config.region_strength(index, len(styles))
            region_content, region_style = strength_weights(strength, self.config.size)
            if is_empty(mask) or region_style == 0.0:
                continue
            weight = self.config.style_weight * content_share * region_style / region_content
            views: dict[str, torch.Tensor | None] = {
                name: None if is_full(mask) else layer_view(mask, layer_stride(name))
                for name in self.config.style_layers
            }
            mass = {name: float(view.pow(2).sum()) for name, view in views.items()
                    if view is not None}
            if any(value == 0.0 for value in mass.values()):
                raise ConfigError(
                    f"mask {index + 1}: its region is too small for the deepest style layer at "
                    f"{mask.shape[-1]}x{mask.shape[-2]} px; paint a larger one"
                )
            (targets,) = self._gather(style, regions=(self._whole(),))
            regions.append(Region(targets, weight, views, mass))
        return regions

    def set_photos(self, photos: torch.Tensor) -> None:
        """Content targets and both baselines from ``photos`` (a training batch swaps them)."""
        self.content_targets: dict[str, torch.Tensor] = {}

        def keep(tile: Tile, acts: dict[str, torch.Tensor]) -> None:
            for name in self.config.content_layers:
                core = self._core(acts[name], name, tile)
                full = self._map_shape_of(photos.shape, name)
                if core.shape == full:  # one tile: the features themselves
                    self.content_targets[name] = core
                    continue
                if name not in self.content_targets:
                    self.content_targets[name] = photos.new_empty(full).contiguous(
                        memory_format=torch.channels_last
                    )
                self._core_of(self.content_targets[name], name, tile, core.shape[-2:]).copy_(core)

        region_grams = self._gather(photos, keep)
        self.photos = photos
        self.content_baselines = {
            name: squared_error_baseline(torch.zeros_like(target), target)
            for name, target in self.content_targets.items()
        }
        for region, grams in zip(self.regions, region_grams, strict=True):
            region.baselines = {
                name: squared_error_baseline(grams[name], region.targets[name])
                for name in self.config.style_layers
            }

    def __call__(self, image: torch.Tensor) -> Costs:
        """J of ``image`` in one differentiable pass (untiled)."""
        acts = self.features(image)
        content = self._content_cost(acts, self.content_targets)
        grams = [
            {name: self._guided_gram(acts[name], region, name, image.shape)
             for name in self.config.style_layers}
            for region in self.regions
        ]
        return self._costs(image, content, *self._style_cost(grams))

    def compose(self, image: torch.Tensor) -> torch.Tensor:
        """The picture J is taken of: ``image`` where masks cover it, the photo where none
        does, blended on soft edges (``image`` itself without masks)."""
        if self.keep is None:
            return image
        return torch.lerp(image, self.photos, self.keep)

    def cost(self, image: torch.Tensor) -> Costs:
        """J of :meth:`compose`'s picture of ``image``, without gradients, tile by tile when
        the objective tiles."""
        image = self.compose(image)
        parts: list[torch.Tensor] = []

        def compare(tile: Tile, acts: dict[str, torch.Tensor]) -> None:
            parts.append(self._content_cost(*self._cores(acts, tile)))

        with torch.no_grad():
            grams = self._gather(image, compare)
            content = sum(parts[1:], start=parts[0])
            return self._costs(image, content, *self._style_cost(grams))

    def cost_and_gradient(self, image: torch.Tensor) -> tuple[Costs, torch.Tensor]:
        """J of :meth:`compose`'s picture of ``image`` (detached) and dJ/d``image``, tile by
        tile when the objective tiles."""
        costs, grad = self._cost_and_gradient(self.compose(image))
        if self.keep is not None:  # the chain rule through compose: kept pixels get none
            grad.mul_(1.0 - self.keep)
        return costs, grad

    def _cost_and_gradient(self, image: torch.Tensor) -> tuple[Costs, torch.Tensor]:
        tiles = self._tiles(image, self.tile)
        if len(tiles) == 1:
            leaf = image.detach().requires_grad_(True)
            costs = self(leaf)
            (grad,) = torch.autograd.grad(costs.total, leaf)
            return dataclasses.replace(costs, total=costs.total.detach()), grad
        region_grams = self._gather(image)
        leaves = [gram.requires_grad_(True) for grams in region_grams for gram in grams.values()]
        weighted, style = self._style_cost(region_grams)
        flat = iter(torch.autograd.grad(weighted, leaves) if weighted.requires_grad else ())
        gram_grads = [{name: next(flat) for name in grams} for grams in region_grams]
        grad, content = torch.zeros_like(image), image.new_zeros(())
        for index, tile in enumerate(tiles):
            self._report(2, index, len(tiles))
            leaf = image[(..., *tile.pixels())].detach().requires_grad_(True)
            content_part, surrogate = self._tile_share(leaf, tile, gram_grads, image.shape)
            (tile_grad,) = torch.autograd.grad(surrogate, leaf)
            grad[(..., *tile.pixels())] += tile_grad
            content = content + content_part.detach()
            del tile_grad, surrogate, leaf
            release_freed_memory()  # tiles of many shapes fragment the heap (see the module)
        leaf = image.detach().requires_grad_(True)
        pixel_terms = self._costs(leaf, content, weighted.detach(), style)
        if pixel_terms.total.requires_grad:  # total variation or the caller's term
            grad += torch.autograd.grad(pixel_terms.total, leaf)[0]
        return dataclasses.replace(pixel_terms, total=pixel_terms.total.detach()), grad

    def _tile_share(
        self, leaf: torch.Tensor, tile: Tile, gram_grads: list[dict[str, torch.Tensor]],
        shape: torch.Size,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A tile's content cost and a surrogate whose gradient is its share of dJ/dimage.

        The surrogate is Σ_regions Σ_l <dJ/dG_l, the tile core's part of G_l>, so its gradient
        is the tile's exact part of the style gradient; the content cost is local, a sum over
        the cores.
        """
        acts = self.features(leaf)
        content = self._content_cost(*self._cores(acts, tile))
        surrogate = self.content_weight * content
        for region, grads in zip(self.regions, gram_grads, strict=True):
            for name, gram_grad in grads.items():
                core = self._core(acts[name], name, tile)
                part = self._guided_gram(core, region, name, shape, tile)
                surrogate = surrogate + (gram_grad * part).sum()
        return content, surrogate

    def _guided_gram(
        self, core: torch.Tensor, region: Region, name: str, shape: torch.Size,
        tile: Tile | None = None,
    ) -> torch.Tensor:
        """What ``core`` (a tile's core of layer ``name``, or the whole map when ``tile`` is
        None) adds to ``region``'s Gram matrix of the image of ``shape``."""
        positions, mask = core.shape[-2] * core.shape[-1], region.masks[name]
        if mask is None:
            if tile is None:
                return gram_matrix(core)
            full = self._map_shape_of(shape, name)
            return gram_matrix(core) * (positions / (full[-2] * full[-1]))
        if tile is not None:
            mask = self._core_of(mask, name, tile, core.shape[-2:])
        return gram_matrix(core * mask) * (positions / region.mass[name])

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

    def _style_cost(
        self, region_grams: list[dict[str, torch.Tensor]]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Σ_regions weight·Σ_l λ_l·Ĵ_style^l, and the same without the regions' weights (the
        figure a progress bar shows)."""
        weighted = unweighted = self.photos.new_zeros(())
        for region, grams in zip(self.regions, region_grams, strict=True):
            terms = sum(
                (
                    weight
                    * relative_squared_error(
                        grams[name], region.targets[name], region.baselines[name]
                    )
                    for name, weight in zip(
                        self.config.style_layers, self.layer_weights, strict=True
                    )
                ),
                start=self.photos.new_zeros(()),
            )
            weighted, unweighted = weighted + region.weight * terms, unweighted + terms
        return weighted, unweighted

    def _costs(
        self, image: torch.Tensor, content: torch.Tensor, style: torch.Tensor,
        reported_style: torch.Tensor,
    ) -> Costs:
        """J from its VGG19 terms (``style`` already weighted) and the pixels' own terms."""
        tv = tv_cost(image) if self.config.tv_weight else image.new_zeros(())
        total = self.content_weight * content + style
        total = total + self.config.tv_weight * tv
        if self.extra is not None:
            total = total + self.extra(image)
        return Costs(content.detach(), reported_style.detach(), tv.detach(), total)

    def _tiles(self, image: torch.Tensor, side: int | None) -> tuple[Tile, ...]:
        return tile_grid(image.shape[-2], image.shape[-1], side, self.margin)

    def _report(self, stage: int, index: int, count: int) -> None:
        if self.on_tile is not None:
            self.on_tile(stage, index + 1, count)

    def _gather(
        self, image: torch.Tensor,
        visit: Callable[[Tile, dict[str, torch.Tensor]], None] | None = None,
        regions: Sequence[Region] | None = None,
    ) -> list[dict[str, torch.Tensor]]:
        """Each region's Gram matrices of the whole image (``regions``: this objective's),
        without gradients, tile by tile when the objective tiles; ``visit`` sees each tile's
        features (for the content layers)."""
        regions = self.regions if regions is None else regions
        tiles, sums = self._tiles(image, self.gather_tile), [{} for _ in regions]
        with torch.no_grad():
            for index, tile in enumerate(tiles):
                if len(tiles) > 1:
                    self._report(1, index, len(tiles))
                acts = self.features(image[(..., *tile.pixels())])
                for region, totals in zip(regions, sums, strict=True):
                    for name in self.config.style_layers:
                        core = self._core(acts[name], name, tile)
                        part = self._guided_gram(core, region, name, image.shape, tile)
                        totals[name] = totals[name] + part if name in totals else part
                if visit is not None:
                    visit(tile, acts)
                if len(tiles) > 1:
                    del acts
                    release_freed_memory()
        return sums

    @staticmethod
    def _map_shape_of(shape: torch.Size, name: str) -> torch.Size:
        """The shape of the whole image's feature map of one layer (poolings floor)."""
        stride = layer_stride(name)
        return torch.Size((shape[0], LAYER_CHANNELS[name], shape[-2] // stride,
                           shape[-1] // stride))

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
