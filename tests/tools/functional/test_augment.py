"""The flip kernel on uniform and mixed masks."""

from __future__ import annotations

import torch

from styletools.tools.functional.augment import flip


def test_flip_mirrors_exactly_the_masked_samples():
    images = torch.arange(2 * 3 * 2 * 4, dtype=torch.float32).view(2, 3, 2, 4)
    original = images.clone()
    cases = {
        (True, True): images.flip(-1),
        (False, False): images,
        (True, False): torch.stack([images[0].flip(-1), images[1]]),
    }
    for mask, expected in cases.items():
        assert torch.equal(flip(images, torch.tensor(mask)), expected), mask
    assert torch.equal(images, original)  # the input is never modified


def test_vertical_flip_mirrors_rows():
    images = torch.arange(6, dtype=torch.float32).view(1, 1, 3, 2).expand(1, 3, 3, 2)
    assert torch.equal(flip(images, torch.tensor([True]), axis="vertical"), images.flip(-2))
