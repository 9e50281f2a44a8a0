"""Fast mode as a tool: stylise every image in one pass of a trained network.

The model comes from ``styletools train-style`` (:mod:`styletools.fast`); by default the
one bundled with styletools (Starry Night). Being a registry tool, it runs in ``styletools
apply``, the app's Tools tab and ``styletools batch`` unchanged, and ``styletools transfer
--model`` calls it too. Given a mask per image, it keeps the input where the mask is 0: the
network paints the whole image and the base class blends its output through the mask
(:meth:`~styletools.tools.Tool.transform_masked`); a network trained without masks has no
notion of a region, and its receptive field is local, so the blend is seamless where the
mask is soft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from styletools.config import TransferConfig
from styletools.fast.model_file import load_model, to_device
from styletools.fast.network import TransformerNet
from styletools.memory import budget_bytes
from styletools.params import declared, param, param_specs
from styletools.tiled_inference import tile_for_budget, tiled_forward
from styletools.tools.registry import SampleParams, Tool

_SPECS = {spec.name: spec for spec in param_specs(TransferConfig)}
#: The model shipped with styletools: Starry Night, trained on the bundled photos by the
#: command in styletools/fast/models/README.md.
BUNDLED_MODEL = Path(__file__).resolve().parents[1] / "fast" / "models" / "starry_night.stm"


def run_network(net: TransformerNet, images: torch.Tensor, tile: int | None = None) -> torch.Tensor:
    """One pass of a trained network: ``(N, 3, H, W)`` in [0, 1] to the same shape.

    The network computes in float32 (its weights' type) on its own device; the result is
    clamped to [0, 1] and returned in the input's dtype and device.

    Args:
        net: The trained network.
        images: ``(N, 3, H, W)`` in [0, 1].
        tile: ``None`` runs the whole image at once; a side in pixels runs it in tiles with
            whole-image statistics (:func:`styletools.tiled_inference.tiled_forward`), the
            same output within float rounding in a fraction of the memory
            (:func:`styletools.tiled_inference.tile_for_budget` picks it).

    Raises:
        ConfigError: ``tile`` is not a positive integer.
    """
    weight = next(net.parameters())
    x = images.to(weight.device, weight.dtype)
    # no_grad, not inference_mode: the result is an ordinary tensor a later tool may modify.
    with torch.no_grad():
        out = (net(x) if tile is None else tiled_forward(net, x, tile)).clamp_(0.0, 1.0)
    return out.to(images.device, images.dtype)


class FastStylize(Tool):
    """Paint every image with a network trained for one painting (Johnson et al. 2016)."""

    name = "fast-stylize"
    summary = "Style transfer in one pass of a network trained by `styletools train-style`."
    family = "style"
    masked = True

    @dataclass(frozen=True)
    class Params:
        model: Path = param(BUNDLED_MODEL, help="model file from `styletools train-style` (.stm)")
        max_memory: str | None = declared(_SPECS["max_memory"])
        tile: int | None = declared(_SPECS["tile"])

    def network(self, device: torch.device) -> TransformerNet:
        """The model on ``device``, loaded once per tool instance and device.

        Raises:
            ModelFileError: The model file is missing, foreign or damaged.
        """
        # An explicit per-instance cache, dropped when pickled for worker processes.
        cache: dict[str, TransformerNet] = self.__dict__.setdefault("_networks", {})
        if str(device) not in cache:
            cache[str(device)] = to_device(load_model(self.params.model), device)
        return cache[str(device)]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_networks"}

    def transform_sample(self, image: torch.Tensor, params: SampleParams) -> torch.Tensor:
        # One image per pass: a batched convolution rounds differently (~2e-6), and an
        # output must not depend on which images share its batch (batch manifests record
        # each output's sha256). On a CPU a 256 px image already fills the cores.
        net = self.network(image.device)
        return run_network(net, image, self.params.tile or tile_for_budget(
            net, *image.shape[-2:], budget_bytes(self.params.max_memory, str(image.device))))


TOOLS: Sequence[type[Tool]] = (FastStylize,)
__all__ = ["BUNDLED_MODEL", "TOOLS", "FastStylize", "run_network"]
