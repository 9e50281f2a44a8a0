"""The memory planner: untiled when it fits, then tiles, a shorter history, Adam, a refusal."""

from __future__ import annotations

import pytest

from styletools.config import TransferConfig
from styletools.errors import ConfigError
from styletools.memory import (
    GB,
    IMAGE_BYTES,
    KEPT_HEAP_SHARE,
    MIN_HISTORY,
    REGION_BYTES_PER_PIXEL,
    MemoryBudgetError,
    largest_size,
    parse_size,
    plan_transfer,
)

PHOTO = (1365, 2048)  # a 3:2 photo; the plan scales it to each scale's size


def plan(size: int, budget: float, **changes):
    config = TransferConfig(size=size, **changes)
    return plan_transfer(PHOTO, config, device="cpu", budget=int(budget * GB))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6G", 6 * GB), ("6GB", 6 * GB), ("6 GiB", 6 * GB), ("4500M", 4500 * 2**20),
     ("0.5g", GB // 2), ("123", 123)],
)
def test_sizes_are_read_in_powers_of_1024(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "6 X", "-1G", ""])
def test_a_bad_size_is_a_config_error_naming_the_option(text):
    with pytest.raises(ConfigError, match="max_memory: .* is not a memory size"):
        TransferConfig(max_memory=text)


def test_a_plan_that_fits_runs_untiled_with_the_full_history():
    result = plan(512, 16)
    assert [s.tile for s in result.scales] == [None, None]
    assert [s.history for s in result.scales] == [100, 60]  # never more than the steps
    assert result.notes == () and result.peak <= 16 * GB


def test_a_smaller_budget_tiles_the_finest_scale_first():
    untiled = plan(2048, 16)
    tiled = plan(2048, 5)
    assert untiled.scales[-1].tile is None
    assert tiled.scales[0].tile is None and tiled.scales[-1].tile is not None
    assert tiled.scales[-1].tile % 16 == 0 and tiled.scales[-1].tiles > 1
    assert tiled.peak <= 5 * GB < untiled.peak
    assert tiled.seconds > untiled.seconds  # tiles cost time: only when needed


def test_the_history_shrinks_before_the_tiles_get_small():
    result = plan(4096, 8)
    finest = result.scales[-1]
    assert MIN_HISTORY <= finest.history < 60
    assert finest.tile >= 512
    assert any("history" in note for note in result.notes)


def test_adam_takes_over_when_no_history_fits_and_says_why():
    result = plan(8192, 9.5)
    finest = result.scales[-1]
    assert finest.optimizer == "adam" and finest.peak <= 9.5 * GB
    assert any("switched to Adam" in note for note in result.notes)


def test_no_fit_is_one_line_with_the_estimate_and_the_budget():
    with pytest.raises(MemoryBudgetError) as error:
        plan(8192, 2)
    message = str(error.value)
    assert "\n" not in message
    assert "8192x5460 px scale needs about" in message and "budget of 2.0 GB" in message


def test_forced_tiles_are_used_even_when_the_image_fits():
    result = plan(1024, 16, tile=200)
    assert [s.tile for s in result.scales] == [192, 192]  # on the 16 px grid


def test_the_estimate_grows_with_the_pixels():
    small, large = plan(1024, 100).peak, plan(2048, 100).peak
    per_pixel = (large - small) / (2048 * 1365 - 1024 * 683)
    assert per_pixel > 20 * IMAGE_BYTES  # copies, history and the pass all scale


def test_the_largest_size_fits_and_the_next_does_not():
    config = TransferConfig()
    side = largest_size(PHOTO, config, device="cpu", budget=4 * GB)
    plan_transfer(PHOTO, config.replace(size=side), device="cpu", budget=4 * GB)
    with pytest.raises(MemoryBudgetError):
        plan_transfer(PHOTO, config.replace(size=2 * side), device="cpu", budget=4 * GB)


def test_a_short_run_keeps_lbfgs_in_forced_small_tiles():
    """Three steps need three pairs of history, however small the tiles: no switch to Adam."""
    result = plan(512, 16, tile=256, scales=1, steps=(3,))
    assert (result.scales[0].optimizer, result.scales[0].history) == ("lbfgs", 3)
    assert result.notes == ()


def test_each_masked_region_adds_its_features_to_the_pass():
    config = TransferConfig(size=1024, scales=1, steps=(10,))
    plain, masked = (plan_transfer(PHOTO, config, device="cpu", budget=16 * GB, regions=n)
                     for n in (0, 2))
    pixels = masked.scales[0].height * masked.scales[0].width
    assert masked.peak - plain.peak == 2 * REGION_BYTES_PER_PIXEL * pixels
    tight = plain.peak + pixels * REGION_BYTES_PER_PIXEL  # one region's worth of room
    assert plan_transfer(PHOTO, config, device="cpu", budget=tight, regions=2).scales[0].tiles > 1


def test_a_whole_scale_near_its_budget_gives_the_heaps_free_pages_back_each_step():
    roomy = plan(1024, 16)
    assert not any(s.release_each_step for s in roomy.scales)
    tight = plan(1024, roomy.peak * (1 + KEPT_HEAP_SHARE / 2) / GB)  # fits, not with its holes
    assert [s.tile for s in tight.scales] == [None, None]
    assert tight.scales[-1].release_each_step and not tight.scales[0].release_each_step
    assert any("free pages go back after each step" in note for note in tight.notes)


def test_tiled_scales_and_gpu_scales_keep_the_heap_between_steps():
    tiled = plan(2048, 5)
    assert tiled.scales[-1].tile and not tiled.scales[-1].release_each_step
    config = TransferConfig(size=1024)
    whole = plan_transfer(PHOTO, config, device="cpu", budget=16 * GB).peak
    gpu = plan_transfer(PHOTO, config, device="cuda", budget=int(whole * 1.05))
    assert not any(s.release_each_step for s in gpu.scales)  # no glibc heap on a GPU
