"""Warping, occlusion masks and the warping error, on clips whose flow is known exactly."""

from __future__ import annotations

import pytest
import torch

from styletools.loading import load_image_tensor
from styletools.video.flow import FlowEstimator, gray
from styletools.video.metrics import warping_error
from styletools.video.synthetic import KnownFlowClip, Occluder, camera_clip
from styletools.video.warp import valid_mask, warp

SIZE = (96, 128)


@pytest.fixture(scope="module")
def photo(content_path) -> torch.Tensor:
    return load_image_tensor(content_path, 400)


@pytest.fixture(scope="module")
def occluder_clip(photo) -> KnownFlowClip:
    # DIS needs some room: a 48 px square on a 192 px frame (at 128 px, a 32 px square's
    # trail was only half found).
    texture = photo[..., 40:88, 200:248].flip(-1).flip(-2).contiguous()
    return camera_clip(photo, frames=5, size=(144, 192),
                       occluder=Occluder(texture, (40, 60), (6, 0)))


def _error(clip: KnownFlowClip, frames: torch.Tensor | None = None) -> float:
    frames = clip.frames if frames is None else frames
    return warping_error(list(frames[:, None]), list(clip.backward[:, None]),
                         list(clip.masks[:, None]))


def test_the_warp_of_a_whole_pixel_pan_has_no_error(photo):
    clip = camera_clip(photo, frames=5, size=SIZE, pan=(3, -2))
    assert _error(clip) < 1e-10
    assert clip.masks[1:].mean() < 1  # the strip entering the frame is masked out


def test_the_warping_error_sees_flicker(photo):
    clip = camera_clip(photo, frames=5, size=SIZE, pan=(3, -2))
    flicker = clip.frames + 0.1 * torch.tensor([1.0, -1.0] * 2 + [1.0]).view(5, 1, 1, 1)
    assert _error(clip, flicker) == pytest.approx(0.04, rel=1e-3)  # (2 * 0.1)² on every pair


def test_a_zoom_warps_with_only_resampling_error(photo):
    clip = camera_clip(photo, frames=4, size=SIZE, zoom=1.03)
    assert _error(clip) < 2e-3  # bilinear of bilinear; a wrong flow sign gives ~1e-2


def test_a_one_pixel_flow_shifts_by_one_pixel():
    image = torch.arange(12.0).view(1, 1, 3, 4)
    flow = torch.zeros(1, 2, 3, 4)
    flow[:, 1] = 1.0  # each pixel shows the one below it
    assert torch.equal(warp(image, flow)[0, 0, :2], image[0, 0, 1:])


def test_the_consistency_check_marks_exactly_what_the_occluder_uncovers(occluder_clip):
    clip = occluder_clip
    mask = valid_mask(clip.backward[1:], clip.forward[1:])
    assert torch.equal(mask, clip.masks[1:])
    # The strip the square uncovered (6 px wide, 48 tall) is masked in every frame.
    assert int((clip.masks[1:] == 0).sum()) == 4 * 6 * 48


def test_dis_flow_marks_the_moving_occluder(occluder_clip):
    clip = occluder_clip
    frames = [gray(frame) for frame in clip.uint8_frames()]
    pairs = [FlowEstimator().pair(frames[t - 1], frames[t]) for t in range(1, len(frames))]
    mask = valid_mask(torch.cat([p.backward for p in pairs]), torch.cat([p.forward for p in pairs]))
    uncovered = clip.masks[1:] == 0
    assert (mask[uncovered] == 0).float().mean() > 0.8
    assert (mask[~uncovered] == 1).float().mean() > 0.95


def test_dis_flow_is_close_to_the_exact_pan(photo):
    clip = camera_clip(photo, frames=2, size=SIZE, pan=(3, -2))
    frames = clip.uint8_frames()
    flow = FlowEstimator().pair(gray(frames[0]), gray(frames[1])).backward
    end_point = (flow - clip.backward[1:]).norm(dim=1, keepdim=True)
    assert float(end_point[clip.masks[1:] > 0].mean()) < 0.3
