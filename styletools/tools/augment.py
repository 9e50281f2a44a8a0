"""Augmentation tools: the course's list, drawing per sample from a seeded generator.

See :mod:`styletools.tools.functional.augment` for the kernels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.transforms.v2 import functional as tvf

from styletools.params import FloatRange, param
from styletools.tools.functional import augment as F
from styletools.tools.pca_stats import PcaStats, load_pca_stats
from styletools.tools.registry import SampleParams, Tool


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    """One float in ``[low, high]`` from ``generator`` (exact ``low`` when the range is empty)."""
    return low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()


def _normal(generator: torch.Generator, sigma: float, count: int) -> list[float]:
    """``count`` floats from ``N(0, sigma)``, as plain python numbers."""
    return (torch.randn(count, generator=generator, dtype=torch.float64) * sigma).tolist()


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


class Crop(Tool):
    """Random crop of a given area fraction and aspect ratio, resized to a fixed size.

    The area is drawn from ``scale`` (a fraction of the image) and the aspect ratio
    log-uniformly from ``ratio``, as ``v2.RandomResizedCrop`` does; after ten failed tries
    the crop falls back to the central one. ``scale`` may not go below 0.1: the course warns
    that a crop must keep enough of the image to still show the label.
    """

    name = "crop"
    summary = "Random crop (area fraction and aspect-ratio ranges), resized to a fixed size."
    family = "augment"
    random = True

    @dataclass(frozen=True)
    class Params:
        scale: FloatRange = param((0.5, 1.0), help="crop area as a fraction of the image",
                                  min=0.1, max=1.0)
        ratio: FloatRange = param((0.75, 4 / 3), help="crop aspect ratio width/height",
                                  min=0.1, max=10.0)
        size: int | None = param(None, help="output side in px (square); none = input size",
                                 min=1, max=8192)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        log_low, log_high = (math.log(bound) for bound in self.params.ratio)
        for _ in range(10):
            area = height * width * _uniform(generator, *self.params.scale)
            aspect = math.exp(_uniform(generator, log_low, log_high))
            crop_w, crop_h = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if 0 < crop_w <= width and 0 < crop_h <= height:
                top = int(torch.randint(0, height - crop_h + 1, (), generator=generator))
                left = int(torch.randint(0, width - crop_w + 1, (), generator=generator))
                return {"top": top, "left": left, "height": crop_h, "width": crop_w}
        return self._central(height, width)

    def _central(self, height: int, width: int) -> SampleParams:
        aspect = min(max(width / height, self.params.ratio[0]), self.params.ratio[1])
        crop_w, crop_h = min(width, round(height * aspect)), min(height, round(width / aspect))
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        return {"top": top, "left": left, "height": crop_h, "width": crop_w}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        size = self.params.size
        out = list(image.shape[-2:]) if size is None else [size, size]
        return tvf.resized_crop(image, **params, size=out, antialias=True)


@dataclass(frozen=True)
class WarpParams:
    """Resampling options shared by the geometric warps."""

    interpolation: str = param("bilinear", help="resampling", choices=tuple(F.INTERPOLATIONS))
    fill: float = param(0.0, help="grey level of uncovered corners", min=0.0, max=1.0)


class Warp(Tool):
    """Base of the warps: resampling options and the call into torchvision."""

    family = "augment"
    random = True
    Params = WarpParams

    def _options(self) -> dict[str, object]:
        return {
            "interpolation": F.INTERPOLATIONS[self.params.interpolation],
            # fill=None is torchvision's zero fill without its slower masked blend (~10 % of
            # a flip+crop+rotate+colour pipeline); an explicit colour needs the blend.
            "fill": [self.params.fill] * 3 if self.params.fill else None,
        }


class Rotate(Warp):
    """Rotate by an angle drawn uniformly from ``degrees`` (counter-clockwise, same size)."""

    name = "rotate"
    summary = "Rotate by a random angle about the centre, keeping the image size."

    @dataclass(frozen=True)
    class Params(WarpParams):
        degrees: FloatRange = param((-15.0, 15.0), help="angle range, counter-clockwise",
                                    min=-360.0, max=360.0)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        return {"angle": _uniform(generator, *self.params.degrees)}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        return tvf.rotate(image, params["angle"], **self._options())


class Shear(Warp):
    """Shear by angles drawn uniformly from ``x`` and ``y`` (degrees)."""

    name = "shear"
    summary = "Shear along x and y by random angles (an affine warp, same size)."

    @dataclass(frozen=True)
    class Params(WarpParams):
        x: FloatRange = param((-10.0, 10.0), help="shear angle range along x, degrees",
                              min=-60.0, max=60.0)
        y: FloatRange = param((0.0, 0.0), help="shear angle range along y, degrees",
                              min=-60.0, max=60.0)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        return {"shear": [_uniform(generator, *self.params.x), _uniform(generator, *self.params.y)]}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        return tvf.affine(
            image, angle=0.0, translate=[0, 0], scale=1.0, shear=list(params["shear"]),
            **self._options(),
        )


class Elastic(Warp):
    """Local warping: a smooth random displacement field (``v2.ElasticTransform``).

    The drawn parameter is a seed for the displacement field, not the field itself, so the
    record stays a few bytes (below 2**53, exact in any JSON reader); the field is rebuilt
    from it on the CPU, the same everywhere.
    """

    name = "elastic"
    summary = "Local elastic warp: smooth random displacements of alpha px, smoothness sigma."

    @dataclass(frozen=True)
    class Params(WarpParams):
        alpha: float = param(50.0, help="displacement strength in px", min=0.0, max=1000.0)
        sigma: float = param(5.0, help="smoothness of the field (Gaussian sigma, px)",
                             min=0.1, max=100.0)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        return {"field_seed": int(torch.randint(0, 2**53, (), generator=generator))}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        height, width = image.shape[-2:]
        field = F.elastic_displacement(
            height, width, alpha=self.params.alpha, sigma=self.params.sigma,
            generator=torch.Generator().manual_seed(params["field_seed"]),
        )
        return tvf.elastic(image, field.to(image), **self._options())


class ColorShift(Tool):
    """Add a random offset to each RGB channel (the course's colour shifting)."""

    name = "color-shift"
    summary = "Colour shifting: add a random offset to each of R, G and B."
    family = "augment"
    random = True

    @dataclass(frozen=True)
    class Params:
        sigma: float = param(0.05, help="spread of the offsets (std dev, or half-width)",
                             min=0.0, max=1.0)
        distribution: str = param("normal", help="normal N(0, sigma) or uniform [-sigma, sigma]",
                                  choices=("normal", "uniform"))

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        sigma = self.params.sigma
        if self.params.distribution == "normal":
            return {"offsets": _normal(generator, sigma, 3)}
        return {"offsets": [_uniform(generator, -sigma, sigma) for _ in range(3)]}

    def transform(self, images: torch.Tensor, params: Sequence[SampleParams]) -> torch.Tensor:
        return F.color_shift(images, torch.tensor([sample["offsets"] for sample in params]))


class PcaColor(Tool):
    """AlexNet's PCA colour augmentation, per image or with a dataset's PCA.

    See :func:`~styletools.tools.functional.augment.pca_color`. ``stats`` names a JSON file
    written by ``styletools pca-stats DIR``; it is read when the tool is created.
    """

    name = "pca-color"
    summary = "PCA colour augmentation (AlexNet): shift along the RGB principal components."
    family = "augment"
    random = True

    @dataclass(frozen=True)
    class Params:
        sigma: float = param(0.1, help="std dev of the alphas a_i ~ N(0, sigma)",
                             min=0.0, max=10.0)
        stats: Path | None = param(None, help="dataset PCA from 'styletools pca-stats'; "
                                   "none = PCA of each image")

    def __init__(self, params: Params | None = None) -> None:
        super().__init__(params)
        path = self.params.stats
        self.stats: PcaStats | None = None if path is None else load_pca_stats(path)

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        return {"alphas": _normal(generator, self.params.sigma, 3)}

    def transform(self, images: torch.Tensor, params: Sequence[SampleParams]) -> torch.Tensor:
        alphas = torch.tensor([sample["alphas"] for sample in params], dtype=torch.float64)
        basis = {} if self.stats is None else self.stats.tensors()
        return F.pca_color(images, alphas, **basis)


TOOLS: tuple[type[Tool], ...] = (Flip, Crop, Rotate, Shear, Elastic, ColorShift, PcaColor)
