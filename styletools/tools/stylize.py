"""Style transfer as a tool: stylise every image of a batch, or each with a random style.

The kernels are :func:`styletools.methods.run_transfer` and, for drawn style embeddings,
:func:`styletools.one_pass.paint`; these classes only choose the style and the settings.
``random-style`` is style augmentation (Geirhos et al. 2019; Jackson et al. 2019): a
classifier trained on it relies less on texture. By default it follows Jackson et al.: each
image gets a random style embedding drawn from a Gaussian fitted to a folder's paintings, and
the one-pass network paints it, so a dataset takes minutes, not days.

Both take a mask per image (``masked``; see :meth:`~styletools.tools.Tool.apply`): the
optimisation gets it in its objective (:func:`run_transfer`'s ``masks``: the painting's
statistics are matched in the region only, so the background neither lends the region its
texture nor is repainted), and the one-pass network paints the whole photo and is blended
through the mask (:func:`~styletools.masks.composite`), as the core's one-pass method does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F

from styletools.config import (
    MIN_SCALE_SIZE,
    MIN_SIDE,
    PRESETS,
    StrengthParams,
    TransferConfig,
    preset,
)
from styletools.errors import ToolError
from styletools.examples import EXAMPLES_DIR, images_in
from styletools.loading import load_paintings
from styletools.masks import composite
from styletools.methods import Networks, run_transfer
from styletools.one_pass import paint, painting_embedding
from styletools.params import declared, param, param_specs
from styletools.tools.registry import SampleParams, Tool, each_sample

_SPECS = {spec.name: spec for spec in param_specs(TransferConfig)}


@dataclass(frozen=True)
class _StyleParams(StrengthParams):
    """The transfer settings both style tools share, declared once in the core."""

    preset: str = param("fast", help="optimise: transfer settings", choices=tuple(PRESETS))
    steps: int | None = param(
        None, help="optimise: steps per scale (default: the preset's)", min=1, max=10000
    )
    working_size: int | None = declared(_SPECS["working_size"])
    max_memory: str | None = declared(_SPECS["max_memory"])
    tile: int | None = declared(_SPECS["tile"])


class _StyleTool(Tool):
    """Shared engine of the style tools: one cache of networks per tool instance and device.

    Subclasses implement :meth:`paint_sample`, with or without a mask; the per-image loop,
    masked or not, is here.
    """

    family = "style"
    masked = True

    def paint_sample(
        self, image: torch.Tensor, params: SampleParams, mask: torch.Tensor | None
    ) -> torch.Tensor:
        """Stylise one ``(1, 3, H, W)`` image, within ``mask`` ``(1, 1, H, W)`` when given."""
        raise NotImplementedError(f"{type(self).__name__} implements no paint_sample")

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        return self.paint_sample(image, params, None)

    def transform_masked(
        self, images: torch.Tensor, params: Sequence[SampleParams], masks: torch.Tensor
    ) -> torch.Tensor:
        # Not the base's blend of a whole-image result: the optimisation takes the mask itself.
        return each_sample(len(params), lambda i: self.paint_sample(
            images[i : i + 1], params[i], masks[i : i + 1]))

    def _networks(self, device: torch.device) -> Networks:
        # An explicit per-instance cache, dropped when pickled for worker processes.
        cache: dict[str, Networks] = self.__dict__.setdefault("_network_cache", {})
        if str(device) not in cache:
            cache[str(device)] = Networks(device=str(device))
        return cache[str(device)]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _config(self, image: torch.Tensor) -> TransferConfig:
        """The settings for one image, at its own size (VGG19 needs at least 64 px)."""
        smallest = MIN_SCALE_SIZE if self.params.method == "optimise" else MIN_SIDE
        base = preset(self.params.preset)
        return base.replace(
            method=self.params.method,
            size=max(smallest, *image.shape[-2:]),
            seed=0,
            device=str(image.device),
            steps=base.steps if self.params.steps is None else (self.params.steps,),
            strength=self.params.strength,
            working_size=self.params.working_size,
            max_memory=self.params.max_memory,
            tile=self.params.tile,
        )

    def _with_painting(
        self, image: torch.Tensor, style: Path, mask: torch.Tensor | None
    ) -> torch.Tensor:
        """Stylise with one painting by the configured method, the mask passed to the core.

        The core keeps the pixels no mask covers exactly, at its own size; an image under
        VGG19's smallest side is stylised larger and resampled back, so those pixels are taken
        from the input itself, as the one-pass blend keeps them.
        """
        config = self._config(image)
        networks = self._networks(image.device)
        masks = None if mask is None else [mask.float()]
        result = run_transfer(image.float(), load_paintings([style], config), config,
                              networks=networks, masks=masks)
        out = _at_size_of(result.image, image)
        return out if mask is None else torch.where(mask == 0, image, out)


def _at_size_of(out: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """``out`` on ``image``'s device, at its size and dtype."""
    out = out.to(image.device)
    if out.shape[-2:] != image.shape[-2:]:
        out = F.interpolate(out, size=image.shape[-2:], mode="bicubic", antialias=True)
    return out.clamp(0, 1).to(image.dtype)


