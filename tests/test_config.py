"""Transfer settings: validation, presets and the coarse-to-fine schedule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from styletools.config import PRESETS, TransferConfig, describe_presets, parse_numbers, preset
from styletools.errors import ConfigError


def test_presets_fast_balanced_high_exist_and_differ():
    assert set(PRESETS) == {"fast", "balanced", "high"}
    fast, balanced, high = PRESETS["fast"], PRESETS["balanced"], PRESETS["high"]
    assert len({fast, balanced, high}) == 3
    # More work from fast to high: total steps grow.
    assert sum(fast.steps_per_scale()) < sum(balanced.steps_per_scale())
    assert sum(balanced.steps_per_scale()) < sum(high.steps_per_scale())


@pytest.mark.parametrize("name", ["fast", "balanced", "high"])
def test_preset_returns_the_named_config(name):
    assert preset(name) is PRESETS[name]
    assert name in describe_presets()


def test_balanced_is_the_dataclass_default():
    assert preset("balanced") == TransferConfig()


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ConfigError, match="'turbo'; choose from fast, balanced, high"):
        preset("turbo")


@pytest.mark.parametrize(
    ("size", "scales", "expected"),
    [
        (512, 1, (512,)),
        (512, 3, (128, 256, 512)),
        (512, 4, (64, 128, 256, 512)),
        (512, 5, (64, 128, 256, 512)),  # 32 px would be below the 64 px floor
        (100, 3, (64, 100)),  # 50 and 25 both become 64
        (48, 3, (48,)),  # smaller than the floor: a single scale at the size itself
        (129, 2, (64, 129)),
    ],
)
def test_scale_sizes_halve_down_to_64_px(size, scales, expected):
    assert TransferConfig(size=size, scales=scales, steps=(1,)).scale_sizes() == expected


@pytest.mark.parametrize(
    ("size", "scales", "steps", "expected"),
    [
        (512, 3, (30, 20, 10), (30, 20, 10)),
        (512, 3, (7,), (7, 7, 7)),
        (100, 3, (30, 20, 10), (20, 10)),  # the coarsest scale merged away: finest counts kept
        (48, 3, (30, 20, 10), (10,)),
    ],
)
def test_steps_per_scale_matches_scale_sizes(size, scales, steps, expected):
    config = TransferConfig(size=size, scales=scales, steps=steps)
    assert config.steps_per_scale() == expected
    assert len(config.steps_per_scale()) == len(config.scale_sizes())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size": 15}, "size: must be at least 16 px, got 15"),
        ({"scales": 0, "steps": (1,)}, "scales: must be at least 1"),
        ({"scales": 2, "steps": (1, 2, 3)}, r"steps: give one count or one per scale \(2\)"),
        ({"steps": (-1,)}, "steps: give one count"),
        ({"optimizer": "sgd"}, "optimizer: unknown 'sgd'; choose from lbfgs, adam"),
        ({"style_scale": 0.0}, "style_scale: must be positive"),
        ({"content_weight": -1.0}, "content_weight: must be >= 0"),
        ({"style_weight": -1.0}, "style_weight: must be >= 0"),
        ({"tv_weight": -0.1}, "tv_weight: must be >= 0"),
        ({"learning_rate": -0.1}, "learning_rate: must be >= 0"),
        ({"style_layer_weights": (1.0, 2.0)}, "style_layer_weights: give one weight"),
    ],
)
def test_invalid_settings_are_config_errors(changes, message):
    with pytest.raises(ConfigError, match=message):
        TransferConfig(**changes)


def test_replace_changes_a_copy_and_validates_again():
    base = TransferConfig()
    changed = base.replace(size=64, scales=1, steps=(3,))
    assert (changed.size, changed.scales, changed.steps) == (64, 1, (3,))
    assert base.size == 512
    with pytest.raises(ConfigError, match="size"):
        base.replace(size=8)


def test_config_is_frozen_and_hashable():
    config = TransferConfig()
    with pytest.raises(AttributeError):
        config.size = 10  # type: ignore[misc]
    assert hash(config) == hash(TransferConfig())


def test_config_module_does_not_import_torch():
    code = "import sys, styletools.config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("text", "expected"), [("150, 100 60", (150, 100, 60)), ("", ()),
                                                (None, ()), ("7", (7,))])
def test_parse_numbers(text, expected):
    assert parse_numbers(text, int, "steps") == expected


def test_parse_numbers_names_the_setting():
    with pytest.raises(ConfigError, match="style blend: expected numbers"):
        parse_numbers("two, one", float, "style blend")
