"""Style transfer as a tool: stylise every image of a batch, or each with a random painting.

The kernel is :func:`styletools.engine.stylize`; these classes only choose the painting
and settings. ``random-style`` is style augmentation (Geirhos et al. 2019; Jackson et al.
2019): a classifier trained on it relies less on texture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from styletools.backbone import Backbone
from styletools.config import MIN_SCALE_SIZE, PRESETS, StrengthParams, preset
from styletools.engine import stylize
from styletools.errors import ToolError
from styletools.examples import EXAMPLES_DIR, images_in
from styletools.loading import load_paintings
from styletools.params import param
from styletools.tools.registry import SampleParams, Tool


class _StyleTool(Tool):
    """Shared engine of the style tools: one cached network per tool instance and device."""

    family = "style"

    def _backbone(self, device: torch.device) -> Backbone:
        # An explicit per-instance cache, dropped when pickled for worker processes.
        cache: dict[str, Backbone] = self.__dict__.setdefault("_backbones", {})
        if str(device) not in cache:
            cache[str(device)] = Backbone(device=str(device))
        return cache[str(device)]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_backbones"}

    def _stylize_one(self, image: torch.Tensor, style: Path) -> torch.Tensor:
        """Stylise one ``(1, 3, H, W)`` image and return it at its own size and dtype."""
        height, width = image.shape[-2:]
        # VGG19 pools four times: smaller images are stylised at the engine's minimum size.
        size = max(MIN_SCALE_SIZE, height, width)
        base = preset(self.params.preset)
        steps = base.steps if self.params.steps is None else (self.params.steps,)
        config = base.replace(
            size=size,
            seed=0,
            device=str(image.device),
            steps=steps,
            strength=self.params.strength,
        )
        result = stylize(
            image.float(), load_paintings([style], config), config,
            backbone=self._backbone(image.device),
        )
        out = result.image.to(image.device)
        if out.shape[-2:] != (height, width):
            out = F.interpolate(out, size=(height, width), mode="bicubic", antialias=True)
        return out.clamp(0, 1).to(image.dtype)


class Stylize(_StyleTool):
    """Paint every image in the style of one painting."""

    name = "stylize"
    summary = "Neural style transfer of every image with one painting (VGG19, Gatys et al.)."

    @dataclass(frozen=True)
    class Params(StrengthParams):
        style: Path = param(EXAMPLES_DIR / "style" / "starry_night.jpg", help="the painting")
        preset: str = param("fast", help="transfer settings", choices=tuple(PRESETS))
        steps: int | None = param(
            None, help="steps per scale (default: the preset's)", min=1, max=10000
        )

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        return self._stylize_one(image, self.params.style)


class RandomStyle(_StyleTool):
    """Paint each image in the style of a painting drawn from a folder."""

    name = "random-style"
    summary = "Style augmentation: each image takes the style of a random painting from a folder."
    random = True

    @dataclass(frozen=True)
    class Params(StrengthParams):
        folder: Path = param(EXAMPLES_DIR / "style", help="folder of paintings to draw from")
        preset: str = param("fast", help="transfer settings", choices=tuple(PRESETS))
        steps: int | None = param(
            None, help="steps per scale (default: the preset's)", min=1, max=10000
        )

    def paintings(self) -> list[str]:
        """Painting file names in the folder, sorted so a seed picks the same one anywhere."""
        folder = self.params.folder
        names = [path.name for path in images_in(folder)]
        if not names:
            raise ToolError(f"{folder}: random-style needs a folder with at least one painting")
        return names

    def draw(self, height: int, width: int, *, generator: torch.Generator) -> SampleParams:
        names = self.paintings()
        return {"style": names[int(torch.randint(len(names), (1,), generator=generator))]}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        return self._stylize_one(image, self.params.folder / str(params["style"]))


TOOLS: Sequence[type[Tool]] = (Stylize, RandomStyle)
__all__ = ["TOOLS", "RandomStyle", "Stylize"]
