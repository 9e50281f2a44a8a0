"""Warping by a flow, and the occlusion mask of forward-backward consistency (Ruder et al.).

Shape:
    Images ``(N, C, H, W)`` float; flows ``(N, 2, H, W)`` in pixels (x, then y); masks
    ``(N, 1, H, W)`` float, 1 where the previous frame's pixel can be trusted.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from styletools.errors import ShapeError


def _check_flow(image: torch.Tensor, flow: torch.Tensor) -> None:
    n, _, h, w = image.shape
    if flow.shape != (n, 2, h, w):
        raise ShapeError("flow", f"({n}, 2, {h}, {w})", tuple(flow.shape))


def _positions(flow: torch.Tensor) -> torch.Tensor:
    """``x + flow(x)`` for every pixel: ``(N, 2, H, W)``."""
    _, _, h, w = flow.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flow.dtype), torch.arange(w, dtype=flow.dtype),
                            indexing="ij")
    return flow + torch.stack((xs, ys)).to(flow.device)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample ``image`` at ``x + flow(x)``, bilinearly; outside the frame takes the nearest
    border pixel (:func:`inside` says where that happened).

    >>> warp(torch.arange(4.0).view(1, 1, 1, 4), torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
    ...      .expand(1, 2, 1, 4)).flatten().tolist()
    [1.0, 2.0, 3.0, 3.0]
    """
    _check_flow(image, flow)
    _, _, h, w = image.shape
    positions = _positions(flow)
    # align_corners=True maps pixel centres to -1 and 1 exactly: a whole-pixel flow then
    # samples pixels exactly, so a pure pan warps with no error at all.
    scale = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=flow.device)
    grid = (positions * scale.view(1, 2, 1, 1) - 1.0).permute(0, 2, 3, 1)
    return F.grid_sample(image, grid.to(image.dtype), mode="bilinear", padding_mode="border",
                         align_corners=True)


def inside(flow: torch.Tensor) -> torch.Tensor:
    """1 where ``x + flow(x)`` lies within the frame: ``(N, 1, H, W)``."""
    _, _, h, w = flow.shape
    positions = _positions(flow)
    x, y = positions[:, :1], positions[:, 1:]
    return ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).to(flow.dtype)


def consistent(backward: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
    """1 where following ``backward`` then ``forward`` comes back (Ruder et al. 2016, eq. 5).

    A pixel of frame t whose backward flow, followed by the forward flow found there in frame
    t-1, does not return to it was hidden in frame t-1 (disoccluded) or its flow is wrong:
    ``|f̃ + b|² > 0.01 (|f̃|² + |b|²) + 0.5`` marks it 0.

    Args:
        backward: Flow from frame t to t-1, in frame t's coordinates.
        forward: Flow from frame t-1 to t, in frame t-1's coordinates.
    """
    _check_flow(backward, forward)
    there = warp(forward, backward)
    loop = (there + backward).square().sum(1, keepdim=True)
    scale = there.square().sum(1, keepdim=True) + backward.square().sum(1, keepdim=True)
    return (loop <= 0.01 * scale + 0.5).to(backward.dtype)


def valid_mask(backward: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
    """Where the warped previous frame can be trusted: consistent and from inside the frame."""
    return consistent(backward, forward) * inside(backward)
