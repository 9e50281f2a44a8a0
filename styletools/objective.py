"""J, the cost the optimisation lowers and fast training learns to lower in one pass.

J = α·w_c·Ĵ_content + β·w_s·Σ_l λ_l·Ĵ_style^l (+ an optional total-variation term), each Ĵ a
squared error relative to the photo's own (:func:`styletools.losses.relative_squared_error`).

Shape:
    Images are float32 ``(N, 3, H, W)`` RGB in [0, 1]; costs are 0-dim tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from styletools.config import TransferConfig, strength_weights
from styletools.losses import gram_matrix, relative_squared_error, squared_error_baseline
from styletools.losses import total_variation as tv_cost
from styletools.vgg import Features


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
    """

    def __init__(
        self,
        features: Features,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor],
        blend: Sequence[float],
        config: TransferConfig,
        extra: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        self.features, self.config, self.extra = features, config, extra
        with torch.no_grad():
            self.gram_targets = {name: torch.zeros(()) for name in config.style_layers}
            for style, weight in zip(styles, blend, strict=True):
                style_acts = features(style)
                for name in config.style_layers:
                    gram = gram_matrix(style_acts[name])
                    self.gram_targets[name] = self.gram_targets[name].to(gram) + weight * gram
        self.set_photos(content)
        raw = config.style_layer_weights or (1.0,) * len(config.style_layers)
        self.layer_weights = tuple(w / sum(raw) for w in raw)
        content_share, style_share = strength_weights(config.strength, config.size)
        self.content_weight = config.content_weight * content_share / len(config.content_layers)
        self.style_weight = config.style_weight * style_share

    def set_photos(self, photos: torch.Tensor) -> None:
        """Content targets and both baselines from ``photos`` (a training batch swaps them)."""
        with torch.no_grad():
            acts = self.features(photos)
            self.content_targets = {name: acts[name] for name in self.config.content_layers}
            self.content_baselines = {
                name: squared_error_baseline(torch.zeros_like(target), target)
                for name, target in self.content_targets.items()
            }
            self.style_baselines = {
                name: squared_error_baseline(gram_matrix(acts[name]), self.gram_targets[name])
                for name in self.config.style_layers
            }

    def __call__(self, image: torch.Tensor) -> Costs:
        acts = self.features(image)
        content = sum(
            (
                relative_squared_error(acts[name], target, self.content_baselines[name])
                for name, target in self.content_targets.items()
            ),
            start=image.new_zeros(()),
        )
        style = sum(
            (
                weight
                * relative_squared_error(
                    gram_matrix(acts[name]), self.gram_targets[name], self.style_baselines[name]
                )
                for name, weight in zip(self.config.style_layers, self.layer_weights, strict=True)
            ),
            start=image.new_zeros(()),
        )
        tv = tv_cost(image) if self.config.tv_weight else image.new_zeros(())
        total = self.content_weight * content + self.style_weight * style
        total = total + self.config.tv_weight * tv
        if self.extra is not None:
            total = total + self.extra(image)
        return Costs(content.detach(), style.detach(), tv.detach(), total)
