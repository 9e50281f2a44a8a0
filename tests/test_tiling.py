"""Exact tiles: the tiled objective's value and gradient equal the untiled ones."""

from __future__ import annotations

import pytest
import torch

from styletools.config import TransferConfig
from styletools.engine import stylize
from styletools.loading import load_image_tensor, load_inputs
from styletools.objective import Objective
from styletools.tiling import GRID, margin_for, receptive_reach, spans, tile_grid


@pytest.mark.parametrize(("length", "core"), [(100, 48), (256, 64), (1365, 512), (33, 16)])
def test_cores_partition_the_axis_on_the_grid(length, core):
    parts = spans(length, core, margin=96)
    assert parts[0].core_start == 0 and parts[-1].core_stop == length
    for left, right in zip(parts, parts[1:], strict=False):
        assert left.core_stop == right.core_start
        assert right.core_start % GRID == 0 and right.start % GRID == 0
    for part in parts:
        assert part.start == max(0, part.core_start - 96)
        assert part.stop == min(length, part.core_stop + 96)


def test_receptive_field_widths_are_vggs():
    """The known widths: 84 px at relu4_2 and 156 px at relu5_1 (Galerne et al., the issue)."""
    assert sum(receptive_reach("relu4_2")) + 1 == 84
    assert sum(receptive_reach("relu5_1")) + 1 == 156
    assert margin_for(["relu4_2"]) == 48


def test_one_tile_when_the_side_covers_the_image():
    assert len(tile_grid(100, 80, None, 96)) == 1
    assert len(tile_grid(100, 80, 128, 96)) == 1
    assert len(tile_grid(100, 80, 32, 96)) == 9


@pytest.fixture(scope="module")
def pair(double_features, content_path, style_paths):
    """The untiled and a 128 px-tiled objective of a 256 px photo, an image near the photo
    and the untiled cost and gradient there (float64 on a CPU is slow: computed once)."""
    config = TransferConfig(size=256, strength=0.6, tv_weight=10.0)
    photo = load_image_tensor(content_path, 256).double()
    painting = load_image_tensor(style_paths[0], 200).double()
    whole = Objective(double_features, photo, [painting], (1.0,), config)
    tiled = Objective(double_features, photo, [painting], (1.0,), config, tile=128,
                      gather_tile=128)
    noise = torch.rand(photo.shape, generator=torch.Generator().manual_seed(5)).double()
    image = (photo + 0.1 * noise).clamp(0, 1)
    return whole, tiled, image, whole.cost_and_gradient(image)


def test_tiled_gradient_equals_the_untiled_one_in_float64(pair):
    _, tiled, image, (expected_costs, expected) = pair
    costs, gradient = tiled.cost_and_gradient(image)
    assert len(tiled._tiles(image, tiled.tile)) == len(tiled._tiles(image, 128)) == 4
    error = (gradient - expected).norm() / expected.norm()
    assert error <= 1e-6, error
    for term in ("content", "style", "tv", "total"):
        want, got = float(getattr(expected_costs, term)), float(getattr(costs, term))
        assert got == pytest.approx(want, rel=1e-9), term
    assert float(tiled.cost(image).total) == pytest.approx(float(expected_costs.total), rel=1e-9)


def test_a_margin_too_small_is_not_exact(pair):
    """The check above can fail: tiles with half the margin give another gradient."""
    _, tiled, image, (_, expected) = pair
    tiled.margin //= 2
    try:
        _, gradient = tiled.cost_and_gradient(image)
    finally:
        tiled.margin *= 2
    assert (gradient - expected).norm() / expected.norm() > 1e-3


def test_tiled_targets_equal_the_untiled_ones(pair):
    whole, tiled, _, _ = pair
    for name, target in whole.regions[0].targets.items():
        torch.testing.assert_close(tiled.regions[0].targets[name], target, rtol=1e-10, atol=0)
    for name, target in whole.content_targets.items():
        torch.testing.assert_close(tiled.content_targets[name], target, rtol=1e-10, atol=0)


@pytest.mark.slow
def test_five_adam_steps_in_192_px_tiles_match_the_untiled_run(backbone, content_path, style_paths):
    """The issue's float32 check: --tile 192 at 512 px, 5 Adam steps, within 1/255."""
    config = TransferConfig(size=512, scales=1, steps=(5,), optimizer="adam", seed=1)
    photo, paintings = load_inputs(content_path, style_paths[:1], config)
    whole = stylize(photo, paintings, config, backbone=backbone)
    tiled = stylize(photo, paintings, config.replace(tile=192), backbone=backbone)
    assert (whole.image - photo).abs().mean() > 5 / 255  # the steps moved the image
    assert (tiled.image - whole.image).abs().mean() <= 1 / 255


def test_each_tile_of_each_step_is_reported(backbone, content_path, style_paths):
    """The progress bar's source: every tile of every step's pass 2 is named (pass 1, the
    Gram matrices, fits in one piece at this size and is not tiled)."""
    config = TransferConfig(size=96, scales=1, steps=(2,), seed=0, tile=32,
                            content_layers=("relu2_1",), style_layers=("relu1_1", "relu2_1"))
    photo, paintings = load_inputs(content_path, style_paths[:1], config)
    seen = []
    stylize(photo, paintings, config, backbone=backbone, on_tile=seen.append)
    assert {(t.scale, t.steps, t.tiles) for t in seen} == {(1, 2, 6)}  # 72 px: 2 rows
    assert {(t.step, t.stage) for t in seen} == {(1, 2), (2, 2)}
    assert sorted(t.tile for t in seen if (t.step, t.stage) == (2, 2)) == list(range(1, 7))
