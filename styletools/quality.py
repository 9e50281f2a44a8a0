"""Quality of a stylised image, measured with what the optimiser never optimises.

Grading a transfer by its own cost J rewards whatever J happens to reward, and compares
nothing across tools whose J differ. These metrics look at other things:

* content fidelity: luminance SSIM and the correlation of Sobel edge maps with the photo,
  and the relative VGG feature distance at ``relu2_2``/``relu3_2`` (the optimiser's content
  layer is ``relu4_2``);
* style fidelity: the relative Gram distance at ``relu1_2 … relu5_2`` (the optimiser matches
  ``relu1_1 … relu5_1``), and a sliced Wasserstein distance between RGB colour distributions.

Shape:
    Images are ``(1, 3, H, W)`` float RGB in [0, 1]. The photo is resized to the output's
    size before comparison; the painting is compared through size-free statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from styletools.color import rgb_to_yiq
from styletools.errors import ShapeError

#: Layers for the content distance: shallower than the optimiser's relu4_2.
CONTENT_LAYERS: tuple[str, ...] = ("relu2_2", "relu3_2")
#: Layers for the Gram distance: the second ReLU of each block, none of them optimised.
STYLE_LAYERS: tuple[str, ...] = ("relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2")
_SOBEL_X = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


@dataclass(frozen=True)
class Quality:
    """Content and style fidelity of one output; the benchmark's record of it.

    Attributes:
        ssim: Luminance SSIM with the photo, in [-1, 1]; 1 is the photo.
        edge_correlation: Pearson correlation of Sobel edge magnitudes with the photo's.
        content_distance: Mean relative VGG feature distance to the photo (0 is the photo).
        gram_distance: Mean relative Gram distance to the painting (0 is its texture).
        color_distance: Sliced Wasserstein distance of RGB values to the painting's.
    """

    ssim: float
    edge_correlation: float
    content_distance: float
    gram_distance: float
    color_distance: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dict, for JSON."""
        return asdict(self)


def _check(name: str, image: torch.Tensor) -> None:
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise ShapeError(name, "(1, 3, H, W)", tuple(image.shape))


def _like(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``image`` resized to ``reference``'s height and width (antialiased bicubic)."""
    if image.shape[-2:] == reference.shape[-2:]:
        return image
    resized = F.interpolate(
        image, size=reference.shape[-2:], mode="bicubic", antialias=True, align_corners=False
    )
    return resized.clamp(0, 1)


def luminance(image: torch.Tensor) -> torch.Tensor:
    """Y of YIQ: ``(N, 3, H, W) -> (N, 1, H, W)``."""
    return rgb_to_yiq(image)[:, :1]


def edge_magnitude(gray: torch.Tensor) -> torch.Tensor:
    """Sobel gradient magnitude of ``(N, 1, H, W)``, replicate-padded to the same size."""
    kernels = torch.stack([_SOBEL_X, _SOBEL_X.T])[:, None].to(gray)
    gradients = F.conv2d(F.pad(gray, (1, 1, 1, 1), mode="replicate"), kernels)
    return gradients.pow(2).sum(1, keepdim=True).sqrt()


def edge_correlation(output: torch.Tensor, photo: torch.Tensor) -> float:
    """Pearson correlation of the two images' luminance edge maps (1 = the same edges).

    >>> photo = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    >>> round(edge_correlation(photo, photo), 6)
    1.0
    """
    _check("output", output)
    _check("photo", photo)
    a = edge_magnitude(luminance(output)).flatten()
    b = edge_magnitude(luminance(_like(photo, output))).flatten()
    a, b = a - a.mean(), b - b.mean()
    return float((a @ b) / (a.norm() * b.norm()).clamp_min(1e-12))


def ssim(output: torch.Tensor, photo: torch.Tensor) -> float:
    """Mean structural similarity of luminance (Wang et al. 2004: 11×11 Gaussian, σ = 1.5)."""
    _check("output", output)
    _check("photo", photo)
    x, y = luminance(output), luminance(_like(photo, output))
    coords = torch.arange(11, dtype=x.dtype, device=x.device) - 5
    g = torch.exp(-(coords**2) / (2 * 1.5**2))
    window = (g[:, None] * g[None, :] / g.sum() ** 2)[None, None]

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(t, (5, 5, 5, 5), mode="replicate"), window)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(score.mean())


def sliced_wasserstein(
    output: torch.Tensor, painting: torch.Tensor, *, projections: int = 64, samples: int = 4096
) -> float:
    """Sliced Wasserstein-1 distance between the RGB values of two images.

    Both pixel sets are projected on fixed random unit directions (seeded, so the metric is
    deterministic) and compared through ``samples`` quantiles of each projection.
    """
    _check("output", output)
    _check("painting", painting)
    directions = torch.randn(3, projections, generator=torch.Generator().manual_seed(0))
    directions = (directions / directions.norm(dim=0)).to(output)
    levels = torch.linspace(0, 1, samples, dtype=output.dtype, device=output.device)

    def quantiles(image: torch.Tensor) -> torch.Tensor:
        projected = image[0].flatten(1).T @ directions  # (pixels, projections)
        return torch.quantile(projected, levels, dim=0) if projected.shape[0] > 1 else projected

    return float((quantiles(output) - quantiles(painting)).abs().mean())


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def _gram(features: torch.Tensor) -> torch.Tensor:
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


class QualityMeter:
    """Scores outputs against their photo and painting with one VGG19 on one device.

    Args:
        backbone: A :class:`styletools.engine.Backbone` (weights decoded once).
        content_layers: Layers of the feature distance.
        style_layers: Layers of the Gram distance.
    """

    def __init__(
        self,
        backbone: object,
        *,
        content_layers: Sequence[str] = CONTENT_LAYERS,
        style_layers: Sequence[str] = STYLE_LAYERS,
    ) -> None:
        self.content_layers, self.style_layers = tuple(content_layers), tuple(style_layers)
        self.device = backbone.device  # type: ignore[attr-defined]
        self.features = backbone.features(  # type: ignore[attr-defined]
            (*self.content_layers, *self.style_layers)
        )

    @torch.no_grad()
    def _acts(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v.float() for k, v in self.features(image.to(self.device)).items()}

    @torch.no_grad()
    def __call__(
        self, output: torch.Tensor, photo: torch.Tensor, painting: torch.Tensor
    ) -> Quality:
        """Score ``output`` against the ``photo`` it keeps and the ``painting`` it imitates."""
        _check("output", output)
        photo = _like(photo, output)
        out, ref, art = self._acts(output), self._acts(photo), self._acts(painting)
        content = [_relative(out[k], ref[k]) for k in self.content_layers]
        style = [_relative(_gram(out[k]), _gram(art[k])) for k in self.style_layers]
        return Quality(
            ssim=ssim(output, photo),
            edge_correlation=edge_correlation(output, photo),
            content_distance=sum(content) / len(content),
            gram_distance=sum(style) / len(style),
            color_distance=sliced_wasserstein(output, painting),
        )
