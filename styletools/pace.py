"""How fast this device runs an optimiser step, measured, so a plan's time is this machine's.

The planner's built-in pace is this project's 2-core CPU; a GPU is 50-100x faster and another
CPU anything else. Two small forward and backward passes (the first warms the kernels) give
the seconds per pixel-step of the device the run will use.
"""

from __future__ import annotations

import time

import torch

from styletools.backbone import Backbone
from styletools.config import DEFAULT_STYLE_LAYERS

#: Side of the probe image: large enough to run near the device's pace (at 192 px this CPU's
#: per-call overheads made it 1.7x slower per pixel), small enough to take about 1.5 s here.
PROBE_SIDE = 384


def measure_pace(backbone: Backbone) -> float:
    """Seconds per pixel and step of a VGG19 forward and backward pass on ``backbone``'s
    device."""
    features = backbone.features(("relu4_2", *DEFAULT_STYLE_LAYERS))
    image = torch.rand(1, 3, PROBE_SIDE, PROBE_SIDE, device=backbone.device)
    seconds = []
    for _ in range(2):
        leaf = image.clone().requires_grad_(True)
        _synchronize(backbone.device)
        start = time.perf_counter()
        total = sum(acts.square().mean() for acts in features(leaf).values())
        torch.autograd.grad(total, leaf)
        _synchronize(backbone.device)
        seconds.append(time.perf_counter() - start)
    return seconds[-1] / PROBE_SIDE**2


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
