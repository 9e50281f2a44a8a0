"""The flicker figure: the warping error of Lai et al. 2018 (*Learning Blind Video Temporal
Consistency*), the mean squared difference between each output frame and the previous output
warped onto it, over the pixels the flow says are visible in both.

Shape:
    Frames ``(1, 3, H, W)`` float in [0, 1]; flows ``(1, 2, H, W)``; masks ``(1, 1, H, W)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from styletools.video.flow import FlowEstimator, gray
from styletools.video.warp import valid_mask, warp


def pair_error(current: torch.Tensor, previous: torch.Tensor, backward: torch.Tensor,
               mask: torch.Tensor) -> float:
    """One pair's warping error: ``Σ M |O_t - warp(O_{t-1})|² / (3 Σ M)`` (per channel)."""
    difference = (current - warp(previous, backward)).square() * mask
    return float(difference.sum() / (mask.sum() * current.shape[1]).clamp_min(1.0))


def warping_error(
    frames: Sequence[torch.Tensor], backward: Sequence[torch.Tensor], masks: Sequence[torch.Tensor]
) -> float:
    """The mean of :func:`pair_error` over consecutive pairs (0 for a single frame).

    Args:
        frames: T output frames.
        backward: T flows; ``backward[t]`` goes from frame t to t-1 (``backward[0]`` unused).
        masks: T masks; ``masks[t]`` is 1 where frame t's pixel is visible in frame t-1.

    >>> still = [torch.full((1, 3, 4, 4), 0.5)] * 3
    >>> warping_error(still, [torch.zeros(1, 2, 4, 4)] * 3, [torch.ones(1, 1, 4, 4)] * 3)
    0.0
    """
    errors = [pair_error(frames[t], frames[t - 1], backward[t], masks[t])
              for t in range(1, len(frames))]
    return sum(errors) / len(errors) if errors else 0.0



def estimated_flows(frames: Sequence[np.ndarray]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Backward flows and masks of a real clip, by DIS on its input frames (Lai et al. used
    FlowNet2 there), for :func:`warping_error`; index 0 holds a zero flow and an empty mask.

    Args:
        frames: ``(H, W, 3)`` uint8 RGB input frames.
    """
    estimator = FlowEstimator()
    height, width = frames[0].shape[:2]
    backward, masks = [torch.zeros(1, 2, height, width)], [torch.zeros(1, 1, height, width)]
    for before, after in zip(frames, frames[1:], strict=False):
        pair = estimator.pair(gray(before), gray(after))
        backward.append(pair.backward)
        masks.append(valid_mask(pair.backward, pair.forward))
    return backward, masks
