"""Temporal consistency: what a frame takes from the previous output, warped by the flow.

Two uses of one :class:`Guide` (the previous output warped onto this frame, and where it can
be trusted):

* the one-pass methods blend it into the frame they painted (:func:`blend`);
* the optimisation starts from it and pays a cost for leaving it (:func:`start_image`,
  :func:`temporal_cost`, Ruder et al. 2016), so a frame needs far fewer steps.

Shape:
    Images ``(1, 3, H, W)`` float in [0, 1]; masks ``(1, 1, H, W)`` in {0, 1}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from styletools.video.flow import FlowPair
from styletools.video.warp import valid_mask, warp


@dataclass(frozen=True)
class Guide:
    """The previous output seen from the current frame.

    Attributes:
        warped: The previous output warped by the backward flow.
        mask: 1 where it is visible in both frames (no occlusion, inside the frame).
    """

    warped: torch.Tensor
    mask: torch.Tensor


def guide(previous_output: torch.Tensor, flows: FlowPair) -> Guide:
    """Warp the previous output onto the current frame and mask what it cannot show."""
    return Guide(warp(previous_output, flows.backward),
                 valid_mask(flows.backward, flows.forward))


def blend(painted: torch.Tensor, guide: Guide, weight: float) -> torch.Tensor:
    """``painted`` with ``weight`` of the warped previous output where it is valid.

    Occluded pixels keep the freshly painted frame, so a newly seen object gets its own strokes
    and no ghost of what hid it.
    """
    return torch.lerp(painted, guide.warped.to(painted), weight * guide.mask.to(painted))


def start_image(photo: torch.Tensor, guide: Guide) -> torch.Tensor:
    """Ruder et al.'s initialisation: the warped previous output, the photo where occluded."""
    return torch.lerp(photo, guide.warped, guide.mask)


def temporal_cost(photo: torch.Tensor, guide: Guide, weight: float
                  ) -> Callable[[torch.Tensor], torch.Tensor]:
    """Ruder et al.'s short-term temporal loss, as a relative error like every term of J.

    ``weight · Σ M (G - W)² / Σ M (C - W)²``: the share of the photo's distance to the warped
    previous output ``W`` that the image ``G`` keeps, over the valid pixels ``M``. A plain
    sum (Ruder's) would change meaning with the size and the painting, as the plain content
    and style costs did.
    """
    mask, warped = guide.mask, guide.warped
    reference = ((photo - warped).square() * mask).sum().clamp_min(1e-8)

    def cost(image: torch.Tensor) -> torch.Tensor:
        return weight * ((image - warped.to(image)).square() * mask.to(image)).sum() / reference

    return cost
