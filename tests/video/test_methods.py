"""The three methods on a known-flow clip: the model's and the optimisation's paths, and what
the temporal weight does to the warping error."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import torch
from styletools_cli.commands import video as video_command

from styletools.config import TransferConfig
from styletools.errors import ConfigError
from styletools.loading import load_image_tensor
from styletools.tools.fast_stylize import BUNDLED_MODEL
from styletools.video.metrics import warping_error
from styletools.video.reading import read_frames
from styletools.video.runner import stylize_video
from styletools.video.settings import VideoSettings
from styletools.video.synthetic import KnownFlowClip, camera_clip
from styletools.video.writing import write_video


@pytest.fixture(scope="module")
def pan(content_path, tmp_path_factory) -> tuple[KnownFlowClip, object]:
    """A whole-pixel pan, 48x64, 3 frames, written losslessly enough (PNG frames)."""
    clip = camera_clip(load_image_tensor(content_path, 200), frames=3, size=(48, 64), pan=(3, 1))
    folder = tmp_path_factory.mktemp("pan") / "frames"
    folder.mkdir()
    from PIL import Image

    for index, frame in enumerate(clip.uint8_frames()):
        Image.fromarray(frame).save(folder / f"{index}.png")
    return clip, folder


def _error(clip: KnownFlowClip, folder) -> float:
    frames = [torch.from_numpy(f.copy()).permute(2, 0, 1)[None].float() / 255
              for f in read_frames(folder)]
    return warping_error(frames, list(clip.backward[:, None]), list(clip.masks[:, None]))


def _paint(pan, tmp_path, networks, paintings, config, settings):
    clip, source = pan
    target = tmp_path / f"out_{settings.method}_{round(settings.temporal * 100)}"
    stylize_video(source, target, paintings, config, settings, networks=networks)
    assert len(list(read_frames(target))) == 3
    return _error(clip, target)


def test_optimise_follows_the_flow_with_the_temporal_cost(pan, tmp_path, networks, style_paths):
    config = TransferConfig(size=64, scales=1, steps=(4,), seed=0)
    errors = {temporal: _paint(pan, tmp_path, networks, [style_paths[0]], config,
                               VideoSettings(method="optimise", temporal=temporal,
                                             later_steps=2))
              for temporal in (0.0, 0.9)}
    assert errors[0.9] < 0.5 * errors[0.0]


def test_one_pass_blending_lowers_the_warping_error(pan, tmp_path, networks, style_paths):
    config = TransferConfig(size=64)
    errors = {temporal: _paint(pan, tmp_path, networks, [style_paths[0]], config,
                               VideoSettings(temporal=temporal)) for temporal in (0.0, 0.6)}
    assert errors[0.6] < 0.5 * errors[0.0]


def test_a_trained_model_paints_every_frame(pan, tmp_path, networks):
    settings = VideoSettings(method="model", model=BUNDLED_MODEL)
    assert _paint(pan, tmp_path, networks, [], TransferConfig(size=64), settings) > 0


def test_the_model_method_needs_a_model_and_no_painting(pan, tmp_path, networks, style_paths):
    with pytest.raises(ConfigError, match="--model"):
        stylize_video(pan[1], tmp_path / "x.mp4", [style_paths[0]], TransferConfig(size=64),
                      VideoSettings(method="model", model=BUNDLED_MODEL), networks=networks)


def test_the_command_offers_every_setting_or_says_why_not():
    offered = set(inspect.signature(video_command.video).parameters)
    fields = {f.name for cls in (TransferConfig, VideoSettings) for f in dataclasses.fields(cls)}
    hidden = set(video_command.HIDDEN) - {f.name for f in dataclasses.fields(VideoSettings)}
    assert fields <= offered | hidden
    assert all(video_command.HIDDEN.values())


def test_write_video_refuses_an_unknown_suffix(tmp_path):
    from styletools.video.errors import VideoError

    with pytest.raises(VideoError, match=r"\.mp4"):
        write_video([], tmp_path / "a.xyz", 10)
