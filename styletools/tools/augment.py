"""Augmentation tools: the course's list, drawing per sample from a seeded generator.

See :mod:`styletools.tools.functional.augment` for the kernels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from styletools.tools.functional import augment as F
from styletools.tools.params import param
from styletools.tools.registry import SampleParams, Tool


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    """One float in ``[low, high]`` from ``generator`` (exact ``low`` when the range is empty)."""
    return low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()


class Flip(Tool):
    """Mirror each image with probability ``p`` (horizontal or vertical)."""

    name = "flip"
    summary = "Mirror images left-right or top-bottom, each with probability p."
    family = "augment"
    random = True

    @dataclass(frozen=True)
    class Params:
        axis: str = param("horizontal", help="mirror axis", choices=("horizontal", "vertical"))
        p: float = param(0.5, help="probability of flipping each image", min=0.0, max=1.0)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        return {"flip": _uniform(generator, 0.0, 1.0) < self.params.p}

    def transform(self, images: torch.Tensor, params: Sequence[SampleParams]) -> torch.Tensor:
        mask = torch.tensor([bool(sample["flip"]) for sample in params])
        return F.flip(images, mask, axis=self.params.axis)


TOOLS: tuple[type[Tool], ...] = (Flip,)
