"""One entry point for the methods: dispatch, the start of init=arbitrary, the Python API."""

from __future__ import annotations

import torch
from PIL import Image

from styletools.config import configure
from styletools.engine import stylize
from styletools.loading import load_inputs
from styletools.methods import run_transfer, transfer
from styletools.one_pass import stylize_one_pass

TINY = {"size": 32, "scales": 1, "seed": 1, "content_layers": "relu2_1",
        "style_layers": "relu1_1,relu2_1"}


def test_transfer_api_takes_paths_or_pil_images(networks, content_path, style_paths):
    config = configure("balanced", {**TINY, "steps": 1})
    by_path = transfer(content_path, style_paths[0], config=config, networks=networks)
    assert isinstance(by_path, Image.Image)
    assert by_path.size == (32, 24)
    with Image.open(content_path) as photo, Image.open(style_paths[0]) as painting:
        by_pil = transfer(photo, [painting], config=config, networks=networks)
    assert by_pil.size == (32, 24)


def test_method_arbitrary_is_the_one_pass(networks, content_path, style_paths):
    config = configure("balanced", {**TINY, "method": "arbitrary"})
    photo, paintings = load_inputs(content_path, style_paths[:1], config)
    expected = stylize_one_pass(photo, paintings, config, networks=networks.one_pass())
    assert torch.equal(run_transfer(photo, paintings, config, networks=networks).image,
                       expected.image)


def test_init_arbitrary_optimises_from_the_one_pass_result(networks, content_path, style_paths):
    # Zero steps keep the start: the result is the one-pass image (resized to the scale).
    config = configure("balanced", {**TINY, "init": "arbitrary", "steps": 0})
    photo, paintings = load_inputs(content_path, style_paths[:1], config)
    start = stylize_one_pass(photo, paintings, config, networks=networks.one_pass()).image
    result = run_transfer(photo, paintings, config, networks=networks).image
    by_hand = stylize(photo, paintings, config, backbone=networks.backbone(), start=start).image
    assert torch.equal(result, by_hand)
    assert (result - start).abs().max() < 0.02  # the same picture, through one resampling
    from_photo = run_transfer(photo, paintings, config.replace(init="content"),
                              networks=networks).image
    assert (from_photo - start).abs().mean() > 0.02