class Stylize(_StyleTool):
    """Paint every image in the style of one painting."""

    name = "stylize"
    summary = "Style transfer of every image with one painting (optimised, or in one pass)."

    @dataclass(frozen=True)
    class Params(_StyleParams):
        style: Path = param(EXAMPLES_DIR / "style" / "starry_night.jpg", help="the painting")
        method: Literal["optimise", "arbitrary"] = declared(_SPECS["method"])

    def paint_sample(
        self, image: torch.Tensor, params: SampleParams, mask: torch.Tensor | None
    ) -> torch.Tensor:
        return self._with_painting(image, self.params.style, mask)


class RandomStyle(_StyleTool):
    """Paint each image in a random style: a drawn embedding, or a painting from a folder."""

    name = "random-style"
    summary = "Style augmentation: each image takes a random style (Jackson et al. 2019)."
    random = True

    @dataclass(frozen=True)
    class Params(_StyleParams):
        folder: Path = param(EXAMPLES_DIR / "style", help="folder of paintings to draw from")
        method: Literal["optimise", "arbitrary"] = declared(_SPECS["method"],
                                                           default="arbitrary")
        sample: Literal["embedding", "painting"] = param(
            "embedding",
            help="what is drawn: embedding (a style from a Gaussian fitted to the folder's "
            "paintings; arbitrary method) or painting (one of the folder's paintings)",
        )

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        if self.params.sample == "embedding" and self.params.method != "arbitrary":
            raise ToolError("random-style: sample=embedding needs method=arbitrary (the "
                            "optimisation takes a painting: use sample=painting)")

    def paintings(self) -> list[str]:
        """Painting file names in the folder, sorted so a seed picks the same one anywhere."""
        folder = self.params.folder
        names = [path.name for path in images_in(folder)]
        if not names:
            raise ToolError(f"{folder}: random-style needs a folder with at least one painting")
        return names

    def style_gaussian(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The folder's embeddings as a Gaussian: their mean ``(100,)`` and deviations from it
        ``(K, 100)``, float64, computed once (on the CPU, so a seed draws alike anywhere)."""
        cache = self.__dict__.setdefault("_gaussian", {})
        if not cache:
            config = self._config(torch.zeros(1, 3, MIN_SIDE, MIN_SIDE)).replace(device="cpu")
            paths = [self.params.folder / name for name in self.paintings()]
            networks = self._networks(torch.device("cpu")).one_pass()
            embeddings = torch.cat([
                painting_embedding(networks, load_paintings([path], config), config)
                for path in paths
            ]).double()  # fmt: skip
            mean = embeddings.mean(0)
            cache["gaussian"] = (mean, embeddings - mean)
        return cache["gaussian"]

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        if self.params.sample == "painting":
            names = self.paintings()
            return {"style": names[int(torch.randint(len(names), (1,), generator=generator))]}
        # A draw from N(mean, sample covariance) without factorising it: the deviations
        # weighted by standard normals, over sqrt(K - 1) (Jackson et al. fit a Gaussian too).
        mean, deviations = self.style_gaussian()
        weights = torch.randn(deviations.shape[0], generator=generator, dtype=torch.float64)
        drawn = mean + weights @ deviations / math.sqrt(max(1, deviations.shape[0] - 1))
        return {"embedding": [float(x) for x in drawn.float()]}

    def paint_sample(
        self, image: torch.Tensor, params: SampleParams, mask: torch.Tensor | None
    ) -> torch.Tensor:
        if "style" in params:
            return self._with_painting(image, self.params.folder / str(params["style"]), mask)
        config = self._config(image)
        embedding = torch.tensor([params["embedding"]], dtype=torch.float32)
        networks = self._networks(image.device).one_pass()
        out = _at_size_of(paint(networks, image.float(), embedding, config), image)
        return out if mask is None else composite(image, [out], [mask])


TOOLS: Sequence[type[Tool]] = (Stylize, RandomStyle)
__all__ = ["TOOLS", "RandomStyle", "Stylize"]
