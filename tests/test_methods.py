"""One entry point for the methods: dispatch, the start of init=arbitrary, the Python API."""

from __future__ import annotations

import numpy as np
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


def test_transfer_api_takes_masks_and_the_one_pass_blends_through_them(
    networks, content_path, style_paths
):
    """Two paintings on two halves, by the one-pass method: each half is that painting's own
    one-pass picture, exactly where its mask is 1 (the blend's choice for this method)."""
    config = configure(values={"method": "arbitrary", "size": 96, "seed": 0})
    left = Image.new("L", (96, 72), 0)
    left.paste(255, (0, 0, 48, 72))
    right = Image.eval(left, lambda value: 255 - value)
    both = transfer(content_path, list(style_paths), config=config, networks=networks,
                    masks=[left, right])
    alone = [transfer(content_path, style, config=config, networks=networks)
             for style in style_paths]
    pixels = [torch.from_numpy(np.array(image)) for image in (both, *alone)]
    assert torch.equal(pixels[0][:, :48], pixels[1][:, :48])
    assert torch.equal(pixels[0][:, 48:], pixels[2][:, 48:])
    assert not torch.equal(pixels[1][:, 48:], pixels[2][:, 48:])  # the check can fail
