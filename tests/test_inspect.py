"""What the network sees: feature-map grids and Gram heat maps."""

from __future__ import annotations

import pytest
import torch

from styletools.errors import ShapeError
from styletools.inspect import feature_grid, gram_heatmap, strongest_channels


def test_feature_grid_shows_the_strongest_channels():
    acts = torch.zeros(1, 8, 4, 6)
    acts[0, 5] = 3.0
    acts[0, 2] = 1.0
    assert strongest_channels(acts, 2).tolist() == [5, 2]
    grid = feature_grid(acts, 4, tile=30)
    assert grid.shape == (1, 3, 2 * 22, 2 * 32) and 0 <= grid.min() <= grid.max() <= 1


def test_gram_heatmap_shape_and_check():
    assert gram_heatmap(torch.rand(1, 16, 16), side=64).shape == (1, 3, 64, 64)
    with pytest.raises(ShapeError):
        gram_heatmap(torch.rand(16, 16))
