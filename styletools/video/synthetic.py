"""Clips with an exact, known flow: a camera panning and zooming over a photo, and a textured
square moving across it. The warping error and the occlusion mask can then be checked without
any flow estimator, and the benchmark's figures do not depend on one.

The camera of frame t shows the photo point ``p = centre + t·d + (x - c) / z^t`` at pixel
``x`` (``c`` the frame's centre, ``d`` the pan per frame, ``z`` the zoom per frame), so

* the backward flow (t to t-1) is ``b_t(x) = (x - c)(1/z - 1) + z^(t-1)·d``;
* the forward flow (t-1 to t) is ``f_t(x) = (x - c)(z - 1) - z^t·d``.

The occluder moves by ``v`` whole pixels a frame: its own flows are ``-v`` and ``+v``, and a
background pixel whose source in frame t-1 lay under it is occluded (mask 0).

Shape:
    Frames ``(T, 3, H, W)`` float in [0, 1]; flows ``(T, 2, H, W)``; masks ``(T, 1, H, W)``;
    index 0 of the flows and masks is unused (zero flow, empty mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from styletools.video.warp import inside


@dataclass(frozen=True)
class Occluder:
    """A textured square in front of the scene.

    Attributes:
        texture: ``(1, 3, S, S)`` in [0, 1].
        start: ``(x, y)`` of its top-left corner in frame 0.
        velocity: ``(vx, vy)`` whole pixels per frame.
    """

    texture: torch.Tensor
    start: tuple[int, int]
    velocity: tuple[int, int]

    def box(self, t: int) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)`` in frame t, right and bottom exclusive."""
        side = self.texture.shape[-1]
        left, top = self.start[0] + t * self.velocity[0], self.start[1] + t * self.velocity[1]
        return left, top, left + side, top + side


@dataclass(frozen=True)
class KnownFlowClip:
    """Frames with their exact flows and masks (see the module docstring)."""

    frames: torch.Tensor
    backward: torch.Tensor
    forward: torch.Tensor
    masks: torch.Tensor

    def uint8_frames(self) -> list[np.ndarray]:
        """The frames as ``(H, W, 3)`` uint8 RGB, as a video file would hold them."""
        pixels = self.frames.mul(255).round().clamp(0, 255).to(torch.uint8)
        return [frame.permute(1, 2, 0).numpy() for frame in pixels]


def _grid(size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    h, w = size
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64),
                            torch.arange(w, dtype=torch.float64), indexing="ij")
    return xs - (w - 1) / 2, ys - (h - 1) / 2


def _camera_flows(size: tuple[int, int], t: int, pan: tuple[float, float],
                  zoom: float) -> tuple[torch.Tensor, torch.Tensor]:
    dx, dy = _grid(size)
    back = torch.stack((dx * (1 / zoom - 1) + zoom ** (t - 1) * pan[0],
                        dy * (1 / zoom - 1) + zoom ** (t - 1) * pan[1]))
    fore = torch.stack((dx * (zoom - 1) - zoom**t * pan[0], dy * (zoom - 1) - zoom**t * pan[1]))
    return back.float(), fore.float()


def _render(photo: torch.Tensor, size: tuple[int, int], t: int, pan: tuple[float, float],
            zoom: float) -> torch.Tensor:
    dx, dy = _grid(size)
    _, _, ph, pw = photo.shape
    px = (pw - 1) / 2 + t * pan[0] + dx / zoom**t
    py = (ph - 1) / 2 + t * pan[1] + dy / zoom**t
    grid = torch.stack((px * 2 / (pw - 1) - 1, py * 2 / (ph - 1) - 1), dim=-1)
    return F.grid_sample(photo.double(), grid[None], mode="bilinear", align_corners=True).float()


def _box_mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> torch.Tensor:
    mask = torch.zeros(1, *size)
    left, top, right, bottom = box
    mask[:, max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)] = 1
    return mask


def _sources_covered(back: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
    """1 where ``x + back(x)`` falls inside the occluder's box of the previous frame."""
    h, w = back.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    x, y = xs + back[0], ys + back[1]
    left, top, right, bottom = box
    # A bilinear sample touches the box when it lies less than a pixel from it.
    return ((x > left - 1) & (x < right) & (y > top - 1) & (y < bottom)).float()[None]


def _add_occluder(frame: torch.Tensor, back: torch.Tensor, fore: torch.Tensor,
                  mask: torch.Tensor, occluder: Occluder, t: int) -> None:
    """Paint the occluder into frame t, set its flows, and mask what it hid in frame t-1."""
    left, top, right, bottom = occluder.box(t)
    frame[:, top:bottom, left:right] = occluder.texture[0]
    if t == 0:
        return
    here = _box_mask(frame.shape[-2:], occluder.box(t))
    before = _box_mask(frame.shape[-2:], occluder.box(t - 1))
    hidden = _sources_covered(back, occluder.box(t - 1)) * (1 - here)
    velocity = torch.tensor(occluder.velocity, dtype=back.dtype).view(2, 1, 1)
    back.mul_(1 - here).sub_(here * velocity)
    fore.mul_(1 - before).add_(before * velocity)
    mask.mul_(1 - hidden).mul_(1 - here).add_(here * inside(back[None])[0])


def camera_clip(
    photo: torch.Tensor,
    *,
    frames: int,
    size: tuple[int, int],
    pan: tuple[float, float] = (0.0, 0.0),
    zoom: float = 1.0,
    occluder: Occluder | None = None,
) -> KnownFlowClip:
    """A clip of a camera moving over ``photo``, with its exact flows and masks.

    Args:
        photo: ``(1, 3, H0, W0)`` in [0, 1], larger than the frame by the whole path.
        frames: Number of frames T.
        size: ``(H, W)`` of each frame.
        pan: Camera motion per frame, in photo pixels (whole numbers sample exact pixels).
        zoom: Magnification per frame (1 = none).
        occluder: A square moving in front of the scene.

    Returns:
        The clip; a pure whole-pixel pan has exact pixel values in every frame.
    """
    clip: dict[str, list[torch.Tensor]] = {"frames": [], "backward": [], "forward": [], "masks": []}
    for t in range(frames):
        frame = _render(photo, size, t, pan, zoom)[0]
        back, fore = _camera_flows(size, t, pan, zoom)
        mask = inside(back[None])[0] if t > 0 else torch.zeros(1, *size)
        if occluder is not None:
            _add_occluder(frame, back, fore, mask, occluder, t)
        for key, value in zip(clip, (frame, back, fore, mask), strict=True):
            clip[key].append(value)
    return KnownFlowClip(*(torch.stack(values) for values in clip.values()))
